"""Peak client memory of one large write or read, measured in a fresh subprocess.

The RSS high-water mark (``VmHWM``, reset through ``/proc/self/clear_refs``) counts every
allocation, Python's and native (Rust, C) alike; ``tracemalloc`` counts Python's only. Both
are reported above the data itself: the caller's 64 MiB buffer on write (allocated before
the baseline), the returned bytes on read (subtracted).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import pickle
import subprocess
import sys
import tracemalloc
from typing import Any

from ._servers import ROOT
from .clients import Spec

_MIB = 1 << 20


def _status(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


async def _probe(spec: Spec, op: str, size: int) -> dict[str, Any]:
    from .workloads import _payload

    client = spec.build()
    await client.start()
    try:
        await client.write("mem/warm", b"w" * 1024)  # imports, connections, pools
        await client.read("mem/warm")
        data = _payload(size, 7)
        if op == "read":
            await client.write_large("mem/large", data)
            del data
        gc.collect()
        base = _status("VmRSS")
        _reset_peak()
        tracemalloc.start()
        if op == "write":
            await client.write_large("mem/large", data)
            result_size = 0
        else:
            result = await client.read_large("mem/large")
            result_size = len(result)
        _, py_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_peak = _status("VmHWM") - base
        return {
            "rss_over_data_mib": max(0.0, (rss_peak - result_size) / _MIB),
            "py_over_data_mib": max(0.0, (py_peak - result_size) / _MIB),
        }
    finally:
        await client.close()


def measure(spec: Spec, op: str, size: int) -> dict[str, Any]:
    """Run one probe in a fresh interpreter and return its figures."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.memprobe"],
        cwd=ROOT,
        input=pickle.dumps((spec, op, size)),
        capture_output=True,
        timeout=600,
        check=False,
    )
    lines = proc.stdout.decode().strip().splitlines()
    if proc.returncode != 0 or not lines:
        errors = proc.stderr.decode(errors="replace").strip().splitlines() or ["no output"]
        raise RuntimeError(f"memory probe exited with {proc.returncode}: {errors[-1]}")
    return dict(json.loads(lines[-1]))


if __name__ == "__main__":
    spec, op, size = pickle.loads(sys.stdin.buffer.read())
    figures = asyncio.run(_probe(spec, op, size))
    sys.stdout.write(json.dumps(figures) + "\n")
    sys.stdout.flush()
    os._exit(0)  # skip teardown: some native clients' exit hooks are not ours to measure
