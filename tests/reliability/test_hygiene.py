"""Resource hygiene: long mixed workloads leave nothing behind.

Thousands of mixed operations (every kind of the model test, concurrent batches, file
systems opened and closed on the way) keep open file descriptors, TCP connections,
threads and aiohttp sessions flat; closing returns them to where they started; no
"unclosed" warning or "never retrieved" error is ever emitted.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import random
import warnings

import psutil
import pytest

import aiofs

from . import _model
from ._stress import scaled
from .test_model import random_op

OPERATIONS = scaled(2_000, 10_000)
#: Slack for descriptors the runtime opens on its own (an executor thread, a DNS cache).
SLACK = 3


def _open_sessions() -> int:
    try:
        import aiohttp
    except ImportError:
        return 0
    return sum(
        1 for obj in gc.get_objects() if isinstance(obj, aiohttp.ClientSession) and not obj.closed
    )


def _usage() -> dict[str, int]:
    proc = psutil.Process()
    return {
        "fds": proc.num_fds(),
        "tcp": len(proc.net_connections(kind="tcp")),
        "threads": proc.num_threads(),
        "sessions": _open_sessions(),
    }


@pytest.mark.timeout(scaled(120, 3600))
async def test_resources_stay_flat(fs_url, caplog):
    """Open fds, connections, threads and sessions flat over many mixed operations."""
    caplog.set_level(logging.WARNING)
    rng = random.Random(scaled(11, 12))
    gc.collect()
    before = _usage()
    checkpoints: list[dict[str, int]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with aiofs.open_fs(fs_url) as fs:
            done = 0
            while done < OPERATIONS:
                if done % 250 == 0:
                    # Another client comes and goes.
                    async with aiofs.open_fs(fs_url) as other:
                        for _ in range(5):
                            await _model.run(other, random_op(rng))
                    done += 5
                batch = 8 if rng.random() < 0.2 else 1
                await asyncio.gather(*(_model.run(fs, random_op(rng)) for _ in range(batch)))
                done += batch
                if done % (OPERATIONS // 10) < batch:
                    gc.collect()
                    checkpoints.append(_usage())
            await fs.rm("*")
        gc.collect()
        after = _usage()
    # Pools breathe (connections open and close), but a leak is a trend: the second half
    # must not climb above the first (after the first tenth, which warms pools up).
    steady = checkpoints[1:]
    half = len(steady) // 2
    for key in ("fds", "tcp", "threads", "sessions"):
        values = [point[key] for point in steady]
        assert max(values[half:]) <= max(values[:half]) + SLACK, f"{key} grew: {values}"
    assert after["fds"] <= before["fds"] + SLACK, (before, after)
    assert after["tcp"] <= before["tcp"], f"connections left open: {before} -> {after}"
    assert after["sessions"] <= before["sessions"], f"sessions left open: {before} -> {after}"
    print(f"resources before/after: {before} {after}; checkpoints: {checkpoints}")
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert not unclosed, unclosed
    noisy = [r.getMessage() for r in caplog.records if r.name == "asyncio"]
    assert not noisy, noisy
