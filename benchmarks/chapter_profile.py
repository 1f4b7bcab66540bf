"""Where each chapter's time goes: the per-cell durations papermill records in the executed notebooks of a
build, largest first, with the kernel start and the time outside cells.

Run: .venv/bin/python benchmarks/chapter_profile.py [BUILD_DIR]   (default _build: the book's own run;
     a run folder of `nnfail run` or a sweep point works too)
"""
import argparse
import json
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build", nargs="?", default="_build")
    ap.add_argument("--top", type=int, default=6)
    a = ap.parse_args()
    root = Path(a.build)
    found = sorted(root.glob("book/chapters/[0-9]*.ipynb")) or sorted(root.rglob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise SystemExit(f"no executed chapter notebooks under {root}")
    for path in found:
        profile(path, a.top)


if __name__ == "__main__":
    main()
