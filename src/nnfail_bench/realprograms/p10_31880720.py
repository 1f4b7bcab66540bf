"""DeepFD row 10, Stack Overflow question 31880720 (retold in our own code).

A sanity check that fails: half the rows are 128 ones, half are 128 zeros, and a 128-50-50-1 ReLU net with
dropout 0.2 should tell them apart under binary cross-entropy with RMSprop, yet accuracy stays at one half.
The single output unit is a softmax, which is always 1. The repair uses a sigmoid output and trains for more
epochs.
Source: https://stackoverflow.com/questions/31880720 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 10
SUBJECT = "31880720"
URL = "https://stackoverflow.com/questions/31880720"
TITLE = "How to prepare a dataset for Keras?"
GROUND_TRUTH = ("act", "epoch")

FAULT = ("The binary output is a one-unit softmax, constant 1, so every row is called 'True' and nothing is "
         "learned; the run is also (next to) no training at all.")
REPAIR = "Sigmoid output unit in build(); 40 epochs instead of 1 (FIT_FIXED)."
RECOVERED = ("X: rows of 128 ones followed by as many rows of 128 zeros (float32), Y: True for the ones, False "
             "for the zeros (bool); Dense(50, input_dim=128) + relu -> Dropout(0.2) -> Dense(50) + relu -> "
             "Dropout(0.2) -> Dense(1) + softmax; RMSprop() defaults; binary_crossentropy; batch_size 1. Repair: "
             "sigmoid output (DeepLocalize 'Correct Code', DeepFD patch table) and 40 epochs (DeepFD patch "
             "table).")
ASSUMED = ("2,000 rows (1,000 of each) instead of 20,000. The post sets nb_epoch = 0; the benchmark copies train "
           "for 3 (DeepLocalize) or Keras's default 1 (DeepFD, repaired to 40): FIT uses 1 and FIT_FIXED 40 (an "
           "extra module attribute: build() cannot change epochs), both with the post's batch_size 1. The "
           "DeepLocalize copy's extra, redundant ReLU after the first layer is left out (same function). The "
           "post's validation set (100 + 100 rows of the same kind) is not part of the Case. Keras 3 (TensorFlow "
           "backend) differs from the post's Keras here: binary_crossentropy reads the logit behind a softmax "
           "output and trains it as a sigmoid logit, so the broken twin's loss falls while every prediction "
           "stays exactly 1 (accuracy 0.5); in the post's Keras the clipped loss was flat.")
TASK = "binary"
FIT = dict(epochs=1, batch_size=1)
FIT_FIXED = dict(epochs=40, batch_size=1)

_HALF = 1000


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X = np.array([[1] * 128] * _HALF + [[0] * 128] * _HALF).astype("float32")
    y = np.array([True] * _HALF + [False] * _HALF).astype("bool")
    model = keras.Sequential([
        keras.Input((128,)),
        keras.layers.Dense(50),
        keras.layers.Activation("relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(50),
        keras.layers.Activation("relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(1),
        keras.layers.Activation("sigmoid" if fixed else "softmax"),
    ])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.RMSprop(), metrics=["accuracy"])
    return Case(model, X, y)
