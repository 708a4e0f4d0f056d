"""Cancellation (CONTRACT §2): a cancelled read, write or commit leaves no trace.

Random ``asyncio.timeout`` deadlines of 0-20 ms (or a cancel after a random number of
event-loop steps, for backends that answer within microseconds) cut reads, streamed writes and commits at
random points. After each: the file is exactly the old or the new complete version (no
half commit), the next read is right (no stale reply handed to the next operation), the
path is writable again at once (within the lock's time to live + 1 s where locks have
one), and no lock or staging object ever shows in a listing.
"""

from __future__ import annotations

import asyncio
import random
import time

import pytest

import aiofs

from ._stress import scaled
from .conftest import short_ttl, write_within

pytestmark = pytest.mark.timeout(scaled(120, 3600))

CANCELLATIONS = scaled(200, 1000)
SIZE = scaled(256 << 10, 3 << 20)


async def _write(fs, path: str, data: bytes) -> None:
    async with fs.open(path, "w") as f:
        step = 64 << 10
        for start in range(0, len(data), step):
            await f.write(data[start : start + step])


async def _read(fs, path: str) -> bytes:
    async with fs.open(path) as f:
        parts = []
        while chunk := await f.read(48 << 10):
            parts.append(chunk)
        return b"".join(parts)


async def _cancel_after_steps(op, steps: int):
    """Run ``op``, cancelling it after ``steps`` event-loop iterations (fast backends)."""
    task = asyncio.ensure_future(op)
    for _ in range(steps):
        if task.done():
            break
        await asyncio.sleep(0)
    task.cancel()
    return await task


async def test_cancelled_operations_leave_no_trace(fs_url, backend):
    """§2: cancelled reads, writes and commits: old-or-new, no lock leak, no stale reply."""
    url, ttl = short_ttl(backend, fs_url)
    rng = random.Random(scaled(7, time.time_ns()))
    path = "cancel/file.bin"
    versions = [rng.randbytes(SIZE) for _ in range(4)]
    cancelled = 0
    async with aiofs.open_fs(url) as fs:
        current = versions[0]
        await fs.write_bytes(path, current)
        for i in range(CANCELLATIONS):
            new = versions[(i % 3) + 1] if versions[(i % 3) + 1] != current else versions[0]
            kind = rng.choice(["read", "write", "commit"])
            op = (
                _read(fs, path)
                if kind == "read"
                else _write(fs, path, new)
                if kind == "write"
                else fs.write_bytes(path, new)
            )
            try:
                if rng.random() < 0.5:
                    async with asyncio.timeout(rng.uniform(0, 0.02)):
                        got = await op
                else:
                    got = await _cancel_after_steps(op, int(rng.expovariate(0.3)))
                if kind == "read":
                    assert got == current, "a read returned bytes of no committed version"
            except (TimeoutError, asyncio.CancelledError):
                cancelled += 1
            # No half commit, no stale data on the next operation.
            now = await fs.read_bytes(path)
            assert now in (current, new) if kind != "read" else now == current, (
                f"step {i} ({kind}): the file is neither the old nor the new version"
            )
            current = now
            if kind != "read" and rng.random() < 0.3:
                # The path is free again: at once, or within a dead lock's time to live.
                current = versions[0] if current != versions[0] else versions[1]
                await write_within(fs, path, current, ttl + 1.0)
            assert (await fs.stat(path)).size == len(current)
        assert await fs.ls("cancel/*") == [path], "a lock or staging object is listed"
    assert cancelled > CANCELLATIONS // 10, f"only {cancelled} operations were cancelled"
