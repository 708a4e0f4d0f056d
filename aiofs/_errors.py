"""Error builders: every backend raises these built-in types (CONTRACT §4).

=====================================================  ==========================
situation                                              raises
=====================================================  ==========================
invalid path, mode, URL scheme or option               ``ValueError``
path leading outside the root; credentials refused     ``PermissionError``
missing file                                           ``FileNotFoundError``
``x`` on an existing file                              ``FileExistsError``
another writer holds the path; lost a write race       ``BlockingIOError``
backend unreachable                                    ``ConnectionError``
backend slower than the configured timeout             ``TimeoutError``
read in a write-only mode, write in ``r``              ``io.UnsupportedOperation``
I/O outside ``async with``, use after ``close()``      ``RuntimeError``
a backend's extra is missing                           ``ImportError``
=====================================================  ==========================

Errors carry the errno triple (``.errno``, ``.strerror``, ``.filename``) like the local
disk's, and their message names the backend (``where``) but never a secret. Each backend
translates its client's exceptions at one seam and chains the original (``raise ... from``).
"""

from __future__ import annotations

import errno
import io


def not_found(path: str, where: str) -> FileNotFoundError:
    return FileNotFoundError(errno.ENOENT, f"No such file ({where})", path)


def exists(path: str, where: str) -> FileExistsError:
    return FileExistsError(errno.EEXIST, f"File exists ({where})", path)


def busy(path: str, where: str, why: str = "another writer holds it") -> BlockingIOError:
    return BlockingIOError(errno.EAGAIN, f"Not committed: {why} ({where})", path)


def is_a_directory(path: str, where: str) -> IsADirectoryError:
    """On a disk, ``path`` is the prefix of other files (CONTRACT §1 portability rule)."""
    return IsADirectoryError(
        errno.EISDIR, f"Other files are stored under this name as a directory ({where})", path
    )


def outside(path: str, where: str) -> PermissionError:
    return PermissionError(errno.EACCES, f"Path leads outside the root ({where})", path)


def unsupported(what: str, mode: str) -> io.UnsupportedOperation:
    return io.UnsupportedOperation(f"{what} is not supported in mode {mode!r}")


def changed(path: str, where: str) -> BlockingIOError:
    """The version a reader pinned was replaced or removed: a clear error, never mixed data."""
    return BlockingIOError(
        errno.ESTALE, f"File was replaced while it was being read ({where})", path
    )


def missing_extra(what: str, extra: str, package: str) -> ImportError:
    return ImportError(f'{what} needs "{package}": pip install "aiofs[{extra}]"')
