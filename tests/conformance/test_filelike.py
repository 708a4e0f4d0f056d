"""CONTRACT §2, FileLike: reading, seeking, lines, writing."""

from __future__ import annotations

import array
import io
import random

import pytest

from ._util import write_chunk

TEXT = b"first line\nsecond\n\nfourth, no newline at end"


async def test_read_sizes(fs):
    """§2 FileLike: read(size) returns up to size bytes from the position."""
    await fs.write_bytes("f", b"0123456789")
    async with fs.open("f") as f:
        assert await f.read(0) == b""
        assert await f.read(1) == b"0"
        assert await f.read(4) == b"1234"
        assert await f.read(100) == b"56789"
        assert await f.read(1) == b""
        assert await f.read() == b""


@pytest.mark.parametrize("size", [-1, -5, None])
async def test_read_negative_reads_the_rest(fs, size):
    """§2 FileLike: read() / read(-1) / read(None) return all the rest."""
    await fs.write_bytes("f", b"0123456789")
    async with fs.open("f") as f:
        await f.read(3)
        assert await f.read(size) == b"3456789"
        assert await f.read(size) == b""


async def test_read_empty_file(fs):
    """§2 FileLike: b"" at end of file, also for an empty file."""
    await fs.write_bytes("empty", b"")
    async with fs.open("empty") as f:
        assert await f.read() == b""
        assert await f.read(10) == b""
        assert await f.readline() == b""
        assert [line async for line in f] == []
        assert await f.seek(0, 2) == 0


async def test_seek_whence_and_tell(fs):
    """§2 FileLike: seek with whence 0, 1, 2 returns the new position; tell agrees."""
    await fs.write_bytes("f", b"0123456789")
    async with fs.open("f") as f:
        assert await f.tell() == 0
        assert await f.seek(4) == 4
        assert await f.tell() == 4
        assert await f.read(2) == b"45"
        assert await f.seek(-3, 1) == 3
        assert await f.read(1) == b"3"
        assert await f.seek(2, io.SEEK_CUR) == 6
        assert await f.read(1) == b"6"
        assert await f.seek(-2, 2) == 8
        assert await f.read() == b"89"
        assert await f.seek(0, io.SEEK_END) == 10
        assert await f.read() == b""
        assert await f.seek(5, io.SEEK_END) == 15  # past the end, as io allows
        assert await f.read() == b""
        assert await f.tell() == 15
        assert await f.seek(0, io.SEEK_SET) == 0
        assert await f.read() == b"0123456789"


async def test_seek_negative_or_bad_whence_is_value_error(fs):
    """§2 FileLike: a negative position or an unknown whence raises ValueError."""
    await fs.write_bytes("f", b"0123456789")
    async with fs.open("f") as f:
        await f.seek(5)
        with pytest.raises(ValueError):
            await f.seek(-1)
        with pytest.raises(ValueError):
            await f.seek(-6, 1)
        with pytest.raises(ValueError):
            await f.seek(-11, 2)
        with pytest.raises(ValueError):
            await f.seek(0, 3)
        assert await f.tell() == 5  # a refused seek does not move
        assert await f.read() == b"56789"


async def test_readline_and_async_for(fs):
    """§2 FileLike: readline() and `async for` give lines as binary files do."""
    await fs.write_bytes("f", TEXT)
    expected = io.BytesIO(TEXT).readlines()
    async with fs.open("f") as f:
        assert [line async for line in f] == expected
    async with fs.open("f") as f:
        lines = []
        while line := await f.readline():
            lines.append(line)
        assert lines == expected
        assert await f.readline() == b""


async def test_readline_with_size(fs):
    """§2 FileLike: readline(size) stops after size bytes, like io."""
    await fs.write_bytes("f", TEXT)
    model = io.BytesIO(TEXT)
    async with fs.open("f") as f:
        for size in (3, 0, 20, -1, 4, 100, 2, 50):
            assert await f.readline(size) == model.readline(size), size


async def test_readline_after_seek_and_read(fs):
    """§2 FileLike: readline, read and seek interleave correctly (buffer and position agree)."""
    await fs.write_bytes("f", TEXT)
    async with fs.open("f") as f:
        assert await f.read(3) == b"fir"
        assert await f.readline() == b"st line\n"
        assert await f.read(2) == b"se"
        await f.seek(0)
        assert await f.readline() == b"first line\n"
        await f.seek(-5, 2)
        assert await f.readline() == b"t end"
        await f.seek(11)
        assert await f.readline() == b"second\n"
        assert await f.readline() == b"\n"
        assert await f.tell() == 19


async def test_long_lines_span_read_ahead(fs):
    """§2 FileLike: lines longer than any buffer come back whole."""
    lines = [b"a" * 300_000 + b"\n", b"\n", b"b" * 700_001 + b"\n", b"tail"]
    await fs.write_bytes("f", b"".join(lines))
    async with fs.open("f") as f:
        assert [line async for line in f] == lines


async def test_random_operations_match_bytesio(fs):
    """§2 FileLike: any mix of read/readline/seek/tell agrees with io.BytesIO on the same bytes."""
    rng = random.Random(20260)
    parts = []
    for _ in range(4000):
        parts.append(bytes(rng.randrange(32, 127) for _ in range(rng.randrange(0, 200))))
    data = b"\n".join(parts)
    await fs.write_bytes("f", data)
    model = io.BytesIO(data)
    async with fs.open("f") as f:
        for step in range(600):
            op = rng.randrange(6)
            if op == 0:
                size = rng.choice([0, 1, 7, 100, 4096, 70_000, 300_000, -1])
                assert await f.read(size) == model.read(size), step
            elif op == 1:
                size = rng.choice([-1, -1, 5, 300])
                assert await f.readline(size) == model.readline(size), step
            elif op == 2:
                target = rng.randrange(0, len(data) + 10)
                assert await f.seek(target) == model.seek(target)
            elif op == 3:
                delta = rng.randrange(-model.tell(), 5000)
                assert await f.seek(delta, 1) == model.seek(delta, 1)
            elif op == 4:
                delta = -rng.randrange(0, min(len(data), 200_000))
                assert await f.seek(delta, 2) == model.seek(delta, 2)
            assert await f.tell() == model.tell(), step


async def test_large_file_sequential_and_random_reads(fs):
    """§2 FileLike: a multi-MiB file reads back exactly, sequentially and at random offsets."""
    size = 5 * (1 << 20) + 333
    rng = random.Random(7)
    data = rng.randbytes(size)
    await fs.write_bytes("big", data)
    async with fs.open("big") as f:
        got = []
        while chunk := await f.read(65_537):
            got.append(chunk)
        assert b"".join(got) == data
        for _ in range(50):
            offset = rng.randrange(0, size)
            length = rng.choice([1, 100, 4096, 1 << 20])
            await f.seek(offset)
            assert await f.read(length) == data[offset : offset + length]
        await f.seek(0)
        assert await f.read() == data


@pytest.mark.parametrize("mode", ["w", "x", "a", "r+"])
async def test_large_multi_chunk_writes(fs, mode):
    """§2 FileLike: writes larger than the backend's chunk are streamed and committed whole."""
    chunk = write_chunk(fs)
    if mode in ("a", "r+"):
        await fs.write_bytes("big", b"")
    rng = random.Random(mode)
    data = rng.randbytes(2 * chunk + 99_999)
    async with fs.open("big", mode) as f:
        # odd-sized pieces, one bigger than a chunk, and many small ones
        pieces = [data[:10], data[10 : chunk + 20], data[chunk + 20 : chunk + 30]]
        offset = chunk + 30
        while offset < len(data):
            step = rng.randrange(1, 300_000)
            pieces.append(data[offset : offset + step])
            offset += step
        written = 0
        for piece in pieces:
            written += await f.write(piece)
        assert written == len(data)
    assert (await fs.stat("big")).size == len(data)
    assert await fs.read_bytes("big") == data


@pytest.mark.parametrize(
    "make",
    [
        lambda b: b,
        bytearray,
        memoryview,
        lambda b: memoryview(bytearray(b)),
        lambda b: memoryview(b)[1:-1],
    ],
    ids=["bytes", "bytearray", "memoryview", "memoryview-bytearray", "memoryview-slice"],
)
async def test_write_accepts_bytes_like(fs, make):
    """§2 FileLike: write takes bytes, bytearray or memoryview and returns the count written."""
    payload = b"<payload>"
    data = make(payload)
    async with fs.open("f", "w") as f:
        assert await f.write(data) == len(bytes(data))
    assert await fs.read_bytes("f") == bytes(data)


async def test_write_memoryview_of_other_formats(fs):
    """§2 FileLike: a memoryview of any item format writes its bytes and counts bytes."""
    ints = array.array("i", [1, 2, 3, 4])
    doubles = memoryview(array.array("d", [1.5, -2.25]))
    matrix = memoryview(bytearray(range(12))).cast("B", (3, 4))
    strided = memoryview(b"abcdefgh")[::2]
    async with fs.open("f", "w") as f:
        assert await f.write(memoryview(ints)) == ints.itemsize * 4
        assert await f.write(doubles) == 16
        assert await f.write(matrix) == 12
        assert await f.write(strided) == 4
        assert await f.tell() == ints.itemsize * 4 + 32
    expected = ints.tobytes() + doubles.tobytes() + bytes(range(12)) + b"aceg"
    assert await fs.read_bytes("f") == expected


async def test_written_buffer_may_be_reused(fs):
    """§2 FileLike: write copies what it needs; changing the buffer afterwards changes nothing."""
    buf = bytearray(b"first")
    async with fs.open("f", "w") as f:
        await f.write(buf)
        buf[:] = b"XXXXX"
        await f.write(memoryview(buf)[:1])
    assert await fs.read_bytes("f") == b"firstX"


@pytest.mark.parametrize("bad", ["text", 42, None, [1, 2], array.array("b", [1])])
async def test_write_rejects_other_types(fs, bad):
    """§2 FileLike: write of anything but bytes/bytearray/memoryview raises TypeError."""
    async with fs.open("f", "w") as f:
        with pytest.raises(TypeError):
            await f.write(bad)
        await f.write(b"ok")
    assert await fs.read_bytes("f") == b"ok"


async def test_empty_writes(fs):
    """§2 FileLike: writing b"" returns 0 and adds nothing."""
    async with fs.open("f", "w") as f:
        assert await f.write(b"") == 0
        assert await f.write(b"a") == 1
        assert await f.write(bytearray()) == 0
    assert await fs.read_bytes("f") == b"a"


async def test_tell_in_write_modes_counts_the_next_version(fs):
    """§2 FileLike: in a write-only mode tell() is the size of the next version so far."""
    chunk = write_chunk(fs)
    async with fs.open("f", "w") as f:
        assert await f.tell() == 0
        await f.write(b"x" * (chunk + 5))
        assert await f.tell() == chunk + 5
    async with fs.open("f", "a") as f:
        assert await f.tell() == chunk + 5
        await f.write(b"yz")
        assert await f.tell() == chunk + 7


@pytest.mark.parametrize("mode", ["r", "r+", "w", "a", "x"])
async def test_name_and_mode_attributes(fs, mode):
    """§2 FileLike: `name` is the path and `mode` the normalised mode, before, in and after."""
    if mode in ("r", "r+"):
        await fs.write_bytes("dir/f.bin", b"")
    f = fs.open("dir/f.bin", mode + "b")
    assert (f.name, f.mode) == ("dir/f.bin", mode)
    async with f:
        assert (f.name, f.mode) == ("dir/f.bin", mode)
    assert (f.name, f.mode) == ("dir/f.bin", mode)
    assert "dir/f.bin" in repr(f)


async def test_r_plus_seek_and_readline(fs):
    """§2 FileLike: in `r+` reading, seeking and lines work as in `r`."""
    await fs.write_bytes("f", TEXT)
    async with fs.open("f", "r+") as f:
        assert await f.readline() == b"first line\n"
        assert await f.seek(-4, 2) == len(TEXT) - 4
        assert await f.read() == b" end"
        await f.seek(0)
        assert [line async for line in f] == io.BytesIO(TEXT).readlines()
        await f.write(b"done")
    assert await fs.read_bytes("f") == b"done"


async def test_random_access_fetches_only_what_is_asked(fs, monkeypatch):
    """§2 FileLike: a small read at a far offset fetches about that much, not the whole file."""
    size = 8 << 20
    await fs.write_bytes("big", bytes(size))
    driver = fs._driver
    fetched: list[int] = []
    open_reader = driver.open_reader

    async def spying_open_reader(path):
        reader = await open_reader(path)
        read = reader.read

        async def spying_read(offset, length):
            data = await read(offset, length)
            fetched.append(len(data))
            return data

        monkeypatch.setattr(reader, "read", spying_read)
        return reader

    monkeypatch.setattr(driver, "open_reader", spying_open_reader)
    async with fs.open("big") as f:
        await f.seek(6 << 20)
        assert await f.read(4096) == bytes(4096)
        await f.seek(1 << 20)
        assert await f.read(10) == bytes(10)
    assert sum(fetched) <= 2 * (4096 + (256 << 10)), fetched
