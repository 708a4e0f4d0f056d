"""CONTRACT §1: paths, on every backend."""

from __future__ import annotations

import glob
import unicodedata

import pytest

from ._util import get, put

_SEG = "s" * 255
#: Exactly 1024 UTF-8 bytes: three full segments, one of 254 and one of 1 (+ 4 slashes).
_PATH_1024 = "/".join([_SEG, _SEG, _SEG, "s" * 254, "t"])

INVALID = {
    "empty": "",
    "leading slash": "/a",
    "absolute nested": "/a/b",
    "trailing slash": "a/",
    "lone slash": "/",
    "empty segment": "a//b",
    "dot": ".",
    "dot dot": "..",
    "dot segment": "a/./b",
    "dot dot segment": "a/../b",
    "leading dot segment": "./a",
    "trailing dot dot": "a/..",
    "escape upwards": "../etc/passwd",
    "NUL": "a\x00b",
    "control U+0001": "a\x01",
    "tab": "a\tb",
    "newline": "a\nb",
    "carriage return": "a\rb",
    "control U+001F": "\x1f",
    "DEL U+007F": "a\x7fb",
    "backslash": "a\\b",
    "windows separator": "..\\a",
    "1025 bytes": _PATH_1024 + "u",
    "1025 bytes multibyte": "/".join([_SEG, _SEG, _SEG, "s" * 253 + "é", "t"]),
    "segment 256 bytes": "s" * 256,
    "segment 256 bytes nested": "a/" + "s" * 256 + "/b",
    "segment 256 bytes multibyte": "é" * 128,
    "lone surrogate": "a\udc80",
}

VALID_ODD = [
    "a b",
    " leading space",
    "trailing space ",
    "%",
    "%20",
    "a%2Fb",
    "#",
    "?",
    "[x]",
    "[",
    "]",
    "*",
    "a*b?c",
    "{}",
    "{a,b}",
    ":",
    "a:b:c",
    "é",
    "日本語/ファイル",
    "emoji 🎉",
    "~",
    "'quote\"",
    "&=+$,;@!",
    "...",
    ".hidden",
    "a.",
    "-dash",
    "dir.with.dots/file",
]


@pytest.mark.parametrize("bad", list(INVALID.values()), ids=list(INVALID))
async def test_invalid_path_raises_value_error_everywhere(fs, bad):
    """§1: every invalid form raises ValueError naming the path, in every call taking a path."""
    ok = "ok"
    calls = {
        "open": lambda: fs.open(bad),
        "open w": lambda: fs.open(bad, "w"),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError) as excinfo:
            call()
        assert repr(bad) in str(excinfo.value), name
    coroutines = {
        "read_bytes": lambda: fs.read_bytes(bad),
        "write_bytes": lambda: fs.write_bytes(bad, b"x"),
        "stat": lambda: fs.stat(bad),
        "exists": lambda: fs.exists(bad),
        "cp src": lambda: fs.cp(bad, ok),
        "cp dst": lambda: fs.cp(ok, bad),
        "mv src": lambda: fs.mv(bad, ok),
        "mv dst": lambda: fs.mv(ok, bad),
    }
    for name, make in coroutines.items():
        with pytest.raises(ValueError) as excinfo:
            await make()
        assert repr(bad) in str(excinfo.value), name
    assert await fs.ls() == []


@pytest.mark.parametrize("bad", ["", "/a", "a//b", "a/../b", "a\x00", "a\\b", "s" * 256])
async def test_invalid_path_is_checked_before_any_io(fs, bad):
    """§1: validation happens before any I/O: a closed file system still says ValueError."""
    await fs.close()
    with pytest.raises(ValueError):
        fs.open(bad, "w")
    for make in (
        lambda: fs.read_bytes(bad),
        lambda: fs.write_bytes(bad, b""),
        lambda: fs.stat(bad),
        lambda: fs.exists(bad),
        lambda: fs.cp(bad, "a"),
        lambda: fs.mv("a", bad),
    ):
        with pytest.raises(ValueError):
            await make()


async def test_invalid_path_message_names_the_rule(fs):
    """§1: the ValueError names the rule broken, not only the path."""
    for bad, words in [
        ("", "empty"),
        ("/a", "starts with '/'"),
        ("a/", "ends with '/'"),
        ("a//b", "empty segment"),
        ("a/../b", "'..'"),
        ("a\\b", "backslash"),
        ("a\x01", "control character"),
        ("s" * 256, "255"),
        (_PATH_1024 + "u", "1024"),
    ]:
        with pytest.raises(ValueError, match="Invalid path") as excinfo:
            fs.open(bad)
        assert words in str(excinfo.value)


@pytest.mark.parametrize("name", VALID_ODD)
async def test_odd_valid_names_round_trip(fs, name):
    """§1: names with spaces, %, #, ?, [], *, {}, :, non-ASCII are stored and read as given."""
    data = name.encode() + b"\n"
    await put(fs, name, data)
    assert await get(fs, name) == data
    assert await fs.read_bytes(name) == data
    assert await fs.exists(name)
    assert (await fs.stat(name)).path == name
    assert await fs.ls() == [name]
    assert await fs.ls(glob.escape(name)) == [name]
    assert [info.path async for info in fs.scan()] == [name]


async def test_odd_names_listed_literally_together(fs):
    """§1: all the odd names coexist and are listed exactly as written, sorted."""
    for name in VALID_ODD:
        await fs.write_bytes(name, name.encode())
    assert await fs.ls() == sorted(VALID_ODD)
    for name in VALID_ODD:
        assert await fs.read_bytes(name) == name.encode()
    assert await fs.rm("*") == len(VALID_ODD)
    assert await fs.ls() == []


@pytest.mark.parametrize(
    "path",
    [
        _PATH_1024,
        "s" * 255,
        "d/" + "s" * 255,
        "é" * 127 + "a",
        "/".join(["é" * 127 + "a"] * 4)[:-3],
    ],
    ids=["1024 bytes", "255-byte segment", "nested 255", "255 multibyte", "long multibyte"],
)
async def test_length_limits_at_the_boundary_are_valid(fs, path):
    """§1: exactly 1024 bytes in all and 255 in one segment are accepted and work."""
    assert len(path.encode()) <= 1024
    assert max(len(s.encode()) for s in path.split("/")) <= 255
    await put(fs, path, b"edge")
    assert await fs.read_bytes(path) == b"edge"
    assert await fs.ls() == [path]
    assert await fs.rm(path) == 1


async def test_exact_1024_byte_path_counts_bytes():
    """§1: the limits count UTF-8 bytes, not characters."""
    assert len(_PATH_1024.encode()) == 1024
    assert len(INVALID["1025 bytes multibyte"].encode()) == 1025
    assert len(INVALID["1025 bytes multibyte"]) == 1024
    assert len(INVALID["segment 256 bytes multibyte"]) == 128


async def test_names_are_case_sensitive(fs):
    """§1: names are case-sensitive: `A` and `a` are two files."""
    await fs.write_bytes("Dir/A.txt", b"upper")
    await fs.write_bytes("dir/a.txt", b"lower")
    assert await fs.read_bytes("Dir/A.txt") == b"upper"
    assert await fs.read_bytes("dir/a.txt") == b"lower"
    assert await fs.ls() == ["Dir/A.txt", "dir/a.txt"]
    assert await fs.ls("dir/*") == ["dir/a.txt"]
    assert not await fs.exists("DIR/a.txt")


async def test_no_unicode_normalisation(fs):
    """§1: names are compared as given: NFC and NFD spellings are different files."""
    nfc = unicodedata.normalize("NFC", "café")
    nfd = unicodedata.normalize("NFD", "café")
    assert nfc != nfd
    await fs.write_bytes(nfc, b"nfc")
    assert not await fs.exists(nfd)
    await fs.write_bytes(nfd, b"nfd")
    assert await fs.read_bytes(nfc) == b"nfc"
    assert await fs.read_bytes(nfd) == b"nfd"
    assert await fs.ls() == sorted([nfc, nfd])


async def test_flat_namespace_needs_no_mkdir(fs):
    """§1: writing `a/b/c` needs no mkdir; "directories" are only prefixes."""
    await fs.write_bytes("a/b/c/d.txt", b"deep")
    assert await fs.ls() == ["a/b/c/d.txt"]
    assert not await fs.exists("a/b/c")
    assert not await fs.exists("a")
    with pytest.raises(FileNotFoundError):
        await fs.stat("a/b")
    with pytest.raises(FileNotFoundError):
        await fs.read_bytes("a/b/c")


@pytest.mark.parametrize("name", [".aiofs", ".aiofs.lock", ".lock", "a.tmp", ".tmp", "__lock__"])
async def test_reserved_looking_names_are_ordinary(fs, name):
    """§1: a backend's own files never collide with a user's name (lock/staging lookalikes)."""
    await fs.write_bytes(name, b"mine")
    async with fs.open(name, "a") as f:
        await f.write(b"+more")
    assert await fs.read_bytes(name) == b"mine+more"
    assert await fs.ls() == [name]


async def test_backend_files_never_listed(fs):
    """§1: files a backend keeps for itself (locks, staging) never show in listings."""
    await fs.write_bytes("kept", b"1")
    async with fs.open("new/file", "w") as f:
        await f.write(b"x" * 100_000)
        assert await fs.ls() == ["kept"]
        assert [i.path async for i in fs.scan()] == ["kept"]
    async with fs.open("kept", "r+") as f:
        await f.write(await f.read() + b"2")
        assert await fs.ls() == ["kept", "new/file"]
    with pytest.raises(RuntimeError):
        async with fs.open("aborted", "w") as f:
            await f.write(b"y")
            raise RuntimeError("abort")
    assert await fs.ls() == ["kept", "new/file"]
    assert await fs.ls("*lock*") == []
