"""aiofs in Starlette apps: a lifespan that opens the file system, ``get_fs``, file responses.

::

    from starlette.applications import Starlette
    from aiofs.integrations.starlette import FileSystemResponse, get_fs, lifespan

    async def download(request):
        return FileSystemResponse(get_fs(request), request.path_params["name"])

    app = Starlette(routes=[...], lifespan=lifespan())  # AIOFS_URL, else ./data

The file system lives in the lifespan state (``{"fs": fs}``), which Starlette copies into
every request's scope: no globals, one file system per app, closed at shutdown. Several
file systems sit side by side under different names, and :func:`combine_lifespans` joins
them with the app's own lifespan.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

try:
    import anyio
    from starlette.background import BackgroundTask
    from starlette.datastructures import Headers
    from starlette.requests import HTTPConnection
    from starlette.responses import PlainTextResponse, Response
    from starlette.types import Receive, Scope, Send
except ImportError as exc:  # pragma: no cover
    raise ImportError(
        'aiofs.integrations.starlette needs "starlette": pip install "aiofs[starlette]"'
    ) from exc

import aiofs
from aiofs import FileLikeSystem

from . import _http

__all__ = [
    "FileSystemResponse",
    "combine_lifespans",
    "get_fs",
    "get_fs_named",
    "lifespan",
    "save_upload",
]

#: The state key of the default file system.
DEFAULT_NAME = "fs"

#: A Starlette/FastAPI lifespan whose state holds file systems by name.
FileSystemLifespan = Callable[[Any], AbstractAsyncContextManager[dict[str, FileLikeSystem]]]

_AnyLifespan = Callable[[Any], AbstractAsyncContextManager[Mapping[str, Any] | None]]


def _default_url() -> str:
    url = os.environ.get("AIOFS_URL")
    if url:
        return url
    return (Path.cwd() / "data").as_uri()


def lifespan(
    url: str | Mapping[str, Any] | None = None, *, name: str = DEFAULT_NAME, **options: Any
) -> FileSystemLifespan:
    """A lifespan that opens a file system at startup and closes it at shutdown.

    Args:
        url: as for :func:`aiofs.open_fs`; else the ``AIOFS_URL`` environment variable
            (read at startup), else a ``data`` folder in the working directory.
        name: the state key; ``get_fs`` reads ``"fs"``, ``get_fs_named(name)`` the others.
        **options: passed to :func:`aiofs.open_fs`.

    Pass it as ``Starlette(lifespan=lifespan())``; to add the app's own startup work or a
    second file system, use :func:`combine_lifespans`.
    """

    @asynccontextmanager
    async def _lifespan(app: Any) -> AsyncIterator[dict[str, FileLikeSystem]]:
        async with aiofs.open_fs(url if url is not None else _default_url(), **options) as fs:
            yield {name: fs}

    return _lifespan


def combine_lifespans(*lifespans: _AnyLifespan) -> FileSystemLifespan:
    """One lifespan that enters ``lifespans`` in order and exits them in reverse.

    Their states are merged (a key given twice is an error at startup), so::

        Starlette(lifespan=combine_lifespans(lifespan(), lifespan(media_url, name="media"), app_lifespan))

    gives requests ``fs``, ``media`` and whatever ``app_lifespan`` yields. A lifespan that
    yields nothing adds nothing.
    """

    @asynccontextmanager
    async def _combined(app: Any) -> AsyncIterator[dict[str, Any]]:
        state: dict[str, Any] = {}
        async with AsyncExitStack() as stack:
            for each in lifespans:
                more = await stack.enter_async_context(each(app))
                for key, value in (more or {}).items():
                    if key in state:
                        raise ValueError(f"Two lifespans set the state key {key!r}")
                    state[key] = value
            yield state

    return _combined


def get_fs_named(name: str) -> Callable[[HTTPConnection], FileLikeSystem]:
    """A ``get_fs`` for the file system that ``lifespan(..., name=name)`` opened.

    Use ``Depends(get_fs_named("media"))`` in FastAPI, or call the result with a request.
    """

    def _get_fs(request: HTTPConnection) -> FileLikeSystem:
        fs = (request.scope.get("state") or {}).get(name)
        if fs is None:
            hint = "lifespan()" if name == DEFAULT_NAME else f"lifespan(url, name={name!r})"
            raise RuntimeError(
                f"No file system {name!r} in the app's lifespan state: create the app with "
                f"lifespan=aiofs.integrations.starlette.{hint} (combine_lifespans() joins it "
                "with your own lifespan), and run it in a server that supports lifespan state"
            )
        return fs  # type: ignore[no-any-return]

    _get_fs.__name__ = f"get_fs_{name}" if name != DEFAULT_NAME else "get_fs"
    return _get_fs


_get_default = get_fs_named(DEFAULT_NAME)


def get_fs(request: HTTPConnection) -> FileLikeSystem:
    """The app's file system (state key ``"fs"``), for a request or a websocket.

    Works as ``Depends(get_fs)`` in FastAPI and as a plain call in Starlette endpoints.

    Raises:
        RuntimeError: the app was not created with :func:`lifespan`.
    """
    return _get_default(request)


class _Readable(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


async def save_upload(
    fs: FileLikeSystem,
    path: str,
    upload: _Readable | AsyncIterable[bytes],
    *,
    overwrite: bool = True,
    chunk_size: int = _http.CHUNK_SIZE,
) -> int:
    """Stream an upload into ``path`` in chunks; return its size in bytes.

    ``upload`` is an ``UploadFile`` (or anything with ``async read(size)``), or an async
    iterable of bytes such as ``request.stream()``. The file appears atomically once the
    whole upload is stored; if reading the upload fails, nothing is stored.

    Raises:
        FileExistsError: ``overwrite=False`` and ``path`` exists (mode ``x``).
        BlockingIOError: another writer holds ``path``.
        ValueError: ``path`` is not a valid path.
    """
    size = 0
    async with fs.open(path, "w" if overwrite else "x") as f:
        if isinstance(upload, AsyncIterable):
            async for chunk in upload:
                if chunk:
                    size += await f.write(chunk)
        else:
            while chunk := await upload.read(chunk_size):
                size += await f.write(chunk)
    return size


class FileSystemResponse(Response):
    """Streams a stored file with bounded memory and HTTP caching and ranges.

    ``Content-Type`` is ``media_type`` or guessed from ``filename``/``path``; ``ETag``,
    ``Last-Modified`` and ``Accept-Ranges`` are always sent. ``If-None-Match`` and
    ``If-Modified-Since`` give ``304``; ``If-Match``/``If-Unmodified-Since`` ``412``; a
    single ``Range`` gives ``206`` with ``Content-Range`` (``416`` with ``bytes */size``
    when unsatisfiable; several ranges get the whole file). ``HEAD`` gets the headers
    only. A missing file, or a path no file can have, gives ``404``; a refused one ``403``.
    ``filename`` adds ``Content-Disposition`` (``content_disposition_type`` defaults to
    ``attachment``, as in Starlette's ``FileResponse``).

    The body is one version of the file, read ``chunk_size`` bytes at a time inside one
    ``async with fs.open(path)``; all I/O happens when the response is sent.
    """

    def __init__(
        self,
        fs: FileLikeSystem,
        path: str,
        *,
        filename: str | None = None,
        media_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
        content_disposition_type: str = "attachment",
        chunk_size: int = _http.CHUNK_SIZE,
    ) -> None:
        self.fs = fs
        self.path = path
        self.filename = filename
        self.media_type = media_type
        self.content_disposition_type = content_disposition_type
        self.chunk_size = chunk_size
        self.status_code = 200
        self.background = background
        self.init_headers(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracked(message: Any) -> None:
            nonlocal started
            started = True
            try:
                await send(message)
            except OSError as exc:
                raise _ClientGone from exc

        try:
            async with _http.serve(
                self.fs,
                self.path,
                scope.get("method", "GET"),
                Headers(scope=scope),
                media_type=self.media_type,
                filename=self.filename,
                disposition=self.content_disposition_type,
                chunk_size=self.chunk_size,
            ) as served:
                await self._send(served, scope, receive, tracked)
        except _ClientGone:
            return
        except (FileNotFoundError, ValueError, PermissionError) as exc:
            if started:
                raise
            forbidden = isinstance(exc, PermissionError)
            error = PlainTextResponse(
                "Forbidden" if forbidden else "Not Found", status_code=403 if forbidden else 404
            )
            await error(scope, receive, send)
            return
        if self.background is not None:
            await self.background()

    def _final_headers(self, plan: _http.Plan) -> list[tuple[bytes, bytes]]:
        """The plan's headers, except those the caller set; the byte counts are always ours."""
        given = {key for key, _ in self.raw_headers} - _BYTE_HEADERS
        raw = [(key.encode("latin-1"), value.encode("latin-1")) for key, value in plan.headers]
        return [h for h in raw if h[0] not in given] + [
            h for h in self.raw_headers if h[0] not in _BYTE_HEADERS
        ]

    async def _send(self, served: _http.Served, scope: Scope, receive: Receive, send: Send) -> None:
        plan = served.plan
        self.status_code = plan.status
        await send(
            {
                "type": "http.response.start",
                "status": plan.status,
                "headers": self._final_headers(plan),
            }
        )
        if not plan.body:
            await send({"type": "http.response.body", "body": b""})
            return

        async def stream() -> None:
            async for chunk in served.body:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})

        spec = scope.get("asgi", {}).get("spec_version", "2.0")
        if tuple(map(int, spec.split("."))) >= (2, 4):
            await stream()  # ASGI 2.4: send raises OSError once the client is gone
            return
        # Older servers keep accepting messages after a disconnect: watch for it, so a
        # gone client stops the reads instead of draining the whole file.
        try:
            async with anyio.create_task_group() as tasks:

                async def watch() -> None:
                    while (await receive())["type"] != "http.disconnect":
                        pass
                    tasks.cancel_scope.cancel()

                tasks.start_soon(watch)
                await stream()
                tasks.cancel_scope.cancel()
        except BaseException as exc:
            inner = getattr(exc, "exceptions", None)
            if inner is not None and len(inner) == 1:
                raise inner[0] from None  # anyio groups even one error; show it plainly
            raise


_BYTE_HEADERS = {b"content-length", b"content-range"}


class _ClientGone(Exception):
    """``send`` failed because the client disconnected (ASGI 2.4)."""
