"""DeepFD row 15, Stack Overflow question 59325381 (retold in our own code).

A reader trains a small MNIST CNN (two 3x3 convolutions with max-pooling, a 128-unit ReLU layer, softmax
over 10 digits, Adam, sparse categorical cross-entropy) and gets about 10% accuracy: by mistake the labels,
not only the images, were divided by 255. The repair scales only the images and trains on one-hot labels
with categorical cross-entropy.
Source: https://stackoverflow.com/questions/59325381 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 15
SUBJECT = "59325381"
URL = "https://stackoverflow.com/questions/59325381"
TITLE = "Low accuracy after training a CNN"
GROUND_TRUTH = ("loss", "wrong_prep")

FAULT = ("The digit labels are divided by 255 like the pixels, so the sparse cross-entropy sees fractions "
         "that truncate to class 0 and the net learns to answer 0 for every image.")
REPAIR = ("Leave the labels as digits, one-hot encode them over 10 classes and train with categorical "
          "cross-entropy instead of the sparse loss.")
RECOVERED = ("Images reshaped to (N, 28, 28, 1) and divided by 255; y_train divided by 255 too and reshaped "
             "to (N, 1); Conv2D(64, 3x3, stride 1, 'same') -> MaxPooling2D(2x2, 'valid') -> Conv2D(32, 3x3, "
             "stride 1, 'same') -> MaxPooling2D(2x2) -> Flatten -> Dense(128) -> ReLU -> Dense(10) -> softmax, "
             "convolutions without activation as posted; Adam, sparse_categorical_crossentropy, default batch "
             "size 32. Repair (labels kept, to_categorical, categorical_crossentropy) from the DeepLocalize "
             "'Correct Code' and the DeepFD patch table.")
ASSUMED = ("MNIST needs a download, so 512 synthetic 28x28 grey 'digits' stand in: one random stroke figure "
           "per class, each sample shifted, thickened and noised, pixel values 0-255 before the /255 "
           "(float64 after it). The benchmark's buggy copy trains 2 epochs and its correct copy 10; we take "
           "10.")
TASK = "multiclass"
FIT = dict(epochs=10, batch_size=32)

_N = 512
_SIDE = 28
_CLASSES = 10


def _strokes(rng: np.random.Generator) -> np.ndarray:
    """One 28x28 stroke figure (0..1) per class: three random line segments each."""
    protos = np.zeros((_CLASSES, _SIDE, _SIDE))
    t = np.linspace(0.0, 1.0, 40)
    for c in range(_CLASSES):
        for _ in range(3):
            (r0, c0), (r1, c1) = rng.integers(5, 23, size=(2, 2))
            rows = np.rint(r0 + (r1 - r0) * t).astype(int)
            cols = np.rint(c0 + (c1 - c0) * t).astype(int)
            protos[c, rows, cols] = 1.0
    return protos


def _digits(rng: np.random.Generator, n: int):
    """n uint8-range images around the class stroke figures, and their integer labels."""
    protos = _strokes(rng)
    labels = rng.integers(0, _CLASSES, size=n)
    images = np.empty((n, _SIDE, _SIDE))
    for i, c in enumerate(labels):
        img = np.roll(protos[c], shift=tuple(rng.integers(-2, 3, size=2)), axis=(0, 1))
        img = np.maximum(img, 0.7 * np.roll(img, 1, axis=int(rng.integers(0, 2))))      # thicker pen
        img = img * rng.uniform(0.7, 1.0) + rng.normal(0.0, 0.05, size=img.shape)
        images[i] = np.clip(np.rint(img * 255), 0, 255)
    return images, labels


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    images, labels = _digits(rng, _N)
    X = (images / 255).reshape(_N, _SIDE, _SIDE, 1)
    if fixed:
        y = keras.utils.to_categorical(labels, _CLASSES)
    else:
        y = (labels / 255).reshape(_N, 1)                  # the post scales the labels along with the images
    model = keras.Sequential([
        keras.Input((_SIDE, _SIDE, 1)),
        keras.layers.Conv2D(64, (3, 3), strides=(1, 1), padding="same"),
        keras.layers.MaxPooling2D(pool_size=(2, 2), padding="valid"),
        keras.layers.Conv2D(32, (3, 3), strides=(1, 1), padding="same"),
        keras.layers.MaxPooling2D(pool_size=(2, 2), padding="valid"),
        keras.layers.Flatten(),
        keras.layers.Dense(128),
        keras.layers.Activation("relu"),
        keras.layers.Dense(_CLASSES),
        keras.layers.Activation("softmax"),
    ])
    model.compile(optimizer="adam",
                  loss="categorical_crossentropy" if fixed else "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return Case(model, X, y)
