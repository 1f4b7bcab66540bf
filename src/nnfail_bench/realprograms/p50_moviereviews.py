"""Row 50 of the DeepFD list: the GitHub project MovieReviews_Keras, retold in our own code.

The project classifies IMDB reviews as positive or negative from 10,000-word multi-hot vectors with two
16-unit ReLU layers and a sigmoid output (RMSprop 0.001, binary cross-entropy, batch 512, 4 epochs). The
repair adds Dropout(0.5) after each hidden layer and trains for 7 epochs.
Source: the benchmark copy in github.com/Wardat-ISU/DeepLocalize (Benchmark/GitHub/.../MovieReviews_Keras).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 50
SUBJECT = "MovieReviews_Keras"
URL = "https://github.com/Wardat-ISU/DeepLocalize/tree/master/Benchmark/GitHub"
TITLE = "MovieReviews_Keras: IMDB movie review classification with Keras"
GROUND_TRUTH = ("epoch", "missing/redundant/wrong_layers")

FAULT = ("The two hidden layers have no regularisation (no dropout) and training stops after 4 epochs.")
REPAIR = ("Add Dropout(0.5) after each hidden ReLU layer and train for 7 epochs (FIT_FIXED); nothing else "
          "changes.")

RECOVERED = ("From the DeepLocalize benchmark's buggy and correct copies and the DeepFD patch sheet: reviews "
             "as multi-hot vectors over the 10,000 most frequent words, labels 0/1 as float32; Dense(16) + "
             "relu -> Dense(16) + relu -> Dense(1) + sigmoid; RMSprop(lr=0.001), binary_crossentropy; fit "
             "on x_train[10000:] (15,000 reviews) with batch 512 for 4 epochs, validating on the first "
             "10,000. Repair: Dropout(0.5) after each hidden layer, 7 epochs.")
ASSUMED = ("IMDB needs a download: a generator writes 2,000 reviews (not 15,000) of 80-300 word indices "
           "drawn from a Zipf-like vocabulary of 10,000 (ids 0-3 reserved, as in Keras's IMDB); about 600 "
           "words carry a fixed positive or negative weight and a review's label is the sign of its summed "
           "weights plus noise; then multi-hot as posted. The validation split is left out. The faulty "
           "twin keeps the post's separate Activation layers and the repaired one adds Dropout between "
           "them and the next Dense. FIT_FIXED (not part of the module interface) carries the repaired "
           "epochs.")

TASK = "binary"
FIT = dict(epochs=4, batch_size=512)
FIT_FIXED = dict(epochs=7, batch_size=512)

_VOCAB = 10000


def _reviews(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    ranks = np.arange(4, _VOCAB)
    freq = 1.0 / (ranks - 3.0) ** 1.05
    freq /= freq.sum()
    weight = np.zeros(_VOCAB)
    sentiment_words = rng.choice(np.arange(30, 3000), size=600, replace=False)
    weight[sentiment_words] = rng.choice([-1.0, 1.0], size=600) * rng.uniform(0.5, 1.5, size=600)
    X = np.zeros((n, _VOCAB), dtype=np.float32)
    score = np.zeros(n)
    for i in range(n):
        words = rng.choice(ranks, size=int(rng.integers(80, 301)), p=freq)
        X[i, words] = 1.0
        score[i] = weight[words].sum()
    score += rng.normal(0.0, 0.5 * score.std(), n)
    y = (score > np.median(score)).astype(np.float32)
    return X, y


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    X, y = _reviews(rng, 2000)

    seed_keras(rng)
    layers = [keras.Input((_VOCAB,)), keras.layers.Dense(16), keras.layers.Activation("relu")]
    if fixed:
        layers.append(keras.layers.Dropout(0.5))
    layers += [keras.layers.Dense(16), keras.layers.Activation("relu")]
    if fixed:
        layers.append(keras.layers.Dropout(0.5))
    layers += [keras.layers.Dense(1), keras.layers.Activation("sigmoid")]
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.001), loss="binary_crossentropy")
    return Case(model, X, y)
