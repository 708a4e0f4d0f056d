"""The clients the suite compares: aiofs on each backend, the raw client, and peers.

Every client implements the same small interface (:class:`Client`) over its own
namespace (a directory, key prefix or container), so one workload runs unchanged on
all of them. A method a client cannot do raises ``NotImplementedError`` and its cell
stays empty in the table.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


class Client:
    """One way of doing the suite's work on one backend."""

    backend = "?"
    name = "?"
    #: What ``contend`` guarantees: True if concurrent writers exclude each other.
    exclusive = False

    async def start(self) -> None:
        """Open connections, create the namespace."""

    async def close(self) -> None:
        """Release everything (the namespace may be left behind)."""

    async def write(self, path: str, data: bytes) -> None:
        raise NotImplementedError

    async def read(self, path: str) -> bytes:
        raise NotImplementedError

    async def write_large(self, path: str, data: bytes) -> None:
        await self.write(path, data)

    async def read_large(self, path: str) -> bytes:
        return await self.read(path)

    async def ranged(self, path: str, offsets: Sequence[int], size: int) -> int:
        """Open ``path`` once and read ``size`` bytes at each offset; bytes read."""
        raise NotImplementedError

    async def ls(self, prefix: str) -> list[str]:
        """Names under ``prefix + "/"``."""
        raise NotImplementedError

    async def cp(self, src: str, dst: str) -> None:
        raise NotImplementedError

    async def mv(self, src: str, dst: str) -> None:
        raise NotImplementedError

    async def contend(self, path: str, data: bytes) -> bool:
        """One writer of several on ``path``: True if its write was committed."""
        raise NotImplementedError

    async def fill(self, prefix: str, count: int, data: bytes) -> None:
        """Create ``prefix/000000`` ... quickly (setup, not measured)."""
        await gather_limited(
            (lambda i=i: self.write(f"{prefix}/{i:06d}", data)) for i in range(count)
        )


async def gather_limited(calls: Any, concurrency: int = 32) -> list[Any]:
    """Run the zero-argument coroutine factories ``calls`` with at most ``concurrency`` at once."""
    pending: list[Callable[[], Awaitable[Any]]] = list(calls)
    results: list[Any] = [None] * len(pending)
    cursor = iter(range(len(pending)))

    async def worker() -> None:
        for i in cursor:
            results[i] = await pending[i]()

    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(pending)) or 1)))
    return results


@dataclass
class Spec:
    """How to build a client, picklable so a fresh subprocess can rebuild it."""

    backend: str
    name: str
    options: dict[str, Any] = field(default_factory=dict)

    def build(self) -> Client:
        from . import registry

        return registry.build(self)
