"""Compare two folders of chapter results (``_build/results/*.json``) value by value.

    python validation/compare_results.py BEFORE_DIR AFTER_DIR [--ignore-key NAME ...]

Timing, version and cache-key fields, and glued wall-clock timings (TIMING_KEYS), are left out (they change with every run or package edit); every
glued result and every parameter must be identical. Prints one line per chapter and each difference;
exits 1 when any glued value differs, a key is missing on one side, or a chapter is missing.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

IGNORED = ("timing", "environment", "cache_key", "nnfail")
# glued values that are wall-clock measurements (the checklist's doctor timings): expected to differ
TIMING_KEYS = {"demo_seconds", "slowest"}


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b and type(a) is type(b)


def compare(before: Path, after: Path, ignore_keys=()) -> int:
    bad = 0
    names = sorted({p.name for p in before.glob("*.json")} | {p.name for p in after.glob("*.json")})
    for name in names:
        a, b = before / name, after / name
        if not (a.is_file() and b.is_file()):
            print(f"{name}: only in {'before' if a.is_file() else 'after'}")
            bad += 1
            continue
        ja, jb = json.loads(a.read_text()), json.loads(b.read_text())
        for key in IGNORED:
            ja.pop(key, None)
            jb.pop(key, None)
        ra, rb = ja.pop("results"), jb.pop("results")
        diffs = [f"  {k}: {ra.get(k, '<missing>')!r} -> {rb.get(k, '<missing>')!r}"
                 for k in sorted(set(ra) | set(rb))
                 if k not in ignore_keys and not (k in ra and k in rb and same(ra[k], rb[k]))]
        if ja != jb:
            diffs.append(f"  header differs: {ja} -> {jb}")
        status = "identical" if not diffs else f"{len(diffs)} difference(s)"
        print(f"{name}: {len(ra)} glued values, {status}")
        for d in diffs:
            print(d)
        bad += bool(diffs)
    return 1 if bad else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--ignore-key", action="append", default=[], help="a glued value expected to differ")
    args = ap.parse_args(argv)
    return compare(args.before, args.after, TIMING_KEYS | set(args.ignore_key))


if __name__ == "__main__":
    sys.exit(main())
