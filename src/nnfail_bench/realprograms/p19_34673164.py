"""DeepFD row 19, Stack Overflow question 34673164 (retold in our own code).

A reader wants to predict which 2012 presidential candidate won a US county from 14 raw demographic
figures (population, median age, income, housing, growth rates ...) with a Keras MLP: two 64-unit tanh
layers with dropout 0.5, a 2-way softmax, mean squared error and Nesterov SGD at learning rate 0.1. The
benchmark's repair normalises the inputs with a leading BatchNormalization layer and trains a sigmoid output
on binary cross-entropy.
Source: https://stackoverflow.com/questions/34673164 (CC BY-SA); the program as kept in the DeepLocalize,
DeepFD and deepmufl benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD,
github.com/ali-ghanbari/deepmufl-ase-2023).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 19
SUBJECT = "34673164"
URL = "https://stackoverflow.com/questions/34673164"
TITLE = "How to train and tune an artificial multilayer perceptron neural network using Keras?"
GROUND_TRUTH = ("missing/redundant/wrong_layers", "layer_properties", "act", "loss")

FAULT = ("Raw county figures (populations in the hundreds of thousands, incomes and home values in the "
         "tens of thousands) saturate the tanh units at once, and a softmax trained on squared error gives "
         "only weak gradients.")
REPAIR = ("Put a BatchNormalization layer in front of the network, and replace the output softmax and the "
          "mean squared error by a sigmoid and binary cross-entropy (one-hot targets kept).")
RECOVERED = ("14 numeric county features and a two-valued winner ('Barack Obama' / 'Mitt Romney') "
             "label-encoded then one-hot encoded; layers Dense(64) -> tanh -> Dropout(0.5) -> Dense(64) -> "
             "tanh -> Dropout(0.5) -> Dense(2) -> softmax, all Keras-1 init='uniform'; SGD(lr=0.1, "
             "decay=1e-6, momentum=0.9, nesterov=True); loss mean_squared_error; 20 epochs, batch_size 16. "
             "Repair (BatchNormalization first, sigmoid output, binary_crossentropy) from the DeepLocalize "
             "'Correct Code' and the DeepFD patch table.")
ASSUMED = ("The county table is not public with the post: 1,000 synthetic counties with ranges like the "
           "benchmark's sample rows (population ~1e4-1e6, per-capita income 15k-50k, home value 50k-250k, "
           "percentages 5-80, growth rates -1.5..2.5), the winner drawn from a logistic teacher on log "
           "population, education, renters and unemployment (~25% Obama). 14 inputs as in the question's "
           "feature list and deepmufl's copy (the DeepLocalize CSV has 16 with two duplicated columns). "
           "Keras-1 init='uniform' is read as U[-0.05, 0.05]; the old SGD 'decay' as an InverseTimeDecay "
           "schedule (lr / (1 + 1e-6 * step)). DeepFD notes that its own copy already reached accuracy 1.")
TASK = "multiclass"
FIT = dict(epochs=20, batch_size=16)

_ROWS = 1000


def _counties(rng: np.random.Generator, n: int):
    """n rows of 14 raw county figures and a one-hot winner (column 0 Obama, column 1 Romney)."""
    pop = np.clip(np.exp(rng.normal(10.3, 1.4, n)), 500, 2e6).round()
    median_age = rng.normal(40, 4.5, n).round(1)
    bachelors = np.clip(rng.gamma(5.0, 4.0, n), 5, 70).round(1)
    unemployment = np.clip(rng.normal(8.5, 3.0, n), 2, 25).round(1)
    income = np.clip(15000 + 600 * bachelors + rng.normal(0, 4000, n), 10000, 70000).round()
    households = (pop / rng.uniform(2.3, 2.7, n)).round()
    hh_size = (pop / households).round(2)
    renters = np.clip(rng.normal(25, 7, n) + 2 * np.log10(pop / 1e4), 8, 60).round(1)
    owners = (100 - renters - np.clip(rng.normal(0, 3, n), 0, 20)).round(1)
    vacant = np.clip(rng.gamma(3.0, 5.0, n), 3, 60).round(1)
    home_value = np.clip(40000 + 3000 * bachelors + rng.normal(0, 25000, n), 30000, 600000).round()
    pop_growth = rng.normal(0.3, 0.8, n).round(2)
    hh_growth = (pop_growth + rng.normal(0.1, 0.3, n)).round(2)
    income_growth = rng.normal(0.5, 0.3, n).round(2)
    X = np.column_stack([pop, median_age, bachelors, unemployment, income, households, hh_size, owners,
                         renters, vacant, home_value, pop_growth, hh_growth, income_growth]).astype("float64")
    logit = (-1.3 + 1.4 * (np.log10(pop) - 4.5) + 0.12 * (bachelors - 20) + 0.12 * (renters - 26)
             + 0.15 * (unemployment - 8.5) - 0.08 * (median_age - 40))
    obama = rng.random(n) < 1 / (1 + np.exp(-2.0 * logit))
    winner = np.where(obama, 0, 1)                        # LabelEncoder: 'Barack Obama' < 'Mitt Romney'
    y = np.eye(2, dtype="float32")[winner]
    return X, y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X, y = _counties(rng, _ROWS)
    uniform = keras.initializers.RandomUniform(-0.05, 0.05)
    layers = [keras.Input((14,))]
    if fixed:
        layers.append(keras.layers.BatchNormalization())
    layers += [
        keras.layers.Dense(64, kernel_initializer=uniform),
        keras.layers.Activation("tanh"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(64, kernel_initializer=uniform),
        keras.layers.Activation("tanh"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(2, kernel_initializer=uniform),
        keras.layers.Activation("sigmoid" if fixed else "softmax"),
    ]
    model = keras.Sequential(layers)
    schedule = keras.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=1, decay_rate=1e-6)
    sgd = keras.optimizers.SGD(learning_rate=schedule, momentum=0.9, nesterov=True)
    model.compile(loss="binary_crossentropy" if fixed else "mean_squared_error", optimizer=sgd,
                  metrics=["accuracy"])
    return Case(model, X, y)
