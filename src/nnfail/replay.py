"""Keras faithfulness: a configuration the engine trains, replayed in plain Keras from the same initial
weights on the same batches, and the largest deviation between the two.

The chapters call :func:`keras_replay` once per configuration they train in the engine and glue the
largest deviation, so a reader sees on the page how closely the book's many-seed runs follow Keras.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ReplayGap:
    name: str
    steps: int
    weights: float  # max over layers of max|W_keras - W_engine| / max|W_keras|
    outputs: float  # max |out_keras - out_engine| / (std of the Keras outputs + 1e-12) on the data


def _keras_model(sizes, activations, kernel: str, lr: float, optimizer: str, loss: str, momentum: float):
    import keras

    layers = [keras.Input((sizes[0],))] + [
        keras.layers.Dense(n, activation=None if a == "linear" else a, kernel_initializer=kernel)
        for n, a in zip(sizes[1:], activations)]
    model = keras.Sequential(layers)
    opt = (keras.optimizers.Adam(lr) if optimizer == "adam"
           else keras.optimizers.SGD(lr, momentum=momentum))
    model.compile(optimizer=opt, loss={"mse": "mse", "bce": "binary_crossentropy"}[loss])
    return model


def keras_replay(name: str, sizes, activations, x: np.ndarray, y: np.ndarray, *, batch_size: int, steps: int,
                 lr: float, optimizer: str = "adam", loss: str = "mse", momentum: float = 0.0,
                 kernel: str = "glorot_uniform", seed: int = 0, weights=None) -> ReplayGap:
    """Train ``steps`` batches of ``batch_size`` rows of (x, y) (cycled in order, no shuffling) in a Keras
    Sequential of Dense layers (``sizes``, one activation per layer) and in one engine member started from
    the Keras model's initial weights (or ``weights``, a Keras ``get_weights()`` list); return the gaps."""
    import logging

    import keras
    import tensorflow as tf

    from nnfail import engine as E

    logger = tf.get_logger()  # each replay builds a new Trainer: TensorFlow's retracing notice is expected
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return _replay(E, keras, name, sizes, activations, x, y, batch_size, steps, lr, optimizer, loss, momentum,
                       kernel, seed, weights)
    finally:
        logger.setLevel(level)


def _replay(E, keras, name, sizes, activations, x, y, batch_size, steps, lr, optimizer, loss, momentum, kernel,
            seed, weights) -> ReplayGap:
    keras.utils.set_random_seed(seed)
    model = _keras_model(sizes, activations, kernel, lr, optimizer, loss, momentum)
    if weights is not None:
        model.set_weights(weights)
    start = model.get_weights()
    n = steps * batch_size
    idx = np.arange(n) % len(x)
    xs, ys = np.asarray(x, np.float32)[idx], np.asarray(y, np.float32).reshape(len(x), -1)[idx]
    model.fit(xs, ys, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    net = E.MLP(tuple(sizes), tuple(activations))
    pairs = [(w[None], b[None]) for w, b in zip(start[0::2], start[1::2])]
    opt = E.Adam(lr) if optimizer == "adam" else E.SGD(lr, momentum=momentum)
    trainer = E.Trainer(net, E.init_params(net, 1, E.Given(pairs)), opt, loss)
    trainer.fit(xs, ys, epochs=1, batch_size=batch_size)
    kw = model.get_weights()
    ew = [a[0] for pair in trainer.params for a in pair]
    w_gap = max(float(np.max(np.abs(k - e)) / (np.max(np.abs(k)) + 1e-12)) for k, e in zip(kw, ew))
    xo = np.asarray(x, np.float32)
    ko = model.predict(xo, verbose=0, batch_size=4096)
    eo = trainer.predict(xo)[0]
    o_gap = float(np.max(np.abs(ko - eo)) / (np.std(ko) + 1e-12))
    return ReplayGap(name, steps, w_gap, o_gap)


COLUMNS = [  # the table of a chapter's replays
    ("configuration", lambda g: g.name), ("steps", lambda g: f"{g.steps:,}"),
    ("largest weight gap / weight scale", lambda g: f"{g.weights:.1e}"),
    ("largest output gap / output spread", lambda g: f"{g.outputs:.1e}"),
]


def worst(gaps) -> float:
    """The largest deviation of a chapter's replays (weights or outputs)."""
    return max(max(g.weights, g.outputs) for g in gaps)
