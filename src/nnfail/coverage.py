"""Chapter 4, two-ReLU coverage: f(x) = x^2 - 10 + noise on [-10, 10] with one hidden layer of ReLU units.

A unit i outputs relu(w_i x + b_i); it is active for x on one side of its kink -b_i / w_i, the side its
weight faces. Where no unit is active, no weight receives gradient from those inputs, and the fit is a
constant there for good.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import engine as E

X_LOW, X_HIGH = -10.0, 10.0


def make_data(n: int, noise: float, rng: np.random.Generator):
    x = rng.uniform(X_LOW, X_HIGH, n)
    return x, x ** 2 - 10 + rng.normal(0.0, noise, n)


def article_init(kind: str, width: int = 2):
    """The article's starts: w1 = 1, b1 = 3, output weights and bias 0; 'good' w2 = -1, b2 = 3,
    'bad' w2 = 1, b2 = -3. As (W [1, 1, 2], b [1, 2]) and (V [1, 2, 1], c [1, 1])."""
    if width != 2 or kind not in ("good", "bad"):
        raise ValueError("the article's initializations have two units and are 'good' or 'bad'")
    w2, b2 = (-1.0, 3.0) if kind == "good" else (1.0, -3.0)
    return [(np.array([[[1.0, w2]]]), np.array([[3.0, b2]])), (np.zeros((1, 2, 1)), np.zeros((1, 1)))]


def forward(W, b, V, c, x):
    """Single network: hidden outputs h [n, w] and prediction [n]."""
    h = np.maximum(0.0, np.outer(x, W) + b)
    return h, h @ V + c


def gradients(W, b, V, c, x, y):
    """Exact gradients of the mean squared error for one network (W [w], b [w], V [w], c scalar):
    dy/dV_i = h_i, dy/dc = 1, and through an active unit dy/dW_i = V_i x, dy/db_i = V_i; an inactive
    unit passes nothing back."""
    h, pred = forward(W, b, V, c, x)
    g = 2 * (pred - y) / len(x)  # dL/dpred
    active = (np.outer(x, W) + b) > 0
    back = g[:, None] * V[None, :] * active
    return dict(W=back.T @ x, b=back.sum(axis=0), V=h.T @ g, c=g.sum())


def article_derivatives(W, b, x):
    """The article's stated derivatives of a unit's output in its active region: dy_i/dw_i = w_i and
    dy_i/db_i = b_i (for the erratum; the correct values are x and 1)."""
    return np.broadcast_to(W, (len(x), len(W))), np.broadcast_to(b, (len(x), len(b)))


def uncovered_edges(W1: np.ndarray, b1: np.ndarray, lo: float = X_LOW, hi: float = X_HIGH) -> np.ndarray:
    """[K] True where at x = lo or at x = hi no hidden unit is active (W1 [K, 1, w], b1 [K, w])."""
    at_lo = (W1[:, 0, :] * lo + b1) > 0
    at_hi = (W1[:, 0, :] * hi + b1) > 0
    return ~at_lo.any(axis=1) | ~at_hi.any(axis=1)


def closed_form_uncovered(width: int) -> float:
    """With zero biases every kink sits at 0 and a unit faces right or left with probability 1/2 (any
    kernel distribution symmetric about 0): an edge is uncovered when all units face the same way."""
    return 2.0 * 0.5 ** width


@dataclass(frozen=True)
class Init:
    """How a sweep's members start: kernel initializer, bias rule, activation."""

    name: str
    kernel: str = "glorot"  # glorot (Keras default) | he
    bias: str = "zero"  # zero | small (0.1) | data_kinks (kinks spread over the data, alternating faces)
    activation: str = "relu"  # relu | leaky_relu


def init_params(init: Init, width: int, k: int, rng: np.random.Generator):
    net = E.MLP((1, width, 1), (init.activation, "linear"))
    kernel = E.HeNormal() if init.kernel == "he" else E.GlorotUniform()
    params = E.init_params(net, k, kernel, rng)
    (W, b), out = params
    if init.bias == "small":
        b = np.full_like(b, 0.1)
    elif init.bias == "data_kinks":
        # kinks at evenly spaced points inside the data, units alternately facing left and right
        kinks = np.linspace(X_LOW, X_HIGH, width + 2)[1:-1]
        face = np.where(np.arange(width) % 2 == 0, 1.0, -1.0)
        W = np.abs(W) * face
        b = (-W[:, 0, :] * kinks).astype(np.float32)
    return net, [(W.astype(np.float32), b.astype(np.float32)), out]


@dataclass
class Sweep:
    width: int
    init: Init
    start: list  # initial params
    final: list
    loss: np.ndarray  # [K] final training MSE
    r2: np.ndarray  # [K]
    uncovered_start: np.ndarray  # [K]
    uncovered_end: np.ndarray
    diverged: np.ndarray


def sweep(init: Init, width: int, k: int, x, y, rng, optimizer: E.Optimizer, steps: int) -> Sweep:
    """k random initializations of one width trained full-batch for ``steps`` updates, together."""
    net, params = init_params(init, width, k, rng)
    t = E.Trainer(net, params, optimizer, "mse")
    t.fit(x[:, None], y[:, None], epochs=steps, batch_size=len(x))
    loss = t.evaluate(x[:, None], y[:, None])
    r2 = 1 - loss / np.var(y)
    (W, b), _ = t.params
    return Sweep(width, init, params, t.params, loss, r2, uncovered_edges(*params[0]), uncovered_edges(W, b),
                 t.diverged)


def train_with_snapshots(params, x, y, optimizer: E.Optimizer, steps: int, frames: int, activation="relu"):
    """Train the given (single or stacked) networks, recording the weights at ``frames`` points."""
    width = params[0][0].shape[2]
    net = E.MLP((1, width, 1), (activation, "linear"))
    t = E.Trainer(net, E.init_params(net, params[0][0].shape[0], E.Given(params)), optimizer, "mse")
    at = np.unique(np.linspace(0, steps, frames + 1).astype(int))
    snaps, done = [t.params], 0
    for s in at[1:]:
        t.fit(x[:, None], y[:, None], epochs=int(s - done), batch_size=len(x))
        done = int(s)
        snaps.append(t.params)
    return at, snaps, t.evaluate(x[:, None], y[:, None])
