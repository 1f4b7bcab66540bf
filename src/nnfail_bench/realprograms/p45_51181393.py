"""Row 45 of the DeepFD list: Stack Overflow question 51181393, retold in our own code.

The asker fits a single linear Keras neuron to 100 evenly spaced points on [1, 2] whose target is five
times the input, with RMSprop at its default step and mean squared error, and the line it learns is far
off. The accepted repair keeps the model and raises RMSprop's learning rate to 0.1.
Source: https://stackoverflow.com/questions/51181393 (Stack Overflow, CC BY-SA).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 45
SUBJECT = "51181393"
URL = "https://stackoverflow.com/questions/51181393"
TITLE = "(title not recovered) a one-neuron Keras linear regression of y = 5x does not fit"
GROUND_TRUTH = ("lr",)

FAULT = ("RMSprop at its default step of 0.001 moves the single weight by about a thousandth per update, "
         "so 600 updates cannot carry it from its random start to a slope of five.")
REPAIR = "Compile the same model with RMSprop at learning rate 0.1 (the accepted answer's change) and nothing else."

RECOVERED = ("From the benchmark's copies of the program (the DeepFD patch sheet and two re-runs of the same "
             "subject in public repositories): inputs linspace(1, 2, 100) as one column, target 5 * input; "
             "one Dense(1, linear) on a 1-d input; compile with optimizer 'rmsprop', mean squared error "
             "(metric 'accuracy' in the faulty version, 'mae' after the fix); fit for 200 epochs with batch "
             "size 32 on all 100 points; repair = RMSprop(lr=0.1).")
ASSUMED = ("The post's own page could not be opened here, so its title is paraphrased. The metric passed to "
           "compile is left out (it does not change training). Data are the post's deterministic points; "
           "rng only seeds Keras.")

TASK = "regression"
FIT = dict(epochs=200, batch_size=32)


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    X = np.linspace(1.0, 2.0, 100).reshape(-1, 1)
    y = 5.0 * X

    seed_keras(rng)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, activation="linear")])
    opt = keras.optimizers.RMSprop(learning_rate=0.1) if fixed else keras.optimizers.RMSprop()  # default 0.001
    model.compile(optimizer=opt, loss="mean_squared_error")
    return Case(model, X, y)
