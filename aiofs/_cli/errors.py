"""Exit codes and one-line messages: how a failure reaches a shell user.

======  ===============================================================
code    meaning
======  ===============================================================
0       success
1       any other error (a bug, an unexpected OS error)
2       usage: bad option, invalid path or URL, unknown remote or scheme
3       not found: a missing file or folder
4       permission: refused credentials, a path outside the root
5       unreachable: the backend cannot be reached or timed out
6       conflict: another writer holds the file, the file exists, a
        file stands where a folder is needed
7       a backend's extra is not installed
130     interrupted (Ctrl-C); 143 terminated (SIGTERM)
141     stdout closed early (``aiofs cat big | head``)
======  ===============================================================
"""

from __future__ import annotations

import io

OK = 0
ERROR = 1
USAGE = 2
NOT_FOUND = 3
PERMISSION = 4
UNREACHABLE = 5
CONFLICT = 6
MISSING_EXTRA = 7
BROKEN_PIPE = 141
INTERRUPTED = 130
TERMINATED = 143


class CliError(Exception):
    """A failure the command line detected itself, with the exit code it maps to."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(message)
        self.code = code


def exit_code(exc: BaseException) -> int:
    """The exit code for ``exc`` (the table in this module's docstring)."""
    if isinstance(exc, CliError):
        return exc.code
    if isinstance(exc, io.UnsupportedOperation):  # an OSError and a ValueError: a bug here
        return ERROR
    if isinstance(exc, FileNotFoundError):
        return NOT_FOUND
    if isinstance(exc, PermissionError):
        return PERMISSION
    if isinstance(exc, BrokenPipeError):
        return BROKEN_PIPE
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return UNREACHABLE
    if isinstance(exc, (BlockingIOError, FileExistsError, IsADirectoryError, NotADirectoryError)):
        return CONFLICT
    if isinstance(exc, (ValueError, TypeError)):
        return USAGE
    if isinstance(exc, ImportError):
        return MISSING_EXTRA
    return ERROR


def message(exc: BaseException) -> str:
    """One line naming the file and the problem, without ``[Errno N]`` noise."""
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
        if exc.filename is not None:
            text = f"{exc.filename}: {text}"
    else:
        text = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError) and not str(exc):
        text = "timed out"
    return " ".join(text.split())
