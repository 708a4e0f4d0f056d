"""In-process backend (``memory://[name]``): the contract's semantics with no I/O.

The same writer exclusion, atomic commit and pinned-version reads as every other backend,
so it is a faithful test double: a named store is shared by every file system opened with
that name in the process; no name gives a fresh private store.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timezone
from typing import Any

from . import _errors
from ._driver import Driver, Reader, WriteMode, Writer
from ._fs import FileSystem
from ._protocol import FileInfo

__all__ = ["InMemFileSystem"]

_PAGE = 1000


class _Store:
    """Files and writer locks.

    Every mutation runs within one event-loop step; taking a lock is also guarded by a
    thread lock, because a named store may be shared by file systems on several loops.
    """

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, FileInfo]] = {}
        self.locks: set[str] = set()
        self.guard = threading.Lock()


_NAMED: dict[str, _Store] = {}
_NAMED_LOCK = threading.Lock()


def _store(name: str | None) -> _Store:
    if name is None:
        return _Store()
    with _NAMED_LOCK:
        return _NAMED.setdefault(name, _Store())


def _info(path: str, data: bytes) -> FileInfo:
    return FileInfo(path, len(data), datetime.now(timezone.utc), os.urandom(8).hex())


class _MemReader(Reader):
    def __init__(self, data: bytes, info: FileInfo) -> None:
        self._data = memoryview(data)
        self.info = info

    async def read(self, offset: int, size: int) -> bytes:
        return bytes(self._data[offset : offset + size])


class _MemWriter(Writer):
    def __init__(self, driver: _MemDriver, path: str, mode: WriteMode, start: bytes) -> None:
        self._driver, self._path, self._mode = driver, path, mode
        self._chunks = [start] if start else []
        self.size = len(start)

    async def write(self, data: bytes) -> None:
        self._chunks.append(data)
        self.size += len(data)

    async def commit(self, tail: bytes) -> None:
        try:
            await asyncio.sleep(0)  # a commit is an I/O point on every other backend
            data = b"".join([*self._chunks, tail])
            self._driver._put(self._path, data)
        finally:
            self._driver._store.locks.discard(self._path)

    async def abort(self) -> None:
        self._chunks = []
        self._driver._store.locks.discard(self._path)


class _MemDriver(Driver):
    def __init__(self, name: str | None) -> None:
        self._store = _store(name)
        self.where = f"memory://{name}" if name else "memory://"

    def _put(self, path: str, data: bytes) -> None:
        self._store.files[path] = (data, _info(path, data))

    def _get(self, path: str) -> tuple[bytes, FileInfo]:
        try:
            return self._store.files[path]
        except KeyError:
            raise _errors.not_found(path, self.where) from None

    def _lock(self, path: str) -> None:
        store = self._store
        with store.guard:
            if path in store.locks:
                raise _errors.busy(path, self.where)
            store.locks.add(path)

    async def stat(self, path: str) -> FileInfo:
        return self._get(path)[1]

    async def exists(self, path: str) -> bool:
        return path in self._store.files

    async def open_reader(self, path: str) -> Reader:
        return _MemReader(*self._get(path))

    async def read_bytes(self, path: str) -> bytes:
        return self._get(path)[0]

    async def open_writer(self, path: str, mode: WriteMode) -> Writer:
        await asyncio.sleep(0)
        current = self._store.files.get(path)
        if mode == "x" and current is not None:
            raise _errors.exists(path, self.where)
        if mode == "r+" and current is None:
            raise _errors.not_found(path, self.where)
        self._lock(path)
        start = current[0] if mode == "a" and current is not None else b""
        return _MemWriter(self, path, mode, start)

    async def list(self, prefix: str) -> AsyncIterator[Sequence[str]]:
        names = [name for name in self._store.files if name.startswith(prefix)]
        for start in range(0, len(names), _PAGE):
            yield names[start : start + _PAGE]

    async def delete(self, paths: Sequence[str]) -> int:
        files = self._store.files
        return sum(files.pop(path, None) is not None for path in paths)

    async def copy(self, src: str, dst: str) -> None:
        data = self._get(src)[0]
        self._lock(dst)
        try:
            await asyncio.sleep(0)
            self._put(dst, data)
        finally:
            self._store.locks.discard(dst)

    async def move(self, src: str, dst: str) -> None:
        data = self._get(src)[0]
        self._lock(src)
        try:
            self._lock(dst)
        except BlockingIOError:
            self._store.locks.discard(src)
            raise
        try:
            await asyncio.sleep(0)
            self._put(dst, data)
            del self._store.files[src]
        finally:
            self._store.locks.discard(src)
            self._store.locks.discard(dst)


class InMemFileSystem(FileSystem):
    """Files kept in this process's memory.

    Args:
        name: share one store among every file system opened with this name in the
            process (``memory://name``); ``None`` makes a fresh private store.
    """

    def __init__(self, name: str | None = None) -> None:
        super().__init__(_MemDriver(name))


def _from_url(url: str, **options: Any) -> InMemFileSystem:
    from urllib.parse import urlsplit

    if options:
        raise ValueError(f"Unknown option(s) for memory://: {', '.join(sorted(options))}")
    parts = urlsplit(url)
    name = (parts.netloc + parts.path).strip("/") or None
    return InMemFileSystem(name)
