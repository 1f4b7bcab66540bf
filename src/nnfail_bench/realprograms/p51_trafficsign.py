"""Row 51 of the DeepFD list: the GitHub project Traffic-Sign-Classifier, retold in our own code.

The project classifies 32x32 colour images of German traffic signs into 43 classes with a small CNN
(in-model scaling to [-0.5, 0.5], five convolutions, dropout, a 128-unit dense layer, softmax), Adam
0.001, batch 512, 10 epochs. The repair changes the activations of the first three convolutions from
ReLU to sigmoid, ELU and ELU.
Source: the benchmark copy in github.com/Wardat-ISU/DeepLocalize (Benchmark/GitHub/.../Traffic-Sign-Classifier).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 51
SUBJECT = "Traffic-Sign-Classifier"
URL = "https://github.com/Wardat-ISU/DeepLocalize/tree/master/Benchmark/GitHub"
TITLE = "Traffic-Sign-Classifier: German traffic sign (GTSRB) CNN in Keras"
GROUND_TRUTH = ("act",)

FAULT = "The first three convolutions (1x1 colour mixing, 5x5 stride 2, 3x3) use ReLU."
REPAIR = ("Use sigmoid on the 1x1 convolution and ELU on the next two; every other layer, the optimizer and "
          "the data unchanged.")

RECOVERED = ("From the DeepLocalize benchmark's buggy and correct train.py and the DeepFD patch sheet: "
             "images 32x32x3 as uint8 arrays read from PNG, labels 0..42 one-hot (to_categorical, 43 "
             "classes), 80/20 train/validation split; Lambda(p/255 - 0.5) -> Conv2D(3, 1x1) -> Conv2D(16, "
             "5x5, stride 2) -> Conv2D(32, 3x3) -> MaxPooling(2, 2) -> Conv2D(64, 3x3) -> Conv2D(128, 3x3) "
             "-> Flatten -> Dropout(0.5) -> Dense(128, relu) -> Dropout(0.5) -> Dense(43, softmax), all "
             "convolutions ReLU in the faulty version; Adam(lr=0.001), categorical_crossentropy, batch 512, "
             "10 epochs. Repair: activations sigmoid, elu, elu on the first three convolutions.")
ASSUMED = ("The GTSRB images need a download: a generator draws 2,000 training images (the real training "
           "split has about 27,800) from 43 class prototypes (a disc, triangle, square or diamond sign in "
           "class colours with a class-specific inner pattern) with uneven class frequencies (1:11 like "
           "GTSRB), random brightness, shifts of up to 2 pixels and pixel noise, as uint8 in [0, 255]. "
           "Images stay 32x32x3 as posted. The Lambda scaling is written as the equivalent "
           "Rescaling(1/255, offset=-0.5) layer so the model serialises. The validation data and "
           "TensorBoard callback are left out. Measured on this generator (2 seeds, 10 epochs, i.e. 40 "
           "updates), the repaired twin trains WORSE than the faulty one (training accuracy about 0.09 vs "
           "0.28-0.54; at 40 epochs 0.96 vs 1.00): the benchmark's activation repair does not show its "
           "benefit here, and we report it rather than tune the data until it does.")

TASK = "multiclass"
FIT = dict(epochs=10, batch_size=512)

_N_CLASSES = 43
_SIDE = 32


def _signs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    side = _SIDE
    yy, xx = np.mgrid[0:side, 0:side] - (side - 1) / 2.0
    r = 11.0
    masks = {
        "disc": xx ** 2 + yy ** 2 <= r ** 2,
        "square": (np.abs(xx) <= r * 0.85) & (np.abs(yy) <= r * 0.85),
        "diamond": np.abs(xx) + np.abs(yy) <= r * 1.2,
        "triangle": (yy <= r * 0.8) & (yy >= -r) & (np.abs(xx) <= (yy + r) * 0.6),
    }
    shapes = list(masks)
    protos = np.empty((_N_CLASSES, side, side, 3))
    for k in range(_N_CLASSES):
        mask = masks[shapes[k % 4]]
        inner = (xx ** 2 + yy ** 2) <= (r * 0.6) ** 2
        rim_colour = rng.uniform(40, 230, 3)
        inner_colour = rng.uniform(40, 230, 3)
        glyph = rng.random((4, 4)) < 0.5  # a coarse class-specific symbol in the middle
        glyph_img = np.kron(glyph, np.ones((4, 4)))
        pad = (side - 16) // 2
        glyph_full = np.zeros((side, side), dtype=bool)
        glyph_full[pad:pad + 16, pad:pad + 16] = glyph_img > 0
        img = np.empty((side, side, 3))
        img[:] = rng.uniform(60, 160, 3)  # background (sky, foliage, wall)
        img[mask] = rim_colour
        img[mask & inner] = inner_colour
        img[mask & inner & glyph_full] = 255.0 - inner_colour
        protos[k] = img
    share = rng.uniform(1.0, 11.0, _N_CLASSES)
    labels = rng.choice(_N_CLASSES, size=n, p=share / share.sum())
    X = np.empty((n, side, side, 3))
    for i, k in enumerate(labels):
        img = np.roll(protos[k], shift=tuple(rng.integers(-2, 3, 2)), axis=(0, 1))
        img = img * rng.uniform(0.3, 1.3) + rng.normal(0.0, 12.0, img.shape)
        X[i] = img
    return np.clip(np.round(X), 0, 255).astype(np.uint8), labels.reshape(-1, 1)


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    X, labels = _signs(rng, 2000)
    y = keras.utils.to_categorical(labels, _N_CLASSES)

    acts = ("sigmoid", "elu", "elu") if fixed else ("relu", "relu", "relu")
    seed_keras(rng)
    model = keras.Sequential([
        keras.Input((_SIDE, _SIDE, 3)),
        keras.layers.Rescaling(1.0 / 255.0, offset=-0.5),
        keras.layers.Conv2D(3, (1, 1), activation=acts[0]),
        keras.layers.Conv2D(16, (5, 5), strides=(2, 2), activation=acts[1]),
        keras.layers.Conv2D(32, (3, 3), activation=acts[2]),
        keras.layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)),
        keras.layers.Conv2D(64, (3, 3), activation="relu"),
        keras.layers.Conv2D(128, (3, 3), activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(_N_CLASSES, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="categorical_crossentropy")
    return Case(model, X, y)
