"""Does each real program's repaired twin train measurably better than the faulty one?

    python validation/realprograms_effect.py [--seeds 2] [--max-epochs 30] [--out FILE] [--only 35,41]

Trains both twins of every program in nnfail_bench.realprograms with the post's settings (FIT, and FIT_FIXED
for the repaired twin where the repair changes them; epochs capped at --max-epochs), seeds 0..n-1, and scores
them on the training data (R^2 for regression, accuracy otherwise). "Better": every repaired run above every
faulty run. With the committed revised run it splits the doctor's high findings on repaired twins into those
on twins that train measurably better (false alarms in the issue's sense) and the rest (a repair that leaves
another fault in place, or none that helps here). With ``--only``, just those programs are trained and, when
``--out`` names an existing file, their rows replace or join that file's rows (the others are kept as they were).
"""
from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def score(model, X, y, task):
    pred = model.predict(X, verbose=0)
    if task == "regression":
        y2 = y.reshape(len(y), -1)
        return float(1 - np.mean((pred.reshape(len(y), -1) - y2) ** 2) / max(float(np.mean(y2.var(axis=0))), 1e-12))
    if pred.ndim == 2 and pred.shape[1] > 1:
        truth = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(-1)
        return float(np.mean(pred.argmax(axis=1) == truth))
    return float(np.mean((pred.reshape(-1) > 0.5) == (y.reshape(-1) > 0.5)))


def main():
    from nnfail_bench.realprograms import scoring

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--max-epochs", type=int, default=30)
    ap.add_argument("--out", default=None)
    ap.add_argument("--only", default=None, help="comma-separated row numbers")
    a = ap.parse_args()
    only = {int(x) for x in a.only.split(",")} if a.only else None
    rows = []
    for m in scoring.modules():
        if only and m.NO not in only:
            continue
        t0 = time.perf_counter()
        got = {}
        for fixed in (False, True):
            fit = dict(getattr(m, "FIT_FIXED", m.FIT) if fixed else m.FIT)
            fit["epochs"] = min(int(fit["epochs"]), a.max_epochs)
            vals = []
            for s in range(a.seeds):
                try:
                    case = m.build(fixed, np.random.default_rng([s, m.NO]))
                    case.model.fit(case.X, case.y, verbose=0, **fit)
                    v = score(case.model, case.X, case.y, m.TASK)
                except Exception as err:  # noqa: BLE001 - a fit that fails scores nothing
                    print(f"  p{m.NO} {'fixed' if fixed else 'faulty'} seed {s}: {type(err).__name__}: {str(err)[:80]}")
                    v = float("nan")
                vals.append(v if np.isfinite(v) else -np.inf)
            got[fixed] = vals
        better = bool(min(got[True]) > max(got[False]))
        rows.append(dict(no=m.NO, faulty=got[False], repaired=got[True], better=better))
        print(f"p{m.NO:<3} faulty {np.round(got[False], 3).tolist()}  repaired {np.round(got[True], 3).tolist()}  "
              f"{'better' if better else 'NOT clearly better'}  ({time.perf_counter() - t0:.0f} s)", flush=True)
    run = scoring.load_run("revised_run")
    if run is not None:
        by = {r["no"]: r for r in rows}
        fa = [p for p in run["programs"] if p["false_alarm"]]
        real = [p["no"] for p in fa if by.get(p["no"], {}).get("better")]
        other = [p["no"] for p in fa if not by.get(p["no"], {}).get("better")]
        n_better = sum(r["better"] for r in rows)
        print(f"\nrepaired twins that train measurably better: {n_better} of {len(rows)}")
        print(f"high findings on those (false alarms): {len(real)} {real}")
        print(f"high findings on the other repaired twins (another fault left, or a repair that does not help here): "
              f"{len(other)} {other}")
    if a.out:
        if only and os.path.exists(a.out):  # merge: the rows trained now replace or join the file's rows
            with open(a.out) as f:
                old = json.load(f)
            if (old["seeds"], old["max_epochs"]) != (a.seeds, a.max_epochs):
                raise SystemExit(f"{a.out} was made with seeds={old['seeds']}, max_epochs={old['max_epochs']}")
            rows = sorted([r for r in old["programs"] if r["no"] not in only] + rows, key=lambda r: r["no"])
        with open(a.out, "w") as f:
            json.dump(dict(seeds=a.seeds, max_epochs=a.max_epochs, programs=rows), f, indent=1)


if __name__ == "__main__":
    main()
