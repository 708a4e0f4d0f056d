"""dependency-injector integration: a container that provides a file system from settings.

``FileSystemContainer.fs`` is an async ``Resource``: ``await container.init_resources()``
opens it, ``await container.shutdown_resources()`` closes it. Configure either a URL::

    container = FileSystemContainer()
    container.config.from_dict({"url": "redis://localhost:6379/0"})

or a backend name with its fields, as settings files often split them::

    container.config.from_dict({
        "backend": "redis",
        "redis": {"host": "cache", "port": 6379, "db": 0, "password": "..."},
        "azure": {"container": "files", "connection_string": "..."},
    })

Only the selected backend is used. ``init_resources()`` starts every ``Resource`` of a
container, including those in unselected ``Selector`` branches, so the branches here only
assemble settings (``Callable``) and the single ``fs`` resource opens what was selected.
Fields other than the ones a URL holds (``prefix``, ``connection_string``...) and the
``options`` mapping are passed to ``aiofs.open_fs`` as options.

As a sub-container: ``storage = providers.Container(FileSystemContainer, config=config.storage)``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote

try:
    from dependency_injector import containers, providers
except ImportError as exc:  # pragma: no cover
    raise ImportError(
        'The dependency-injector integration needs "dependency-injector": pip install "aiofs[di]"'
    ) from exc

import aiofs
from aiofs import FileLikeSystem

__all__ = [
    "FileSystemContainer",
    "azure_settings",
    "file_settings",
    "memory_settings",
    "open_file_system",
    "redis_settings",
    "url_settings",
]

Settings = dict[str, Any]


async def open_file_system(
    settings: Mapping[str, Any], options: Mapping[str, Any] | None = None
) -> AsyncIterator[FileLikeSystem]:
    """The resource: ``aiofs.open_fs(settings, **options)``, closed at shutdown."""
    fs = aiofs.open_fs(settings, **(options or {}))
    try:
        yield fs
    finally:
        await fs.close()


def _selected(backend: str | None) -> str:
    """The Selector key: the backend named, else ``url``."""
    return (backend or "url").strip().lower()


def _fields(fields: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key: value for key, value in (fields or {}).items() if value is not None}


def url_settings(url: str | None) -> Settings:
    if not url:
        raise ValueError(
            "FileSystemContainer: set config.url, or config.backend and its fields "
            "(memory, file, redis or azure)"
        )
    return {"url": url}


def memory_settings(fields: Mapping[str, Any] | None) -> Settings:
    """``memory://<name>`` (no name: a private store)."""
    rest = _fields(fields)
    return {"url": f"memory://{quote(str(rest.pop('name', '')), safe='')}", **rest}


def file_settings(fields: Mapping[str, Any] | None) -> Settings:
    """``file://<root>`` from ``root`` (default ``./data``)."""
    rest = _fields(fields)
    root = os.path.abspath(str(rest.pop("root", "data")))
    return {"url": f"file://{quote(root)}", **rest}


def redis_settings(fields: Mapping[str, Any] | None) -> Settings:
    """``redis[s][+cluster]://[user:password@]host:port/db`` from the fields of the same names.

    ``ssl`` selects ``rediss``, ``cluster`` Redis Cluster; other fields are options.
    """
    rest = _fields(fields)
    scheme = "rediss" if _true(rest.pop("ssl", False)) else "redis"
    if _true(rest.pop("cluster", False)):
        scheme += "+cluster"
    host, port, db = rest.pop("host", "localhost"), rest.pop("port", 6379), rest.pop("db", 0)
    user, password = rest.pop("username", None), rest.pop("password", None)
    auth = ""
    if user is not None or password is not None:
        auth = quote(str(user or ""), safe="")
        if password is not None:
            auth += ":" + quote(str(password), safe="")
        auth += "@"
    path = "" if scheme.endswith("+cluster") else f"/{int(db)}"
    return {"url": f"{scheme}://{auth}{host}:{int(port)}{path}", **rest}


def azure_settings(fields: Mapping[str, Any] | None) -> Settings:
    """``azure://<container>/<prefix>``; credentials and other fields are options."""
    rest = _fields(fields)
    container = rest.pop("container", None)
    if not container:
        raise ValueError("FileSystemContainer: config.azure.container is required")
    prefix = str(rest.pop("prefix", "")).strip("/")
    url = f"azure://{quote(str(container), safe='')}" + (f"/{quote(prefix)}" if prefix else "")
    return {"url": url, **rest}


def _true(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


class FileSystemContainer(containers.DeclarativeContainer):
    """Provides ``fs``: the file system the configuration names (an async resource)."""

    config = providers.Configuration()

    settings: providers.Provider[Settings] = providers.Selector(
        config.backend.as_(_selected),
        url=providers.Callable(url_settings, config.url),
        memory=providers.Callable(memory_settings, config.memory),
        file=providers.Callable(file_settings, config.file),
        redis=providers.Callable(redis_settings, config.redis),
        azure=providers.Callable(azure_settings, config.azure),
    )

    fs: providers.Resource[FileLikeSystem] = providers.Resource(
        open_file_system, settings, config.options
    )
