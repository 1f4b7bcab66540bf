"""DeepFD row 2, Stack Overflow question 44164749 (retold in our own code).

The asker has targets binarised into 11 labels, several of which can be on at once, and trains a wide
ReLU net (5000 and 600 units with light dropout) ending in an 11-way softmax under categorical
cross-entropy, then asks whether Keras does multi-label classification by itself. The accepted answer:
no; use a sigmoid per label with binary cross-entropy. The benchmark's repair also trains twice as long at a
five times larger learning rate.
Source: https://stackoverflow.com/questions/44164749 (CC BY-SA).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 2
SUBJECT = "44164749"
URL = "https://stackoverflow.com/questions/44164749"
TITLE = "How does Keras handle multilabel classification?"
GROUND_TRUTH = ("epoch", "lr", "act", "loss")

FAULT = ("A multi-label target (11 independent 0/1 labels, several on per row) is fitted with a softmax "
         "output and categorical cross-entropy, for 5 epochs at SGD learning rate 0.01.")
REPAIR = ("Sigmoid output with binary cross-entropy (the accepted answer), plus the benchmark's learning rate "
          "0.05 and 10 epochs (FIT_FIXED).")
RECOVERED = ("Dense(5000, relu) -> Dropout(0.1) -> Dense(600, relu) -> Dropout(0.1) -> Dense(11, softmax); "
             "SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True); categorical_crossentropy; epochs 5, "
             "batch_size 2000; targets from scikit-learn's MultiLabelBinarizer with 11 labels (the post's "
             "example row has three on). Repair: sigmoid + binary_crossentropy (accepted answer), lr 0.05 and "
             "10 epochs (DeepFD patch table).")
ASSUMED = ("The post does not show its inputs (only input_dim=X_train.shape[1]); we draw 1,000 rows of 100 "
           "standard-normal float32 features and set each of the 11 labels by a fixed random linear teacher "
           "with per-label thresholds, about 25% of labels on (2-3 per row). The DeepLocalize copy swaps in "
           "single-label MNIST instead; we follow the post. Keras 1/2 'decay=1e-6' is rendered as an "
           "InverseTimeDecay schedule. TASK is 'binary' because the repaired model treats the 11 outputs as "
           "independent binary labels. The repair's longer training is FIT_FIXED (an extra module attribute: "
           "build() cannot change epochs). With batch_size 2000 on at most 2,000 rows there is one SGD step per "
           "epoch (5 vs 10 steps): in our check the repaired twin only reaches the all-zero baseline per-label "
           "accuracy, like the broken one (0.73-0.74, 2 seeds); it ranks labels slightly better (mean per-label "
           "AUC 0.67-0.68 vs 0.645).")
TASK = "binary"
FIT = dict(epochs=5, batch_size=2000)
FIT_FIXED = dict(epochs=10, batch_size=2000)

_N = 1000
_FEATURES = 100
_LABELS = 11


def _multilabel(rng: np.random.Generator, n: int):
    X = rng.normal(size=(n, _FEATURES))
    teacher = rng.normal(size=(_FEATURES, _LABELS)) / np.sqrt(_FEATURES)
    scores = X @ teacher
    cut = np.quantile(scores, rng.uniform(0.65, 0.85, size=_LABELS), axis=0).diagonal()
    y = (scores > cut).astype("int64")                                  # multi-hot, like MultiLabelBinarizer
    return X.astype("float32"), y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _multilabel(rng, _N)
    lr = keras.optimizers.schedules.InverseTimeDecay(0.05 if fixed else 0.01, decay_steps=1, decay_rate=1e-6)
    model = keras.Sequential([
        keras.Input((_FEATURES,)),
        keras.layers.Dense(5000, activation="relu"),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(600, activation="relu"),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(_LABELS, activation="sigmoid" if fixed else "softmax"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=0.9, nesterov=True),
                  loss="binary_crossentropy" if fixed else "categorical_crossentropy",
                  metrics=["accuracy"])
    return Case(model, X, y)
