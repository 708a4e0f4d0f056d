"""Redis clients: raw ``redis.asyncio`` commands and OpenDAL's redis service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import Client
from .local import OpendalClient


class RawRedis(Client):
    """SET / GET / GETRANGE / SCAN / COPY / RENAME on keys ``<ns>:<path>``."""

    backend = "redis"
    name = "raw"

    def __init__(self, url: str, namespace: str) -> None:
        self._url, self._ns = url, namespace

    async def start(self) -> None:
        import redis.asyncio as redis

        self.r: Any = redis.Redis.from_url(self._url)

    async def close(self) -> None:
        await self.r.aclose()

    def k(self, path: str) -> str:
        return f"{self._ns}:{path}"

    async def write(self, path: str, data: bytes) -> None:
        await self.r.set(self.k(path), data)

    async def read(self, path: str) -> bytes:
        data: bytes = await self.r.get(self.k(path))
        return data

    async def ranged(self, path: str, offsets: Sequence[int], size: int) -> int:
        key, total = self.k(path), 0
        for offset in offsets:
            total += len(await self.r.getrange(key, offset, offset + size - 1))
        return total

    async def ls(self, prefix: str) -> list[str]:
        cut = len(self._ns) + 1
        keys = {key async for key in self.r.scan_iter(match=f"{self.k(prefix)}/*", count=1000)}
        return sorted(key.decode()[cut:] for key in keys)

    async def cp(self, src: str, dst: str) -> None:
        await self.r.copy(self.k(src), self.k(dst), replace=True)

    async def mv(self, src: str, dst: str) -> None:
        await self.r.rename(self.k(src), self.k(dst))

    async def contend(self, path: str, data: bytes) -> bool:
        await self.write(path, data)  # no exclusion: every SET "wins"
        return True

    async def fill(self, prefix: str, count: int, data: bytes) -> None:
        for start in range(0, count, 5000):
            async with self.r.pipeline(transaction=False) as pipe:
                for i in range(start, min(count, start + 5000)):
                    pipe.set(self.k(f"{prefix}/{i:06d}"), data)
                await pipe.execute()


class OpendalRedis(OpendalClient):
    def __init__(self, url: str, namespace: str) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        super().__init__(
            "redis", "redis", endpoint=f"tcp://{parts.hostname}:{parts.port}", root=f"/{namespace}"
        )
