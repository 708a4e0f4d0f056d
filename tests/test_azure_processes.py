"""Writer exclusion on Azure across OS processes, and the end of a dead writer's lease."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import aiofs

ROOT = Path(__file__).resolve().parents[1]

#: A writer in its own process: enters, says so, waits for "go" (or to be killed), commits.
CHILD = r"""
import asyncio, sys
import aiofs

async def main(url, path, mode, payload):
    async with aiofs.open_fs(url, lock_ttl=15) as fs:
        try:
            async with fs.open(path, mode) as f:
                print("entered", flush=True)
                await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
                await f.write(payload.encode())
        except BlockingIOError:
            print("busy", flush=True)
            return
        print("committed", flush=True)

asyncio.run(main(*sys.argv[1:]))
"""


class Child:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, url: str, path: str, mode: str, payload: str) -> Child:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CHILD,
            url,
            path,
            mode,
            payload,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(proc)

    async def line(self) -> str:
        assert self.proc.stdout is not None
        return (await asyncio.wait_for(self.proc.stdout.readline(), 60)).decode().strip()

    async def go(self) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")
        await self.proc.stdin.drain()
        result = await self.line()
        await self.proc.wait()
        return result


async def test_writer_exclusion_across_processes(azure_url):
    """§2: writers in two processes: the leased one commits, the other gets BlockingIOError;
    on a new file both enter and exactly one create-only commit wins."""
    async with aiofs.open_fs(azure_url) as fs:
        await fs.write_bytes("f", b"old")
        first = await Child.start(azure_url, "f", "w", "first")
        assert await first.line() == "entered"
        second = await Child.start(azure_url, "f", "a", "second")
        assert await second.line() == "busy"  # the lease is held by the other process
        await second.proc.wait()
        assert await fs.read_bytes("f") == b"old"
        assert await first.go() == "committed"
        assert await fs.read_bytes("f") == b"first"

        racers = [await Child.start(azure_url, "new", "w", f"racer{i}") for i in range(2)]
        assert [await racer.line() for racer in racers] == ["entered", "entered"]
        results = await asyncio.gather(*(racer.go() for racer in racers))
        assert sorted(results) == ["busy", "committed"]
        winner = results.index("committed")
        assert await fs.read_bytes("new") == f"racer{winner}".encode()


async def test_dead_writer_blocks_at_most_its_lock_ttl(azure_url):
    """§2: a killed writer's lease expires: the path is free within lock_ttl (15 s)."""
    async with aiofs.open_fs(azure_url) as fs:
        await fs.write_bytes("f", b"old")
        child = await Child.start(azure_url, "f", "w", "never")
        assert await child.line() == "entered"
        child.proc.kill()
        await child.proc.wait()
        killed = time.monotonic()
        while True:
            try:
                await fs.write_bytes("f", b"after")
                break
            except BlockingIOError:
                assert time.monotonic() - killed < 15 + 5, "the lease outlived its TTL"
                assert await fs.read_bytes("f") == b"old"
                await asyncio.sleep(0.5)
        assert await fs.read_bytes("f") == b"after"
