"""The framework-neutral HTTP rules (aiofs.integrations._http) that every web integration shares."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from aiofs.integrations import _http

import aiofs
from aiofs import FileInfo

WHEN = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=timezone.utc)
INFO = FileInfo("docs/report.pdf", 1000, WHEN, "abc")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-499", (0, 500)),
        ("bytes=500-", (500, 1000)),
        ("bytes=-200", (800, 1000)),
        ("bytes=-5000", (0, 1000)),
        ("bytes=990-2000", (990, 1000)),
        (" bytes = 1 - 2 ", (1, 3)),
        ("bytes=0-0,2000-3000", (0, 1)),  # one satisfiable range among unsatisfiable ones
        ("bytes=0-1,5-6", None),  # several ranges: send everything
        ("bytes=5-1", None),
        ("bytes=x-1", None),
        ("bytes=1", None),
        ("bytes=٣-٤", None),  # non-ASCII digits are no digits here
        ("items=0-1", None),
        ("0-1", None),
    ],
)
def test_parse_range(header, expected):
    """RFC 9110 §14.1.2 byte ranges; ignorable headers give None."""
    assert _http.parse_range(header, 1000) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [("bytes=1000-", 1000), ("bytes=-0", 1000), ("bytes=0-", 0), ("bytes=-5", 0)],
)
def test_unsatisfiable_ranges(header, size):
    """Nothing overlaps (including any range of an empty file): 416."""
    with pytest.raises(_http.RangeNotSatisfiable):
        _http.parse_range(header, size)


@pytest.mark.parametrize(
    ("etag", "expected"),
    [("abc", '"abc"'), ('"0x8DC"', '"0x8DC"'), ('W/"w"', '"w"'), ('a"b', '"ab"')],
)
def test_etag_is_one_quoted_token(etag, expected):
    """Backend etags become one strong, quoted header value."""
    assert _http.etag(dataclasses.replace(INFO, etag=etag)) == expected


def test_http_date_is_imf_fixdate():
    assert _http.http_date(WHEN) == "Wed, 04 Mar 2026 05:06:07 GMT"
    east = WHEN.astimezone(timezone(timedelta(hours=5)))
    assert _http.http_date(east) == "Wed, 04 Mar 2026 05:06:07 GMT"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.txt", 'attachment; filename="a.txt"'),
        ("日本.txt", "attachment; filename=\"__.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt"),
        ("a\r\nb.txt", 'attachment; filename="a  b.txt"'),
        ("back\\slash", "attachment; filename=\"back_slash\"; filename*=UTF-8''back%5Cslash"),
    ],
)
def test_content_disposition(name, expected):
    """RFC 6266 with an RFC 5987 filename*; no character can break the header."""
    assert _http.content_disposition(name) == expected


def test_guess_media_type():
    assert _http.guess_media_type("a/b.pdf") == "application/pdf"
    assert _http.guess_media_type("noext") == "application/octet-stream"


def _plan(method="GET", **headers):
    lowered = {k.replace("_", "-").lower(): v for k, v in headers.items()}
    return _http.plan(method, lowered, INFO)


def test_plan_statuses():
    """The precondition order of RFC 9110 §13.2.2 and the range rules."""
    date = _http.http_date(WHEN)
    older = "Tue, 03 Mar 2026 00:00:00 GMT"
    assert _plan().status == 200 and _plan().body
    assert _plan("HEAD").status == 200 and not _plan("HEAD").body
    assert dict(_plan().headers)["content-type"] == "application/pdf"
    assert _plan(if_none_match='"abc"').status == 304
    assert _plan("POST", if_none_match='"abc"').status == 412
    assert _plan(if_modified_since=date).status == 304
    assert _plan(if_modified_since=older).status == 200
    assert _plan(if_modified_since="garbage").status == 200
    # If-None-Match present: If-Modified-Since is not evaluated
    assert _plan(if_none_match='"other"', if_modified_since=date).status == 200
    assert _plan(if_match='"abc"').status == 200
    assert _plan(if_match='W/"abc"').status == 412  # If-Match compares strongly
    assert _plan(if_match="*").status == 200
    assert _plan(if_unmodified_since=older).status == 412
    assert _plan(if_unmodified_since=date).status == 200
    assert _plan(range="bytes=0-9").status == 206
    assert _plan("HEAD", range="bytes=0-9").status == 206
    assert _plan("POST", range="bytes=0-9").status == 200
    assert _plan(range="bytes=0-9", if_range='"abc"').status == 206
    assert _plan(range="bytes=0-9", if_range=date).status == 206
    assert _plan(range="bytes=0-9", if_range=older).status == 200
    assert _plan(range="bytes=0-9", if_range='W/"abc"').status == 200
    unsatisfiable = _plan(range="bytes=5000-")
    assert unsatisfiable.status == 416 and not unsatisfiable.body
    assert dict(unsatisfiable.headers)["content-range"] == "bytes */1000"


class _Replaced:
    """A file system whose first ``stat`` reports the version before a replacement."""

    def __init__(self, fs: aiofs.FileLikeSystem, stale: FileInfo) -> None:
        self._fs, self._stale = fs, stale

    async def stat(self, path: str) -> FileInfo:
        stale, self._stale = self._stale, None
        return stale or await self._fs.stat(path)

    def open(self, path: str, mode: str = "r"):
        return self._fs.open(path, mode)


async def test_serve_plans_again_when_the_file_changed_before_opening():
    """stat -> replaced -> open: the size differs, so headers and body are one version."""
    async with aiofs.open_fs("memory://") as fs:
        await fs.write_bytes("f.txt", b"old")
        stale = await fs.stat("f.txt")
        await fs.write_bytes("f.txt", b"new, longer")
        async with _http.serve(_Replaced(fs, stale), "f.txt", "GET", {}) as served:  # type: ignore[arg-type]
            body = b"".join([chunk async for chunk in served.body])
        assert body == b"new, longer"
        assert dict(served.plan.headers)["content-length"] == str(len(body))
        assert dict(served.plan.headers)["etag"] == _http.etag(await fs.stat("f.txt"))


async def test_serve_reads_in_bounded_chunks():
    """chunk_size bounds every body piece; a range starts and stops where asked."""
    async with aiofs.open_fs("memory://") as fs:
        data = bytes(range(256)) * 100
        await fs.write_bytes("d", data)
        headers = {"range": "bytes=100-20099"}
        async with _http.serve(fs, "d", "GET", headers, chunk_size=4096) as served:
            chunks = [chunk async for chunk in served.body]
        assert max(map(len, chunks)) == 4096
        assert b"".join(chunks) == data[100:20100]
        with pytest.raises(FileNotFoundError):
            async with _http.serve(fs, "missing", "GET", {}):
                pass
