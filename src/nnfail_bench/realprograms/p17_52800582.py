"""DeepFD row 17, Stack Overflow question 52800582 (retold in our own code).

A reader fits y = x^4 on x in [-100, 100) with a 1-50-50-1 Keras network (sigmoid, then ELU, linear output,
Adam, mean squared error, full-batch) and gets only a poor, almost straight fit, though y = x^2 and x^3
worked. The accepted answer explains that inputs of size 100 saturate the sigmoid and targets near 1e8 are
out of reach for default-sized weights, and standardises both x and y.
Source: https://stackoverflow.com/questions/52800582 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 17
SUBJECT = "52800582"
URL = "https://stackoverflow.com/questions/52800582"
TITLE = "Why do I fail to predict y=x**4 with keras? (y=x**3 works)"
GROUND_TRUTH = ("missing_prep",)

FAULT = ("Raw inputs in [-100, 100) saturate the first layer's sigmoid and raw targets up to 1e8 dwarf what "
         "Glorot-initialised weights can produce, so Adam barely moves the fit.")
REPAIR = "Standardise both x and y (zero mean, unit variance) before training; the network is unchanged."
RECOVERED = ("x = -100, -99.5, ..., 99.5 (400 points), y = x**4; layers Dense(50) -> sigmoid -> Dense(50) -> "
             "elu -> Dense(1) with Keras' default initialisation; loss mse, Adam; batch_size = 400 (full "
             "batch), 1000 epochs per call, called in a loop of 100. Repair (StandardScaler on x and on y) "
             "from the accepted answer, the DeepLocalize 'Correct Code' and the DeepFD patch table.")
ASSUMED = ("FIT keeps one 1000-epoch call of the post's 100-call loop. x is fed as a (400, 1) column in both "
           "twins (the post passes the flat vector, which old Keras accepted). The DeepLocalize 'Correct Code' "
           "also swaps the sigmoid for ReLU, but neither the answer's repair nor the ground truth does, so "
           "the repaired twin keeps the sigmoid.")
TASK = "regression"
FIT = dict(epochs=1000, batch_size=400)


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    x = np.arange(-100, 100, 0.5).reshape(-1, 1)
    y = x ** 4
    if fixed:                                             # StandardScaler on x and on y
        x = (x - x.mean()) / x.std()
        y = (y - y.mean()) / y.std()
    model = keras.Sequential([
        keras.Input((1,)),
        keras.layers.Dense(50),
        keras.layers.Activation("sigmoid"),
        keras.layers.Dense(50),
        keras.layers.Activation("elu"),
        keras.layers.Dense(1),
    ])
    model.compile(loss="mse", optimizer="adam")
    return Case(model, x, y)
