"""Type-checked, never run: every backend conforms to the public protocol (mypy proves it).

``.venv/bin/mypy aiofs integrations tests/typing_check.py`` fails if a backend stops
matching :class:`aiofs.FileLikeSystem` or its files stop matching :class:`aiofs.FileLike`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiofs
from aiofs import FileInfo, FileLike, FileLikeSystem
from aiofs.azure import AzFileSystem, AzureContainerConfig
from aiofs.inmem import InMemFileSystem
from aiofs.os import OsFileSystem
from aiofs.redis import RedisConfig, RedisFileSystem

memory: FileLikeSystem = InMemFileSystem()
named_memory: FileLikeSystem = InMemFileSystem("shared")
local: FileLikeSystem = OsFileSystem(template="/srv/data/{}")
local_fsync: FileLikeSystem = OsFileSystem("/srv/data/{}", fsync=True)
redis: FileLikeSystem = RedisFileSystem(RedisConfig(host="localhost", port=6379))
redis_1_0: FileLikeSystem = RedisFileSystem(
    RedisConfig(host="localhost", port=6379), file_pattern="app:*", expiry_s=None
)
azure: FileLikeSystem = AzFileSystem(
    AzureContainerConfig(account_name="", account_key="", container_name="c", host="127.0.0.1")
)
azure_1_0: FileLikeSystem = AzFileSystem(
    AzureContainerConfig(account_name="", account_key="", container_name="c"), file_pattern="*"
)
from_settings: FileLikeSystem = aiofs.open_fs("memory://")
from_mapping: FileLikeSystem = aiofs.open_fs({"url": "file:///srv/data", "fsync": True})
base: FileLikeSystem = aiofs.FileSystem.__new__(aiofs.FileSystem)


async def _uses(fs: FileLikeSystem) -> None:
    f: FileLike = fs.open("a/b", "rb")
    async with f as same:
        data: bytes = await same.read(10)
        line: bytes = await same.readline()
        position: int = await same.seek(0, 2) + await same.tell()
        lines: AsyncIterator[bytes] = aiter(same)
    async with fs.open("a/b", "w") as w:
        count: int = await w.write(data + line) + position
        await w.write(bytearray(b"x"))
        await w.write(memoryview(b"y"))
    names: list[str] = await fs.ls("a/*")
    infos: AsyncIterator[FileInfo] = fs.scan("*")
    async for info in infos:
        size: int = info.size
    removed: int = await fs.rm("a/*") + count + size
    exists: bool = await fs.exists("a/b")
    stat: FileInfo = await fs.stat("a/b")
    await fs.cp("a", "b")
    await fs.mv("a", "b")
    raw: bytes = await fs.read_bytes("a")
    await fs.write_bytes("a", raw)
    async with fs as same_fs:
        await same_fs.close()
    del names, removed, exists, stat, lines
