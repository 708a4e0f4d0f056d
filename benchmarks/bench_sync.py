"""``aiofs sync`` from the local disk to Redis and Azurite, beside the raw SDKs.

Two data sets: 2,000 small files (1-8 KiB) and one 500 MiB file. Each copy runs in its own
process under ``/usr/bin/time -v`` (wall time, peak RSS); every run writes to a fresh
namespace. The raw-SDK side is the simple script a user would write: ``redis.asyncio``
(``SET`` per small file; the large file streamed with ``APPEND`` of 4 MiB chunks into a
temp key, then ``RENAME``) and ``azure.storage.blob.aio`` (``upload_blob`` of an open
file, 8 files at a time like ``aiofs sync -j 8``).

    .venv/bin/python -m benchmarks.bench_sync [--small 2000] [--large-mib 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._servers import Unavailable, azurite, azurite_connection_string, redis_server

_CHUNK = 4 << 20
_JOBS = 8


def _make_data(root: Path, small: int, large_mib: int) -> tuple[Path, Path]:
    small_dir, large_dir = root / "small", root / "large"
    rng = os.urandom
    for i in range(small):
        folder = small_dir / f"d{i // 200:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i:05d}.bin").write_bytes(rng(1024 + (i * 7919) % 7168))
    large_dir.mkdir(parents=True, exist_ok=True)
    with open(large_dir / "big.bin", "wb") as file:
        for _ in range(large_mib):
            file.write(rng(1 << 20))
    return small_dir, large_dir


def _measure(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of ``argv`` in its own process."""
    done = subprocess.run(
        ["/usr/bin/time", "-v", *argv], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{argv} failed ({done.returncode}): {done.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert wall and rss, done.stderr
    hours, minutes, seconds = wall.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds), int(rss.group(1)) / 1024


def _files(src: Path) -> list[tuple[Path, str]]:
    return sorted((p, p.relative_to(src).as_posix()) for p in src.rglob("*") if p.is_file())


# -- the raw-SDK copies (run as `python -m benchmarks.bench_sync raw-... SRC URL PREFIX`) ---


async def _raw_redis(src: Path, url: str, prefix: str) -> None:
    import redis.asyncio as redis

    client = redis.Redis.from_url(url)
    files = _files(src)
    gate = asyncio.Semaphore(_JOBS)

    async def one(path: Path, name: str) -> None:
        async with gate:
            key = f"{prefix}:{name}"
            # Blocking local reads, as a simple script does (aiofs runs them in threads).
            if path.stat().st_size <= _CHUNK:  # noqa: ASYNC240
                await client.set(key, path.read_bytes())  # noqa: ASYNC240
                return
            tmp = f"{key}.tmp"
            await client.delete(tmp)
            with open(path, "rb") as file:  # noqa: ASYNC230
                while chunk := file.read(_CHUNK):
                    await client.append(tmp, chunk)
            await client.rename(tmp, key)

    try:
        await asyncio.gather(*(one(path, name) for path, name in files))
    finally:
        await client.aclose()


async def _raw_azure(src: Path, connection_string: str, container: str) -> None:
    from azure.storage.blob.aio import BlobServiceClient

    service = BlobServiceClient.from_connection_string(connection_string)
    async with service:
        box = service.get_container_client(container)
        await box.create_container()
        gate = asyncio.Semaphore(_JOBS)

        async def one(path: Path, name: str) -> None:
            async with gate:
                with open(path, "rb") as file:  # noqa: ASYNC230
                    await box.upload_blob(name, file, overwrite=True, max_concurrency=4)

        await asyncio.gather(*(one(path, name) for path, name in _files(src)))


def _raw_main(argv: list[str]) -> None:
    mode, src, target, where = argv
    if mode == "raw-redis":
        asyncio.run(_raw_redis(Path(src), target, where))
    else:
        asyncio.run(_raw_azure(Path(src), target, where))


# -- the comparison -----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=2000, help="small files (default 2000)")
    parser.add_argument("--large-mib", type=int, default=500, help="large file MiB (500)")
    parser.add_argument("--targets", default="redis,azure")
    args = parser.parse_args()
    py = sys.executable
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIOFS_")}
    env["AIOFS_CONFIG"] = os.devnull
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="aiofs-bench-sync-") as tmp:
        small, large = _make_data(Path(tmp), args.small, args.large_mib)
        sets = [(f"{args.small} small files", small), (f"1 x {args.large_mib} MiB", large)]
        targets = args.targets.split(",")
        local_dst = Path(tmp) / "dst"
        for name, src in sets:
            dst = f"file://{local_dst}/{src.name}"
            wall, rss = _measure([py, "-m", "aiofs", "sync", "-q", str(src), dst + "//x"], env)
            rows.append(f"| {name} | local disk | aiofs sync | {wall:.2f} s | {rss:.0f} MiB |")
        if "redis" in targets:
            try:
                with redis_server() as url:
                    for i, (name, src) in enumerate(sets):
                        run_env = {**env, "AIOFS_REMOTE_T": f"{url}?prefix=cli{i}"}
                        wall, rss = _measure(
                            [py, "-m", "aiofs", "sync", "-q", str(src), "t:"], run_env
                        )
                        again, _ = _measure(
                            [py, "-m", "aiofs", "sync", "-q", str(src), "t:"], run_env
                        )
                        rows.append(
                            f"| {name} | Redis | aiofs sync | {wall:.2f} s "
                            f"(again: {again:.2f} s) | {rss:.0f} MiB |"
                        )
                        argv = [py, "-m", "benchmarks.bench_sync", "raw-redis", str(src)]
                        wall, rss = _measure([*argv, url, f"raw{i}"], env)
                        rows.append(
                            f"| {name} | Redis | raw redis.asyncio | {wall:.2f} s | {rss:.0f} MiB |"
                        )
            except Unavailable as exc:
                rows.append(f"| - | Redis | unavailable: {exc} | | |")
        if "azure" in targets:
            try:
                with azurite() as port:
                    conn = azurite_connection_string(port)
                    for i, (name, src) in enumerate(sets):
                        run_env = {**env, "AZURE_STORAGE_CONNECTION_STRING": conn}
                        run_env["AIOFS_REMOTE_T"] = f"azure://cli{i}"
                        wall, rss = _measure(
                            [py, "-m", "aiofs", "sync", "-q", str(src), "t:"], run_env
                        )
                        again, _ = _measure(
                            [py, "-m", "aiofs", "sync", "-q", str(src), "t:"], run_env
                        )
                        rows.append(
                            f"| {name} | Azurite | aiofs sync | {wall:.2f} s "
                            f"(again: {again:.2f} s) | {rss:.0f} MiB |"
                        )
                        argv = [py, "-m", "benchmarks.bench_sync", "raw-azure", str(src)]
                        wall, rss = _measure([*argv, conn, f"raw{i}"], env)
                        rows.append(
                            f"| {name} | Azurite | raw azure.storage.blob.aio | {wall:.2f} s "
                            f"| {rss:.0f} MiB |"
                        )
            except Unavailable as exc:
                rows.append(f"| - | Azurite | unavailable: {exc} | | |")
    print("| data | to | tool | wall time | peak RSS |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("raw-"):
        _raw_main(sys.argv[1:])
    else:
        main()
