"""The example project as its users run it: manage.py commands and uvicorn, in new processes,
with its own settings (uploads and static files on the local disk through aiofs)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port

from .conftest import EXAMPLE


@pytest.fixture
def project_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        DJANGO_DB=str(tmp_path / "db.sqlite3"),
        AIOFS_URL=f"file://{tmp_path / 'media'}",
        AIOFS_STATIC_URL=f"file://{tmp_path / 'static'}",
        DJANGO_DEBUG="0",
    )
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_project_runs_as_deployed(project_env, tmp_path):
    """manage.py check/migrate/collectstatic/shell, then the ASGI app under uvicorn."""
    assert "no issues" in _manage(project_env, "check")
    _manage(project_env, "migrate", "--noinput", "-v", "0")
    out = _manage(project_env, "collectstatic", "--noinput")
    assert "static files copied" in out
    assert (tmp_path / "static" / "admin" / "css" / "base.css").is_file()
    script = (
        "from django.core.files.base import ContentFile\n"
        "from documents.models import Document\n"
        "d = Document.objects.create(title='t', file=ContentFile(b'shell', name='s.txt'))\n"
        "print(d.file.name, d.file.url)\n"
    )
    assert _manage(project_env, "shell", "-c", script).splitlines()[-1].split() == [
        "documents/s.txt",
        "/media/documents/s.txt",
    ]
    assert (tmp_path / "media" / "documents" / "s.txt").read_bytes() == b"shell"
    _uvicorn(project_env, tmp_path)


def _uvicorn(project_env: dict[str, str], tmp_path: Path) -> None:
    """``uvicorn mysite.asgi:application``: upload, list and download through the project."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "mysite.asgi:application", "--port", str(port)]
    command += ["--host", "127.0.0.1", "--lifespan", "off", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=EXAMPLE, env=project_env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "uvicorn exited during startup"
            try:
                httpx.get(base + "/files/", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.05)
        with httpx.Client(base_url=base, timeout=30) as http:
            payload = os.urandom(500_000)
            created = http.post("/documents/", files={"file": ("scan.pdf", payload)})
            assert created.status_code == 201, created.text
            name = created.json()["name"]
            assert name in [f["name"] for f in http.get("/files/").json()["files"]]
            download = http.get(f"/media/{name}")
            assert download.status_code == 200 and download.content == payload
            part = http.get(f"/media/{name}", headers={"Range": "bytes=-100"})
            assert part.status_code == 206 and part.content == payload[-100:]
            assert http.get("/media/documents/none.pdf").status_code == 404
        assert (tmp_path / "media" / name).read_bytes() == payload
    finally:
        process.terminate()
        process.wait(10)
