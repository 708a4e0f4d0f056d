"""Operations on a file system and the plain-dict model that predicts their outcome.

An operation is a tuple. :func:`run` applies it to a real file system and :class:`Model`
to a ``dict``; both return an :data:`Outcome` (``("ok", value)`` or ``("err", name)``),
so the model test and the differential test compare like with like.
"""

from __future__ import annotations

import fnmatch
from typing import Any

Outcome = tuple[str, Any]

#: On a disk a file and the prefix of another file cannot coexist (CONTRACT §1).
CONFLICT = ("err", "NotADirectoryError|IsADirectoryError")
CONFLICT_TYPES = (NotADirectoryError, IsADirectoryError)


class Boom(Exception):
    """Raised inside a write block: nothing may be committed."""


def _err(exc: type[BaseException]) -> Outcome:
    return ("err", exc.__name__)


async def run(fs, op: tuple) -> Outcome:
    """Apply ``op`` to ``fs``; exceptions become ``("err", type name)``."""
    try:
        return ("ok", await _run(fs, op))
    except CONFLICT_TYPES:
        return CONFLICT
    except Exception as exc:
        return ("err", type(exc).__name__)


async def _run(fs, op: tuple) -> Any:
    kind, *args = op
    if kind == "write":
        path, mode, parts, fail = args
        async with fs.open(path, mode) as f:
            seen = await f.read() if mode == "r+" else None
            for part in parts:
                assert await f.write(part) == len(part)
            if fail:
                raise Boom
        return seen
    if kind == "write_bytes":
        return await fs.write_bytes(*args)
    if kind == "read_bytes":
        return await fs.read_bytes(*args)
    if kind == "read_range":
        path, offset, whence, size = args
        async with fs.open(path) as f:
            await f.read(1)
            at = await f.seek(offset, whence)
            return at, await f.read(size), await f.tell()
    if kind == "lines":
        async with fs.open(args[0]) as f:
            first = await f.readline(args[1])
            return [first, *[line async for line in f]]
    if kind == "ls":
        return await fs.ls(*args)
    if kind == "scan":
        return sorted([(info.path, info.size) async for info in fs.scan(*args)])
    if kind == "rm":
        return await fs.rm(*args)
    if kind == "cp":
        return await fs.cp(*args)
    if kind == "mv":
        return await fs.mv(*args)
    if kind == "stat":
        info = await fs.stat(*args)
        assert info.modified.utcoffset() is not None and info.etag
        return info.path, info.size
    if kind == "exists":
        return await fs.exists(*args)
    raise AssertionError(f"unknown operation {kind}")


def _lines(data: bytes) -> list[bytes]:
    """Lines as binary files split them: after each ``\n`` only (not ``\r``)."""
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


class Model:
    """What the contract says each operation does, over a ``dict`` of path -> bytes.

    ``disk=True`` adds the local disk's portability rule: a file cannot also be the
    prefix (``a`` of ``a/b``) of another file.
    """

    def __init__(self, disk: bool = False) -> None:
        self.files: dict[str, bytes] = {}
        self.disk = disk

    def conflict(self, path: str, others: dict[str, bytes] | None = None) -> bool:
        if not self.disk:
            return False
        keys = self.files if others is None else others
        return any(
            path.startswith(key + "/") or key.startswith(path + "/") for key in keys if key != path
        )

    def apply(self, op: tuple) -> Outcome:
        kind, *args = op
        return getattr(self, f"_{kind}")(*args)

    def _missing(self, path: str) -> bool:
        return path not in self.files

    def _write(self, path: str, mode: str, parts: tuple[bytes, ...], fail: bool) -> Outcome:
        old = self.files.get(path)
        if mode == "x" and old is not None:
            return _err(FileExistsError)
        if mode == "r+" and old is None:
            return _err(FileNotFoundError)
        if self.conflict(path):
            return CONFLICT
        if fail:
            return _err(Boom)
        if mode == "r+" and not parts:
            return ("ok", old)  # an r+ block that never wrote leaves the file as it was
        data = b"".join(parts)
        self.files[path] = (old or b"") + data if mode == "a" else data
        return ("ok", old if mode == "r+" else None)

    def _write_bytes(self, path: str, data: bytes) -> Outcome:
        return self._write(path, "w", (data,), False)

    def _read_bytes(self, path: str) -> Outcome:
        if self._missing(path):
            return _err(FileNotFoundError)
        return ("ok", self.files[path])

    def _read_range(self, path: str, offset: int, whence: int, size: int) -> Outcome:
        if self._missing(path):
            return _err(FileNotFoundError)
        data = self.files[path]
        pos = min(1, len(data))
        target = {0: offset, 1: pos + offset, 2: len(data) + offset}[whence]
        if target < 0:
            return _err(ValueError)
        chunk = data[target:] if size < 0 else data[target : target + size]
        return ("ok", (target, chunk, target + len(chunk)))

    def _lines(self, path: str, limit: int) -> Outcome:
        if self._missing(path):
            return _err(FileNotFoundError)
        data = self.files[path]
        line_end = data.find(b"\n")
        cut = len(data) if line_end < 0 else line_end + 1
        if limit >= 0:
            cut = min(cut, limit)
        return ("ok", [data[:cut], *_lines(data[cut:])])

    def _matches(self, pattern: str) -> list[str]:
        return sorted(name for name in self.files if fnmatch.fnmatchcase(name, pattern))

    def _ls(self, pattern: str) -> Outcome:
        return ("ok", self._matches(pattern))

    def _scan(self, pattern: str) -> Outcome:
        return ("ok", [(name, len(self.files[name])) for name in self._matches(pattern)])

    def _rm(self, pattern: str) -> Outcome:
        names = self._matches(pattern)
        for name in names:
            del self.files[name]
        return ("ok", len(names))

    def _cp(self, src: str, dst: str) -> Outcome:
        if self._missing(src):
            return _err(FileNotFoundError)
        if src != dst:
            if self.conflict(dst):
                return CONFLICT
            self.files[dst] = self.files[src]
        return ("ok", None)

    def _mv(self, src: str, dst: str) -> Outcome:
        if self._missing(src):
            return _err(FileNotFoundError)
        if src != dst:
            if self.conflict(dst):
                return CONFLICT
            self.files[dst] = self.files.pop(src)
        return ("ok", None)

    def _stat(self, path: str) -> Outcome:
        if self._missing(path):
            return _err(FileNotFoundError)
        return ("ok", (path, len(self.files[path])))

    def _exists(self, path: str) -> Outcome:
        return ("ok", path in self.files)
