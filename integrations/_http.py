"""Serving stored files over HTTP, framework-neutral (RFC 9110 conditional and range requests).

The Starlette/FastAPI :class:`~aiofs.integrations.starlette.FileSystemResponse` and the
Django view both build on these pieces, so both answer the same request the same way:

- :func:`plan` decides the status and headers from the request method, the request headers
  and a :class:`~aiofs.FileInfo` (``200``, ``206``, ``304``, ``412`` or ``416``); pure, no I/O.
- :func:`serve` does the I/O around it: ``stat``, :func:`plan`, and (only when a body is
  sent) opening the file, so the body is one pinned version read in bounded chunks.
- :func:`etag`, :func:`http_date`, :func:`guess_media_type`, :func:`content_disposition`
  and :func:`parse_range` are the header helpers they use.

This module imports no web framework. Request headers are passed as any case-insensitive
mapping with ``.get`` (Starlette's ``Headers``, Django's ``request.headers``).
"""

from __future__ import annotations

import dataclasses
import email.utils
import mimetypes
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from urllib.parse import quote

from aiofs import FileInfo, FileLike, FileLikeSystem

__all__ = [
    "CHUNK_SIZE",
    "Plan",
    "RangeNotSatisfiable",
    "Served",
    "content_disposition",
    "etag",
    "guess_media_type",
    "http_date",
    "parse_range",
    "plan",
    "serve",
]

#: Bytes per read and per body message: bounds the memory one download holds.
CHUNK_SIZE = 256 << 10

# A file replaced between ``stat`` and ``open`` is retried this often, then given up.
_ATTEMPTS = 3


class RangeNotSatisfiable(Exception):
    """No requested range overlaps the file (``416``)."""


def guess_media_type(name: str) -> str:
    """The ``Content-Type`` for a file name, ``application/octet-stream`` when unknown."""
    media_type, _ = mimetypes.guess_type(name, strict=False)
    return media_type or "application/octet-stream"


def etag(info: FileInfo) -> str:
    """The strong ``ETag`` header value (quoted) for a stored file's version.

    Backends report etags with or without quotes (Azure quotes them); the result is
    always one quoted token, since the backend etag changes whenever the content does.
    """
    raw = info.etag.strip()
    if raw.startswith("W/"):
        raw = raw[2:]
    raw = raw.strip('"').replace('"', "")
    return f'"{raw}"'


def http_date(moment: datetime) -> str:
    """An IMF-fixdate (``Last-Modified``): ``Wed, 21 Oct 2015 07:28:00 GMT``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return email.utils.format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def _parse_http_date(value: str) -> datetime | None:
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """A ``Content-Disposition`` value naming ``filename`` (RFC 6266, RFC 5987).

    Non-ASCII names get an ASCII ``filename`` fallback and the exact ``filename*``;
    control characters, quotes and backslashes cannot break the header.
    """
    clean = "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in filename)
    fallback = clean.encode("ascii", "replace").decode("ascii").replace("?", "_")
    fallback = fallback.replace("\\", "_").replace('"', "_")
    value = f'{disposition}; filename="{fallback}"'
    if fallback != clean:
        value += f"; filename*=UTF-8''{quote(clean, safe='')}"
    return value


def parse_range(value: str, size: int) -> tuple[int, int] | None:
    """The one byte range ``(start, stop)`` (``stop`` exclusive) that ``value`` asks for.

    Returns ``None`` when the header is to be ignored and the whole file sent: a unit
    other than ``bytes``, a malformed header, or several satisfiable ranges (RFC 9110
    lets a server ignore ``Range``; aiofs sends single ranges only).

    Raises:
        RangeNotSatisfiable: no range overlaps the file (including any range of an
            empty file).
    """
    unit, sep, spec = value.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    found: list[tuple[int, int]] = []
    for part in spec.split(","):
        first, dash, last = part.strip().partition("-")
        first, last = first.strip(), last.strip()
        if not dash or not (_digits(first) or _digits(last)):
            return None
        if (first and not _digits(first)) or (last and not _digits(last)):
            return None
        if not first:  # suffix: the last N bytes
            length = int(last)
            if length > 0 and size > 0:
                found.append((max(0, size - length), size))
            continue
        start = int(first)
        stop = size if not last else int(last) + 1
        if last and stop <= start:
            return None  # "5-3" is invalid syntax: ignore the header
        if start < size:
            found.append((start, min(stop, size)))
    if not found:
        raise RangeNotSatisfiable
    return found[0] if len(found) == 1 else None


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _etags(value: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in value.split(",") if tag.strip()]


def _matches(value: str, current: str) -> bool:
    """``If-Match``/``If-None-Match``: ``*`` or one of the listed tags (weak comparison)."""
    return value.strip() == "*" or current in _etags(value)


def _not_after(value: str, modified: datetime) -> bool | None:
    """Whether ``modified`` is at or before the date in ``value`` (``None``: bad date)."""
    moment = _parse_http_date(value)
    if moment is None:
        return None
    return int(modified.timestamp()) <= int(moment.timestamp())


@dataclasses.dataclass(frozen=True)
class Plan:
    """What to answer: the status, the headers, and which bytes the body holds.

    ``start`` and ``length`` select the body's bytes; ``body`` says whether to send them
    (``False`` for ``HEAD`` and for ``304``/``412``/``416``).
    """

    status: int
    headers: list[tuple[str, str]]
    start: int = 0
    length: int = 0
    body: bool = False


def plan(
    method: str,
    headers: Mapping[str, str],
    info: FileInfo,
    *,
    media_type: str | None = None,
    filename: str | None = None,
    disposition: str = "attachment",
) -> Plan:
    """Decide the answer to ``method`` with request ``headers`` for the stored ``info``.

    Evaluates preconditions in RFC 9110 §13.2.2 order: ``If-Match`` and
    ``If-Unmodified-Since`` (``412``), ``If-None-Match`` and ``If-Modified-Since`` (``304``
    for ``GET``/``HEAD``), then ``Range`` guarded by ``If-Range`` (``206`` or ``416``).
    ``Content-Type`` is ``media_type``, else guessed from ``filename`` or the path.
    """
    method = method.upper()
    tag, modified = etag(info), http_date(info.modified)
    validators = [("etag", tag), ("last-modified", modified)]
    get = method in ("GET", "HEAD")

    if_match = headers.get("if-match")
    if if_match is not None:
        if not _strong_match(if_match, tag):
            return Plan(412, validators)
    else:
        since = headers.get("if-unmodified-since")
        if since is not None and _not_after(since, info.modified) is False:
            return Plan(412, validators)

    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if _matches(if_none_match, tag):
            return Plan(304 if get else 412, validators)
    elif get:
        since = headers.get("if-modified-since")
        if since is not None and _not_after(since, info.modified):
            return Plan(304, validators)

    common = [
        ("content-type", media_type or guess_media_type(filename or info.path)),
        ("accept-ranges", "bytes"),
        *validators,
    ]
    if filename is not None:
        common.append(("content-disposition", content_disposition(filename, disposition)))

    size = info.size
    wanted = headers.get("range") if get else None
    if wanted is not None and _if_range_holds(headers.get("if-range"), tag, info.modified):
        try:
            selected = parse_range(wanted, size)
        except RangeNotSatisfiable:
            return Plan(416, [("content-range", f"bytes */{size}"), *common])
        if selected is not None:
            start, stop = selected
            return Plan(
                206,
                [
                    ("content-range", f"bytes {start}-{stop - 1}/{size}"),
                    ("content-length", str(stop - start)),
                    *common,
                ],
                start,
                stop - start,
                method != "HEAD",
            )
    return Plan(200, [("content-length", str(size)), *common], 0, size, method != "HEAD")


def _strong_match(value: str, current: str) -> bool:
    if value.strip() == "*":
        return True
    return current in [t.strip() for t in value.split(",") if not t.strip().startswith("W/")]


def _if_range_holds(value: str | None, tag: str, modified: datetime) -> bool:
    """``If-Range``: no header, the same strong etag, or exactly the same date."""
    if value is None:
        return True
    value = value.strip()
    if value.startswith(('"', "W/")):
        return value == tag
    moment = _parse_http_date(value)
    return moment is not None and int(moment.timestamp()) == int(modified.timestamp())


@dataclasses.dataclass(frozen=True)
class Served:
    """A :class:`Plan` and its body, streamed from one pinned version of the file."""

    plan: Plan
    body: AsyncIterator[bytes]


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield  # pragma: no cover


async def _chunks(f: FileLike, start: int, length: int, chunk_size: int) -> AsyncIterator[bytes]:
    await f.seek(start)
    remaining = length
    while remaining > 0:
        data = await f.read(min(chunk_size, remaining))
        if not data:
            raise OSError(f"{f.name!r} ended {remaining} bytes early while being sent")
        remaining -= len(data)
        yield data


@asynccontextmanager
async def serve(
    fs: FileLikeSystem,
    path: str,
    method: str,
    headers: Mapping[str, str],
    *,
    media_type: str | None = None,
    filename: str | None = None,
    disposition: str = "attachment",
    chunk_size: int = CHUNK_SIZE,
) -> AsyncIterator[Served]:
    """Stat ``path``, :func:`plan` the answer and, if it has a body, open the file for it.

    Inside the block the file stays open, so ``Served.body`` streams exactly one version,
    ``chunk_size`` bytes at a time. The headers come from a ``stat`` taken just before the
    open; a file replaced in between (seen as a different size) is planned again, so a
    stale pairing can only label a new body with the old etag, which a later conditional
    request corrects.

    Raises:
        FileNotFoundError: ``path`` is missing (``404``).
        ValueError: ``path`` is no valid path, so no file can exist there (``404``).
        PermissionError: the backend refuses the path (``403``).
        BlockingIOError: the file kept changing while being opened.
    """
    for _ in range(_ATTEMPTS):
        info = await fs.stat(path)
        decided = plan(
            method, headers, info, media_type=media_type, filename=filename, disposition=disposition
        )
        if not decided.body:
            yield Served(decided, _nothing())
            return
        async with fs.open(path) as f:
            if await f.seek(0, 2) != info.size:
                continue  # replaced between stat and open: plan again
            yield Served(decided, _chunks(f, decided.start, decided.length, chunk_size))
            return
    raise BlockingIOError(f"{path!r} kept changing while it was being opened for download")
