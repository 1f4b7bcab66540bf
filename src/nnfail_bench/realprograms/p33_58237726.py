"""DeepFD row 33, Stack Overflow question 58237726 (retold in our own code).

A reader checks a 3D-convolution classifier on fake data that could not be easier (stacks of all-one volumes
against stacks of all-zero volumes) and it still does not learn. Each sample is a stack of six 16x16x16x3
volumes; a Lambda folds the stack into the batch, one Conv3D + GlobalAveragePooling3D summarises each volume,
a second Lambda unfolds them again and a one-filter Conv1D + ReLU squeezes everything into a single number
before the softmax. The accepted answer feeds one volume per sample instead (no folding), lets two ReLU Conv3D
layers and the pooling feed the softmax directly, and raises Adam's learning rate from 1e-3 to 1e-2.
Source: https://stackoverflow.com/questions/58237726 (CC BY-SA); the faulty and repaired code as kept in the
DeepFD benchmark's patch table (github.com/ArabelaTso/DeepFD, Benchmark/Benchmark-with-patches.xlsx).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 33
SUBJECT = "58237726"
URL = "https://stackoverflow.com/questions/58237726"
TITLE = "[title not recovered] Keras Conv3D model does not learn on trivial fake data (all ones vs all zeros)"
GROUND_TRUTH = ("lr", "wrong_prep")

FAULT = ("Every sample is a stack of six volumes that Lambda layers fold into and out of the batch, and the "
         "whole stack is squeezed through a one-filter Conv1D + ReLU into a single number before the 2-way "
         "softmax, trained with Adam at 1e-3.")
REPAIR = ("One 16x16x16x3 volume per sample (no folding Lambdas), two ReLU Conv3D layers "
          "(64 filters k=8 s=2, 8 filters k=4 s=2) and global average pooling straight into the softmax, Adam "
          "at 1e-2; data, labels and loss stay as posted.")
RECOVERED = ("Fake data from a generator of 240 items: items 1-119 are all ones labelled [0, 1], items 120-240 "
             "all zeros labelled [1, 0] (float32, one-hot). Faulty: item shape (6, 16, 16, 16, 3), batches of "
             "12 items; Input((6, 16, 16, 16, 3)) -> Lambda reshape to (-1, 16, 16, 16, 3) -> Conv3D(64, 8, "
             "strides 2, same) -> ReLU -> GlobalAveragePooling3D -> Lambda reshape to (-1, 6*64) -> expand_dims "
             "-> Conv1D(1, 1) -> ReLU -> squeeze -> Dense(2, softmax); Adam(1e-3), categorical_crossentropy. "
             "Repaired: item shape (16, 16, 16, 3), Input(batch_shape=(6, 16, 16, 16, 3)) -> Conv3D(64, 8, s2, "
             "relu, same) -> Conv3D(8, 4, s2, relu, same) -> GlobalAveragePooling3D -> Dense(2, softmax); "
             "Adam(1e-2); batches of 6 volumes.")
ASSUMED = ("The post's title and the number of epochs could not be retrieved offline; we train 3 epochs (the "
           "faulty twin folds 1,440 volumes through an 8x8x8 Conv3D, about 9 s an epoch here). The "
           "post streams the items in generator order through tf.data (no shuffling); here X, y are the same "
           "items as numpy arrays in the same order and the trainer's default shuffling applies. The repaired "
           "model's second Conv3D comes with the answer's rewrite, beyond the two listed fault types. FIT holds one "
           "batch size for both twins, so the repaired twin also trains on batches of 12 (12 volumes instead of "
           "the answer's 6) and its Input leaves the batch dimension free instead of fixing it at 6. The repaired "
           "twin does not always learn: its loss stayed at ln 2 on 1 of the 6 seeds we tried; the faulty twin "
           "stayed at ln 2 on both seeds we tried.")
TASK = "multiclass"   # two classes, one-hot labels and a 2-way softmax
FIT = dict(epochs=3, batch_size=12)

_ITEMS = 240
_FIRST_ZERO = 120         # items j = 1..119 are ones, j = 120..240 zeros
_STACK = 6
_VOLUME = (16, 16, 16, 3)


def _data(fixed: bool):
    shape = _VOLUME if fixed else (_STACK,) + _VOLUME
    j = np.arange(1, _ITEMS + 1)
    ones = j < _FIRST_ZERO
    X = np.zeros((_ITEMS,) + shape, dtype="float32")
    X[ones] = 1.0
    y = np.where(ones[:, None], np.array([0.0, 1.0]), np.array([1.0, 0.0])).astype("float32")
    return X, y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras
    from keras import layers, ops

    seed_keras(rng)
    X, y = _data(fixed)
    if fixed:
        inp = keras.Input(shape=_VOLUME)
        h = layers.Conv3D(64, kernel_size=8, strides=2, activation="relu", padding="same")(inp)
        h = layers.Conv3D(8, kernel_size=4, strides=2, activation="relu", padding="same")(h)
        h = layers.GlobalAveragePooling3D()(h)
        out = layers.Dense(2, activation="softmax")(h)
        lr = 1e-2
    else:
        inp = keras.Input(shape=(_STACK,) + _VOLUME)
        h = layers.Lambda(lambda t: ops.reshape(t, (-1,) + _VOLUME))(inp)          # fold the stack into the batch
        h = layers.Conv3D(64, kernel_size=8, strides=2, padding="same")(h)
        h = layers.ReLU()(h)
        h = layers.GlobalAveragePooling3D()(h)
        h = layers.Lambda(lambda t: ops.reshape(t, (-1, _STACK * 64)))(h)          # unfold: one row per stack
        h = layers.Lambda(lambda t: ops.expand_dims(t, 1))(h)
        h = layers.Conv1D(1, kernel_size=1)(h)
        h = layers.ReLU()(h)
        h = layers.Lambda(lambda t: ops.squeeze(t, 1))(h)
        out = layers.Dense(2, activation="softmax")(h)
        lr = 1e-3
    model = keras.Model(inputs=inp, outputs=out)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    return Case(model, X, y)
