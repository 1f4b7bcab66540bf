"""Row 46 of the DeepFD list: Stack Overflow question 47932589, retold in our own code (patch-only reconstruction).

A Keras regression network whose last layer has a bounded non-linear activation is trained on raw inputs and
targets in the hundreds and thousands; the fix recorded by the benchmark min-max scales both. Only the fix (and
the other tools' messages) was recoverable: the model and data are assumptions.
Source: the DeepFD benchmark's patch table (github.com/ArabelaTso/DeepFD, Benchmark/Benchmark-with-patches.xlsx,
row 46), pointing to https://stackoverflow.com/questions/47932589 (CC BY-SA).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 46
SUBJECT = "47932589"
URL = "https://stackoverflow.com/questions/47932589"
TITLE = "[title not recovered] Keras regression on unscaled inputs and targets does not learn"
GROUND_TRUTH = ("missing_prep",)

FAULT = ("Inputs and targets are left in their raw ranges (hundreds to thousands) while the output unit is a "
         "sigmoid, which can never reach targets above 1.")
REPAIR = ("Min-max scale the inputs and the targets to [0, 1] before training (train_x and train_y, each by its "
          "global minimum and maximum, as the patch does); the model is unchanged.")
RECOVERED = ("From the DeepFD patch table: the fix adds train_x = (train_x - min) / (max - min) and the same for "
             "train_y, nothing else. UMLAUT's messages on it: the last layer has a non-linear activation; no "
             "missing-activation warning (the hidden layers have activations).")
ASSUMED = ("The post itself could not be retrieved, so the title, data, sizes and the output activation are ours: "
           "500 rows of three features in [0, 1000], [0, 50] and [1000, 5000]; a target that is a noisy "
           "non-linear function of them in roughly [100, 3000]; Dense(32, relu) -> Dense(16, relu) -> "
           "Dense(1, sigmoid) (we read the bounded last activation from the min-max scaling of the targets); "
           "Adam at its default step, mean squared error, 50 epochs of batch 32.")
TASK = "regression"
FIT = dict(epochs=50, batch_size=32)

_N = 500
_RANGES = ((0, 1000), (0, 50), (1000, 5000))  # each feature's uniform range (ASSUMED)


def _scaled_ranges() -> str:
    """Each feature's range after the repair's min-max scaling by the global minimum and maximum (the data's
    extremes approach the bounds of _RANGES, so these are the ranges the repaired twin trains on)."""
    lo, hi = min(a for a, _ in _RANGES), max(b for _, b in _RANGES)
    return ", ".join(f"[{(a - lo) / (hi - lo):.2g}, {(b - lo) / (hi - lo):.2g}]" for a, b in _RANGES)


LEFT_IN_PLACE = {
    "input_scale": "X is min-max scaled by its global minimum and maximum, not per feature, so the three features "
                   f"keep very different ranges: {_scaled_ranges()}",
}


def _data(rng: np.random.Generator):
    X = np.column_stack([rng.uniform(a, b, _N) for a, b in _RANGES])
    y = 0.8 * X[:, 0] + 0.5 * X[:, 1] ** 2 + 0.2 * X[:, 2] + rng.normal(0, 50, _N)
    return X.astype("float32"), y.reshape(-1, 1).astype("float32")


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    X, y = _data(rng)
    if fixed:
        X = (X - X.min()) / (X.max() - X.min())
        y = (y - y.min()) / (y.max() - y.min())
    seed_keras(rng)
    model = keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="mse")
    return Case(model, X, y)
