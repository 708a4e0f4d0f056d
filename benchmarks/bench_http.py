"""Upload and download throughput through the FastAPI demo, and the server's peak memory.

Runs ``uvicorn examples.fastapi_app:app`` in its own process on each backend, sends one
large file three ways (multipart form upload as the page does, raw ``PUT``, then ``GET``)
and samples the server process's RSS every 10 ms meanwhile::

    .venv/bin/python -m benchmarks.bench_http --size 100 --backends memory,local

The memory backend keeps the stored file in the server process, so its RSS grows by the
file's size by design; on the local disk the growth shows what streaming costs.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

from tests.integrations.conftest import serve_in_subprocess

MiB = 1 << 20


@contextmanager
def peak_rss(pid: int) -> Iterator[dict[str, int]]:
    """Sample ``pid``'s RSS until the block ends; the dict gets ``start`` and ``peak``."""
    process = psutil.Process(pid)
    result = {"start": process.memory_info().rss, "peak": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            result["peak"] = max(result["peak"], process.memory_info().rss)
            time.sleep(0.01)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(MiB):
            yield chunk


def run(backend: str, source: Path, workdir: Path) -> list[tuple[str, float, int, int]]:
    url = "memory://bench" if backend == "memory" else (workdir / "store").as_uri()
    size = source.stat().st_size
    rows = []
    with (
        serve_in_subprocess("examples.fastapi_app:app", env={"AIOFS_URL": url}, cwd=workdir) as (
            base,
            server,
        ),
        httpx.Client(base_url=base, timeout=300) as client,
    ):
        steps = {
            "upload (form)": lambda: client.post(
                "/upload",
                files={"file": ("big.bin", source.open("rb"))},
                data={"replace": "true"},
            ),
            "upload (PUT)": lambda: client.put("/files/big.bin", content=_chunks(source)),
            "download (GET)": lambda: _download(client, size),
        }
        for name, step in steps.items():
            with peak_rss(server.pid) as rss:
                began = time.perf_counter()
                response = step()
                elapsed = time.perf_counter() - began
            assert response.status_code in (200, 201, 303), response.text
            rows.append((name, size / MiB / elapsed, rss["start"], rss["peak"]))
    return rows


def _download(client: httpx.Client, size: int) -> httpx.Response:
    got = 0
    with client.stream("GET", "/files/big.bin") as response:
        for chunk in response.iter_raw():
            got += len(chunk)
    assert got == size, (got, size)
    return response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100, help="MiB (default 100)")
    parser.add_argument("--backends", default="memory,local")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aiofs-bench-http-") as tmp:
        source = Path(tmp) / "big.bin"
        with source.open("wb") as f:
            for _ in range(args.size):
                f.write(os.urandom(MiB))
        print(f"{args.size} MiB file through the FastAPI demo (uvicorn, one process)\n")
        print("| backend | step | MiB/s | server RSS before | peak RSS during |")
        print("|---|---|---:|---:|---:|")
        for backend in args.backends.split(","):
            workdir = Path(tmp) / backend
            workdir.mkdir()
            for step, rate, start, peak in run(backend, source, workdir):
                print(
                    f"| {backend} | {step} | {rate:.0f} | {start / MiB:.0f} MiB "
                    f"| {peak / MiB:.0f} MiB (+{(peak - start) / MiB:.0f}) |"
                )


if __name__ == "__main__":
    main()
