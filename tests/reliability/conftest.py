"""Fixtures of the reliability battery.

``shared_url`` runs a test over every backend whose store another process can open
(all but memory). Sizes come from :func:`tests.reliability._stress.scaled`.
"""

from __future__ import annotations

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
