"""Azurite fixtures: one emulator per test session, a fresh container per test.

``azurite-blob`` comes from ``.cache/azurite`` (``scripts/install`` puts it there). It
runs on a free loopback port with in-memory storage and ``--skipApiVersionCheck`` (the
newest SDK speaks an API version Azurite 3.37 refuses), and is stopped at the end.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

__all__ = ["Azurite", "azure_url", "azurite", "start_azurite"]

ROOT = Path(__file__).resolve().parents[2]
AZURITE_BIN = ROOT / ".cache" / "azurite" / "node_modules" / ".bin" / "azurite-blob"
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

_containers = itertools.count()


@dataclasses.dataclass(frozen=True)
class Azurite:
    """A running emulator."""

    host: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def account_url(self) -> str:
        return f"http://{self.host}:{self.port}/{ACCOUNT}"

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint={self.account_url};"
        )

    def url(self, container: str, prefix: str = "") -> str:
        """An ``azure://`` URL for ``container`` carrying the connection string."""
        path = f"/{prefix}" if prefix else ""
        query = urlencode({"connection_string": self.connection_string})
        return f"azure://{container}{path}?{query}"


def start_azurite(workdir: Path, timeout: float = 30.0) -> Azurite:
    """Start ``azurite-blob`` on a free loopback port; raise ``RuntimeError`` if it fails."""
    from . import free_port

    if not AZURITE_BIN.exists():
        raise FileNotFoundError(f"{AZURITE_BIN} is missing: run scripts/install (needs npm)")
    workdir.mkdir(parents=True, exist_ok=True)
    log = open(workdir / "azurite.log", "wb")  # noqa: SIM115 - closed with the process
    port = free_port()
    process = subprocess.Popen(
        [
            str(AZURITE_BIN),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--inMemoryPersistence",
            "--skipApiVersionCheck",
            "--disableTelemetry",
            "--loose",
            "--silent",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=workdir,
    )
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = (workdir / "azurite.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"azurite-blob exited with {process.returncode}: {text}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return Azurite("127.0.0.1", port, process)
        except OSError:
            time.sleep(0.1)
    stop_azurite(process)
    raise RuntimeError(f"azurite-blob did not listen on port {port} within {timeout} s")


def stop_azurite(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    from . import unavailable

    try:
        server = start_azurite(tmp_path_factory.mktemp("azurite"))
    except (FileNotFoundError, RuntimeError, OSError) as exc:
        unavailable(f"Azurite cannot be started: {exc}")
        raise AssertionError from exc
    try:
        yield server
    finally:
        stop_azurite(server.process)


def new_container() -> str:
    """A container name no other test uses (3-63 lowercase letters, digits, hyphens)."""
    return f"t{os.getpid()}-{next(_containers)}-{os.urandom(3).hex()}"


@pytest.fixture
def azure_url(azurite: Azurite) -> str:
    return azurite.url(new_container())
