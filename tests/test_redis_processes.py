"""Redis backend across OS processes: writer exclusion, and a writer killed mid-write."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest
import redis.asyncio as redis_asyncio

import aiofs

_WRITER = """
import asyncio, os, sys, aiofs

async def main(url, path, payload, release):
    async with aiofs.open_fs(url) as fs:
        try:
            async with fs.open(path, "w") as f:
                print("entered", flush=True)
                await f.write(payload.encode())
                while not os.path.exists(release):
                    await asyncio.sleep(0.01)
        except BlockingIOError:
            print("busy", flush=True)
            return
        print("committed", flush=True)

asyncio.run(main(*sys.argv[1:]))
"""

_KILLED = """
import asyncio, sys, aiofs

async def main(url, path):
    fs = aiofs.open_fs(url)
    f = fs.open(path, "w")
    await f.__aenter__()
    await f.write(b"N" * (3 * fs._driver.write_chunk))
    print("staged", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main(*sys.argv[1:]))
"""


def _spawn(code: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, env=env
    )


async def _line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    return (await asyncio.to_thread(process.stdout.readline)).strip()


async def test_writer_exclusion_across_processes(redis_url, tmp_path):
    """§2: of overlapping writers in 4 processes exactly one commits; the rest get busy."""
    release = str(tmp_path / "release")
    payloads = [f"payload-{i}-" * 100 for i in range(4)]
    children = [_spawn(_WRITER, redis_url, "shared", p, release) for p in payloads]
    try:
        first = await asyncio.gather(*(_line(c) for c in children))
        assert sorted(first) == ["busy", "busy", "busy", "entered"], first
        await asyncio.to_thread(lambda: open(release, "w").close())
        winner = children[first.index("entered")]
        assert await _line(winner) == "committed"
        async with aiofs.open_fs(redis_url) as fs:
            assert await fs.read_bytes("shared") == payloads[first.index("entered")].encode()
    finally:
        for child in children:
            child.kill()
            child.wait()
            assert child.stdout is not None
            child.stdout.close()


async def test_killed_writer_loses_its_lock_after_its_ttl(redis_url, redis_server):
    """§2: a holder killed mid-write blocks the path for at most its lock TTL; the old
    content stays intact and its staged data expires too."""
    ttl = 1.0
    url = f"{redis_url}&lock_ttl={ttl}"
    async with aiofs.open_fs(url) as fs:
        await fs.write_bytes("f", b"old content")
        child = _spawn(_KILLED, url, "f")
        try:
            assert await _line(child) == "staged"
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        finally:
            child.kill()
            assert child.stdout is not None
            child.stdout.close()
        killed_at = time.monotonic()
        with pytest.raises(BlockingIOError):
            await fs.write_bytes("f", b"too early")
        assert await fs.read_bytes("f") == b"old content"
        while True:
            try:
                await fs.write_bytes("f", b"new owner")
                break
            except BlockingIOError:
                assert time.monotonic() - killed_at < ttl + 1.5, "the lock outlived its TTL"
                await asyncio.sleep(0.05)
        assert await fs.read_bytes("f") == b"new owner"
    prefix = redis_url.split("prefix=")[1]
    client = redis_asyncio.Redis(port=redis_server.port)
    try:
        while left := [k async for k in client.scan_iter(match=f"{prefix}*stage*")]:
            assert time.monotonic() - killed_at < ttl + 1.5, left
            await asyncio.sleep(0.05)
    finally:
        await client.aclose()
