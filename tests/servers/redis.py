"""Redis fixtures (filled in by the Redis backend): ``redis_url``, ``redis_cluster_url``."""

from __future__ import annotations

import pytest

__all__ = ["redis_cluster_url", "redis_url"]


@pytest.fixture
def redis_url() -> str:
    from . import unavailable

    unavailable("the Redis backend is not built yet")
    raise AssertionError


@pytest.fixture
def redis_cluster_url() -> str:
    from . import unavailable

    unavailable("the Redis backend is not built yet")
    raise AssertionError
