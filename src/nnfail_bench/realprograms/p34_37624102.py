"""DeepFD row 34, Stack Overflow question 37624102 (retold in our own code).

A reader sanity-checks a small Keras CNN (two 3x3 convolutions, max pooling, a 128-unit dense layer, a 2-way
softmax) on two classes of single-channel images that are entirely ones or entirely zeros, and it cannot tell
them apart. It is trained with Nesterov SGD at learning rate 0.1 (momentum 0.9, decay 1e-6); the accepted fix
lowers the learning rate to 0.01.
Source: https://stackoverflow.com/questions/37624102 (CC BY-SA); the learning-rate patch from the DeepFD
benchmark (github.com/ArabelaTso/DeepFD, Benchmark/Benchmark-with-patches.xlsx); the model and data as two
public GitHub copies of the program keep them (found by code search).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 34
SUBJECT = "37624102"
URL = "https://stackoverflow.com/questions/37624102"
TITLE = "[title not recovered] Keras CNN cannot separate all-ones from all-zeros images (SGD lr=0.1)"
GROUND_TRUTH = ("lr",)

FAULT = ("Nesterov SGD with momentum 0.9 at learning rate 0.1 is too aggressive for this CNN, so it never "
         "separates the two trivially different image classes.")
REPAIR = "Learning rate 0.01 instead of 0.1 (same momentum, Nesterov and decay); nothing else changes."
RECOVERED = ("Data: 100 images that are all ones (label [1, 0]) and 100 all zeros (label [0, 1]), one channel; "
             "image j of each class goes to the test split when (j + 2) % 7 == 0, so 86 + 86 training images, "
             "shuffled together with their labels. Model: Conv2D(32, 3x3, valid) -> ReLU -> Conv2D(32, 3x3) -> "
             "ReLU -> MaxPooling2D(2x2) -> Flatten -> Dense(128) -> ReLU -> Dense(2) -> softmax; "
             "SGD(lr=0.1, decay=1e-6, momentum=0.9, nesterov=True); binary_crossentropy on the one-hot labels; "
             "batch_size 32, 10 epochs. Images 100x100. The repair (lr 0.1 -> 0.01) from the DeepFD patch table.")
ASSUMED = ("The post's title could not be retrieved offline, and the model, loss and fit settings come from two "
           "GitHub copies of the program rather than the post itself (the DeepFD patch confirms only the SGD "
           "line). The post's images are channels-first (Theano, (1, 100, 100)); we keep 100x100 but channels-last. "
           "We keep the full size on purpose, above the benchmark's usual 28x28: the fault depends on it (the "
           "73,728-wide flatten feeding Dense(128)); at 28x28 and 56x56 the faulty twin learns perfectly. "
           "Epochs capped at 5 of the posted 10 (about 9 s an epoch here; both twins have settled by epoch 5). "
           "Old Keras's SGD decay (lr / (1 + decay * step)) is written as an InverseTimeDecay schedule.")
TASK = "multiclass"   # two classes, one-hot labels and a 2-way softmax
FIT = dict(epochs=5, batch_size=32)

_PER_CLASS = 100
_SIDE = 100


def _data(rng: np.random.Generator):
    j = np.arange(_PER_CLASS)
    train = (j + 2) % 7 != 0
    n = int(train.sum())
    X = np.concatenate([np.ones((n, _SIDE, _SIDE, 1)), np.zeros((n, _SIDE, _SIDE, 1))]).astype("float32")
    y = np.concatenate([np.tile([1.0, 0.0], (n, 1)), np.tile([0.0, 1.0], (n, 1))]).astype("float32")
    order = rng.permutation(2 * n)
    return X[order], y[order]


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras
    from keras import layers

    seed_keras(rng)
    X, y = _data(rng)
    model = keras.Sequential([
        keras.Input((_SIDE, _SIDE, 1)),
        layers.Conv2D(32, (3, 3), padding="valid"),
        layers.Activation("relu"),
        layers.Conv2D(32, (3, 3)),
        layers.Activation("relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dense(128),
        layers.Activation("relu"),
        layers.Dense(2),
        layers.Activation("softmax"),
    ])
    lr = 0.01 if fixed else 0.1
    schedule = keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=1e-6)
    sgd = keras.optimizers.SGD(learning_rate=schedule, momentum=0.9, nesterov=True)
    model.compile(optimizer=sgd, loss="binary_crossentropy", metrics=["accuracy"])
    return Case(model, X, y)
