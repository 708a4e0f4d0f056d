"""The FastAPI adapter: HTTP in, use cases, HTTP out. Nothing here knows the backend.

No ``from __future__ import annotations`` here: ``@inject`` and FastAPI read the
``Annotated[..., Depends(Provide[...])]`` markers from the evaluated annotations.
"""

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any

from aiofs.integrations.fastapi import FileSystemResponse
from dependency_injector.wiring import Provide, inject
from fastapi import Depends, FastAPI, HTTPException, UploadFile

from aiofs import FileLikeSystem

from .containers import Container
from .domain import DuplicateInvoice, InvalidInvoice, Invoice, InvoiceNotFound
from .use_cases import InvoiceArchive

_CHUNK = 1 << 20


def _json(invoice: Invoice) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "size": invoice.size,
        "archived_at": invoice.archived_at.isoformat(),
        "url": f"/invoices/{invoice.number}",
    }


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while data := await upload.read(_CHUNK):
        yield data


@inject
async def store_invoice(
    number: str,
    file: UploadFile,
    archive: Annotated[InvoiceArchive, Depends(Provide[Container.archive])],
) -> dict[str, Any]:
    try:
        return _json(await archive.store(number, _chunks(file)))
    except InvalidInvoice as exc:
        raise HTTPException(422, str(exc)) from None
    except DuplicateInvoice as exc:
        raise HTTPException(409, str(exc)) from None


@inject
async def list_invoices(
    archive: Annotated[InvoiceArchive, Depends(Provide[Container.archive])],
) -> list[dict[str, Any]]:
    return [_json(invoice) for invoice in await archive.list()]


@inject
async def download_invoice(
    number: str,
    archive: Annotated[InvoiceArchive, Depends(Provide[Container.archive])],
    fs: Annotated[FileLikeSystem, Depends(Provide[Container.storage.fs])],
) -> FileSystemResponse:
    try:
        path = archive.path_of(number)
    except InvalidInvoice:
        raise HTTPException(404, f"No invoice {number}") from None
    return FileSystemResponse(fs, path, filename=f"invoice-{number}.pdf")


@inject
async def invoice_details(
    number: str,
    archive: Annotated[InvoiceArchive, Depends(Provide[Container.archive])],
) -> dict[str, Any]:
    try:
        return _json(await archive.get(number))
    except (InvalidInvoice, InvoiceNotFound):
        raise HTTPException(404, f"No invoice {number}") from None


def create_app(settings: Mapping[str, Any] | None = None) -> FastAPI:
    """The service; ``settings`` default to ``{"storage": {"url": $AIOFS_URL or ./data}}``."""
    container = Container()
    if settings is None:
        settings = {
            "storage": {"url": os.environ.get("AIOFS_URL") or f"file://{os.path.abspath('data')}"}
        }
    container.config.from_dict(dict(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await container.init_resources()  # type: ignore[misc]
        try:
            yield
        finally:
            await container.shutdown_resources()  # type: ignore[misc]

    app = FastAPI(title="Invoice archive", lifespan=lifespan)
    app.state.container = container
    app.post("/invoices/{number}", status_code=201)(store_invoice)
    app.get("/invoices")(list_invoices)
    app.get("/invoices/{number}")(download_invoice)
    app.head("/invoices/{number}")(download_invoice)
    app.get("/invoices/{number}/details")(invoice_details)
    return app
