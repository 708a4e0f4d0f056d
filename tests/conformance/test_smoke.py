"""A first pass over CONTRACT §§2-3 on every backend."""

import pytest


async def test_write_then_read(fs):
    """§2: a write is visible after its block exits."""
    async with fs.open("a/b.txt", "w") as f:
        await f.write(b"hello")
    assert await fs.read_bytes("a/b.txt") == b"hello"
    assert await fs.ls() == ["a/b.txt"]


async def test_missing_file(fs):
    """§4: a missing file raises FileNotFoundError."""
    with pytest.raises(FileNotFoundError):
        await fs.read_bytes("nope")
