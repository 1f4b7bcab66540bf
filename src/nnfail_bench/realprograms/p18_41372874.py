"""DeepFD row 18, Stack Overflow question 41372874 (retold in our own code).

A reader feeds a sampled sine wave to a tiny 2-2-2-1 Keras perceptron (ReLU hidden layers, sigmoid output,
binary cross-entropy, Adam): the inputs are the current and the previous sample, the target the direction
column of the CSV. The benchmark lists the program as having no fault in its structure ("origin"), so the
repaired twin is the program itself.
Source: https://stackoverflow.com/questions/41372874 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 18
SUBJECT = "41372874"
URL = "https://stackoverflow.com/questions/41372874"
TITLE = "[title not recovered] Keras 2-2-2-1 perceptron on a sine wave's current/previous value and direction"
GROUND_TRUTH = ("origin",)

FAULT = ("None according to the benchmark: its authors found no fault in the model's structure, and the "
         "program as they kept it trains to full accuracy.")
REPAIR = "None: the repaired twin is the same program (ground truth 'origin')."
RECOVERED = ("CSV columns SIN, SIN-1, Direction (first rows: a sine sampled every 2*pi/100, its previous "
             "sample, direction 1); X = the two sine columns (float), y = Direction (int 0/1); the first 80% "
             "of the rows for training, unshuffled; layers Dense(2) -> relu -> Dense(2) -> relu -> Dense(1) "
             "-> sigmoid, all Keras-1 init='uniform'; binary_crossentropy, Adam; 20 epochs, batch_size 2. "
             "The verdict 'no issue in the structure' from the DeepLocalize and DeepFD tables.")
ASSUMED = ("The post's title and text could not be retrieved offline; the program is the benchmark's copy. "
           "That copy's SIN.csv has 299 rows, and every Direction is 1 (after the first rising quarter-wave "
           "its rows are scattered rising pairs), which is why it 'trains' to accuracy 1. We generate 299 rows "
           "the same way: a current sample in [0, 0.85], a smaller previous sample and Direction 1 throughout. "
           "Keras-1 init='uniform' is read as U[-0.05, 0.05]. Caution: with a genuine rising/falling label "
           "(about half 0s) on a clean 300-sample sine, the same program stays at chance (loss 0.692, "
           "accuracy 0.52 over 2 seeds), so the 'origin' verdict rests on the benchmark's one-class data.")
TASK = "binary"
FIT = dict(epochs=20, batch_size=2)

_ROWS = 299


def _sine_rows(rng: np.random.Generator, n: int):
    """n rows (SIN, SIN-1, Direction) like the benchmark's CSV: a rising start, then scattered rising pairs."""
    t = np.arange(12)
    head_now = np.sin(2 * np.pi * t / 100)
    head_prev = np.concatenate([[0.0], head_now[:-1]])
    now = rng.uniform(0.05, 0.85, n - 12)
    prev = now - rng.uniform(0.05, 1.0, n - 12) * (1.0 + now)       # a smaller earlier value, down to ~ -2.5
    X = np.column_stack([np.concatenate([head_now, now]), np.concatenate([head_prev, prev])])
    y = np.ones(n, dtype="int64")
    return X, y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _sine_rows(rng, _ROWS)
    n_train = int(_ROWS * 0.80)
    X, y = X[:n_train], y[:n_train]
    uniform = keras.initializers.RandomUniform(-0.05, 0.05)
    model = keras.Sequential([                            # fixed and broken twins are the same program
        keras.Input((2,)),
        keras.layers.Dense(2, kernel_initializer=uniform),
        keras.layers.Activation("relu"),
        keras.layers.Dense(2, kernel_initializer=uniform),
        keras.layers.Activation("relu"),
        keras.layers.Dense(1, kernel_initializer=uniform),
        keras.layers.Activation("sigmoid"),
    ])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return Case(model, X, y)
