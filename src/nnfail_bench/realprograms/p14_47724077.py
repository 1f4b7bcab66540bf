"""DeepFD row 14, Stack Overflow question 47724077 (retold in our own code).

A reader label-encodes the categorical columns of the UCI "adult" census table, one-hot encodes the income
class and trains a 14-21-2 Keras network (ReLU, softmax, categorical cross-entropy, Adam) on the raw columns,
where final weights near 1e6 and capital gains near 1e5 sit beside codes 0-40; the loss stays huge and
accuracy stays below the majority-class rate. The repair standardises the inputs and changes the optimizer.
Source: https://stackoverflow.com/questions/47724077 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 14
SUBJECT = "47724077"
URL = "https://stackoverflow.com/questions/47724077"
TITLE = "[title not recovered] Keras 14-21-2 network on the UCI adult census data stays at low accuracy"
GROUND_TRUTH = ("opt", "lr", "missing_prep", "epoch")

FAULT = ("The 14 adult-census columns go in unscaled (final weight up to ~1.5e6, capital gain up to 99999, "
         "category codes 0-41), so the first ReLU layer's outputs are enormous and Adam at 0.001 cannot bring "
         "the softmax out of saturation.")
REPAIR = ("Standardise every input column and train with Keras' plain SGD (learning rate 0.01) instead of "
          "Adam (0.001).")
RECOVERED = ("The adult.data layout: 14 input columns (age, workclass, fnlwgt, education, education-num, "
             "marital-status, occupation, relationship, race, sex, capital-gain, capital-loss, hours-per-week, "
             "native-country), categorical ones passed through LabelEncoder, the income class one-hot "
             "encoded into 2 columns; layers Dense(21, relu) -> Dense(2, softmax); categorical_crossentropy, "
             "Adam; 50 epochs, batch_size 100. Repair StandardScaler + optimizer 'sgd' from the DeepLocalize "
             "'Correct Code' and the DeepFD patch table.")
ASSUMED = ("The adult data needs a download, so 2,000 synthetic rows imitate its columns' ranges and skew "
           "(categorical columns as integer codes, ~21-26% '>50K'), the class drawn from a logistic teacher on "
           "education, age, hours, marriage, sex and capital gain. The post writes a one-hot matrix into each "
           "categorical column, which current pandas rejects; we keep the integer codes. Of the DeepFD "
           "patch's two alternatives (optimizer 'sgd', or Adam at 0.01) we take 'sgd', which also changes the "
           "rate to 0.01; the ground truth's 'epoch' fault gives no epoch count and FIT is shared by both twins, "
           "so it is not applied.")
TASK = "multiclass"
FIT = dict(epochs=50, batch_size=100)

_ROWS = 2000


def _census(rng: np.random.Generator, n: int):
    """n rows shaped like adult.data after label encoding, with one-hot income labels (2 classes)."""
    age = np.clip(17 + rng.gamma(3.0, 7.0, n), 17, 90).round()
    workclass = rng.choice(9, n, p=[.06, .03, .07, .0005, .7, .035, .08, .0245, .0])
    fnlwgt = np.clip(np.exp(rng.normal(12.0, 0.5, n)), 12285, 1484705).round()
    edu_num = rng.choice(np.arange(1, 17), n,
                         p=np.array([1, 2, 3, 6, 5, 9, 12, 4, 100, 70, 13, 10, 52, 17, 5, 4]) / 313)
    education = (edu_num * 7 + 3) % 16                   # LabelEncoder codes follow the names, not the level
    marital = rng.choice(7, n, p=[.14, .001, .46, .013, .34, .03, .016])
    occupation = rng.integers(0, 15, n)
    relationship = np.where(marital == 2, rng.choice([0, 5], n, p=[.88, .12]), rng.choice([1, 2, 3, 4], n))
    race = rng.choice(5, n, p=[.01, .03, .1, .01, .85])
    sex = (rng.random(n) < 0.67).astype(float)            # 1 = Male
    gain = np.where(rng.random(n) < 0.08, rng.choice([2174, 3103, 5178, 7298, 15024, 99999], n), 0)
    loss = np.where(rng.random(n) < 0.05, rng.integers(1000, 4357, n), 0)
    hours = np.clip(np.where(rng.random(n) < 0.5, 40, rng.normal(41, 12, n)), 1, 99).round()
    country = np.where(rng.random(n) < 0.9, 39, rng.integers(0, 42, n))
    X = np.column_stack([age, workclass, fnlwgt, education, edu_num, marital, occupation, relationship,
                         race, sex, gain, loss, hours, country]).astype("float64")
    logit = 2.0 * (-3.2 + 0.45 * (edu_num - 10) + 0.05 * (np.minimum(age, 60) - 38) + 0.04 * (hours - 40)
                   + 2.2 * (marital == 2) + 0.4 * sex + 3.0 * (gain > 5000))
    income = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    y = np.eye(2, dtype="float32")[income]
    return X, y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _census(rng, _ROWS)
    if fixed:                                             # StandardScaler, as in the repair
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    model = keras.Sequential([
        keras.Input((14,)),
        keras.layers.Dense(21, activation="relu"),
        keras.layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.SGD() if fixed else keras.optimizers.Adam(),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    return Case(model, X, y)
