"""The overhead of nnfail.doctor.Watch on a reader's own fit, on the book's model sizes (target: <= 5%).

    python benchmarks/watch_overhead.py [--repeats 5] [--epochs N]

For each model, fits with and without Watch alternate (A/B in turn, fresh model each time, same seed);
prints the median fit time of each, the ratio of the medians and the range of the pairs' own ratios,
measured in the same run. By default each model trains for as long as its chapter trains it (chapter 1: 50
epochs of 10,000 rows; chapter 2: 100 of its 500 epochs, to keep a pair under half a minute): Watch has a
fixed cost at the end of a fit (its report, about 0.02-0.05 s), which a 20-epoch fit of 1.5 s magnifies
(the 1.14x of an earlier run) and a reader's real fit does not. ``--epochs N`` trains every model N epochs.
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from nnfail import doctor  # noqa: E402


def models():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 100, 10_000)[:, None] / 100  # chapter 1: X/100, an elu 15-15-15 network, batch 128
    yield "ch1 elu 15-15-15, 10,000 rows, batch 128", lambda: keras.Sequential(
        [keras.Input((1,))] + [keras.layers.Dense(15, activation="elu") for _ in range(3)] + [keras.layers.Dense(1)]), \
        x, (x[:, 0] * 100 - 50) ** 2 / 2500, 128, 50
    X = rng.normal(size=(1000, 2))  # chapter 2's comment network, batch 100
    yield "ch2 relu 20-100-1000-100-20, 1,000 rows, batch 100", lambda: keras.Sequential(
        [keras.Input((2,))] + [keras.layers.Dense(u, activation="relu") for u in (20, 100, 1000, 100, 20)]
        + [keras.layers.Dense(1)]), X, X[:, 0] * X[:, 1], 100, 100


def fit_time(build, X, y, batch, epochs, watch: bool) -> float:
    keras.utils.set_random_seed(0)
    model = build()
    model.compile(loss="mse", optimizer="adam")
    callbacks = [doctor.Watch(X, verbose=False)] if watch else []
    model.fit(X[:batch], y[:batch], epochs=1, verbose=0)  # trace before timing
    t = time.perf_counter()
    model.fit(X, y, epochs=epochs, batch_size=batch, callbacks=callbacks, verbose=0)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=None, help="every model this many epochs (default: its chapter's)")
    a = ap.parse_args()
    print(f"load average at the start: {os.getloadavg()[0]:.1f}")
    print(f"{'model':<52} {'epochs':>6} {'fit s':>8} {'with Watch s':>13} {'ratio':>7} {'pairs':>13}")
    for name, build, X, y, batch, epochs in models():
        epochs = a.epochs or epochs
        plain, watched = [], []
        for _ in range(a.repeats):
            plain.append(fit_time(build, X, y, batch, epochs, False))
            watched.append(fit_time(build, X, y, batch, epochs, True))
        p, w = float(np.median(plain)), float(np.median(watched))
        pairs = np.array(watched) / np.array(plain)
        print(f"{name:<52} {epochs:>6} {p:>8.2f} {w:>13.2f} {w / p:>7.3f} {pairs.min():>6.3f}-{pairs.max():.3f}")


if __name__ == "__main__":
    main()
