"""DeepFD row 21, Stack Overflow question 50079585 (retold in our own code).

A reader adapts the Keras "small data" image-classification example (three Conv2D+ReLU+max-pool blocks, a
64-unit dense layer with dropout, one sigmoid output, binary cross-entropy, RMSprop) to a car-damage set
whose folders hold three severity classes, and accuracy does not improve. With class_mode='binary' the three
classes arrive as labels 0, 1 and 2 for a single sigmoid unit. The repair gives the net a 3-way softmax on
one-hot labels with categorical cross-entropy, a larger RMSprop step and more epochs.
Source: https://stackoverflow.com/questions/50079585 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 21
SUBJECT = "50079585"
URL = "https://stackoverflow.com/questions/50079585"
TITLE = "CNN with keras, accuracy not improving"
GROUND_TRUTH = ("epoch", "lr", "act", "loss", "layer_properties")

FAULT = ("A three-class problem is trained as a binary one: one sigmoid unit with binary cross-entropy "
         "against labels 0, 1 and 2, so the classes cannot be told apart.")
REPAIR = ("Output Dense(3) with softmax, categorical cross-entropy on one-hot labels, and RMSprop at "
          "learning rate 0.005 instead of the default 0.001 (the benchmark also doubles the epochs).")
RECOVERED = ("Three classes of RGB photos (minor / moderate / severe damage, 979 training images) rescaled "
             "by 1/255; Conv2D(32, 3x3) -> relu -> MaxPool(2x2) -> Conv2D(32, 3x3) -> relu -> MaxPool -> "
             "Conv2D(64, 3x3) -> relu -> MaxPool -> Flatten -> Dense(64) -> relu -> Dropout(0.5) -> Dense(1) "
             "-> sigmoid; binary_crossentropy, 'rmsprop'; flow_from_directory with class_mode='binary'; "
             "10 epochs, batch_size 16. Repair (Dense(3), softmax, categorical_crossentropy with "
             "class_mode='categorical', RMSprop(learning_rate=0.005), 20 epochs) from the DeepLocalize "
             "'Correct Code' and the DeepFD patch table.")
ASSUMED = ("The photos (150x150) are replaced by 512 synthetic 28x28 RGB images in [0, 1]: a coloured car "
           "body on a light background with dark 'dents' whose number and size grow with the class, labels "
           "as flow_from_directory gives them (float 0/1/2 for 'binary', one-hot for 'categorical'). "
           "The generator's shear/zoom/flip augmentation is left out (images are flipped at random once). "
           "FIT is shared by both twins, so the repair's 20 epochs are not applied (FIT keeps the post's 10).")
TASK = "multiclass"
FIT = dict(epochs=10, batch_size=16)

_N = 512
_SIDE = 28
_CLASSES = 3


def _cars(rng: np.random.Generator, n: int):
    """n 28x28 RGB 'car' images in [0, 1] with damage growing with the class, and class indices."""
    labels = rng.integers(0, _CLASSES, size=n)
    rows, cols = np.mgrid[0:_SIDE, 0:_SIDE]
    images = np.empty((n, _SIDE, _SIDE, 3))
    for i, c in enumerate(labels):
        img = np.ones((_SIDE, _SIDE, 3)) * rng.uniform(0.7, 0.95, size=3)          # sky / showroom
        top, left = rng.integers(7, 11), rng.integers(1, 4)
        body = (rows >= top) & (rows < top + 12) & (cols >= left) & (cols < _SIDE - rng.integers(1, 4))
        img[body] = rng.uniform(0.2, 0.9, size=3)                                  # paint colour
        for _ in range(rng.integers(1, 3) + 3 * c):                                # dents: more when severe
            r0, c0 = rng.integers(top, top + 12), rng.integers(left, _SIDE - 3)
            radius = rng.uniform(0.8, 1.5) + 0.8 * c
            dent = (rows - r0) ** 2 + (cols - c0) ** 2 <= radius ** 2
            img[dent & body] *= rng.uniform(0.1, 0.4)
        if rng.random() < 0.5:
            img = img[:, ::-1]
        images[i] = np.clip(img + rng.normal(0.0, 0.03, size=img.shape), 0.0, 1.0)
    return images.astype("float32"), labels


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, labels = _cars(rng, _N)
    if fixed:
        y = np.eye(_CLASSES, dtype="float32")[labels]      # class_mode='categorical'
    else:
        y = labels.astype("float32")                       # class_mode='binary' with three folders: 0., 1., 2.
    model = keras.Sequential([
        keras.Input((_SIDE, _SIDE, 3)),
        keras.layers.Conv2D(32, (3, 3)),
        keras.layers.Activation("relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(32, (3, 3)),
        keras.layers.Activation("relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(64, (3, 3)),
        keras.layers.Activation("relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dense(64),
        keras.layers.Activation("relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(_CLASSES if fixed else 1),
        keras.layers.Activation("softmax" if fixed else "sigmoid"),
    ])
    model.compile(loss="categorical_crossentropy" if fixed else "binary_crossentropy",
                  optimizer=keras.optimizers.RMSprop(learning_rate=0.005) if fixed else "rmsprop",
                  metrics=["accuracy"])
    return Case(model, X, y)
