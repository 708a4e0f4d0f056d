"""aiofs.integrations.fastapi and the FastAPI demo app, through uvicorn and httpx."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import typing
from typing import Annotated
from urllib.parse import quote

import aiofs.integrations.fastapi as integration
import aiofs.integrations.starlette as starlette_integration
import httpx
import pytest
from aiofs.integrations.fastapi import (
    FileSystem,
    FileSystemResponse,
    combine_lifespans,
    get_fs,
    get_fs_named,
    lifespan,
)
from fastapi import Depends, FastAPI

import aiofs
from aiofs import FileLikeSystem
from examples.fastapi_app import create_app

PAYLOAD = b"0123456789" * 100_000  # 1 MB

#: A second, named file system as a dependency (module level: FastAPI resolves the hint).
Media = Annotated[FileLikeSystem, Depends(get_fs_named("media"))]


@pytest.fixture
async def demo(http_server, backend_url):
    """A client of the demo app on each backend."""
    async with httpx.AsyncClient(base_url=http_server(create_app(backend_url))) as client:
        yield client


async def test_upload_list_download_delete_through_the_page(demo):
    """The HTML flow: form upload -> 303 -> listed with its size -> download -> delete."""
    empty = await demo.get("/")
    assert empty.status_code == 200 and "No files yet" in empty.text
    assert empty.headers["content-type"].startswith("text/html")

    response = await demo.post("/upload", files={"file": ("report.csv", PAYLOAD)})
    assert response.status_code == 303
    assert response.headers["location"] == "/?uploaded=report.csv"
    page = await demo.get(response.headers["location"])
    assert "Uploaded report.csv." in page.text
    assert 'href="/files/report.csv"' in page.text
    assert f'data-bytes="{len(PAYLOAD)}"' in page.text and "976.6 KiB" in page.text

    download = await demo.get("/files/report.csv")
    assert download.content == PAYLOAD
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == 'attachment; filename="report.csv"'

    deleted = await demo.post("/delete", data={"name": "report.csv"})
    assert deleted.status_code == 303
    assert "No files yet" in (await demo.get(deleted.headers["location"])).text
    assert (await demo.get("/files/report.csv")).status_code == 404


async def test_upload_under_another_name_and_replace(demo):
    """'Save as' picks the path; an existing name is 409 unless 'replace' is ticked."""
    files = {"file": ("local.txt", b"one")}
    first = await demo.post("/upload", files=files, data={"name": "docs/a b.txt"})
    assert first.status_code == 303
    again = await demo.post("/upload", files={"file": ("x", b"two")}, data={"name": "docs/a b.txt"})
    assert again.status_code == 409 and "exists already" in again.text
    assert (await demo.get("/files/docs/a%20b.txt")).content == b"one"
    data = {"name": "docs/a b.txt", "replace": "true"}
    replaced = await demo.post("/upload", files={"file": ("x", b"two")}, data=data)
    assert replaced.status_code == 303
    assert (await demo.get("/files/docs/a%20b.txt")).content == b"two"
    listed = (await demo.get("/api/files")).json()
    assert [(f["path"], f["size"]) for f in listed] == [("docs/a b.txt", 3)]


async def test_bad_names_are_400_with_the_rule(demo):
    """Invalid names give 400 and the rule broken, on every route, never 500."""
    for name in ["a//b", "dir/", "../up", "x/./y", "tab\there", "back\\slash", "nul\x00"]:
        data = {"name": name}
        upload = await demo.post("/upload", files={"file": ("f", b"x")}, data=data)
        assert upload.status_code == 400, name
        assert "Bad name" in upload.text and 'role="alert"' in upload.text
        if "." not in name:  # URLs with dot segments are normalised by the client
            put = await demo.put(f"/files/{quote(name)}", content=b"x")
            assert put.status_code == 400 and put.json()["detail"], name
            assert (await demo.get(f"/files/{quote(name)}")).status_code == 400, name
        assert (await demo.post("/delete", data=data)).status_code == 400, name
    assert (await demo.get("/api/files")).json() == []


async def test_the_http_api(demo):
    """PUT streams a raw body; GET/HEAD/Range/304; DELETE; 404 for missing files."""
    created = await demo.put("/files/big.bin", content=PAYLOAD)
    assert created.status_code == 201 and created.json() == {
        "path": "big.bin",
        "size": len(PAYLOAD),
    }
    head = await demo.head("/files/big.bin")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(PAYLOAD))
    part = await demo.get("/files/big.bin", headers={"Range": "bytes=-10"})
    assert part.status_code == 206 and part.content == PAYLOAD[-10:]
    cached = await demo.get("/files/big.bin", headers={"If-None-Match": head.headers["etag"]})
    assert cached.status_code == 304
    too_far = await demo.get("/files/big.bin", headers={"Range": f"bytes={len(PAYLOAD)}-"})
    assert too_far.status_code == 416
    assert too_far.headers["content-range"] == f"bytes */{len(PAYLOAD)}"
    assert (await demo.delete("/files/big.bin")).status_code == 204
    assert (await demo.delete("/files/big.bin")).status_code == 404
    assert (await demo.get("/files/big.bin")).status_code == 404
    assert (await demo.get("/api/files")).json() == []


async def test_names_with_glob_characters_are_deleted_exactly(demo):
    """Delete escapes the name: 'a[1].txt' removes that file only."""
    for name in ("a[1].txt", "a1.txt", "b*.txt", "bb.txt"):
        assert (await demo.put(f"/files/{name}", content=name.encode())).status_code == 201
    assert (await demo.delete("/files/a%5B1%5D.txt")).status_code == 204
    assert (await demo.delete("/files/b*.txt")).status_code == 204
    paths = [f["path"] for f in (await demo.get("/api/files")).json()]
    assert paths == ["a1.txt", "bb.txt"]


async def test_filesystem_dependency_and_named_ones(http_server, tmp_path):
    """FileSystem (Annotated + Depends), get_fs_named via Depends, overrides in tests."""
    app = FastAPI(
        lifespan=combine_lifespans(lifespan("memory://"), lifespan(tmp_path.as_uri(), name="media"))
    )

    @app.put("/copy/{name}")
    async def copy(name: str, fs: FileSystem, media: Media) -> dict[str, int]:
        await fs.write_bytes(name, b"data")
        await media.write_bytes(name, await fs.read_bytes(name))
        return {"fs": len(await fs.ls()), "media": len(await media.ls())}

    @app.get("/media/{name}")
    async def show(name: str, media: Media) -> FileSystemResponse:
        return FileSystemResponse(media, name, media_type="text/plain")

    base = http_server(app)
    async with httpx.AsyncClient(base_url=base) as client:
        assert (await client.put("/copy/x.txt")).json() == {"fs": 1, "media": 1}
        shown = await client.get("/media/x.txt")
        assert shown.text == "data" and shown.headers["content-type"] == "text/plain; charset=utf-8"
    assert (tmp_path / "x.txt").read_bytes() == b"data"

    async with aiofs.open_fs("memory://") as replacement:
        app.dependency_overrides[get_fs] = lambda: replacement
        base = http_server(app)
        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.put("/copy/y.txt")).status_code == 200
        assert await replacement.ls() == ["y.txt"]


async def test_missing_lifespan_is_a_500_with_a_clear_log(http_server, caplog):
    """FastAPI without the lifespan: get_fs raises RuntimeError, the request is a 500."""
    app = FastAPI()

    @app.get("/")
    async def index(fs: FileSystem) -> list[str]:
        return await fs.ls()

    base = http_server(app)
    async with httpx.AsyncClient(base_url=base) as client:
        assert (await client.get("/")).status_code == 500
    for _ in range(200):  # uvicorn logs the error just after it has sent the 500
        if "No file system 'fs' in the app's lifespan state" in caplog.text:
            break
        await asyncio.sleep(0.02)
    assert "No file system 'fs' in the app's lifespan state" in caplog.text


def test_public_api_is_listed_and_typed():
    """__all__ is sorted and complete; get_type_hints works on every public callable."""
    for module in (integration, starlette_integration):
        assert module.__all__ == sorted(module.__all__)
        public = {n for n in dir(module) if not n.startswith("_")} - {"annotations", "Any"}
        assert set(module.__all__) <= public
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not typing.get_origin(obj):
                typing.get_type_hints(obj)
    assert set(integration.__all__) == {*starlette_integration.__all__, "FileSystem"}
    assert typing.get_args(FileSystem)[0] is FileLikeSystem
    assert typing.get_type_hints(get_fs)["return"] is FileLikeSystem


@pytest.mark.parametrize(("module", "extra"), [("starlette", "starlette"), ("fastapi", "fastapi")])
def test_missing_extra_names_the_install_command(module, extra):
    """Without the framework installed, the import error names pip install "aiofs[...]"."""
    code = (
        f"import sys; sys.modules[{extra!r}] = None\n"
        f"try:\n    import aiofs.integrations.{module}\n"
        "except ImportError as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert f'pip install "aiofs[{extra}]"' in out.stdout


async def test_demo_runs_as_a_module_on_the_data_folder(tmp_path):
    """python -m examples.fastapi_app semantics: uvicorn examples.fastapi_app:app in ./data."""
    from tests.integrations.conftest import serve_in_subprocess

    env = {"AIOFS_URL": ""}
    with serve_in_subprocess("examples.fastapi_app:app", env=env, cwd=tmp_path) as (base, _):
        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.put("/files/hello.txt", content=b"hi")).status_code == 201
            assert "hello.txt" in (await client.get("/")).text
    assert (tmp_path / "data" / "hello.txt").read_bytes() == b"hi"
