"""Streaming on Azure keeps memory bounded: a 200 MiB upload and download in a child
process whose peak RSS is compared with its baseline (env AIOFS_STRESS=1: 1 GiB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MiB = 1 << 20

CHILD = r"""
import asyncio, hashlib, json, resource, sys
import aiofs

def rss_peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux

def rss_now():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096

async def roundtrip(fs, name, total):
    piece = bytes(range(256)) * 4096  # 1 MiB
    written = hashlib.sha256()
    async with fs.open(name, "w") as f:
        for i in range(total // len(piece)):
            chunk = piece[i % 256:] + piece[:i % 256]
            written.update(chunk)
            await f.write(chunk)
    size = (await fs.stat(name)).size
    read = hashlib.sha256()
    async with fs.open(name) as f:
        while chunk := await f.read(4 << 20):
            read.update(chunk)
    return size == total and written.digest() == read.digest()

async def main(url, total):
    async with aiofs.open_fs(url) as fs:
        await fs.write_bytes("warm", b"x")  # import and connect before the baseline
        base = rss_now()
        small_ok = await roundtrip(fs, "small", 32 << 20)  # the working set, reached
        small_peak = rss_peak()
        big_ok = await roundtrip(fs, "big", total)
    print(json.dumps({"base": base, "small_peak": small_peak, "peak": rss_peak(),
                      "same": small_ok and big_ok}))

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def test_200_mib_upload_and_download_in_bounded_memory(azure_url):
    """§2: memory stays bounded whatever the file's size (streamed blocks, ranged reads):
    a 200 MiB round trip peaks no higher than a 32 MiB one."""
    total = (1024 if os.environ.get("AIOFS_STRESS") else 200) * MiB
    # A fixed mmap threshold makes glibc hand freed buffers back at once, so peak RSS
    # measures live memory rather than the allocator's retention under load.
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_ARENA_MAX": "2"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, azure_url, str(total)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
    )
    report = json.loads(out.stdout)
    assert report["same"], "content read back differs"
    # Bounded: the 200 MiB round needs no more memory than a 32 MiB round did, beyond
    # noise. (The process's fixed overheads, which vary with the machine's load, cancel.)
    beyond_small = (report["peak"] - report["small_peak"]) / MiB
    assert beyond_small < 32, (
        f"a {total // MiB} MiB round took {beyond_small:.0f} MiB more than a 32 MiB one"
    )
