"""Where the doctor's new causes start to hurt training (the doctor issue, item 6).

    python validation/doctor_new_causes.py [--seeds 3] [--epochs 30]

Each fault at several strengths, on a relu 32-32 regression network (Friedman #1, standardized, 1,500 rows)
or a 32-unit softmax classifier (scikit-learn's digits), Adam 1e-3, batch 32: training R^2 or accuracy
(median over seeds) against the fault-free model, and what the doctor's static check says about the same
model. THRESHOLDS in src/nnfail/doctor/rules.py quotes these numbers.
"""
from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from nnfail import doctor  # noqa: E402

D = keras.layers.Dense


def friedman():
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=1500, n_features=6, noise=0.3, random_state=0)
    return (X - X.mean(0)) / X.std(0), (y - y.mean()) / y.std()


def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.data / 16, d.target


def score(model, X, y, classify):
    if classify:
        return float(np.mean(model.predict(X, verbose=0).argmax(axis=1) == y))
    return float(1 - np.mean((model.predict(X, verbose=0)[:, 0] - y) ** 2) / y.var())


def cases(rng):
    X, y = friedman()
    Xd, yd = digits()
    reg = lambda *mid, loss="mse", r=None: ([keras.Input((6,)), D(32, activation="relu", kernel_regularizer=r), *mid,  # noqa: E731
                                             D(32, activation="relu", kernel_regularizer=r), D(1, kernel_regularizer=r)], loss)
    yield "regression, fault-free", reg(), X, y, False
    for rate in (0.3, 0.5, 0.7, 0.8, 0.9):
        yield f"dropout {rate}", reg(keras.layers.Dropout(rate)), X, y, False
    for f in (1e-3, 1e-2, 0.1, 1.0):
        yield f"l2 {f:g} on every layer", reg(r=keras.regularizers.l2(f)), X, y, False
    yield "softmax on the hidden layers", ([keras.Input((6,)), D(32, activation="softmax"), D(32, activation="softmax"),
                                            D(1)], "mse"), X, y, False
    yield "y shuffled apart from X", reg(), X, rng.permutation(y), False
    yield "MAPE on a target crossing 0", reg(loss="mape"), X, y, False
    for share in (0.01, 0.05):
        Xs = np.where(rng.random(X.shape) < share, -999.0, X)
        yield f"-999 in {share:.0%} of the values", reg(), Xs, y, False
    cls = lambda width: ([keras.Input((64,)), D(width, activation="relu"), D(10, activation="softmax")],  # noqa: E731
                         "sparse_categorical_crossentropy")
    for width in (32, 10, 5, 2, 1):
        yield f"digits, hidden width {width}", cls(width), Xd, yd, True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=30)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'fault':<34} {'score (median)':>15} {'min':>7} {'max':>7}   doctor's static finding")
    for name, (layers, loss), X, y, classify in cases(rng):
        got, finding = [], ""
        for s in range(a.seeds):
            keras.utils.set_random_seed(s)
            # fresh layers for every seed: the declared ones are only templates
            model = keras.Sequential([keras.Input(layers[0].shape[1:])]
                                     + [type(layer).from_config(layer.get_config()) for layer in layers[1:]])
            model.compile(loss=loss, optimizer=keras.optimizers.Adam(1e-3))
            if s == 0:
                report = doctor.diagnose(model, X, y, probe=False)
                finding = "; ".join(f"{r.check} {r.status}" for r in report.findings
                                    if r.check in ("architecture", "loss_target", "sentinel", "relation",
                                                   "regularization")) or "none of the new checks"
            model.fit(X, y, epochs=a.epochs, batch_size=32, verbose=0)
            got.append(score(model, X, y, classify))
        g = np.array(got)
        print(f"{name:<34} {np.median(g):>15.3f} {g.min():>7.3f} {g.max():>7.3f}   {finding}", flush=True)


if __name__ == "__main__":
    main()
