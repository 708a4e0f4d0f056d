"""A view serving stored files, for backends that have no public URL.

The same answers as the Starlette ``FileSystemResponse`` (both plan them with
``aiofs.integrations._http``): streamed bodies in bounded chunks from one pinned version,
``ETag``/``Last-Modified``, ``If-None-Match``/``If-Modified-Since`` -> 304, ``Range`` ->
206/416, ``HEAD``, 404 for a missing or invalid name, ``Content-Type`` guessed, and
``Content-Disposition`` with ``as_attachment``.

The view is async. Under ASGI the body is an async iterator on the server's loop, read
through the storage's file system for that loop. Under WSGI, Django runs the view in a
short-lived loop and iterates the body synchronously after it has returned, so then the
file is opened on the storage's private loop and the body is a sync iterator. Either way
Django consumes the body natively (no buffering, no warning).
"""

from __future__ import annotations

import posixpath
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from typing import Any

from django.core.exceptions import (  # type: ignore[import-untyped]
    ImproperlyConfigured,
    PermissionDenied,
    SuspiciousFileOperation,
)
from django.core.files.storage import storages  # type: ignore[import-untyped]
from django.core.handlers.asgi import ASGIRequest  # type: ignore[import-untyped]
from django.http import (  # type: ignore[import-untyped]
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    StreamingHttpResponse,
)

from .. import _http
from ._storage import _LOOP, AiofsStorage

__all__ = ["serve"]


async def serve(
    request: HttpRequest,
    name: str,
    storage: str = "default",
    as_attachment: bool = False,
) -> HttpResponseBase:
    """Answer ``GET``/``HEAD`` for the file ``name`` of the storage alias ``storage``.

    Include it with ``path("media/", include("aiofs.integrations.django.urls"))``; pass
    ``{"storage": "alias"}`` as the include's extra kwargs for another storage.
    """
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    store = storages[storage]
    if not isinstance(store, AiofsStorage):
        raise ImproperlyConfigured(
            f"aiofs.integrations.django.views.serve needs an AiofsStorage; "
            f"STORAGES[{storage!r}] is {type(store).__name__}"
        )
    try:
        path = store._path(name)
    except SuspiciousFileOperation:
        raise Http404("No such file") from None
    filename = posixpath.basename(path) if as_attachment else None
    args = (path, request.method, request.headers)
    try:
        if isinstance(request, ASGIRequest):
            return await _async_response(store, args, filename)
        return _sync_response(store, args, filename)
    except FileNotFoundError:
        raise Http404("No such file") from None
    except PermissionError:
        raise PermissionDenied from None
    except BlockingIOError:
        return HttpResponse("The file is being replaced; try again.", status=503)


async def _async_response(
    store: AiofsStorage, args: tuple[str, str, Any], filename: str | None
) -> HttpResponseBase:
    stack = AsyncExitStack()
    served = await stack.enter_async_context(
        _http.serve(await store.afs(), *args, filename=filename)
    )
    if not served.plan.body:
        await stack.aclose()
        return _response(served.plan)

    async def body() -> AsyncIterator[bytes]:
        async with stack:
            async for chunk in served.body:
                yield chunk

    return _response(served.plan, body())


def _sync_response(
    store: AiofsStorage, args: tuple[str, str, Any], filename: str | None
) -> HttpResponseBase:
    stack = AsyncExitStack()
    served = _LOOP.run(stack.enter_async_context(_http.serve(store.fs, *args, filename=filename)))
    if not served.plan.body:
        _LOOP.run(stack.aclose())
        return _response(served.plan)

    def body() -> Iterator[bytes]:
        try:
            while True:
                try:
                    chunk = _LOOP.run(_next(served.body))
                except StopAsyncIteration:
                    return
                yield chunk
        finally:
            _LOOP.run(stack.aclose())

    return _response(served.plan, body())


async def _next(chunks: AsyncIterator[bytes]) -> bytes:
    return await chunks.__anext__()


def _response(plan: _http.Plan, body: Any = None) -> HttpResponseBase:
    if body is None:
        response = HttpResponse(status=plan.status)
    else:
        response = StreamingHttpResponse(body, status=plan.status)
    del response["Content-Type"]  # Django's text/html default; the plan names the real one
    for header, value in plan.headers:
        response[header] = value
    return response
