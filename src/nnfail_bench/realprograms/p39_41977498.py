"""Row 39 of the DeepFD list: Stack Overflow question 41977498, retold in our own code (patch-only reconstruction).

A Keras sequence classifier trained with RMSprop at its default step for ten epochs does not learn its classes;
the fix recorded by the benchmark trains with Adam at 0.01 for a hundred epochs. Only the fix (and that the inputs
are a reshaped array ``X_r`` with one-hot targets ``Y_cat``) was recoverable: the model and data are assumptions.
Source: the DeepFD benchmark's patch table (github.com/ArabelaTso/DeepFD, Benchmark/Benchmark-with-patches.xlsx,
row 39), pointing to https://stackoverflow.com/questions/41977498 (CC BY-SA).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 39
SUBJECT = "41977498"
URL = "https://stackoverflow.com/questions/41977498"
TITLE = "[title not recovered] Keras classifier on reshaped sequences (X_r, Y_cat) does not learn with rmsprop in 10 epochs"
GROUND_TRUTH = ("opt", "lr", "epoch")

FAULT = ("RMSprop at its default step of 0.001 for only ten epochs leaves the recurrent classifier far from "
         "separating its classes.")
REPAIR = "Adam at learning rate 0.01 instead of RMSprop, and 100 epochs instead of 10 (FIT_FIXED); nothing else."
RECOVERED = ("From the DeepFD patch table: model.compile(optimizer='rmsprop', loss='categorical_crossentropy', "
             "metrics=['accuracy']) becomes optimizer=Adam(lr=0.01), and model.fit(X_r, Y_cat, nb_epoch=10) "
             "becomes nb_epoch=100 (so the batch size is Keras's default 32, the inputs a reshaped array and the "
             "targets one-hot). UMLAUT's run on it is marked time-consuming, and it reports a non-linear last "
             "layer (a softmax).")
ASSUMED = ("The post itself could not be retrieved, so the title, the data and the layers are ours. We read "
           "X_r as sequences reshaped to (samples, steps, 1) for a recurrent layer: 600 noisy sine waves of 20 "
           "steps whose class (one of three) is their frequency, random phase, labels one-hot; LSTM(32) -> "
           "Dense(3, softmax).")
TASK = "multiclass"
FIT = dict(epochs=10, batch_size=32)
FIT_FIXED = dict(epochs=100, batch_size=32)

_N, _T, _K = 600, 20, 3


def _data(rng: np.random.Generator):
    labels = rng.integers(0, _K, size=_N)
    freq = np.array([0.5, 1.0, 1.5])[labels]
    t = np.arange(_T) * (2 * np.pi / _T)
    phase = rng.uniform(0, 2 * np.pi, size=_N)
    X = np.sin(freq[:, None] * t[None, :] * 2 + phase[:, None]) + rng.normal(0, 0.3, size=(_N, _T))
    return X.reshape(_N, _T, 1).astype("float32"), np.eye(_K, dtype="float32")[labels]


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    X, y = _data(rng)
    seed_keras(rng)
    model = keras.Sequential([
        keras.Input((_T, 1)),
        keras.layers.LSTM(32),
        keras.layers.Dense(_K, activation="softmax"),
    ])
    opt = keras.optimizers.Adam(learning_rate=0.01) if fixed else "rmsprop"
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    return Case(model, X, y)
