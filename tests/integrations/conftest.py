"""Real HTTP servers for the integration tests, and the backend matrix they run on.

``serve_in_thread(app)`` runs any ASGI app in uvicorn on a free loopback port in a
background thread (fast; the app's objects stay inspectable); ``serve_in_subprocess``
runs ``module:attr`` in its own process, as a deployment does (for memory figures and
for apps that need a process of their own). Both yield the base URL and stop the server
at the end. The fixtures ``http_server`` and ``backend_url`` wrap them for tests.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import free_port

__all__ = ["HTTP_BACKENDS", "serve_in_subprocess", "serve_in_thread"]

ROOT = Path(__file__).resolve().parents[2]

#: Backends the web integrations run on (each a ``<name>_url`` fixture of tests/servers).
HTTP_BACKENDS = ["memory", "local", "redis", "azure"]


@contextmanager
def serve_in_thread(app: Any, *, timeout: float = 20, **config: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread; yield ``http://127.0.0.1:PORT``.

    The socket is bound before the server starts (no port race). The lifespan is
    required (``lifespan="on"``), so a failing startup raises ``RuntimeError`` here.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    options: dict[str, Any] = {
        "lifespan": "on",
        "log_level": "warning",
        "log_config": None,
        "ws": "none",
        **config,
    }
    server = uvicorn.Server(uvicorn.Config(app, **options))

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except SystemExit:  # uvicorn's way to report a failed startup
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn stopped during startup (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start within {timeout} s")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()


@contextmanager
def serve_in_subprocess(
    target: str,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    factory: bool = False,
    timeout: float = 30,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Serve ``module:attr`` with ``python -m uvicorn`` in a new process.

    Yields the base URL and the process (e.g. to sample its memory). ``env`` is added to
    this process's environment; the repository root is on ``PYTHONPATH``.
    """
    port = free_port()
    environ = {**os.environ, **(env or {})}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environ.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "warning", "--lifespan", "on"]
    if factory:
        command.append("--factory")
    process = subprocess.Popen(command, env=environ, cwd=cwd)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {process.returncode} during startup")
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not start within {timeout} s") from None
                time.sleep(0.05)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def http_server() -> Iterator[Callable[..., str]]:
    """``http_server(app, **uvicorn_config) -> base URL``; every server stops after the test."""
    with ExitStack() as stack:
        yield lambda app, **config: stack.enter_context(serve_in_thread(app, **config))


@pytest.fixture(params=HTTP_BACKENDS)
def backend_url(request: pytest.FixtureRequest) -> str:
    """A file system URL for each backend in :data:`HTTP_BACKENDS` (servers start as needed)."""
    return str(request.getfixturevalue(f"{request.param}_url"))
