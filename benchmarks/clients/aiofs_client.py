"""aiofs itself, on any backend URL."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import aiofs

from . import Client


class AiofsClient(Client):
    name = "aiofs"
    exclusive = True

    def __init__(self, backend: str, url: str, **options: object) -> None:
        self.backend = backend
        self._url, self._options = url, options
        self.fs: aiofs.FileLikeSystem | None = None

    async def start(self) -> None:
        self.fs = aiofs.open_fs(self._url, **self._options)

    async def close(self) -> None:
        if self.fs is not None:
            await self.fs.close()

    async def write(self, path: str, data: bytes) -> None:
        await self.fs.write_bytes(path, data)

    async def read(self, path: str) -> bytes:
        return await self.fs.read_bytes(path)

    async def ranged(self, path: str, offsets: Sequence[int], size: int) -> int:
        total = 0
        async with self.fs.open(path) as f:
            for offset in offsets:
                await f.seek(offset)
                total += len(await f.read(size))
        return total

    async def ls(self, prefix: str) -> list[str]:
        return await self.fs.ls(f"{prefix}/*")

    async def cp(self, src: str, dst: str) -> None:
        await self.fs.cp(src, dst)

    async def mv(self, src: str, dst: str) -> None:
        await self.fs.mv(src, dst)

    async def contend(self, path: str, data: bytes) -> bool:
        try:
            async with self.fs.open(path, "w") as f:
                await f.write(data)
                await asyncio.sleep(0)  # let the other writers overlap this one
        except BlockingIOError:
            return False
        return True
