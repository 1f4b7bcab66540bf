"""DeepFD row 29, Stack Overflow question 58609115 (retold in our own code).

A reader feeds a single raw number to a Keras net with three 69-unit layers (normal-initialised, sigmoid
activations throughout) to predict which of 69 categories it belongs to; the category column is one-hot
encoded with scikit-learn's OneHotEncoder, and the model is trained with Adam in batches of 50. The benchmark
records the loss as the fault: categorical cross-entropy is replaced by binary cross-entropy, which suits 69
independent sigmoid outputs.
Source: https://stackoverflow.com/questions/58609115 (CC BY-SA); the program and a data sample as kept in the
DeepLocalize and DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 29
SUBJECT = "58609115"
URL = "https://stackoverflow.com/questions/58609115"
TITLE = "[title not recovered] Keras net predicting one of 69 one-hot categories from a single number"
GROUND_TRUTH = ("loss",)

FAULT = ("Categorical cross-entropy is paired with 69 independent sigmoid outputs (which do not sum to one) "
         "while the single input is an unscaled number up to about 6e8.")
REPAIR = "binary_crossentropy instead of categorical_crossentropy; layers, optimizer and data unchanged."
RECOVERED = ("X is one numeric column (the number, float), y its category one-hot encoded into 69 integer "
             "columns; an 80/20 train_test_split leaves 1,767 training rows; layers Dense(69, input_dim=1) -> "
             "sigmoid -> Dense(69) -> sigmoid -> Dense(69) -> sigmoid, all kernel_initializer='random_normal'; "
             "optimizer 'adam', metrics accuracy; batch_size 50. The categories in the benchmark's data sample "
             "are set by the number's digit count and leading digit (e.g. 57 -> 6, 12 -> 2, one-digit numbers -> "
             "0). The loss swap (categorical_crossentropy -> binary_crossentropy) from the DeepFD patch table.")
ASSUMED = ("The post's title could not be retrieved offline and its CSV is not public. We draw 1,767 numbers "
           "(digit count uniform in 1-9, leading digit uniform, 9-digit numbers below 6e8) and give each the "
           "class 0 for one digit, else one of 68 classes for (digit count 2-9, leading digit), 69 classes in "
           "all, one-hot int64; X is the number as float64 of shape (n, 1). The DeepLocalize copies disagree on "
           "the direction of the loss fix and the epoch count (1 in the buggy, 10 in the correct copy); we "
           "follow the DeepFD table for the loss and use 10 epochs for both twins. Keras 3 computes "
           "categorical cross-entropy on a sigmoid output from the pre-sigmoid logits (as a softmax), so the "
           "faulty twin's training signal is that of a softmax classifier, not what Keras 2 computed.")
TASK = "multiclass"
FIT = dict(epochs=10, batch_size=50)

_N = 1767
_CLASSES = 69


def _numbers(rng: np.random.Generator, n: int):
    digits = rng.integers(1, 10, size=n)
    lead = np.where(digits == 9, rng.integers(1, 6, size=n), rng.integers(1, 10, size=n))
    tail = np.floor(rng.random(n) * 10.0 ** (digits - 1))
    number = lead * 10.0 ** (digits - 1) + np.where(digits > 1, tail, 0.0)
    label = np.where(digits == 1, 0, (digits - 2) * 9 + lead)          # 0 .. 68
    X = number.reshape(-1, 1).astype("float64")
    y = np.eye(_CLASSES, dtype="int64")[label]
    return X, y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _numbers(rng, _N)
    model = keras.Sequential([
        keras.Input((1,)),
        keras.layers.Dense(_CLASSES, kernel_initializer="random_normal"),
        keras.layers.Activation("sigmoid"),
        keras.layers.Dense(_CLASSES, kernel_initializer="random_normal"),
        keras.layers.Activation("sigmoid"),
        keras.layers.Dense(_CLASSES, kernel_initializer="random_normal"),
        keras.layers.Activation("sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy" if fixed else "categorical_crossentropy",
                  metrics=["accuracy"])
    return Case(model, X, y)
