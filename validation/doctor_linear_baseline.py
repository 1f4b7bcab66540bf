"""When does a missing hidden activation hold a fit back? Linear-activation stacks on synthetic data that a
linear model already fits, and on data that needs a nonlinearity, against two cross-validated baselines.

    python validation/doctor_linear_baseline.py [--seeds 1] [--epochs 20]

For each synthetic case (1,000 rows; regression with mse, binary with a sigmoid output and bce, multi-class
with softmax and sparse cce): the training score (R^2, or accuracy) of a Dense 32-32 stack with no hidden
activation and of the same stack with relu (Adam 3e-3, batch 32, 20 epochs; median over seeds), and the two baselines
the doctor computes on the same data (nnfail.doctor.checks.baseline_fit: shuffled 3 folds on standardized X):
a linear one (Ridge / logistic regression) and the 5-nearest-neighbour one check_relation uses, both as
"gain" (R^2, or accuracy above the majority class as a share of what it leaves). "harm" is what the missing
activation costs: the relu stack's score minus the linear stack's. THRESHOLDS["nonlinearity_margin"] in
src/nnfail/doctor/rules.py quotes this output (kept beside it as doctor_linear_baseline.txt).
"""
from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from nnfail.doctor.checks import baseline_fit  # noqa: E402

N = 1000


def cases(rng):
    """(name, kind, X, y, needs a nonlinearity) with kind 'reg', 'bin' or 'multi'."""
    X2 = rng.normal(size=(N, 2))
    X10 = rng.normal(size=(N, 10))
    w2, w10 = np.array([1.0, -0.7]), rng.normal(size=10)
    lin2, lin10 = X2 @ w2, X10 @ w10
    for share in (0.01, 0.1, 0.5, 0.8):  # share of the target's variance that is noise
        for name, X, f in (("2-d", X2, lin2), ("10-d", X10, lin10)):
            noise = rng.normal(size=N) * f.std() * np.sqrt(share / (1 - share))
            yield f"linear {name}, noise {share:.0%} of var", "reg", X, f + noise, False
    for sd in (0.1, 0.5, 1.0):  # label noise: the linear score's noise, in units of its std
        yield f"linear boundary 2-d, noise sd {sd:g}", "bin", X2, (lin2 + sd * lin2.std() * rng.normal(size=N) > 0).astype(int), False
        yield f"linear boundary 10-d, noise sd {sd:g}", "bin", X10, (lin10 + sd * lin10.std() * rng.normal(size=N) > 0).astype(int), False
    for spread in (6.0, 12.0, 20.0):  # four Gaussian classes in 20 features (p35's shape), standardized
        centres = rng.uniform(20.0, 80.0, size=(4, 20))
        labels = rng.integers(0, 4, size=N)
        Xc = centres[labels] + rng.normal(0.0, spread, size=(N, 20))
        yield f"4 Gaussian classes, 20-d, sd {spread:g}", "multi", (Xc - Xc.mean(0)) / Xc.std(0), labels, False
    # data that needs a nonlinearity
    yield "square x0^2", "reg", X2, X2[:, 0] ** 2 + 0.1 * rng.normal(size=N), True
    yield "x0 + 0.3 x0^2 (mostly linear)", "reg", X2, X2[:, 0] + 0.3 * X2[:, 0] ** 2 + 0.1 * rng.normal(size=N), True
    yield "x0 + x0^2 (half linear)", "reg", X2, X2[:, 0] + X2[:, 0] ** 2 + 0.1 * rng.normal(size=N), True
    yield "sine sin(2 x0)", "reg", X2, np.sin(2 * X2[:, 0]) + 0.1 * rng.normal(size=N), True
    yield "|x0| + |x1|, 10-d", "reg", X10, np.abs(X10[:, 0]) + np.abs(X10[:, 1]) + 0.1 * rng.normal(size=N), True
    from sklearn.datasets import make_friedman1

    for features in (6, 10):  # the doctor's reference regression (5 informative features, the rest noise)
        Xf, yf = make_friedman1(n_samples=N, n_features=features, noise=0.3, random_state=0)
        yield f"Friedman #1, {features} features", "reg", (Xf - Xf.mean(0)) / Xf.std(0), (yf - yf.mean()) / yf.std(), True
    yield "xor sign(x0 x1)", "bin", X2, (X2[:, 0] * X2[:, 1] > 0).astype(int), True
    yield "xor sign(x0 x1), 10-d", "bin", X10, (X10[:, 0] * X10[:, 1] > 0).astype(int), True
    r = np.hypot(X2[:, 0], X2[:, 1])
    yield "rings: radius above its median", "bin", X2, (r > np.median(r)).astype(int), True
    yield "rings: 3 classes by radius", "multi", X2, np.digitize(r, np.quantile(r, [1 / 3, 2 / 3])), True
    yield "linear boundary + ring (mixed)", "bin", X2, ((lin2 > 0) ^ (r < 0.5)).astype(int), True


def train_score(X, y, kind, activation, seed, epochs):
    keras.utils.set_random_seed(seed)
    out, loss = {"reg": (keras.layers.Dense(1), "mse"),
                 "bin": (keras.layers.Dense(1, activation="sigmoid"), "binary_crossentropy"),
                 "multi": (keras.layers.Dense(int(y.max()) + 1, activation="softmax"),
                           "sparse_categorical_crossentropy")}[kind]
    model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(32, activation=activation),
                              keras.layers.Dense(32, activation=activation), out])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=loss, steps_per_execution=32)  # one call an epoch
    model.fit(X, y, epochs=epochs, batch_size=32, verbose=0)
    p = model.predict(X, verbose=0, batch_size=1024)
    if kind == "reg":
        return float(1 - np.mean((p[:, 0] - y) ** 2) / y.var())
    return float(np.mean((p[:, 0] > 0.5) == y)) if kind == "bin" else float(np.mean(p.argmax(axis=1) == y))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=20)
    a = ap.parse_args()
    print(f"{a.seeds} seeds, {a.epochs} epochs of batch 32 on {N} rows; scores are training R^2 or accuracy")
    print(f"{'case':<40} {'nonlin':>6} {'linear':>7} {'relu':>6} {'harm':>6} {'lin gain':>9} {'5nn gain':>9} {'lin-5nn':>8}")
    for name, kind, X, y, needs in cases(np.random.default_rng(0)):
        loss = {"reg": "mse", "bin": "bce", "multi": "scce"}[kind]
        lin, knn = (baseline_fit(X, y, loss, k)[0] for k in ("linear", "knn"))
        s_lin = float(np.median([train_score(X, y, kind, None, s, a.epochs) for s in range(a.seeds)]))
        s_relu = float(np.median([train_score(X, y, kind, "relu", s, a.epochs) for s in range(a.seeds)]))
        print(f"{name:<40} {'needs' if needs else 'no':>6} {s_lin:7.3f} {s_relu:6.3f} {s_relu - s_lin:6.3f} "
              f"{lin:9.3f} {knn:9.3f} {lin - knn:8.3f}", flush=True)


if __name__ == "__main__":
    main()
