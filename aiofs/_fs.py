"""The one ``FileLikeSystem`` implementation, over a backend :class:`Driver`.

Validation (paths, modes, patterns), the lifecycle (``close``, ``async with``), glob
matching and the one-shot helpers live here once; backends differ only in their driver.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from types import TracebackType

from . import _paths
from ._driver import Driver
from ._file import File
from ._protocol import FileInfo

if sys.version_info >= (3, 11):
    from typing import Self
else:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["FileSystem"]


class FileSystem:
    """A :class:`~aiofs.FileLikeSystem` whose I/O is done by a backend driver."""

    def __init__(self, driver: Driver) -> None:
        self._driver = driver
        self._closed = False

    @property
    def where(self) -> str:
        """The backend and location, as error messages name it (no secrets)."""
        return self._driver.where

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return f"<{type(self).__name__} {self._driver.where}{state}>"

    def _live_driver(self) -> Driver:
        if self._closed:
            raise RuntimeError(f"{self!r} is closed; open a new one with aiofs.open_fs()")
        return self._driver

    # -- files ------------------------------------------------------------------------

    def open(self, path: str, mode: str = "r") -> File:
        file = File(self, _paths.check_path(path), _paths.check_mode(mode))
        self._live_driver()  # no I/O: only refuses a closed file system at once
        return file

    async def read_bytes(self, path: str) -> bytes:
        _paths.check_path(path)
        return await self._live_driver().read_bytes(path)

    async def write_bytes(self, path: str, data: bytes | bytearray | memoryview) -> None:
        _paths.check_path(path)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(
                f"write_bytes() takes bytes, bytearray or memoryview, not {type(data).__name__}"
            )
        await self._live_driver().write_bytes(path, bytes(data))

    async def stat(self, path: str) -> FileInfo:
        _paths.check_path(path)
        return await self._live_driver().stat(path)

    async def exists(self, path: str) -> bool:
        _paths.check_path(path)
        return await self._live_driver().exists(path)

    async def cp(self, src: str, dst: str) -> None:
        driver = self._live_pair(src, dst)
        await (driver.stat(src) if src == dst else driver.copy(src, dst))

    async def mv(self, src: str, dst: str) -> None:
        driver = self._live_pair(src, dst)
        await (driver.stat(src) if src == dst else driver.move(src, dst))

    def _live_pair(self, src: str, dst: str) -> Driver:
        """Validate a source and a destination; ``cp``/``mv`` of a path onto itself only
        checks that it exists."""
        _paths.check_path(src)
        _paths.check_path(dst)
        return self._live_driver()

    # -- listing ----------------------------------------------------------------------

    async def ls(self, pattern: str = "*") -> list[str]:
        glob = _paths.Pattern(pattern)
        driver = self._live_driver()
        if glob.literal is not None:
            return [glob.literal] if await driver.exists(glob.literal) else []
        if glob.prefix is None:
            return []
        found: list[str] = []
        # "prefix*" matches every listed path: drivers list only names with the prefix.
        everything = glob.pattern == glob.prefix + "*"
        async for page in driver.list(glob.prefix):
            found.extend(page if everything else filter(glob.matches, page))
        found.sort()
        return found

    async def scan(self, pattern: str = "*") -> AsyncIterator[FileInfo]:
        glob = _paths.Pattern(pattern)
        driver = self._live_driver()
        if glob.literal is not None:
            try:
                yield await driver.stat(glob.literal)
            except FileNotFoundError:
                pass
            return
        if glob.prefix is None:
            return
        async for page in driver.list_info(glob.prefix, glob.matches):
            for info in page:
                yield info

    async def rm(self, pattern: str) -> int:
        glob = _paths.Pattern(pattern)
        driver = self._live_driver()
        if glob.literal is not None:
            return await driver.delete([glob.literal])
        return await driver.delete(await self.ls(pattern)) if glob.prefix is not None else 0

    # -- lifecycle --------------------------------------------------------------------

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._driver.close()

    async def __aenter__(self) -> Self:
        self._live_driver()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
