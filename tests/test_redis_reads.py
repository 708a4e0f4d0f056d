"""Redis backend: whole-file reads (one plain GETRANGE when small, pinned pieces when not)."""

from __future__ import annotations

import gc
import tracemalloc

import pytest
import redis.asyncio as redis_asyncio

import aiofs
from aiofs import _redis_driver, _redis_io
from aiofs._redis_keys import KeyLayout

_WHOLE, _PIECE = _redis_driver._WHOLE, _redis_io._PIECE


def _payload(size: int) -> bytes:
    return bytes(i % 251 for i in range(min(size, 251))) * (size // 251) + b"t" * (size % 251)


@pytest.mark.parametrize("size", [0, 1, _WHOLE - 1, _WHOLE, _WHOLE + 1, _PIECE + 3, 2 * _PIECE + 1])
async def test_read_bytes_at_every_size_boundary(redis_url, size):
    data = _payload(size)
    async with aiofs.open_fs(redis_url) as fs:
        await fs.write_bytes("f", data)
        got = await fs.read_bytes("f")
        assert type(got) is bytes and got == data
        async with fs.open("f") as f:  # the file object's whole read takes the same pieces
            assert await f.read() == data


async def test_read_bytes_of_no_file(redis_server, redis_url):
    """Missing, another type at the data key, metadata left without data: not found."""
    raw = redis_asyncio.Redis(port=redis_server.port)
    layout = KeyLayout(redis_url.split("prefix=", 1)[1] + "*")
    try:
        await raw.hset(layout.keys("hash").data, "field", "v")
        await raw.hset(layout.keys("stale").meta, mapping={"e": "x", "s": "3", "t": "0"})
        async with aiofs.open_fs(redis_url) as fs:
            for path in ("missing", "hash", "stale"):
                with pytest.raises(FileNotFoundError):
                    await fs.read_bytes(path)
            assert await raw.exists(layout.keys("stale").meta) == 0  # cleaned up
    finally:
        await raw.aclose()


async def test_large_read_bytes_replaced_midway_is_refused(redis_url, monkeypatch):
    """A file replaced between two pieces raises BlockingIOError, never mixed bytes."""
    old, new = b"o" * (2 * _PIECE + 7), b"n" * (2 * _PIECE + 7)
    async with aiofs.open_fs(redis_url) as fs, aiofs.open_fs(redis_url) as other:
        await fs.write_bytes("f", old)
        pieces = 0
        original = _redis_io.RedisReader._range

        async def racing(self, start, end):
            nonlocal pieces
            pieces += 1
            if pieces == 2:
                await other.write_bytes("f", new)
            return await original(self, start, end)

        monkeypatch.setattr(_redis_io.RedisReader, "_range", racing)
        with pytest.raises(BlockingIOError):
            await fs.read_bytes("f")
        monkeypatch.undo()
        assert await fs.read_bytes("f") == new


async def test_large_read_bytes_holds_one_copy(redis_url):
    """Pieces are assembled in place: the peak is the data plus about one piece."""
    size = 4 * _PIECE
    async with aiofs.open_fs(redis_url) as fs:
        await fs.write_bytes("big", b"b" * size)
        gc.collect()
        tracemalloc.start()
        try:
            got = await fs.read_bytes("big")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert len(got) == size
        assert peak - size < 3 * _PIECE, f"peak {peak / 2**20:.1f} MiB for {size / 2**20:.0f} MiB"
