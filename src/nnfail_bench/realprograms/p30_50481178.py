"""DeepFD row 30, Stack Overflow question 50481178 (retold in our own code).

A binary classification on four count-valued features (scikit-learn's make_multilabel_classification with a
single class, labels passed through a LabelEncoder) with a Keras stack of five ReLU Dense layers (10, 20, 30,
40, 50 units), Adam, 50 epochs in batches of 10 and a 10% validation split. The benchmark's faulty version
ends in a two-unit softmax trained with sparse categorical cross-entropy; its repair uses one sigmoid unit with
binary cross-entropy.
Source: https://stackoverflow.com/questions/50481178 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 30
SUBJECT = "50481178"
URL = "https://stackoverflow.com/questions/50481178"
TITLE = "[title not recovered] Keras binary classifier on make_multilabel_classification data (10-20-30-40-50 ReLU)"
GROUND_TRUTH = ("act", "loss")

FAULT = ("The binary target is modelled with a two-unit softmax output and sparse categorical cross-entropy "
         "instead of one sigmoid unit with binary cross-entropy.")
REPAIR = ("One output unit with sigmoid and binary_crossentropy instead of two softmax units with "
          "sparse_categorical_crossentropy; hidden layers, optimizer and data unchanged.")
RECOVERED = ("Data from make_multilabel_classification(n_samples=1000, n_features=4, n_classes=1): four "
             "non-negative integer counts (float64, about 2-30) and a 0/1 label (LabelEncoder, about two "
             "thirds ones); train_test_split(test_size=0.2) leaves 800 training rows; Dense(10, relu, input_dim=4) "
             "-> Dense(20) -> Dense(30) -> Dense(40) -> Dense(50), all ReLU; Adam at its default rate; accuracy "
             "metric; 50 epochs, batch_size 10, validation_split 0.1, shuffle. The two output heads "
             "(Dense(1, sigmoid) + binary_crossentropy and Dense(2, softmax) + sparse_categorical_crossentropy) "
             "from the DeepLocalize copies.")
ASSUMED = ("The post's title could not be retrieved offline. The two published copies disagree on which head "
           "is the fault: DeepLocalize calls the sigmoid head buggy, while the DeepFD table notes the "
           "performance got worse after that repair and switched the roles; we follow DeepFD (whose ground "
           "truth we use), so the faulty twin has the softmax head. Both heads are valid for a 0/1 target, so "
           "little difference is expected. The 10% validation split is left to the caller (not in FIT); X, y "
           "are the 800 training rows; the generator's random_state is drawn from rng.")
TASK = "binary"
FIT = dict(epochs=50, batch_size=10)

_N = 1000
_FEATURES = 4


def _data(rng: np.random.Generator):
    from sklearn.datasets import make_multilabel_classification

    X, Y = make_multilabel_classification(n_samples=_N, n_features=_FEATURES, n_classes=1,
                                          random_state=int(rng.integers(2**31 - 1)))
    y = Y.ravel().astype("int64")                    # LabelEncoder on {0, 1} is the identity
    train = rng.permutation(_N)[: int(_N * 0.8)]     # train_test_split(test_size=0.20)
    return X[train], y[train]


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _data(rng)
    hidden = [keras.layers.Dense(u, activation="relu") for u in (10, 20, 30, 40, 50)]
    head = keras.layers.Dense(1, activation="sigmoid") if fixed else keras.layers.Dense(2, activation="softmax")
    model = keras.Sequential([keras.Input((_FEATURES,)), *hidden, head])
    model.compile(loss="binary_crossentropy" if fixed else "sparse_categorical_crossentropy",
                  optimizer="adam", metrics=["accuracy"])
    return Case(model, X, y)
