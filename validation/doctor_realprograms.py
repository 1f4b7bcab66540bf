"""The doctor on the real programs of ``nnfail_bench.realprograms`` (the DeepFD benchmark's list), scored side
by side with the four published tools.

    python validation/doctor_realprograms.py [--out FILE] [--only 1,2,3] [--seed 0]

Prints one line per program and the totals; with ``--out`` writes every finding, refusal and crash with the
totals as JSON (``src/nnfail_bench/realprograms/first_run.json`` holds the first run, made before any doctor
rule was changed for these programs; ``second_heldout_run.json`` the run on the programs added later, 35, 39,
41, 42 and 46, made with ``--only`` before any rule was changed for them; ``revised_run.json`` the latest run
on all of them).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> int:
    from nnfail_bench.realprograms import scoring

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=None)
    ap.add_argument("--only", default=None, help="comma-separated row numbers")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    only = {int(x) for x in a.only.split(",")} if a.only else None
    t0 = time.perf_counter()
    rows = scoring.run(seed=a.seed, only=only)
    tot = scoring.totals(rows)
    n = tot["n"]
    print(f"\n{n} programs, {time.perf_counter() - t0:.0f} s")
    for who in ("doctor",) + scoring.TOOLS:
        t = tot[who]
        print(f"  {who:<13} names a ground-truth fault type: {t['count']:>2}/{n} = {t['rate']:.0%} "
              f"[{t['low']:.0%}, {t['high']:.0%}]")
    fa = tot["false_alarm"]
    print(f"  doctor false alarms on the repaired twins: {fa['count']}/{n} [{fa['low']:.0%}, {fa['high']:.0%}]; "
          f"refused {tot['refused']}, crashed {tot['crashed']}, build failed {tot['build failed']}")
    fb = tot.get("false_alarm_better")
    if fb:
        print(f"  false alarms on repaired twins that train measurably better and keep no other fault: "
              f"{fb['count']}/{fb['n']} [{fb['low']:.0%}, {fb['high']:.0%}] {fb['programs']}")
        for x in tot["left_in_place"]:
            print(f"    apart, p{x['no']} keeps {', '.join(x['left'])}: high {', '.join(x['high']) or '-'} "
                  f"(naming the kept fault: {', '.join(x['names_left']) or '-'}; other: {', '.join(x['other']) or '-'})")
    if a.out:
        root = Path(__file__).resolve().parents[1]
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                                text=True).stdout.strip()
        Path(a.out).write_text(json.dumps(dict(date=datetime.date.today().isoformat(), commit=commit,
                                               command="python " + " ".join(sys.argv), seed=a.seed,
                                               doctor_digest=scoring.doctor_digest(),
                                               totals=tot, programs=rows), indent=1) + "\n")
        print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
