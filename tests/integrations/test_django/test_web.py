"""The example project's web side on each backend: model FileField, admin upload,
collectstatic, async views, and the view serving stored files (WSGI, ASGI, uvicorn)."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Awaitable, Callable, Generator
from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import AsyncClient, Client
from documents.models import Document

from tests.integrations.conftest import serve_in_thread

pytestmark = pytest.mark.usefixtures("django_db")


def test_model_filefield_save_read_delete(media):
    """A FileField stores through aiofs: save, read back, URL, delete."""
    doc = Document(title="invoice")
    doc.file.save("invoice.txt", ContentFile(b"amount: 42"), save=True)
    assert doc.file.name == "documents/invoice.txt"
    assert media.exists(doc.file.name)
    fresh = Document.objects.get(pk=doc.pk)
    with fresh.file.open("rb") as f:
        assert f.read() == b"amount: 42"
    assert fresh.file.size == 10
    assert fresh.file.url == "/media/documents/invoice.txt"
    other = Document.objects.create(title="again", file=ContentFile(b"x", name="invoice.txt"))
    assert other.file.name != doc.file.name  # Django's no-overwrite naming
    fresh.file.delete(save=True)
    assert not media.exists("documents/invoice.txt")
    assert Document.objects.get(pk=doc.pk).file.name == ""


def test_admin_upload(media):
    """A superuser uploads through the admin add form; the file lands in the storage."""
    user_model = get_user_model()
    username = f"admin-{os.urandom(4).hex()}"
    user_model.objects.create_superuser(username, f"{username}@example.com", "pw-123456")
    client = Client()
    assert client.login(username=username, password="pw-123456")
    assert client.get("/admin/documents/document/add/").status_code == 200
    payload = os.urandom(200_000)
    response = client.post(
        "/admin/documents/document/add/",
        {"title": "from admin", "file": SimpleUploadedFile("scan.pdf", payload)},
    )
    assert response.status_code == 302, response.content[:500]
    doc = Document.objects.filter(title="from admin").latest("pk")
    assert doc.file.name.startswith("documents/scan") and doc.file.name.endswith(".pdf")
    assert media.open(doc.file.name).read() == payload
    listing = client.get("/admin/documents/document/")
    assert doc.file.name.encode() in listing.content


def test_collectstatic(media):
    """collectstatic copies into the aiofs staticfiles storage, then skips unmodified files."""
    static = storages["staticfiles"]
    out: list[str] = []

    def collect() -> str:
        from io import StringIO

        buffer = StringIO()
        call_command(
            "collectstatic",
            interactive=False,
            verbosity=1,
            ignore_patterns=["admin"],
            stdout=buffer,
        )
        return buffer.getvalue()

    out.append(collect())
    assert "2 static files copied" in out[0]
    assert static.open("site/app.css").read() == b"body { color: #333; }\n"
    assert static.listdir("site") == ([], ["app.css", "app.js"])
    assert static.url("site/app.css") == "/static/site/app.css"
    out.append(collect())
    assert "0 static files copied" in out[1] and "2 unmodified" in out[1]
    response = Client().get("/static/site/app.js")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b'console.log("aiofs");\n'


async def test_async_views(media):
    """The example's async views: upload with asave, list with the async API, read with aopen."""
    client = AsyncClient()
    upload = SimpleUploadedFile("hello.txt", b"hello from an async view")
    response = await client.post("/documents/", {"title": "greeting", "file": upload})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["name"] == "documents/hello.txt"
    listing = (await client.get("/files/")).json()["files"]
    assert [f["name"] for f in listing] == ["documents/hello.txt"]
    assert listing[0]["size"] == 24 and listing[0]["url"] == "/media/documents/hello.txt"
    detail = (await client.get(f"/documents/{created['id']}/")).json()
    assert detail["head"] == "hello from an async view" and detail["size"] == 24
    assert (await client.get("/documents/999999/")).status_code == 404


Request = tuple[str, str, dict[str, str]]
Answer = tuple[int, Any, bytes]


def _serve_checks(name: str, payload: bytes) -> Generator[Request, Answer, None]:
    """The serving view's HTTP features: yields requests, is sent (status, headers, body)."""
    url = f"/media/{name}"
    status, headers, body = yield (url, "GET", {})
    assert status == 200 and body == payload
    assert headers["content-type"] == "application/pdf"
    assert headers["content-length"] == str(len(payload))
    assert headers["accept-ranges"] == "bytes" and "last-modified" in headers
    tag = headers["etag"]
    status, headers, body = yield (url, "GET", {"If-None-Match": tag})
    assert status == 304 and body == b"" and headers["etag"] == tag
    status, headers, body = yield (url, "GET", {"Range": "bytes=10-19"})
    assert status == 206 and body == payload[10:20]
    assert headers["content-range"] == f"bytes 10-19/{len(payload)}"
    status, headers, _ = yield (url, "GET", {"Range": f"bytes={len(payload) + 5}-"})
    assert status == 416 and headers["content-range"] == f"bytes */{len(payload)}"
    status, headers, body = yield (url, "HEAD", {})
    assert status == 200 and body == b"" and headers["content-length"] == str(len(payload))
    status, _, _ = yield ("/media/documents/missing.pdf", "GET", {})
    assert status == 404
    status, _, _ = yield ("/media/documents/..%2F..%2Fetc/passwd", "GET", {})
    assert status == 404


def _drive(get: Callable[[str, str, dict[str, str]], Answer], name: str, payload: bytes) -> None:
    checks = _serve_checks(name, payload)
    request = next(checks)
    with contextlib.suppress(StopIteration):
        while True:
            request = checks.send(get(*request))


async def _adrive(get: Callable[..., Awaitable[Answer]], name: str, payload: bytes) -> None:
    checks = _serve_checks(name, payload)
    request = next(checks)
    with contextlib.suppress(StopIteration):
        while True:
            request = checks.send(await get(*request))


def _payload() -> bytes:
    return hashlib.sha256(b"seed").digest() * 40_000  # 1.28 MB: several body chunks


def test_serving_view_wsgi(media):
    """Under WSGI (the test Client) the body is a sync iterator over the private loop."""
    payload = _payload()
    name = media.save("documents/big.pdf", ContentFile(payload))
    client = Client()

    def get(url: str, method: str, headers: dict[str, str]) -> Answer:
        response = getattr(client, method.lower())(url, headers=headers)
        if response.streaming:
            assert not response.is_async
            return response.status_code, response.headers, b"".join(response.streaming_content)
        return response.status_code, response.headers, response.content

    _drive(get, name, payload)


async def test_serving_view_asgi(media):
    """Under ASGI (AsyncClient) the body is an async iterator on the serving loop."""
    payload = _payload()
    name = await media.asave("documents/big.pdf", ContentFile(payload))
    client = AsyncClient()

    async def get(url: str, method: str, headers: dict[str, str]) -> Answer:
        response = await getattr(client, method.lower())(url, headers=headers)
        if response.streaming:
            assert response.is_async
            body = b"".join([chunk async for chunk in response.streaming_content])
            return response.status_code, response.headers, body
        return response.status_code, response.headers, response.content

    await _adrive(get, name, payload)


def test_serving_view_through_uvicorn(media):
    """The project's ASGI application in a real uvicorn server, fetched with httpx."""
    from django.core.asgi import get_asgi_application

    payload = _payload()
    name = media.save("documents/big.pdf", ContentFile(payload))
    app = get_asgi_application()
    with serve_in_thread(app, lifespan="off") as base, httpx.Client(base_url=base) as http:

        def get(url: str, method: str, headers: dict[str, str]) -> Answer:
            response = http.request(method, url, headers=headers)
            return response.status_code, response.headers, response.content

        _drive(get, name, payload)
        listing = http.get("/files/").json()["files"]
        assert {"name": name, "size": len(payload)}.items() <= listing[0].items()
    assert default_storage.exists(name)


def test_serving_view_options(media):
    """as_attachment names the file; another storage alias is chosen by the include kwargs."""
    from aiofs.integrations.django.views import serve
    from asgiref.sync import async_to_sync
    from django.test import RequestFactory

    media.save("documents/r\u00e9sum\u00e9.pdf", ContentFile(b"%PDF-1.7"))
    request = RequestFactory().get("/media/documents/r%C3%A9sum%C3%A9.pdf")
    response = async_to_sync(serve)(request, "documents/r\u00e9sum\u00e9.pdf", as_attachment=True)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="r_sum_.pdf"')
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF-1.7"
    storages["staticfiles"].save("only-static.txt", ContentFile(b"s"))
    assert Client().get("/static/only-static.txt").status_code == 200
    assert Client().post("/static/only-static.txt").status_code == 405
