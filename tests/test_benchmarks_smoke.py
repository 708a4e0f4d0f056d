"""The benchmark suite still runs: its quick mode on the memory backend, tiny sizes."""

from __future__ import annotations

from benchmarks import run


def test_quick_memory_run_writes_table_and_chart(tmp_path, capsys):
    """``benchmarks.run --quick`` measures every workload and writes the .md and .png."""
    code = run.main(
        ["--quick", "--backends", "memory", "--objects", "20", "--large-mib", "1",
         "--out", str(tmp_path)]
    )  # fmt: skip
    assert code == 0
    md = (tmp_path / "benchmarks.md").read_text()
    assert "### memory" in md
    rows = [line for line in md.splitlines() if line.startswith("| ") and "ops/s" in line]
    assert rows and all("error" not in row for row in rows), md
    assert "Notes:" not in md, md
    assert (tmp_path / "benchmarks.png").read_bytes().startswith(b"\x89PNG")
    assert "### memory" in capsys.readouterr().out
