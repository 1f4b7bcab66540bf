"""DeepFD row 23, Stack Overflow question 44066044 (retold in our own code).

A reader classifies network packets (eleven numeric header fields such as IPv4 addresses written as 32-bit
integers, ports and window sizes, label 0/1 in a twelfth column) with a 11-12-12-1 Keras net, ReLU everywhere
including the output, binary cross-entropy and Adam, and the accuracy will not move. The accepted repair
standardises the raw fields (sklearn's preprocessing.scale) before training.
Source: https://stackoverflow.com/questions/44066044 (CC BY-SA); the program and its sample rows as kept in the
DeepLocalize and DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 23
SUBJECT = "44066044"
URL = "https://stackoverflow.com/questions/44066044"
TITLE = "[title not recovered] Keras binary classifier on raw network-packet fields does not learn"
GROUND_TRUTH = ("missing_prep",)

FAULT = ("The eleven packet fields go in raw: IPv4 addresses as integers near 3.2e9, window sizes near 5e5, "
         "ports up to 65535, so the first ReLU layer's pre-activations are in the billions.")
REPAIR = ("Standardise every column to zero mean and unit variance (preprocessing.scale) before fitting; the "
          "layers, the ReLU output, the loss and the optimizer stay as posted.")
RECOVERED = ("Eleven float features, label in column 12 as 0/1; layers Dense(12) -> Dense(12) -> Dense(1), all "
             "kernel_initializer='normal' and ReLU (output included); binary_crossentropy, Adam at its default "
             "rate; 100 epochs, batch_size 5. The 21 sample rows kept with the benchmark give the column "
             "layout: source and destination IPv4 (192.168.1.x as integers), protocol 6, 128, a window-like "
             "field (8192 or 524032-525568), a port (502 or an ephemeral port), then 0 or 12, a value field "
             "(0, 0.86, 61 or 65280), 0/5/6, 0, and 0 or 100-207. The repair (preprocessing.scale) from the "
             "DeepLocalize 'Correct Model' and the DeepFD patch table.")
ASSUMED = ("The post's title could not be retrieved offline and its full CSV is not public; we generate 300 rows "
           "with the sample rows' layout and ranges, label 1 for packets from two 'attacker' hosts (whose window "
           "field is 8192 or 5255xx and value field 0 or 65280) and 0 for the others, so the label is "
           "learnable from the scaled columns. The DeepLocalize copy also changes the output to sigmoid; the "
           "DeepFD patch keeps ReLU and lists only missing_prep, so the repaired twin keeps the ReLU output.")
TASK = "binary"
FIT = dict(epochs=100, batch_size=5)

_N = 300
_BASE_IP = 3232235776           # 192.168.1.0 as a 32-bit integer


def _packets(rng: np.random.Generator, n: int):
    y = (rng.random(n) < 0.5).astype("float64")
    rows = np.zeros((n, 11))
    attacker = y == 1
    hosts_bad = np.array([5, 9])                     # 192.168.1.5 and .9 (the sample's .781 is .5)
    hosts_good = np.array([2, 4, 6, 7, 8])
    rows[:, 0] = _BASE_IP + np.where(attacker, rng.choice(hosts_bad, n), rng.choice(hosts_good, n))
    rows[:, 1] = _BASE_IP + 3                        # the PLC at .3
    rows[:, 2] = 6                                   # TCP
    rows[:, 3] = 128
    rows[:, 4] = np.where(attacker, rng.choice([8192, 525558, 525568], n), rng.integers(524032, 524545, n))
    server_side = rng.random(n) < 0.5
    rows[:, 5] = np.where(server_side, 502, rng.integers(49152, 65536, n))
    has_payload = rng.random(n) < 0.5
    rows[:, 6] = np.where(has_payload, 12, 0)
    value = np.where(attacker, rng.choice([0.0, 65280.0], n), rng.choice([61.0, 0.860417], n))
    rows[:, 7] = np.where(has_payload, value, 0)
    rows[:, 8] = np.where(has_payload, np.where(attacker, 5, 6), 0)
    rows[:, 9] = 0
    rows[:, 10] = np.where(has_payload, np.where(attacker, rng.integers(100, 103, n), rng.integers(206, 208, n)), 0)
    return rows, y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _packets(rng, _N)
    if fixed:                                        # sklearn.preprocessing.scale: per-column z-score
        std = X.std(axis=0)
        X = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
    normal = "random_normal"                         # Keras 1/2 init='normal' (stddev 0.05)
    model = keras.Sequential([
        keras.Input((11,)),
        keras.layers.Dense(12, kernel_initializer=normal, activation="relu"),
        keras.layers.Dense(12, kernel_initializer=normal, activation="relu"),
        keras.layers.Dense(1, kernel_initializer=normal, activation="relu"),
    ])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return Case(model, X, y)
