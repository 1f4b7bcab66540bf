"""DeepFD row 31, Stack Overflow question 56380303 (retold in our own code).

As a first Keras exercise a reader asks a 20-20-20 ReLU/softmax network to read a 20-bit number (bits as
inputs, least significant first) and output its remainder modulo 7, itself written as a 20-bit vector; trained
with plain SGD and categorical cross-entropy on 10,000 random numbers, the accuracy stays near 1/7. The
accepted repair switches the optimizer to Adam with a small learning rate (1e-4).
Source: https://stackoverflow.com/questions/56380303 (CC BY-SA), "Keras: Making a neural network to find a
number's modulus"; the program as kept with the DeepFD benchmark (github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 31
SUBJECT = "56380303"
URL = "https://stackoverflow.com/questions/56380303"
TITLE = "Keras: Making a neural network to find a number's modulus"
GROUND_TRUTH = ("opt", "lr")

FAULT = "Plain SGD at Keras's default learning rate 0.01 makes no headway on the modulo-7 mapping."
REPAIR = "Adam with learning rate 1e-4 instead of SGD(0.01); model, loss and data unchanged."
RECOVERED = ("Inputs: 20 random bits per row (np.random.randint(2, size=(n, 20)), int64), the number read "
             "least-significant bit first; target: the remainder modulo 7 written as a 20-bit vector in the "
             "same bit order (so at most the first three positions are 1, and remainder 0 is all zeros); "
             "Dense(20, relu, input_dim=20) -> Dense(20, relu) -> Dense(20, softmax); optimizer 'sgd', "
             "categorical_crossentropy, accuracy metric; 10,000 training numbers. The repair "
             "(Adam(lr=0.0001)) from the DeepFD patch table; 10 epochs and batch_size 50 from a copy of the "
             "DeepFD program.")
ASSUMED = ("We train on 2,000 random numbers instead of the post's 10,000 to keep one run short. The "
           "question's own fit call was cut off in the copy we could read; epochs and batch size are those of "
           "the DeepFD-derived copy.")
# Faults the repair leaves in place (facts about the repaired code), with the check that names each:
# a high finding of one of these checks on the repaired twin is reported apart, not as a false alarm.
LEFT_IN_PLACE = {
    'labels': 'the target stays a 20-bit vector under categorical cross-entropy (not one class per row)',
}
TASK = "multiclass"
FIT = dict(epochs=10, batch_size=50)

_N = 2000
_BITS = 20
_RADIX = 7


def _data(rng: np.random.Generator):
    X = rng.integers(0, 2, size=(_N, _BITS))                     # int64 bits, least significant first
    value = X @ (2 ** np.arange(_BITS))
    remainder = value % _RADIX
    y = (remainder[:, None] >> np.arange(_BITS)) & 1             # 20-bit vector, same bit order
    return X, y.astype("int64")


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _data(rng)
    model = keras.Sequential([
        keras.Input((_BITS,)),
        keras.layers.Dense(20, activation="relu"),
        keras.layers.Dense(20, activation="relu"),
        keras.layers.Dense(20, activation="softmax"),
    ])
    optimizer = keras.optimizers.Adam(learning_rate=1e-4) if fixed else keras.optimizers.SGD(learning_rate=0.01)
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    return Case(model, X, y)
