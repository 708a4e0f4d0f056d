"""Helpers shared by the conformance tests (backend-agnostic)."""

from __future__ import annotations

import asyncio
import dataclasses

import aiofs

#: Bytes every backend buffers before it hands a chunk to the backend (the default).
DEFAULT_CHUNK = 1 << 20


def write_chunk(fs: aiofs.FileLikeSystem) -> int:
    """The chunk size the file object streams writes in (to write "more than a chunk")."""
    driver = getattr(fs, "_driver", None)
    return int(getattr(driver, "write_chunk", DEFAULT_CHUNK))


async def put(fs: aiofs.FileLikeSystem, path: str, data: bytes) -> None:
    async with fs.open(path, "w") as f:
        await f.write(data)


async def get(fs: aiofs.FileLikeSystem, path: str) -> bytes:
    async with fs.open(path) as f:
        return await f.read()


@dataclasses.dataclass
class Outcome:
    """What happened to one writer of an overlap race."""

    payload: bytes
    entered: bool = False
    committed: bool = False
    error: BaseException | None = None


async def overlapping_writers(
    targets: list[tuple[aiofs.FileLikeSystem, str, bytes]], path: str
) -> list[Outcome]:
    """Run one writer per target whose ``async with`` blocks all overlap on ``path``.

    Each writer enters, writes its payload, and waits until every writer has either
    entered or failed to enter before it exits: so all blocks that opened overlap.
    """
    outcomes = [Outcome(payload) for _, _, payload in targets]
    tried = 0
    all_tried = asyncio.Event()

    def _tried() -> None:
        nonlocal tried
        tried += 1
        if tried == len(targets):
            all_tried.set()

    async def one(fs: aiofs.FileLikeSystem, mode: str, out: Outcome) -> None:
        try:
            async with fs.open(path, mode) as f:
                out.entered = True
                _tried()
                half = len(out.payload) // 2
                await f.write(out.payload[:half])
                await asyncio.sleep(0)
                await f.write(out.payload[half:])
                await all_tried.wait()
            out.committed = True
        except (BlockingIOError, FileExistsError) as exc:
            out.error = exc
            if not out.entered:
                _tried()

    await asyncio.gather(
        *(one(fs, mode, out) for (fs, mode, _), out in zip(targets, outcomes, strict=True))
    )
    return outcomes
