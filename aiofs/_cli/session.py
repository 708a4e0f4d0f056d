"""One command's file systems, and what a location selects in them.

Each distinct (URL, options) is opened once and closed at the end; two locations on the
same file system get the same object, which is how ``cp``/``mv`` know they can ask the
backend for a server-side copy or rename.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import posixpath
from collections.abc import AsyncIterator
from types import TracebackType

import aiofs

from .errors import NOT_FOUND, CliError
from .locations import Location, Remotes, parse

__all__ = ["Selected", "Session"]


@dataclasses.dataclass(frozen=True)
class Selected:
    """A file a source location selects: its info and its name relative to the location."""

    info: aiofs.FileInfo
    rel: str


class Session:
    """Opens file systems on demand (``async with``) and closes them all at the end."""

    def __init__(self, remotes: Remotes | None = None) -> None:
        self.remotes = remotes or Remotes()
        self._open: dict[object, aiofs.FileLikeSystem] = {}

    def parse(self, text: str) -> Location:
        return parse(text, self.remotes)

    def fs(self, loc: Location) -> aiofs.FileLikeSystem:
        fs = self._open.get(loc.key)
        if fs is None:
            fs = aiofs.open_fs(loc.url, **dict(loc.options))
            self._open[loc.key] = fs
        return fs

    def same_fs(self, a: Location, b: Location) -> bool:
        """Whether ``a`` and ``b`` are one aiofs file system (not plain local paths)."""
        return a.local is None and b.local is None and a.key == b.key

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        opened, self._open = list(self._open.values()), {}
        for fs in opened:
            try:
                await fs.close()
            except Exception:
                if exc is None:
                    raise

    # -- selecting ----------------------------------------------------------------------

    @staticmethod
    def missing_local(loc: Location) -> bool:
        """A plain local location whose folder does not exist (nothing to list there)."""
        return loc.local is not None and not os.path.isdir(loc.local)

    @staticmethod
    def is_local_dir(path: str) -> bool:
        return os.path.isdir(path)

    async def scan_folder(self, loc: Location, folder: str) -> AsyncIterator[Selected]:
        """Every file under ``folder`` (``""``: the whole file system), with relative names."""
        if self.missing_local(loc):
            return
        pattern = glob.escape(folder) + "/*" if folder else "*"
        cut = len(folder) + 1 if folder else 0
        async for info in self.fs(loc).scan(pattern):
            yield Selected(info, info.path[cut:])

    async def is_prefix(self, loc: Location, path: str) -> bool:
        """Whether some file lies under ``path/`` (a "folder" of a flat namespace)."""
        async for _ in self.scan_folder(loc, path):
            return True
        return False

    async def select(self, loc: Location, *, folders: bool) -> AsyncIterator[Selected]:
        """The files a source location names.

        A glob selects its matches (relative to its literal folder); a file selects
        itself; a folder (a root, or a prefix of stored names) selects everything under
        it when ``folders`` is true (``-r``), else it is an error.

        Raises:
            CliError: a literal path that is neither a file nor a folder (``NOT_FOUND``);
                a folder without ``folders`` (``USAGE``).
        """
        if loc.has_wildcard:
            if self.missing_local(loc):
                return
            base = loc.base
            cut = len(base) + 1 if base else 0
            async for info in self.fs(loc).scan(loc.path):
                yield Selected(info, info.path[cut:])
            return
        if self.missing_local(loc):
            raise CliError(f"{loc.text}: No such file or folder", NOT_FOUND)
        if loc.path:
            try:
                info = await self.fs(loc).stat(loc.path)
            except FileNotFoundError:
                if not await self.is_prefix(loc, loc.path):
                    raise CliError(f"{loc.text}: No such file or folder", NOT_FOUND) from None
            else:
                yield Selected(info, loc.alias or posixpath.basename(loc.path))
                return
        if not folders:
            raise CliError(f"{loc.text} is a folder: use -r (--recursive) for all files under it")
        async for selected in self.scan_folder(loc, loc.path):
            yield selected
