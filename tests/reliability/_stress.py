"""The ``--stress`` switch of the reliability battery (also ``AIOFS_STRESS=1``).

CI runs every reliability test at small sizes; ``--stress`` (or the environment variable,
which child processes inherit) runs the full sizes of the issue for a long run. Loaded as
a plugin from ``tests/conftest.py`` so the option exists whatever path pytest is given.
"""

from __future__ import annotations

import os
from typing import TypeVar

_T = TypeVar("_T")

ENV = "AIOFS_STRESS"


def stressed() -> bool:
    """Whether this run uses the full (long-run) sizes."""
    return os.environ.get(ENV, "").lower() in ("1", "true", "yes", "on")


def scaled(ci: _T, stress: _T) -> _T:
    """``ci`` normally, ``stress`` under ``--stress`` / ``AIOFS_STRESS=1``."""
    return stress if stressed() else ci


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--stress",
        action="store_true",
        default=False,
        help="run the reliability battery at full sizes (same as AIOFS_STRESS=1)",
    )


def pytest_configure(config) -> None:
    if config.getoption("--stress", default=False):
        os.environ[ENV] = "1"
