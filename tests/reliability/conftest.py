"""Fixtures of the reliability battery.

``shared_url`` runs a test over every backend whose store another process can open
(all but memory). Sizes come from :func:`tests.reliability._stress.scaled`.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.conftest import BACKENDS

SHARED_BACKENDS = [name for name in BACKENDS if name != "memory"]
#: Backends whose writer lock has a time to live (a dead or paused holder's lock expires).
TTL_BACKENDS = ["redis", "redis-cluster", "azure"]


@pytest.fixture(params=SHARED_BACKENDS)
def shared_backend(request) -> str:
    return request.param


@pytest.fixture
def shared_url(request, shared_backend) -> str:
    """The URL of a store that other processes can open too."""
    return request.getfixturevalue(f"{shared_backend.replace('-', '_')}_url")


@pytest.fixture(params=TTL_BACKENDS)
def ttl_backend(request) -> str:
    return request.param


def with_options(url: str, **options: object) -> str:
    """``url`` with extra query options (``lock_ttl=0.5``)."""
    query = "&".join(f"{key}={value}" for key, value in options.items())
    return f"{url}{'&' if '?' in url else '?'}{query}" if query else url


def short_ttl(backend: str, url: str, ttl: float = 1.0) -> tuple[str, float]:
    """A URL whose writer locks expire after ``ttl`` s, and that time to live.

    Redis locks take any TTL; Azure leases last 15-60 s (so at least 15); on the local
    disk and in memory a lock dies with its holder: 0.
    """
    if backend.startswith("redis"):
        return with_options(url, lock_ttl=ttl), ttl
    if backend == "azure":
        return with_options(url, lock_ttl=max(15, round(ttl))), max(15.0, round(ttl))
    return url, 0.0


async def write_within(fs, path: str, data: bytes, seconds: float) -> None:
    """``write_bytes`` again and again while the path is busy, for at most ``seconds``:
    a writer that died or lost its lock may block the path for its TTL, never longer."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            await fs.write_bytes(path, data)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)
