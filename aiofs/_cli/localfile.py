"""Plain local files written the way ``cp`` users expect, and never half-written.

``get`` and every copy into a plain local path write a hidden temp file next to the
destination and rename it over the destination only at a clean exit; an error or Ctrl-C
deletes the temp file. No lock files are left in the user's folders (the ``file://``
backend keeps its locks under the root; a plain path has no root of its own).
"""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["LocalWriter", "move"]

_T = TypeVar("_T")


class LocalWriter:
    """``async with LocalWriter(path) as w: await w.write(chunk)``: atomic at a clean exit."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd = -1
        self._tmp = ""
        self._pending: asyncio.Future[Any] | None = None

    async def _run(self, func: Callable[..., _T], *args: Any) -> _T:
        # Shielded, and waited for at exit: a cancelled write must not run on after its
        # descriptor is closed (or reused by another file).
        future = asyncio.get_running_loop().run_in_executor(None, func, *args)
        self._pending = future
        result = await asyncio.shield(future)
        self._pending = None
        return result

    async def __aenter__(self) -> LocalWriter:
        await self._run(self._open)
        return self

    def _open(self) -> None:
        folder, name = os.path.split(self.path)
        os.makedirs(folder or ".", exist_ok=True)
        if os.path.isdir(self.path):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", self.path)
        self._tmp = os.path.join(folder, f".{name}.aiofs-{os.urandom(4).hex()}.part")
        self._fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)

    async def write(self, data: bytes) -> int:
        await self._run(self._write, data)
        return len(data)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pending is not None:
            await asyncio.wait([self._pending])
            self._pending = None
        await asyncio.get_running_loop().run_in_executor(None, self._finish, exc_type is None)

    def _finish(self, commit: bool) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if not self._tmp:
            return
        try:
            if commit:
                os.replace(self._tmp, self.path)
                self._tmp = ""
        finally:
            if self._tmp:
                try:
                    os.unlink(self._tmp)
                except OSError:
                    pass
                self._tmp = ""


def move(src: str, dst: str) -> None:
    """Rename ``src`` over ``dst`` (blocking); across file systems, copy then delete."""
    os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
    try:
        os.replace(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        tmp = os.path.join(
            os.path.dirname(dst), f".{os.path.basename(dst)}.aiofs-{os.urandom(4).hex()}.part"
        )
        try:
            shutil.copyfile(src, tmp)
            os.replace(tmp, dst)
        except BaseException:
            _unlink_quietly(tmp)
            raise
        os.unlink(src)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
