"""Chapter 4's broken and fixed Keras model: the model the doctor is run on in the chapter and in
the doctor's benchmark of the book's own pairs (``nnfail_bench.pairs``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nnfail.chapters.two_relu_coverage.experiments import article_init, make_data
from nnfail.chapters.two_relu_coverage.spec import CHAPTER
from nnfail.doctor.twins import TwinReports, diagnose_twins
from nnfail.models import Case, mlp

if TYPE_CHECKING:
    from nnfail.params import Params


def doctor_case(fixed: bool, rng, n=10_000, noise=1.0, lr=0.05, optimizer="adam", broken_init=None) -> Case:
    """Chapter 4: Dense(2, relu) -> Dense(1) on x^2 - 10 + noise, x in [-10, 10], started at the article's
    'bad' weights (both units face right: nothing is active left of x = -3); fixed: its 'good' weights.
    ``broken_init`` = (kernel row, biases) replaces the article's bad start for the variations."""
    import keras

    x, y = make_data(n, noise, rng)
    (W, b), (V, c) = article_init("good" if fixed else "bad")
    W, b = W[0], b[0]
    if broken_init is not None and not fixed:
        W, b = np.array([broken_init[0]], float), np.array(broken_init[1], float)
        V = np.zeros((1, W.shape[1], 1))
    opt = keras.optimizers.Adam(lr) if optimizer == "adam" else keras.optimizers.SGD(lr)
    model = mlp(1, (W.shape[1],), "relu", optimizer=opt, rng=rng)
    model.set_weights([W, b, V[0], c[0]])
    return Case(model, x[:, None], y)


def diagnose(P: Params) -> TwinReports:
    """The doctor on the chapter's broken and fixed model, built with the chapter's data size, noise and
    optimizer setting (P.n_points, P.noise, P.lr, P.optimizer)."""
    return diagnose_twins(lambda fixed, rng: doctor_case(fixed, rng, n=P.n_points, noise=P.noise, lr=P.lr,
                                                         optimizer=P.optimizer), CHAPTER.causes, P.seed)
