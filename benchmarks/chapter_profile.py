"""Where each chapter's time goes: the per-cell durations papermill records in the executed notebooks of a
build, largest first, with the kernel start and the time outside cells; with --run, quick runs executed
here with the engine's counters (trainers built, step-loop traces, which are XLA compiles on the
small-network path, and the seconds of the fit calls that traced against all fit calls).

Run: .venv/bin/python benchmarks/chapter_profile.py [BUILD_DIR]   (default _build: the book's own run;
     a run folder of `nnfail run` or a sweep point works too)
     .venv/bin/python benchmarks/chapter_profile.py --run 0 1 2 3 4   (`nnfail run N --quick --force` each,
     wall time, engine counters summed over every process the chapter started, then its cell profile)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def profile(path: Path, top: int) -> None:
    nb = json.loads(path.read_text())
    meta = nb.get("metadata", {}).get("papermill", {})
    cells = []
    for i, c in enumerate(nb["cells"]):
        d = c.get("metadata", {}).get("papermill", {}).get("duration")
        if d is not None and c["cell_type"] == "code":
            first = next((line for line in "".join(c["source"]).splitlines() if line and not line.startswith("#")), "")
            cells.append((d, i, first[:70]))
    in_cells = sum(d for d, _, _ in cells)
    total = meta.get("duration") or in_cells
    print(f"{path.name}: {total:.1f} s in all, {in_cells:.1f} s in {len(cells)} code cells, "
          f"{total - in_cells:.1f} s outside them (kernel start, papermill)")
    for d, i, first in sorted(cells, reverse=True)[:top]:
        print(f"  {d:7.1f} s  {100 * d / total:4.0f}%  cell {i:<3} {first}")


def run_quick(chapter: str, top: int) -> None:
    """Execute one chapter's quick run with the engine counting; print the counters and the cell profile."""
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp) / "engine.jsonl"
        env = dict(os.environ, NNFAIL_ENGINE_STATS=str(stats))
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "nnfail", "run", chapter, "--quick", "--force"], env=env,
                              capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if done.returncode:
            print(f"chapter {chapter}: exit {done.returncode}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
            return
        rows = [json.loads(line) for line in stats.read_text().splitlines()] if stats.is_file() else []
    total = {key: sum(r[key] for r in rows) for key in ("trainers", "step_functions", "traces", "trace_seconds",
                                                         "calls", "call_seconds")}
    print(f"chapter {chapter} --quick: {wall:.1f} s wall (load {load:.1f} at the start); engine in "
          f"{len(rows)} process(es): {total['trainers']} trainers, {total['step_functions']} step functions, "
          f"{total['traces']} traces (compiles); fit calls: {total['calls']} in {total['call_seconds']:.1f} s, "
          f"of which the {total['traces']} that traced {total['trace_seconds']:.1f} s")
    notebook = next((line.split(":", 1)[1].strip() for line in done.stdout.splitlines()
                     if line.strip().startswith("executed notebook:")), None)
    if notebook:
        profile(Path(notebook), top)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build", nargs="?", default="_build")
    ap.add_argument("--top", type=int, default=6)
    ap.add_argument("--run", nargs="+", metavar="CHAPTER", help="quick-run these chapters here and count")
    a = ap.parse_args()
    if a.run:
        for chapter in a.run:
            run_quick(chapter, a.top)
        return
    root = Path(a.build)
    found = sorted(root.glob("book/chapters/[0-9]*.ipynb")) or sorted(root.rglob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise SystemExit(f"no executed chapter notebooks under {root}")
    for path in found:
        profile(path, a.top)


if __name__ == "__main__":
    main()
