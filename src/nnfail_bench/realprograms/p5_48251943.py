"""DeepFD row 5, Stack Overflow question 48251943 (retold in our own code).

A small regression read from a spreadsheet: two input columns predict a third through a 2-4-1 network with
ReLU in the hidden layer and ReLU on the output too, trained with plain SGD on squared error. The ReLU
output cannot go below zero and, once its input turns negative for every row, stops learning and predicts
0. The benchmark's repair replaces the output ReLU with tanh.
Source: https://stackoverflow.com/questions/48251943 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 5
SUBJECT = "48251943"
URL = "https://stackoverflow.com/questions/48251943"
TITLE = "[title not recovered] Keras 2-4-1 regression from a CSV with a ReLU output predicts the same value"
GROUND_TRUTH = ("act",)

FAULT = ("The single regression output goes through ReLU, so it cannot produce the negative targets and "
         "stops receiving gradient whenever its pre-activation is negative for every row.")
REPAIR = "tanh on the output unit instead of ReLU; nothing else changes."
RECOVERED = ("Dense(4, input_dim=2) + relu -> Dense(1) + relu; loss mean_squared_error; optimizer 'sgd' "
             "(Keras default, learning rate 0.01); epochs 50, batch_size 10; X = two columns of a CSV "
             "(columns 2-3), y = another column (column 1). Repair (output tanh) from the DeepFD patch table "
             "and the DeepLocalize 'Correct Code'.")
ASSUMED = ("The post's title and data could not be retrieved offline; the benchmark's Book1.csv (17 rows) has "
           "inputs roughly in [-1, 2] and a target in [-1.05, 2.7] (mean 0.9, sd 0.9, 6% negative, 41% above 1) "
           "but no relation between them (R^2 0.06). We keep its size and ranges: 17 rows of two float64 inputs "
           "~ N(0.7, 0.9) and N(0.6, 0.75), target a fixed random linear function of them plus small noise, "
           "rescaled to mean 0.9 and sd 0.9. Targets above 1 are out of tanh's reach, so the repair can only "
           "partly fit them. DeepLocalize's copy also trains the repaired program for 500 epochs; that is not "
           "in the ground truth and is not applied.")
TASK = "regression"
FIT = dict(epochs=50, batch_size=10)

_N = 17


def _table(rng: np.random.Generator, n: int):
    X = np.column_stack([rng.normal(0.7, 0.9, size=n), rng.normal(0.6, 0.75, size=n)])
    w = rng.normal(size=2)
    t = X @ w + rng.normal(0.0, 0.15, size=n)
    y = 0.9 + 0.9 * (t - t.mean()) / t.std()
    return X, y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _table(rng, _N)
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(4),
        keras.layers.Activation("relu"),
        keras.layers.Dense(1),
        keras.layers.Activation("tanh" if fixed else "relu"),
    ])
    model.compile(loss="mean_squared_error", optimizer="sgd", metrics=["mse"])
    return Case(model, X, y)
