"""DeepFD row 6, Stack Overflow question 38648195 (retold in our own code).

The asker generates a three-label problem with scikit-learn's make_multilabel_classification (20 count
features) and trains a 20-20-3 ReLU net with dropout 0.5, a softmax output and squared error under plain SGD.
Softmax forces the three label probabilities to compete although a row can carry several labels. The
repair uses a sigmoid per label with binary cross-entropy.
Source: https://stackoverflow.com/questions/38648195 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 6
SUBJECT = "38648195"
URL = "https://stackoverflow.com/questions/38648195"
TITLE = "[title not recovered] Keras multi-label classification on make_multilabel_classification data"
GROUND_TRUTH = ("act", "loss", "epoch")

FAULT = ("A multi-label target (3 independent 0/1 labels) is fitted with a softmax output under mean squared "
         "error, so the labels compete for one unit of probability.")
REPAIR = "Sigmoid output with binary cross-entropy; everything else (SGD, 20 epochs, batch 20) unchanged."
RECOVERED = ("make_multilabel_classification(n_samples=60000, n_features=20, n_classes=3) split 80/20 with "
             "train_test_split; Dense(20) + relu -> Dropout(0.5) -> Dense(20) + relu -> Dropout(0.5) -> "
             "Dense(3) + softmax; loss mean_squared_error; optimizer 'sgd' (learning rate 0.01); 20 epochs, "
             "batch_size 20, test split as validation data. Repair (sigmoid, binary_crossentropy) from the "
             "DeepFD patch table and the DeepLocalize 'Correct Code'.")
ASSUMED = ("2,000 generated rows instead of 60,000 (same generator and arguments, seeded from rng); the 80% "
           "training part (1,600 rows: integer-valued float64 counts and int64 0/1 labels, as the generator "
           "returns them) is what build() returns, as the post fits on it. The ground truth also lists epoch, "
           "but neither published repair changes the 20 epochs, so none is applied. TASK is 'binary' because "
           "the repaired model treats the 3 outputs as independent binary labels.")
TASK = "binary"
FIT = dict(epochs=20, batch_size=20)

_N = 2000


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras
    from sklearn.datasets import make_multilabel_classification
    from sklearn.model_selection import train_test_split

    seed_keras(rng)
    X, y = make_multilabel_classification(n_samples=_N, n_features=20, n_classes=3,
                                          random_state=int(rng.integers(2**31 - 1)))
    X_train, _X_test, y_train, _y_test = train_test_split(X, y, test_size=0.20,
                                                          random_state=int(rng.integers(2**31 - 1)))
    model = keras.Sequential([
        keras.Input((20,)),
        keras.layers.Dense(20),
        keras.layers.Activation("relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(20),
        keras.layers.Activation("relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(3),
        keras.layers.Activation("sigmoid" if fixed else "softmax"),
    ])
    model.compile(loss="binary_crossentropy" if fixed else "mean_squared_error", optimizer="sgd",
                  metrics=["accuracy"])
    return Case(model, X_train, y_train)
