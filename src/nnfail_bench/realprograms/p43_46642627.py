"""Row 43 of the DeepFD list: Stack Overflow question 46642627, retold in our own code.

The asker maps one input in (0, 1] to a target that rises linearly to about 100 with a two-hidden-layer
ReLU net (small uniform initial weights) ending in a sigmoid, trained by SGD at 0.01 on binary
cross-entropy, and the predictions are useless. The repair scales inputs and targets, and trains with
Adam at its default step on mean squared error.
Source: https://stackoverflow.com/questions/46642627 (Stack Overflow, CC BY-SA).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 43
SUBJECT = "46642627"
URL = "https://stackoverflow.com/questions/46642627"
TITLE = "(title not recovered) a Keras net with a sigmoid output cannot fit a linear target that runs to 100"
GROUND_TRUTH = ("opt", "lr", "loss", "missing_prep")

FAULT = ("Targets up to 100 are fed unscaled to a sigmoid output under binary cross-entropy (a loss for "
         "0/1 labels), trained by plain SGD at 0.01.")
REPAIR = ("Scale inputs and targets to [0, 1], and train with Adam at its default learning rate (0.001) on "
          "mean squared error; layers and initialisation unchanged.")

RECOVERED = ("From the benchmark's copies of the program (DeepFD patch sheet; a public re-run of the same "
             "subject that lists its five fixes): inputs count/10000 and targets (count+1)/100 for count = "
             "1..10000, one column each; Dense(50, relu) -> Dense(50, relu) -> Dense(1, sigmoid), all with "
             "kernel_initializer 'uniform' (U(-0.05, 0.05)); SGD(lr=0.01), loss binary_crossentropy; fit "
             "150 epochs, batch 100. Fixes: normalise X and Y, SGD -> Adam, lr 0.01 -> 0.001, loss -> mse.")
ASSUMED = ("Every fifth point is kept (2,000 rows instead of 10,000; same ranges and spacing). The benchmark's "
           "patch scales by (v - max)/max, which maps the targets into [-1, 0] where a sigmoid output cannot "
           "reach; we take it as meaning scale to the unit interval and use (v - min)/(max - min). The post's "
           "train/test split and metric are left out (they do not change training). Title paraphrased: the "
           "post's page could not be opened here. Data are deterministic; rng only seeds Keras.")

# Faults the repair leaves in place (facts about the repaired code), with the check that names each:
# a high finding of one of these checks on the repaired twin is reported apart, not as a false alarm.
LEFT_IN_PLACE = {
    'init_scale': "every layer still starts from 'uniform' (U[-0.05, 0.05])",
}
TASK = "regression"
FIT = dict(epochs=150, batch_size=100)


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    count = np.arange(5, 10001, 5, dtype=np.float64)  # every fifth of the post's 1..10000
    X = (count / 10000.0).reshape(-1, 1)
    y = ((count + 1.0) / 100.0).reshape(-1, 1)
    if fixed:
        X = (X - X.min()) / (X.max() - X.min())
        y = (y - y.min()) / (y.max() - y.min())

    seed_keras(rng)
    model = keras.Sequential([
        keras.Input((1,)),
        keras.layers.Dense(50, activation="relu", kernel_initializer="uniform"),
        keras.layers.Dense(50, activation="relu", kernel_initializer="uniform"),
        keras.layers.Dense(1, activation="sigmoid", kernel_initializer="uniform"),
    ])
    if fixed:
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
    else:
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="binary_crossentropy")
    return Case(model, X, y)
