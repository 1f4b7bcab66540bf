"""Row 49 of the DeepFD list: the GitHub project FacialKeypointsDetection (its first, "single hidden layer"
script), retold in our own code.

The script regresses the 30 coordinates of 15 facial keypoints (Kaggle's facial keypoints data: 96x96
grey faces scaled to [0, 1], coordinates scaled to [-1, 1]) with three stacked Dense layers without
activations, trained by Adam at learning rate 0.1 for 100 epochs. The repair, taken from the project's
own commented alternative, trains with Nesterov SGD (0.01, momentum 0.9, clipnorm 1) for 400 epochs.
Source: the benchmark copy in github.com/Wardat-ISU/DeepLocalize (Benchmark/GitHub/.../FacialKeypointsDetection).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 49
SUBJECT = "FacialKeypointsDetection"
URL = "https://github.com/Wardat-ISU/DeepLocalize/tree/master/Benchmark/GitHub"
TITLE = "FacialKeypointsDetection: 1_single_hidden_layer.py (Kaggle facial keypoints, Dense regression)"
GROUND_TRUTH = ("opt", "epoch")

FAULT = ("Adam at learning rate 0.1 takes steps far too large for a linear map from 9,216 pixels to 30 "
         "coordinates, and 100 epochs is the budget it gets.")
REPAIR = ("Train with SGD (lr 0.01, decay 1e-6, momentum 0.9, Nesterov, clipnorm 1) for 400 epochs "
          "(FIT_FIXED); layers and data unchanged.")

RECOVERED = ("From the DeepLocalize benchmark's buggy and correct copies of the script and the DeepFD patch "
             "sheet: X = 96*96 = 9,216 pixel values per face divided by 255, y = 30 keypoint coordinates "
             "(y - 48)/48 in [-1, 1], rows with a missing keypoint dropped; Dense(50, input 9216) -> "
             "Dense(100) -> Dense(30), no activations; compile(Adam(lr=0.1), 'mean_squared_error'); fit 100 "
             "epochs, default batch 32. Repair: SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True, "
             "clipnorm=1) and 400 epochs (the script's commented-out fit line).")
ASSUMED = ("Kaggle's faces need a download: a generator draws 512 faces (the full set has about 2,140 "
           "complete rows) from a mean face plus 8 latent factors, each moving every keypoint by a fixed "
           "displacement and adding a fixed smooth image pattern, with pixel noise; pixels clipped to "
           "[0, 1], coordinates to [-1, 1]. Images stay 96x96 as posted (larger than our usual 28x28 cap, "
           "but a Dense stack on 9,216 inputs is cheap). Keras 3 has no 'decay' argument: lr/(1 + 1e-6 t) "
           "is an InverseTimeDecay schedule. The 'accuracy' metric is left out. FIT_FIXED (not part of the "
           "module interface) carries the repaired epochs.")

# Faults the repair leaves in place (facts about the repaired code), with the check that names each:
# a high finding of one of these checks on the repaired twin is reported apart, not as a false alarm.
LEFT_IN_PLACE = {
    'nonlinearity': 'the three Dense layers still have no activation: the repaired model is linear',
}
TASK = "regression"
FIT = dict(epochs=100, batch_size=32)
FIT_FIXED = dict(epochs=400, batch_size=32)

_SIDE = 96
_N_LATENT = 8


def _faces(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    side = _SIDE
    # mean keypoints (pixel coordinates) of a frontal face: eyes, eyebrows, nose, mouth (15 points)
    mean_xy = np.array([
        [66, 39], [30, 37], [59, 39], [73, 40], [37, 39], [23, 38], [57, 29], [79, 30], [39, 29], [16, 30],
        [48, 62], [63, 76], [33, 76], [48, 72], [48, 82]], dtype=float)
    mean_xy += rng.normal(0.0, 1.0, mean_xy.shape)
    # each latent factor moves the keypoints (pose, scale, expression) and changes the picture
    displacement = rng.normal(0.0, 2.0, (_N_LATENT, 15, 2))
    yy, xx = np.mgrid[0:side, 0:side] / side
    patterns = np.stack([
        np.sin(2 * np.pi * (rng.uniform(0.5, 2.0) * xx + rng.uniform(0.5, 2.0) * yy) + rng.uniform(0, 2 * np.pi))
        for _ in range(_N_LATENT)])
    face = 0.5 + 0.15 * np.exp(-(((xx - 0.5) / 0.35) ** 2 + ((yy - 0.55) / 0.45) ** 2))
    z = rng.normal(size=(n, _N_LATENT))
    img = face[None] + 0.06 * np.tensordot(z, patterns, axes=1) + rng.normal(0.0, 0.03, (n, side, side))
    # the keypoints themselves show as darker spots
    pts = mean_xy[None] + np.tensordot(z, displacement, axes=1)
    for i in range(n):
        for px, py in pts[i]:
            img[i] -= 0.12 * np.exp(-(((xx * side - px) ** 2 + (yy * side - py) ** 2) / 8.0))
    X = np.clip(img, 0.0, 1.0).reshape(n, side * side).astype(np.float32)
    y = np.clip((pts.reshape(n, 30) - 48.0) / 48.0, -1.0, 1.0).astype(np.float32)
    return X, y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    X, y = _faces(rng, 512)

    seed_keras(rng)
    model = keras.Sequential([
        keras.Input((_SIDE * _SIDE,)),
        keras.layers.Dense(50),
        keras.layers.Dense(100),
        keras.layers.Dense(30),
    ])
    if fixed:
        schedule = keras.optimizers.schedules.InverseTimeDecay(0.01, decay_steps=1, decay_rate=1e-6)
        opt = keras.optimizers.SGD(learning_rate=schedule, momentum=0.9, nesterov=True, clipnorm=1.0)
    else:
        opt = keras.optimizers.Adam(learning_rate=0.1)
    model.compile(optimizer=opt, loss="mean_squared_error")
    return Case(model, X, y)
