"""Row 41 of the DeepFD list: Stack Overflow question 42800203, retold in our own code (patch-only reconstruction).

A binary Keras classifier ends in a single unit with a softmax, which outputs 1.0 for every input whatever the
weights, so it never learns; the fix recorded by the benchmark is a sigmoid on that unit. Only the fix (and the
other tools' messages) was recoverable: the model and data are assumptions.
Source: the DeepFD benchmark's patch table (github.com/ArabelaTso/DeepFD, Benchmark/Benchmark-with-patches.xlsx,
row 41), pointing to https://stackoverflow.com/questions/42800203 (CC BY-SA).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 41
SUBJECT = "42800203"
URL = "https://stackoverflow.com/questions/42800203"
TITLE = "[title not recovered] binary Keras classifier with Dense(1, activation='softmax') does not learn"
GROUND_TRUTH = ("act",)

FAULT = ("A softmax over a single unit is the constant 1, so the output never depends on the input and the "
         "gradient reaching the weights is zero.")
REPAIR = "Dense(1, activation='sigmoid') as the output layer; nothing else changes."
RECOVERED = ("From the DeepFD patch table: model.add(Dense(1, activation='softmax')) becomes "
             "model.add(Dense(1, activation='sigmoid')), the only change. The other tools' messages on it "
             "(UMLAUT: a non-linear last layer; no warning about the input range) say the output is one unit and "
             "the inputs are within typical limits.")
ASSUMED = ("The post itself could not be retrieved, so the title, the data and the hidden layers are ours: 768 "
           "rows of 8 standardized features, labels 0/1 (about a third positive) from a noisy non-linear rule; "
           "Dense(12, relu) -> Dense(8, relu) -> Dense(1, softmax); binary cross-entropy with Adam at its default "
           "step; 20 epochs of batch 32.")
TASK = "binary"
FIT = dict(epochs=20, batch_size=32)

_N, _D = 768, 8


def _data(rng: np.random.Generator):
    X = rng.normal(size=(_N, _D))
    w = rng.normal(size=_D)
    score = X @ w + 0.8 * X[:, 0] * X[:, 1] + rng.normal(0, 0.5, size=_N)
    y = (score > np.quantile(score, 0.65)).astype("float32").reshape(-1, 1)
    return X.astype("float32"), y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    X, y = _data(rng)
    seed_keras(rng)
    model = keras.Sequential([
        keras.Input((_D,)),
        keras.layers.Dense(12, activation="relu"),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid" if fixed else "softmax"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return Case(model, X, y)
