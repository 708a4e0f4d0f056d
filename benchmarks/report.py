"""The Markdown table and the PNG chart of one run.

``docs/benchmarks.md`` is part generated, part hand-written: only the text between the
``<!-- generated -->`` markers is replaced, so the "How it is fast" section stays.
"""

from __future__ import annotations

import datetime
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .clients.registry import CLIENTS
from .workloads import BY_KEY, scale_title

if TYPE_CHECKING:
    from .run import Suite

START, END = "<!-- generated: start -->", "<!-- generated: end -->"
PEERS = ["aiofiles", "fsspec", "obstore", "opendal"]
_PEER_LABEL = {"fsspec": "fsspec / adlfs", "opendal": "OpenDAL"}
_COLORS = {
    "aiofs": "#d62728",
    "aiofiles": "#1f77b4",
    "fsspec": "#ff7f0e",
    "obstore": "#2ca02c",
    "opendal": "#9467bd",
}


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _versions() -> str:
    names = [
        "aiofs",
        "redis",
        "azure-storage-blob",
        "aiofiles",
        "fsspec",
        "adlfs",
        "obstore",
        "opendal",
    ]
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


class Report:
    def __init__(self, suite: Suite, seconds: float) -> None:
        self.suite = suite
        self.seconds = seconds
        self.medians = suite.medians()

    def _value(self, backend: str, key: str, client: str) -> float | None:
        return self.medians.get((backend, key, client))

    def _cell(self, backend: str, key: str, client: str) -> str:
        value = self._value(backend, key, client)
        if value is not None:
            return _fmt(value)
        error = self.suite.errors.get((backend, key, client))
        if error is None or error == "n/a":
            return "—"
        return "skipped" if error == "skipped" else "error"

    def _ratio(self, backend: str, key: str) -> str:
        ours, raw = self._value(backend, key, "aiofs"), self._value(backend, key, "raw")
        if ours is None or raw is None:
            return "—"
        workload = BY_KEY[key]
        if workload.lower_is_better:
            return f"{ours - raw:+.1f} MiB"
        return f"**{ours / raw:.2f}x**" if raw else "—"

    def _backends(self) -> list[str]:
        seen = {cell[0] for cell in self.medians} | {cell[0] for cell in self.suite.errors}
        return [b for b in self.suite.backends if b in seen]

    def markdown(self) -> str:
        s = self.suite
        lines: list[str] = []
        reps = f"median of {s.reps} interleaved repetitions" if s.reps > 1 else "one repetition"
        sz = s.sizes
        lines.append(
            f"Last run: {datetime.date.today().isoformat()}, {reps}, {self.seconds:.0f} s; "
            f"{_cpu()} ({len(__import__('os').sched_getaffinity(0))} CPUs), Python "
            f"{platform.python_version()}; {sz.objects:,} small objects of {sz.object_size:,} B at "
            f"concurrency {sz.concurrency}; large object {sz.large / 2**20:g} MiB."
        )
        lines.append("")
        lines.append(f"Versions: {_versions()}; {self._servers()}.")
        lines.append("")
        lines.append(
            "Higher is better except memory (MiB of peak RSS above the data itself, lower is "
            "better; there the ratio column gives aiofs minus raw). `aiofs/raw` > 1 means "
            "aiofs is faster than the raw client. — = the client cannot do it."
        )
        for backend in self._backends():
            peers = [p for p in PEERS if p in CLIENTS[backend]]
            lines += ["", f"### {backend}", ""]
            head = [
                "workload",
                "unit",
                "aiofs",
                "raw",
                "aiofs/raw",
                *(_PEER_LABEL.get(p, p) for p in peers),
            ]
            lines.append("| " + " | ".join(head) + " |")
            lines.append("|" + "---|" * 2 + "---:|" * (len(head) - 2))
            for workload in s.workloads:
                key = workload.key
                row = [
                    scale_title(workload, sz), workload.unit,
                    self._cell(backend, key, "aiofs"), self._cell(backend, key, "raw"),
                    self._ratio(backend, key),
                    *(self._cell(backend, key, p) for p in peers),
                ]  # fmt: skip
                lines.append("| " + " | ".join(row) + " |")
            py = self._python_memory(backend)
            if py:
                lines += ["", py]
        notes = list(s.notes)
        for (backend, key, client), error in sorted(s.errors.items()):
            if error not in ("n/a", "skipped"):
                notes.append(f"{backend}/{client} {key}: {error}")
        if notes:
            lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
        return "\n".join(lines)

    def _python_memory(self, backend: str) -> str:
        parts = []
        for (b, client), extras in sorted(self.suite.extras.items()):
            if b != backend or not extras:
                continue
            figures = []
            for op in ("write", "read"):
                values = extras.get(f"py_{op}_mib")
                if values:
                    figures.append(f"{op} {_fmt(sorted(values)[len(values) // 2])}")
            if figures:
                parts.append(f"{client} {', '.join(figures)}")
        if not parts:
            return ""
        return "Python allocations (tracemalloc) above the data, MiB: " + "; ".join(parts) + "."

    def _servers(self) -> str:
        parts = []
        if "redis" in self.suite.servers:
            try:
                from ._servers import redis_executable

                out = subprocess.run(
                    [redis_executable(), "--version"], capture_output=True, text=True
                )
                parts.append(out.stdout.split()[2].replace("v=", "redis-server "))
            except Exception:
                parts.append("redis-server")
        if "azure" in self.suite.servers:
            parts.append("Azurite 3.37.0 (in memory)")
        parts.append("local disk: ext4-like root filesystem")
        return ", ".join(parts)

    # -- files ------------------------------------------------------------------------

    def write(self, md_path: Path, png_path: Path) -> None:
        self.chart(png_path)
        generated = (
            f"{START}\n\n{self.markdown()}\n\n![aiofs and its peers relative to the raw client]"
            f"({png_path.name})\n\n{END}"
        )
        text = md_path.read_text() if md_path.exists() else _TEMPLATE
        if START in text and END in text:
            head, rest = text.split(START, 1)
            text = head + generated + rest.split(END, 1)[1]
        else:
            text = text.rstrip() + "\n\n" + generated + "\n"
        md_path.write_text(text)

    def chart(self, path: Path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        backends = [b for b in self._backends() if "raw" in CLIENTS[b]]
        keys = [w.key for w in self.suite.workloads if not w.lower_is_better]
        if not backends or not keys:
            fig, ax = plt.subplots(figsize=(6, 2))
            ax.text(0.5, 0.5, "no backend with a raw client in this run", ha="center")
            ax.axis("off")
            fig.savefig(path, dpi=80)
            plt.close(fig)
            return
        fig, axes = plt.subplots(len(backends), 1, figsize=(12, 3.6 * len(backends)), squeeze=False)
        for ax, backend in zip(axes[:, 0], backends, strict=True):
            clients = [c for c in CLIENTS[backend] if c != "raw"]
            width = 0.8 / len(clients)
            for i, client in enumerate(clients):
                ratios: list[Any] = []
                for key in keys:
                    ours, raw = self._value(backend, key, client), self._value(backend, key, "raw")
                    ratios.append(ours / raw if ours is not None and raw else 0)
                xs = [k + (i - (len(clients) - 1) / 2) * width for k in range(len(keys))]
                label, color = _PEER_LABEL.get(client, client), _COLORS[client]
                ax.bar(xs, ratios, width, label=label, color=color)
            ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
            ax.set_xticks(range(len(keys)))
            ax.set_xticklabels([k.replace("_", "\n") for k in keys], fontsize=8)
            ax.set_ylabel("x raw client (higher is faster)")
            ax.set_title(f"{backend}: throughput relative to the raw client (dashed line)")
            ax.legend(fontsize=8, ncol=len(clients))
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)


_TEMPLATE = """# Benchmarks

aiofs beside the raw client of each backend and the best-known peers, doing the same work.
Regenerate everything between the markers with one command from a fresh clone:

```sh
scripts/bench            # full run, about 10 minutes; --quick for a short one
```

"""
