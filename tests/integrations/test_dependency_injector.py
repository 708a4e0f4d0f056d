"""FileSystemContainer: an async Resource from settings, wiring, sub-containers, selection."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiofs.integrations.dependency_injector import (
    FileSystemContainer,
    azure_settings,
    redis_settings,
)
from dependency_injector import containers, providers
from dependency_injector.wiring import Provide, inject

import aiofs
from aiofs import FileLikeSystem
from aiofs.inmem import InMemFileSystem
from aiofs.os import OsFileSystem


async def test_resource_opens_and_shutdown_closes(backend_url):
    """init_resources() opens the URL's file system; shutdown_resources() closes it."""
    container = FileSystemContainer()
    container.config.from_dict({"url": backend_url})
    await container.init_resources()
    fs = await container.fs()
    assert fs is await container.fs()  # one instance while initialised
    await fs.write_bytes("di/a.txt", b"from the container")
    async with aiofs.open_fs(backend_url) as other:
        assert await other.read_bytes("di/a.txt") == b"from the container"
    await container.shutdown_resources()
    with pytest.raises(RuntimeError, match="closed"):
        await fs.exists("di/a.txt")


@inject
async def _read(path: str, fs: FileLikeSystem = Provide[FileSystemContainer.fs]) -> bytes:
    return await fs.read_bytes(path)


async def test_wiring_with_inject(memory_url):
    """@inject + Provide[FileSystemContainer.fs] hands the opened file system to a function."""
    container = FileSystemContainer()
    container.config.url.from_value(memory_url)
    container.wire(modules=[__name__])
    try:
        await container.init_resources()
        await (await container.fs()).write_bytes("w.txt", b"wired")
        assert await _read("w.txt") == b"wired"
    finally:
        await container.shutdown_resources()
        container.unwire()


class _Reports:
    def __init__(self, fs: FileLikeSystem) -> None:
        self.fs = fs


class _Application(containers.DeclarativeContainer):
    config = providers.Configuration()
    storage = providers.Container(FileSystemContainer, config=config.storage)
    reports = providers.Factory(_Reports, fs=storage.fs)


async def test_sub_container(local_url):
    """providers.Container(FileSystemContainer, config=config.storage) inside an app."""
    app = _Application()
    app.config.from_dict({"storage": {"url": local_url}})
    await app.init_resources()
    reports = await app.reports()
    assert isinstance(reports.fs, OsFileSystem)
    await reports.fs.write_bytes("r.csv", b"a,b\n")
    await app.shutdown_resources()
    with pytest.raises(RuntimeError):
        await reports.fs.exists("r.csv")


def _split(url: str) -> dict[str, Any]:
    """The URL of a backend as separate settings fields (as settings files often hold them)."""
    parts = urlsplit(url)
    if parts.scheme == "memory":
        return {"backend": "memory", "memory": {"name": parts.netloc}}
    if parts.scheme == "file":
        return {"backend": "file", "file": {"root": parts.path}}
    if parts.scheme == "redis":
        fields = {"host": parts.hostname, "port": parts.port, "db": int(parts.path[1:] or 0)}
        return {"backend": "redis", "redis": {**fields, **dict(parse_qsl(parts.query))}}
    assert parts.scheme == "azure", url
    fields = {"container": parts.netloc, "prefix": parts.path.strip("/")}
    return {"backend": "azure", "azure": {**fields, **dict(parse_qsl(parts.query))}}


async def test_backend_selected_from_fields(backend_url):
    """backend + its fields select one file system; unselected branches are never built."""
    settings = _split(backend_url)
    settings.setdefault("redis", {"host": "127.0.0.1", "port": 1})  # unreachable
    settings.setdefault("azure", {})  # no container: building it would raise ValueError
    container = FileSystemContainer()
    container.config.from_dict(settings)
    resources = list(container.traverse(types=[providers.Resource]))
    assert resources == [container.fs]  # one Resource: init_resources() starts only it
    await container.init_resources()
    try:
        fs = await container.fs()
        await fs.write_bytes("sel.txt", b"selected")
        async with aiofs.open_fs(backend_url) as same:
            assert await same.read_bytes("sel.txt") == b"selected"
    finally:
        await container.shutdown_resources()


async def test_memory_selection_ignores_other_backends():
    """With backend=memory the Redis and Azure fields are never used."""
    container = FileSystemContainer()
    container.config.from_dict(
        {"backend": "memory", "redis": {"host": "10.255.255.1"}, "azure": {}}
    )
    await container.init_resources()
    assert isinstance(await container.fs(), InMemFileSystem)
    await container.shutdown_resources()


async def test_missing_settings_fail_clearly():
    """Neither url nor backend: a ValueError naming what to set."""
    container = FileSystemContainer()
    with pytest.raises(ValueError, match=r"config\.url"):
        await container.init_resources()
    container = FileSystemContainer()
    container.config.from_dict({"backend": "azure", "azure": {}})
    with pytest.raises(ValueError, match="container"):
        await container.init_resources()


def test_field_builders():
    """Fields become a URL (credentials quoted) plus options for the rest."""
    assert redis_settings(
        {"host": "cache", "port": "6380", "db": 2, "password": "p@ss/word", "prefix": "app:"}
    ) == {"url": "redis://:p%40ss%2Fword@cache:6380/2", "prefix": "app:"}
    assert redis_settings({"ssl": "true", "username": "u"})["url"] == "rediss://u@localhost:6379/0"
    assert azure_settings(
        {"container": "files", "prefix": "/tenant/a/", "connection_string": "X"}
    ) == {"url": "azure://files/tenant/a", "connection_string": "X"}
