"""Helpers for the command-line tests: run ``aiofs`` in-process or as a real subprocess."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import subprocess
import sys
from collections.abc import Mapping
from unittest import mock

import aiofs
from aiofs._cli import main


@dataclasses.dataclass
class Result:
    code: int
    out: bytes
    err: str

    @property
    def text(self) -> str:
        return self.out.decode()

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def run(*argv: str, stdin: bytes = b"") -> Result:
    """``aiofs ARGV`` in this process (fast; memory:// stores are shared)."""
    out, err = io.BytesIO(), io.BytesIO()
    streams = {
        "stdout": io.TextIOWrapper(out, encoding="utf-8", write_through=True),
        "stderr": io.TextIOWrapper(err, encoding="utf-8", write_through=True),
        "stdin": io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"),
    }
    with mock.patch.multiple(sys, **streams):
        code = main(list(argv))
    return Result(code, out.getvalue(), err.getvalue().decode())


def run_process(
    *argv: str, env: Mapping[str, str] | None = None, stdin: bytes = b"", timeout: float = 60
) -> Result:
    """``python -m aiofs ARGV`` as a real subprocess (exit codes, signals, TTY checks)."""
    done = subprocess.run(
        [sys.executable, "-m", "aiofs", *argv],
        input=stdin,
        capture_output=True,
        env=process_env(env),
        timeout=timeout,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr.decode())


def process_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIOFS_")}
    env["AIOFS_CONFIG"] = os.devnull
    env.update(extra or {})
    return env


def seed(url: str, files: Mapping[str, bytes]) -> None:
    async def write() -> None:
        async with aiofs.open_fs(url) as fs:
            for path, data in files.items():
                async with fs.open(path, "w") as file:
                    await file.write(data)

    asyncio.run(write())


def read_all(url: str) -> dict[str, bytes]:
    async def read() -> dict[str, bytes]:
        async with aiofs.open_fs(url) as fs:
            return {path: await fs.read_bytes(path) for path in await fs.ls("*")}

    return asyncio.run(read())
