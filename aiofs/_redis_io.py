"""The Redis backend's reader (one pinned version) and writer (one locked next version).

The reader checks the pinned etag on the server before every ``GETRANGE``; the writer
stages with ``SETRANGE`` at explicit offsets, renews its lock while held, and commits
with one idempotent, token-checked script (see ``_redis_scripts``).
"""

from __future__ import annotations

import asyncio
import errno
import io
import time
from typing import TYPE_CHECKING

from . import _errors
from . import _redis_scripts as _lua
from ._driver import Reader, Writer
from ._protocol import FileInfo
from ._redis_keys import FileKeys

if TYPE_CHECKING:
    from ._redis_driver import RedisDriver

__all__ = ["RedisReader", "RedisWriter"]

#: The largest ``GETRANGE`` a reader sends: redis-py holds about twice a reply while it
#: parses it, so a long range is fetched in pieces (each version-checked).
_PIECE = 4 << 20


def _now_ms() -> int:
    """The modification time a commit records (the client's clock, UTC)."""
    return time.time_ns() // 1_000_000


class RedisReader(Reader):
    def __init__(self, driver: RedisDriver, keys: FileKeys, info: FileInfo, head: bytes) -> None:
        self._driver, self._keys, self.info, self._head = driver, keys, info, head
        self._driver_ref: RedisDriver | None = driver  # until closed: holds the client

    async def read(self, offset: int, size: int) -> bytes:
        end = min(offset + size, self.info.size)
        if end <= offset:
            return b""
        if end <= len(self._head):
            return self._head[offset:end]
        if end - offset <= _PIECE:
            return await self._range(offset, end)
        # Pieces written in place into a buffer of the final size: BytesIO hands its
        # buffer over as the result without a copy (CPython), so the peak stays at the
        # data plus one piece.
        buffer = io.BytesIO()
        buffer.seek(end - offset - 1)
        buffer.write(b"\0")
        buffer.seek(0)
        for start in range(offset, end, _PIECE):
            buffer.write(await self._range(start, min(start + _PIECE, end)))
        return buffer.getvalue()

    async def _range(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of the pinned version, checked on the server."""
        keys, path = self._keys, self.info.path
        data = await self._driver._script(
            path, _lua.RANGE, [keys.data, keys.meta], [self.info.etag, start, end - 1]
        )
        if data is None:
            raise _errors.changed(path, self._driver.where)
        return bytes(data)

    async def close(self) -> None:
        driver, self._driver_ref = self._driver_ref, None
        if driver is not None:
            await driver._done()


class RedisWriter(Writer):
    """A locked next version staged in ``stage:<token>``; the lock is renewed while held."""

    def __init__(
        self, driver: RedisDriver, path: str, keys: FileKeys, token: str, mode: str, size: int
    ) -> None:
        self._driver, self._path, self._keys = driver, path, keys
        self._token, self._mode, self.size = token, mode, size
        self._stage = keys.stage(token)
        self._lost = False
        self._task: asyncio.Task[None] | None = None
        loop = asyncio.get_running_loop()
        self._timer: asyncio.TimerHandle | None = loop.call_later(driver.renew_every, self._renew)

    # -- lock renewal -----------------------------------------------------------------

    def _renew(self) -> None:
        self._timer = None
        self._task = asyncio.get_running_loop().create_task(self._renew_now())

    async def _renew_now(self) -> None:
        driver, keys = self._driver, self._keys
        try:
            held = await driver._script(
                self._path, _lua.RENEW, [keys.lock, self._stage], [self._token, driver.ttl_ms]
            )
        except OSError:
            held = 1  # unreachable for now: try again at the next tick; the commit decides
        if not held:
            self._lost = True
            return
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(driver.renew_every, self._renew)

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _lost_lock(self) -> BlockingIOError:
        return _errors.busy(self._path, self._driver.where, "the writer's lock expired")

    # -- Writer -----------------------------------------------------------------------

    async def write(self, data: bytes) -> None:
        if self._lost:
            raise self._lost_lock()
        driver = self._driver
        ok = await driver._script(
            self._path,
            _lua.STAGE,
            [self._keys.lock, self._stage],
            [self._token, self.size, data, driver.ttl_ms],
        )
        if not ok:
            self._lost = True
            raise self._lost_lock()
        self.size += len(data)

    async def commit(self, tail: bytes) -> None:
        try:
            await self._commit(tail)
        finally:
            await self._driver._done()

    async def _commit(self, tail: bytes) -> None:
        self._stop()
        driver, keys = self._driver, self._keys
        total = self.size + len(tail)
        try:
            code = await driver._script(
                self._path,
                _lua.COMMIT,
                [keys.data, keys.meta, keys.lock, self._stage, keys.done(self._token)],
                [
                    self._token,
                    self.size,
                    tail,
                    total,
                    self._mode,
                    driver.expiry_ms,
                    driver.receipt_ms,
                    _now_ms(),
                ],
                outcome_unknown=True,
            )
        except BaseException:
            await self._release()
            raise
        if code == 1:
            self.size = total
            return
        await self._release()
        if code == -1:
            raise _errors.exists(self._path, driver.where)
        if code == 0:
            raise self._lost_lock()
        raise OSError(
            errno.EIO, f"Staged data is incomplete; nothing committed ({driver.where})", self._path
        )

    async def abort(self) -> None:
        self._stop()
        try:
            await self._release()
        finally:
            await self._driver._done()

    async def _release(self) -> None:
        await self._driver._release(self._path, self._keys, self._token)

    async def delete_file(self) -> bool:
        """Delete the locked file and release the lock (the end of a cross-slot move)."""
        self._stop()
        keys = self._keys
        try:
            done = await self._driver._script(
                self._path, _lua.DELETE_LOCKED, [keys.data, keys.meta, keys.lock], [self._token]
            )
        finally:
            await self._driver._done()
        return bool(done)
