"""The ``aiofs`` command line as a real subprocess: exit codes, messages, signals, TTY.

Memory stores do not cross processes, so these run on the local disk, Redis and Azurite
(each reached as the named remote ``t:`` through ``AIOFS_REMOTE_T``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests._cli_util import Result, process_env, read_all, run_process

PROCESS_BACKENDS = ["local", "redis", "azure"]


@pytest.fixture(params=PROCESS_BACKENDS)
def url(request) -> str:
    return request.getfixturevalue(f"{request.param}_url")


def _one_line_error(result, code: int, *fragments: str) -> None:
    assert result.code == code, (result.code, result.err)
    assert result.err.count("\n") == 1, result.err
    assert result.err.startswith("aiofs: "), result.err
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in result.err, result.err


def test_console_script_and_module_agree():
    script = shutil.which("aiofs", path=os.path.dirname(sys.executable))
    assert script, "the aiofs console script is installed next to the interpreter"
    done = subprocess.run([script, "--version"], capture_output=True, check=False)
    assert done.returncode == 0 and done.stdout.startswith(b"aiofs ")
    result = run_process("--help")
    assert result.code == 0 and b"sync" in result.out and b"exit codes" in result.out


def test_every_command_end_to_end(url, tmp_path):
    """put, ls, stat, cat, cp, mv, get, sync, rm as separate processes on one backend."""
    env = {"AIOFS_REMOTE_T": url}
    src = tmp_path / "media"
    (src / "2026").mkdir(parents=True)
    for i in range(5):
        (src / "2026" / f"p{i}.jpg").write_bytes(os.urandom(1000 + i))
    (src / "readme.txt").write_bytes(b"hello\n")
    assert run_process("put", "-r", str(src), "t:up/", env=env).code == 0
    assert run_process("ls", "t:up/*.txt", env=env).out == b"readme.txt\n"
    listing = json.loads(run_process("ls", "--json", "t:up", env=env).out)
    assert len(listing) == 6 and listing[-1]["name"] == "readme.txt"
    assert json.loads(run_process("stat", "--json", "t:up/readme.txt", env=env).out)[0]["size"] == 6
    assert run_process("cat", "t:up/readme.txt", env=env).out == b"hello\n"
    assert run_process("cp", "t:up/readme.txt", "t:copy.txt", env=env).code == 0
    assert run_process("mv", "t:copy.txt", "t:moved.txt", env=env).code == 0
    assert run_process("get", "t:moved.txt", str(tmp_path / "back.txt"), env=env).code == 0
    assert (tmp_path / "back.txt").read_bytes() == b"hello\n"
    first = run_process("sync", "--json", "-j", "3", str(src), "t:mirror", env=env)
    second = run_process("sync", "--json", str(src), "t:mirror", env=env)
    assert (json.loads(first.out)["files"], json.loads(second.out)["files"]) == (6, 0)
    assert json.loads(second.out)["skipped"] == 6
    assert run_process("rm", "-r", "t:up", env=env).code == 0
    stored = read_all(url)
    mirrored = [f"mirror/2026/p{i}.jpg" for i in range(5)] + ["mirror/readme.txt"]
    assert sorted(stored) == sorted(["moved.txt", *mirrored])
    assert stored["mirror/2026/p3.jpg"] == (src / "2026" / "p3.jpg").read_bytes()


def test_not_found_is_3(url):
    env = {"AIOFS_REMOTE_T": url}
    _one_line_error(run_process("cat", "t:missing.txt", env=env), 3, "t:missing.txt")
    _one_line_error(run_process("get", "t:missing.txt", "x", env=env), 3)


def test_usage_errors_are_2(tmp_path):
    _one_line_error(run_process("ls"), 2, "aiofs ls --help")
    _one_line_error(run_process("frobnicate"), 2, "invalid choice")
    _one_line_error(run_process("cp", "only-one"), 2, "SRC... DST")
    _one_line_error(run_process("ls", "nope:x"), 2, "AIOFS_REMOTE_NOPE")
    _one_line_error(run_process("ls", "memory://s/a//b//c"), 2, "Invalid path")
    _one_line_error(run_process("ls", "ftp2://x/y"), 2, "Unknown file system scheme")
    _one_line_error(run_process("sync", "-j", "0", "a", "b"), 2, "at least 1")


def test_permission_is_4(tmp_path):
    """A path that leads outside the root (a symlink on the local disk) is refused."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "escape").symlink_to("/etc")
    env = {"AIOFS_REMOTE_R": f"file://{root}"}
    _one_line_error(run_process("cat", "r:escape/hostname", env=env), 4, "outside the root")


def test_unreachable_backend_is_5():
    from tests.servers import free_port

    started = time.monotonic()
    result = run_process("ls", f"redis://127.0.0.1:{free_port()}/0/x")
    _one_line_error(result, 5, "unreachable")
    assert time.monotonic() - started < 30


def test_conflict_is_6(tmp_path):
    """Another writer holds the destination: BlockingIOError, nothing committed."""
    import asyncio

    import aiofs

    root = tmp_path / "root"
    source = tmp_path / "new.txt"
    source.write_bytes(b"new")
    env = {"AIOFS_REMOTE_R": f"file://{root}"}

    async def hold_and_run() -> object:
        async with aiofs.open_fs(f"file://{root}") as fs, fs.open("a.txt", "w") as file:
            await file.write(b"held")
            return await asyncio.to_thread(run_process, "put", str(source), "r:a.txt", env=env)

    result = asyncio.run(hold_and_run())
    _one_line_error(result, 6, "a.txt")
    assert (root / "a.txt").read_bytes() == b"held"


def test_debug_shows_the_traceback(tmp_path):
    result = run_process("--debug", "cat", str(tmp_path / "nope.txt"))
    assert result.code == 3
    assert "Traceback" in result.err and result.err.rstrip().splitlines()[-1].startswith("aiofs: ")
    assert run_process("cat", str(tmp_path / "nope.txt"), "--debug").err.count("Traceback") == 1


def test_json_output_is_parseable(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_bytes(b"x")
    for argv in (
        ["ls", "--json", str(tmp_path / "a")],
        ["stat", "--json", str(tmp_path / "a" / "x.txt")],
        ["sync", "--json", "--dry-run", str(tmp_path / "a"), str(tmp_path / "b")],
        ["cp", "--json", str(tmp_path / "a" / "x.txt"), str(tmp_path / "c.txt")],
        ["rm", "--json", str(tmp_path / "c.txt")],
    ):
        result = run_process(*argv)
        assert result.code == 0, result.err
        json.loads(result.out)


def test_progress_is_off_when_stderr_is_not_a_tty(tmp_path):
    """A sync long enough to draw the bar on a terminal writes nothing to a pipe."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "big.bin").write_bytes(b"\0" * (64 << 20))
    result = run_process("sync", str(src), str(tmp_path / "dst"))
    assert result.code == 0
    assert "\r" not in result.err and "files |" not in result.err
    assert result.err.startswith("sync: 1 copied (64.0 MiB)")
    quiet = run_process("sync", "-q", str(src), str(tmp_path / "dst2"))
    assert (quiet.code, quiet.err) == (0, "")


def test_broken_pipe_is_quiet(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"line\n" * 2_000_000)
    done = subprocess.run(
        f"'{sys.executable}' -m aiofs cat '{big}' | head -c 10",
        shell=True,
        capture_output=True,
        env=process_env(),
        check=False,
    )
    assert done.stdout == b"line\n" * 2
    assert done.stderr == b""


def _read_by(pid: int) -> int:
    """Bytes the process has read so far (Linux ``/proc/<pid>/io``)."""
    with open(f"/proc/{pid}/io") as file:
        return next(int(line.split()[1]) for line in file if line.startswith("rchar:"))


def _sparse(path: Path, size: int) -> None:
    with open(path, "wb") as file:
        file.truncate(size)


@pytest.mark.parametrize("destination", ["plain", "aiofs"])
def test_ctrl_c_leaves_no_partial_destination(tmp_path, destination):
    """SIGINT while a large get/cp is writing: exit 130, no destination, no temp file.

    The source is a sparse 16 GiB file, so the copy is surely still running when the
    signal arrives (it is sent once the process has read 64 MiB of it).
    """
    src = tmp_path / "src"
    src.mkdir()
    _sparse(src / "huge.bin", 16 << 30)
    out = tmp_path / "out"
    out.mkdir()
    env = process_env({"AIOFS_REMOTE_S": f"file://{src}", "AIOFS_REMOTE_O": f"file://{out}"})
    if destination == "plain":
        argv = ["get", "s:huge.bin", str(out / "huge.bin")]
    else:
        argv = ["cp", "s:huge.bin", "o:huge.bin"]
    process = subprocess.Popen(
        [sys.executable, "-m", "aiofs", *argv], env=env, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while _read_by(process.pid) < 64 << 20:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the copy never got going"
            time.sleep(0.005)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    assert err == b"aiofs: interrupted\n"
    assert [name for name in os.listdir(out) if name != ".aiofs\x7f"] == []


def test_ctrl_c_on_put_from_stdin_commits_nothing(redis_url):
    """A redis destination fed from a pipe that never ends: Ctrl-C aborts the write."""
    env = process_env({"AIOFS_REMOTE_T": redis_url})
    process = subprocess.Popen(
        [sys.executable, "-m", "aiofs", "put", "-", "t:stream.bin"],
        env=env,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdin is not None
        process.stdin.write(os.urandom(4 << 20))
        process.stdin.flush()
        time.sleep(1.0)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)  # stdin still open: the signal alone ends the command
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    assert read_all(redis_url) == {}


def test_missing_extra_is_7():
    """A backend whose extra is not installed: the message names the pip install."""
    script = (
        "import sys; sys.modules['redis'] = None; sys.modules['redis.asyncio'] = None\n"
        "from aiofs.__main__ import main; sys.exit(main(['ls', 'redis://127.0.0.1:1/0/x']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, env=process_env(), check=False
    )
    result = Result(done.returncode, done.stdout, done.stderr.decode())
    _one_line_error(result, 7, 'pip install "aiofs[redis]"')
