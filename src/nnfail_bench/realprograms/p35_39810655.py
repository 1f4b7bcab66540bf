"""Row 35 of the DeepFD list: Stack Overflow question 39810655, retold in our own code (patch-only reconstruction).

A multi-class Keras classifier is compiled with categorical cross-entropy while its labels are class numbers in
one column, not one-hot rows; the fix recorded by the benchmark is the sparse variant of the loss. Only that
fix and the diagnostic messages other tools printed on the program were recoverable here: the model and data
below are assumptions consistent with them, stated in ASSUMED.
Source: the DeepFD benchmark's patch table (github.com/ArabelaTso/DeepFD, Benchmark/Benchmark-with-patches.xlsx,
row 35), pointing to https://stackoverflow.com/questions/39810655 (CC BY-SA).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 35
SUBJECT = "39810655"
URL = "https://stackoverflow.com/questions/39810655"
TITLE = "[title not recovered] Keras multi-class model compiled with categorical cross-entropy on integer labels"
GROUND_TRUTH = ("loss",)

FAULT = ("Categorical cross-entropy multiplies each label by the log of every predicted probability, so with "
         "class numbers in one column (not one-hot rows) it teaches nothing about the right class and rows of "
         "class 0 add no loss at all.")
REPAIR = "Compile with sparse categorical cross-entropy (same model, optimizer and labels)."
RECOVERED = ("From the DeepFD patch table: the faulty compile line is loss='categorical_crossentropy', "
             "optimizer='adam', metrics=['accuracy'], and the fix is loss='sparse_categorical_crossentropy' with "
             "nothing else changed; the authors note the faulty program reports a high accuracy and the fix "
             "improves it only a little. From the other tools' messages recorded beside it: the inputs exceed "
             "typical limits (not scaled), at least one Dense layer has no activation, and the output layer has "
             "a non-linear activation (a softmax); DeepLocalize stops at layer 2, so the network is small.")
ASSUMED = ("The post itself could not be retrieved (search by id and by its code found nothing), so the title, "
           "the data and the layers are ours: 600 rows of 20 unscaled features in [0, 100] drawn around four "
           "class centres; labels 0..3 as one integer column; Dense(32) with no activation -> Dense(4, softmax); "
           "Adam at its default step; 10 epochs of batch 32. The labels keep the shape (n, 1). Older tf.keras "
           "broadcast that column against the (n, 4) output and trained (hence the high, meaningless accuracy "
           "the benchmark notes); the Keras we run refuses the mismatched shapes inside fit with a ValueError, "
           "so here the faulty twin does not train at all.")
TASK = "multiclass"
FIT = dict(epochs=10, batch_size=32)

_N, _D, _K = 600, 20, 4
_LOW, _HIGH = 0.0, 100.0  # the features' range (ASSUMED)

# the repair changes only the loss: what the other tools flagged stays in the repaired twin's code
LEFT_IN_PLACE = {
    "nonlinearity": "the hidden Dense(32) still has no activation (the repair changes only the loss)",
    "input_scale": f"the features stay unscaled in [{_LOW:g}, {_HIGH:g}] (the repair changes only the loss)",
}


def _data(rng: np.random.Generator):
    centres = rng.uniform(20.0, 80.0, size=(_K, _D))
    labels = rng.integers(0, _K, size=_N)
    X = np.clip(centres[labels] + rng.normal(0.0, 12.0, size=(_N, _D)), _LOW, _HIGH)
    return X.astype("float32"), labels.reshape(-1, 1).astype("int64")


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    X, y = _data(rng)
    seed_keras(rng)
    model = keras.Sequential([
        keras.Input((_D,)),
        keras.layers.Dense(32),
        keras.layers.Dense(_K, activation="softmax"),
    ])
    loss = "sparse_categorical_crossentropy" if fixed else "categorical_crossentropy"
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return Case(model, X, y)
