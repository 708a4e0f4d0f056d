"""The ``aiofs`` command line, in-process, on every backend (docs/cli.md).

The named remote ``t:`` points at the backend under test (``AIOFS_REMOTE_T``); plain
local paths and a second backend (``memory://`` or ``file://``) are the other ends.
"""

from __future__ import annotations

import json
import os
import tracemalloc

import pytest

from tests._cli_util import read_all, run, seed

CLI_BACKENDS = ["memory", "local", "redis", "azure"]


@pytest.fixture(params=CLI_BACKENDS)
def url(request, monkeypatch, tmp_path) -> str:
    """The backend under test, reachable as the remote ``t:``."""
    value = request.getfixturevalue(f"{request.param}_url")
    monkeypatch.setenv("AIOFS_REMOTE_T", value)
    monkeypatch.setenv("AIOFS_CONFIG", os.devnull)
    monkeypatch.chdir(tmp_path)
    return value


@pytest.fixture
def other(tmp_path, monkeypatch) -> str:
    """A second backend (the local disk through file://), as the remote ``o:``."""
    value = f"file://{tmp_path / 'other'}"
    monkeypatch.setenv("AIOFS_REMOTE_O", value)
    return value


@pytest.fixture
def tree(tmp_path):
    """A small local folder: a.txt, b.jpg, sub/c.jpg."""
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"alpha\n")
    (root / "b.jpg").write_bytes(b"B" * 3000)
    (root / "sub" / "c.jpg").write_bytes(b"C" * 10)
    return root


def test_put_ls_cat_stat(url, tree):
    assert run("put", "-r", str(tree), "t:site/").code == 0
    assert run("ls", "t:site").lines == ["a.txt", "b.jpg", "sub/c.jpg"]
    assert run("ls", "t:site/*.jpg").lines == ["b.jpg", "sub/c.jpg"]  # '*' matches '/'
    assert run("ls", "t:").lines == ["site/a.txt", "site/b.jpg", "site/sub/c.jpg"]
    long = run("ls", "-l", "t:site/b.jpg").lines
    assert len(long) == 1
    size, day, _clock, etag, name = long[0].split()
    assert (size, name) == ("3000", "b.jpg") and etag and day.count("-") == 2
    listing = json.loads(run("ls", "--json", "t:site").out)
    assert [(e["name"], e["path"], e["size"]) for e in listing] == [
        ("a.txt", "site/a.txt", 6),
        ("b.jpg", "site/b.jpg", 3000),
        ("sub/c.jpg", "site/sub/c.jpg", 10),
    ]
    assert all(e["etag"] and e["modified"].endswith("+00:00") for e in listing)
    assert run("cat", "t:site/a.txt", "t:site/sub/c.jpg").out == b"alpha\n" + b"C" * 10
    stats = json.loads(run("stat", "--json", "t:site/a.txt").out)
    assert [(s["size"], s["path"]) for s in stats] == [(6, "site/a.txt")]
    text = run("stat", "t:site/a.txt").text
    assert "size:     6" in text and "etag:" in text


def test_put_from_stdin_and_to_exact_name(url, tree):
    assert run("put", "-", "t:in.txt", stdin=b"from stdin").code == 0
    assert run("put", str(tree / "a.txt"), "t:renamed.txt").code == 0
    assert run("cat", "t:in.txt").out == b"from stdin"
    assert run("ls", "t:").lines == ["in.txt", "renamed.txt"]


def test_get_file_glob_and_folder(url, tmp_path):
    seed(url, {"d/a.txt": b"a", "d/x/b.txt": b"bb", "e.txt": b"e"})
    assert run("get", "t:d/a.txt", str(tmp_path / "one.txt")).code == 0
    assert (tmp_path / "one.txt").read_bytes() == b"a"
    assert run("get", "t:d/*.txt", str(tmp_path / "g")).code == 0
    assert sorted(
        p.relative_to(tmp_path / "g").as_posix() for p in (tmp_path / "g").rglob("*.txt")
    ) == [
        "a.txt",
        "x/b.txt",
    ]
    result = run("get", "t:d", str(tmp_path / "f"))
    assert result.code == 2 and "use -r" in result.err
    assert run("get", "-r", "t:d", str(tmp_path / "f")).code == 0
    assert (tmp_path / "f" / "x" / "b.txt").read_bytes() == b"bb"
    (tmp_path / "existing").mkdir()
    assert run("get", "t:e.txt", str(tmp_path / "existing")).code == 0  # into the folder
    assert (tmp_path / "existing" / "e.txt").read_bytes() == b"e"
    assert not [p for p in tmp_path.rglob("*.part")]


def test_cp_and_mv_within_one_backend(url):
    seed(url, {"a.txt": b"one", "dir/b.txt": b"two", "dir/c.txt": b"three"})
    assert run("cp", "t:a.txt", "t:copy.txt").code == 0
    assert run("mv", "t:copy.txt", "t:moved.txt").code == 0
    assert run("cp", "-r", "t:dir", "t:backup/").code == 0
    assert run("mv", "t:dir/*.txt", "t:new").code == 0
    assert read_all(url) == {
        "a.txt": b"one",
        "moved.txt": b"one",
        "backup/b.txt": b"two",
        "backup/c.txt": b"three",
        "new/b.txt": b"two",
        "new/c.txt": b"three",
    }


def test_cp_into_an_existing_prefix_is_a_folder_copy(url):
    seed(url, {"a.txt": b"one", "dir/x.txt": b"x"})
    assert run("cp", "t:a.txt", "t:dir").code == 0
    assert sorted(read_all(url)) == ["a.txt", "dir/a.txt", "dir/x.txt"]


def test_rm_glob_file_and_folder(url):
    seed(url, {"a.txt": b"", "b.jpg": b"", "d/c.jpg": b"", "d/e.txt": b"", "keep": b""})
    result = run("rm", "--json", "t:*.jpg")
    assert (result.code, json.loads(result.out)) == (0, {"removed": 2})
    assert run("rm", "t:a.txt").code == 0
    result = run("rm", "t:d")
    assert result.code == 2 and "-r" in result.err
    assert run("rm", "-r", "t:d").code == 0
    result = run("rm", "t:nope.txt")
    assert result.code == 3 and result.err == "aiofs: t:nope.txt: No such file or folder\n"
    assert run("rm", "-f", "t:nope.txt").code == 0
    assert run("rm", "t:none*").code == 0  # a glob without matches is no error
    assert list(read_all(url)) == ["keep"]


def test_cross_backend_cp_mv_and_sync(url, other):
    seed(url, {"m/a.bin": os.urandom(3 << 20), "m/sub/b.txt": b"b"})
    assert run("cp", "-r", "t:m", "o:copy").code == 0
    assert read_all(other) == {f"copy/{k[2:]}": v for k, v in read_all(url).items()}
    assert run("mv", "o:copy/sub/b.txt", "t:back.txt").code == 0
    assert "copy/sub/b.txt" not in read_all(other)
    assert read_all(url)["back.txt"] == b"b"
    result = run("sync", "--json", "t:m", "o:mirror")
    assert json.loads(result.out)["files"] == 2
    assert run("sync", "--json", "o:mirror", "t:again").code == 0
    assert read_all(url)["again/a.bin"] == read_all(url)["m/a.bin"]


def test_sync_copies_only_missing_or_changed(url, tree):
    first = json.loads(run("sync", "--json", str(tree), "t:media").out)
    assert (first["files"], first["skipped"], first["errors"]) == (3, 0, 0)
    second = json.loads(run("sync", "--json", str(tree), "t:media").out)
    assert (second["files"], second["bytes"], second["skipped"]) == (0, 0, 3)  # idempotent
    (tree / "a.txt").write_bytes(b"alpha, longer\n")  # a new size
    (tree / "new.txt").write_bytes(b"new")
    seed(url, {"media/stale.txt": b"old"})
    dry = run("sync", "-n", "--delete", str(tree), "t:media")
    assert dry.code == 0
    assert dry.lines == [
        "would copy a.txt -> media/a.txt",
        "would copy new.txt -> media/new.txt",
        "would delete media/stale.txt",
    ]
    assert "media/new.txt" not in read_all(url)
    third = json.loads(run("sync", "--json", "--delete", str(tree), "t:media").out)
    assert (third["files"], third["skipped"], third["deleted"]) == (2, 2, 1)
    assert read_all(url) == {
        "media/a.txt": b"alpha, longer\n",
        "media/b.jpg": b"B" * 3000,
        "media/sub/c.jpg": b"C" * 10,
        "media/new.txt": b"new",
    }


def test_sync_to_a_local_folder(url, tmp_path):
    seed(url, {"s/a.txt": b"a", "s/x/y.txt": b"y"})
    assert run("sync", "-q", "t:s", str(tmp_path / "down")).code == 0
    assert (tmp_path / "down" / "x" / "y.txt").read_bytes() == b"y"
    again = json.loads(run("sync", "--json", "t:s", str(tmp_path / "down")).out)
    assert (again["files"], again["skipped"]) == (0, 2)
    assert not list((tmp_path / "down").glob(".aiofs*"))  # plain paths get no lock files


def test_missing_file_is_exit_3_with_one_line(url):
    for argv in (("cat", "t:nope"), ("stat", "t:nope"), ("ls", "t:nope"), ("get", "t:nope", "x")):
        result = run(*argv)
        assert result.code == 3, argv
        assert result.err.count("\n") == 1 and result.err.startswith("aiofs: t:nope"), result.err


def test_invalid_paths_are_usage_errors(url):
    result = run("cat", "t:a//b")
    assert result.code == 2 and result.err.startswith("aiofs: Invalid path 'a//b'")
    assert run("cp", "t:a", "t:*.txt").code == 2
    assert run("sync", "t:*.txt", "t:x").code == 2


def test_copies_stream_in_bounded_memory(tmp_path):
    """A 48 MiB cross-backend copy never holds the whole file (chunks + read-ahead only)."""
    seed("memory://cli-big", {"big.bin": os.urandom(48 << 20)})
    tracemalloc.start()
    try:
        assert (
            run("get", "-j", "1", "memory://cli-big/big.bin", str(tmp_path / "big.bin")).code == 0
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (tmp_path / "big.bin").stat().st_size == 48 << 20
    assert peak < 16 << 20, f"peak {peak / 2**20:.1f} MiB"


def test_progress_bar_draws_on_a_terminal(monkeypatch, tmp_path):
    """With a TTY on stderr (and the delay shortened), the bar shows bytes, files, rate."""
    import io

    from aiofs._cli import progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    bar = progress.Progress(Tty(), enabled=True)
    bar.total_bytes, bar.total_files = 4 << 20, 4
    bar.add(1 << 20)
    bar.file_done()
    line = bar.line(now=bar._start + 1.0)
    assert line == "1.0 MiB / 4.0 MiB  25% | 1/4 files | 1.0 MiB/s | ETA 0:03"
    bar._draw()
    bar.clear()
    assert bar._stream.getvalue().startswith("\r1.0 MiB")
