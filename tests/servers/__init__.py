"""Real servers for the tests, started on free loopback ports and stopped at the end.

Each backend module here provides its ``<backend>_url`` fixture. When a server cannot be
started, its tests are skipped locally but fail under ``CI=true``.
"""

from __future__ import annotations

import os
import socket

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Skip (or, in CI, fail) a test whose server cannot be had."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


from .azurite import *  # noqa: E402, F403
from .redis import *  # noqa: E402, F403
