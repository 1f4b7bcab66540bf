"""Keras models as readers write them: the compiled Dense stacks the chapters reproduce and the doctor's
broken/fixed pairs are built from."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Case:
    """A compiled Keras model with the data it is trained on."""

    model: object
    X: np.ndarray
    y: np.ndarray


def seed_keras(rng: np.random.Generator) -> None:
    """Seed Keras's global generators from an explicit numpy generator (one draw)."""
    import keras

    keras.utils.set_random_seed(int(rng.integers(2**31 - 1)))


def mlp(n_in: int, hidden, activation="relu", out: int = 1, out_activation=None, kernel="glorot_uniform",
        bias="zeros", loss="mse", optimizer=None, rng: np.random.Generator | None = None):
    """A compiled keras.Sequential: Dense hidden layers (one activation, or one per layer), Dense output."""
    import keras

    if rng is not None:
        seed_keras(rng)
    acts = [activation] * len(hidden) if isinstance(activation, (str, type(None))) else list(activation)
    model = keras.Sequential(
        [keras.Input((n_in,))]
        + [keras.layers.Dense(u, activation=a, kernel_initializer=kernel, bias_initializer=bias)
           for u, a in zip(hidden, acts)]
        + [keras.layers.Dense(out, activation=out_activation, kernel_initializer=kernel)])
    model.compile(loss=loss, optimizer=optimizer or keras.optimizers.Adam(1e-3))
    return model
