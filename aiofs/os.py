"""Local-disk backend (``file://``), compatible with aiofs 1.0's ``OsFileSystem``.

Decisions:

* Every path is opened by walking its segments from a root directory fd with
  ``O_NOFOLLOW``, so a symlink swapped in mid-operation can never lead outside the root.
  A symlink met on the way is followed only when its real path stays inside the root;
  otherwise ``PermissionError``.
* Commit: the next version is staged in an unnamed file (``O_TMPFILE``) in the target's
  directory and linked in at commit (``linkat``: atomic, never replaces; over an existing
  file, a temp name is linked and ``os.replace``d). Without O_TMPFILE: a temp file in the
  target's own directory, then
  ``os.replace`` (``os.link`` for ``x``: atomic no-replace). With ``fsync=True`` the temp
  file and the directory are fsynced around it.
* Writer exclusion: a non-blocking lock on a file that is never replaced or deleted
  (locking the target itself breaks with ``os.replace``). On Linux it is an
  open-file-description (OFD) lock on one byte, at a 62-bit hash of the path, of one
  shared lock file: flock's semantics (it excludes open file descriptions, so it holds
  between tasks, threads and processes, and the kernel drops it when a holder dies)
  without creating a lock file per path, which costs a file creation per new name and
  leaves one inode behind for every name ever written. Elsewhere, or on a file system
  that refuses OFD locks, ``flock(LOCK_EX | LOCK_NB)`` on a per-path lock file.
* Files aiofs keeps for itself (lock files, temp files) carry a DEL character in their
  name, which no valid aiofs path contains: they never collide with a user's name and
  listings skip them.
* Blocking calls run in the loop's default executor, one hop per whole operation.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import functools
import hashlib
import os
import re
import stat as _stat
import struct
import sys
import threading
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

from . import _errors, _paths
from ._driver import Driver, Reader, WriteMode, Writer
from ._fs import FileSystem
from ._protocol import FileInfo

__all__ = ["OsFileSystem"]

_T = TypeVar("_T")
_RESERVED = ".aiofs\x7f"
_TMP_PREFIX = ".aiofs\x7f"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
_PAGE = 1000
_TMPFILE_FLAGS = os.O_WRONLY | getattr(os, "O_TMPFILE", 0) | os.O_CLOEXEC
#: Stage in an unnamed inode (O_TMPFILE) and link it in at commit: one directory update
#: instead of a create and a rename, and a crashed writer leaves nothing behind. Linking
#: it needs /proc/self/fd (linkat with AT_EMPTY_PATH needs a privilege).
_HAS_TMPFILE = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")
_LOCK_FILE = "locks"
_LOCK_FLAGS = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
#: Open-file-description locks (Linux): flock's semantics on byte ranges of one file.
_HAS_OFD = sys.platform == "linux" and hasattr(fcntl, "F_OFD_SETLK") and struct.calcsize("q") == 8
_MAX_LINK_HOPS = 8


def _info(path: str, st: os.stat_result) -> FileInfo:
    modified = datetime.fromtimestamp(st.st_mtime_ns / 1e9, timezone.utc)
    return FileInfo(path, st.st_size, modified, f"{st.st_ino:x}-{st.st_mtime_ns:x}-{st.st_size:x}")


def _ofd_range(path: str) -> bytes:
    """A ``struct flock`` write-locking the one byte at ``path``'s hash in the lock file."""
    digest = hashlib.blake2b(path.encode(), digest_size=8).digest()
    offset = int.from_bytes(digest, "big") >> 2
    return struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, offset, 1, 0)


#: What a name read from a directory may hold that no valid path does (control characters,
#: DEL in aiofs's own files, backslash, lone surrogates of undecodable bytes).
_UNLISTED = re.compile(r"[\x00-\x1f\x7f\\\ud800-\udfff]")


def _short_and_valid(path: str) -> bool:
    """The quick check for a listed path that passed ``_UNLISTED``: a directory walk never
    yields empty, ``.`` or ``..`` segments, so only the byte limits remain, which a short
    path cannot break (4 UTF-8 bytes a character at most; ASCII: 1)."""
    n = len(path)
    return n <= 63 or (n <= 255 and path.isascii())


def _tmp_name() -> str:
    return f"{_TMP_PREFIX}{os.urandom(8).hex()}.tmp"


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _close_first(owned: tuple[int, Any]) -> None:
    _close(owned[0])


def _release_when_done(release: Callable[[_T], None], done: asyncio.Future[_T]) -> None:
    if not done.cancelled() and done.exception() is None:
        release(done.result())


class _Root:
    """The root directory and the fd-relative walks that keep every access inside it."""

    def __init__(self, root: str, where: str) -> None:
        self.root = root
        self.where = where
        self._fd = -1
        self._real = ""
        self._locks_fd = -1
        self._ofd = _HAS_OFD
        self.tmpfile = _HAS_TMPFILE
        # First uses race in executor threads: one opens the fds, the others wait
        # (without it, each would open its own and all but one would leak).
        self._opening = threading.Lock()

    def fd(self) -> int:
        if self._fd < 0:
            with self._opening:
                if self._fd < 0:
                    os.makedirs(self.root, exist_ok=True)
                    fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
                    self._real = os.path.realpath(self.root)
                    self._fd = fd
        return self._fd

    def _locks_dir(self) -> int:
        if self._locks_fd < 0:
            root = self.fd()
            with self._opening:
                if self._locks_fd < 0:
                    try:
                        os.mkdir(_RESERVED, dir_fd=root)
                    except FileExistsError:
                        pass
                    self._locks_fd = os.open(_RESERVED, _DIR_FLAGS, dir_fd=root)
        return self._locks_fd

    def close(self) -> None:
        for fd in (self._locks_fd, self._fd):
            if fd >= 0:
                _close(fd)
        self._fd = self._locks_fd = -1

    def _resolve(self, path: str, segments: list[str]) -> list[str]:
        """Segments of the real path of ``segments`` if it is inside the root."""
        for attempt in range(_MAX_LINK_HOPS):
            try:
                real = os.path.realpath(os.path.join(self._real, *segments))
                break
            except OSError as exc:
                # realpath races a symlink swapped for a directory (lstat says link, then
                # readlink fails with EINVAL): resolve again; refuse if it keeps changing.
                if attempt == _MAX_LINK_HOPS - 1:
                    raise _errors.outside(path, self.where) from exc
        if os.path.commonpath([real, self._real]) != self._real:
            raise _errors.outside(path, self.where)
        rel = os.path.relpath(real, self._real)
        return [] if rel == "." else rel.split(os.sep)

    def open_dir(self, path: str, segments: list[str], create: bool) -> int:
        """An fd of the directory ``segments`` (relative to the root), never outside it.

        Raises ``FileNotFoundError``/``NotADirectoryError`` as the walk finds them.
        """
        for _ in range(_MAX_LINK_HOPS):
            root = self.fd()
            fd = root  # borrowed, never closed here, until the first segment is open
            try:
                for i, segment in enumerate(segments):
                    try:
                        nfd = os.open(segment, _DIR_FLAGS, dir_fd=fd)
                    except FileNotFoundError:
                        if not create:
                            raise
                        try:
                            os.mkdir(segment, dir_fd=fd)
                            nfd = os.open(segment, _DIR_FLAGS, dir_fd=fd)
                        except FileExistsError:
                            nfd = os.open(segment, _DIR_FLAGS, dir_fd=fd)
                        except FileNotFoundError:
                            # an rm pruned this directory or its parent under us: walk again
                            raise _Relink from None
                    except (NotADirectoryError, OSError) as exc:
                        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                            raise
                        st = os.stat(segment, dir_fd=fd, follow_symlinks=False)
                        if not _stat.S_ISLNK(st.st_mode):
                            raise NotADirectoryError(
                                errno.ENOTDIR,
                                f"A file stands where a directory is needed ({self.where})",
                                path,
                            ) from exc
                        resolved = self._resolve(path, segments[: i + 1])
                        segments = resolved + segments[i + 1 :]
                        raise _Relink from None
                    if fd != root:
                        os.close(fd)
                    fd = nfd
                return fd if fd != root else os.dup(root)
            except _Relink:
                if fd != root:
                    os.close(fd)
                continue
            except BaseException:
                if fd != root:
                    os.close(fd)
                raise
        raise _errors.outside(path, self.where)

    def parent(self, path: str, create: bool = False) -> tuple[int, str]:
        *dirs, name = path.split("/")
        return self.open_dir(path, dirs, create), name

    def open_file(self, path: str) -> tuple[int, os.stat_result]:
        """A read-only fd of the regular file at ``path`` and its stat."""
        try:
            dfd, name = self.parent(path)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise _errors.not_found(path, self.where) from exc
        try:
            for _ in range(_MAX_LINK_HOPS):
                try:
                    fd = os.open(name, _READ_FLAGS, dir_fd=dfd)
                    break
                except FileNotFoundError as exc:
                    raise _errors.not_found(path, self.where) from exc
                except OSError as exc:
                    if exc.errno != errno.ELOOP:
                        raise
                    segments = self._resolve(path, [*path.split("/")])
                    if not segments:
                        raise _errors.not_found(path, self.where) from exc
                    os.close(dfd)
                    dfd = self.open_dir(path, segments[:-1], False)
                    name = segments[-1]
            else:
                raise _errors.outside(path, self.where)
        finally:
            os.close(dfd)
        st = os.fstat(fd)
        if not _stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise _errors.not_found(path, self.where)
        return fd, st

    def prune(self, path: str) -> None:
        """Remove directories left empty: they exist only as prefixes of names."""
        dirs = path.split("/")[:-1]
        while dirs:
            try:
                dfd = self.open_dir(path, dirs[:-1], False)
            except OSError:
                return
            try:
                os.rmdir(dirs[-1], dir_fd=dfd)
            except OSError:
                return
            finally:
                os.close(dfd)
            dirs.pop()

    def lock(self, path: str) -> int:
        """Take ``path``'s writer lock; the fd holds it until it is closed."""
        locks = self._locks_dir()
        if self._ofd:
            fd = os.open(_LOCK_FILE, _LOCK_FLAGS, 0o644, dir_fd=locks)
            try:
                fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _ofd_range(path))
                return fd
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    raise _errors.busy(path, self.where) from exc
                if exc.errno not in (errno.EINVAL, errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP):
                    raise
                self._ofd = False  # a file system without OFD locks: one file per path
        name = hashlib.sha256(path.encode()).hexdigest()[:40]
        fd = os.open(name, _LOCK_FLAGS, 0o644, dir_fd=locks)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise _errors.busy(path, self.where) from exc
        return fd


class _Relink(Exception):
    """Restart a walk from the root with a symlink resolved."""


class _LocalReader(Reader):
    def __init__(self, driver: _LocalDriver, path: str, fd: int, st: os.stat_result) -> None:
        self._driver, self._fd = driver, fd
        self.info = _info(path, st)

    async def read(self, offset: int, size: int) -> bytes:
        # Not shielded like _run: a read takes nothing that a cancellation could leak.
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, os.pread, self._fd, size, offset)

    async def close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)


class _SyncWriter:
    """Temp file + lock of one next version; all methods block (run in a thread)."""

    def __init__(
        self, root: _Root, path: str, mode: WriteMode, fsync: bool, early: bool = True
    ) -> None:
        self.root, self.path, self.mode, self.fsync = root, path, mode, fsync
        # early=False: a one-shot write, whose enter is its commit, so what stands in the
        # way may raise at commit.
        self.early = early
        self.size = 0
        self.lock_fd = root.lock(path)
        self.dir_fd = self.fd = -1
        self.tmp = ""
        self.anon = False  # self.fd is an unnamed O_TMPFILE inode, linked in at commit
        try:
            for attempt in range(_MAX_LINK_HOPS):
                try:
                    exists = self._start()
                    break
                except FileNotFoundError:
                    # A concurrent rm pruned the (empty) directory between the walk and the
                    # temp file: walk again. r+ on a missing file raises from _start itself.
                    if mode == "r+" or attempt == _MAX_LINK_HOPS - 1:
                        raise
                    _close(self.dir_fd)
                    self.dir_fd = -1
            if mode == "a" and exists:
                self._append_old()
        except BaseException:
            self.abort()
            raise

    def _start(self) -> bool:
        """Open the directory and the temp file; whether the target exists."""
        root, path, mode = self.root, self.path, self.mode
        try:
            self.dir_fd, self.name = root.parent(path, create=mode != "r+")
        except (FileNotFoundError, NotADirectoryError) as exc:
            if mode == "r+":
                raise _errors.not_found(path, root.where) from exc
            raise
        # A one-shot "w" over O_TMPFILE skips the stat: its link (below) meets anything
        # in the way (EEXIST) and only then looks, with the same checks.
        kind = self._kind() if self.early or mode != "w" or not root.tmpfile else ""
        if kind == "dir" and mode != "r+":
            raise _errors.is_a_directory(path, root.where)
        if mode == "x" and kind == "file":
            raise _errors.exists(path, root.where)
        if mode == "r+" and kind != "file":
            raise _errors.not_found(path, root.where)
        if root.tmpfile:
            try:
                self.fd = os.open(".", _TMPFILE_FLAGS, 0o666, dir_fd=self.dir_fd)
                self.anon = True
                return kind == "file"
            except OSError as exc:
                if exc.errno == errno.EPERM and os.fstat(self.dir_fd).st_nlink == 0:
                    # The directory was pruned by a concurrent rm: walk again.
                    raise FileNotFoundError(errno.ENOENT, "Directory removed", path) from exc
                if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                    raise
                root.tmpfile = False  # this file system has no O_TMPFILE
        tmp = _tmp_name()
        self.fd = os.open(
            tmp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
            0o666,
            dir_fd=self.dir_fd,
        )
        self.tmp = tmp
        return kind == "file"

    def _kind(self) -> str:
        """``"file"``, ``"dir"`` or ``""`` (missing) for the target's name.

        A symlink there is replaced, never written through; one that leads outside the
        root still makes the path outside (``PermissionError``), as for a reader.
        """
        try:
            st = os.stat(self.name, dir_fd=self.dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return ""
        if _stat.S_ISLNK(st.st_mode):
            self.root._resolve(self.path, self.path.split("/"))
        return "dir" if _stat.S_ISDIR(st.st_mode) else "file"

    def _append_old(self) -> None:
        src, _ = self.root.open_file(self.path)
        try:
            while True:
                copied = os.copy_file_range(src, self.fd, 1 << 30)
                if not copied:
                    break
                self.size += copied
        finally:
            os.close(src)

    def write(self, data: bytes) -> None:
        _write_all(self.fd, data)
        self.size += len(data)

    def commit(self, tail: bytes) -> None:
        try:
            if tail:
                self.write(tail)
            if self.fsync:
                os.fsync(self.fd)
            if self.anon:
                self._link()
            else:
                self._rename()
            if self.fsync:
                os.fsync(self.dir_fd)
        finally:
            self.abort()

    def _link(self) -> None:
        """Give the unnamed inode its name: ``linkat`` creates (atomic, never replaces);
        over an existing file, link a temp name and ``os.replace`` it."""
        source = f"/proc/self/fd/{self.fd}"
        for attempt in range(_MAX_LINK_HOPS):
            try:
                try:
                    os.link(source, self.name, dst_dir_fd=self.dir_fd, follow_symlinks=True)
                except FileExistsError as exc:
                    kind = self._kind()
                    if kind == "dir":
                        raise _errors.is_a_directory(self.path, self.root.where) from exc
                    if self.mode == "x":
                        raise _errors.exists(self.path, self.root.where) from exc
                    tmp = _tmp_name()
                    os.link(source, tmp, dst_dir_fd=self.dir_fd, follow_symlinks=True)
                    self.tmp = tmp
                    try:
                        os.replace(tmp, self.name, src_dir_fd=self.dir_fd, dst_dir_fd=self.dir_fd)
                    except IsADirectoryError as exc2:
                        raise _errors.is_a_directory(self.path, self.root.where) from exc2
                    self.tmp = ""
                self.anon = False
                return
            except FileNotFoundError:
                # An unnamed file does not keep its directory alive: a concurrent rm may
                # have pruned it (empty) meanwhile. Walk again, recreating it.
                if attempt == _MAX_LINK_HOPS - 1:
                    raise
                self.tmp = ""
                _close(self.dir_fd)
                self.dir_fd = -1
                self.dir_fd, self.name = self.root.parent(self.path, create=True)

    def _rename(self) -> None:
        """Give the named temp file the final name (os.link for ``x``: no replace)."""
        os.close(self.fd)
        self.fd = -1
        if self.mode == "x":
            try:
                os.link(
                    self.tmp,
                    self.name,
                    src_dir_fd=self.dir_fd,
                    dst_dir_fd=self.dir_fd,
                    follow_symlinks=False,
                )
            except FileExistsError as exc:
                if self._kind() == "dir":
                    raise _errors.is_a_directory(self.path, self.root.where) from exc
                raise _errors.exists(self.path, self.root.where) from exc
            os.unlink(self.tmp, dir_fd=self.dir_fd)
        else:
            try:
                os.replace(self.tmp, self.name, src_dir_fd=self.dir_fd, dst_dir_fd=self.dir_fd)
            except IsADirectoryError as exc:
                raise _errors.is_a_directory(self.path, self.root.where) from exc
        self.tmp = ""

    def abort(self) -> None:
        if self.fd >= 0:
            _close(self.fd)
            self.fd = -1
        anon, self.anon = self.anon, False
        if self.dir_fd >= 0:
            staged = self.tmp
            if staged:
                self.tmp = ""
                try:
                    os.unlink(staged, dir_fd=self.dir_fd)
                except OSError:
                    pass
            _close(self.dir_fd)
            self.dir_fd = -1
            if staged or anon:
                # Not committed: drop the directories this writer may have created, so an
                # aborted write leaves no trace (a stray directory 'a' would refuse file 'a').
                self.root.prune(self.path)
        if self.lock_fd >= 0:
            _close(self.lock_fd)
            self.lock_fd = -1


class _LocalWriter(Writer):
    def __init__(self, driver: _LocalDriver, sync: _SyncWriter) -> None:
        self._driver, self._sync = driver, sync
        self.size = sync.size

    async def write(self, data: bytes) -> None:
        await self._driver._run(self._sync.write, data)
        self.size = self._sync.size

    async def commit(self, tail: bytes) -> None:
        await self._driver._run(self._sync.commit, tail)

    async def abort(self) -> None:
        await self._driver._run(self._sync.abort)


async def _settle(fut: asyncio.Future[Any]) -> None:
    """Wait for a thread's call to end, whatever cancellations arrive meanwhile."""
    while not fut.done():
        try:
            await asyncio.wait([fut])
        except asyncio.CancelledError:
            continue
    if not fut.cancelled():
        fut.exception()  # retrieved: the caller was cancelled, the error is moot


class _LocalDriver(Driver):
    #: Like io.BufferedReader's buffer: a random 4 KiB read costs an 8 KiB pread, not 64.
    min_readahead = 8 << 10

    def __init__(self, root: str, fsync: bool) -> None:
        self.where = f"file://{root}"
        self._root = _Root(root, self.where)
        self._fsync = fsync

    async def _run(self, func: Callable[..., _T], *args: Any) -> _T:
        # Shielded: a call handed to a thread runs to its end even if the caller is
        # cancelled, so a commit or abort is never dropped from the executor's queue
        # (which would leave its lock held). The cancellation propagates only once the
        # thread is done: a cancelled write_bytes must not still hold its lock when the
        # next operation starts, and a writer's abort must not close the fd a cancelled
        # write is still using.
        fut = asyncio.get_running_loop().run_in_executor(None, func, *args)
        try:
            return await asyncio.shield(fut)
        except asyncio.CancelledError:
            await _settle(fut)
            raise

    async def _run_owned(
        self, func: Callable[..., _T], release: Callable[[_T], None], *args: Any
    ) -> _T:
        """:meth:`_run` for a call that takes a resource (a lock, an fd).

        If the caller is cancelled meanwhile, the call is awaited to its end and what it
        took is released before the cancellation propagates.
        """
        fut = asyncio.get_running_loop().run_in_executor(None, func, *args)
        try:
            return await asyncio.shield(fut)
        except asyncio.CancelledError:
            try:
                owned = await asyncio.shield(fut)
            except asyncio.CancelledError:
                fut.add_done_callback(functools.partial(_release_when_done, release))
                raise
            except Exception:
                pass  # it took nothing
            else:
                await self._run(release, owned)
            raise

    async def stat(self, path: str) -> FileInfo:
        return await self._run(self._stat, path)

    def _stat(self, path: str) -> FileInfo:
        fd, st = self._root.open_file(path)
        os.close(fd)
        return _info(path, st)

    async def open_reader(self, path: str) -> Reader:
        fd, st = await self._run_owned(self._root.open_file, _close_first, path)
        return _LocalReader(self, path, fd, st)

    async def read_bytes(self, path: str) -> bytes:
        return await self._run(self._read_whole, path)

    def _read_whole(self, path: str) -> bytes:
        fd, st = self._root.open_file(path)
        try:
            chunks = []
            size = st.st_size
            while True:
                chunk = os.read(fd, max(size, 1 << 16))
                if not chunk:
                    break
                chunks.append(chunk)
                size = 1 << 16
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        finally:
            os.close(fd)

    async def open_writer(self, path: str, mode: WriteMode) -> Writer:
        sync = await self._run_owned(
            _SyncWriter, _SyncWriter.abort, self._root, path, mode, self._fsync
        )
        return _LocalWriter(self, sync)

    async def write_bytes(self, path: str, data: bytes) -> None:
        await self._run(self._write_whole, path, data)

    def _write_whole(self, path: str, data: bytes) -> None:
        _SyncWriter(self._root, path, "w", self._fsync, early=False).commit(data)

    async def list(self, prefix: str) -> AsyncIterator[Sequence[str]]:
        pages = self._walk(prefix)
        try:
            while True:
                page = await self._run(next, pages, None)
                if page is None:
                    return
                yield page
        finally:
            await self._run(pages.close)

    def _walk(self, prefix: str) -> Generator[Sequence[str], None, None]:
        """Pages of the files under ``prefix``, by ``scandir`` on directory fds.

        Directory symlinks are not descended (no loops, no duplicates, nothing outside);
        a file symlink is listed only if it leads to a file inside the root.
        """
        base, _, start = prefix.rpartition("/")
        try:
            top = self._root.open_dir(prefix, base.split("/") if base else [], False)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return
        page: list[str] = []
        stack = [(top, f"{base}/" if base else "", start)]
        try:
            while stack:
                dfd, lead, start = stack.pop()
                try:
                    with os.scandir(dfd) as entries:
                        for entry in entries:
                            name = entry.name
                            # Our own files and names no valid path has are skipped.
                            if not name.startswith(start) or _UNLISTED.search(name):
                                continue
                            path = lead + name
                            if entry.is_dir(follow_symlinks=False):
                                try:
                                    sub = os.open(name, _DIR_FLAGS, dir_fd=dfd)
                                except OSError:
                                    continue
                                stack.append((sub, f"{path}/", ""))
                            elif not (_short_and_valid(path) or _paths.is_valid_path(path)):
                                continue
                            elif entry.is_file(follow_symlinks=False) or (
                                entry.is_symlink() and self._inside_file(path)
                            ):
                                page.append(path)
                                if len(page) >= _PAGE:
                                    yield page
                                    page = []
                finally:
                    os.close(dfd)
            if page:
                yield page
        finally:
            for dfd, _, _ in stack:
                os.close(dfd)

    def _inside_file(self, path: str) -> bool:
        """Whether the symlink ``path`` leads to a regular file inside the root."""
        try:
            fd, _ = self._root.open_file(path)
        except OSError:
            return False
        os.close(fd)
        return True

    async def delete(self, paths: Sequence[str]) -> int:
        return await self._run(self._delete, paths)

    def _delete(self, paths: Sequence[str]) -> int:
        removed = 0
        for path in paths:
            try:
                dfd, name = self._root.parent(path)
            except (FileNotFoundError, NotADirectoryError):
                continue
            try:
                st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
                if _stat.S_ISDIR(st.st_mode):
                    continue
                os.unlink(name, dir_fd=dfd)
                removed += 1
            except FileNotFoundError:
                continue
            finally:
                os.close(dfd)
            self._prune(path)
        return removed

    def _prune(self, path: str) -> None:
        self._root.prune(path)

    async def copy(self, src: str, dst: str) -> None:
        await self._run(self._copy, src, dst)

    def _copy(self, src: str, dst: str) -> None:
        fd, st = self._root.open_file(src)
        try:
            writer = _SyncWriter(self._root, dst, "w", self._fsync)
            try:
                left = st.st_size
                while left > 0:
                    copied = os.copy_file_range(fd, writer.fd, left)
                    if not copied:
                        break
                    left -= copied
            except BaseException:
                writer.abort()
                raise
            writer.commit(b"")
        finally:
            os.close(fd)

    async def move(self, src: str, dst: str) -> None:
        await self._run(self._move, src, dst)

    def _source(self, src: str) -> tuple[int, str]:
        """The directory fd and name of the regular file ``src`` (one walk, one lstat)."""
        try:
            sdir, sname = self._root.parent(src)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise _errors.not_found(src, self.where) from exc
        try:
            st = os.stat(sname, dir_fd=sdir, follow_symlinks=False)
            if _stat.S_ISLNK(st.st_mode):  # rare: let open_file vet where it leads
                fd, _ = self._root.open_file(src)
                os.close(fd)
            elif not _stat.S_ISREG(st.st_mode):
                raise _errors.not_found(src, self.where)
        except FileNotFoundError as exc:
            os.close(sdir)
            raise _errors.not_found(src, self.where) from exc
        except BaseException:
            os.close(sdir)
            raise
        return sdir, sname

    def _move(self, src: str, dst: str) -> None:
        src_lock = self._root.lock(src)
        try:
            dst_lock = self._root.lock(dst)
            try:
                sdir, sname = self._source(src)
                try:
                    ddir, dname = self._root.parent(dst, create=True)
                    try:
                        try:
                            os.replace(sname, dname, src_dir_fd=sdir, dst_dir_fd=ddir)
                        except OSError as exc:  # ENOTEMPTY: dst is a directory above src
                            if exc.errno not in (errno.EISDIR, errno.ENOTEMPTY, errno.EEXIST):
                                raise
                            raise _errors.is_a_directory(dst, self._root.where) from exc
                        if self._fsync:
                            os.fsync(ddir)
                    finally:
                        os.close(ddir)
                finally:
                    os.close(sdir)
                self._prune(src)
            finally:
                os.close(dst_lock)
        finally:
            os.close(src_lock)

    async def close(self) -> None:
        self._root.close()


class OsFileSystem(FileSystem):
    """Files on the local disk, under one root directory.

    Args:
        template: aiofs 1.0's way to name the root: ``"/srv/data/{}"`` stores ``a/b`` at
            ``/srv/data/a/b``. The directory is created on first use if missing.
        fsync: fsync each committed file and its directory (durable across power loss).
    """

    def __init__(self, template: str = "/{}", *, fsync: bool = False) -> None:
        if (
            not isinstance(template, str)
            or not template.endswith("{}")
            or template.count("{}") != 1
        ):
            raise ValueError(
                f"Invalid template {template!r}: it must end with '{{}}', e.g. '/srv/data/{{}}'"
            )
        root = template[:-2]
        if root and not root.endswith("/"):
            raise ValueError(
                f"Invalid template {template!r}: '{{}}' must follow a '/', e.g. '/srv/data/{{}}'"
            )
        self._template = template
        super().__init__(_LocalDriver(os.path.abspath(root or "."), fsync))

    @property
    def template(self) -> str:
        """The aiofs 1.0 template: the root directory followed by ``{}``."""
        return self._template

    @property
    def root(self) -> str:
        """The absolute root directory."""
        return self._driver._root.root  # type: ignore[attr-defined,no-any-return]


def _from_url(url: str, **options: Any) -> OsFileSystem:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    root = unquote(parts.netloc + parts.path)
    if not root:
        raise ValueError(f"Invalid URL {url!r}: name a folder, e.g. file:///srv/data")
    fsync = options.pop("fsync", False)
    if isinstance(fsync, str):
        fsync = fsync.lower() in ("1", "true", "yes", "on")
    if options:
        raise ValueError(f"Unknown option(s) for file://: {', '.join(sorted(options))}")
    root = os.path.abspath(root)
    return OsFileSystem(root.rstrip("/") + "/{}", fsync=bool(fsync))
