"""aiofs's Azure backend beside the raw SDK (and adlfs / obstore) on one Azurite.

Run by hand: ``.venv/bin/python benchmarks/bench_azure.py [--rounds 3]``. It starts its
own Azurite (from ``.cache/azurite``, in memory) and measures, interleaved round by
round, the median of each:

* small: 1,000 files of 4 KiB written then read back, 32 at a time;
* large: one 64 MiB file written then read back; plus the peak of Python allocations
  (tracemalloc, in a separate pass) above the baseline.

aiofs writes the large file through a file object in 1 MiB pieces and reads it in 4 MiB
pieces (streaming, as an application would); the raw SDK uses ``upload_blob`` /
``download_blob().readall()`` with default settings, adlfs ``pipe``/``cat`` and obstore
``put``/``get`` on whole ``bytes``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiofs
from tests.servers.azurite import ACCOUNT, KEY, start_azurite, stop_azurite

MiB = 1 << 20
SMALL_COUNT, SMALL_SIZE, CONCURRENCY = 1000, 4096, 32
LARGE = 64 * MiB


async def _bounded(jobs: list[Callable[[], Awaitable[Any]]], limit: int) -> list[Any]:
    sem = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[Any]]) -> Any:
        async with sem:
            return await job()

    return await asyncio.gather(*(one(job) for job in jobs))


class Client:
    """One library under test: small and large write+read against one container."""

    name = "?"

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def put(self, path: str, data: bytes) -> None:
        raise NotImplementedError

    async def get(self, path: str) -> bytes:
        raise NotImplementedError

    async def put_large(self, path: str, piece: bytes, total: int) -> None:
        await self.put(path, piece * (total // len(piece)))

    async def get_large(self, path: str) -> int:
        return len(await self.get(path))


class Aiofs(Client):
    name = "aiofs"

    def __init__(self, url: str) -> None:
        self.url = url

    async def open(self) -> None:
        self.fs = aiofs.open_fs(self.url)

    async def close(self) -> None:
        await self.fs.close()

    async def put(self, path: str, data: bytes) -> None:
        await self.fs.write_bytes(path, data)

    async def get(self, path: str) -> bytes:
        return await self.fs.read_bytes(path)

    async def put_large(self, path: str, piece: bytes, total: int) -> None:
        async with self.fs.open(path, "w") as f:
            for _ in range(total // len(piece)):
                await f.write(piece)

    async def get_large(self, path: str) -> int:
        size = 0
        async with self.fs.open(path) as f:
            while chunk := await f.read(4 * MiB):
                size += len(chunk)
        return size


class RawSdk(Client):
    name = "azure.storage.blob.aio"

    def __init__(self, connection_string: str, container: str) -> None:
        self.cs, self.container_name = connection_string, container

    async def open(self) -> None:
        from azure.storage.blob.aio import BlobServiceClient

        self.service = BlobServiceClient.from_connection_string(self.cs)
        self.container = self.service.get_container_client(self.container_name)
        if not await self.container.exists():
            await self.container.create_container()

    async def close(self) -> None:
        await self.service.close()

    async def put(self, path: str, data: bytes) -> None:
        await self.container.get_blob_client(path).upload_blob(data, overwrite=True)

    async def get(self, path: str) -> bytes:
        stream = await self.container.get_blob_client(path).download_blob()
        return await stream.readall()


class Adlfs(Client):
    name = "adlfs"

    def __init__(self, connection_string: str, container: str) -> None:
        self.cs, self.container = connection_string, container

    async def open(self) -> None:
        from adlfs import AzureBlobFileSystem

        self.fs = AzureBlobFileSystem(
            connection_string=self.cs, asynchronous=True, skip_instance_cache=True
        )
        if not await self.fs._exists(self.container):
            await self.fs._mkdir(self.container)

    async def close(self) -> None:
        service = getattr(self.fs, "service_client", None)
        if service is not None:
            await service.close()

    async def put(self, path: str, data: bytes) -> None:
        await self.fs._pipe_file(f"{self.container}/{path}", data)

    async def get(self, path: str) -> bytes:
        return bytes(await self.fs._cat_file(f"{self.container}/{path}"))


class Obstore(Client):
    name = "obstore"

    def __init__(self, port: int, container: str) -> None:
        self.port, self.container = port, container

    async def open(self) -> None:
        from azure.storage.blob.aio import BlobServiceClient
        from obstore.store import AzureStore

        cs = (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint=http://127.0.0.1:{self.port}/{ACCOUNT};"
        )
        async with BlobServiceClient.from_connection_string(cs) as service:
            container = service.get_container_client(self.container)
            if not await container.exists():
                await container.create_container()
        self.store = AzureStore(
            self.container,
            account_name=ACCOUNT,
            account_key=KEY,
            endpoint=f"http://127.0.0.1:{self.port}/{ACCOUNT}",
            client_options={"allow_http": True},
        )

    async def put(self, path: str, data: bytes) -> None:
        import obstore

        await obstore.put_async(self.store, path, data)

    async def get(self, path: str) -> bytes:
        import obstore

        result = await obstore.get_async(self.store, path)
        return bytes(await result.bytes_async())


async def small(client: Client, tag: str) -> float:
    payloads = [os.urandom(SMALL_SIZE) for _ in range(SMALL_COUNT)]
    names = [f"small/{tag}/{i:04d}" for i in range(SMALL_COUNT)]
    start = time.perf_counter()
    await _bounded(
        [lambda n=n, p=p: client.put(n, p) for n, p in zip(names, payloads, strict=True)],
        CONCURRENCY,
    )
    got = await _bounded([lambda n=n: client.get(n) for n in names], CONCURRENCY)
    elapsed = time.perf_counter() - start
    assert got == payloads, f"{client.name}: small files read back wrong"
    return elapsed


PIECE = os.urandom(MiB)


async def large(client: Client, tag: str) -> float:
    name = f"large/{tag}"
    start = time.perf_counter()
    await client.put_large(name, PIECE, LARGE)
    size = await client.get_large(name)
    elapsed = time.perf_counter() - start
    assert size == LARGE, f"{client.name}: large file read back {size} bytes"
    return elapsed


async def large_peak(client: Client, tag: str) -> float:
    """Peak of Python allocations above the baseline during one large write+read (MiB)."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        await large(client, tag)
        return (tracemalloc.get_traced_memory()[1] - base) / MiB
    finally:
        tracemalloc.stop()


async def run(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = start_azurite(Path(tmp))
        try:
            await _measure(server, rounds)
        finally:
            stop_azurite(server.process)


async def _measure(server: Any, rounds: int) -> None:
    container = "bench"
    clients: list[Client] = [
        Aiofs(server.url(container)),
        RawSdk(server.connection_string, container),
        Adlfs(server.connection_string, container),
        Obstore(server.port, container),
    ]
    working: list[Client] = []
    for client in clients:
        try:
            await client.open()
            await client.put("probe", b"x")
            assert await client.get("probe") == b"x"
            working.append(client)
        except Exception as exc:  # report and go on without it
            print(f"{client.name}: does not work against Azurite here: {exc!r:.200}")
    times: dict[str, dict[str, list[float]]] = {c.name: {"small": [], "large": []} for c in working}
    for r in range(rounds):
        for client in working:
            times[client.name]["small"].append(await small(client, f"{client.name}-{r}"))
            times[client.name]["large"].append(await large(client, f"{client.name}-{r}"))
    peaks = {c.name: await large_peak(c, f"{c.name}-peak") for c in working}
    for client in working:
        await client.close()

    raw = times.get(RawSdk.name)
    print(f"\nAzurite 3.37.0 on loopback, {rounds} rounds interleaved, medians")
    print(
        f"{'client':24} {'1000x4KiB w+r':>14} {'vs raw':>7} {'64MiB w+r':>10} {'vs raw':>7} {'peak MiB':>9}"
    )
    for name, runs in times.items():
        s, lg = statistics.median(runs["small"]), statistics.median(runs["large"])
        rs = f"{s / statistics.median(raw['small']):.2f}x" if raw else "-"
        rl = f"{lg / statistics.median(raw['large']):.2f}x" if raw else "-"
        peak = f"{peaks[name]:.1f}" if name != Obstore.name else "native"
        print(f"{name:24} {s:13.2f}s {rs:>7} {lg:9.2f}s {rl:>7} {peak:>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(run(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
