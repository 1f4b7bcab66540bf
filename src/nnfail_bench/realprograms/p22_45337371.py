"""DeepFD row 22, Stack Overflow question 45337371 (retold in our own code).

A reader builds a small Keras binary classifier on five features (Dense 60 and 50 with ReLU) and asks for the
gradient of the model's output with respect to its input, which comes back as all zeros. The single output
unit carries a softmax: over one unit it is the constant 1, so nothing upstream gets a gradient. The repair
puts a sigmoid on that unit.
Source: https://stackoverflow.com/questions/45337371 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 22
SUBJECT = "45337371"
URL = "https://stackoverflow.com/questions/45337371"
TITLE = "[title not recovered] Keras: gradient of the model output with respect to the input is all zeros"
GROUND_TRUTH = ("act",)

FAULT = ("The one-unit output layer uses softmax, which over a single unit is identically 1, so the output "
         "ignores the input and the binary cross-entropy gradient is zero for every weight.")
REPAIR = "Sigmoid instead of softmax on the one-unit output layer; nothing else changes."
RECOVERED = ("Five input features drawn uniformly in [0, 1) (np.random.rand); layers Dense(60, relu) -> "
             "Dense(50, relu) -> Dense(1, softmax); Adam at its default rate; binary_crossentropy. The repair "
             "(softmax -> sigmoid) from the DeepLocalize 'Correct Model' and the DeepFD patch table. The "
             "training run (1,000 rows, batch_size 1, 5 epochs) is the one the DeepLocalize benchmark added.")
ASSUMED = ("The post's title could not be retrieved offline, and the post itself trains nothing (it only asks "
           "for input gradients), so it shows no labels. We draw 1,000 rows of five U[0, 1) features and label "
           "each 1 when a fixed random linear score of the centred features is positive (a balanced, learnable "
           "0/1 target as float32), and train as the DeepLocalize copy does (5 epochs, batch_size 1). Keras 3 "
           "computes binary cross-entropy on a softmax output from the pre-softmax logits, so the faulty twin's "
           "weights follow the same loss curve as the repaired twin's while its output stays exactly 1 "
           "(accuracy = share of positives); under the post's Keras 2 the loss was constant and every gradient "
           "zero.")
TASK = "binary"
FIT = dict(epochs=5, batch_size=1)

_N = 1000
_FEATURES = 5


def _data(rng: np.random.Generator):
    X = rng.random((_N, _FEATURES)).astype("float32")
    w = rng.normal(size=_FEATURES)
    y = ((X - 0.5) @ w > 0).astype("float32")
    return X, y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _data(rng)
    model = keras.Sequential([
        keras.Input((_FEATURES,)),
        keras.layers.Dense(60, activation="relu"),
        keras.layers.Dense(50, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid" if fixed else "softmax"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return Case(model, X, y)
