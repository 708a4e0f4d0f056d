"""Model-based testing (CONTRACT §§1-3): every backend behaves like a plain ``dict``.

A hypothesis ``RuleBasedStateMachine`` drives one backend and :class:`_model.Model` with
the same operations (all write modes, failing blocks, ranged reads, seek, readline, rm by
pattern, cp, mv, ls, scan, stat, exists) over names full of glob and escape characters,
and both ``a`` and ``a/b``; any divergence fails. On the local disk the model adds the
portability rule (``a`` and ``a/b`` cannot coexist). A differential test replays one random
log on all backends in lock-step: identical results and identical exception types.
"""

from __future__ import annotations

import asyncio
import glob
import random

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

import aiofs
from tests.conftest import BACKENDS

from . import _model
from ._stress import scaled

NAMES = [
    "a",
    "a/b",
    "a/b/c",
    "b[1]",
    "b1",
    "*",
    "c?",
    "[x]",
    "%41",
    "%2e%2e",
    "k:v",
    "k:v/w",
    "{h}",
    "{h}/x",
    "é",
    "d/é",
    "d/[x]*",
    "e]",
    "A",
]
PATTERNS = [
    "*",
    "a*",
    "a/*",
    "b[1]",
    "b[[]1]",
    "[!a]*",
    "?",
    "*é*",
    "{*}",
    "k:*",
    "%*",
    "*]",
    "d/*",
    "[[]x]",
    "*/*",
    "*[?*]*",
    *(glob.escape(name) for name in NAMES[::3]),
]
MODES = ["w", "a", "x", "r+"]

names = st.sampled_from(NAMES)
contents = st.one_of(
    st.binary(max_size=64),
    st.lists(st.sampled_from([b"line\n", b"\n", b"x", b"\r\n", b"\xff\xfe"]), max_size=12).map(
        b"".join
    ),
)

MODEL_SETTINGS = settings(
    max_examples=scaled(12, 300),
    stateful_step_count=scaled(25, 60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class _Machine(RuleBasedStateMachine):
    """One backend against the model, one operation per step."""

    url = ""
    disk = False

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.fs = aiofs.open_fs(self.url)
        self.model = _model.Model(disk=self.disk)

    def teardown(self) -> None:
        try:
            self.loop.run_until_complete(self._close())
        finally:
            self.loop.close()

    async def _close(self) -> None:
        try:
            await self.fs.rm("*")
        finally:
            await self.fs.close()

    def check(self, op: tuple) -> None:
        got = self.loop.run_until_complete(_model.run(self.fs, op))
        want = self.model.apply(op)
        assert got == want, f"{op!r}: backend {got!r}, model {want!r}"

    @initialize()
    def empty(self) -> None:
        assert self.loop.run_until_complete(self.fs.rm("*")) >= 0
        self.check(("ls", "*"))

    @rule(
        path=names,
        mode=st.sampled_from(MODES),
        parts=st.lists(contents, max_size=3).map(tuple),
        fail=st.booleans(),
    )
    def write(self, path, mode, parts, fail):
        self.check(("write", path, mode, parts, fail))

    @rule(path=names, data=contents)
    def write_bytes(self, path, data):
        self.check(("write_bytes", path, data))

    @rule(path=names)
    def read_bytes(self, path):
        self.check(("read_bytes", path))

    @rule(
        path=names,
        offset=st.integers(-80, 80),
        whence=st.sampled_from([0, 1, 2]),
        size=st.integers(-1, 80),
    )
    def read_range(self, path, offset, whence, size):
        self.check(("read_range", path, offset, whence, size))

    @rule(path=names, limit=st.integers(-1, 10))
    def lines(self, path, limit):
        self.check(("lines", path, limit))

    @rule(pattern=st.sampled_from(PATTERNS))
    def ls(self, pattern):
        self.check(("ls", pattern))

    @rule(pattern=st.sampled_from(PATTERNS))
    def scan(self, pattern):
        self.check(("scan", pattern))

    @rule(pattern=st.sampled_from(PATTERNS))
    def rm(self, pattern):
        self.check(("rm", pattern))

    @rule(src=names, dst=names)
    def cp(self, src, dst):
        self.check(("cp", src, dst))

    @rule(src=names, dst=names)
    def mv(self, src, dst):
        self.check(("mv", src, dst))

    @rule(path=names)
    def stat(self, path):
        self.check(("stat", path))

    @rule(path=names)
    def exists(self, path):
        self.check(("exists", path))


@pytest.mark.timeout(scaled(120, 3600))
def test_backend_matches_model(fs_url, backend):
    """§§1-3: a random sequence of operations leaves the backend and the dict model equal."""
    machine = type("ModelMachine", (_Machine,), {"url": fs_url, "disk": backend == "local"})
    run_state_machine_as_test(machine, settings=MODEL_SETTINGS)


# -- differential ---------------------------------------------------------------------

#: No name is the prefix of another, so the disk's portability rule never applies.
FLAT_NAMES = ["x", "b[1]", "b1", "*", "c?", "%2e", "k:v", "{h}", "é", "d/é", "d/[x]", "d/e/f"]
LOG_LENGTH = scaled(150, 3000)


def random_op(rng: random.Random) -> tuple:
    name = lambda: rng.choice(FLAT_NAMES)  # noqa: E731
    data = lambda: rng.randbytes(rng.randrange(0, 40)) + b"\n" * rng.randrange(3)  # noqa: E731
    kind = rng.choice(
        [
            *("write", "write", "write_bytes", "read_bytes", "read_range", "lines", "ls"),
            *("scan", "rm", "cp", "mv", "stat", "exists"),
        ]
    )
    if kind == "write":
        parts = tuple(data() for _ in range(rng.randrange(3)))
        return (kind, name(), rng.choice(MODES), parts, rng.random() < 0.15)
    if kind == "write_bytes":
        return (kind, name(), data())
    if kind == "read_range":
        return (kind, name(), rng.randrange(-50, 50), rng.randrange(3), rng.randrange(-1, 50))
    if kind == "lines":
        return (kind, name(), rng.randrange(-1, 8))
    if kind in ("ls", "scan", "rm"):
        pattern = rng.choice([*PATTERNS, "d/*", "d/e*", "*1*"])
        return (kind, pattern)
    if kind in ("cp", "mv"):
        return (kind, name(), name())
    return (kind, name())


def _available(request) -> dict[str, str]:
    urls = {}
    for name in BACKENDS:
        try:
            urls[name] = request.getfixturevalue(f"{name.replace('-', '_')}_url")
        except pytest.skip.Exception:
            continue
    return urls


@pytest.mark.timeout(scaled(120, 3600))
async def test_backends_agree_in_lock_step(request):
    """§§1-4: one random operation log gives identical results on every backend."""
    urls = _available(request)
    assert {"memory", "local"} <= set(urls)
    rng = random.Random(scaled(6, random.randrange(1 << 30)))
    systems = {name: aiofs.open_fs(url) for name, url in urls.items()}
    model = _model.Model()
    try:
        for fs in systems.values():
            await fs.rm("*")
        for step in range(LOG_LENGTH):
            op = random_op(rng)
            want = model.apply(op)
            got = await asyncio.gather(*(_model.run(fs, op) for fs in systems.values()))
            results = dict(zip(systems, got, strict=True))
            assert all(r == want for r in got), f"step {step} {op!r}: {results} (model {want})"
    finally:
        for fs in systems.values():
            await fs.rm("*")
            await fs.close()
