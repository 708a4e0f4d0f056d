"""CONTRACT §4: every backend raises the same built-in errors, named and chained."""

from __future__ import annotations

import errno
import io

import pytest

import aiofs


async def _open(fs, path, mode="r"):
    async with fs.open(path, mode) as f:
        if mode != "r":
            await f.write(b"x")


async def _read_in(fs, mode):
    async with fs.open("new", mode) as f:
        await f.read()


async def _seek_in(fs, mode):
    async with fs.open("new", mode) as f:
        await f.seek(0)


async def _write_in_r(fs):
    async with fs.open("exists") as f:
        await f.write(b"x")


async def _held(fs, fs2, action):
    async with fs.open("exists", "w") as f:
        await f.write(b"held")
        await action(fs2)


async def _before_block(fs):
    await fs.open("exists").read()


async def _after_block(fs):
    f = fs.open("exists")
    async with f:
        pass
    await f.read()


async def _after_close(fs, action):
    await fs.close()
    await action(fs)


async def _bad_option(fs, fs_url):
    aiofs.open_fs(fs_url + ("&" if "?" in fs_url else "?") + "no_such_option=1")


# (id, action(fs, fs2, fs_url), exact type, the path it must name or None, errno or None)
SITUATIONS = [
    ("invalid path open", lambda fs, fs2, u: _open(fs, "a//b"), ValueError, "a//b", None),
    ("invalid path read_bytes", lambda fs, fs2, u: fs.read_bytes("/abs"), ValueError, "/abs", None),
    ("invalid path ls", lambda fs, fs2, u: fs.ls("a/../b"), ValueError, "a/../b", None),
    ("unknown mode", lambda fs, fs2, u: _open(fs, "exists", "rw"), ValueError, None, None),
    ("text mode", lambda fs, fs2, u: _open(fs, "exists", "rt"), ValueError, None, None),
    ("unknown scheme", lambda fs, fs2, u: _bad_scheme(), ValueError, None, None),
    ("bad option", lambda fs, fs2, u: _bad_option(fs, u), ValueError, None, None),
    ("missing open r", lambda fs, fs2, u: _open(fs, "no/file"), FileNotFoundError, "no/file", errno.ENOENT),
    ("missing open r+", lambda fs, fs2, u: _open(fs, "no/file", "r+"), FileNotFoundError, "no/file", errno.ENOENT),
    ("missing read_bytes", lambda fs, fs2, u: fs.read_bytes("no/file"), FileNotFoundError, "no/file", errno.ENOENT),
    ("missing stat", lambda fs, fs2, u: fs.stat("no/file"), FileNotFoundError, "no/file", errno.ENOENT),
    ("missing cp src", lambda fs, fs2, u: fs.cp("no/file", "x"), FileNotFoundError, "no/file", errno.ENOENT),
    ("missing mv src", lambda fs, fs2, u: fs.mv("no/file", "x"), FileNotFoundError, "no/file", errno.ENOENT),
    ("missing under a file", lambda fs, fs2, u: fs.read_bytes("exists/sub"), FileNotFoundError, "exists/sub", errno.ENOENT),
    ("x on existing", lambda fs, fs2, u: _open(fs, "exists", "x"), FileExistsError, "exists", errno.EEXIST),
    ("writer holds: open w", lambda fs, fs2, u: _held(fs, fs2, lambda o: _open(o, "exists", "w")), BlockingIOError, "exists", errno.EAGAIN),
    ("writer holds: open r+", lambda fs, fs2, u: _held(fs, fs2, lambda o: _open(o, "exists", "r+")), BlockingIOError, "exists", errno.EAGAIN),
    ("writer holds: open a", lambda fs, fs2, u: _held(fs, fs2, lambda o: _open(o, "exists", "a")), BlockingIOError, "exists", errno.EAGAIN),
    ("writer holds: write_bytes", lambda fs, fs2, u: _held(fs, fs2, lambda o: o.write_bytes("exists", b"")), BlockingIOError, "exists", errno.EAGAIN),
    ("writer holds: cp dst", lambda fs, fs2, u: _held(fs, fs2, lambda o: o.cp("other", "exists")), BlockingIOError, "exists", errno.EAGAIN),
    ("writer holds: mv dst", lambda fs, fs2, u: _held(fs, fs2, lambda o: o.mv("other", "exists")), BlockingIOError, "exists", errno.EAGAIN),
    ("read in w", lambda fs, fs2, u: _read_in(fs, "w"), io.UnsupportedOperation, None, None),
    ("read in a", lambda fs, fs2, u: _read_in(fs, "a"), io.UnsupportedOperation, None, None),
    ("read in x", lambda fs, fs2, u: _read_in(fs, "x"), io.UnsupportedOperation, None, None),
    ("seek in w", lambda fs, fs2, u: _seek_in(fs, "w"), io.UnsupportedOperation, None, None),
    ("write in r", lambda fs, fs2, u: _write_in_r(fs), io.UnsupportedOperation, None, None),
    ("I/O before the block", lambda fs, fs2, u: _before_block(fs), RuntimeError, "exists", None),
    ("I/O after the block", lambda fs, fs2, u: _after_block(fs), RuntimeError, "exists", None),
    ("use after close: ls", lambda fs, fs2, u: _after_close(fs, lambda c: c.ls()), RuntimeError, None, None),
    ("use after close: open", lambda fs, fs2, u: _after_close(fs, lambda c: _open(c, "exists")), RuntimeError, None, None),
    ("use after close: read_bytes", lambda fs, fs2, u: _after_close(fs, lambda c: c.read_bytes("exists")), RuntimeError, None, None),
]  # fmt: skip


async def _bad_scheme():
    aiofs.open_fs("nosuchscheme://x")


@pytest.mark.parametrize(
    ("action", "kind", "path", "code"),
    [pytest.param(*row[1:], id=row[0]) for row in SITUATIONS],
)
async def test_error_table(fs, fs2, fs_url, action, kind, path, code):
    """§4: each situation raises exactly its built-in type, naming the path and the backend."""
    await fs.write_bytes("exists", b"content")
    await fs.write_bytes("other", b"other")
    with pytest.raises(Exception) as excinfo:  # the exact type is checked below
        await action(fs, fs2, fs_url)
    exc = excinfo.value
    assert type(exc) is kind, repr(exc)
    message = str(exc)
    if path is not None:
        assert repr(path) in message or path in message, message
    if code is not None:
        assert isinstance(exc, OSError)
        assert exc.errno == code
        assert exc.filename == path
        assert fs.where in message  # the backend is named
        assert exc.strerror
    # Translated deliberately at one seam: any original is chained with `from`, never an
    # accidental "during handling of the above exception" context.
    assert exc.__context__ is None or exc.__suppress_context__, repr(exc.__context__)
    if exc.__cause__ is not None:
        assert isinstance(exc.__cause__, BaseException)
        assert exc.__cause__ is not exc


async def test_error_table_is_complete():
    """§4: the table covers every situation the contract lists for all backends."""
    kinds = {row[2] for row in SITUATIONS}
    assert kinds == {
        ValueError,
        FileNotFoundError,
        FileExistsError,
        BlockingIOError,
        io.UnsupportedOperation,
        RuntimeError,
    }


async def test_errors_leave_the_store_usable(fs):
    """§4: after every error situation the file system keeps working."""
    for row in SITUATIONS:
        if "close" in row[0]:
            continue
        await fs.write_bytes("exists", b"content")
        await fs.write_bytes("other", b"other")
        with pytest.raises(row[2]):
            await row[1](fs, fs, "memory://")
    await fs.write_bytes("exists", b"still fine")
    assert await fs.read_bytes("exists") == b"still fine"
