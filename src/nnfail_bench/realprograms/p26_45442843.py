"""DeepFD row 26, Stack Overflow question 45442843 (retold in our own code).

A reader wants a tiny Keras net to tell whether a number (integers between 15,000 and 25,000) lies below
20,000: one input, a one-unit sigmoid layer, then a one-unit output with softmax, trained with mean absolute
error and RMSprop for 100 epochs in batches of 200, and the accuracy never moves. The benchmark's repair swaps
the loss to mean squared error, the optimizer to Adam, the output activation to sigmoid and trains longer.
Source: https://stackoverflow.com/questions/45442843 (CC BY-SA); the program and its data file as kept in the
DeepLocalize and DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 26
SUBJECT = "45442843"
URL = "https://stackoverflow.com/questions/45442843"
TITLE = "[title not recovered] Keras 1-1-1 network cannot learn whether a number is below 20,000"
GROUND_TRUTH = ("loss", "opt", "act", "epoch")

FAULT = ("The one-unit output layer uses softmax (identically 1), the loss is mean absolute error, the "
         "optimizer RMSprop, and 100 epochs of 4 batches are too few.")
REPAIR = ("Sigmoid instead of softmax on the output, mean squared error instead of mean absolute error, Adam "
          "instead of RMSprop, and 200 epochs instead of 100 (FIT_FIXED); the raw inputs stay unscaled.")
RECOVERED = ("One numeric input per row (integers 15,000-24,999 as float), a boolean label (True below 20,000; "
             "about half the rows), 1,000 rows split 80/20 in file order with the last 200 as validation_data; "
             "layers Dense(1) -> Activation('sigmoid') -> Dense(1, init='normal') -> softmax; "
             "loss='mean_absolute_error', optimizer='rmsprop', metrics accuracy; 100 epochs, batch_size 200. "
             "The loss/optimizer repair (mse, adam) from the DeepFD patch table, the sigmoid output from the "
             "DeepLocalize 'Correct Code'.")
ASSUMED = ("The post's title could not be retrieved offline. The data are drawn like the benchmark's CSV "
           "(uniform integers in [15000, 25000), label x < 20000 as bool); X and y are the 800 training rows "
           "that fit sees (the 200 validation rows are not part of the Case). The DeepFD table lists 'epoch' "
           "but not the new count; we assume 200. The DeepLocalize copy also standardises X, which is not in "
           "the ground truth, so the repaired twin keeps the raw inputs (its first sigmoid then saturates "
           "and it is not expected to learn much).")
# Faults the repair leaves in place (facts about the repaired code), with the check that names each:
# a high finding of one of these checks on the repaired twin is reported apart, not as a false alarm.
LEFT_IN_PLACE = {
    'input_scale': 'the one input stays in 15,000-25,000, unscaled (the repair says so)',
}
TASK = "binary"
FIT = dict(epochs=100, batch_size=200)
FIT_FIXED = dict(epochs=200, batch_size=200)

_N = 1000
_TRAIN = 800


def _numbers(rng: np.random.Generator):
    x = rng.integers(15000, 25000, size=_N).astype("float64")
    X = x.reshape(-1, 1)
    y = x < 20000
    return X[:_TRAIN], y[:_TRAIN]


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _numbers(rng)
    model = keras.Sequential([
        keras.Input((1,)),
        keras.layers.Dense(1),
        keras.layers.Activation("sigmoid"),
        keras.layers.Dense(1, kernel_initializer="random_normal",
                           activation="sigmoid" if fixed else "softmax"),
    ])
    model.compile(loss="mean_squared_error" if fixed else "mean_absolute_error",
                  optimizer="adam" if fixed else "rmsprop", metrics=["accuracy"])
    return Case(model, X, y)
