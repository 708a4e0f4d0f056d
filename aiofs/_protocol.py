"""The public protocol: what application code depends on (CONTRACT §§2-3)."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from types import TracebackType
from typing import Protocol

if sys.version_info >= (3, 11):
    from typing import Self
else:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["FileInfo", "FileLike", "FileLikeSystem"]


@dataclasses.dataclass(frozen=True, slots=True)
class FileInfo:
    """What ``stat`` and ``scan`` report about one file.

    ``modified`` is a timezone-aware UTC datetime; ``etag`` changes whenever the content does.
    """

    path: str
    size: int
    modified: datetime
    etag: str


class FileLike(Protocol):
    """An open file: binary, async, usable only inside its ``async with`` block.

    Writes build the file's next version, which replaces the old one atomically at a clean
    exit; if the block raises, nothing is committed.
    """

    @property
    def name(self) -> str: ...

    @property
    def mode(self) -> str: ...

    async def __aenter__(self) -> Self:
        """Open: take the writer lock and/or pin the version to read.

        Raises:
            FileNotFoundError: ``r``/``r+`` on a missing file.
            FileExistsError: ``x`` on an existing file.
            BlockingIOError: another writer holds the path.
            RuntimeError: entered twice, or the file system is closed.
        """
        ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Commit at a clean exit (writers), discard on error; always release.

        Raises:
            BlockingIOError: lost a write race; nothing was committed.
            FileExistsError: ``x`` and someone else created the file first.
            ConnectionError, TimeoutError: at commit, the outcome is unknown.
        """
        ...

    async def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes from the position (all the rest if ``size < 0``).

        Raises:
            io.UnsupportedOperation: in a write-only mode.
            RuntimeError: outside the ``async with`` block.
        """
        ...

    async def readline(self, size: int = -1) -> bytes:
        """One line including its ``b"\\n"`` (or up to ``size`` bytes); ``b""`` at end."""
        ...

    async def seek(self, offset: int, whence: int = 0) -> int:
        """Move the read position (``whence`` 0, 1 or 2 as in ``io``); return it.

        Raises:
            io.UnsupportedOperation: in a write-only mode.
            ValueError: a negative position or an unknown ``whence``.
        """
        ...

    async def tell(self) -> int:
        """The read position (the count written, in a write-only mode)."""
        ...

    async def write(self, data: bytes | bytearray | memoryview) -> int:
        """Add ``data`` to the next version; return the count written.

        Raises:
            io.UnsupportedOperation: in mode ``r``.
            TypeError: ``data`` is not bytes-like.
        """
        ...

    def __aiter__(self) -> AsyncIterator[bytes]: ...


class FileLikeSystem(Protocol):
    """A flat namespace of binary files with the same semantics on every backend."""

    def open(self, path: str, mode: str = "r") -> FileLike:
        """A file for ``async with``; validates at once and does no I/O.

        Modes: ``r`` (read), ``r+`` (read the current version, write the whole next one),
        ``w`` (replace), ``a`` (old content + what is written), ``x`` (create only).

        Raises:
            ValueError: invalid path or mode.
        """
        ...

    async def ls(self, pattern: str = "*") -> list[str]:
        """Sorted paths matching a glob (``*`` also matches ``/``).

        Raises:
            ValueError: an empty pattern, or a literal pattern that is no valid path.
        """
        ...

    def scan(self, pattern: str = "*") -> AsyncIterator[FileInfo]:
        """The matches of ``ls``, with their details, streamed page by page in backend order."""
        ...

    async def rm(self, pattern: str) -> int:
        """Remove every match; return how many. No match is not an error."""
        ...

    async def cp(self, src: str, dst: str) -> None:
        """Copy ``src`` over ``dst`` atomically.

        Raises:
            FileNotFoundError: ``src`` is missing.
            BlockingIOError: ``dst`` has a writer.
        """
        ...

    async def mv(self, src: str, dst: str) -> None:
        """Move ``src`` to ``dst`` (atomic where the backend has an atomic rename).

        Raises:
            FileNotFoundError: ``src`` is missing.
            BlockingIOError: ``src`` or ``dst`` has a writer.
        """
        ...

    async def exists(self, path: str) -> bool:
        """Whether a file is stored at ``path``."""
        ...

    async def stat(self, path: str) -> FileInfo:
        """Size, modification time and etag.

        Raises:
            FileNotFoundError: ``path`` is missing.
        """
        ...

    async def read_bytes(self, path: str) -> bytes:
        """The whole file, in as few round trips as the backend allows.

        Raises:
            FileNotFoundError: ``path`` is missing.
        """
        ...

    async def write_bytes(self, path: str, data: bytes | bytearray | memoryview) -> None:
        """Replace the file with ``data`` atomically (mode ``w`` in one call).

        Raises:
            BlockingIOError: another writer holds the path.
        """
        ...

    async def close(self) -> None:
        """Release connections and pools; idempotent. Later use raises ``RuntimeError``."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
