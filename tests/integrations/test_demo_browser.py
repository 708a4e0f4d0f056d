"""The demo page in headless Chromium: upload, list, download, delete, as a person would.

Chromium comes from Debian's packages (``scripts/install`` installs it); it is driven over
the Chrome DevTools Protocol on a websocket, so nothing is downloaded at test time. The
demo runs as ``scripts/demo`` runs it (uvicorn, local disk ``./data``). A screenshot of
the page is saved as ``test-artifacts/demo-page.png``.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integrations.conftest import ROOT, serve_in_subprocess
from tests.servers import unavailable

CHROMIUM = os.environ.get("AIOFS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
    "--window-size=1000,900",
]


class Browser:
    """A minimal DevTools Protocol client: commands, awaited events, one page session."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._waiters: list[tuple[str, asyncio.Future[dict[str, Any]]]] = []
        self._queues: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())
        self.session: str | None = None

    async def _read(self) -> None:
        async for raw in self._ws:
            message = json.loads(raw)
            if "id" in message:
                future = self._pending.pop(message["id"])
                if "error" in message:
                    future.set_exception(RuntimeError(f"CDP error: {message['error']}"))
                else:
                    future.set_result(message.get("result", {}))
                continue
            if message["method"] in self._queues:
                self._queues[message["method"]].put_nowait(message.get("params", {}))
            for method, future in list(self._waiters):
                if method == message["method"] and not future.done():
                    future.set_result(message.get("params", {}))
                    self._waiters.remove((method, future))
                    break

    async def call(self, method: str, page: bool = True, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        self._pending[ident] = future = asyncio.get_running_loop().create_future()
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if page and self.session:
            message["sessionId"] = self.session
        await self._ws.send(json.dumps(message))
        return await asyncio.wait_for(future, 30)

    def expect(self, method: str) -> asyncio.Future[dict[str, Any]]:
        """Register for the next ``method`` event before the action that causes it."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters.append((method, future))
        return future

    def listen(self, method: str) -> asyncio.Queue[dict[str, Any]]:
        """Every later ``method`` event, in order."""
        return self._queues.setdefault(method, asyncio.Queue())

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def goto(self, url: str) -> None:
        loaded = self.expect("Page.loadEventFired")
        await self.call("Page.navigate", url=url)
        await asyncio.wait_for(loaded, 30)

    async def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element (as a person clicks)."""
        box = await self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            await self.call(
                "Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1
            )

    async def click_and_load(self, selector: str) -> None:
        loaded = self.expect("Page.loadEventFired")
        await self.click(selector)
        await asyncio.wait_for(loaded, 30)

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        data = base64.b64decode(shot["data"])
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(path.write_bytes, data)

    async def close(self) -> None:
        try:
            await self.call("Browser.close", page=False)
        except Exception:
            pass
        await self._ws.close()
        self._reader.cancel()


async def _devtools_url(profile: Path, process: asyncio.subprocess.Process) -> str:
    """Chromium writes its port and browser path to DevToolsActivePort in the profile."""
    marker = profile / "DevToolsActivePort"
    for _ in range(300):
        if process.returncode is not None:
            raise RuntimeError(f"Chromium exited with {process.returncode}")
        if marker.exists():
            lines = marker.read_text().split()
            if len(lines) >= 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        await asyncio.sleep(0.1)
    raise RuntimeError("Chromium did not open its DevTools port within 30 s")


@pytest.fixture
async def browser(tmp_path) -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(
            f"{CHROMIUM} is missing: run scripts/install as root (apt-get install chromium)"
        )
    from websockets.asyncio.client import connect

    profile = Path(tempfile.mkdtemp(prefix="aiofs-chromium-"))
    log = (tmp_path / "chromium.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        CHROMIUM,
        *FLAGS,
        f"--user-data-dir={profile}",
        "about:blank",
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = await _devtools_url(profile, process)
        async with connect(url, max_size=None) as ws:
            client = Browser(ws)
            target = await client.call("Target.createTarget", page=False, url="about:blank")
            attached = await client.call(
                "Target.attachToTarget", page=False, targetId=target["targetId"], flatten=True
            )
            client.session = attached["sessionId"]
            await client.call("Page.enable")
            await client.call("Runtime.enable")
            await client.call(
                "Emulation.setDeviceMetricsOverride",
                width=1000,
                height=900,
                deviceScaleFactor=1,
                mobile=False,
            )
            try:
                yield client
            finally:
                await client.close()
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()
        log.close()
        shutil.rmtree(profile, ignore_errors=True)


async def test_demo_page_in_chromium(browser, tmp_path):
    """Upload through the form, see it listed, download the same bytes, delete it."""
    workdir, downloads = tmp_path / "demo", tmp_path / "downloads"
    workdir.mkdir()
    downloads.mkdir()
    upload = tmp_path / "quarterly report.pdf"
    payload = os.urandom(300_000)
    upload.write_bytes(payload)

    with serve_in_subprocess("examples.fastapi_app:app", env={"AIOFS_URL": ""}, cwd=workdir) as (
        base,
        _,
    ):
        async with httpx.AsyncClient(base_url=base) as http:  # a few neighbours in the list
            await http.put("/files/notes/readme.txt", content=b"Hello from aiofs\n" * 40)
            await http.put("/files/photos/harbour.jpg", content=os.urandom(2_400_000))

        await browser.goto(base + "/")
        assert await browser.evaluate("document.title") == "aiofs demo"

        document = await browser.call("DOM.getDocument")
        node = await browser.call(
            "DOM.querySelector", nodeId=document["root"]["nodeId"], selector="input[type=file]"
        )
        await browser.call("DOM.setFileInputFiles", nodeId=node["nodeId"], files=[str(upload)])
        await browser.click_and_load("#upload button[type=submit]")

        assert await browser.evaluate("location.pathname + location.search") == (
            "/?uploaded=quarterly%20report.pdf"
        )
        notice = await browser.evaluate("document.querySelector('[role=status]').innerText")
        assert notice == "Uploaded quarterly report.pdf."
        rows = await browser.evaluate(
            "[...document.querySelectorAll('#files tbody tr')]"
            ".map(r => [r.cells[0].innerText, r.cells[1].dataset.bytes, r.cells[1].innerText])"
        )
        assert ["quarterly report.pdf", str(len(payload)), "293.0 KiB"] in rows
        assert len(rows) == 3
        await browser.screenshot(ARTIFACTS / "demo-page.png")
        assert (workdir / "data" / "quarterly report.pdf").read_bytes() == payload

        await browser.call(
            "Browser.setDownloadBehavior",
            page=False,
            behavior="allow",
            downloadPath=str(downloads),
            eventsEnabled=True,
        )
        progress = browser.listen("Browser.downloadProgress")
        await browser.click('a[href="/files/quarterly%20report.pdf"]')
        state = "inProgress"
        while state == "inProgress":
            state = (await asyncio.wait_for(progress.get(), 30))["state"]
        assert state == "completed"
        assert (downloads / "quarterly report.pdf").read_bytes() == payload

        selector = 'button[aria-label="Delete quarterly report.pdf"]'
        await browser.click_and_load(selector)
        notice = await browser.evaluate("document.querySelector('[role=status]').innerText")
        assert notice == "Deleted quarterly report.pdf."
        names = await browser.evaluate(
            "[...document.querySelectorAll('#files tbody tr')].map(r => r.cells[0].innerText)"
        )
        assert names == ["notes/readme.txt", "photos/harbour.jpg"]
        assert not (workdir / "data" / "quarterly report.pdf").exists()
