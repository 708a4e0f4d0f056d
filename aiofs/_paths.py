"""Path and pattern rules (CONTRACT §1), enforced in one place before any I/O.

A path is a ``/``-separated, root-relative name in a flat namespace. Every backend calls
:func:`check_path` first, so the same names are accepted (and the same ``ValueError``
raised) everywhere.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable

MAX_PATH_BYTES = 1024
MAX_SEGMENT_BYTES = 255

_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\\]")
_WILDCARDS = frozenset("*?[")


def check_path(path: object) -> str:
    """Return ``path`` unchanged if it is a valid aiofs path, else raise ``ValueError``."""
    if not isinstance(path, str):
        raise TypeError(f"path must be str, not {type(path).__name__}: {path!r}")
    problem = _path_problem(path)
    if problem:
        raise ValueError(f"Invalid path {path!r}: {problem}")
    return path


@functools.lru_cache(maxsize=4096)
def _path_problem(path: str) -> str:
    if not path:
        return "it is empty"
    if path.startswith("/"):
        return "it starts with '/' (paths are relative to the file system's root)"
    if path.endswith("/"):
        return "it ends with '/'"
    bad = _FORBIDDEN.search(path)
    if bad:
        char = bad.group()
        what = "a backslash" if char == "\\" else f"the control character {char!r}"
        return f"it contains {what}"
    try:
        encoded = path.encode("utf-8")
    except UnicodeEncodeError:
        return "it is not valid Unicode (lone surrogate)"
    if len(encoded) > MAX_PATH_BYTES:
        return f"it is {len(encoded)} UTF-8 bytes long (at most {MAX_PATH_BYTES})"
    for segment in path.split("/"):
        if segment == "":
            return "it has an empty segment ('//')"
        if segment in (".", ".."):
            return f"it has a {segment!r} segment"
        if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
            return f"a segment is longer than {MAX_SEGMENT_BYTES} UTF-8 bytes"
    return ""


def is_valid_path(path: str) -> bool:
    """Whether ``path`` obeys the rules; backends use it to hide their own files."""
    return not _path_problem(path)


def check_mode(mode: object) -> str:
    """Normalise an ``open`` mode to one of ``r``, ``r+``, ``w``, ``a``, ``x``."""
    if not isinstance(mode, str):
        raise TypeError(f"mode must be str, not {type(mode).__name__}")
    normal = _MODES.get(mode.replace("b", "", 1) if mode.count("b") <= 1 else "?")
    if normal is None:
        raise ValueError(
            f"Invalid mode {mode!r}: use 'r', 'r+', 'w', 'a' or 'x' (binary; 'b' is optional)"
        )
    return normal


_MODES = {"r": "r", "r+": "r+", "+r": "r+", "w": "w", "a": "a", "x": "x"}


class Pattern:
    """A glob pattern (fnmatch rules; ``*`` also matches ``/``), split for listing.

    ``prefix`` is the literal text before the first wildcard: the only part a backend
    ever sees. A single-character set such as ``[[]`` (what ``glob.escape`` writes) counts
    as literal text. ``prefix`` is ``None`` when no valid path can match.
    """

    __slots__ = ("literal", "matches", "pattern", "prefix")

    def __init__(self, pattern: object) -> None:
        if not isinstance(pattern, str):
            raise TypeError(f"pattern must be str, not {type(pattern).__name__}")
        if not pattern:
            raise ValueError("Invalid pattern '': it is empty (use '*' to match everything)")
        self.pattern = pattern
        prefix, rest = _split_literal(pattern)
        self.literal: str | None = prefix if not rest else None
        if self.literal is not None:
            check_path(self.literal)
        self.prefix = prefix if _prefix_can_match(prefix) else None
        self.matches: Callable[[str], bool] = (
            (lambda name: name == prefix) if not rest else _matcher(pattern)
        )


@functools.lru_cache(maxsize=256)
def _matcher(pattern: str) -> Callable[[str], bool]:
    regex = re.compile(fnmatch.translate(pattern), re.DOTALL)
    return lambda name: regex.match(name) is not None


def _split_literal(pattern: str) -> tuple[str, str]:
    """Split ``pattern`` into its literal prefix and the rest (from the first wildcard)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char in "*?":
            return "".join(out), pattern[i:]
        if char == "[":
            end = _set_end(pattern, i)
            if end < 0:  # an unclosed '[' is a literal '[' for fnmatch
                out.append(char)
                i += 1
                continue
            body = pattern[i + 1 : end]
            if len(body) == 1 and body != "!":
                out.append(body)
                i = end + 1
                continue
            return "".join(out), pattern[i:]
        out.append(char)
        i += 1
    return "".join(out), ""


def _set_end(pattern: str, start: int) -> int:
    """Index of the ``]`` closing the set opened at ``start``, as fnmatch reads it; -1 if none."""
    j = start + 1
    if j < len(pattern) and pattern[j] == "!":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    end = pattern.find("]", j)
    return end


def _prefix_can_match(prefix: str) -> bool:
    if prefix.startswith("/") or _FORBIDDEN.search(prefix):
        return False
    *dirs, _last = prefix.split("/")
    return all(segment not in ("", ".", "..") for segment in dirs)


def has_wildcard(pattern: str) -> bool:
    return any(char in _WILDCARDS for char in pattern)
