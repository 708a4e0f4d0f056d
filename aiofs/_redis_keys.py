"""The Redis key layout: where a path's data and its sidecar keys live.

aiofs 1.0 stored a file under its ``file_pattern`` with the path's ``/`` mapped to ``:``
(pattern ``app:*``, path ``a/b.txt`` -> key ``app:a:b.txt``). That data key is kept
byte for byte, so 1.0 data reads unchanged. To make the mapping reversible, four
characters of a name are escaped first: ``%`` -> ``%25``, ``:`` -> ``%3A``, ``{`` ->
``%7B``, ``}`` -> ``%7D`` (so ``a:b/c`` is ``app:a%3Ab:c``).

Every other key of a file is a sidecar ``<head>{<data key>}:<kind>``, where ``<head>`` is
the pattern's text before ``*``:

===================  ========================================================
``…:meta``           hash: ``e`` etag (the committing writer's token), ``s`` size,
                     ``t`` modified (ms since the epoch, the committing client's clock)
``…:lock``           the writer lock: a random token, ``PX`` time to live
``…:stage:<token>``  the next version being written (expires with the lock)
``…:done:<token>``   a commit receipt, so a retried commit is recognised
===================  ========================================================

Why this shape: a data key never contains ``{`` or ``}`` (they are escaped), so

* a sidecar can never equal a user's data key, and decoding rejects it in listings;
* the sidecar's hash tag is the whole data key, whose own slot (no tag) is the same: in
  Redis Cluster all keys of one file share one hash slot, so the Lua scripts, ``RENAME``
  and ``COPY`` that touch them work;
* sidecars start with ``<head>``, so an ACL such as ``~app:*`` covers them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import _paths

__all__ = ["FileKeys", "KeyLayout"]

_ESCAPES = {"%": "%25", ":": "%3A", "{": "%7B", "}": "%7D"}
_ESCAPE_RE = re.compile(r"[%:{}]")
_UNESCAPE_RE = re.compile(r"%(25|3A|7B|7D)")
_UNESCAPES = {"25": "%", "3A": ":", "7B": "{", "7D": "}"}
_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


def encode_path(path: str) -> str:
    """The key text of ``path``: escapes, then ``/`` -> ``:``."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], path).replace("/", ":")


def decode_path(text: str) -> str | None:
    """The path whose :func:`encode_path` is ``text``, or ``None`` if there is none."""
    if "{" in text or "}" in text:
        return None
    path = "/".join(
        _UNESCAPE_RE.sub(lambda m: _UNESCAPES[m.group(1)], seg) for seg in text.split(":")
    )
    if not _paths.is_valid_path(path) or encode_path(path) != text:
        return None
    return path


def glob_escape(text: str) -> str:
    """``text`` as a literal inside a Redis ``MATCH`` pattern."""
    return _GLOB_SPECIAL.sub(r"\\\1", text)


@dataclass(frozen=True, slots=True)
class FileKeys:
    """The keys of one file (all in one cluster hash slot)."""

    data: str
    meta: str
    lock: str
    side: str  # prefix of the per-token keys

    def stage(self, token: str) -> str:
        return f"{self.side}stage:{token}"

    def done(self, token: str) -> str:
        return f"{self.side}done:{token}"


class KeyLayout:
    """Maps paths to keys inside a ``file_pattern`` such as ``app:*`` (one ``*``)."""

    def __init__(self, file_pattern: str) -> None:
        if not isinstance(file_pattern, str) or file_pattern.count("*") != 1:
            raise ValueError(
                f"Invalid file_pattern {file_pattern!r}: it needs exactly one '*' "
                "where the path goes (e.g. 'app:*')"
            )
        if "{" in file_pattern or "}" in file_pattern:
            raise ValueError(
                f"Invalid file_pattern {file_pattern!r}: '{{' and '}}' are reserved "
                "(Redis Cluster hash tags)"
            )
        self.pattern = file_pattern
        self.head, _, self.tail = file_pattern.partition("*")

    def data_key(self, path: str) -> str:
        return f"{self.head}{encode_path(path)}{self.tail}"

    def keys(self, path: str) -> FileKeys:
        data = self.data_key(path)
        side = f"{self.head}{{{data}}}:"
        return FileKeys(data, side + "meta", side + "lock", side)

    def match(self, prefix: str) -> str:
        """The ``MATCH`` pattern for data keys whose path starts with ``prefix``.

        Only the escaped literal prefix is sent; with an empty prefix ``[^{]`` keeps
        sidecars (``<head>{…``) out of the reply.
        """
        head = glob_escape(self.head)
        if not prefix:
            return f"{head}[^{{]*"
        return f"{head}{glob_escape(encode_path(prefix))}*"

    def path_of(self, key: str) -> str | None:
        """The path stored at data key ``key``, or ``None`` for any other key."""
        head, tail = self.head, self.tail
        if not key.startswith(head) or not key.endswith(tail):
            return None
        if len(key) < len(head) + len(tail) + 1:
            return None
        return decode_path(key[len(head) : len(key) - len(tail)])
