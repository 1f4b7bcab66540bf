"""DeepFD row 27, Stack Overflow question 48594888 (retold in our own code).

A reader trains a small Keras CNN on CIFAR-10 (a 64-filter and a 256-filter 3x3 convolution with He-normal
weights and max pooling, a 512-unit dense layer with dropout, a ten-way softmax; Adam and categorical
cross-entropy) for 5 epochs in batches of 500 and is disappointed by the accuracy. The benchmark's repair only
changes the training schedule: more epochs and a different batch size.
Source: https://stackoverflow.com/questions/48594888 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 27
SUBJECT = "48594888"
URL = "https://stackoverflow.com/questions/48594888"
TITLE = "[title not recovered] Keras CNN on CIFAR-10 reaches low accuracy after 5 epochs"
GROUND_TRUTH = ("epoch", "batch_size")

FAULT = "Five epochs in batches of 500 are too short a schedule for the network to fit CIFAR-10."
REPAIR = ("Train for 10 epochs instead of 5 with batches of 1000 instead of 500 (FIT_FIXED); the model and "
          "the data are unchanged.")
RECOVERED = ("CIFAR-10 as loaded by keras.datasets (uint8 32x32x3 images in 0-255, fed unscaled) with one-hot "
             "labels over 10 classes; Conv2D(64, 3x3, relu, he_normal) -> MaxPooling2D(2x2) -> Conv2D(256, 3x3, "
             "relu, he_normal) -> MaxPooling2D(2x2) -> Flatten -> Dense(512, relu) -> Dropout(0.3) -> Dense(10, "
             "softmax); Adam at its default rate; categorical_crossentropy; batch_size 500, 5 epochs. The "
             "repair: epochs 5 -> 10 from the DeepFD patch table, batch_size 500 -> 1000 from the DeepLocalize "
             "'Correct Code'.")
ASSUMED = ("The post's title could not be retrieved offline. CIFAR-10 is replaced by 512 synthetic uint8 "
           "32x32x3 images in 0-255: each class has its own mean colour and a low-frequency spatial pattern, "
           "each sample adds per-pixel noise and a random brightness; labels one-hot float32. The published "
           "copies disagree on the model (a DeepFD-derived copy uses 256/128 filters, a 1024-unit layer and "
           "inputs divided by 255); we keep the DeepLocalize 'Buggy Code'. The interface has no place for a "
           "repaired FIT, so the repaired schedule is in the extra attribute FIT_FIXED. On 512 rows (as on the "
           "full 50,000) both schedules make the same number of updates, 10 here.")
TASK = "multiclass"
FIT = dict(epochs=5, batch_size=500)
FIT_FIXED = dict(epochs=10, batch_size=1000)

_N = 512
_SIDE = 32
_CLASSES = 10


def _cifar_like(rng: np.random.Generator, n: int):
    """n uint8 32x32x3 images: a class colour plus a class-specific smooth pattern, with noise."""
    colours = rng.uniform(60, 190, size=(_CLASSES, 3))
    coarse = rng.normal(0.0, 45.0, size=(_CLASSES, 4, 4, 3))
    patterns = coarse.repeat(8, axis=1).repeat(8, axis=2)              # (10, 32, 32, 3)
    labels = rng.integers(0, _CLASSES, size=n)
    images = (colours[labels][:, None, None, :] + patterns[labels]
              + rng.normal(0.0, 30.0, size=(n, _SIDE, _SIDE, 3)) + rng.normal(0.0, 20.0, size=(n, 1, 1, 1)))
    X = np.clip(np.rint(images), 0, 255).astype("uint8")
    y = np.eye(_CLASSES, dtype="float32")[labels]
    return X, y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _cifar_like(rng, _N)
    model = keras.Sequential([
        keras.Input((_SIDE, _SIDE, 3)),
        keras.layers.Conv2D(64, (3, 3), activation="relu", kernel_initializer="he_normal"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(256, (3, 3), activation="relu", kernel_initializer="he_normal"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(_CLASSES, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return Case(model, X, y)
