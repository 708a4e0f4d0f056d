"""A one-line progress bar on stderr: bytes, files, rate and ETA.

Drawn only when stderr is a terminal (and not ``--quiet``), and only once the work has
lasted half a second, so short commands and scripts never see it.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections.abc import AsyncIterator
from typing import TextIO

__all__ = ["Progress", "human_bytes"]

_DELAY = 0.5
_TICK = 0.2


def human_bytes(size: float) -> str:
    """``1536 -> '1.5 KiB'``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError  # pragma: no cover


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Counts bytes and files done; draws itself while :meth:`running`."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self._stream = stream
        self.enabled = enabled
        self.total_bytes = 0
        self.total_files = 0
        self.bytes = 0
        self.files = 0
        self._start = time.monotonic()
        self._drawn = False

    def add(self, size: int) -> None:
        self.bytes += size

    def file_done(self) -> None:
        self.files += 1

    def line(self, now: float | None = None) -> str:
        elapsed = max((now if now is not None else time.monotonic()) - self._start, 1e-6)
        rate = self.bytes / elapsed
        parts = [f"{human_bytes(self.bytes)}"]
        if self.total_bytes:
            share = min(self.bytes / self.total_bytes, 1.0)
            parts[0] += f" / {human_bytes(self.total_bytes)} {share:4.0%}"
        parts.append(f"{self.files}/{self.total_files} files")
        parts.append(f"{human_bytes(rate)}/s")
        if self.total_bytes and rate > 0 and self.bytes < self.total_bytes:
            parts.append(f"ETA {_duration((self.total_bytes - self.bytes) / rate)}")
        return " | ".join(parts)

    def _draw(self) -> None:
        width = shutil.get_terminal_size((80, 20)).columns - 1
        self._stream.write("\r" + self.line()[:width] + "\x1b[K")
        self._stream.flush()
        self._drawn = True

    def clear(self) -> None:
        if self._drawn:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._drawn = False

    async def _loop(self) -> None:
        await asyncio.sleep(_DELAY)
        while True:
            self._draw()
            await asyncio.sleep(_TICK)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Progress]:
        """Draw in the background for the duration of the block; clear the line after."""
        self._start = time.monotonic()
        task = asyncio.ensure_future(self._loop()) if self.enabled else None
        try:
            yield self
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self.clear()
