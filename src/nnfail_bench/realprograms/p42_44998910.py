"""Row 42 of the DeepFD list: Stack Overflow question 44998910, retold in our own code (patch-only reconstruction).

A small Keras regression network without activations is trained by mean squared error with the string
optimizer 'sgd' (learning rate 0.01) and its fit stays poor; the fix recorded by the benchmark passes
SGD(learning_rate=0.03). Only the fix (and the other tools' messages) was recoverable: the model and data are
assumptions.
Source: the DeepFD benchmark's patch table (github.com/ArabelaTso/DeepFD, Benchmark/Benchmark-with-patches.xlsx,
row 42), pointing to https://stackoverflow.com/questions/44998910 (CC BY-SA).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 42
SUBJECT = "44998910"
URL = "https://stackoverflow.com/questions/44998910"
TITLE = "[title not recovered] Keras linear regression with optimizer='sgd' fits poorly"
GROUND_TRUTH = ("lr", "epoch")

FAULT = ("Plain SGD at its default step of 0.01 moves a two-layer linear network too slowly to reach the "
         "line in the few updates the program allows.")
REPAIR = "SGD(learning_rate=0.03) instead of the string 'sgd' (0.01); nothing else changes."
RECOVERED = ("From the DeepFD patch table: model.compile(loss='mean_squared_error', optimizer='sgd') becomes "
             "optimizer=keras.optimizers.SGD(learning_rate=0.03), the only change; the benchmark's ground truth "
             "is the learning rate and the number of epochs. UMLAUT's message on it says the layers lack "
             "activation functions (so at least two Dense layers, all linear); DeepLocalize reports nothing.")
ASSUMED = ("The post itself could not be retrieved, so the title, data and sizes are ours: 200 points with one "
           "input in [0, 1] and target 3x + 2 plus noise (sd 0.1); Dense(8) -> Dense(1), both linear; 20 epochs "
           "of batch 32.")
TASK = "regression"
FIT = dict(epochs=20, batch_size=32)

_N = 200


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    X = rng.uniform(0.0, 1.0, size=(_N, 1)).astype("float32")
    y = (3.0 * X + 2.0 + rng.normal(0.0, 0.1, size=(_N, 1))).astype("float32")
    seed_keras(rng)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(8), keras.layers.Dense(1)])
    opt = keras.optimizers.SGD(learning_rate=0.03) if fixed else "sgd"
    model.compile(loss="mean_squared_error", optimizer=opt)
    return Case(model, X, y)
