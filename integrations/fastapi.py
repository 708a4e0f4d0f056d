"""aiofs in FastAPI apps: everything from :mod:`aiofs.integrations.starlette`, plus
the ``FileSystem`` dependency::

    from fastapi import FastAPI
    from aiofs.integrations.fastapi import FileSystem, FileSystemResponse, lifespan

    app = FastAPI(lifespan=lifespan())  # AIOFS_URL, else ./data

    @app.get("/files/{name:path}")
    async def download(name: str, fs: FileSystem) -> FileSystemResponse:
        return FileSystemResponse(fs, name)

Endpoints depend on :class:`~aiofs.FileLikeSystem` only, so tests swap the backend with
``lifespan("memory://")`` or ``app.dependency_overrides[get_fs]``.
"""

from __future__ import annotations

from typing import Annotated

try:
    from fastapi import Depends
except ImportError as exc:  # pragma: no cover
    raise ImportError(
        'aiofs.integrations.fastapi needs "fastapi": pip install "aiofs[fastapi]"'
    ) from exc

from aiofs import FileLikeSystem

from .starlette import (
    FileSystemResponse,
    combine_lifespans,
    get_fs,
    get_fs_named,
    lifespan,
    save_upload,
)

__all__ = [
    "FileSystem",
    "FileSystemResponse",
    "combine_lifespans",
    "get_fs",
    "get_fs_named",
    "lifespan",
    "save_upload",
]

#: The app's file system as a FastAPI dependency: ``async def endpoint(fs: FileSystem)``.
FileSystem = Annotated[FileLikeSystem, Depends(get_fs)]
