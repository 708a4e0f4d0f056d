"""One deadline for a whole operation, retries included (the backends' clients may
otherwise stretch an outage far beyond their own timeouts)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["within"]

_T = TypeVar("_T")


if sys.version_info >= (3, 11):

    async def within(seconds: float, work: Callable[[], Awaitable[_T]]) -> _T:
        """``work()``, or ``TimeoutError`` once ``seconds`` have passed."""
        async with asyncio.timeout(seconds):
            return await work()

else:  # pragma: no cover - Python 3.10: no asyncio.timeout; wait_for may eat a cancel

    async def within(seconds: float, work: Callable[[], Awaitable[_T]]) -> _T:
        """``work()``, or ``TimeoutError`` once ``seconds`` have passed."""
        task = asyncio.current_task()
        assert task is not None
        expired = False

        def expire() -> None:
            nonlocal expired
            expired = True
            task.cancel()

        handle = asyncio.get_running_loop().call_later(seconds, expire)
        try:
            return await work()
        except asyncio.CancelledError:
            if expired:
                raise TimeoutError(f"no answer within {seconds} s") from None
            raise
        finally:
            handle.cancel()
