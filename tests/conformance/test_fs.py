"""CONTRACT §3: the file system calls."""

from __future__ import annotations

import asyncio
import fnmatch
import glob
from datetime import timedelta, timezone

import pytest

import aiofs

from ._util import put

TREE = [
    "a.txt",
    "a/b.txt",
    "a/b/c.txt",
    "a/bc.txt",
    "ab.txt",
    "b[1]",
    "b1",
    "bx",
    "c*d",
    "cxd",
    "deep/er/still/file.csv",
    "deep/file.csv",
    "q?",
    "qz",
    "x/a.txt",
    "x/b.txt",
    "x.txt",
    "xa",
]


@pytest.fixture
async def tree(fs):
    for name in TREE:
        await fs.write_bytes(name, name.encode())
    return fs


def _expected(pattern: str) -> list[str]:
    return sorted(name for name in TREE if fnmatch.fnmatchcase(name, pattern))


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("*", sorted(TREE)),
        (
            "*.txt",
            ["a.txt", "a/b.txt", "a/b/c.txt", "a/bc.txt", "ab.txt", "x.txt", "x/a.txt", "x/b.txt"],
        ),
        ("a/*", ["a/b.txt", "a/b/c.txt", "a/bc.txt"]),
        ("a*", ["a.txt", "a/b.txt", "a/b/c.txt", "a/bc.txt", "ab.txt"]),
        ("a/b*", ["a/b.txt", "a/b/c.txt", "a/bc.txt"]),
        ("a/b/*", ["a/b/c.txt"]),
        ("*/*/*", ["a/b/c.txt", "deep/er/still/file.csv"]),
        ("deep/*.csv", ["deep/er/still/file.csv", "deep/file.csv"]),
        ("*file*", ["deep/er/still/file.csv", "deep/file.csv"]),
        ("?.txt", ["a.txt", "x.txt"]),
        ("?/?.txt", ["a/b.txt", "x/a.txt", "x/b.txt"]),
        ("a?b.txt", ["a/b.txt"]),
        ("[ax].txt", ["a.txt", "x.txt"]),
        ("[!a].txt", ["x.txt"]),
        ("[a-c]?", ["b1", "bx"]),
        ("x[!.]*", ["x/a.txt", "x/b.txt", "xa"]),
        ("b[[]1]", ["b[1]"]),
        ("b[1]", ["b1"]),
        ("b[[]*", ["b[1]"]),
        ("c[*]d", ["c*d"]),
        ("c*d", ["c*d", "cxd"]),
        ("q[?]", ["q?"]),
        ("q?", ["q?", "qz"]),
        ("a.txt", ["a.txt"]),
        ("a/b.txt", ["a/b.txt"]),
        ("nothing*", []),
        ("nothing", []),
        ("zzz/*", []),
        ("a/b/c.txt/*", []),
        ("[", []),
        ("b[", []),
    ],
)
async def test_ls_glob(tree, pattern, expected):
    """§3 ls: fnmatch semantics (`*` across `/`, `?`, `[seq]`, `[!seq]`, escapes), sorted."""
    assert expected == _expected(pattern)  # the table itself is fnmatch's
    assert await tree.ls(pattern) == expected


async def test_ls_default_lists_everything_sorted(tree):
    """§3 ls: the default pattern lists every path, sorted."""
    assert await tree.ls() == sorted(TREE)


@pytest.mark.parametrize("name", TREE)
async def test_glob_escape_matches_exactly_one(tree, name):
    """§3: escaping a name as glob.escape does matches that name literally."""
    assert await tree.ls(glob.escape(name)) == [name]
    assert [i.path async for i in tree.scan(glob.escape(name))] == [name]


async def test_metacharacters_in_the_literal_part_do_not_leak(fs):
    """§3: names with `[`, `*`, `?` list correctly; nothing else leaks into a prefix listing."""
    names = ["a[b]/x", "a[b]/y", "ab/x", "a]/x", "a*/x", "a?/x", "a\u00e9/x", "a%/x", "a^/x"]
    for name in names:
        await fs.write_bytes(name, b"")
    assert await fs.ls("a[[]b]/*") == ["a[b]/x", "a[b]/y"]
    assert await fs.ls("a[[]b]/x") == ["a[b]/x"]
    assert await fs.ls("a]/*") == ["a]/x"]
    assert await fs.ls("a[*]/*") == ["a*/x"]
    assert await fs.ls("a[?]/*") == ["a?/x"]
    assert await fs.ls("a^/*") == ["a^/x"]
    assert await fs.ls("a%/*") == ["a%/x"]
    assert await fs.ls("a[!b]/x") == sorted(["a]/x", "a*/x", "a?/x", "a\u00e9/x", "a%/x", "a^/x"])
    assert await fs.ls("a[]]/*") == ["a]/x"]


async def test_only_the_literal_prefix_is_listed(fs, monkeypatch):
    """§3 ls: only the literal prefix before the first wildcard reaches the backend."""
    await fs.write_bytes("logs/2026/a", b"")
    driver = fs._driver
    seen: list[str] = []
    original = driver.list

    def spy(prefix):
        seen.append(prefix)
        return original(prefix)

    monkeypatch.setattr(driver, "list", spy)
    assert await fs.ls("logs/2026/*") == ["logs/2026/a"]
    assert await fs.ls("logs/20?6/a") == ["logs/2026/a"]
    assert await fs.ls("lo[g]s/[2]0*") == ["logs/2026/a"]
    assert await fs.ls("x[[]y*") == []
    assert await fs.ls("*") == ["logs/2026/a"]
    assert seen == ["logs/2026/", "logs/20", "logs/20", "x[y", ""]


async def test_prefix_ending_inside_a_segment(fs):
    """§3 ls: a literal prefix that ends inside a name segment lists the right paths."""
    for name in ["dir/abc/1", "dir/abd", "dir/ab", "dir/a/deep/2", "dir/b/abc", "dirty/abc"]:
        await fs.write_bytes(name, b"")
    assert await fs.ls("dir/ab*") == ["dir/ab", "dir/abc/1", "dir/abd"]
    assert await fs.ls("dir/a*") == ["dir/a/deep/2", "dir/ab", "dir/abc/1", "dir/abd"]
    assert await fs.ls("dir*") == sorted(
        ["dir/abc/1", "dir/abd", "dir/ab", "dir/a/deep/2", "dir/b/abc", "dirty/abc"]
    )
    assert await fs.ls("dir/*/*") == ["dir/a/deep/2", "dir/abc/1", "dir/b/abc"]
    assert await fs.ls("di?/*") == sorted(
        ["dir/abc/1", "dir/abd", "dir/ab", "dir/a/deep/2", "dir/b/abc"]
    )


async def test_ls_pattern_validation(fs):
    """§3 ls: an empty pattern or a literal that is no valid path raises ValueError."""
    for bad in ["", "/a", "a//b", "a/../b"]:
        with pytest.raises(ValueError):
            await fs.ls(bad)
    assert await fs.ls("/*") == []  # no valid path can match
    assert await fs.ls("a/../*") == []


async def test_scan_yields_fileinfo_for_the_same_matches(tree):
    """§3 scan: the same matches as ls, as FileInfo (unordered), streamed."""
    for pattern in ["*", "a/*", "*.txt", "b[[]1]", "x/a.txt", "nope*", "nope"]:
        infos = [info async for info in tree.scan(pattern)]
        assert all(isinstance(info, aiofs.FileInfo) for info in infos)
        assert sorted(info.path for info in infos) == await tree.ls(pattern)
        for info in infos:
            assert info.size == len(info.path.encode())
            assert info.modified.tzinfo is not None


async def test_scan_many_pages(fs):
    """§3 scan: listings larger than a page come back complete, each path once."""
    names = [f"many/{i:05d}" for i in range(1100)]
    await asyncio.gather(*(fs.write_bytes(name, b"") for name in names))
    assert sorted([i.path async for i in fs.scan("many/*")]) == names
    assert await fs.ls() == names


async def test_scan_can_stop_early(fs):
    """§3 scan: a consumer may stop iterating early; the listing is released."""
    for i in range(30):
        await fs.write_bytes(f"s/{i:02d}", b"")
    seen = []
    async for info in fs.scan("s/*"):
        seen.append(info.path)
        if len(seen) == 3:
            break
    assert len(seen) == 3
    agen = fs.scan()
    await agen.__anext__()
    await agen.aclose()


async def test_rm_pattern_counts(tree):
    """§3 rm: removes every match and returns how many; no match is not an error."""
    assert await tree.rm("a/*") == 3
    assert await tree.ls("a*") == ["a.txt", "ab.txt"]
    assert await tree.rm("nothing*") == 0
    assert await tree.rm("nothing") == 0
    assert await tree.rm("b[[]1]") == 1
    assert await tree.exists("b1")
    assert await tree.rm("x.txt") == 1
    assert await tree.rm("x.txt") == 0
    left = await tree.ls()
    assert await tree.rm("*") == len(left)
    assert await tree.ls() == []


async def test_rm_then_write_again(fs):
    """§3 rm: a removed path (and its prefix) can be written again."""
    await fs.write_bytes("d/e/f", b"1")
    assert await fs.rm("d/e/f") == 1
    assert await fs.ls() == []
    await fs.write_bytes("d/e/f", b"2")
    assert await fs.read_bytes("d/e/f") == b"2"


async def test_exists(fs):
    """§3 exists: True for a stored file, False otherwise (prefixes are not files)."""
    assert not await fs.exists("f")
    await fs.write_bytes("d/f", b"")
    assert await fs.exists("d/f")
    assert not await fs.exists("d")
    assert not await fs.exists("d/f/g")
    await fs.rm("d/f")
    assert not await fs.exists("d/f")


async def test_stat(fs):
    """§3 stat: size, a timezone-aware UTC modified time, and an etag string."""
    await fs.write_bytes("f", b"12345")
    info = await fs.stat("f")
    assert isinstance(info, aiofs.FileInfo)
    assert info.path == "f"
    assert info.size == 5
    assert info.modified.tzinfo is not None
    assert info.modified.utcoffset() == timedelta(0)
    assert info.modified.tzinfo == timezone.utc
    assert isinstance(info.etag, str) and info.etag
    assert await fs.stat("f") == info  # stable while unchanged


async def test_etag_changes_whenever_content_changes(fs):
    """§3 stat: the etag changes whenever the content changes, even to the same size."""
    etags = set()
    for content in [b"aaaa", b"bbbb", b"bbbb", b"", b"aaaa", b"aaaab"]:
        await fs.write_bytes("f", content)
        etags.add((await fs.stat("f")).etag)
    async with fs.open("f", "a") as f:
        await f.write(b"c")
    etags.add((await fs.stat("f")).etag)
    await fs.cp("f", "g")
    await fs.write_bytes("f", b"x")
    etags.add((await fs.stat("f")).etag)
    assert len(etags) == 8


async def test_stat_missing(fs):
    """§3 stat: FileNotFoundError if missing, naming the path."""
    with pytest.raises(FileNotFoundError) as excinfo:
        await fs.stat("no/file")
    assert excinfo.value.filename == "no/file"


async def test_read_bytes_write_bytes(fs):
    """§3: read_bytes / write_bytes round-trip any bytes-like, replacing atomically."""
    await fs.write_bytes("f", b"one")
    await fs.write_bytes("f", bytearray(b"two"))
    assert await fs.read_bytes("f") == b"two"
    await fs.write_bytes("f", memoryview(b"three"))
    assert await fs.read_bytes("f") == b"three"
    await fs.write_bytes("f", b"")
    assert await fs.read_bytes("f") == b""
    big = bytes(range(256)) * 10_000
    await fs.write_bytes("f", big)
    assert await fs.read_bytes("f") == big
    with pytest.raises(TypeError):
        await fs.write_bytes("f", "text")
    with pytest.raises(FileNotFoundError):
        await fs.read_bytes("missing")


async def test_cp(fs):
    """§3 cp: copies content; src stays; dst replaced."""
    await fs.write_bytes("src", b"payload")
    await fs.write_bytes("dst", b"old content")
    await fs.cp("src", "dst")
    assert await fs.read_bytes("dst") == b"payload"
    assert await fs.read_bytes("src") == b"payload"
    await fs.cp("src", "new/deep/copy")
    assert await fs.read_bytes("new/deep/copy") == b"payload"
    await fs.write_bytes("src", b"changed")
    assert await fs.read_bytes("dst") == b"payload"  # a copy, not a link


async def test_cp_large(fs):
    """§3 cp: a multi-chunk file copies completely."""
    data = bytes(range(256)) * 12_000
    await fs.write_bytes("src", data)
    await fs.cp("src", "dst")
    assert await fs.read_bytes("dst") == data


async def test_cp_mv_to_self_is_noop(fs):
    """§3: cp(p, p) and mv(p, p) are no-ops."""
    await fs.write_bytes("p", b"same")
    etag = (await fs.stat("p")).etag
    await fs.cp("p", "p")
    await fs.mv("p", "p")
    assert await fs.read_bytes("p") == b"same"
    assert (await fs.stat("p")).etag == etag
    assert await fs.ls() == ["p"]


@pytest.mark.parametrize("op", ["cp", "mv"])
async def test_cp_mv_missing_source(fs, op):
    """§3: cp/mv of a missing src raise FileNotFoundError; dst is untouched."""
    await fs.write_bytes("dst", b"keep")
    for src in ["missing", "missing/deeper"]:
        with pytest.raises(FileNotFoundError) as excinfo:
            await getattr(fs, op)(src, "dst")
        assert excinfo.value.filename == src
    with pytest.raises(FileNotFoundError):
        await getattr(fs, op)("missing", "missing")  # to itself: still checked
    assert await fs.read_bytes("dst") == b"keep"
    assert await fs.ls() == ["dst"]


@pytest.mark.parametrize("op", ["cp", "mv"])
async def test_cp_mv_blocked_by_a_writer_on_dst(fs, fs2, op):
    """§3: cp/mv raise BlockingIOError if dst has a writer; nothing changes."""
    await fs.write_bytes("src", b"new")
    await fs.write_bytes("dst", b"old")
    async with fs.open("dst", "w") as f:
        await f.write(b"writer")
        for other in (fs, fs2):
            with pytest.raises(BlockingIOError):
                await getattr(other, op)("src", "dst")
        assert await fs.read_bytes("src") == b"new"
        assert await fs.read_bytes("dst") == b"old"
    assert await fs.read_bytes("dst") == b"writer"
    await getattr(fs, op)("src", "dst")  # free again
    assert await fs.read_bytes("dst") == b"new"


async def test_mv_blocked_by_a_writer_on_src(fs):
    """§3 mv: BlockingIOError if src has a writer (it would lose the writer's commit)."""
    await fs.write_bytes("src", b"new")
    async with fs.open("src", "a") as f:
        await f.write(b"+")
        with pytest.raises(BlockingIOError):
            await fs.mv("src", "dst")
    assert await fs.read_bytes("src") == b"new+"
    assert not await fs.exists("dst")


async def test_cp_replaces_atomically(fs, fs2):
    """§3 cp: readers see the old or the new dst, never a mix; a reader keeps its version."""
    old = b"o" * (3 << 20)
    new = b"n" * (3 << 20)
    await fs.write_bytes("src", new)
    await fs.write_bytes("dst", old)
    async with fs2.open("dst") as f:
        head = await f.read(10)
        task = asyncio.ensure_future(fs.cp("src", "dst"))
        seen = set()
        while not task.done():
            seen.add(await fs2.read_bytes("dst"))
            await asyncio.sleep(0)
        await task
        try:
            rest = await f.read()
        except OSError:
            pass
        else:
            assert head + rest == old
    assert seen <= {old, new}
    assert await fs.read_bytes("dst") == new


async def test_mv(fs):
    """§3 mv: the content moves; src is gone; dst replaced."""
    await fs.write_bytes("a/src", b"moving")
    await fs.write_bytes("b/dst", b"old")
    await fs.mv("a/src", "b/dst")
    assert not await fs.exists("a/src")
    assert await fs.read_bytes("b/dst") == b"moving"
    assert await fs.ls() == ["b/dst"]
    await fs.mv("b/dst", "c/d/e")
    assert await fs.ls() == ["c/d/e"]
    assert await fs.read_bytes("c/d/e") == b"moving"


async def test_close_is_idempotent_and_final(fs_url):
    """§3 close: idempotent; any later use raises RuntimeError naming what to do."""
    fs = aiofs.open_fs(fs_url)
    await fs.write_bytes("f", b"x")
    f = fs.open("f")
    await fs.close()
    await fs.close()
    for make in (
        lambda: fs.read_bytes("f"),
        lambda: fs.write_bytes("f", b""),
        lambda: fs.stat("f"),
        lambda: fs.exists("f"),
        lambda: fs.ls(),
        lambda: fs.rm("f"),
        lambda: fs.cp("f", "g"),
        lambda: fs.mv("f", "g"),
        lambda: fs.scan().__anext__(),
    ):
        with pytest.raises(RuntimeError, match="closed"):
            await make()
    with pytest.raises(RuntimeError, match="closed"):
        fs.open("f", "w")
    with pytest.raises(RuntimeError, match="closed"):
        async with f:
            pass
    with pytest.raises(RuntimeError, match="closed"):
        async with fs:
            pass


async def test_async_with_closes(fs_url):
    """§3: `async with fs:` returns the file system and closes it at exit."""
    async with aiofs.open_fs(fs_url) as fs:
        await put(fs, "f", b"data")
        assert await fs.read_bytes("f") == b"data"
    with pytest.raises(RuntimeError):
        await fs.ls()
    async with aiofs.open_fs(fs_url) as again:  # the store outlives the client
        assert await again.read_bytes("f") == b"data"


async def test_close_while_files_are_open(fs_url):
    """§3 close: files opened before close finish their block (commit or read) cleanly."""
    fs = aiofs.open_fs(fs_url)
    await fs.write_bytes("r", b"read me")
    async with fs.open("r") as r, fs.open("w", "w") as w:
        await w.write(b"written")
        await fs.close()
        assert await r.read() == b"read me"
    async with aiofs.open_fs(fs_url) as again:
        assert await again.read_bytes("w") == b"written"


def test_pattern_prefix_agrees_with_fnmatch():
    """§3 ls: the literal prefix sent to a backend never excludes a name fnmatch matches."""
    import random

    from aiofs._paths import Pattern

    rng = random.Random(3)
    alphabet = ["a", "b", "/", "*", "?", "[", "]", "!", "-", "^", "[[]", "[!a]", "[]]", "[a-b]"]
    names = [
        "".join(rng.choice("ab/[]!*?-^") for _ in range(rng.randrange(1, 7))) for _ in range(400)
    ]
    for _ in range(800):
        pattern = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 6)))
        glob_ = Pattern(pattern) if not _literal_invalid(pattern) else None
        if glob_ is None:
            continue
        for name in names:
            expected = fnmatch.fnmatchcase(name, pattern)
            assert glob_.matches(name) == expected, (pattern, name)
            if expected and glob_.prefix is not None:
                assert name.startswith(glob_.prefix), (pattern, name, glob_.prefix)


def _literal_invalid(pattern: str) -> bool:
    from aiofs._paths import Pattern

    try:
        Pattern(pattern)
    except ValueError:
        return True
    return False
