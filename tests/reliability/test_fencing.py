"""Fencing (CONTRACT §2): a writer paused past its lock's time to live never overwrites.

The stale writer runs on its own event loop in a thread and is "paused" (its loop
blocked, so nothing renews its lock or lease) after staging half its payload. Another
client waits for the lock to expire, commits a newer version, then lets the stale
writer go on and commit. It must get ``BlockingIOError`` and the newer version must stay:
0 stale overwrites. On Azure a new file has no lease (optimistic create-only commit) and
an existing one a 15 s lease; both are tried.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

import aiofs

from ._stress import scaled
from .conftest import short_ttl, write_within

TRIALS = scaled(5, 50)
AZURE_LEASED_TRIALS = scaled(1, 10)  # each waits out a 15 s lease
PAUSE_LIMIT = 120


def _stale_writer(url: str, path: str, payload: bytes, paused, resume, outcome: list) -> None:
    async def main() -> None:
        async with aiofs.open_fs(url) as fs:
            try:
                async with fs.open(path, "w") as f:
                    await f.write(payload[: len(payload) // 2])
                    paused.set()
                    resume.wait(PAUSE_LIMIT)  # the pause: this loop stands still
                    await f.write(payload[len(payload) // 2 :])
                outcome.append("committed")
            except BlockingIOError:
                outcome.append("refused")
            except BaseException as exc:
                outcome.append(f"error {exc!r}")
            finally:
                paused.set()

    asyncio.run(main())


async def _trial(url: str, ttl: float, path: str, n: int, existing: bool) -> str:
    async with aiofs.open_fs(url) as fs:
        if existing:
            await fs.write_bytes(path, b"original")
        else:
            await fs.rm(path)
        stale, newer = b"STALE %d " % n * 5000, b"NEWER %d " % n * 4000
        paused, resume, outcome = threading.Event(), threading.Event(), []
        thread = threading.Thread(
            target=_stale_writer, args=(url, path, stale, paused, resume, outcome), daemon=True
        )
        thread.start()
        try:
            assert await asyncio.to_thread(paused.wait, 30), "the stale writer never entered"
            assert not outcome, f"the stale writer failed early: {outcome}"
            await write_within(fs, path, newer, ttl + 5)
        finally:
            resume.set()
            await asyncio.to_thread(thread.join, 60)
        final = await fs.read_bytes(path)
        assert outcome in (["refused"], ["committed"]), outcome
        if final == stale:
            return "stale overwrite"
        assert final == newer, "the file is neither version"
        assert outcome == ["refused"], "a commit reported success but did not apply"
        return "fenced"


@pytest.mark.timeout(scaled(120, 3600))
async def test_expired_writer_never_overwrites(request, ttl_backend):
    """§2: 0 stale overwrites by writers paused past their lock's TTL."""
    url, ttl = short_ttl(
        ttl_backend, request.getfixturevalue(f"{ttl_backend.replace('-', '_')}_url"), 0.5
    )
    plan = [(n, n % 2 == 0) for n in range(TRIALS)]
    if ttl_backend == "azure":
        plan = [(n, n < AZURE_LEASED_TRIALS) for n in range(TRIALS)]
    results = [await _trial(url, ttl, f"fence/{n % 3}", n, existing) for n, existing in plan]
    assert results.count("stale overwrite") == 0, results
