"""The clean-architecture example through a real server: use case <- container <- FastAPI."""

from __future__ import annotations

import os

import httpx
import pytest

import aiofs
from examples.clean_architecture.domain import DuplicateInvoice, InvalidInvoice
from examples.clean_architecture.use_cases import InvoiceArchive
from tests.integrations.conftest import serve_in_thread

PDF = b"%PDF-1.7\n" + os.urandom(300_000) + b"\n%%EOF\n"


async def test_use_case_depends_only_on_the_file_system():
    """The use case runs on any FileLikeSystem: here a private memory store."""
    async with aiofs.open_fs("memory://") as fs:
        archive = InvoiceArchive(fs)

        async def chunks(data: bytes):
            for at in range(0, len(data), 4096):
                yield data[at : at + 4096]

        stored = await archive.store("2026-0001", chunks(PDF))
        assert stored.number == "2026-0001" and stored.size == len(PDF)
        with pytest.raises(DuplicateInvoice):
            await archive.store("2026-0001", chunks(PDF))
        with pytest.raises(InvalidInvoice):
            await archive.store("2026-0002", chunks(b"not a pdf at all"))
        with pytest.raises(InvalidInvoice):
            await archive.store("../etc", chunks(PDF))
        assert [i.number for i in await archive.list()] == ["2026-0001"]
        assert await fs.ls() == ["invoices/2026-0001.pdf"]  # the refused upload left nothing


def test_service_over_http(backend_url):
    """Upload, list, details, download (Range, 304), duplicate and invalid uploads, 404."""
    from examples.clean_architecture.web import create_app

    app = create_app({"storage": {"url": backend_url}})
    with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        created = http.post(
            "/invoices/2026-0042", files={"file": ("a.pdf", PDF, "application/pdf")}
        )
        assert created.status_code == 201, created.text
        assert created.json()["size"] == len(PDF)
        again = http.post("/invoices/2026-0042", files={"file": ("a.pdf", PDF)})
        assert again.status_code == 409
        bad = http.post("/invoices/2026-0043", files={"file": ("a.txt", b"plain text")})
        assert bad.status_code == 422
        assert [i["number"] for i in http.get("/invoices").json()] == ["2026-0042"]
        assert http.get("/invoices/2026-0042/details").json()["size"] == len(PDF)

        download = http.get("/invoices/2026-0042")
        assert download.status_code == 200 and download.content == PDF
        assert download.headers["content-type"] == "application/pdf"
        assert 'filename="invoice-2026-0042.pdf"' in download.headers["content-disposition"]
        etag = download.headers["etag"]
        assert http.get("/invoices/2026-0042", headers={"If-None-Match": etag}).status_code == 304
        part = http.get("/invoices/2026-0042", headers={"Range": "bytes=0-7"})
        assert part.status_code == 206 and part.content == PDF[:8]
        assert http.get("/invoices/2026-9999").status_code == 404
        assert http.get("/invoices/2026-9999/details").status_code == 404

    async def stored() -> list[str]:
        async with aiofs.open_fs(backend_url) as fs:
            return await fs.ls("invoices/*")

    import asyncio

    assert asyncio.run(stored()) == ["invoices/2026-0042.pdf"]
    # shutdown_resources() closed the container's file system with the server
    fs = app.state.container.storage.fs
    assert fs.initialized is False
