"""Child-process side of the multi-process rounds (spawned: importable, no test state)."""

from __future__ import annotations

import asyncio
import time

import aiofs

from . import _contend


def writer_process(
    url: str,
    path: str,
    plan: list[tuple[str, int]],
    proc: int,
    writers: int,
    size: int,
    barrier,
    counter,
    results,
) -> None:
    """Run this process's ``writers`` in every round of ``plan``, in step with the others."""
    total = barrier.parties * writers
    for mode, round_no in plan:
        if proc == 0:
            asyncio.run(_prepare(url, path, mode, round_no))
            with counter.get_lock():
                counter.value = 0
        barrier.wait()
        ids = [proc * writers + k for k in range(writers)]
        outcomes = asyncio.run(_round(url, path, mode, round_no, ids, size, counter, total))
        results.put(("outcomes", mode, round_no, proc, outcomes))
        barrier.wait()
        if proc == 0:
            final = asyncio.run(_read(url, path))
            results.put(("final", mode, round_no, proc, _contend.sha(final)))
    results.put(("done", "", 0, proc, None))


async def _prepare(url: str, path: str, mode: str, round_no: int) -> None:
    async with aiofs.open_fs(url) as fs:
        await _contend.prepare(fs, path, mode, round_no)


async def _read(url: str, path: str) -> bytes:
    async with aiofs.open_fs(url) as fs:
        return await fs.read_bytes(path)


async def _round(url, path, mode, round_no, ids, size, counter, total) -> list[tuple[int, str]]:
    def attempted() -> None:
        with counter.get_lock():
            counter.value += 1

    async def all_attempted() -> None:
        deadline = time.monotonic() + 60
        while counter.value < total:
            if time.monotonic() > deadline:
                raise TimeoutError("not every writer made its attempt within 60 s")
            await asyncio.sleep(0.002)

    async with aiofs.open_fs(url) as fs:
        outcomes = await asyncio.gather(
            *(
                _contend.contend(
                    fs, path, mode, _contend.payload(round_no, i, size), attempted, all_attempted
                )
                for i in ids
            ),
            return_exceptions=True,
        )
    return [
        (i, out if isinstance(out, str) else f"error {type(out).__name__}: {out}")
        for i, out in zip(ids, outcomes, strict=True)
    ]


def crash_writer(url: str, path: str, size: int, seed: int, progress, entered) -> None:
    """Write ``size`` bytes of :func:`crash_payload` to ``path`` (to be killed midway).

    ``progress`` counts the bytes handed to ``write``; ``size + 1`` once committed.
    """

    async def main() -> None:
        data = crash_payload(seed, size)
        step = 256 << 10
        async with aiofs.open_fs(url) as fs:
            async with fs.open(path, "w") as f:
                entered.set()
                for start in range(0, size, step):
                    await f.write(data[start : start + step])
                    progress.value = start + step
            progress.value = size + 1

    asyncio.run(main())


def crash_payload(seed: int, size: int) -> bytes:
    """A version whose every 4 KiB block differs (a torn or shifted file shows)."""
    block = 4096
    head = f"crash version {seed}".encode()
    pad = bytes(block - len(head) - 8)
    return b"".join(
        head + (i).to_bytes(8, "big") + pad for i in range((size + block - 1) // block)
    )[:size]
