"""DeepFD row 25, Stack Overflow question 47352366 (retold in our own code).

A reader ports TensorFlow's "deep MNIST" convolutional tutorial to Keras (two 5x5 convolutions with 32 and 64
filters, max pooling, a 1024-unit dense layer with dropout, ten outputs) and trains it on batches of 50 with
Adam and categorical cross-entropy, but the accuracy stays at chance: the ten-unit output layer uses ReLU
instead of softmax. The repair puts the softmax back; the benchmark's repair also trains for two epochs
instead of one.
Source: https://stackoverflow.com/questions/47352366 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 25
SUBJECT = "47352366"
URL = "https://stackoverflow.com/questions/47352366"
TITLE = "[title not recovered] TensorFlow deep-MNIST CNN ported to Keras stays at chance accuracy"
GROUND_TRUTH = ("act", "epoch")

FAULT = ("The ten-unit output layer has a ReLU, so categorical cross-entropy sees unnormalised, often all-zero "
         "scores instead of class probabilities; and the net is trained for a single epoch.")
REPAIR = ("Softmax instead of ReLU on the ten-unit output layer, and two epochs instead of one (FIT_FIXED); "
          "nothing else changes.")
RECOVERED = ("Flattened 784-pixel MNIST images in [0, 1] with one-hot labels (input_data.read_data_sets(..., "
             "one_hot=True)); Reshape(28, 28, 1) -> Conv2D(32, 5x5, same, relu) -> MaxPooling2D(same) -> "
             "Conv2D(64, 5x5, same, relu) -> MaxPooling2D(same) -> Reshape(1, 3136) -> Dense(1024, relu) -> "
             "Dropout(0.5) -> Flatten -> Dense(10, relu); every hidden bias initialised to the constant 0.1; Adam "
             "at its default rate; categorical_crossentropy; batches of 50 (600 train_on_batch steps, half an "
             "MNIST epoch). The repair (relu -> softmax on the output; 1 -> 2 epochs) from the DeepLocalize "
             "'Correct Code' and the DeepFD patch table.")
ASSUMED = ("The post's title could not be retrieved offline. MNIST is replaced by a synthetic 10-class set of 512 "
           "flattened 28x28 images (float32 in [0, 1], mostly zero): each class is a fixed random stroke pattern "
           "of 4x4-pixel blocks, every sample a shifted, dimmed and noisy copy; labels one-hot float32. We fit as "
           "the DeepFD copy does (fit with batch_size 50, 1 epoch, 2 after the repair), which on 512 rows is 11 "
           "updates an epoch instead of the post's 600 steps. The interface has no place for a repaired FIT, so "
           "the repaired epochs are in the extra attribute FIT_FIXED.")
TASK = "multiclass"
FIT = dict(epochs=1, batch_size=50)
FIT_FIXED = dict(epochs=2, batch_size=50)

_N = 512
_SIDE = 28
_CLASSES = 10


def _strokes(rng: np.random.Generator, n: int):
    """n flattened 28x28 images in [0, 1]: a jittered copy of one blocky random pattern per class."""
    blocks = (rng.random((_CLASSES, 7, 7)) < 0.3).astype("float64")
    templates = blocks.repeat(4, axis=1).repeat(4, axis=2)               # (10, 28, 28)
    labels = rng.integers(0, _CLASSES, size=n)
    shifts = rng.integers(-2, 3, size=(n, 2))
    brightness = rng.uniform(0.6, 1.0, size=n)
    images = np.empty((n, _SIDE, _SIDE))
    for i in range(n):
        ink = np.roll(templates[labels[i]], tuple(shifts[i]), axis=(0, 1)) * brightness[i]
        ink += rng.normal(0.0, 0.1, size=ink.shape) * (ink > 0)
        images[i] = np.clip(ink, 0.0, 1.0)
    X = images.reshape(n, _SIDE * _SIDE).astype("float32")
    y = np.eye(_CLASSES, dtype="float32")[labels]
    return X, y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _strokes(rng, _N)
    bias = keras.initializers.Constant(0.1)
    model = keras.Sequential([
        keras.Input((_SIDE * _SIDE,)),
        keras.layers.Reshape((_SIDE, _SIDE, 1)),
        keras.layers.Conv2D(32, (5, 5), padding="same", activation="relu", bias_initializer=bias),
        keras.layers.MaxPooling2D(padding="same"),
        keras.layers.Conv2D(64, (5, 5), padding="same", activation="relu", bias_initializer=bias),
        keras.layers.MaxPooling2D(padding="same"),
        keras.layers.Reshape((1, 7 * 7 * 64)),
        keras.layers.Dense(1024, activation="relu", bias_initializer=bias),
        keras.layers.Dropout(0.5),
        keras.layers.Flatten(),
        keras.layers.Dense(_CLASSES, activation="softmax" if fixed else "relu"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return Case(model, X, y)
