"""The one file object every backend shares (CONTRACT §2).

It owns the modes, the read buffer with adaptive read-ahead, seek/tell/readline, the
write buffer that hands bounded chunks to the driver, and commit-on-clean-exit /
abort-on-error. A driver supplies only a :class:`Reader` and a :class:`Writer`.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING

from . import _errors
from ._driver import Reader, Writer

if sys.version_info >= (3, 11):
    from typing import Self
else:  # pragma: no cover
    from typing_extensions import Self

if TYPE_CHECKING:
    from ._fs import FileSystem

__all__ = ["File"]

_NEW, _OPEN, _DONE = 0, 1, 2


class File:
    """A binary file of a :class:`~aiofs.FileLikeSystem`, used inside ``async with``."""

    __slots__ = (
        "_buf",
        "_buf_at",
        "_fs",
        "_mode",
        "_path",
        "_pos",
        "_readahead",
        "_reader",
        "_state",
        "_wbuf",
        "_writer",
        "_wrote",
    )

    def __init__(self, fs: FileSystem, path: str, mode: str) -> None:
        self._fs = fs
        self._path = path
        self._mode = mode
        self._state = _NEW
        self._reader: Reader | None = None
        self._writer: Writer | None = None
        self._pos = 0
        self._buf = b""
        self._buf_at = 0
        self._readahead = fs._driver.min_readahead
        self._wbuf = bytearray()
        self._wrote = False

    @property
    def name(self) -> str:
        return self._path

    @property
    def mode(self) -> str:
        return self._mode

    def __repr__(self) -> str:
        return f"<aiofs.File {self._path!r} mode={self._mode!r} ({self._fs.where})>"

    # -- lifecycle ------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._state != _NEW:
            raise RuntimeError(f"File {self._path!r} was already opened; open() it again")
        driver = self._fs._live_driver()
        if self._mode == "r":
            self._reader = await driver.open_reader(self._path)
        else:
            self._writer = await driver.open_writer(self._path, self._mode)  # type: ignore[arg-type]
            if self._mode == "r+":
                try:
                    self._reader = await driver.open_reader(self._path)
                except BaseException:
                    await self._writer.abort()
                    raise
        self._state = _OPEN
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._state != _OPEN:
            return
        self._state = _DONE
        reader, writer, tail = self._reader, self._writer, bytes(self._wbuf)
        self._buf, self._wbuf = b"", bytearray()
        try:
            if writer is not None:
                # An r+ block that never wrote leaves the file as it was (aiofs 1.0).
                if exc_type is None and (self._wrote or self._mode != "r+"):
                    await writer.commit(tail)
                else:
                    await writer.abort()
        finally:
            if reader is not None:
                await reader.close()

    def _check(self) -> None:
        if self._state != _OPEN:
            where = "before" if self._state == _NEW else "after"
            raise RuntimeError(
                f"I/O on {self._path!r} {where} its 'async with' block "
                f"(use: async with fs.open(path, mode) as f)"
            )

    def _live_reader(self, what: str) -> Reader:
        self._check()
        if self._reader is None:
            raise _errors.unsupported(what, self._mode)
        return self._reader

    # -- reading --------------------------------------------------------------------

    async def read(self, size: int = -1) -> bytes:
        reader = self._live_reader("read")
        end = reader.info.size
        if size is None or size < 0:
            size = end - self._pos
        size = min(size, end - self._pos)
        if size <= 0:
            return b""
        data = await self._fetch(reader, self._pos, size)
        self._pos += len(data)
        return data

    async def _fetch(self, reader: Reader, pos: int, size: int) -> bytes:
        """Bytes ``[pos, pos+size)``, served from the buffer or one driver read."""
        rel = pos - self._buf_at
        if rel >= 0 and rel + size <= len(self._buf):
            return self._buf[rel : rel + size]
        sequential = self._buf != b"" and 0 <= rel <= len(self._buf)
        self._readahead = (
            min(self._readahead * 2, self._fs._driver.max_readahead)
            if sequential
            else self._fs._driver.min_readahead
        )
        head = b""
        if 0 <= rel < len(self._buf):  # the buffer holds the start of what is asked
            head = self._buf[rel:]
            pos, size = pos + len(head), size - len(head)
        want = min(max(size, self._readahead), reader.info.size - pos)
        chunk = await reader.read(pos, want)
        if want > size:
            self._buf, self._buf_at = chunk, pos
        else:
            self._buf, self._buf_at = b"", 0
        return head + chunk[:size] if head else chunk[:size]

    async def readline(self, size: int = -1) -> bytes:
        reader = self._live_reader("readline")
        end = reader.info.size
        limit = end if size is None or size < 0 else min(end, self._pos + size)
        parts: list[bytes] = []
        while self._pos < limit:
            rel = self._pos - self._buf_at
            if not (0 <= rel < len(self._buf)):
                want = min(self._readahead, end - self._pos)
                self._readahead = min(self._readahead * 2, self._fs._driver.max_readahead)
                self._buf, self._buf_at = await reader.read(self._pos, want), self._pos
                rel = 0
                if not self._buf:
                    break
            stop = min(len(self._buf), limit - self._buf_at)
            newline = self._buf.find(b"\n", rel, stop)
            cut = stop if newline < 0 else newline + 1
            parts.append(self._buf[rel:cut])
            self._pos = self._buf_at + cut
            if newline >= 0:
                break
        return b"".join(parts)

    def __aiter__(self) -> AsyncIterator[bytes]:
        self._live_reader("iteration")
        return self

    async def __anext__(self) -> bytes:
        line = await self.readline()
        if not line:
            raise StopAsyncIteration
        return line

    async def seek(self, offset: int, whence: int = 0) -> int:
        reader = self._live_reader("seek")
        if whence == 0:
            target = offset
        elif whence == 1:
            target = self._pos + offset
        elif whence == 2:
            target = reader.info.size + offset
        else:
            raise ValueError(f"Invalid whence ({whence}, should be 0, 1 or 2)")
        if target < 0:
            raise ValueError(f"Negative seek position {target}")
        self._pos = target
        return target

    async def tell(self) -> int:
        self._check()
        if self._reader is None and self._writer is not None:
            return self._writer.size + len(self._wbuf)
        return self._pos

    # -- writing --------------------------------------------------------------------

    async def write(self, data: bytes | bytearray | memoryview) -> int:
        self._check()
        writer = self._writer
        if writer is None:
            raise _errors.unsupported("write", self._mode)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(
                f"write() takes bytes, bytearray or memoryview, not {type(data).__name__}"
            )
        if isinstance(data, memoryview):  # count bytes, whatever the item format or layout
            data = data.cast("B") if data.c_contiguous else memoryview(data.tobytes())
        view = data
        self._wrote = True
        self._wbuf += view
        chunk = self._fs._driver.write_chunk
        while len(self._wbuf) >= chunk:
            with memoryview(self._wbuf) as whole:  # one copy (a bytearray slice is two)
                piece = whole[:chunk].tobytes()
            del self._wbuf[:chunk]
            await writer.write(piece)
        return len(view)
