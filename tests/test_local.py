"""Local-disk specifics: symlinks, the portability rule, own files, pruning, fsync,
writer exclusion across processes, and a writer killed mid-write."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import stat
import sys

import pytest

import aiofs
from aiofs.os import OsFileSystem


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "root"
    path.mkdir()
    return path


@pytest.fixture
async def fs(root):
    async with aiofs.open_fs(f"file://{root}") as fs:
        yield fs


@pytest.fixture
def outside(tmp_path):
    out = tmp_path / "outside"
    out.mkdir()
    (out / "secret").write_bytes(b"do not read")
    return out


# -- symlinks ---------------------------------------------------------------------------


async def test_directory_symlink_leading_out_is_refused(fs, root, outside):
    """§1: a directory symlink out of the root counts as outside: PermissionError."""
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "sub").mkdir()
    (root / "sub" / "deeper").symlink_to("../../outside")
    for path in ["link/secret", "sub/deeper/secret"]:
        for call, args in (
            (fs.read_bytes, (path,)),
            (fs.stat, (path,)),
            (fs.exists, (path,)),
            (fs.write_bytes, (path, b"pwned")),
            (fs.cp, ("ok", path)),
            (fs.cp, (path, "ok")),
            (fs.mv, (path, "ok")),
        ):
            await fs.write_bytes("ok", b"ok")
            with pytest.raises(PermissionError) as excinfo:
                await call(*args)
            assert excinfo.value.filename == path
        for mode in ["r", "r+", "w", "a", "x"]:
            with pytest.raises(PermissionError):
                async with fs.open(path, mode) as f:
                    await f.write(b"pwned") if mode != "r" else None
        with pytest.raises(PermissionError):
            await fs.write_bytes(path.replace("secret", "new/file"), b"pwned")
    assert (outside / "secret").read_bytes() == b"do not read"
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]


async def test_file_symlink_leading_out_is_refused(fs, root, outside):
    """§1: a file symlink out of the root counts as outside: PermissionError, nothing written."""
    (root / "leak").symlink_to(outside / "secret")
    (root / "abs").symlink_to("/etc/hostname")
    for path in ["leak", "abs"]:
        with pytest.raises(PermissionError):
            await fs.read_bytes(path)
        with pytest.raises(PermissionError):
            await fs.stat(path)
        for mode in ["r", "r+", "w", "a", "x"]:
            with pytest.raises((PermissionError, FileExistsError)):
                async with fs.open(path, mode) as f:
                    if mode != "r":
                        await f.write(b"pwned")
        with pytest.raises(PermissionError):
            await fs.write_bytes(path, b"pwned")
    assert (outside / "secret").read_bytes() == b"do not read"


async def test_listing_never_shows_outside_content(fs, root, outside):
    """§1: ls/scan never list what lies outside the root (through any symlink)."""
    await fs.write_bytes("inside/file", b"in")
    (root / "dirlink").symlink_to(outside, target_is_directory=True)
    (root / "inside" / "filelink").symlink_to(outside / "secret")
    (root / "loop").symlink_to(root, target_is_directory=True)
    listed = await fs.ls()
    assert "dirlink/secret" not in listed
    assert "inside/filelink" not in listed
    assert not any(p.startswith("loop/") for p in listed)
    assert listed == ["inside/file"]
    assert [i.path async for i in fs.scan()] == ["inside/file"]
    assert await fs.ls("dirlink/*") == []


async def test_symlinks_staying_inside_work(fs, root):
    """§1: symlinks whose target stays inside the root are followed."""
    await fs.write_bytes("real/dir/file", b"content")
    (root / "alias").symlink_to("real/dir", target_is_directory=True)
    (root / "real" / "filealias").symlink_to("dir/file")
    (root / "abs_alias").symlink_to(root / "real", target_is_directory=True)
    assert await fs.read_bytes("alias/file") == b"content"
    assert await fs.read_bytes("real/filealias") == b"content"
    assert await fs.read_bytes("abs_alias/dir/file") == b"content"
    assert (await fs.stat("alias/file")).size == 7
    await fs.write_bytes("alias/new", b"through the link")
    assert (root / "real" / "dir" / "new").read_bytes() == b"through the link"
    async with fs.open("abs_alias/dir/file", "a") as f:
        await f.write(b"+")
    assert await fs.read_bytes("real/dir/file") == b"content+"


# -- the portability rule ---------------------------------------------------------------


async def test_file_then_prefix_of_file(fs):
    """§1 portability: `a` then `a/b` raises NotADirectoryError on a disk, naming the path."""
    await fs.write_bytes("a", b"file")
    with pytest.raises((NotADirectoryError, IsADirectoryError)) as excinfo:
        await fs.write_bytes("a/b", b"nested")
    assert excinfo.value.filename == "a/b"
    with pytest.raises((NotADirectoryError, IsADirectoryError)):
        async with fs.open("a/b/c", "w") as f:
            await f.write(b"x")
    assert await fs.read_bytes("a") == b"file"
    assert await fs.ls() == ["a"]


async def test_prefix_then_file(fs):
    """§1 portability: `a/b` then `a` raises IsADirectoryError on a disk, naming the path."""
    await fs.write_bytes("a/b", b"nested")
    for make in (
        lambda: fs.write_bytes("a", b"file"),
        lambda: fs.cp("a/b", "a"),
        lambda: fs.mv("a/b", "a"),
    ):
        with pytest.raises((NotADirectoryError, IsADirectoryError)) as excinfo:
            await make()
        assert excinfo.value.filename == "a"
    with pytest.raises((NotADirectoryError, IsADirectoryError)):
        async with fs.open("a", "w") as f:
            await f.write(b"x")
    assert await fs.read_bytes("a/b") == b"nested"
    assert await fs.ls() == ["a/b"]
    assert not await fs.exists("a")
    with pytest.raises(FileNotFoundError):
        await fs.read_bytes("a")


# -- own files, pruning -----------------------------------------------------------------


async def test_own_files_never_listed(fs, root):
    """§1: lock and temp files stay hidden from ls/scan, even ones a crash left behind."""
    await fs.write_bytes("a/b", b"1")
    async with fs.open("a/c", "w") as f:
        await f.write(b"2")
        on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
        assert await fs.ls() == ["a/b"]
    assert on_disk - {"a/b"}, "expected lock/temp files on disk"
    assert all("\x7f" in name for name in on_disk - {"a/b"})
    (root / "a" / ".aiofs\x7fleft-by-a-crash.tmp").write_bytes(b"junk")
    assert await fs.ls() == ["a/b", "a/c"]
    assert [i.path async for i in fs.scan("a/*")] == ["a/b", "a/c"]


async def test_foreign_files_with_invalid_names_are_skipped(fs, root):
    """§1: files on disk whose names no aiofs path can have are not listed."""
    await fs.write_bytes("ok", b"")
    (root / "back\\slash").write_bytes(b"")
    (root / "ctl\x01").write_bytes(b"")
    os.mkdir(os.path.join(os.fsencode(root), b"bad\xff"))
    os.close(os.open(os.path.join(os.fsencode(root), b"bad\xff", b"f"), os.O_CREAT | os.O_WRONLY))
    assert await fs.ls() == ["ok"]


async def test_empty_directories_are_pruned(fs, root):
    """§1: directories exist only as prefixes: rm and mv leave no empty directory behind."""
    await fs.write_bytes("a/b/c/d", b"1")
    await fs.write_bytes("a/x", b"2")
    assert await fs.rm("a/b/c/d") == 1
    assert not (root / "a" / "b").exists()
    assert (root / "a" / "x").exists()
    await fs.mv("a/x", "m/n/o")
    assert not (root / "a").exists()
    assert (root / "m" / "n" / "o").exists()
    assert await fs.rm("*") == 1
    assert [p.name for p in root.iterdir() if "\x7f" not in p.name] == []


async def test_write_into_a_directory_being_pruned(fs):
    """§1: writers racing rm's pruning of the same directory still commit."""

    async def churn(i: int) -> None:
        for j in range(30):
            await fs.write_bytes(f"d/e/{i}", b"%d" % j)
            await fs.rm(f"d/e/{i}")

    await asyncio.gather(*(churn(i) for i in range(6)))
    assert await fs.ls() == []


# -- fsync ------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["w", "write_bytes", "cp", "mv"])
async def test_fsync_option_syncs_file_and_directory(root, monkeypatch, how):
    """fsync=True fsyncs each committed file and its directory."""
    synced: list[str] = []
    real = os.fsync

    def spy(fd):
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real(fd)

    async with aiofs.open_fs(f"file://{root}?fsync=true") as fs:
        await fs.write_bytes("src", b"x")
        monkeypatch.setattr(os, "fsync", spy)
        if how == "w":
            async with fs.open("d/f", "w") as f:
                await f.write(b"data")
        elif how == "write_bytes":
            await fs.write_bytes("d/f", b"data")
        else:
            await getattr(fs, how)("src", "d/f")
    assert "dir" in synced
    if how != "mv":
        assert synced.index("file") < synced.index("dir")


async def test_no_fsync_by_default(fs, monkeypatch):
    """fsync is off by default (opt-in durability)."""
    calls: list[int] = []
    monkeypatch.setattr(os, "fsync", calls.append)
    await fs.write_bytes("f", b"x")
    assert calls == []


# -- errors -----------------------------------------------------------------------------


async def test_os_errors_are_chained(fs):
    """§4: the original OSError is chained to the translated error."""
    with pytest.raises(FileNotFoundError) as excinfo:
        await fs.read_bytes("missing/file")
    assert isinstance(excinfo.value.__cause__, OSError)
    assert "file://" in str(excinfo.value)


async def test_deep_root_beyond_path_max(tmp_path):
    """§1: a root plus a 1024-byte path longer than PATH_MAX still works (fd-relative walks)."""
    root = tmp_path
    while len(str(root)) < 3400:
        root = root / ("d" * 200)
    seg = "s" * 255
    path = "/".join([seg, seg, seg, "s" * 254, "t"])
    assert len(str(root)) + len(path) > os.pathconf("/", "PC_PATH_MAX")
    async with aiofs.open_fs(f"file://{root}") as fs:
        await fs.write_bytes(path, b"deep")
        assert await fs.read_bytes(path) == b"deep"
        assert await fs.ls() == [path]
        assert await fs.rm("*") == 1


def test_root_and_template():
    """§6: OsFileSystem's root is the template's directory, absolute."""
    fs = OsFileSystem(template="relative/dir/{}")
    assert fs.root == os.path.abspath("relative/dir")
    assert not os.path.exists(fs.root)


# -- processes --------------------------------------------------------------------------


def _race_worker(root: str, index: int, start, tried, results) -> None:
    async def main() -> str:
        payload = bytes([65 + index]) * (300_000 + index)
        fs = aiofs.open_fs(f"file://{root}")
        entered = False
        try:
            start.wait()
            async with fs.open("race", "w") as f:
                entered = True
                await asyncio.to_thread(tried.wait)
                await f.write(payload[:1000])
                await asyncio.sleep(0.01)
                await f.write(payload[1000:])
            return "committed"
        except BlockingIOError:
            if not entered:
                await asyncio.to_thread(tried.wait)
            return "blocked on enter" if not entered else "blocked on exit"
        finally:
            await fs.close()

    results.put((index, asyncio.run(main())))


def test_writer_exclusion_across_processes(tmp_path):
    """§2: of writers in several processes whose blocks overlap, exactly one commits."""
    root = str(tmp_path / "root")
    n = 4
    ctx = multiprocessing.get_context("spawn")
    for _ in range(2):
        start, tried, results = ctx.Barrier(n), ctx.Barrier(n), ctx.Queue()
        procs = [
            ctx.Process(target=_race_worker, args=(root, i, start, tried, results))
            for i in range(n)
        ]
        for proc in procs:
            proc.start()
        outcomes = dict(results.get(timeout=60) for _ in procs)
        for proc in procs:
            proc.join(timeout=60)
            assert proc.exitcode == 0
        winners = [i for i, what in outcomes.items() if what == "committed"]
        assert len(winners) == 1, outcomes
        assert all(what.startswith("blocked") for i, what in outcomes.items() if i != winners[0])
        with open(os.path.join(root, "race"), "rb") as f:
            assert f.read() == bytes([65 + winners[0]]) * (300_000 + winners[0])


def _killed_worker(root: str, inside) -> None:
    async def main() -> None:
        fs = aiofs.open_fs(f"file://{root}")
        async with fs.open("victim", "w") as f:
            await f.write(b"N" * (3 << 20))
            inside.set()
            await asyncio.sleep(120)

    asyncio.run(main())


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
async def test_killed_writer_leaves_old_content_and_frees_the_lock(root):
    """§2: a writer killed mid-write (kill -9) commits nothing; the lock is free at once."""
    async with aiofs.open_fs(f"file://{root}") as fs:
        await fs.write_bytes("victim", b"old content")
        ctx = multiprocessing.get_context("spawn")
        inside = ctx.Event()
        proc = ctx.Process(target=_killed_worker, args=(str(root), inside))
        proc.start()
        try:
            assert await asyncio.to_thread(inside.wait, 60)
            with pytest.raises(BlockingIOError):
                await fs.write_bytes("victim", b"blocked")
        finally:
            assert proc.pid is not None
            os.kill(proc.pid, signal.SIGKILL)
            await asyncio.to_thread(proc.join, 60)
        assert proc.exitcode == -signal.SIGKILL
        assert await fs.read_bytes("victim") == b"old content"
        assert await fs.ls() == ["victim"]
        async with fs.open("victim", "a") as f:  # the lock died with the process
            await f.write(b"+after")
        assert await fs.read_bytes("victim") == b"old content+after"
