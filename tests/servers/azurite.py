"""Azurite fixtures (filled in by the Azure backend): ``azure_url``."""

from __future__ import annotations

import pytest

__all__ = ["azure_url"]


@pytest.fixture
def azure_url() -> str:
    from . import unavailable

    unavailable("the Azure backend is not built yet")
    raise AssertionError
