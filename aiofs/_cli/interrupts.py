"""Whether Ctrl-C (or SIGTERM) has arrived: checked before committing a stream."""

from __future__ import annotations

import asyncio

__all__ = ["check", "received"]

#: Signals received during the current command (set by the handler in ``_cli``).
received: list[int] = []


def check() -> None:
    """Raise ``CancelledError`` if the command was interrupted (abort, don't commit)."""
    if received:
        raise asyncio.CancelledError
