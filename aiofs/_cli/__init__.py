"""The ``aiofs`` command line (``python -m aiofs``): files on any backend, from a shell.

Private: the public entry point is :func:`aiofs.__main__.main`. It uses only the public
aiofs API (``open_fs`` and ``FileLikeSystem``), so every backend works the same.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import traceback
from collections.abc import Coroutine
from typing import Any

from . import errors, interrupts
from .parser import parse
from .session import Session

__all__ = ["main"]


class _Signalled(Exception):
    def __init__(self, signum: int) -> None:
        self.signum = signum


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code (docs/cli.md has the table)."""
    try:
        args = parse(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else errors.USAGE
    debug = getattr(args, "debug", False) or bool(os.environ.get("AIOFS_DEBUG"))
    if getattr(args, "quiet", None) is None:
        args.quiet = False
    try:
        return _run(_command(args))
    except _Signalled as exc:
        if debug:
            traceback.print_exc()
        name = "interrupted" if exc.signum == signal.SIGINT else "terminated"
        print(f"aiofs: {name}", file=sys.stderr)
        return errors.INTERRUPTED if exc.signum == signal.SIGINT else errors.TERMINATED
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        print("aiofs: interrupted", file=sys.stderr)
        return errors.INTERRUPTED
    except Exception as exc:
        if isinstance(exc, BrokenPipeError):
            _silence_stdout()
            return errors.BROKEN_PIPE
        if debug:
            traceback.print_exc()
        print(f"aiofs: {errors.message(exc)}", file=sys.stderr)
        return errors.exit_code(exc)


async def _command(args: Any) -> int:
    async with Session() as session:
        code: int = await args.func(args, session)
        return code


def _run(coro: Coroutine[Any, Any, int]) -> int:
    """``asyncio.run`` where SIGINT/SIGTERM cancel the command, so every ``async with``
    on the way out aborts its write (nothing half-written); a second Ctrl-C quits at once.
    """
    loop = asyncio.new_event_loop()
    task = loop.create_task(coro)
    previous: dict[signal.Signals, Any] = {}

    def on_signal(signum: int, frame: object) -> None:
        # A Python-level handler runs at the next bytecode, before the loop goes on: a
        # stream that ends because Ctrl-C also killed its producer is never committed.
        interrupts.received.append(signum)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        loop.call_soon_threadsafe(task.cancel)

    interrupts.received.clear()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, on_signal)
        except ValueError:  # not the main thread
            break
    try:
        try:
            return loop.run_until_complete(task)
        except asyncio.CancelledError:
            if interrupts.received:
                raise _Signalled(interrupts.received[0]) from None
            raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        try:
            _cancel_all(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the exit flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
