"""DeepFD row 13, Stack Overflow question 48934338 (retold in our own code).

A reader fits a 1-50-30-1 ReLU network to fifty noisy points of y = 5 x^2 on [0, 5) with plain SGD at
learning rate 0.1 and mean squared error; the loss blows up and the fit is useless. The repair is a much
smaller SGD step.
Source: https://stackoverflow.com/questions/48934338 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 13
SUBJECT = "48934338"
URL = "https://stackoverflow.com/questions/48934338"
TITLE = "Non linear Regression: Why isn't the model learning?"
GROUND_TRUTH = ("lr",)

FAULT = ("SGD with learning rate 0.1 on targets up to about 120 makes the squared-error gradient steps far "
         "too large, so training diverges or collapses instead of fitting the parabola.")
REPAIR = "Lower SGD's learning rate from 0.1 to 0.001; nothing else changes."
RECOVERED = ("x = 0.0, 0.1, ..., 4.9 (50 float32 points, one feature); y = 5 x^2 plus the cube of a standard "
             "normal draw; layers Dense(50, relu) -> Dense(30, relu, init='uniform') -> Dense(1, linear); "
             "SGD(lr=0.1), loss mse; 1000 epochs at the default batch size 32. Repair SGD(lr=0.001) from the "
             "DeepLocalize 'Correct Code'.")
ASSUMED = ("The DeepFD patch table gives 0.0001 instead of 0.001 for the repaired rate; we follow the "
           "DeepLocalize repair. Keras-1 init='uniform' is read as U[-0.05, 0.05] on the second hidden layer; "
           "the other layers keep Keras' defaults. The post's 'accuracy' metric is dropped (meaningless for "
           "regression).")
# Faults the repair leaves in place (facts about the repaired code), with the check that names each:
# a high finding of one of these checks on the repaired twin is reported apart, not as a false alarm.
LEFT_IN_PLACE = {
    'init_scale': "the 30-unit layer still starts from Keras-1 'uniform' (U[-0.05, 0.05])",
}
TASK = "regression"
FIT = dict(epochs=1000, batch_size=32)


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X = np.arange(0.0, 5.0, 0.1, dtype="float32").reshape(-1, 1)
    y = 5 * X.astype("float64") ** 2 + rng.standard_normal((50, 1)) ** 3
    model = keras.Sequential([
        keras.Input((1,)),
        keras.layers.Dense(50, activation="relu"),
        keras.layers.Dense(30, activation="relu",
                           kernel_initializer=keras.initializers.RandomUniform(-0.05, 0.05)),
        keras.layers.Dense(1, activation="linear"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.001 if fixed else 0.1), loss="mse")
    return Case(model, X, y)
