"""Synchronous Django ``File`` objects over aiofs files that live on the private loop.

A stored file is opened (``async with`` entered) on the storage's loop thread; every
``read``/``write``/``seek`` is one hop to that loop. Reads stream: only what is read is
fetched. Writes build the next version, committed atomically at ``close()``; a ``with``
block that raises discards it, as an aiofs block does.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from django.core.files.base import File  # type: ignore[import-untyped]

from aiofs import FileLike

from .._loop_thread import LoopThread

if TYPE_CHECKING:
    from ._storage import AiofsStorage

__all__ = ["AiofsFile", "RawFile", "aiofs_mode"]

_MODES = {"r": "r", "w": "w", "x": "x", "a": "a"}


def aiofs_mode(mode: str) -> tuple[str, bool]:
    """The aiofs mode for a Python ``open`` mode, and whether it is binary.

    Raises:
        ValueError: a mode aiofs files cannot honour (``+`` modes update files in place).
    """
    letters = mode.replace("b", "").replace("t", "")
    if "b" in mode and "t" in mode:
        raise ValueError(f"Invalid mode {mode!r}: binary and text at once")
    if letters not in _MODES:
        raise ValueError(
            f"Unsupported mode {mode!r} for a stored file: use 'r', 'w', 'x' or 'a' "
            "(with 'b' for bytes); '+' modes that update in place are not available"
        )
    return _MODES[letters], "b" in mode


class RawFile(io.RawIOBase):
    """A raw binary stream over an entered aiofs file, driven from another thread."""

    def __init__(self, loop: LoopThread, file: FileLike) -> None:
        super().__init__()
        self._loop = loop
        self._file = file
        self._reading = file.mode == "r"
        self._finished = False

    @classmethod
    def open(cls, loop: LoopThread, file: FileLike) -> RawFile:
        """Enter ``file`` on ``loop`` (raises what entering raises, e.g. ``FileNotFoundError``)."""
        loop.run(_enter(file))
        return cls(loop, file)

    @property
    def name(self) -> str:
        return self._file.name

    @property
    def mode(self) -> str:
        return "rb" if self._reading else f"{self._file.mode}b"

    def readable(self) -> bool:
        return self._reading

    def writable(self) -> bool:
        return not self._reading

    def seekable(self) -> bool:
        return self._reading

    def readinto(self, buffer: Any) -> int:
        self._check(self._reading, "read")
        view = memoryview(buffer).cast("B")
        data = self._loop.run(self._file.read(len(view)))
        view[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        self._check(self._reading, "read")
        return self._loop.run(self._file.read())

    def write(self, data: Any) -> int:
        self._check(not self._reading, "write")
        if self._finished or not self._loop.usable:
            # Discarded (abort(), or exit began): a buffered wrapper is flushing into it.
            return len(memoryview(data))
        chunk = bytes(data)
        self._loop.run(self._file.write(chunk))
        return len(chunk)

    def seek(self, offset: int, whence: int = 0) -> int:
        self._check(self._reading, "seek")
        return self._loop.run(self._file.seek(offset, whence))

    def tell(self) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        return self._loop.run(self._file.tell())

    def stored_size(self) -> int:
        """The size of the version being read (no data is fetched)."""
        return self._loop.run(_size(self._file))

    def _check(self, allowed: bool, what: str) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        if not allowed:
            raise io.UnsupportedOperation(f"{what} is not available in mode {self.mode!r}")

    def close(self) -> None:
        """Exit the aiofs block: commit the written version (writers), release."""
        if not self.closed:
            try:
                self._finish(None)
            finally:
                super().close()

    def abort(self, exc: BaseException) -> None:
        """Exit the aiofs block with ``exc``: nothing written is committed."""
        self._finish(exc)

    def _finish(self, exc: BaseException | None) -> None:
        if self._finished:
            return
        self._finished = True
        if not self._loop.usable:
            return  # closed by the garbage collector after exit began: never committed
        exit_ = self._file.__aexit__(type(exc) if exc else None, exc, None)
        if self._loop.in_thread():  # garbage-collected on the loop itself: cannot wait
            self._loop.submit(exit_)
        else:
            self._loop.run(exit_)


async def _enter(file: FileLike) -> None:
    await file.__aenter__()


async def _size(file: FileLike) -> int:
    at = await file.tell()
    end = await file.seek(0, 2)
    await file.seek(at)
    return end


class AiofsFile(File):  # type: ignore[misc]
    """A Django ``File`` for a stored file; reopening goes back to the storage."""

    def __init__(
        self, raw: RawFile, name: str, mode: str, binary: bool, storage: AiofsStorage
    ) -> None:
        stream: io.IOBase
        if raw.readable():
            stream = io.BufferedReader(raw, 64 << 10)
        else:
            stream = io.BufferedWriter(raw, 1 << 20)
        if not binary:
            stream = io.TextIOWrapper(stream, encoding="utf-8")
        super().__init__(stream, name)
        self.mode = mode
        self._raw = raw
        self._storage = storage

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> AiofsFile:
        """Rewind if open, else open the stored file again (Django's ``File.open``)."""
        if not self.closed:
            self.seek(0)
            return self
        reopened = self._storage.open(self.name, mode or self.mode)
        self.file, self._raw, self.mode = reopened.file, reopened._raw, reopened.mode
        return self

    @property
    def size(self) -> int:
        """The stored size (readers) or the count written so far (writers)."""
        if self.closed:
            raise ValueError("I/O operation on closed file")
        if self._raw.readable():
            return self._raw.stored_size()
        self.file.flush()
        return self._raw.tell()

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is not None:
            self._raw.abort(exc)
        self.close()
