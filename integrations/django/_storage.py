"""``AiofsStorage``: a Django storage backed by any aiofs file system.

Decisions:

* Two kinds of callers, two kinds of file system instances. Django's synchronous API is
  called from WSGI threads and ``sync_to_async`` threads while an event loop may run
  elsewhere, and aiofs connections are bound to the loop that made them. So the sync API
  runs on one private event loop in a daemon thread (:class:`LoopThread`, shared by the
  storages of the process), where the storage's sync file system lives; the ``a``-prefixed
  async API uses a file system bound to the caller's own running loop (one per loop,
  closed when that loop shuts down), so it never blocks that loop.
* Both instances must reach the same store. URLs do by nature, except an unnamed
  ``memory://`` (a fresh private store each time): the storage gives it a unique name.
* Names: Django names are ``/``-separated relative paths, exactly aiofs paths; a name that
  is no valid aiofs path raises ``SuspiciousFileOperation``.
* Without ``file_overwrite``, a taken name gets Django's alternative name and the file is
  written in mode ``x`` (a race with another writer retries with a new name), as
  ``FileSystemStorage`` does; with it, mode ``w`` replaces atomically (Django 5.1's
  ``allow_overwrite`` semantics: ``exists()`` stays truthful, the name is kept).
"""

from __future__ import annotations

import asyncio
import glob
import io
import os
import pathlib
import uuid
import weakref
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

from django.conf import settings  # type: ignore[import-untyped]
from django.core.exceptions import (  # type: ignore[import-untyped]
    ImproperlyConfigured,
    SuspiciousFileOperation,
)
from django.core.files.base import File  # type: ignore[import-untyped]
from django.core.files.storage import Storage  # type: ignore[import-untyped]
from django.core.files.utils import validate_file_name  # type: ignore[import-untyped]
from django.utils.deconstruct import deconstructible  # type: ignore[import-untyped]
from django.utils.encoding import filepath_to_uri  # type: ignore[import-untyped]

import aiofs
from aiofs import FileLike, FileLikeSystem
from aiofs._paths import check_path

from .._loop_thread import LoopThread, PerLoop
from ._files import AiofsFile, RawFile, aiofs_mode

__all__ = ["AiofsStorage"]

#: The private loop of the synchronous API, shared by every storage of the process.
_LOOP = LoopThread("aiofs-django")


def _rebuild(cls: type[AiofsStorage], kwargs: dict[str, Any]) -> AiofsStorage:
    return cls(**kwargs)


@deconstructible(path="aiofs.integrations.django.AiofsStorage")
class AiofsStorage(Storage):  # type: ignore[misc]
    """A Django storage over ``aiofs.open_fs(url, **options)``.

    Configure it in ``STORAGES``::

        STORAGES = {
            "default": {
                "BACKEND": "aiofs.integrations.django.AiofsStorage",
                "OPTIONS": {"url": "redis://localhost:6379/0", "base_url": "/media/"},
            },
        }

    Args:
        url: the file system URL; else the ``AIOFS_URL`` setting; else ``MEDIA_ROOT``
            as a ``file://`` URL.
        base_url: the URL prefix of :meth:`url` (else ``MEDIA_URL``). For backends with no
            public URL, serve it with ``aiofs.integrations.django.urls``.
        file_overwrite: replace a file saved under a taken name instead of choosing an
            alternative name.
        options: backend options passed to ``aiofs.open_fs`` (e.g. ``connection_string``).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        base_url: str | None = None,
        file_overwrite: bool = False,
        **options: Any,
    ) -> None:
        self._url_option = url
        self._base_url = base_url
        self.file_overwrite = bool(file_overwrite)
        self._options = options
        self._resolved_url: str | None = None
        self._sync_fs: FileLikeSystem | None = None
        self._per_loop: PerLoop[FileLikeSystem] = PerLoop(self._make_fs, _close)

    def __reduce__(self) -> tuple[Any, ...]:
        # Copies and pickles (migrations, Field.clone) rebuild from the settings: the
        # loop-bound file systems are never shared between instances.
        kwargs = {"url": self._url_option, "base_url": self._base_url, **self._options}
        if self.file_overwrite:
            kwargs["file_overwrite"] = True
        return (_rebuild, (type(self), kwargs))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url_setting}>"

    # -- settings ---------------------------------------------------------------------

    @property
    def url_setting(self) -> str:
        """The file system URL in use (resolved on first use, then fixed)."""
        if self._resolved_url is None:
            url = self._url_option or getattr(settings, "AIOFS_URL", None)
            if not url:
                root = settings.MEDIA_ROOT
                if not root:
                    raise ImproperlyConfigured(
                        "AiofsStorage needs a file system: set OPTIONS['url'], the "
                        "AIOFS_URL setting or MEDIA_ROOT"
                    )
                url = f"file://{os.path.abspath(root)}"
            if url.rstrip("/") == "memory:":
                # The sync and async sides must share the store: name it.
                url = f"memory://django-{uuid.uuid4().hex}"
            self._resolved_url = url
        return self._resolved_url

    @property
    def base_url(self) -> str | None:
        value = self._base_url if self._base_url is not None else settings.MEDIA_URL
        if value and not value.endswith("/"):
            value += "/"
        return value or None

    def _make_fs(self) -> FileLikeSystem:
        return aiofs.open_fs(self.url_setting, **self._options)

    # -- the two file systems ---------------------------------------------------------

    @property
    def fs(self) -> FileLikeSystem:
        """The file system of the synchronous API (it lives on the private loop).

        Use it only through coroutines run on that loop; async code should use
        :meth:`afs`.
        """
        if self._sync_fs is None:
            fs = _LOOP.run(_made(self._make_fs))
            if self._sync_fs is None:
                self._sync_fs = fs
                _LOOP.close_at_exit(fs, fs.close)
                weakref.finalize(self, _release, fs).atexit = False
            else:
                _LOOP.submit(fs.close())
        return self._sync_fs

    async def afs(self) -> FileLikeSystem:
        """The file system bound to the running event loop (made on first use)."""
        return await self._per_loop.get()

    def close(self) -> None:
        """Close the sync file system (a later call opens a new one)."""
        fs, self._sync_fs = self._sync_fs, None
        if fs is not None:
            _LOOP.forget(fs)
            _LOOP.run(fs.close())

    async def aclose(self) -> None:
        """Close the running loop's file system (it also closes with its loop)."""
        await self._per_loop.aclose()

    def _run(self, method: str, *args: Any) -> Any:
        fs = self.fs
        return _LOOP.run(getattr(fs, method)(*args))

    # -- names ------------------------------------------------------------------------

    @staticmethod
    def _path(name: str) -> str:
        """The aiofs path of a Django name (``SuspiciousFileOperation`` if it has none)."""
        path = str(name).replace("\\", "/")
        while path.startswith("./"):
            path = path[2:]
        try:
            return check_path(path)
        except ValueError as exc:
            raise SuspiciousFileOperation(str(exc)) from None

    @classmethod
    def _prefix(cls, name: str) -> str:
        path = str(name).replace("\\", "/").strip("/")
        return "" if path in ("", ".") else cls._path(path) + "/"

    def get_alternative_name(self, file_root: str, file_ext: str) -> str:
        if self.file_overwrite:
            return f"{file_root}{file_ext}"
        return super().get_alternative_name(file_root, file_ext)  # type: ignore[no-any-return]

    def is_name_available(self, name: str, max_length: int | None = None) -> bool:
        if max_length and len(name) > max_length:
            return False
        return self.file_overwrite or not self.exists(name)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        for candidate in self._candidates(name, max_length):
            if self.is_name_available(candidate, max_length):
                return candidate
        raise AssertionError("unreachable")  # pragma: no cover

    async def aget_available_name(self, name: str, max_length: int | None = None) -> str:
        """:meth:`get_available_name`, checking names on the running loop."""
        for candidate in self._candidates(name, max_length):
            if max_length and len(candidate) > max_length:
                continue
            if self.file_overwrite or not await self.aexists(candidate):
                return candidate
        raise AssertionError("unreachable")  # pragma: no cover

    def _candidates(self, name: str, max_length: int | None) -> Iterator[str]:
        """Django's ``Storage.get_available_name`` as the names to try, in order."""
        name = str(name).replace("\\", "/")
        dir_name, file_name = os.path.split(name)
        if ".." in pathlib.PurePath(dir_name).parts:
            raise SuspiciousFileOperation(f"Detected path traversal attempt in '{dir_name}'")
        validate_file_name(file_name)
        file_ext = "".join(pathlib.PurePath(file_name).suffixes)
        file_root = file_name.removesuffix(file_ext)
        yield name
        while True:
            name = os.path.join(dir_name, self.get_alternative_name(file_root, file_ext))
            if max_length is not None and len(name) > max_length:
                file_root = file_root[: -(len(name) - max_length)]
                if not file_root:
                    raise SuspiciousFileOperation(
                        f'Storage can not find an available filename for "{name}". Please '
                        'make sure that the corresponding file field allows sufficient "max_length".'
                    )
                name = os.path.join(dir_name, self.get_alternative_name(file_root, file_ext))
            yield name

    # -- the synchronous Storage API --------------------------------------------------

    def _open(self, name: str, mode: str = "rb") -> AiofsFile:
        path = self._path(name)
        fs_mode, binary = aiofs_mode(mode)
        raw = RawFile.open(_LOOP, self.fs.open(path, fs_mode))
        return AiofsFile(raw, name, mode, binary, self)

    def _save(self, name: str, content: Any) -> str:
        while True:
            file = self.fs.open(self._path(name), "w" if self.file_overwrite else "x")
            try:
                raw = RawFile.open(_LOOP, file)
            except FileExistsError:  # taken since get_available_name(): try another name
                name = self.get_available_name(name)
                continue
            try:
                for chunk in _chunks(content):
                    raw.write(chunk)
            except BaseException as exc:
                raw.abort(exc)
                raise
            try:
                raw.close()
            except FileExistsError:  # lost the race at commit (mode x)
                name = self.get_available_name(name)
                continue
            return name

    def delete(self, name: str) -> None:
        if not name:
            raise ValueError("The name must be given to delete().")
        self._run("rm", glob.escape(self._path(name)))

    def exists(self, name: str) -> bool:
        return bool(self._run("exists", self._path(name)))

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = self._prefix(path)
        return _split_listing(prefix, self._run("ls", glob.escape(prefix) + "*"))

    def size(self, name: str) -> int:
        return int(self._run("stat", self._path(name)).size)

    def url(self, name: str) -> str:
        base = self.base_url
        if base is None:
            raise ValueError("This file is not accessible via a URL.")
        url: str | None = filepath_to_uri(name)
        if url is not None:
            url = url.lstrip("/")
        return urljoin(base, url)

    def path(self, name: str) -> str:
        """The real path on the local disk (``NotImplementedError`` on other backends)."""
        root = self._local_root()
        if root is None:
            raise NotImplementedError(f"{self.url_setting.split('://')[0]}:// has no local paths.")
        relative = self._prefix(name).rstrip("/")  # "" is the root itself
        return os.path.join(root, relative) if relative else root

    def _local_root(self) -> str | None:
        from aiofs.os import OsFileSystem

        fs = self.fs
        return fs.root if isinstance(fs, OsFileSystem) else None

    def get_modified_time(self, name: str) -> datetime:
        return _django_time(self._run("stat", self._path(name)).modified)

    def get_created_time(self, name: str) -> datetime:
        return self._os_time(name, "st_ctime", "creation")

    def get_accessed_time(self, name: str) -> datetime:
        return self._os_time(name, "st_atime", "access")

    def _os_time(self, name: str, field: str, what: str) -> datetime:
        root = self._local_root()
        if root is None:
            raise NotImplementedError(f"aiofs stores no {what} times, only modification times.")
        stamp = getattr(os.stat(os.path.join(root, self._path(name))), field)
        return _django_time(datetime.fromtimestamp(stamp).astimezone())

    # -- the async counterparts -------------------------------------------------------

    async def asave(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        """:meth:`save` on the running loop: returns the name actually used."""
        if name is None:
            name = content.name
        if not hasattr(content, "chunks"):
            content = File(content, name)
        validate_file_name(name, allow_relative_path=True)
        name = await self.aget_available_name(name, max_length)
        validate_file_name(name, allow_relative_path=True)
        fs = await self.afs()
        while True:
            try:
                async with fs.open(self._path(name), "w" if self.file_overwrite else "x") as f:
                    async for chunk in _achunks(content):
                        await f.write(chunk)
            except FileExistsError:
                name = await self.aget_available_name(name, max_length)
                continue
            return name

    def aopen(self, name: str, mode: str = "rb") -> AbstractAsyncContextManager[FileLike]:
        """A stored file for ``async with storage.aopen(name) as f`` (binary, as aiofs).

        The file is opened on the running loop when the block is entered.
        """
        fs_mode, _ = aiofs_mode(mode.replace("t", "b") if "t" in mode else mode)
        return _LazyFile(self, self._path(name), fs_mode)

    async def adelete(self, name: str) -> None:
        if not name:
            raise ValueError("The name must be given to delete().")
        await (await self.afs()).rm(glob.escape(self._path(name)))

    async def aexists(self, name: str) -> bool:
        return await (await self.afs()).exists(self._path(name))

    async def alistdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = self._prefix(path)
        return _split_listing(prefix, await (await self.afs()).ls(glob.escape(prefix) + "*"))

    async def asize(self, name: str) -> int:
        return (await (await self.afs()).stat(self._path(name))).size

    async def aget_modified_time(self, name: str) -> datetime:
        return _django_time((await (await self.afs()).stat(self._path(name))).modified)


class _LazyFile:
    """``aopen``'s result: the file of the running loop's file system, opened on enter."""

    def __init__(self, storage: AiofsStorage, path: str, mode: str) -> None:
        self._storage, self.name, self.mode = storage, path, mode
        self._file: FileLike | None = None

    async def __aenter__(self) -> FileLike:
        fs = await self._storage.afs()
        self._file = fs.open(self.name, self.mode)
        return await self._file.__aenter__()

    async def __aexit__(self, *exc_info: Any) -> None:
        if self._file is not None:
            await self._file.__aexit__(*exc_info)

    def __getattr__(self, attr: str) -> Any:
        if self._file is None:
            raise RuntimeError(f"Use {self.name!r} inside 'async with storage.aopen(...)'")
        return getattr(self._file, attr)


async def _made(make: Any) -> FileLikeSystem:
    return make()  # type: ignore[no-any-return]


async def _close(fs: FileLikeSystem) -> None:
    await fs.close()


def _release(fs: FileLikeSystem) -> None:
    _LOOP.forget(fs)
    _LOOP.submit(fs.close())


def _django_time(moment: datetime) -> datetime:
    """Aware UTC with ``USE_TZ``, else naive local time (as ``FileSystemStorage``)."""
    if settings.USE_TZ:
        return moment.astimezone(timezone.utc)
    return moment.astimezone().replace(tzinfo=None)


def _split_listing(prefix: str, names: Iterable[str]) -> tuple[list[str], list[str]]:
    """``listdir``'s (directories, files) directly under ``prefix`` of a flat listing."""
    dirs: set[str] = set()
    files: list[str] = []
    for name in names:
        rest = name[len(prefix) :]
        head, sep, _ = rest.partition("/")
        if sep:
            dirs.add(head)
        else:
            files.append(rest)
    return sorted(dirs), files


def _encoded(chunk: bytes | str) -> bytes:
    return chunk.encode("utf-8") if isinstance(chunk, str) else chunk


def _chunks(content: Any) -> Iterator[bytes]:
    for chunk in content.chunks():
        yield _encoded(chunk)


def _in_memory(content: Any) -> bool:
    return isinstance(getattr(content, "file", content), (io.BytesIO, io.StringIO))


async def _achunks(content: Any) -> AsyncIterator[bytes]:
    """The content's chunks; a file on disk is read in a worker thread, never on the loop."""
    chunks = content.chunks()
    if _in_memory(content):
        for chunk in chunks:
            yield _encoded(chunk)
        return
    done = object()
    while True:
        chunk = await asyncio.to_thread(next, chunks, done)
        if chunk is done:
            return
        yield _encoded(chunk)
