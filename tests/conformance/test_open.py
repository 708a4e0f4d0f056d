"""CONTRACT §2: opening a file — the mode table, atomicity, writer exclusion."""

from __future__ import annotations

import asyncio
import io

import pytest

from ._util import get, overlapping_writers, put, write_chunk

WRITE_MODES = ["r+", "w", "a", "x"]

VALID_MODES = {
    "r": "r",
    "rb": "r",
    "br": "r",
    "r+": "r+",
    "rb+": "r+",
    "r+b": "r+",
    "+r": "r+",
    "w": "w",
    "wb": "w",
    "a": "a",
    "ab": "a",
    "x": "x",
    "xb": "x",
}

INVALID_MODES = [
    "", "t", "rt", "wt", "w+", "a+", "x+", "wb+", "r++", "rw", "ra", "wx", "rbb", "bb",
    "b", "q", "R", "W", "U", "rU", "r ", " r", "read", "++r", "r+r",
]  # fmt: skip


@pytest.mark.parametrize("mode", list(VALID_MODES))
async def test_valid_modes_accepted_and_b_ignored(fs, mode):
    """§2: r, r+, w, a, x are accepted, with or without `b`; `b` changes nothing."""
    await fs.write_bytes("f", b"old")
    f = fs.open("f", mode)
    assert f.name == "f"
    assert f.mode == VALID_MODES[mode]
    if VALID_MODES[mode] == "x":
        await fs.rm("f")
    async with f:
        if VALID_MODES[mode] in ("r", "r+"):
            assert await f.read() == b"old"
        if VALID_MODES[mode] != "r":
            await f.write(b"new")
    expected = {"r": b"old", "r+": b"new", "w": b"new", "a": b"oldnew", "x": b"new"}
    assert await fs.read_bytes("f") == expected[VALID_MODES[mode]]


@pytest.mark.parametrize("mode", INVALID_MODES)
async def test_invalid_modes_raise_value_error_at_once(fs, mode):
    """§2: `t`, `+` other than `r+` or any other letter raises ValueError at open(), no I/O."""
    with pytest.raises(ValueError) as excinfo:
        fs.open("f", mode)
    assert repr(mode) in str(excinfo.value)
    assert await fs.ls() == []


async def test_open_is_synchronous_and_does_no_io(fs):
    """§2: open() is a plain call that does no I/O: opening a missing file fails only on enter."""
    f = fs.open("missing")
    assert not asyncio.iscoroutine(f)
    g = fs.open("new", "w")
    assert await fs.ls() == []
    with pytest.raises(FileNotFoundError):
        async with f:
            pytest.fail("entered")
    async with g:
        pass
    assert await fs.ls() == ["new"]


# -- the mode table, row by row ---------------------------------------------------------


@pytest.mark.parametrize("mode", ["r", "r+"])
async def test_read_modes_on_missing_file_fail_on_enter(fs, mode):
    """§2 table: `r` and `r+` on a missing file raise FileNotFoundError on enter."""
    entered = False
    with pytest.raises(FileNotFoundError) as excinfo:
        async with fs.open("no/such", mode):
            entered = True
    assert not entered
    assert excinfo.value.filename == "no/such"
    assert await fs.ls() == []
    await put(fs, "no/such", b"lock is free")


@pytest.mark.parametrize("mode", ["w", "a", "x"])
async def test_write_modes_create_a_missing_file(fs, mode):
    """§2 table: `w`, `a`, `x` create a missing file."""
    async with fs.open("made/here", mode) as f:
        assert await f.write(b"fresh") == 5
    assert await fs.read_bytes("made/here") == b"fresh"


async def test_r_reads_existing_and_commits_nothing(fs):
    """§2 table: `r` reads an existing file, with random access, and changes nothing at exit."""
    await fs.write_bytes("f", b"0123456789")
    before = await fs.stat("f")
    async with fs.open("f") as f:
        assert await f.read(3) == b"012"
        assert await f.seek(7) == 7
        assert await f.read() == b"789"
        assert await f.seek(2) == 2
        assert await f.read(2) == b"23"
        with pytest.raises(io.UnsupportedOperation):
            await f.write(b"x")
    after = await fs.stat("f")
    assert after.etag == before.etag
    assert await fs.read_bytes("f") == b"0123456789"


async def test_r_plus_reads_seen_version_and_writes_whole_next(fs):
    """§2 table: `r+` reads the version seen on enter; writes build the next one from empty."""
    await fs.write_bytes("f", b"version one")
    async with fs.open("f", "r+") as f:
        assert await f.read(7) == b"version"
        assert await f.write(b"v2") == 2
        assert await f.read() == b" one"  # still the version seen on enter
        await f.seek(0)
        assert await f.read() == b"version one"
        assert await fs.read_bytes("f") == b"version one"  # not visible before exit
    assert await fs.read_bytes("f") == b"v2"


async def test_r_plus_read_modify_write(fs):
    """§2: `r+` is read-modify-write (aiofs 1.0): read, write the complete new content, exit."""
    await fs.write_bytes("counter", b"41")
    async with fs.open("counter", "r+") as f:
        value = int(await f.read())
        await f.write(str(value + 1).encode())
    assert await fs.read_bytes("counter") == b"42"


async def test_r_plus_writing_nothing_leaves_file_unchanged(fs):
    """§2: an `r+` block that writes nothing leaves the file unchanged."""
    await fs.write_bytes("f", b"keep me")
    async with fs.open("f", "r+") as f:
        assert await f.read() == b"keep me"
    assert await fs.read_bytes("f") == b"keep me"
    async with fs.open("f", "r+"):
        pass
    assert await fs.read_bytes("f") == b"keep me"


async def test_w_writing_nothing_leaves_empty_file(fs):
    """§2: a `w` block that writes nothing leaves an empty file (created or replaced)."""
    await fs.write_bytes("f", b"old")
    async with fs.open("f", "w"):
        pass
    assert await fs.read_bytes("f") == b""
    assert (await fs.stat("f")).size == 0
    async with fs.open("g", "w"):
        pass
    assert await fs.exists("g")
    assert await fs.read_bytes("g") == b""


async def test_w_replaces_existing(fs):
    """§2 table: `w` on an existing file replaces it at exit."""
    await fs.write_bytes("f", b"a much longer old content")
    async with fs.open("f", "w") as f:
        await f.write(b"short")
    assert await fs.read_bytes("f") == b"short"


async def test_a_appends(fs):
    """§2 table: `a`: next version = old content + what is written."""
    await fs.write_bytes("log", b"one\n")
    async with fs.open("log", "a") as f:
        await f.write(b"two\n")
        await f.write(b"three\n")
        assert await f.tell() == len(b"one\ntwo\nthree\n")
    async with fs.open("log", "a") as f:
        pass
    assert await fs.read_bytes("log") == b"one\ntwo\nthree\n"


async def test_a_appends_more_than_a_chunk(fs):
    """§2 table: `a` keeps the whole old content when the appended data spans chunks."""
    chunk = write_chunk(fs)
    old = bytes(range(256)) * (chunk // 256 + 7)
    await fs.write_bytes("big", old)
    extra = b"x" * (chunk + 12345)
    async with fs.open("big", "a") as f:
        await f.write(extra)
    assert await fs.read_bytes("big") == old + extra


async def test_x_creates_or_fails_on_enter(fs):
    """§2 table: `x` creates a missing file; FileExistsError on enter if it exists."""
    async with fs.open("f", "x") as f:
        await f.write(b"first")
    entered = False
    with pytest.raises(FileExistsError) as excinfo:
        async with fs.open("f", "x") as f:
            entered = True
    assert not entered
    assert excinfo.value.filename == "f"
    assert await fs.read_bytes("f") == b"first"
    await put(fs, "f", b"lock is free")


@pytest.mark.parametrize("mode", ["w", "a", "x"])
async def test_write_only_modes_refuse_reads(fs, mode):
    """§2 table: in `w`, `a`, `x`, read/readline/seek/iteration raise io.UnsupportedOperation."""
    async with fs.open("f", mode) as f:
        with pytest.raises(io.UnsupportedOperation):
            await f.read()
        with pytest.raises(io.UnsupportedOperation):
            await f.read(1)
        with pytest.raises(io.UnsupportedOperation):
            await f.readline()
        with pytest.raises(io.UnsupportedOperation):
            await f.seek(0)
        with pytest.raises(io.UnsupportedOperation):
            async for _ in f:
                pass
        await f.write(b"ok")
    assert await fs.read_bytes("f") == b"ok"


async def test_r_refuses_writes(fs):
    """§2 table: in `r`, write raises io.UnsupportedOperation (an OSError and a ValueError)."""
    await fs.write_bytes("f", b"data")
    async with fs.open("f") as f:
        with pytest.raises(io.UnsupportedOperation) as excinfo:
            await f.write(b"x")
        assert isinstance(excinfo.value, OSError)
        assert isinstance(excinfo.value, ValueError)
    assert await fs.read_bytes("f") == b"data"


# -- errors inside the block ------------------------------------------------------------


@pytest.mark.parametrize("mode", WRITE_MODES)
async def test_exception_in_block_commits_nothing_and_releases(fs, mode):
    """§2: if the block raises, nothing is committed, the error propagates, the lock is freed."""
    if mode != "x":
        await fs.write_bytes("f", b"old")
    before = await fs.ls()

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with fs.open("f", mode) as f:
            await f.write(b"new" * (write_chunk(fs) // 3 + 5))  # some of it already staged
            raise Boom
    assert await fs.ls() == before
    if mode != "x":
        assert await fs.read_bytes("f") == b"old"
    else:
        assert not await fs.exists("f")
    async with fs.open("f", "w") as f:  # the lock was released
        await f.write(b"after")
    assert await fs.read_bytes("f") == b"after"


@pytest.mark.parametrize("mode", WRITE_MODES)
async def test_cancelled_task_commits_nothing_and_releases(fs, mode):
    """§2: a task cancelled inside its block commits nothing and releases the lock."""
    if mode != "x":
        await fs.write_bytes("f", b"old")
    inside = asyncio.Event()

    async def writer() -> None:
        async with fs.open("f", mode) as f:
            await f.write(b"partial")
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.ensure_future(writer())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await fs.read_bytes("f") == b"old" if mode != "x" else not await fs.exists("f")
    await put(fs, "f", b"free")
    assert await fs.read_bytes("f") == b"free"


@pytest.mark.parametrize("mode", WRITE_MODES)
@pytest.mark.parametrize("steps", range(8))
async def test_cancel_while_entering_releases_the_lock(fs, mode, steps):
    """§2: a task cancelled at any point while entering leaves no lock and no file behind."""
    await fs.write_bytes("f", b"old")
    if mode == "x":
        await fs.rm("f")

    async def writer() -> None:
        async with fs.open("f", mode) as f:
            await f.write(b"never")
            await asyncio.Event().wait()

    task = asyncio.ensure_future(writer())
    for _ in range(steps):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    if mode == "x":
        assert not await fs.exists("f")
    else:
        assert await fs.read_bytes("f") == b"old"
    await put(fs, "f", b"free")  # BlockingIOError here would mean a leaked lock


# -- RuntimeError outside the block -----------------------------------------------------


@pytest.mark.parametrize("mode", ["r", "r+", "w", "a", "x"])
async def test_io_outside_the_block_raises_runtime_error(fs, mode):
    """§2: read/write/seek/tell/readline before or after the block raise RuntimeError."""
    if mode in ("r", "r+"):
        await fs.write_bytes("f", b"data")
    f = fs.open("f", mode)

    async def all_calls() -> None:
        for call in (
            lambda: f.read(),
            lambda: f.read(1),
            lambda: f.readline(),
            lambda: f.write(b"x"),
            lambda: f.seek(0),
            lambda: f.tell(),
        ):
            with pytest.raises(RuntimeError):
                await call()
        with pytest.raises(RuntimeError):
            f.__aiter__()

    await all_calls()  # before
    async with f:
        pass
    await all_calls()  # after
    with pytest.raises(RuntimeError):
        async with f:  # re-entering
            pytest.fail("re-entered")


async def test_reentering_inside_the_block_raises_runtime_error(fs):
    """§2: entering a file object that is already open raises RuntimeError."""
    await fs.write_bytes("f", b"data")
    async with fs.open("f") as f:
        with pytest.raises(RuntimeError):
            async with f:
                pass
        assert await f.read() == b"data"


async def test_io_after_failed_block_raises_runtime_error(fs):
    """§2: after a block that raised, the file object is closed too."""
    f = fs.open("f", "w")
    with pytest.raises(KeyError):
        async with f:
            raise KeyError
    with pytest.raises(RuntimeError):
        await f.write(b"late")
    assert not await fs.exists("f")


async def test_both_compat_forms_work(fs):
    """§2 / §6: `f = fs.open(...); async with f:` and `async with fs.open(...) as f:` both work."""
    f = fs.open("f", "w")
    async with f as g:
        assert g is f
        await f.write(b"one")
    async with fs.open("f") as f:
        assert await f.read() == b"one"


# -- atomic visibility ------------------------------------------------------------------


@pytest.mark.parametrize("mode", WRITE_MODES)
async def test_readers_never_see_a_half_written_file(fs, fs2, mode):
    """§2: a write becomes visible all at once at the clean exit, never before."""
    chunk = write_chunk(fs)
    old = b"o" * 1000
    if mode != "x":
        await fs.write_bytes("f", old)
    new = b"n" * (2 * chunk + 4321)
    async with fs.open("f", mode) as f:
        for start in range(0, len(new), 100_000):
            await f.write(new[start : start + 100_000])
            for reader in (fs, fs2):
                if mode == "x":
                    assert not await reader.exists("f")
                    assert await reader.ls() == []
                else:
                    assert await reader.read_bytes("f") == old
                    assert (await reader.stat("f")).size == len(old)
    expected = old + new if mode == "a" else new
    for reader in (fs, fs2):
        assert await reader.read_bytes("f") == expected
        assert (await reader.stat("f")).size == len(expected)


async def test_reader_keeps_its_version_while_replaced(fs, fs2):
    """§2: a reader goes on reading the version it opened, or gets a clear error, never a mix."""
    size = 3 * (1 << 20) + 17
    old = bytes(i % 251 for i in range(size))
    new = bytes((i * 7) % 253 for i in range(size))
    await fs.write_bytes("f", old)
    for replace in (
        lambda: fs2.write_bytes("f", new),
        lambda: put(fs2, "f", new),
        lambda: fs2.rm("f"),
    ):
        await fs.write_bytes("f", old)
        async with fs.open("f") as f:
            head = await f.read(1000)
            assert head == old[:1000]
            await replace()
            try:
                rest = await f.read()
            except OSError as exc:  # the clear error: it names the file
                assert exc.filename == "f"
            else:
                assert head + rest == old


async def test_r_plus_keeps_its_version_while_writing(fs):
    """§2: `r+` reads the version seen on enter even after writing the next version."""
    old = bytes(range(256)) * 4096
    await fs.write_bytes("f", old)
    async with fs.open("f", "r+") as f:
        first = await f.read(5000)
        await f.write(b"replacement" * 200_000)
        assert first + await f.read() == old
    assert await fs.read_bytes("f") == b"replacement" * 200_000


# -- writer exclusion -------------------------------------------------------------------


def _check_race(outcomes, mode: str = "w"):
    winners = [o for o in outcomes if o.committed]
    assert len(winners) == 1, outcomes
    # A lost `x` race may also say FileExistsError: "someone else created it first".
    lost = (BlockingIOError, FileExistsError) if mode == "x" else BlockingIOError
    for loser in outcomes:
        if loser is not winners[0]:
            assert isinstance(loser.error, lost), loser
            assert loser.error.filename == "f"
    return winners[0]


@pytest.mark.parametrize("mode", ["w", "a", "r+", "x"])
async def test_overlapping_writers_exactly_one_commits(fs, mode):
    """§2: of overlapping writers on one path in one process exactly one commits; the rest
    get BlockingIOError (on enter or exit); the content is the winner's complete payload."""
    old = b"" if mode == "x" else b"old|"
    if mode != "x":
        await fs.write_bytes("f", old)
    payloads = [bytes([65 + i]) * (5000 + i) for i in range(8)]
    outcomes = await overlapping_writers([(fs, mode, p) for p in payloads], "f")
    winner = _check_race(outcomes, mode)
    expected = old + winner.payload if mode == "a" else winner.payload
    assert await fs.read_bytes("f") == expected


async def test_overlapping_writers_of_mixed_modes(fs):
    """§2: writers of different modes (`r+`, `w`, `a`) exclude each other too."""
    await fs.write_bytes("f", b"old|")
    targets = [(fs, mode, mode.encode() * 1000) for mode in ["w", "a", "r+", "w", "a", "r+"]]
    outcomes = await overlapping_writers(targets, "f")
    winner = _check_race(outcomes)
    content = await fs.read_bytes("f")
    assert content in (winner.payload, b"old|" + winner.payload)


async def test_overlapping_writers_across_two_clients(fs, fs2):
    """§2: writer exclusion holds between two independent file systems on the same store."""
    await fs.write_bytes("f", b"old")
    targets = [(fs if i % 2 else fs2, "w", bytes([97 + i]) * 70_000) for i in range(6)]
    outcomes = await overlapping_writers(targets, "f")
    winner = _check_race(outcomes)
    assert await fs.read_bytes("f") == winner.payload
    assert await fs2.read_bytes("f") == winner.payload


async def test_writer_blocks_write_bytes_and_cp(fs, fs2):
    """§2: while a writer holds a path, write_bytes and cp to it raise BlockingIOError."""
    await fs.write_bytes("src", b"source")
    await fs.write_bytes("f", b"old")
    async with fs.open("f", "w") as f:
        await f.write(b"held")
        for other in (fs, fs2):
            with pytest.raises(BlockingIOError):
                await other.write_bytes("f", b"intruder")
            with pytest.raises(BlockingIOError):
                await other.cp("src", "f")
            with pytest.raises(BlockingIOError):
                async with other.open("f", "a"):
                    pytest.fail("entered")
            assert await other.read_bytes("f") == b"old"  # readers are never blocked
    assert await fs.read_bytes("f") == b"held"


async def test_writers_on_different_paths_do_not_block(fs):
    """§2: writer exclusion is per path: writers of different paths all commit."""
    outcomes = await asyncio.gather(
        *(overlapping_writers([(fs, "w", str(i).encode() * 100)], f"p/{i}") for i in range(10))
    )
    assert all(o[0].committed for o in outcomes)
    assert await fs.ls() == sorted(f"p/{i}" for i in range(10))


async def test_sequential_writers_all_commit(fs):
    """§2: writers whose blocks do not overlap all commit, in order."""
    for i in range(20):
        async with fs.open("f", "a") as f:
            await f.write(b"%d," % i)
    assert await fs.read_bytes("f") == b"".join(b"%d," % i for i in range(20))


async def test_readers_are_not_writers(fs):
    """§2: readers do not take the writer lock: any number read while one writes."""
    await fs.write_bytes("f", b"shared")
    async with fs.open("f") as r1, fs.open("f") as r2, fs.open("f", "w") as w:
        await w.write(b"next")
        assert await r1.read() == b"shared"
        assert await r2.read() == b"shared"
    assert await get(fs, "f") == b"next"
