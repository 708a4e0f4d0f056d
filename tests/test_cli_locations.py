"""How a command-line location splits into (file system URL, path): docs/cli.md, "Locations"."""

from __future__ import annotations

import errno
import io
import os

import pytest

from aiofs._cli import errors
from aiofs._cli.locations import Remotes, parse


@pytest.fixture
def remotes(tmp_path) -> Remotes:
    config = tmp_path / "aiofs.conf"
    config.write_text(
        "[media]\nurl = azure://media\nconnection_string = Account=x;Key=a%b==\n\n"
        "[Cache]\nurl = redis://localhost:6379/0?prefix=app\n"
    )
    return Remotes({"AIOFS_CONFIG": str(config), "AIOFS_REMOTE_SCRATCH": "memory://scratch"})


@pytest.mark.parametrize(
    ("text", "url", "path"),
    [
        ("memory://store/a/b.txt", "memory://store", "a/b.txt"),
        ("memory://store", "memory://store", ""),
        ("redis://localhost:6379/0/a/b.txt", "redis://localhost:6379/0", "a/b.txt"),
        ("rediss://u:p@host:6380/3/x", "rediss://u:p@host:6380/3", "x"),
        ("redis://localhost:6379", "redis://localhost:6379", ""),
        ("redis+cluster://h:7000/a/b", "redis+cluster://h:7000", "a/b"),
        ("azure://media/avatars/*.jpg", "azure://media", "avatars/*.jpg"),
        ("azure://media/site-a//avatars/x.jpg", "azure://media/site-a", "avatars/x.jpg"),
        ("memory://s//a", "memory://s", "a"),
        ("custom://net/loc/p", "custom://net", "loc/p"),
    ],
)
def test_url_locations_split_per_scheme(text, url, path, remotes):
    """Each scheme says where its file system URL ends; '//' ends it explicitly."""
    loc = parse(text, remotes)
    assert (loc.url, loc.path, loc.local) == (url, path, None)


def test_url_query_gives_file_system_options(remotes):
    loc = parse("redis://h:1/0/a/b.txt?prefix=app&timeout=3", remotes)
    assert loc.url == "redis://h:1/0"
    assert loc.path == "a/b.txt"
    assert dict(loc.options) == {"prefix": "app", "timeout": "3"}


def test_secrets_in_urls_are_not_echoed(remotes):
    loc = parse("rediss://me:s3cret@h:1/0/a?password=pw&prefix=p", remotes)
    assert loc.text == "rediss://me:***@h:1/0/a?password=***&prefix=***"
    assert dict(loc.options)["password"] == "pw"
    with pytest.raises(errors.CliError) as caught:
        parse("redis://me:s3cret@h:1/reports/x", remotes)
    assert "s3cret" not in str(caught.value)


def test_a_question_mark_glob_is_not_a_query(remotes):
    assert parse("memory://s/file?.txt", remotes).path == "file?.txt"


def test_redis_path_needs_a_database_number(remotes):
    with pytest.raises(errors.CliError, match="database number"):
        parse("redis://localhost:6379/reports/q1.csv", remotes)


def test_named_remotes_from_config_and_environment(remotes):
    media = parse("media:avatars/a.jpg", remotes)
    assert (media.url, media.path) == ("azure://media", "avatars/a.jpg")
    assert dict(media.options) == {"connection_string": "Account=x;Key=a%b=="}
    cache = parse("CACHE:", remotes)  # names are case-insensitive
    assert (cache.url, cache.path, cache.folder) == (
        "redis://localhost:6379/0?prefix=app",
        "",
        True,
    )
    scratch = parse("scratch:dir/", remotes)
    assert (scratch.url, scratch.path, scratch.folder) == ("memory://scratch", "dir", True)


def test_environment_wins_over_config(tmp_path):
    config = tmp_path / "c.conf"
    config.write_text("[media]\nurl = memory://from-file\n")
    env = {"AIOFS_CONFIG": str(config), "AIOFS_REMOTE_MEDIA": "memory://from-env"}
    assert parse("media:x", Remotes(env)).url == "memory://from-env"


def test_config_defaults_to_xdg_config_home(tmp_path):
    folder = tmp_path / "aiofs"
    folder.mkdir()
    (folder / "aiofs.conf").write_text("[m]\nurl = memory://xdg\n")
    assert parse("m:a", Remotes({"XDG_CONFIG_HOME": str(tmp_path)})).url == "memory://xdg"


def test_unknown_remote_names_the_fixes(remotes):
    with pytest.raises(errors.CliError) as caught:
        parse("nope:a.txt", remotes)
    assert "AIOFS_REMOTE_NOPE" in str(caught.value)
    assert "./nope:" in str(caught.value)
    assert caught.value.code == errors.USAGE


def test_remote_without_url_is_an_error(tmp_path):
    config = tmp_path / "c.conf"
    config.write_text("[m]\nprefix = x\n")
    with pytest.raises(errors.CliError, match="no 'url"):
        parse("m:a", Remotes({"AIOFS_CONFIG": str(config)}))


def test_plain_local_paths(tmp_path, remotes, monkeypatch):
    """A folder is its own root; a file or a glob is rooted at its literal folder."""
    (tmp_path / "media" / "sub").mkdir(parents=True)
    (tmp_path / "media" / "a.jpg").write_bytes(b"a")
    monkeypatch.chdir(tmp_path)
    real = os.path.realpath(tmp_path)
    folder = parse("media", remotes)
    assert (folder.local, folder.path, folder.folder) == (f"{real}/media", "", True)
    assert folder.url == f"file://{real}/media"
    file = parse("./media/a.jpg", remotes)
    assert (file.local, file.path, file.folder) == (f"{real}/media", "a.jpg", False)
    pattern = parse("media/*/x?.jpg", remotes)
    assert (pattern.local, pattern.path, pattern.base) == (f"{real}/media", "*/x?.jpg", "")
    new = parse("media/new/", remotes)
    assert (new.local, new.path, new.folder) == (f"{real}/media", "new", True)
    colon = parse("./a:b.txt", remotes)
    assert (colon.local, colon.path) == (real, "a:b.txt")
    url = parse(f"file://{tmp_path}/media/a.jpg", remotes)
    assert (url.local, url.path) == (f"{real}/media", "a.jpg")


def test_symlinked_local_file_keeps_its_name(tmp_path, remotes):
    (tmp_path / "target.txt").write_bytes(b"x")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "link.txt").symlink_to(tmp_path / "target.txt")
    loc = parse(str(tmp_path / "d" / "link.txt"), remotes)
    assert (loc.local, loc.path, loc.alias) == (
        os.path.realpath(tmp_path),
        "target.txt",
        "link.txt",
    )


def test_glob_base_is_the_literal_folder(remotes):
    assert parse("memory://s/a/b/*.jpg", remotes).base == "a/b"
    assert parse("memory://s/a/b[[]1]/x", remotes).has_wildcard


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (errors.CliError("x", errors.NOT_FOUND), 3),
        (FileNotFoundError(errno.ENOENT, "No such file (memory://)", "a"), 3),
        (PermissionError(errno.EACCES, "Path leads outside the root", "a"), 4),
        (ConnectionError("Redis is unreachable"), 5),
        (TimeoutError(), 5),
        (BlockingIOError(errno.EAGAIN, "Not committed", "a"), 6),
        (FileExistsError(errno.EEXIST, "File exists", "a"), 6),
        (IsADirectoryError(errno.EISDIR, "Is a directory", "a"), 6),
        (ValueError("Invalid path"), 2),
        (ImportError('pip install "aiofs[redis]"'), 7),
        (BrokenPipeError(), 141),
        (io.UnsupportedOperation("read"), 1),
        (RuntimeError("bug"), 1),
    ],
)
def test_exit_code_table(exc, code):
    """docs/cli.md's exit-code table, one row each."""
    assert errors.exit_code(exc) == code


def test_messages_are_one_line_without_errno_noise():
    exc = FileNotFoundError(errno.ENOENT, "No such file (redis://h:1/0)", "a/b.txt")
    assert errors.message(exc) == "a/b.txt: No such file (redis://h:1/0)"
    assert errors.message(TimeoutError()) == "timed out"
    assert errors.message(ValueError("two\nlines")) == "two lines"
