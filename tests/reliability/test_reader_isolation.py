"""Reader isolation (CONTRACT §2): a long read never mixes two versions.

Readers stream a large file in chunks while a writer replaces it again and again. Each
reader ends with exactly one complete version (the one it opened) or a clear error
(``BlockingIOError``/``FileNotFoundError``), never bytes of two versions.
"""

from __future__ import annotations

import asyncio
import hashlib
import random

import pytest

from ._stress import scaled

SIZE = scaled(8 << 20, 64 << 20)
REPLACEMENTS = scaled(4, 10)
CHUNK = 1 << 20


def _version(n: int) -> bytes:
    return random.Random(n).randbytes(SIZE)


@pytest.mark.timeout(scaled(120, 1800))
async def test_reader_sees_one_version(fs, fs2):
    """§2: readers racing REPLACEMENTS replacements read one whole version or fail clearly."""
    path = "iso/big.bin"
    versions = [_version(n) for n in range(REPLACEMENTS + 1)]
    digests = {hashlib.sha256(v).hexdigest(): n for n, v in enumerate(versions)}
    await fs.write_bytes(path, versions[0])
    progress = asyncio.Event()
    outcomes: list[str] = []

    async def reader(delay: int) -> None:
        for _ in range(delay):
            await progress.wait()
            progress.clear()
        try:
            async with fs.open(path) as f:
                parts = []
                while chunk := await f.read(CHUNK):
                    parts.append(chunk)
                    progress.set()
                    await asyncio.sleep(0)
            data = b"".join(parts)
        except (BlockingIOError, FileNotFoundError) as exc:
            assert str(exc), "the error does not say what happened"
            outcomes.append(type(exc).__name__)
            return
        digest = hashlib.sha256(data).hexdigest()
        assert digest in digests, f"a reader got {len(data)} bytes of no single version"
        outcomes.append(f"version {digests[digest]}")

    async def writer() -> None:
        for n in range(1, REPLACEMENTS + 1):
            await progress.wait()
            async with fs2.open(path, "w") as f:
                for start in range(0, SIZE, CHUNK):
                    await f.write(versions[n][start : start + CHUNK])

    readers = [asyncio.create_task(reader(d)) for d in range(4)]
    await asyncio.gather(writer(), *readers)
    assert len(outcomes) == 4
    assert hashlib.sha256(await fs.read_bytes(path)).hexdigest() in digests


@pytest.mark.timeout(scaled(120, 1800))
async def test_reader_of_a_deleted_file(fs, fs2):
    """§2: a file removed mid-read: the reader keeps its version or fails clearly."""
    path = "iso/gone.bin"
    data = _version(99)
    await fs.write_bytes(path, data)
    got = b""
    try:
        async with fs.open(path) as f:
            first = await f.read(CHUNK)
            assert await fs2.rm(path) == 1
            got = first + await f.read()
    except (BlockingIOError, FileNotFoundError) as exc:
        assert exc.filename == path
        return
    assert got == data
