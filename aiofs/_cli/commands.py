"""The commands: each takes the parsed arguments and a :class:`Session`, returns an exit code."""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timezone
from typing import Any

import aiofs

from . import errors
from .errors import CliError
from .locations import Location
from .progress import Progress, human_bytes
from .session import Selected, Session
from .sync import plan_sync
from .transfer import Copy, Transfer

Command = Callable[[argparse.Namespace, Session], Awaitable[int]]


def _info_json(info: aiofs.FileInfo, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "path": info.path,
        "size": info.size,
        "modified": info.modified.isoformat(),
        "etag": info.etag,
    }


def _print_json(data: object) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _progress(args: argparse.Namespace) -> Progress:
    enabled = not getattr(args, "quiet", False) and sys.stderr.isatty()
    return Progress(sys.stderr, enabled)


def _size(args: argparse.Namespace, size: int) -> str:
    return human_bytes(size) if getattr(args, "human", False) else str(size)


# -- inspecting ------------------------------------------------------------------------


async def ls(args: argparse.Namespace, session: Session) -> int:
    """List files: a glob's matches, a file, or everything under a folder."""
    found: list[Selected] = []
    for text in args.locations:
        loc = session.parse(text)
        found.extend([item async for item in session.select(loc, folders=True)])
    found.sort(key=lambda item: item.rel)
    if args.json:
        _print_json([_info_json(item.info, item.rel) for item in found])
        return errors.OK
    out = sys.stdout
    if args.long:
        width = max((len(_size(args, item.info.size)) for item in found), default=1)
        for item in found:
            info = item.info
            stamp = info.modified.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
            out.write(f"{_size(args, info.size):>{width}}  {stamp}  {info.etag}  {item.rel}\n")
    else:
        for item in found:
            out.write(item.rel + "\n")
    return errors.OK


async def stat(args: argparse.Namespace, session: Session) -> int:
    """Size, modification time and etag of each file."""
    results = []
    for text in args.locations:
        loc = session.parse(text)
        if not loc.path or loc.has_wildcard:
            raise CliError(f"{loc.text}: stat takes a file (use ls -l for folders and globs)")
        try:
            info = await session.fs(loc).stat(loc.path)
        except FileNotFoundError:
            raise CliError(f"{loc.text}: No such file", errors.NOT_FOUND) from None
        results.append((loc.text, info))
    if args.json:
        _print_json([_info_json(info, text) for text, info in results])
        return errors.OK
    for text, info in results:
        sys.stdout.write(
            f"location: {text}\npath:     {info.path}\nsize:     {info.size}\n"
            f"modified: {info.modified.isoformat()}\netag:     {info.etag}\n"
        )
    return errors.OK


async def cat(args: argparse.Namespace, session: Session) -> int:
    """Write files to stdout, streamed."""
    out = sys.stdout.buffer
    for text in args.locations:
        loc = session.parse(text)
        async for item in session.select(loc, folders=False):
            async with session.fs(loc).open(item.info.path) as file:
                while chunk := await file.read(1 << 20):
                    out.write(chunk)
    out.flush()
    return errors.OK


# -- removing --------------------------------------------------------------------------


async def rm(args: argparse.Namespace, session: Session) -> int:
    """Remove files: globs, files, or (with -r) everything under a folder."""
    removed = 0
    for text in args.locations:
        loc = session.parse(text)
        if session.missing_local(loc):
            if args.force:
                continue
            raise CliError(f"{loc.text}: No such file or folder", errors.NOT_FOUND)
        fs = session.fs(loc)
        if loc.has_wildcard:
            removed += await fs.rm(loc.path)
            continue
        if loc.path and await fs.exists(loc.path):
            removed += await fs.rm(glob.escape(loc.path))
            continue
        if loc.path == "" or await session.is_prefix(loc, loc.path):
            if not args.recursive:
                raise CliError(f"{loc.text} is a folder: use -r to remove everything under it")
            pattern = glob.escape(loc.path) + "/*" if loc.path else "*"
            removed += await fs.rm(pattern)
        elif not args.force:
            raise CliError(f"{loc.text}: No such file or folder", errors.NOT_FOUND)
    if args.json:
        _print_json({"removed": removed})
    elif args.verbose:
        sys.stdout.write(f"removed {removed} file(s)\n")
    return errors.OK


# -- copying ---------------------------------------------------------------------------


async def _dst_is_folder(session: Session, dst: Location, many: bool) -> bool:
    if many or dst.folder or not dst.path:
        return True
    if dst.local is not None:
        return session.is_local_dir(dst.local_file(dst.path))
    return not await session.fs(dst).exists(dst.path) and await session.is_prefix(dst, dst.path)


async def _copy_command(args: argparse.Namespace, session: Session, kind: str) -> int:
    *sources, dst_text = args.paths
    dst = session.parse(dst_text)
    if dst.has_wildcard:
        raise CliError(f"{dst.text}: a destination cannot be a glob")
    if kind == "get" and dst.local is None:
        raise CliError(f"{dst.text}: get writes to a local path (use cp between backends)")
    progress = _progress(args)
    started = time.monotonic()
    transfer = Transfer(
        session, progress, jobs=args.jobs, move=kind == "mv", on_done=_verbose(args, kind)
    )
    if sources == ["-"]:
        if kind != "put":
            raise CliError("'-' (stdin) is a source only for put")
        if not dst.path or dst.folder:
            raise CliError(f"{dst.text}: put - needs a file name, not a folder")
        async with progress.running():
            await transfer.from_stream(_stdin_reader(), dst, dst.path)
        return _summary(args, kind, transfer, started)
    locs = [session.parse(text) for text in sources]
    for loc in locs:
        if kind == "put" and loc.local is None:
            raise CliError(f"{loc.text}: put reads a local path (use cp between backends)")
    selected: list[tuple[Location, Selected]] = []
    for loc in locs:
        selected.extend([(loc, item) async for item in session.select(loc, folders=args.recursive)])
    many = len(locs) > 1 or any(loc.has_wildcard for loc in locs) or len(selected) > 1
    many = many or any(item.info.path != loc.path for loc, item in selected)
    into_folder = await _dst_is_folder(session, dst, many)
    copies = [
        Copy(
            loc,
            item.info.path,
            item.info.size,
            dst,
            dst.child(item.rel) if into_folder else dst.path,
        )
        for loc, item in selected
    ]
    progress.total_files = len(copies)
    progress.total_bytes = sum(copy.size for copy in copies)
    async with progress.running():
        await transfer.run(copies)
    return _summary(args, kind, transfer, started)


def _stdin_reader() -> Callable[[int], bytes]:
    """Raw reads of fd 0: a read left blocked at Ctrl-C holds no lock of ``sys.stdin``."""
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # a replaced sys.stdin (tests, embedding)
        return sys.stdin.buffer.read
    return lambda size: os.read(fd, size)


def _verbose(args: argparse.Namespace, kind: str) -> Callable[[Copy], None] | None:
    if not getattr(args, "verbose", False):
        return None
    verb = {"mv": "moved", "sync": "copied"}.get(kind, "copied")

    def report(job: Copy) -> None:
        sys.stdout.write(
            f"{verb} {job.src.text if job.src_path == job.src.path else job.src_path}"
            f" -> {job.dst_path}\n"
        )

    return report


def _summary(
    args: argparse.Namespace, kind: str, transfer: Transfer, started: float, **extra: Any
) -> int:
    seconds = round(time.monotonic() - started, 3)
    failed = len(transfer.errors)
    if args.json:
        _print_json(
            {
                "files": transfer.files,
                "bytes": transfer.bytes,
                **extra,
                "errors": failed,
                "seconds": seconds,
            }
        )
    if not failed:
        return errors.OK
    if not args.json and transfer.attempted > 1:
        sys.stderr.write(f"aiofs: {kind}: {failed} of {transfer.attempted} files failed\n")
    return errors.exit_code(transfer.errors[0][1])


async def cp(args: argparse.Namespace, session: Session) -> int:
    """Copy between any two locations (server-side within one file system)."""
    return await _copy_command(args, session, "cp")


async def mv(args: argparse.Namespace, session: Session) -> int:
    """Move: copy, then remove the source (one rename within one file system)."""
    return await _copy_command(args, session, "mv")


async def put(args: argparse.Namespace, session: Session) -> int:
    """Upload local files (or stdin with '-')."""
    return await _copy_command(args, session, "put")


async def get(args: argparse.Namespace, session: Session) -> int:
    """Download to a local path."""
    return await _copy_command(args, session, "get")


# -- sync ------------------------------------------------------------------------------


async def sync(args: argparse.Namespace, session: Session) -> int:
    """Make DST a copy of SRC: copy what is missing or changed; --delete extras."""
    src, dst = session.parse(args.src), session.parse(args.dst)
    for loc in (src, dst):
        if loc.has_wildcard:
            raise CliError(f"{loc.text}: sync takes folders, not globs (use cp for globs)")
    started = time.monotonic()
    plan = await plan_sync(session, src, dst, args.modify_window)
    progress = _progress(args)
    transfer = Transfer(session, progress, jobs=args.jobs, on_done=_verbose(args, "sync"))
    deleted = 0
    if args.dry_run:
        if not args.json:
            for job in plan.copies:
                sys.stdout.write(f"would copy {job.src_path} -> {job.dst_path}\n")
            for path in plan.extra if args.delete else []:
                sys.stdout.write(f"would delete {path}\n")
    else:
        progress.total_files = len(plan.copies)
        progress.total_bytes = sum(job.size for job in plan.copies)
        async with progress.running():
            await transfer.run(plan.copies)
        if args.delete and plan.extra:
            if transfer.errors:
                sys.stderr.write("aiofs: sync: not deleting anything, as some copies failed\n")
            else:
                fs = session.fs(dst)
                for path in plan.extra:
                    deleted += await fs.rm(glob.escape(path))
    extra: dict[str, Any] = {
        "skipped": plan.unchanged,
        "deleted": deleted,
        "dry_run": bool(args.dry_run),
    }
    if args.dry_run:
        extra["would_copy"] = len(plan.copies)
        extra["would_delete"] = len(plan.extra) if args.delete else 0
    if not args.json and not args.quiet and not args.dry_run:
        seconds = time.monotonic() - started
        sys.stderr.write(
            f"sync: {transfer.files} copied ({human_bytes(transfer.bytes)}), "
            f"{plan.unchanged} unchanged, {deleted} deleted, {len(transfer.errors)} failed "
            f"in {seconds:.1f} s\n"
        )
    return _summary(args, "sync", transfer, started, **extra)


COMMANDS: dict[str, Command] = {
    "ls": ls,
    "stat": stat,
    "cat": cat,
    "put": put,
    "get": get,
    "rm": rm,
    "cp": cp,
    "mv": mv,
    "sync": sync,
}
