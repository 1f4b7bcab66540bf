"""Does each fault of the doctor's independent pair set hurt training? For every pair, N seeds of the
broken and the fixed model are trained with Keras's own ``fit`` (their compiled loss and optimizer, batch
32) and scored on the training data with a task metric that does not depend on the loss: R^2 for
regression targets, accuracy for class labels. A pair whose broken model does not end clearly worse than
its twin is not a fault, and a doctor finding on it would not be a detection.

    python validation/independent_effect.py [--n 3] [--epochs 30]

Not part of `make test` (minutes of Keras training). A run over the whole set writes its table to
``src/nnfail_bench/independent_effect.json``, which the checklist chapter reads to say which faults were
measured to hurt (with the date and command of the measurement).
"""
from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import sys
import time

import numpy as np


def score(model, X, y) -> float:
    """R^2 (regression) or accuracy (labels) of the model's predictions on (X, y)."""
    pred = np.asarray(model.predict(X.astype(np.float32), verbose=0, batch_size=1024), dtype=float)
    y = np.asarray(y, dtype=float)
    labels = y.ndim == 1 and np.allclose(y, np.round(y)) and len(np.unique(y)) <= 10
    if y.ndim == 2 and np.allclose(y.sum(axis=1), 1) and set(np.unique(y)) <= {0.0, 1.0}:  # one-hot
        return float(np.mean(pred.argmax(axis=1) == y.argmax(axis=1)))
    if labels:
        if pred.shape[1] == 1:
            return float(np.mean((pred[:, 0] > 0.5) == (y == y.max())))
        return float(np.mean(pred.argmax(axis=1) == y.astype(int)))
    Y = y.reshape(len(y), -1)
    if not np.isfinite(pred).all():
        return float("-inf")
    return float(1 - np.mean((pred - Y) ** 2) / np.mean(Y.var(axis=0)))  # pred broadcasts against Y


def main() -> None:
    from nnfail_bench import independent as ind

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--only", default=None, help="substring of the pair names to run")
    a = ap.parse_args()
    t0 = time.perf_counter()
    print(f"{'pair':<52}{'broken':>22}{'fixed':>22}  clearly worse")
    worse_count, table = 0, []
    chosen = [p for p in ind.PAIRS if a.only is None or a.only in p.name]
    for p in chosen:
        got = {}
        for fixed in (False, True):
            vals = []
            for s in range(a.n):
                case = p.build(fixed, ind.pair_rng(s, 0, ind.PAIRS.index(p)))
                case.model.fit(case.X.astype(np.float32), case.y.astype(np.float32), epochs=a.epochs, batch_size=32,
                               verbose=0)
                vals.append(score(case.model, case.X, case.y))
            got[fixed] = np.array(vals)
        b, f = got[False], got[True]
        # clearly worse: every broken run below every fixed run, and the broken median at most half the fixed
        # twin's score or its shortfall from a perfect score (1 - R^2, the error rate) at least twice the twin's
        mb, mf = np.median(b), np.median(f)
        worse = bool(b.max() < f.min() and (mb <= mf / 2 or 1 - mb >= 2 * (1 - mf)))
        worse_count += worse
        table.append(dict(pair=p.name, broken=[float(v) for v in b], fixed=[float(v) for v in f], worse=worse))
        fmt = lambda v: f"{np.median(v):.3f} [{v.min():.3f}, {v.max():.3f}]"  # noqa: E731
        print(f"{p.name[:51]:<52}{fmt(b):>22}{fmt(f):>22}  {'yes' if worse else 'NO'}", flush=True)
    print(f"{worse_count} of {len(chosen)} faults clearly hurt training ({a.n} seeds, {a.epochs} epochs of batch 32; "
          "median [min, max] of R^2 or accuracy); {:.0f} s".format(time.perf_counter() - t0))
    if a.only is None:
        out = pathlib.Path(ind.__file__).with_name("independent_effect.json")
        out.write_text(json.dumps(dict(date=datetime.date.today().isoformat(), n=a.n, epochs=a.epochs,
                                       command="python " + " ".join(sys.argv), pairs=table), indent=1) + "\n")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
