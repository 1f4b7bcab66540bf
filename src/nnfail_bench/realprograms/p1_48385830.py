"""DeepFD row 1, Stack Overflow question 48385830 (retold in our own code).

A reader rebuilds the textbook 784-30-10 MNIST network in Keras: unit-normal weights and biases, plain SGD at
learning rate 3.0 and a squared-error cost, but both Dense layers are left without an activation, so the net
is linear and the huge step size blows the loss up. The repair gives the hidden layer a sigmoid, the output a
softmax and trains on categorical cross-entropy.
Source: https://stackoverflow.com/questions/48385830 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 1
SUBJECT = "48385830"
URL = "https://stackoverflow.com/questions/48385830"
TITLE = "[title not recovered] Keras 784-30-10 MNIST network with SGD(lr=3.0) and MSE does not learn"
GROUND_TRUTH = ("act", "loss", "lr")

FAULT = ("Neither Dense layer has an activation, so the 784-30-10 net is linear, and it is trained on squared "
         "error with SGD at learning rate 3.0 from unit-normal weights and biases.")
REPAIR = ("Sigmoid on the 30-unit hidden layer, softmax on the 10-unit output and categorical cross-entropy "
          "instead of mean squared error; SGD stays at 3.0 as in both published repairs.")
RECOVERED = ("Layers Dense(30) -> Dense(10) on flattened 28x28 inputs scaled to [0, 1]; kernel and bias "
             "initializers RandomNormal(stddev=1); SGD(lr=3.0); loss mean_squared_error; one-hot labels over 10 "
             "classes; batch_size 10, 30 epochs. The repair (sigmoid, softmax, categorical_crossentropy) from the "
             "DeepLocalize 'Correct Code' and the DeepFD patch table.")
ASSUMED = ("The post's title could not be retrieved offline. MNIST is replaced by a synthetic 10-class set of "
           "512 28x28 'digit' images: each class is a fixed random blocky stroke pattern, every sample a jittered, "
           "noisy copy in [0, 1] (float32, mostly zero pixels), labels one-hot float32. The ground truth lists lr "
           "but neither published repair changes SGD's 3.0, so the repaired twin keeps it.")
# Faults the repair leaves in place (facts about the repaired code), with the check that names each:
# a high finding of one of these checks on the repaired twin is reported apart, not as a false alarm.
LEFT_IN_PLACE = {
    'init_scale': 'kernels and biases still start from RandomNormal(stddev=1) (the repair keeps the initializers)',
}
TASK = "multiclass"
FIT = dict(epochs=30, batch_size=10)

_N = 512
_SIDE = 28
_CLASSES = 10


def _digit_like(rng: np.random.Generator, n: int):
    """n flattened 28x28 images in [0, 1] drawn around one blocky random pattern per class, one-hot labels."""
    coarse = rng.random((_CLASSES, 7, 7)) < 0.3
    protos = np.kron(coarse, np.ones((4, 4))).astype("float64")        # (10, 28, 28), 4x4 pixel blocks
    labels = rng.integers(0, _CLASSES, size=n)
    images = np.empty((n, _SIDE, _SIDE))
    for i, c in enumerate(labels):
        img = np.roll(protos[c], shift=tuple(rng.integers(-2, 3, size=2)), axis=(0, 1))
        img = img * rng.uniform(0.6, 1.0) + rng.normal(0.0, 0.15, size=img.shape) * (img > 0)
        img = img + (rng.random(img.shape) < 0.03) * rng.uniform(0.2, 0.8, size=img.shape)   # stray ink
        images[i] = np.clip(img, 0.0, 1.0)
    X = images.reshape(n, _SIDE * _SIDE).astype("float32")
    y = np.eye(_CLASSES, dtype="float32")[labels]
    return X, y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _digit_like(rng, _N)
    normal = keras.initializers.RandomNormal(stddev=1.0)
    model = keras.Sequential([
        keras.Input((_SIDE * _SIDE,)),
        keras.layers.Dense(30, activation="sigmoid" if fixed else None,
                           kernel_initializer=normal, bias_initializer=normal),
        keras.layers.Dense(_CLASSES, activation="softmax" if fixed else None,
                           kernel_initializer=normal, bias_initializer=normal),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=3.0),
                  loss="categorical_crossentropy" if fixed else "mean_squared_error",
                  metrics=["accuracy"])
    return Case(model, X, y)
