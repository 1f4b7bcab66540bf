"""Where does each of the doctor's static findings start to ruin training? For one fault at a time, a
healthy model (Dense 32-32 with Adam 1e-3, batch 32, on standardized Friedman #1 data; 1-D sin(3x) for
the kink case) is trained with Keras's ``fit`` with the fault at growing magnitudes, and its training R^2
is printed as median [min, max] over N seeds. The doctor's thresholds (``nnfail.doctor.rules.THRESHOLDS``)
quote this output: a finding becomes high at the magnitude where the median R^2 has lost at least half of
the healthy model's.

    python validation/doctor_thresholds.py [--n 3] [--epochs 30] [--only init]

Not part of `make test` (minutes of Keras training); the closing notes quote its output.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from nnfail.stats import r2_from_mse, standardize


def _friedman(seed):
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=1500, n_features=6, noise=0.3, random_state=seed)
    return standardize(X), standardize(y)


def _fit(model, X, y, epochs) -> float:
    model.fit(X.astype(np.float32), y.astype(np.float32), epochs=epochs, batch_size=32, verbose=0)
    pred = model.predict(X.astype(np.float32), verbose=0, batch_size=2048)[:, 0]
    return float(r2_from_mse(np.mean((pred - y) ** 2), y)) if np.isfinite(pred).all() else float("-inf")


def _model(act, kernel=None, out_bias=0.0, n_in=6, seed=0):
    import keras

    keras.utils.set_random_seed(seed)
    k = kernel or "glorot_uniform"
    model = keras.Sequential([keras.Input((n_in,)), keras.layers.Dense(32, act, kernel_initializer=k),
                              keras.layers.Dense(32, act, kernel_initializer=k),
                              keras.layers.Dense(1, kernel_initializer=k,
                                                 bias_initializer=keras.initializers.Constant(out_bias))])
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(1e-3))
    return model


def _glorot_multiple(m):
    """A kernel initializer m times Glorot uniform's scale (VarianceScaling keeps the fan-in/out rule)."""
    import keras

    return keras.initializers.VarianceScaling(scale=float(m) ** 2, mode="fan_avg", distribution="uniform")


CHECK_OF = {"init": "init_scale", "output bias": "output_bias", "target scale": "target_scale",
            "target offset": "target_scale", "1-D": "kink_coverage"}


def doctor_value(name, model, X, y) -> str:
    """The doctor's own measure of the fault (its check's value) on the untrained model, before fit."""
    from nnfail import doctor

    check = next(v for k, v in CHECK_OF.items() if name.startswith(k))
    report = doctor.diagnose(model, X, y, probe=False)
    r = next(r for r in report.results if r.check == check)
    return f"{check} {r.value:.3g} ({r.status})" if r.value is not None else f"{check} ({r.status})"


def sweeps():
    return {
        "init, tanh (weight RMS / Glorot)": [(m, lambda s, m=m: (_model("tanh", _glorot_multiple(m), seed=s),
                                                                   *_friedman(s)))
                                               for m in (1, 1.5, 2, 3, 4, 8, 16, 64)],
        "init, relu (weight RMS / Glorot)": [(m, lambda s, m=m: (_model("relu", _glorot_multiple(m), seed=s),
                                                                   *_friedman(s)))
                                               for m in (1, 1.5, 2, 3, 4, 8, 16, 64)],
        "init, tanh small (weight RMS / Glorot)": [(m, lambda s, m=m: (_model("tanh", _glorot_multiple(m), seed=s),
                                                                         *_friedman(s)))
                                                     for m in (1, 0.7, 0.5, 0.35, 0.25, 0.06, 0.004)],
        "output bias (std(y) from mean(y))": [(g, lambda s, g=g: (_model("relu", out_bias=g, seed=s), *_friedman(s)))
                                               for g in (0, 3, 10, 30, 100, 300, 1000)],
        "target scale (std of y)": [(t, lambda s, t=t: (lambda X, y: (_model("relu", seed=s), X, t * y))(*_friedman(s)))
                                     for t in (1, 3, 10, 30, 100, 300)],
        "target offset (mean of y in std(y))": [(o, lambda s, o=o: (lambda X, y: (_model("relu", seed=s), X, o + y))(
            *_friedman(s))) for o in (0, 3, 10, 30, 100, 300, 1000)],
        "1-D relu: kinks inside the data (x range start)": [(lo, lambda s, lo=lo: _one_d(s, lo)) for lo in (-1, 0, 1, 2, 4)],
    }


def _one_d(seed, lo):
    """x in [lo, lo + 2] (sin(3x) standardized), Dense(32, relu) with zero biases: every kink at 0, so for lo
    >= 0 none lies inside the data."""
    import keras

    rng = np.random.default_rng(seed)
    x = rng.uniform(lo, lo + 2, 600)
    y = np.sin(3 * x)
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(32, "relu"), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(1e-3))
    return model, x[:, None], standardize(y)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--only", default=None)
    a = ap.parse_args()
    t0 = time.perf_counter()
    for name, points in sweeps().items():
        if a.only and a.only not in name:
            continue
        print(f"{name}: training R^2, median [min, max] over {a.n} seeds, {a.epochs} epochs of batch 32", flush=True)
        for value, build in points:
            cases = [build(s) for s in range(a.n)]
            measured = doctor_value(name, *cases[0])
            r2 = np.array([_fit(*case, epochs=a.epochs) for case in cases])
            print(f"  {value:>8g}  {np.median(r2):12.3f} [{r2.min():.3f}, {r2.max():.3f}]   doctor: {measured}",
                  flush=True)
    print(f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
