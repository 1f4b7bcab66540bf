"""Where the doctor's training-length check and the input-offset part of its input-scale check should fire.

    python validation/doctor_training_length.py [--seeds 2]

Training length: fault-free networks (relu 32-32 on Friedman #1, standardized; a 32-unit softmax classifier
on scikit-learn's digits) trained for a short schedule and for ten times as many epochs; the training score
(R^2 or accuracy, median over seeds) of each, and what the doctor's ``training_length`` says when it is told the
short schedule (``epochs``, ``fit_batch_size``): its status, the probe's loss drop over three times the
updates, and the fit (R^2 or accuracy, on the probe's evaluation sample) at the short schedule's number of
updates and at three times it. A "high" should only come where the ten-times-longer training is clearly better.

Input offset: the same regression network on inputs shifted by k of their standard deviations (the spread
unchanged): R^2 after 30 epochs, and what ``input_scale`` says. THRESHOLDS in src/nnfail/doctor/rules.py
quotes these numbers; the output is kept in validation/doctor_training_length.txt.
"""
from __future__ import annotations

import argparse
import os
import re

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from doctor_new_causes import digits, friedman  # noqa: E402  (the same data sets, beside this script)
from nnfail import doctor  # noqa: E402

D = keras.layers.Dense


def build(task: str, optimizer: str, seed: int):
    keras.utils.set_random_seed(seed)
    if task == "friedman":
        layers, loss = [keras.Input((6,)), D(32, activation="relu"), D(32, activation="relu"), D(1)], "mse"
    else:
        layers, loss = [keras.Input((64,)), D(32, activation="relu"), D(10, activation="softmax")], \
            "sparse_categorical_crossentropy"
    model = keras.Sequential(layers)
    opt = keras.optimizers.Adam(1e-3) if optimizer == "adam" else keras.optimizers.SGD(0.01)
    model.compile(optimizer=opt, loss=loss)
    return model


def score(model, X, y, task):
    if task == "digits":
        return float(np.mean(model.predict(X, verbose=0).argmax(axis=1) == y))
    return float(1 - np.mean((model.predict(X, verbose=0)[:, 0] - y) ** 2) / y.var())


def training_length(seeds: int):
    data = {"friedman": friedman(), "digits": digits()}
    print(f"{'network, optimizer, schedule':<44} {'updates':>7} {'score':>7} {'x10 epochs':>10}   doctor's training_length")
    for task, optimizer, epochs, batch in [("friedman", "adam", 1, 512), ("friedman", "adam", 5, 512),
                                          ("friedman", "adam", 2, 32), ("friedman", "adam", 10, 32),
                                          ("friedman", "sgd", 2, 32), ("friedman", "sgd", 10, 32),
                                          ("digits", "adam", 1, 512), ("digits", "adam", 5, 512),
                                          ("digits", "adam", 2, 32), ("digits", "sgd", 2, 32)]:
        X, y = data[task]
        short, longer, found = [], [], []
        for seed in range(seeds):
            model = build(task, optimizer, seed)
            report = doctor.diagnose(model, X, y, epochs=epochs, fit_batch_size=batch, seed=seed)
            r = next(r for r in report.results if r.check == "training_length")
            moved = re.search(r"its (?:R\^2|accuracy) went from (\S+) to (\S+?)[:;,]", r.evidence)
            found.append(f"{r.status}" + (f" ({r.value:.0%}" if r.value is not None else "")
                         + (f"; fit {moved[1]} -> {moved[2]}" if moved else "") + (")" if r.value is not None else ""))
            model.fit(X, y, epochs=epochs, batch_size=batch, verbose=0)
            short.append(score(model, X, y, task))
            again = build(task, optimizer, seed)
            again.fit(X, y, epochs=10 * epochs, batch_size=batch, verbose=0)
            longer.append(score(again, X, y, task))
        updates = epochs * -(-len(X) // batch)
        print(f"{f'{task}, {optimizer}, {epochs} epochs of {batch}':<44} {updates:>7} {np.median(short):>7.3f} "
              f"{np.median(longer):>10.3f}   {', '.join(found)}", flush=True)


def offsets(seeds: int):
    X, y = friedman()
    print(f"\n{'inputs shifted by k std (spread 1)':<44} {'R^2 30 ep':>9} {'min':>7} {'max':>7}   doctor's input_scale")
    for k in (0, 3, 10, 30, 100):
        scores, found = [], []
        for seed in range(seeds):
            model = build("friedman", "adam", seed)
            Xk = X + k
            r = next(r for r in doctor.diagnose(model, Xk, y, probe=False).results if r.check == "input_scale")
            found.append(r.status)
            model.fit(Xk, y, epochs=30, batch_size=32, verbose=0)
            scores.append(score(model, Xk, y, "friedman"))
        print(f"{f'k = {k}':<44} {np.median(scores):>9.3f} {min(scores):>7.3f} {max(scores):>7.3f}   "
              f"{', '.join(sorted(set(found)))}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--part", choices=("length", "offset", "both"), default="both")
    a = ap.parse_args()
    if a.part in ("length", "both"):
        training_length(a.seeds)
    if a.part in ("offset", "both"):
        offsets(a.seeds)


if __name__ == "__main__":
    main()
