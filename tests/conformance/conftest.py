"""Every conformance test also proves it leaks nothing: no ResourceWarning, no open fd."""

from __future__ import annotations

import gc
import os
import warnings

import pytest

_FDS = "/proc/self/fd"


def _open_fds() -> set[str]:
    return set(os.listdir(_FDS)) if os.path.isdir(_FDS) else set()


@pytest.fixture(autouse=True)
def _no_leaks(request):
    """Fail a test that leaves a file descriptor open or triggers a ResourceWarning.

    Runs outside the test's own fixtures (it is set up first, torn down last), so the file
    systems the test opened are closed by then.
    """
    before = _open_fds()
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        gc.collect(0)  # the young generation holds what the test made; a full pass is slow
    if "local" in request.node.name:
        leaked = _open_fds() - before
        # the event loop of an async test may still be closing: allow its few fds
        leaked = {fd for fd in leaked if not _is_loop_fd(fd)}
        assert not leaked, f"file descriptors left open: {_describe(leaked)}"


def _is_loop_fd(fd: str) -> bool:
    try:
        target = os.readlink(f"{_FDS}/{fd}")
    except OSError:
        return True  # closed meanwhile
    return target.startswith(("socket:", "pipe:", "anon_inode:"))


def _describe(fds: set[str]) -> list[str]:
    out = []
    for fd in sorted(fds):
        try:
            out.append(f"{fd} -> {os.readlink(f'{_FDS}/{fd}')}")
        except OSError:
            out.append(fd)
    return out
