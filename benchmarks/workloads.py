"""The measured work, as plans the harness interleaves slice by slice.

A workload prepares a client (untimed) and returns a :class:`Plan`: the same number of
slices for every client. The harness runs slice ``k`` on every client (in an order that
rotates) before slice ``k + 1``, so a burst of noise from the machine lands on all clients
alike, and sums each client's time. A client that cannot do the work raises
``NotImplementedError`` while planning.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .clients import Client, Spec, gather_limited

Slice = Callable[[], Awaitable[Any]]


@dataclass
class Sizes:
    objects: int = 1000  # small objects per run
    object_size: int = 4096
    concurrency: int = 32
    large: int = 64 << 20  # the large object
    large_repeats: int = 3  # writes and reads of it per run (interleaved)
    ranged_file: int = 64 << 20
    ranged_reads: int = 1000
    list_small: int = 1000
    list_large: int = 100_000  # only with --full
    azure_list_large: bool = False  # and on Azurite only with --azure-100k
    list_repeats: int = 5  # listings of list_small per run
    copies: int = 200  # cp and mv each
    writers: int = 16  # writers per contention round
    rounds: int = 20
    slices: int = 10  # interleaving grain

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            objects=200, large=16 << 20, ranged_file=16 << 20, ranged_reads=200, copies=50,
            writers=8, rounds=5, list_repeats=2, slices=5, large_repeats=1,
        )  # fmt: skip


@dataclass
class Context:
    """What a workload may use besides its client."""

    sizes: Sizes
    spec: Spec
    rep: int
    prepared: set[str]  # setup keys done for this client (shared across reps)
    extras: dict[str, list[float]]  # secondary figures, e.g. tracemalloc peaks


@dataclass
class Plan:
    """``work`` units (ops, MB, names) done by running every slice once."""

    slices: list[Slice]
    work: float
    check: Callable[[], None] = lambda: None
    #: A figure the plan measured itself (memory), instead of work per second.
    figure: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    unit: str
    plan: Callable[[Client, Context], Awaitable[Plan]]
    lower_is_better: bool = False
    full_only: bool = False


def _payload(size: int, seed: int = 0) -> bytes:
    block = random.Random(seed).randbytes(min(size, 1 << 20))
    return (block * (size // len(block) + 1))[:size]


def _split(count: int, parts: int) -> list[range]:
    parts = max(1, min(parts, count))
    bounds = [count * k // parts for k in range(parts + 1)]
    return [range(bounds[k], bounds[k + 1]) for k in range(parts)]


async def _prepare(ctx: Context, key: str, make: Callable[[], Awaitable[Any]]) -> None:
    if key not in ctx.prepared:
        await make()
        ctx.prepared.add(key)


def _many(ctx: Context, each: Callable[[int], Awaitable[Any]], count: int) -> list[Slice]:
    conc = ctx.sizes.concurrency
    return [
        (lambda part=part: gather_limited([(lambda i=i: each(i)) for i in part], conc))
        for part in _split(count, ctx.sizes.slices)
    ]


async def small_write(client: Client, ctx: Context) -> Plan:
    s, rep = ctx.sizes, ctx.rep
    data = _payload(s.object_size, rep)
    await _prepare(ctx, "sw-warm", lambda: client.write("sw/warm", data))
    return Plan(_many(ctx, lambda i: client.write(f"sw/{rep}/{i:06d}", data), s.objects), s.objects)


async def small_read(client: Client, ctx: Context) -> Plan:
    s = ctx.sizes
    data = _payload(s.object_size)
    await _prepare(ctx, "sr", lambda: client.fill("sr", s.objects, data))
    bad: list[int] = []

    async def read(i: int) -> None:
        if bytes(await client.read(f"sr/{i:06d}")) != data:
            bad.append(i)

    def check() -> None:
        assert not bad, f"{client.name}: wrong bytes read"

    return Plan(_many(ctx, read, s.objects), s.objects, check)


async def large_write(client: Client, ctx: Context) -> Plan:
    s = ctx.sizes
    data = _payload(s.large, 1)
    return Plan(
        [lambda: client.write_large("lg/w", data)] * s.large_repeats,
        s.large * s.large_repeats / 1e6,
    )


async def large_read(client: Client, ctx: Context) -> Plan:
    size = ctx.sizes.large
    await _prepare(ctx, "lr", lambda: client.write_large("lg/r", _payload(size, 2)))
    got: list[int] = []

    async def read() -> None:
        got.append(len(await client.read_large("lg/r")))

    def check() -> None:
        assert set(got) == {size}, f"{client.name}: read {got} of {size} bytes"

    repeats = ctx.sizes.large_repeats
    return Plan([read] * repeats, size * repeats / 1e6, check)


async def _memory(ctx: Context, op: str) -> Plan:
    from . import memprobe

    result = await asyncio.to_thread(memprobe.measure, ctx.spec, op, ctx.sizes.large)
    ctx.extras.setdefault(f"py_{op}_mib", []).append(float(result["py_over_data_mib"]))
    return Plan([], 0, figure=[float(result["rss_over_data_mib"])])


async def large_write_memory(client: Client, ctx: Context) -> Plan:
    return await _memory(ctx, "write")


async def large_read_memory(client: Client, ctx: Context) -> Plan:
    return await _memory(ctx, "read")


async def ranged_read(client: Client, ctx: Context) -> Plan:
    s = ctx.sizes
    await _prepare(ctx, "rr", lambda: client.write_large("rr/file", _payload(s.ranged_file, 3)))
    rng = random.Random(ctx.rep)
    offsets = [rng.randrange(0, s.ranged_file - s.object_size) for _ in range(s.ranged_reads)]
    got: list[int] = []

    def part(r: range) -> Slice:
        async def run() -> None:  # one open file per slice
            got.append(await client.ranged("rr/file", offsets[r.start : r.stop], s.object_size))

        return run

    def check() -> None:
        assert sum(got) == s.ranged_reads * s.object_size, f"{client.name}: short ranged reads"

    return Plan([part(r) for r in _split(s.ranged_reads, s.slices)], s.ranged_reads, check)


async def _listing(client: Client, ctx: Context, count: int, repeats: int) -> Plan:
    prefix = f"ls{count}"
    await _prepare(ctx, prefix, lambda: client.fill(prefix, count, b"x"))
    got: list[int] = []

    async def run() -> None:
        got.append(len(await client.ls(prefix)))

    def check() -> None:
        assert set(got) == {count}, f"{client.name}: listed {got} of {count}"

    return Plan([run] * repeats, count * repeats, check)


async def list_small(client: Client, ctx: Context) -> Plan:
    return await _listing(client, ctx, ctx.sizes.list_small, ctx.sizes.list_repeats)


class Skipped(Exception):
    """Not measured in this run, for the reason given (shown once in the notes)."""


async def list_large(client: Client, ctx: Context) -> Plan:
    if ctx.spec.backend == "azure" and not ctx.sizes.azure_list_large:
        raise Skipped(
            "azure: 100,000 names not listed: Azurite takes about 5 minutes per client to "
            "create them on 2 cores (--azure-100k to include them)"
        )
    return await _listing(client, ctx, ctx.sizes.list_large, 1)


async def copy(client: Client, ctx: Context) -> Plan:
    s, rep = ctx.sizes, ctx.rep
    await _prepare(ctx, "cp", lambda: client.fill("cp", s.copies, _payload(s.object_size, 4)))
    await client.cp("cp/000000", "cpd/warm")  # raises NotImplementedError early
    return Plan(
        _many(ctx, lambda i: client.cp(f"cp/{i:06d}", f"cpd/{rep}/{i:06d}"), s.copies), s.copies
    )


async def move(client: Client, ctx: Context) -> Plan:
    s, rep = ctx.sizes, ctx.rep
    await client.fill(f"mv{rep}", s.copies, _payload(s.object_size, 5))
    await client.write("mvw/a", b"warm")
    await client.mv("mvw/a", "mvw/b")  # raises NotImplementedError early
    return Plan(
        _many(ctx, lambda i: client.mv(f"mv{rep}/{i:06d}", f"mvd/{rep}/{i:06d}"), s.copies),
        s.copies,
    )


async def contention(client: Client, ctx: Context) -> Plan:
    """Writers per second, ``writers`` at a time on one path; checks exclusion holds."""
    s = ctx.sizes
    payloads = [_payload(s.object_size, 100 + w) for w in range(s.writers)]
    path = f"ct/{ctx.rep}"
    await client.contend(path, payloads[0])  # raises NotImplementedError early
    problems: list[str] = []

    async def round_() -> None:
        won = await asyncio.gather(*(client.contend(path, p) for p in payloads))
        if client.exclusive:
            if sum(won) < 1:
                problems.append("no writer committed")
            if await client.read(path) not in payloads:
                problems.append("torn write")

    def check() -> None:
        assert not problems, f"{client.name}: {problems[0]}"

    return Plan([round_] * s.rounds, s.writers * s.rounds, check)


WORKLOADS = [
    Workload("small_write", "small objects: write 4 KiB", "ops/s", small_write),
    Workload("small_read", "small objects: read 4 KiB", "ops/s", small_read),
    Workload("large_write", "64 MiB object: write", "MB/s", large_write),
    Workload("large_read", "64 MiB object: read", "MB/s", large_read),
    Workload("large_write_mem", "64 MiB write: peak RSS above data", "MiB", large_write_memory, True),
    Workload("large_read_mem", "64 MiB read: peak RSS above data", "MiB", large_read_memory, True),
    Workload("ranged_read", "ranged reads: 4 KiB at random offsets, open file", "ops/s", ranged_read),
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
    if sizes.list_small != 1000:
        title = title.replace("1,000 names", f"{sizes.list_small:,} names")
    return title.replace("16 writers", f"{sizes.writers} writers")
