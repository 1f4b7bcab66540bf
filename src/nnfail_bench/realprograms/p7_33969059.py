"""DeepFD row 7, Stack Overflow question 33969059 (retold in our own code).

The asker wants a network to recover a linear function y = 2*x1 + x2 + 0.5*x3 + 2.2 from inputs drawn
uniformly in [0, 10000), through a 3-2-1 tanh net with dropout 0.5 and squared error under SGD with
momentum. The single output unit is a softmax, which always equals 1, so nothing can be learned. The
benchmark's repair makes the output linear (its authors note that this alone does not make the program learn).
Source: https://stackoverflow.com/questions/33969059 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 7
SUBJECT = "33969059"
URL = "https://stackoverflow.com/questions/33969059"
TITLE = "[title not recovered] Keras network for a linear function of three inputs outputs a constant"
GROUND_TRUTH = ("act",)

FAULT = ("The regression output is a one-unit softmax, which is identically 1, so the prediction is constant "
         "and no gradient reaches the weights.")
REPAIR = "Linear output activation instead of softmax; nothing else changes."
RECOVERED = ("Inputs: 3 features uniform in [0, 10000) (np.random.rand * bounds), target x @ [2.0, 1.0, 0.5] + "
             "2.2 as a 1-D array; Dense(3, init='uniform') + tanh -> Dropout(0.5) -> Dense(2, init='uniform') + "
             "tanh -> Dropout(0.5) -> Dense(1, init='uniform') + softmax; SGD(lr=0.1, decay=1e-6, momentum=0.9, "
             "nesterov=True); mean_squared_error; 20 epochs, default batch size 32. Repair (linear output) from "
             "the DeepFD patch table and the DeepLocalize 'Correct Code'; DeepFD remarks that no fix helps.")
ASSUMED = ("2,000 training rows instead of 100,000 (same generator, seeded from rng, float64). The weights and "
           "offset are the script's built-in defaults (its command-line branch, which rescales them by their "
           "largest magnitude, is not used, as in the benchmark copies). Keras 1 init='uniform' is "
           "RandomUniform(-0.05, 0.05); 'decay=1e-6' becomes an InverseTimeDecay schedule. In our check the "
           "repaired twin's error only falls to about the target variance (it learns the mean; the tanh units "
           "saturate on inputs in the thousands), in line with DeepFD's remark.")
# Faults the repair leaves in place (facts about the repaired code), with the check that names each:
# a high finding of one of these checks on the repaired twin is reported apart, not as a false alarm.
LEFT_IN_PLACE = {
    'input_scale': 'the inputs stay uniform in [0, 10000), unscaled',
    'target_scale': 'the targets stay in the thousands, unscaled',
    'init_scale': "every layer still starts from Keras-1 'uniform' (U[-0.05, 0.05])",
}
TASK = "regression"
FIT = dict(epochs=20, batch_size=32)

_N = 2000
_WS = np.array([2.0, 1.0, 0.5])
_XNO = 2.2
_BOUNDS = 10000.0


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X = _BOUNDS * rng.random((_N, 3))
    y = X @ _WS + _XNO
    uniform = keras.initializers.RandomUniform(-0.05, 0.05)
    model = keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(3, kernel_initializer=uniform),
        keras.layers.Activation("tanh"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(2, kernel_initializer=uniform),
        keras.layers.Activation("tanh"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(1, kernel_initializer=uniform),
        keras.layers.Activation("linear" if fixed else "softmax"),
    ])
    lr = keras.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=1, decay_rate=1e-6)
    model.compile(loss="mean_squared_error", metrics=["mse"],
                  optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=0.9, nesterov=True))
    return Case(model, X, y)
