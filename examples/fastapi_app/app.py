"""The FastAPI demo: upload, list, download and delete files on any aiofs backend.

The endpoints depend only on :class:`~aiofs.FileLikeSystem` (through the ``FileSystem``
dependency); which backend serves them is settings: ``AIOFS_URL`` (``memory://``,
``file:///srv/data``, ``redis://...``, ``azure://...``), else a ``data`` folder.

The HTML page works without JavaScript (forms and links); the same operations are an
HTTP API for scripts: ``GET /api/files``, ``GET``/``HEAD``/``PUT``/``DELETE /files/{name}``.
"""

from __future__ import annotations

import glob
from typing import Annotated, Any
from urllib.parse import quote

from aiofs.integrations.fastapi import FileSystem, FileSystemResponse, lifespan, save_upload
from fastapi import FastAPI, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from aiofs import FileInfo, FileLikeSystem

from . import page


def _checked(fs: FileLikeSystem, name: str) -> str:
    """``name`` if it is a valid path; else ``400`` with the rule it breaks."""
    try:
        fs.open(name)  # validates at once, does no I/O
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    return name


async def _listing(fs: FileLikeSystem) -> list[FileInfo]:
    return sorted([info async for info in fs.scan("*")], key=lambda info: info.path)


def _where(fs: FileLikeSystem) -> str:
    return repr(fs).strip("<>").split(" ", 1)[-1]


def create_app(url: str | None = None, **options: Any) -> FastAPI:
    """The demo app on the file system at ``url`` (else ``AIOFS_URL``, else ``./data``)."""
    app = FastAPI(title="aiofs demo", lifespan=lifespan(url, **options))

    @app.exception_handler(BlockingIOError)
    async def busy(request: Request, exc: BlockingIOError) -> Response:
        return JSONResponse({"detail": "another writer holds this file"}, status_code=409)

    @app.get("/", response_class=HTMLResponse)
    async def index(fs: FileSystem, uploaded: str = "", deleted: str = "") -> str:
        notice = None
        if uploaded:
            notice = f"Uploaded {uploaded}."
        elif deleted:
            notice = f"Deleted {deleted}."
        return page.render(await _listing(fs), where=_where(fs), notice=notice)

    async def _page_error(fs: FileLikeSystem, status: int, message: str) -> HTMLResponse:
        html = page.render(await _listing(fs), where=_where(fs), error=message)
        return HTMLResponse(html, status_code=status)

    @app.post("/upload", response_model=None)
    async def upload(
        fs: FileSystem,
        file: UploadFile,
        name: Annotated[str, Form()] = "",
        replace: Annotated[bool, Form()] = False,
    ) -> Response:
        target = name.strip() or (file.filename or "")
        if not target:
            return await _page_error(fs, 400, "Choose a file to upload.")
        try:
            fs.open(target)
        except ValueError as exc:
            return await _page_error(fs, 400, f"Bad name: {exc}")
        try:
            await save_upload(fs, target, file, overwrite=replace)
        except FileExistsError:
            return await _page_error(
                fs, 409, f"{target} exists already: tick 'Replace' to overwrite it."
            )
        except BlockingIOError:
            return await _page_error(fs, 409, f"{target} is being written by someone else.")
        return RedirectResponse(f"/?uploaded={quote(target)}", status_code=303)

    @app.post("/delete", response_model=None)
    async def delete(fs: FileSystem, name: Annotated[str, Form()]) -> Response:
        try:
            removed = await fs.rm(_glob_literal(_checked(fs, name)))
        except HTTPException as exc:
            return await _page_error(fs, 400, f"Bad name: {exc.detail}")
        if not removed:
            return await _page_error(fs, 404, f"{name} does not exist.")
        return RedirectResponse(f"/?deleted={quote(name)}", status_code=303)

    @app.get("/api/files")
    async def list_files(fs: FileSystem) -> list[dict[str, Any]]:
        return [
            {
                "path": info.path,
                "size": info.size,
                "modified": info.modified.isoformat(),
                "etag": info.etag,
            }
            for info in await _listing(fs)
        ]

    @app.api_route("/files/{name:path}", methods=["GET", "HEAD"])
    async def download(name: str, fs: FileSystem) -> FileSystemResponse:
        _checked(fs, name)
        return FileSystemResponse(fs, name, filename=name.rsplit("/", 1)[-1])

    @app.put("/files/{name:path}", status_code=201)
    async def put(name: str, request: Request, fs: FileSystem) -> dict[str, Any]:
        size = await save_upload(fs, _checked(fs, name), request.stream())
        return {"path": name, "size": size}

    @app.delete("/files/{name:path}", status_code=204)
    async def remove(name: str, fs: FileSystem) -> None:
        if not await fs.rm(_glob_literal(_checked(fs, name))):
            raise HTTPException(404, f"{name} does not exist")

    return app


def _glob_literal(name: str) -> str:
    """``rm`` takes a glob: escape ``*?[`` so a name removes exactly that file."""
    return glob.escape(name)


app = create_app()
