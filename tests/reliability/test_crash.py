"""Crash (CONTRACT §2): ``kill -9`` of a writer in the middle of a large write.

A child process writes a large file over an existing one and is killed at a random
point of its progress (before, during or just after its commit). Every time: the file is
the old content intact, or the new one complete; the path is writable again within the
lock's time to live + 1 s; no staging or lock object shows in ``ls``.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import signal
import time

import pytest

import aiofs

from . import _procs
from ._stress import scaled
from .conftest import short_ttl

SIZE = scaled(8 << 20, 64 << 20)
TRIALS = scaled(3, 20)


async def _kill_at(proc, progress, entered, target: int) -> None:
    """SIGKILL ``proc`` once it has written ``target`` bytes (or ended)."""
    deadline = time.monotonic() + 120
    while not entered.is_set() or progress.value < target:
        if not proc.is_alive():
            break
        if time.monotonic() > deadline:
            raise AssertionError("the writer made no progress in 120 s")
        await asyncio.sleep(0.001)
    if proc.is_alive():
        os.kill(proc.pid, signal.SIGKILL)
    await asyncio.to_thread(proc.join, 30)


async def _write_again(fs, path: str, data: bytes, ttl: float) -> float:
    """Write ``data`` as soon as the path is free; the seconds that took."""
    start = time.monotonic()
    while True:
        try:
            await fs.write_bytes(path, data)
            return time.monotonic() - start
        except BlockingIOError:
            if time.monotonic() - start > ttl + 5:
                raise
            await asyncio.sleep(0.05)


@pytest.mark.timeout(scaled(120, 3600))
async def test_kill_9_mid_write(shared_url, shared_backend):
    """§2: killed mid-write: old intact or new complete, free within TTL + 1 s, nothing listed."""
    url, ttl = short_ttl(shared_backend, shared_url)
    trials = TRIALS if shared_backend != "azure" else scaled(1, TRIALS)  # leases last 15 s
    ctx = multiprocessing.get_context("spawn")
    rng = random.Random(scaled(3, time.time_ns()))
    path = "crash/big file.bin"
    mid_write = 0
    async with aiofs.open_fs(url) as fs:
        old = _procs.crash_payload(-1, 1 << 20)
        await fs.write_bytes(path, old)
        for trial in range(trials):
            progress, entered = ctx.Value("q", 0), ctx.Event()
            proc = ctx.Process(
                target=_procs.crash_writer,
                args=(url, path, SIZE, trial, progress, entered),
                daemon=True,
            )
            proc.start()
            # The first kill always lands mid-write; the others anywhere, commit included.
            target = int(SIZE * (rng.uniform(0.1, 0.9) if trial == 0 else rng.uniform(0, 1.05)))
            await _kill_at(proc, progress, entered, target)
            assert proc.exitcode in (-signal.SIGKILL, 0)
            new = _procs.crash_payload(trial, SIZE)
            now = await fs.read_bytes(path)
            assert now in (old, new), f"trial {trial}: torn file ({len(now)} bytes)"
            mid_write += now == old
            assert await fs.ls("crash/*") == [path], "a staging or lock object is listed"
            old = _procs.crash_payload(1000 + trial, 1 << 20)
            took = await _write_again(fs, path, old, ttl)
            assert took <= ttl + 1, f"trial {trial}: blocked {took:.2f} s (TTL {ttl} s)"
            assert await fs.read_bytes(path) == old
            assert await fs.ls("crash/*") == [path]
            if shared_backend == "local":  # nothing left on the disk either
                folder = os.path.join(url.removeprefix("file://"), "crash")
                assert os.listdir(folder) == ["big file.bin"], os.listdir(folder)
    assert mid_write >= 1, "no kill landed before the commit"
