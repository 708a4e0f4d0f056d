"""Writers racing for one path, shared by the in-process and multi-process exclusion tests.

Every writer starts at once; the ones that get in stage their payload and then wait until
*every* writer has made its attempt, so all blocks overlap. Losers that fail on enter
count as attempted too, so nobody waits for a writer that will never come (no deadlock
whether a backend refuses losers on enter, with a lock, or on exit, optimistically).
"""

from __future__ import annotations

import asyncio
import glob
import hashlib
import random
from collections.abc import Awaitable, Callable

MODES = ("w", "x", "a", "r+")

COMMIT = "commit"
BUSY_ENTER = "busy-enter"
BUSY_EXIT = "busy-exit"
EXISTS_EXIT = "exists-exit"


def payload(round_no: int, writer: int, size: int) -> bytes:
    """The deterministic, unique payload of one writer in one round."""
    head = f"round {round_no} writer {writer}\n".encode()
    return head + random.Random(round_no * 1_000_003 + writer).randbytes(size)


def base(round_no: int) -> bytes:
    """What the file holds before a round (modes ``a``, ``r+`` and ``w``)."""
    return f"base of round {round_no}\n".encode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def expected(mode: str, round_no: int, winner_payload: bytes) -> bytes:
    return base(round_no) + winner_payload if mode == "a" else winner_payload


async def prepare(fs, path: str, mode: str, round_no: int) -> None:
    """Set the file up for a round: missing for ``x``, the round's base otherwise."""
    if mode == "x":
        await fs.rm(glob.escape(path))
    else:
        await fs.write_bytes(path, base(round_no))


async def contend(
    fs,
    path: str,
    mode: str,
    data: bytes,
    attempted: Callable[[], None],
    all_attempted: Callable[[], Awaitable[None]],
    chunk: int = 64 << 10,
) -> str:
    """One writer: returns how it ended (``COMMIT`` or how it lost)."""
    entered = False
    try:
        async with fs.open(path, mode) as f:
            entered = True
            attempted()
            if mode == "r+":
                await f.read()
            for start in range(0, len(data), chunk):
                await f.write(data[start : start + chunk])
            await all_attempted()
    except BlockingIOError:
        if not entered:
            attempted()
            return BUSY_ENTER
        return BUSY_EXIT
    except FileExistsError:
        if not entered:
            attempted()
            raise  # 'x' found the file on enter: the round was not set up right
        return EXISTS_EXIT
    except BaseException:
        if not entered:
            attempted()
        raise
    return COMMIT


async def race(fs_list, path: str, mode: str, payloads: list[bytes]) -> list[str]:
    """All ``payloads`` race on ``path`` from this process; each writer uses a client of ``fs_list``."""
    total = len(payloads)
    done = 0
    everyone = asyncio.Event()
    start = asyncio.Event()

    def attempted() -> None:
        nonlocal done
        done += 1
        if done == total:
            everyone.set()

    async def all_attempted() -> None:
        await asyncio.wait_for(everyone.wait(), 60)

    async def one(i: int) -> str:
        await start.wait()
        fs = fs_list[i % len(fs_list)]
        return await contend(fs, path, mode, payloads[i], attempted, all_attempted)

    tasks = [asyncio.create_task(one(i)) for i in range(total)]
    await asyncio.sleep(0)
    start.set()
    return list(await asyncio.gather(*tasks))
