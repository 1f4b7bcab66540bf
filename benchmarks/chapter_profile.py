"""Where each chapter's time goes: the per-cell durations papermill records in the executed notebooks of a
build, largest first, with the kernel start and the time outside cells; with --run, quick runs executed
here with the engine's counters (trainers built, step-loop traces, which are XLA compiles on the
small-network path, and the seconds of the fit calls that traced against all fit calls).

Run: .venv/bin/python benchmarks/chapter_profile.py [BUILD_DIR]   (default _build: the book's own run;
     a run folder of `nnfail run` or a sweep point works too)
     .venv/bin/python benchmarks/chapter_profile.py --run 0 1 2 3 4   (`nnfail run N --quick --force` each,
     wall time, engine counters summed over every process the chapter started, then its cell profile)
     .venv/bin/python benchmarks/chapter_profile.py --run 0 1 2 3 4 --full   (the default run instead, one
     chapter at a time: its wall time against the chapter's budget, the headroom the speed issue asks for
     (15%), and the cost model's estimate against the time measured)
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


HEADROOM = 0.15  # a chapter's default run should leave this share of its budget unused


def budget_line(chapter: str, wall: float) -> str:
    """The default run's wall time against the chapter's budget and its cost model's estimate."""
    from nnfail import chapters as registry
    from nnfail.book.runner import discover, find_root, select

    info = registry.chapter(select(discover(find_root()), chapter).slug)  # a number, slug or stem, as `nnfail run`
    estimate = info.spec.cost(info.spec.defaults())
    headroom = 1 - wall / info.budget
    verdict = "within budget with headroom" if headroom >= HEADROOM else (
        "within budget, less headroom than asked" if headroom >= 0 else "OVER budget")
    return (f"  budget {info.budget:.0f} s: {wall:.0f} s is {100 * wall / info.budget:.0f}% of it, {verdict} "
            f"(asked: {100 * HEADROOM:.0f}% headroom); cost model {estimate:.0f} s = {estimate / wall:.2f}x measured")


def run_quick(chapter: str, top: int, full: bool = False) -> None:
    """Execute one chapter's quick run (or with ``full`` its default run) with the engine counting; print the
    counters and the cell profile, and for a default run its budget line."""
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp) / "engine.jsonl"
        env = dict(os.environ, NNFAIL_ENGINE_STATS=str(stats))
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        args = [sys.executable, "-m", "nnfail", "run", chapter, "--force", *([] if full else ["--quick"])]
        done = subprocess.run(args, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if done.returncode:
            print(f"chapter {chapter}: exit {done.returncode}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
            return
        rows = [json.loads(line) for line in stats.read_text().splitlines()] if stats.is_file() else []
    total = {key: sum(r[key] for r in rows) for key in ("trainers", "step_functions", "traces", "trace_seconds",
                                                         "calls", "call_seconds")}
    print(f"chapter {chapter} {'default run' if full else '--quick'}: {wall:.1f} s wall (load {load:.1f} at the start); engine in "
          f"{len(rows)} process(es): {total['trainers']} trainers, {total['step_functions']} step functions, "
          f"{total['traces']} traces (compiles); fit calls: {total['calls']} in {total['call_seconds']:.1f} s, "
          f"of which the {total['traces']} that traced {total['trace_seconds']:.1f} s")
    if full:
        print(budget_line(chapter, wall))
    notebook = next((line.split(":", 1)[1].strip() for line in done.stdout.splitlines()
                     if line.strip().startswith("executed notebook:")), None)
    if notebook:
        profile(Path(notebook), top)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build", nargs="?", default="_build")
    ap.add_argument("--top", type=int, default=6)
    ap.add_argument("--run", nargs="+", metavar="CHAPTER", help="quick-run these chapters here and count")
    ap.add_argument("--full", action="store_true", help="with --run: the default runs, against the budgets")
    a = ap.parse_args()
    if a.run:
        for chapter in a.run:
            run_quick(chapter, a.top, a.full)
        return
    root = Path(a.build)
    found = sorted(root.glob("book/chapters/[0-9]*.ipynb")) or sorted(root.rglob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise SystemExit(f"no executed chapter notebooks under {root}")
    for path in found:
        profile(path, a.top)


if __name__ == "__main__":
    main()
