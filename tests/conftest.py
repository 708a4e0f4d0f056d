"""Shared fixtures: the backend matrix of the conformance suite.

Every backend is reached through a URL fixture named ``<backend>_url`` (the Redis and
Azure ones start their real servers, see ``tests/servers``). The ``fs`` fixture opens that
URL with ``aiofs.open_fs``, so the suite exercises settings-driven selection too, and a
second process can open the very same store from the URL (``fs_url``).
"""

from __future__ import annotations

import itertools
import os

import pytest

import aiofs

pytest_plugins = ["tests.servers", "tests.reliability._stress"]

#: The conformance matrix. A new backend adds its name here and a ``<name>_url`` fixture.
BACKENDS = ["memory", "local", "redis", "redis-cluster", "azure"]

_counter = itertools.count()

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def memory_url() -> str:
    return f"memory://test-{os.getpid()}-{next(_counter)}"


@pytest.fixture
def local_url(tmp_path) -> str:
    return f"file://{tmp_path / 'root'}"


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def fs_url(request, backend) -> str:
    return request.getfixturevalue(f"{backend.replace('-', '_')}_url")


@pytest.fixture
async def fs(fs_url):
    async with aiofs.open_fs(fs_url) as fs:
        yield fs


@pytest.fixture
async def fs2(fs_url):
    """A second, independent file system on the same store (another client)."""
    async with aiofs.open_fs(fs_url) as fs:
        yield fs
