"""DeepFD row 3, Stack Overflow question 31556268 (retold in our own code).

A first Keras exercise: a 2-4-1 sigmoid network should learn XOR from its four input pairs, but trained on
mean absolute error with slow SGD (learning rate 0.05, momentum 0.11) for 1,000 epochs it predicts about
0.3-0.5 for every pair. The accepted answer switches to squared error and Adam and trains for 10,000 epochs,
after which the 4-hidden-unit sigmoid net almost always finds XOR.
Source: https://stackoverflow.com/questions/31556268 (CC BY-SA 3.0).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 3
SUBJECT = "31556268"
URL = "https://stackoverflow.com/questions/31556268"
TITLE = "How to use keras for XOR"
GROUND_TRUTH = ("loss", "epoch", "lr", "opt")

FAULT = ("XOR is fitted with mean absolute error and SGD(lr=0.05, momentum=0.11, nesterov) for 1,000 epochs: "
         "the flat, non-smooth cost and tiny steps leave the outputs near 0.3-0.5.")
REPAIR = ("Mean squared error with Adam (Keras default learning rate 0.001) and 10,000 epochs (FIT_FIXED), as "
          "in the accepted answer.")
RECOVERED = ("Dense(4, glorot_uniform) + sigmoid -> Dense(1, glorot_uniform) + sigmoid; SGD(lr=0.05, "
             "decay=1e-6, momentum=0.11, nesterov=True); loss mean_absolute_error; the four XOR pairs in the "
             "order [1,1],[1,0],[0,0],[0,1] with integer labels [0],[1],[0],[1]; batch_size 4, 1,000 epochs. "
             "Repair from the accepted answer: loss 'mse', optimizer 'adam', 10,000 epochs.")
ASSUMED = ("Keras 0.x 'l2=0.0' on SGD is dropped (no effect) and 'decay=1e-6' becomes an InverseTimeDecay "
           "schedule. The data are the post's own four points (int64 as written). DeepFD's patch table instead "
           "raises SGD's learning rate to 0.1 and its repair.py uses 50,000 epochs; we follow the accepted "
           "answer. The longer training is FIT_FIXED (an extra module attribute: build() cannot change "
           "epochs).")
TASK = "binary"
FIT = dict(epochs=1000, batch_size=4)
FIT_FIXED = dict(epochs=10000, batch_size=4)


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X = np.array([[1, 1], [1, 0], [0, 0], [0, 1]])
    y = np.array([[0], [1], [0], [1]])
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(4, kernel_initializer="glorot_uniform"),
        keras.layers.Activation("sigmoid"),
        keras.layers.Dense(1, kernel_initializer="glorot_uniform"),
        keras.layers.Activation("sigmoid"),
    ])
    if fixed:
        model.compile(loss="mse", optimizer=keras.optimizers.Adam())
    else:
        lr = keras.optimizers.schedules.InverseTimeDecay(0.05, decay_steps=1, decay_rate=1e-6)
        model.compile(loss="mean_absolute_error",
                      optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=0.11, nesterov=True))
    return Case(model, X, y)
