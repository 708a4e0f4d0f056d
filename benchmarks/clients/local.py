"""Local-disk clients: raw ``asyncio.to_thread`` + ``open``, aiofiles, fsspec, obstore, OpenDAL.

None of them gives writer exclusion or atomic commit; they are the speed to match.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from . import Client


def _write_file(path: str, data: bytes) -> None:
    try:
        with open(path, "wb") as f:
            f.write(data)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def _with_parent(func: Any, src: str, dst: str) -> None:
    try:
        func(src, dst)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        func(src, dst)


def _seek_read(f: BinaryIO, offset: int, size: int) -> bytes:
    f.seek(offset)
    return f.read(size)


def _fill(root: str, prefix: str, count: int, data: bytes) -> None:
    os.makedirs(os.path.join(root, prefix), exist_ok=True)
    for i in range(count):
        with open(os.path.join(root, prefix, f"{i:06d}"), "wb") as f:
            f.write(data)


class _LocalBase(Client):
    backend = "local"

    def __init__(self, root: str) -> None:
        self.root = root

    async def start(self) -> None:
        os.makedirs(self.root, exist_ok=True)

    def p(self, path: str) -> str:
        return os.path.join(self.root, path)

    async def fill(self, prefix: str, count: int, data: bytes) -> None:
        await asyncio.to_thread(_fill, self.root, prefix, count, data)


class RawLocal(_LocalBase):
    """``asyncio.to_thread(Path.write_bytes / read_bytes)``; open/seek/read in threads."""

    name = "raw"

    async def write(self, path: str, data: bytes) -> None:
        await asyncio.to_thread(_write_file, self.p(path), data)

    async def read(self, path: str) -> bytes:
        return await asyncio.to_thread(Path(self.p(path)).read_bytes)

    async def ranged(self, path: str, offsets: Sequence[int], size: int) -> int:
        f = await asyncio.to_thread(open, self.p(path), "rb")
        try:
            total = 0
            for offset in offsets:
                total += len(await asyncio.to_thread(_seek_read, f, offset, size))
            return total
        finally:
            await asyncio.to_thread(f.close)

    async def ls(self, prefix: str) -> list[str]:
        names = await asyncio.to_thread(os.listdir, self.p(prefix))
        return sorted(f"{prefix}/{name}" for name in names)

    async def cp(self, src: str, dst: str) -> None:
        await asyncio.to_thread(_with_parent, shutil.copyfile, self.p(src), self.p(dst))

    async def mv(self, src: str, dst: str) -> None:
        await asyncio.to_thread(_with_parent, os.replace, self.p(src), self.p(dst))

    async def contend(self, path: str, data: bytes) -> bool:
        await self.write(path, data)  # no exclusion: every writer "wins", last one stays
        return True


class AiofilesLocal(_LocalBase):
    name = "aiofiles"

    def __init__(self, root: str) -> None:
        super().__init__(root)
        import aiofiles
        import aiofiles.os

        self._aiofiles = aiofiles
        self._dirs: set[str] = set()

    async def write(self, path: str, data: bytes) -> None:
        target = self.p(path)
        parent = os.path.dirname(target)
        if parent not in self._dirs:  # as a caller would: once per directory
            await self._aiofiles.os.makedirs(parent, exist_ok=True)
            self._dirs.add(parent)
        async with self._aiofiles.open(target, "wb") as f:
            await f.write(data)

    async def read(self, path: str) -> bytes:
        async with self._aiofiles.open(self.p(path), "rb") as f:
            data: bytes = await f.read()
            return data

    async def ranged(self, path: str, offsets: Sequence[int], size: int) -> int:
        total = 0
        async with self._aiofiles.open(self.p(path), "rb") as f:
            for offset in offsets:
                await f.seek(offset)
                total += len(await f.read(size))
        return total

    async def ls(self, prefix: str) -> list[str]:
        names = await self._aiofiles.os.listdir(self.p(prefix))
        return sorted(f"{prefix}/{name}" for name in names)

    async def mv(self, src: str, dst: str) -> None:
        parent = os.path.dirname(self.p(dst))
        if parent not in self._dirs:
            await self._aiofiles.os.makedirs(parent, exist_ok=True)
            self._dirs.add(parent)
        await self._aiofiles.os.replace(self.p(src), self.p(dst))


class FsspecLocal(_LocalBase):
    """fsspec's ``LocalFileSystem`` behind its ``AsyncFileSystemWrapper`` (to_thread)."""

    name = "fsspec"

    def __init__(self, root: str) -> None:
        super().__init__(root)
        from fsspec.implementations.asyn_wrapper import AsyncFileSystemWrapper
        from fsspec.implementations.local import LocalFileSystem

        self.fs: Any = AsyncFileSystemWrapper(LocalFileSystem(auto_mkdir=True), asynchronous=True)

    async def write(self, path: str, data: bytes) -> None:
        await self.fs._pipe_file(self.p(path), data)

    async def read(self, path: str) -> bytes:
        data: bytes = await self.fs._cat_file(self.p(path))
        return data

    async def ranged(self, path: str, offsets: Sequence[int], size: int) -> int:
        # fsspec has no async open() for a wrapped sync fs: ranged cat_file per read.
        target, total = self.p(path), 0
        for offset in offsets:
            total += len(await self.fs._cat_file(target, start=offset, end=offset + size))
        return total

    async def ls(self, prefix: str) -> list[str]:
        names = await self.fs._ls(self.p(prefix), detail=False)
        return sorted(names)

    async def cp(self, src: str, dst: str) -> None:
        await self.fs._cp_file(self.p(src), self.p(dst))

    async def mv(self, src: str, dst: str) -> None:
        await self.fs._mv(self.p(src), self.p(dst))


class ObstoreClient(Client):
    """obstore (Rust object_store) on any store; ``make_store`` builds it."""

    name = "obstore"

    def __init__(self, backend: str, make_store: Any) -> None:
        self.backend = backend
        self._make_store = make_store
        import obstore

        self._obs = obstore

    async def start(self) -> None:
        self.store = self._make_store()

    async def write(self, path: str, data: bytes) -> None:
        await self._obs.put_async(self.store, path, data)

    async def read(self, path: str) -> bytes:
        result = await self._obs.get_async(self.store, path)
        return await result.bytes_async()  # type: ignore[no-any-return]  # buffer, no copy

    async def ranged(self, path: str, offsets: Sequence[int], size: int) -> int:
        total = 0
        reader = await self._obs.open_reader_async(self.store, path, buffer_size=size)
        for offset in offsets:
            await reader.seek(offset)
            total += len(await reader.read(size))
        return total

    async def ls(self, prefix: str) -> list[str]:
        pages = await self._obs.list(self.store, f"{prefix}/", chunk_size=1000).collect_async()
        return sorted(meta["path"] for meta in pages)

    async def cp(self, src: str, dst: str) -> None:
        await self._obs.copy_async(self.store, src, dst)

    async def mv(self, src: str, dst: str) -> None:
        await self._obs.rename_async(self.store, src, dst)


class ObstoreLocal(ObstoreClient):
    def __init__(self, root: str) -> None:
        from obstore.store import LocalStore

        os.makedirs(root, exist_ok=True)
        super().__init__("local", lambda: LocalStore(root, mkdir=True))
        self.root = root

    async def fill(self, prefix: str, count: int, data: bytes) -> None:
        await asyncio.to_thread(_fill, self.root, prefix, count, data)


class OpendalClient(Client):
    """OpenDAL's ``AsyncOperator`` on any service."""

    name = "opendal"

    def __init__(self, backend: str, scheme: str, **config: str) -> None:
        self.backend = backend
        import opendal

        self._opendal = opendal
        self._scheme, self._config = scheme, config

    async def start(self) -> None:
        self.op = self._opendal.AsyncOperator(self._scheme, **self._config)
        self.can = self.op.capability()

    def _need(self, what: str) -> None:
        if not getattr(self.can, what):
            raise NotImplementedError(f"OpenDAL's {self._scheme} service cannot {what}")

    async def write(self, path: str, data: bytes) -> None:
        await self.op.write(path, data)

    async def read(self, path: str) -> bytes:
        return await self.op.read(path)  # type: ignore[no-any-return]  # buffer, no copy

    async def ranged(self, path: str, offsets: Sequence[int], size: int) -> int:
        total = 0
        async with await self.op.open(path, "rb") as f:
            for offset in offsets:
                await f.seek(offset)
                got = len(await f.read(size))
                while 0 < got < size:  # its reads may come back short
                    more = len(await f.read(size - got))
                    if not more:
                        break
                    got += more
                total += got
        return total

    async def ls(self, prefix: str) -> list[str]:
        self._need("list")
        names = [entry.path async for entry in await self.op.list(f"{prefix}/")]
        return sorted(name for name in names if not name.endswith("/"))

    async def cp(self, src: str, dst: str) -> None:
        self._need("copy")
        await self.op.copy(src, dst)

    async def mv(self, src: str, dst: str) -> None:
        self._need("rename")
        await self.op.rename(src, dst)


class OpendalLocal(OpendalClient):
    def __init__(self, root: str) -> None:
        os.makedirs(root, exist_ok=True)
        super().__init__("local", "fs", root=root)
        self.root = root

    async def fill(self, prefix: str, count: int, data: bytes) -> None:
        await asyncio.to_thread(_fill, self.root, prefix, count, data)
