"""The driver interface: the little each backend supplies to the shared machinery.

:class:`aiofs._fs.FileSystem` and :class:`aiofs._file.File` own everything the contract
says about paths, modes, buffering, seeking, lines, commit-on-exit and abort-on-error. A
backend only knows how to read a range of a pinned version, stage and commit a next
version under its writer lock, stat, list a literal prefix, delete, copy and move.

Drivers receive validated paths and raise only contract errors (see ``_errors``): each
translates its client's exceptions at one seam.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Literal

from ._protocol import FileInfo

WriteMode = Literal["w", "a", "x", "r+"]


class Reader(abc.ABC):
    """One pinned version of a file, for random-access reads."""

    info: FileInfo

    @abc.abstractmethod
    async def read(self, offset: int, size: int) -> bytes:
        """Bytes ``[offset, offset + size)`` of the pinned version (short at its end).

        Raises ``BlockingIOError`` (see ``_errors.changed``) if that version can no longer
        be read, never bytes of another version.
        """

    async def close(self) -> None:  # noqa: B027 - most readers hold nothing
        """Release what the reader holds."""


class Writer(abc.ABC):
    """The next version of one file, staged under the writer's exclusion.

    Exactly one of :meth:`commit` or :meth:`abort` is called, once, and each releases the
    lock and staging whatever happens. ``size`` is how much the next version holds so far
    (for mode ``a``: the old content, preloaded by the driver).
    """

    size: int = 0

    @abc.abstractmethod
    async def write(self, data: bytes) -> None:
        """Stage ``data`` at offset ``size`` and advance ``size`` (idempotent on retry)."""

    @abc.abstractmethod
    async def commit(self, tail: bytes) -> None:
        """Stage ``tail`` (possibly empty) and make the version visible atomically.

        Raises ``BlockingIOError`` if the write was not committed because of another
        writer, ``FileExistsError`` for a lost ``x`` race.
        """

    @abc.abstractmethod
    async def abort(self) -> None:
        """Discard the staged version and release the lock."""


class Driver(abc.ABC):
    """A backend. ``where`` names it in error messages (never with secrets)."""

    where: str = "?"
    #: Bytes the file object buffers before it hands a chunk to :meth:`Writer.write`.
    write_chunk: int = 1 << 20
    #: The largest read-ahead the file object asks for on sequential reads.
    max_readahead: int = 4 << 20
    #: The read-ahead after a seek: a round trip to a server costs far more than 64 KiB
    #: of bytes, while a local read is cheap and its copying is what costs.
    min_readahead: int = 64 << 10

    @abc.abstractmethod
    async def stat(self, path: str) -> FileInfo: ...

    @abc.abstractmethod
    async def open_reader(self, path: str) -> Reader: ...

    @abc.abstractmethod
    async def open_writer(self, path: str, mode: WriteMode) -> Writer:
        """Take the writer lock (``BlockingIOError`` if held) and start the next version.

        ``x``: ``FileExistsError`` if the file exists. ``a``: the next version starts as a
        copy of the current one (if any). ``r+``: ``FileNotFoundError`` if missing.
        """

    @abc.abstractmethod
    def list(self, prefix: str) -> AsyncIterator[Sequence[str]]:
        """Pages of stored paths that start with the literal ``prefix``, each path once."""

    @abc.abstractmethod
    async def delete(self, paths: Sequence[str]) -> int:
        """Remove these paths; return how many existed."""

    async def list_info(
        self, prefix: str, keep: Callable[[str], bool]
    ) -> AsyncIterator[Sequence[FileInfo]]:
        """Pages of :class:`FileInfo` for the listed paths that ``keep`` accepts."""
        async for page in self.list(prefix):
            infos = []
            for path in page:
                if keep(path):
                    try:
                        infos.append(await self.stat(path))
                    except FileNotFoundError:
                        continue
            if infos:
                yield infos

    async def read_bytes(self, path: str) -> bytes:
        reader = await self.open_reader(path)
        try:
            return await reader.read(0, reader.info.size)
        finally:
            await reader.close()

    async def write_bytes(self, path: str, data: bytes) -> None:
        writer = await self.open_writer(path, "w")
        await writer.commit(data)

    async def exists(self, path: str) -> bool:
        try:
            await self.stat(path)
        except FileNotFoundError:
            return False
        return True

    async def copy(self, src: str, dst: str) -> None:
        """Replace ``dst`` with ``src`` under ``dst``'s writer lock (streamed, generic)."""
        reader = await self.open_reader(src)
        try:
            writer = await self.open_writer(dst, "w")
            try:
                offset, size = 0, reader.info.size
                while offset < size:
                    chunk = await reader.read(offset, min(self.write_chunk, size - offset))
                    if not chunk:
                        break
                    await writer.write(chunk)
                    offset += len(chunk)
            except BaseException:
                await writer.abort()
                raise
            await writer.commit(b"")
        finally:
            await reader.close()

    async def move(self, src: str, dst: str) -> None:
        """Copy then delete (drivers with an atomic rename override this)."""
        await self.copy(src, dst)
        await self.delete([src])

    async def close(self) -> None:  # noqa: B027 - drivers without connections
        """Release connections and pools."""
