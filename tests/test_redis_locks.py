"""Redis backend: the writer lock's renewal and fencing, and Redis Cluster specifics."""

from __future__ import annotations

import asyncio

import pytest
from redis.crc import key_slot

import aiofs
from aiofs._redis_keys import KeyLayout


async def test_lock_is_renewed_while_held(redis_url):
    """A writer that stays open longer than its lock TTL keeps the lock and commits."""
    async with aiofs.open_fs(f"{redis_url}&lock_ttl=0.6") as fs:
        async with fs.open("f", "w") as f:
            await f.write(b"slow")
            await asyncio.sleep(1.5)
            with pytest.raises(BlockingIOError):
                await fs.write_bytes("f", b"intruder")
        assert await fs.read_bytes("f") == b"slow"


async def test_expired_holder_cannot_commit(redis_url):
    """Fencing: a holder whose lock expired (a pause) is refused at commit, nothing mixed."""
    async with aiofs.open_fs(f"{redis_url}&lock_ttl=0.5") as fs:
        paused = fs.open("f", "w")
        await paused.__aenter__()
        await paused.write(b"stale " * 300_000)  # more than a chunk: staged on the server
        paused._writer._stop()  # type: ignore[attr-defined]  # as if the process froze
        await asyncio.sleep(0.8)
        await fs.write_bytes("f", b"newer")
        with pytest.raises(BlockingIOError):
            await paused.__aexit__(None, None, None)
        assert await fs.read_bytes("f") == b"newer"


def _paths_in_two_slots(layout: KeyLayout) -> tuple[str, str, str]:
    """Two paths in different slots, and a third in the first one's slot."""
    slot = lambda p: key_slot(layout.keys(p).data.encode())  # noqa: E731
    first = "slot/a"
    other = next(f"slot/b{i}" for i in range(100) if slot(f"slot/b{i}") != slot(first))
    same = next(f"slot/c{i}" for i in range(200_000) if slot(f"slot/c{i}") == slot(first))
    return first, other, same


async def test_cluster_cp_mv_within_and_across_slots(redis_cluster_url):
    async with aiofs.open_fs(redis_cluster_url) as fs:
        layout = fs._driver._layout  # type: ignore[attr-defined]
        first, other, same = _paths_in_two_slots(layout)
        big = bytes(range(256)) * 12_000  # 3 MiB: several chunks when streamed
        await fs.write_bytes(first, big)
        await fs.cp(first, other)  # streamed across slots
        await fs.cp(first, same)  # COPY in one slot
        assert await fs.read_bytes(other) == big
        assert await fs.read_bytes(same) == big
        await fs.mv(other, "slot/moved")
        await fs.mv(same, "slot/moved2")
        assert sorted(await fs.ls("slot/*")) == ["slot/a", "slot/moved", "slot/moved2"]
        assert await fs.read_bytes("slot/moved") == big
        async with fs.open(first, "a"):
            with pytest.raises(BlockingIOError):
                await fs.mv(first, other)
            with pytest.raises(BlockingIOError):
                await fs.mv("slot/moved", first)
        with pytest.raises(FileNotFoundError):
            await fs.mv("slot/missing", other)
        assert not await fs.exists(other)


async def test_cluster_lists_every_node(redis_cluster_url, redis_cluster):
    """SCAN runs on each primary: files spread over all three nodes are all listed."""
    names = [f"n/{i:03d}" for i in range(60)]
    async with aiofs.open_fs(redis_cluster_url) as fs:
        await asyncio.gather(*(fs.write_bytes(n, n.encode()) for n in names))
        assert await fs.ls("n/*") == names
        infos = [info async for info in fs.scan("n/0[0-4]?")]
        assert sorted(i.path for i in infos) == names[:50]
        assert await fs.rm("n/*") == 60
        layout = fs._driver._layout  # type: ignore[attr-defined]
    slots = {key_slot(layout.keys(n).data.encode()) for n in names}
    assert min(slots) <= 5460 and max(slots) >= 10923  # really spread over the nodes
