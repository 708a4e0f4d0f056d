"""Concurrent copies with bounded memory.

Up to ``jobs`` files move at once. Each is streamed in ``chunk``-sized pieces through
``fs.open`` (never read whole), so memory stays near ``jobs x (chunk + the file object's
read-ahead and write buffers)`` whatever the sizes. Copies within one file system use the
backend's own ``cp``/``mv`` (server-side where it can); small files go in one
``read_bytes``/``write_bytes`` round trip each. A destination is written through
``fs.open(path, "w")`` — or a temp file and a rename for a plain local path — so an error
or Ctrl-C never leaves it half-written.
"""

from __future__ import annotations

import asyncio
import dataclasses
import glob
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from . import interrupts, localfile
from .errors import message
from .locations import Location
from .progress import Progress
from .session import Session

__all__ = ["Copy", "Transfer"]

CHUNK = 1 << 20
#: Files up to this size (as listed) are copied with one read_bytes and one write_bytes.
SMALL = 256 << 10


class _Sink(Protocol):
    async def write(self, data: bytes) -> int: ...


@dataclasses.dataclass(frozen=True)
class Copy:
    """One file to copy (or move) from ``src:src_path`` to ``dst:dst_path``."""

    src: Location
    src_path: str
    size: int
    dst: Location
    dst_path: str

    def describe(self) -> str:
        return f"{self.src_path} -> {self.dst_path}"


def _fatal(exc: BaseException) -> bool:
    """Errors that would fail every other file too: stop at once instead."""
    return isinstance(exc, (ConnectionError, TimeoutError, ImportError)) or not isinstance(
        exc, Exception
    )


async def _read_in_daemon(read: Callable[[int], bytes], size: int) -> bytes:
    """``read(size)`` in a daemon thread: a read blocked on a pipe never holds up the exit
    after Ctrl-C (the default executor's threads are joined at exit)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[bytes] = loop.create_future()

    def deliver(result: bytes | None, exc: BaseException | None) -> None:
        if future.done():
            return
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result or b"")

    def work() -> None:
        try:
            result: bytes | None = read(size)
        except BaseException as exc:  # handed to the awaiting task
            loop.call_soon_threadsafe(deliver, None, exc)
        else:
            loop.call_soon_threadsafe(deliver, result, None)

    threading.Thread(target=work, name="aiofs-stdin", daemon=True).start()
    return await future


class Transfer:
    """Runs copies ``jobs`` at a time; per-file failures are reported and counted."""

    def __init__(
        self,
        session: Session,
        progress: Progress,
        *,
        jobs: int = 8,
        chunk: int = CHUNK,
        move: bool = False,
        on_done: Callable[[Copy], None] | None = None,
    ) -> None:
        self.session = session
        self.progress = progress
        self.jobs = max(1, jobs)
        self.chunk = chunk
        self.move = move
        self.on_done = on_done
        self.errors: list[tuple[Copy, BaseException]] = []
        self.files = 0
        self.bytes = 0
        self.attempted = 0

    async def run(self, copies: Iterable[Copy]) -> None:
        """Copy them all; raise only a fatal error (unreachable backend, Ctrl-C)."""
        pending = iter(copies)
        workers = [asyncio.ensure_future(self._worker(pending)) for _ in range(self.jobs)]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            raise

    async def _worker(self, pending: Iterable[Copy]) -> None:
        for job in pending:
            self.attempted += 1
            try:
                await self.copy(job)
            except Exception as exc:
                if _fatal(exc):
                    raise
                self.errors.append((job, exc))
                self.progress.clear()
                print(f"aiofs: {message(exc)}", file=sys.stderr)

    async def copy(self, job: Copy) -> None:
        session, src, dst = self.session, job.src, job.dst
        if session.same_fs(src, dst):
            fs = session.fs(src)
            await (fs.mv if self.move else fs.cp)(job.src_path, job.dst_path)
            self.progress.add(job.size)
            self.bytes += job.size
        elif self.move and src.local is not None and dst.local is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(
                None, localfile.move, src.local_file(job.src_path), dst.local_file(job.dst_path)
            )
            self.progress.add(job.size)
            self.bytes += job.size
        elif job.size <= SMALL:
            # One round trip each way (read_bytes/write_bytes): most of a small file's cost.
            data = await session.fs(src).read_bytes(job.src_path)
            if dst.local is not None:
                async with localfile.LocalWriter(dst.local_file(job.dst_path)) as writer:
                    await writer.write(data)
            else:
                await session.fs(dst).write_bytes(job.dst_path, data)
            self.progress.add(len(data))
            self.bytes += len(data)
            if self.move:
                await session.fs(src).rm(glob.escape(job.src_path))
        else:
            reading = session.fs(src).open(job.src_path, "r")
            async with reading as reader, self._writer(dst, job.dst_path) as writer:
                while chunk := await reader.read(self.chunk):
                    await writer.write(chunk)
                    self.progress.add(len(chunk))
                    self.bytes += len(chunk)
            if self.move:
                await session.fs(src).rm(glob.escape(job.src_path))
        self.files += 1
        self.progress.file_done()
        if self.on_done is not None:
            self.on_done(job)

    def _writer(self, dst: Location, path: str) -> Any:
        """An ``async with`` sink that commits ``path`` atomically at a clean exit."""
        if dst.local is not None:
            return localfile.LocalWriter(dst.local_file(path))
        return self.session.fs(dst).open(path, "w")

    async def from_stream(self, read: Callable[[int], bytes], dst: Location, path: str) -> None:
        """Copy a blocking byte stream (stdin for ``put -``) to ``dst:path``."""
        sink: _Sink
        async with self._writer(dst, path) as sink:
            while chunk := await _read_in_daemon(read, self.chunk):
                await sink.write(chunk)
                self.progress.add(len(chunk))
                self.bytes += len(chunk)
            interrupts.check()  # the stream may have ended because Ctrl-C killed its writer
        self.files += 1
