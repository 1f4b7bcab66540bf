"""DeepFD row 11, Stack Overflow question 39525358 (retold in our own code).

A reader trains a small 3-12-3-1 Keras network (ReLU hidden layers, sigmoid output, binary cross-entropy,
Adam) on three raw integer features and is stuck at loss 0.693 and 50% accuracy after 150 epochs. The answer
says to standardise the inputs and to prefer a saturating activation to ReLU for such small data; the
benchmark's repair also raises Adam's learning rate.
Source: https://stackoverflow.com/questions/39525358 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 11
SUBJECT = "39525358"
URL = "https://stackoverflow.com/questions/39525358"
TITLE = "Neural network accuracy optimization"
GROUND_TRUTH = ("act", "lr", "missing_prep")

FAULT = ("Unscaled integer inputs in the 65-70 range feed ReLU hidden layers initialised uniformly in "
         "[-0.05, 0.05], trained with Adam at its default 0.001, and the net never leaves the constant 0.5 guess.")
REPAIR = ("Standardise the three inputs (zero mean, unit variance), use sigmoid instead of ReLU in the two "
          "hidden layers, and give Adam a learning rate of 0.1.")
RECOVERED = ("Layers Dense(12) -> Dense(3) -> Dense(1, sigmoid) on 3 inputs, hidden ReLU, Keras-1 "
             "init='uniform' (U[-0.05, 0.05]) on every layer; binary_crossentropy, Adam; a 67/33 train/test "
             "split; 150 epochs, batch_size 10; binary 0/1 target in the fourth CSV column; reported loss "
             "0.6932, acc 0.5, val_acc 0.1429 (so 7 validation rows). The repair (StandardScaler, sigmoid, "
             "Adam(learning_rate=0.1)) from the answer and the DeepFD patch table.")
ASSUMED = ("The post does not show its CSV. As in the benchmark's copy, each row holds three character codes "
           "(integers 65-70, float64) and the label is 1 when the first code is 68 or more; 21 rows, of which "
           "the 14 training rows of the 67/33 split are what fit sees (matching val_acc = 1/7). The DeepFD patch "
           "only says 'sigmoid' for the activation fault; we read it with the answer as sigmoid in both hidden "
           "layers.")
# Faults the repair leaves in place (facts about the repaired code), with the check that names each:
# a high finding of one of these checks on the repaired twin is reported apart, not as a false alarm.
LEFT_IN_PLACE = {
    'init_scale': "every layer still starts from Keras-1 'uniform' (U[-0.05, 0.05])",
}
TASK = "binary"
FIT = dict(epochs=150, batch_size=10)

_ROWS = 21


def _codes(rng: np.random.Generator, n: int):
    """n rows of three character codes in 65..70 with a binary label from the first code."""
    first = np.concatenate([rng.integers(65, 68, size=n - n // 2), rng.integers(68, 71, size=n // 2)])
    rest = rng.integers(65, 71, size=(n, 2))
    X = np.column_stack([first, rest]).astype("float64")
    y = (first >= 68).astype("float64")
    order = rng.permutation(n)
    return X[order], y[order]


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _codes(rng, _ROWS)
    if fixed:                                             # StandardScaler on the whole set, as in the repair
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    n_train = _ROWS - int(np.ceil(_ROWS * 0.33))          # train_test_split(test_size=0.33) keeps 14 of 21
    X, y = X[:n_train], y[:n_train]
    uniform = keras.initializers.RandomUniform(-0.05, 0.05)
    hidden = "sigmoid" if fixed else "relu"
    model = keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(12, activation=hidden, kernel_initializer=uniform),
        keras.layers.Dense(3, activation=hidden, kernel_initializer=uniform),
        keras.layers.Dense(1, activation="sigmoid", kernel_initializer=uniform),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1 if fixed else 0.001),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return Case(model, X, y)
