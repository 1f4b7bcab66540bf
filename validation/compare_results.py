"""Compare two folders of chapter results (``_build/results/*.json``) value by value.

    python validation/compare_results.py BEFORE_DIR AFTER_DIR [--ignore-key NAME ...] [--rtol 1e-9]

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
TIMING_KEYS = {"demo_seconds", "slowest", "ind_slowest", "sweep_seconds"}


def numeric(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b and type(a) is type(b)


def compare(before: Path, after: Path, ignore_keys=(), rtol: float = 0.0) -> int:
    """Print the differences; with ``rtol`` numbers that agree to that relative tolerance are counted
    (float rounding) and only larger differences are listed and fail."""
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
        keys = [k for k in sorted(set(ra) | set(rb))
                if k not in ignore_keys and not (k in ra and k in rb and same(ra[k], rb[k]))]
        close = [k for k in keys if rtol and k in ra and k in rb and numeric(ra[k]) and numeric(rb[k])
                 and math.isclose(ra[k], rb[k], rel_tol=rtol, abs_tol=rtol)]
        diffs = [f"  {k}: {ra.get(k, '<missing>')!r} -> {rb.get(k, '<missing>')!r}" for k in keys if k not in close]
        if ja != jb:
            diffs.append(f"  header differs: {ja} -> {jb}")
        status = "identical" if not diffs else f"{len(diffs)} difference(s)"
        if close:
            status += f", {len(close)} within rtol {rtol:g}"
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
    ap.add_argument("--rtol", type=float, default=0.0, help="count numbers agreeing to this relative tolerance "
                                                             "as float rounding (default: exact)")
    args = ap.parse_args(argv)
    return compare(args.before, args.after, TIMING_KEYS | set(args.ignore_key), args.rtol)


if __name__ == "__main__":
    sys.exit(main())
