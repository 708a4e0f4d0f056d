"""The measured work. Each workload prepares untimed, then times one run on one client.

A workload returns one figure (higher is better unless ``lower_is_better``) or raises
``NotImplementedError`` when the client cannot do it.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .clients import Client, Spec, gather_limited


@dataclass
class Sizes:
    objects: int = 1000  # small objects per run
    object_size: int = 4096
    concurrency: int = 32
    large: int = 64 << 20  # the large object
    ranged_file: int = 64 << 20
    ranged_reads: int = 1000
    list_small: int = 1000
    list_large: int = 100_000  # only with --full
    copies: int = 200  # cp and mv each
    writers: int = 16  # writers per contention round
    rounds: int = 20

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            objects=200, large=16 << 20, ranged_file=16 << 20, ranged_reads=200, copies=50,
            writers=8, rounds=5,
        )  # fmt: skip


@dataclass
class Context:
    """What a workload may use besides its client."""

    sizes: Sizes
    spec: Spec
    rep: int
    prepared: set[str]  # setup keys done for this client (shared across reps)
    extras: dict[str, list[float]]  # secondary figures, e.g. tracemalloc peaks


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    unit: str
    run: Callable[[Client, Context], Awaitable[float]]
    lower_is_better: bool = False
    full_only: bool = False


def _payload(size: int, seed: int = 0) -> bytes:
    block = random.Random(seed).randbytes(min(size, 1 << 20))
    return (block * (size // len(block) + 1))[:size]


async def _timed(coro: Awaitable[Any]) -> float:
    start = time.perf_counter()
    await coro
    return time.perf_counter() - start


async def _prepare(client: Client, ctx: Context, key: str, make: Callable[[], Awaitable[Any]]) -> None:
    if key not in ctx.prepared:
        await make()
        ctx.prepared.add(key)


async def small_write(client: Client, ctx: Context) -> float:
    s = ctx.sizes
    data = _payload(s.object_size, ctx.rep)
    await _prepare(client, ctx, "sw-warm", lambda: client.write("sw/warm", data))
    calls = [
        (lambda i=i: client.write(f"sw/{ctx.rep}/{i:06d}", data)) for i in range(s.objects)
    ]
    return s.objects / await _timed(gather_limited(calls, s.concurrency))


async def small_read(client: Client, ctx: Context) -> float:
    s = ctx.sizes
    data = _payload(s.object_size)
    await _prepare(client, ctx, "sr", lambda: client.fill("sr", s.objects, data))
    calls = [(lambda i=i: client.read(f"sr/{i:06d}")) for i in range(s.objects)]
    results: list[bytes] = []

    async def run() -> None:
        results.extend(await gather_limited(calls, s.concurrency))

    elapsed = await _timed(run())
    assert all(bytes(r) == data for r in results), f"{client.name}: wrong bytes read"
    return s.objects / elapsed


async def large_write(client: Client, ctx: Context) -> float:
    data = _payload(ctx.sizes.large, 1)
    return ctx.sizes.large / 1e6 / await _timed(client.write_large("lg/w", data))


async def large_read(client: Client, ctx: Context) -> float:
    size = ctx.sizes.large
    await _prepare(client, ctx, "lr", lambda: client.write_large("lg/r", _payload(size, 2)))
    out: list[bytes] = []

    async def run() -> None:
        out.append(await client.read_large("lg/r"))

    elapsed = await _timed(run())
    assert len(out[0]) == size, f"{client.name}: read {len(out[0])} of {size} bytes"
    return size / 1e6 / elapsed


async def _memory(ctx: Context, op: str) -> float:
    from . import memprobe

    result = await asyncio.to_thread(memprobe.measure, ctx.spec, op, ctx.sizes.large)
    ctx.extras.setdefault(f"py_{op}_mib", []).append(float(result["py_over_data_mib"]))
    return float(result["rss_over_data_mib"])


async def large_write_memory(client: Client, ctx: Context) -> float:
    return await _memory(ctx, "write")


async def large_read_memory(client: Client, ctx: Context) -> float:
    return await _memory(ctx, "read")


async def ranged_read(client: Client, ctx: Context) -> float:
    s = ctx.sizes
    await _prepare(client, ctx, "rr", lambda: client.write_large("rr/file", _payload(s.ranged_file, 3)))
    rng = random.Random(ctx.rep)
    offsets = [rng.randrange(0, s.ranged_file - s.object_size) for _ in range(s.ranged_reads)]
    got: list[int] = []

    async def run() -> None:
        got.append(await client.ranged("rr/file", offsets, s.object_size))

    elapsed = await _timed(run())
    assert got[0] == s.ranged_reads * s.object_size, f"{client.name}: short ranged reads"
    return s.ranged_reads / elapsed


async def _listing(client: Client, ctx: Context, count: int) -> float:
    prefix = f"ls{count}"
    await _prepare(client, ctx, prefix, lambda: client.fill(prefix, count, b"x"))
    names: list[list[str]] = []

    async def run() -> None:
        names.append(await client.ls(prefix))

    elapsed = await _timed(run())
    assert len(names[0]) == count, f"{client.name}: listed {len(names[0])} of {count}"
    return count / elapsed


async def list_small(client: Client, ctx: Context) -> float:
    return await _listing(client, ctx, ctx.sizes.list_small)


async def list_large(client: Client, ctx: Context) -> float:
    return await _listing(client, ctx, ctx.sizes.list_large)


async def copy(client: Client, ctx: Context) -> float:
    s = ctx.sizes
    data = _payload(s.object_size, 4)
    await _prepare(client, ctx, "cp", lambda: client.fill("cp", s.copies, data))
    calls = [
        (lambda i=i: client.cp(f"cp/{i:06d}", f"cpd/{ctx.rep}/{i:06d}")) for i in range(s.copies)
    ]
    return s.copies / await _timed(gather_limited(calls, s.concurrency))


async def move(client: Client, ctx: Context) -> float:
    s = ctx.sizes
    data = _payload(s.object_size, 5)
    await client.fill(f"mv{ctx.rep}", s.copies, data)
    calls = [
        (lambda i=i: client.mv(f"mv{ctx.rep}/{i:06d}", f"mvd/{ctx.rep}/{i:06d}"))
        for i in range(s.copies)
    ]
    return s.copies / await _timed(gather_limited(calls, s.concurrency))


async def contention(client: Client, ctx: Context) -> float:
    """Writers per second, ``writers`` at a time on one path; checks exclusion holds."""
    s = ctx.sizes
    payloads = [_payload(s.object_size, 100 + w) for w in range(s.writers)]
    path = f"ct/{ctx.rep}"
    elapsed = 0.0
    for _ in range(s.rounds):
        start = time.perf_counter()
        won = await asyncio.gather(*(client.contend(path, p) for p in payloads))
        elapsed += time.perf_counter() - start
        if client.exclusive:
            assert sum(won) >= 1, f"{client.name}: no writer committed"
            assert await client.read(path) in payloads, f"{client.name}: torn write"
    return s.writers * s.rounds / elapsed


WORKLOADS = [
    Workload("small_write", "small objects: write 4 KiB", "ops/s", small_write),
    Workload("small_read", "small objects: read 4 KiB", "ops/s", small_read),
    Workload("large_write", "64 MiB object: write", "MB/s", large_write),
    Workload("large_read", "64 MiB object: read", "MB/s", large_read),
    Workload("large_write_mem", "64 MiB write: peak RSS above data", "MiB", large_write_memory, True),
    Workload("large_read_mem", "64 MiB read: peak RSS above data", "MiB", large_read_memory, True),
    Workload("ranged_read", "ranged reads: 4 KiB at random offsets, one open file", "ops/s", ranged_read),
    Workload("list_1k", "list 1,000 names", "names/s", list_small),
    Workload("list_100k", "list 100,000 names", "names/s", list_large, full_only=True),
    Workload("cp", "cp 4 KiB objects", "ops/s", copy),
    Workload("mv", "mv 4 KiB objects", "ops/s", move),
    Workload("contention", "writer contention: 16 writers on one path", "writers/s", contention),
]  # fmt: skip

BY_KEY = {w.key: w for w in WORKLOADS}


def scale_title(workload: Workload, sizes: Sizes) -> str:
    """The title with the sizes of this run."""
    title = workload.title
    if sizes.large != 64 << 20:
        title = title.replace("64 MiB", f"{sizes.large / 2**20:g} MiB")
    if sizes.object_size != 4096:
        title = title.replace("4 KiB", f"{sizes.object_size} B")
    return title.replace("16 writers", f"{sizes.writers} writers")


def env_note() -> str:
    return f"{os.cpu_count()} CPUs"
