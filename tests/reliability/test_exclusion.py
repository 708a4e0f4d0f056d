"""Writer exclusion (CONTRACT §2): of overlapping writers exactly one commits.

In one process (many tasks over two clients) and across processes (each running many
writers, started together by a ``multiprocessing.Barrier``), for every write mode on every
backend: each round exactly one commit, every other writer ``BlockingIOError`` (``x`` may
also lose at exit with ``FileExistsError``), and the file holds exactly the winner's payload.
"""

from __future__ import annotations

import multiprocessing
import queue

import pytest

from . import _contend, _procs
from ._stress import scaled

pytestmark = pytest.mark.timeout(scaled(120, 3600))

WRITERS = scaled(50, 200)
ROUNDS = scaled(2, 3)
PROCS, PROC_WRITERS = scaled((4, 10), (8, 25))
SIZE = scaled(96 << 10, 256 << 10)

LOSSES = {_contend.BUSY_ENTER, _contend.BUSY_EXIT}


def check_round(mode: str, round_no: int, outcomes: dict[int, str], final_sha: str) -> None:
    """Exactly one commit, only contract losses, the file = the winner's full payload."""
    winners = [i for i, out in outcomes.items() if out == _contend.COMMIT]
    allowed = LOSSES | ({_contend.EXISTS_EXIT} if mode == "x" else set())
    odd = {i: out for i, out in outcomes.items() if out != _contend.COMMIT and out not in allowed}
    assert not odd, f"mode {mode} round {round_no}: unexpected outcomes {odd}"
    assert len(winners) == 1, f"mode {mode} round {round_no}: {len(winners)} commits"
    want = _contend.expected(mode, round_no, _contend.payload(round_no, winners[0], SIZE))
    assert final_sha == _contend.sha(want), f"mode {mode} round {round_no}: not the winner's"


@pytest.mark.parametrize("mode", _contend.MODES)
async def test_one_writer_in_process(fs, fs2, mode):
    """§2: of WRITERS overlapping writers in one process (two clients), exactly one commits."""
    path = "race/one[1] file.bin"
    for round_no in range(ROUNDS):
        await _contend.prepare(fs, path, mode, round_no)
        payloads = [_contend.payload(round_no, i, SIZE) for i in range(WRITERS)]
        outcomes = await _contend.race([fs, fs2], path, mode, payloads)
        final = await fs.read_bytes(path)
        check_round(mode, round_no, dict(enumerate(outcomes)), _contend.sha(final))
        assert await fs.ls("race/*") == [path], "a lock or staging object is listed"


async def test_one_writer_across_processes(shared_url):
    """§2: of PROCS x PROC_WRITERS writers in different processes, exactly one commits."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCS)
    counter = ctx.Value("i", 0)
    results = ctx.Queue()
    path = "race/across.bin"
    plan = [(mode, round_no) for mode in _contend.MODES for round_no in range(ROUNDS)]
    procs = [
        ctx.Process(
            target=_procs.writer_process,
            args=(shared_url, path, plan, p, PROC_WRITERS, SIZE, barrier, counter, results),
            daemon=True,
        )
        for p in range(PROCS)
    ]
    for proc in procs:
        proc.start()
    outcomes: dict[tuple[str, int], dict[int, str]] = {}
    finals: dict[tuple[str, int], str] = {}
    done = 0
    try:
        while done < PROCS:
            try:
                kind, mode, round_no, _proc, value = results.get(timeout=scaled(90, 600))
            except queue.Empty:
                pytest.fail(f"writer processes stalled: {[p.exitcode for p in procs]}")
            if kind == "done":
                done += 1
            elif kind == "final":
                finals[mode, round_no] = value
            else:
                outcomes.setdefault((mode, round_no), {}).update(value)
        for proc in procs:
            proc.join(30)
            assert proc.exitcode == 0
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.kill()
                proc.join()
        results.close()
        results.join_thread()
    assert sorted(finals) == sorted(plan)
    for key in plan:
        assert len(outcomes[key]) == PROCS * PROC_WRITERS
        check_round(*key, outcomes[key], finals[key])
