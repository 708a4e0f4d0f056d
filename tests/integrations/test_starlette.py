"""aiofs.integrations.starlette through a real uvicorn server and a real HTTP client."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from urllib.parse import unquote

import httpx
import pytest
from aiofs.integrations.starlette import (
    FileSystemResponse,
    combine_lifespans,
    get_fs,
    get_fs_named,
    lifespan,
    save_upload,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

import aiofs

DATA = bytes(range(256)) * 4096 + b"tail"  # 1 MiB + 4 bytes: several chunks


async def _upload(request: Request) -> PlainTextResponse:
    fs = get_fs(request)
    form = await request.form()
    upload = form["file"]
    assert not isinstance(upload, str)
    try:
        size = await save_upload(
            fs, request.path_params["name"], upload, overwrite="replace" in request.query_params
        )
    except FileExistsError:
        return PlainTextResponse("exists", status_code=409)
    finally:
        await form.close()
    return PlainTextResponse(str(size), status_code=201)


async def _download(request: Request) -> FileSystemResponse:
    name = request.path_params["name"]
    filename = request.query_params.get("as")
    return FileSystemResponse(get_fs(request), name, filename=filename, chunk_size=64 << 10)


async def _media(request: Request) -> JSONResponse:
    fs, media = get_fs(request), get_fs_named("media")(request)
    return JSONResponse({"fs": await fs.ls(), "media": await media.ls()})


def make_app(life) -> Starlette:
    return Starlette(
        routes=[
            Route("/files/{name:path}", _upload, methods=["POST"]),
            Route("/files/{name:path}", _download, methods=["GET", "HEAD"]),
            Route("/both", _media),
        ],
        lifespan=life,
    )


@pytest.fixture
async def client(http_server, backend_url):
    base = http_server(make_app(lifespan(backend_url)))
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post("/files/dir/data.bin", files={"file": ("d.bin", DATA)})
        assert response.status_code == 201, response.text
        assert response.text == str(len(DATA))
        yield client


async def test_download_streams_the_whole_file_with_validators(client):
    """200: the bytes, Content-Length, a guessed type, ETag, Last-Modified, Accept-Ranges."""
    response = await client.get("/files/dir/data.bin")
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["content-length"] == str(len(DATA))
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"].startswith('"') and response.headers["etag"].endswith('"')
    assert response.headers["last-modified"].endswith(" GMT")
    assert "content-disposition" not in response.headers


RANGES = [
    ("bytes=0-0", 0, 1),
    ("bytes=10-99", 10, 100),
    ("bytes=65530-200000", 65530, 200001),  # across chunk boundaries
    ("bytes=1048570-", 1048570, len(DATA)),
    ("bytes=-7", len(DATA) - 7, len(DATA)),
    ("bytes=1000-99999999", 1000, len(DATA)),
]
UNSATISFIABLE = [f"bytes={len(DATA)}-", f"bytes={len(DATA) + 5}-{len(DATA) + 9}", "bytes=-0"]
IGNORED = ["bytes=5-2", "items=0-1", "bytes=a-b", "bytes=0-1,5-9"]


async def test_range_gives_206_with_content_range(client):
    """Range -> 206, the exact bytes, Content-Range and Content-Length of the part."""
    for header, start, stop in RANGES:
        response = await client.get("/files/dir/data.bin", headers={"Range": header})
        assert response.status_code == 206, header
        assert response.content == DATA[start:stop], header
        assert response.headers["content-range"] == f"bytes {start}-{stop - 1}/{len(DATA)}"
        assert response.headers["content-length"] == str(stop - start)


async def test_unsatisfiable_range_gives_416(client):
    """416 with Content-Range: bytes */size and no body."""
    for header in UNSATISFIABLE:
        response = await client.get("/files/dir/data.bin", headers={"Range": header})
        assert response.status_code == 416, header
        assert response.headers["content-range"] == f"bytes */{len(DATA)}"
        assert response.content == b""


async def test_ignored_ranges_give_the_whole_file(client):
    """Malformed, other units and multiple ranges are ignored: 200 with everything."""
    for header in IGNORED:
        response = await client.get("/files/dir/data.bin", headers={"Range": header})
        assert response.status_code == 200, header
        assert response.content == DATA, header


async def test_conditional_requests(client):
    """If-None-Match/If-Modified-Since -> 304; If-Range mismatch -> 200; If-Match -> 412."""
    first = await client.get("/files/dir/data.bin")
    etag, modified = first.headers["etag"], first.headers["last-modified"]

    again = await client.get("/files/dir/data.bin", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    listed = await client.get("/files/dir/data.bin", headers={"If-None-Match": f'"x", W/{etag}'})
    assert listed.status_code == 304
    other = await client.get("/files/dir/data.bin", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200 and other.content == DATA

    since = await client.get("/files/dir/data.bin", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    before = await client.get("/files/dir/data.bin", headers={"If-Modified-Since": old})
    assert before.status_code == 200

    headers = {"Range": "bytes=0-9", "If-Range": etag}
    assert (await client.get("/files/dir/data.bin", headers=headers)).status_code == 206
    headers = {"Range": "bytes=0-9", "If-Range": '"stale"'}
    stale = await client.get("/files/dir/data.bin", headers=headers)
    assert stale.status_code == 200 and stale.content == DATA

    refused = await client.get("/files/dir/data.bin", headers={"If-Match": '"stale"'})
    assert refused.status_code == 412
    unmodified = await client.get("/files/dir/data.bin", headers={"If-Unmodified-Since": old})
    assert unmodified.status_code == 412


async def test_new_version_gets_a_new_etag(client):
    """After a replace, the old ETag no longer gives 304."""
    etag = (await client.head("/files/dir/data.bin")).headers["etag"]
    response = await client.post("/files/dir/data.bin?replace", files={"file": ("d", b"new")})
    assert response.status_code == 201
    fresh = await client.get("/files/dir/data.bin", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.content == b"new"
    assert fresh.headers["etag"] != etag


async def test_head_sends_headers_only(client):
    """HEAD: the GET headers (length, etag), no body."""
    response = await client.head("/files/dir/data.bin")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(DATA))
    part = await client.head("/files/dir/data.bin", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.headers["content-length"] == "10"


async def test_missing_or_impossible_path_gives_404(client):
    """A missing file, or a path no file can have, is 404 (not 500)."""
    for name in ["missing.txt", "dir/missing", "a//b", "dir/%2E%2E/data.bin", "dir%2F"]:
        assert (await client.get(f"/files/{name}")).status_code == 404, name
        assert (await client.head(f"/files/{name}")).status_code == 404, name


DISPOSITIONS = [
    ("report.csv", 'attachment; filename="report.csv"'),
    (
        "naïve résumé.pdf",
        "attachment; filename=\"na_ve r_sum_.pdf\"; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.pdf",
    ),
    (
        'say "hi".txt',
        "attachment; filename=\"say _hi_.txt\"; filename*=UTF-8''say%20%22hi%22.txt",
    ),
]


async def test_content_disposition(client):
    """filename -> Content-Disposition (RFC 6266 with an RFC 5987 filename*), type from it."""
    for filename, expected in DISPOSITIONS:
        response = await client.get("/files/dir/data.bin", params={"as": filename})
        assert response.headers["content-disposition"] == expected
        if "filename*=" in expected:
            assert unquote(expected.rsplit("''", 1)[1]) == filename
        if filename.endswith(".csv"):
            assert response.headers["content-type"] == "text/csv"


async def test_save_upload_without_overwrite_refuses_an_existing_file(client):
    """overwrite=False opens with mode x: FileExistsError, and the old content stays."""
    response = await client.post("/files/dir/data.bin", files={"file": ("d", b"other")})
    assert response.status_code == 409
    assert (await client.get("/files/dir/data.bin")).content == DATA


async def test_an_aborted_download_leaves_the_server_healthy(client):
    """A client that goes away mid-body does not break later requests."""
    async with client.stream("GET", "/files/dir/data.bin") as response:
        async for _ in response.aiter_raw(1024):
            break
    assert (await client.get("/files/dir/data.bin")).content == DATA


async def test_lifespan_missing_is_a_clear_error(http_server):
    """get_fs without the lifespan: RuntimeError naming the fix (500 over HTTP)."""
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    with pytest.raises(RuntimeError, match=r"lifespan=aiofs\.integrations\.starlette\.lifespan"):
        get_fs(request)
    with pytest.raises(RuntimeError, match=r"name='media'"):
        get_fs_named("media")(request)

    base = http_server(make_app(None))
    async with httpx.AsyncClient(base_url=base) as client:
        assert (await client.get("/files/x")).status_code == 500


async def test_named_file_systems_and_the_apps_own_lifespan(http_server, tmp_path):
    """combine_lifespans: fs + a named one + the app's own state; all closed at shutdown."""
    events: list[str] = []
    opened: dict[str, aiofs.FileLikeSystem] = {}

    @asynccontextmanager
    async def app_lifespan(app):
        events.append("app start")
        yield {"greeting": "hello"}
        events.append("app stop")

    async def endpoint(request: Request) -> JSONResponse:
        opened["fs"], opened["media"] = get_fs(request), get_fs_named("media")(request)
        await opened["fs"].write_bytes("a.txt", b"a")
        await opened["media"].write_bytes("m.png", b"m")
        return JSONResponse({"greeting": request.state.greeting})

    life = combine_lifespans(
        lifespan(f"memory://named-{os.getpid()}"),
        lifespan((tmp_path / "media").as_uri(), name="media"),
        app_lifespan,
    )
    app = Starlette(routes=[Route("/", endpoint), Route("/both", _media)], lifespan=life)
    with_server = http_server(app)
    async with httpx.AsyncClient(base_url=with_server) as client:
        assert (await client.get("/")).json() == {"greeting": "hello"}
        assert (await client.get("/both")).json() == {"fs": ["a.txt"], "media": ["m.png"]}
    assert events == ["app start"]
    assert (tmp_path / "media" / "m.png").read_bytes() == b"m"
    assert opened["fs"] is not opened["media"]


async def test_file_systems_close_at_shutdown(tmp_path):
    """The lifespan closes what it opened, after the app's own lifespan has stopped."""
    from tests.integrations.conftest import serve_in_thread

    events: list[str] = []
    seen: list[aiofs.FileLikeSystem] = []

    @asynccontextmanager
    async def app_lifespan(app):
        yield None
        events.append("app stop")

    async def endpoint(request: Request) -> PlainTextResponse:
        seen.append(get_fs(request))
        return PlainTextResponse("ok")

    life = combine_lifespans(lifespan(tmp_path.as_uri()), app_lifespan)
    with serve_in_thread(Starlette(routes=[Route("/", endpoint)], lifespan=life)) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.get("/")).text == "ok"
    assert events == ["app stop"]
    with pytest.raises(RuntimeError, match="closed"):
        await seen[0].ls()


async def test_duplicate_state_keys_fail_at_startup():
    """Two file systems under one name is a startup error, not a silent override."""
    from tests.integrations.conftest import serve_in_thread

    life = combine_lifespans(lifespan("memory://"), lifespan("memory://"))
    with pytest.raises(RuntimeError, match="startup"), serve_in_thread(make_app(life)):
        pass


async def test_default_url_is_aiofs_url_else_a_data_folder(http_server, tmp_path, monkeypatch):
    """lifespan(): AIOFS_URL at startup, else ./data (created on first write)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AIOFS_URL", raising=False)
    base = http_server(make_app(lifespan()))
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post("/files/hello.txt", files={"file": ("h", b"hi")})
        assert response.status_code == 201
    assert (tmp_path / "data" / "hello.txt").read_bytes() == b"hi"

    monkeypatch.setenv("AIOFS_URL", (tmp_path / "elsewhere").as_uri())
    base = http_server(make_app(lifespan()))
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post("/files/there.txt", files={"file": ("t", b"yo")})
        assert response.status_code == 201
    assert (tmp_path / "elsewhere" / "there.txt").read_bytes() == b"yo"


async def test_save_upload_accepts_an_async_byte_stream(http_server, backend_url):
    """save_upload(fs, path, request.stream()): a raw body, streamed, size returned."""

    async def put(request: Request) -> PlainTextResponse:
        size = await save_upload(get_fs(request), "raw.bin", request.stream())
        return PlainTextResponse(str(size))

    app = Starlette(
        routes=[Route("/", put, methods=["PUT"]), Route("/files/{name:path}", _download)],
        lifespan=lifespan(backend_url),
    )
    base = http_server(app)

    async def body():
        for _ in range(8):
            yield DATA[:300_000]

    async with httpx.AsyncClient(base_url=base) as client:
        assert (await client.put("/", content=body())).text == str(8 * 300_000)
        assert (await client.get("/files/raw.bin")).content == DATA[:300_000] * 8
