"""The probe: train a copy of the reader's model (never the model itself) to measure update sizes, the
loss curve and whether it can overfit a small batch."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class Probe:
    """What a probe measured: the loss on an evaluation sample every few steps, the median per-step
    update ratio |dW|/|W| of each Dense kernel (over the steps before any divergence), the final weights,
    and the first step (1-based) whose training loss was NaN/inf, with that value."""

    losses: list
    ratios: dict
    weights: list
    diverged_at: int | None = None
    diverged_value: float | None = None
    last_finite: float | None = None  # the last finite training loss before the divergence


def train_probe(model, loss_obj, X, y, rng, steps: int, batch_size: int, optimizer, evals: int = 30) -> Probe:
    """Train a copy with the model's own optimizer settings (stopping at the first non-finite loss)."""
    import keras
    import tensorflow as tf

    clone = keras.models.clone_model(model)
    clone.build((None, X.shape[1]))
    clone.set_weights(model.get_weights())
    if optimizer is None:
        optimizer = getattr(model, "optimizer", None)
    opt = (keras.optimizers.deserialize(keras.optimizers.serialize(optimizer)) if optimizer is not None
           else keras.optimizers.Adam())
    loss_fn = keras.losses.get(loss_obj) if isinstance(loss_obj, str) else loss_obj
    variables = clone.trainable_variables
    dense = [layer for layer in clone.layers if isinstance(layer, keras.layers.Dense)]
    kernels = [layer.kernel for layer in dense]
    opt.build(variables)

    @tf.function
    def step(xb, yb):
        before = [tf.identity(v) for v in kernels]
        with tf.GradientTape() as tape:
            value = tf.reduce_mean(loss_fn(yb, clone(xb, training=True)))
        grads = tape.gradient(value, variables)
        opt.apply_gradients(zip(grads, variables))
        ratios = [tf.norm(v - b) / (tf.norm(b) + 1e-12) for v, b in zip(kernels, before)]
        return value, tf.stack(ratios)

    @tf.function
    def evaluate(xb, yb):
        return tf.reduce_mean(loss_fn(yb, clone(xb, training=False)))

    Xf, yf = X.astype(np.float32), y.astype(np.float32)
    ev = rng.choice(len(X), size=min(len(X), 2048), replace=False)
    x_eval, y_eval = tf.constant(Xf[ev]), tf.constant(yf[ev])
    losses = [float(evaluate(x_eval, y_eval))]
    ratios = []
    every = max(1, steps // evals)
    bs = min(batch_size, len(X))
    diverged, last = None, None
    for s in range(steps):
        idx = rng.choice(len(X), size=bs, replace=False)
        value, r = step(tf.constant(Xf[idx]), tf.constant(yf[idx]))
        value = float(value)
        if not math.isfinite(value):
            diverged = (s + 1, value)
            break
        last = value
        ratios.append(r.numpy())
        if (s + 1) % every == 0:
            value = float(evaluate(x_eval, y_eval))
            losses.append(value)
            if not math.isfinite(value):
                diverged = (s + 1, value)
                break
    names = [layer.name for layer in dense]
    finite = [r for r in ratios if np.isfinite(r).all()]
    med = np.median(np.array(finite), axis=0) if finite else []
    return Probe(losses, dict(zip(names, map(float, med))), clone.get_weights(),
                 *(diverged or (None, None)), last)


def overfit_probe(model, loss_obj, X, y, rng, n: int, steps: int, optimizer):
    idx = rng.choice(len(X), size=min(n, len(X)), replace=False)
    p = train_probe(model, loss_obj, X[idx], y[idx], rng, steps, len(idx), optimizer, evals=steps)
    last = min(p.losses[-3:]) if p.diverged_at is None and all(map(math.isfinite, p.losses)) else float("inf")
    return p.losses[0], last, idx


