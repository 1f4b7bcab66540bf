"""Chapter 2, the linear-only Keras stack: Dense(20) -> Dense(100) -> Dense(1000) -> Dense(100) with no
activations fits the sum of two integers but not the square of one.

Data follow the post: integers in [1, largest]; the sum task divides inputs and targets by
largest * n_numbers, the square task by largest ** 2. Errors are measured as the post does: RMSE in
original units after rounding predictions back to integers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import engine as E


def make_data(task: str, n_examples: int, n_numbers: int, largest: int, rng: np.random.Generator):
    """Integer inputs [n, n_numbers] in [1, largest] and targets [n] in original units."""
    ints = rng.integers(1, largest + 1, size=(n_examples, n_numbers))
    if task == "sum":
        return ints.astype(float), ints.sum(axis=1).astype(float)
    return ints.astype(float), (ints[:, 0] ** 2).astype(float)  # the post squares the first number


def post_scale(task: str, n_numbers: int, largest: int) -> float:
    """The post's divisor for both inputs and targets."""
    return float(largest * n_numbers) if task == "sum" else float(largest) ** 2


@dataclass(frozen=True)
class Config:
    name: str
    task: str = "square"
    activation: str = "linear"
    x_norm: str = "post"  # post | largest (divide by largest) | standardize
    y_norm: str = "post"  # post | standardize


@dataclass(frozen=True)
class Transform:
    """network input = (x - x_shift) / x_scale, network target = (y - y_shift) / y_scale."""

    x_shift: np.ndarray
    x_scale: np.ndarray
    y_shift: float
    y_scale: float

    def x(self, x):
        return (x - self.x_shift) / self.x_scale

    def y(self, y):
        return (y - self.y_shift) / self.y_scale

    def y_back(self, t):
        return t * self.y_scale + self.y_shift


def transform(c: Config, X: np.ndarray, y: np.ndarray, n_numbers: int, largest: int) -> Transform:
    s = post_scale(c.task, n_numbers, largest)
    if c.x_norm == "post":
        xs, xsc = np.zeros(X.shape[1]), np.full(X.shape[1], s)
    elif c.x_norm == "largest":
        xs, xsc = np.zeros(X.shape[1]), np.full(X.shape[1], float(largest))
    else:
        xs, xsc = X.mean(axis=0), X.std(axis=0)
    ys, ysc = (0.0, s) if c.y_norm == "post" else (float(y.mean()), float(y.std()))
    return Transform(xs, xsc, ys, ysc)


def rmse_after_rounding(pred_original: np.ndarray, y: np.ndarray) -> float:
    """The post's metric: predictions and targets rounded to integers, root mean squared error."""
    return float(np.sqrt(np.mean((np.round(pred_original) - np.round(y)) ** 2)))


@dataclass
class Result:
    configs: list[Config]
    member_config: np.ndarray
    rmse: np.ndarray  # [K] in original units (NaN if diverged)
    loss: np.ndarray  # [epochs, K] training loss in network units
    X: np.ndarray  # [K, n, d] original inputs
    y: np.ndarray  # [K, n]
    pred: np.ndarray  # [K, n] predictions in original units (first output unit)
    params: list  # final engine weights
    transforms: list
    diverged: np.ndarray

    def of(self, name: str) -> np.ndarray:
        return self.member_config == next(i for i, c in enumerate(self.configs) if c.name == name)


def run(cfgs: list[Config], hidden, heads: int, n_seeds: int, rng: np.random.Generator, epochs: int,
        batch_size: int, n_examples: int, n_numbers: int, largest: int, lr: float = 1e-3, progress=None) -> Result:
    """Train n_seeds members of every configuration (same architecture) with Keras's defaults: Glorot
    uniform kernels, zero biases, Adam, MSE, shuffled batches. With heads > 1 every output unit is
    trained on the target (Keras 2's reading of a 1-D target with a wide last layer)."""
    acts = tuple(cfgs[0].activation for _ in hidden) + ("linear",)
    if any(c.activation != cfgs[0].activation for c in cfgs):
        raise ValueError("configurations of one run share the architecture")
    d = 2 if cfgs[0].task == "sum" else 1
    net = E.MLP((d, *hidden, heads), acts)
    member = np.repeat(np.arange(len(cfgs)), n_seeds)
    k = member.size
    Xs, ys, trs = [], [], []
    for i in member:
        X, y = make_data(cfgs[i].task, n_examples, n_numbers if cfgs[i].task == "sum" else 1, largest, rng)
        Xs.append(X)
        ys.append(y)
        trs.append(transform(cfgs[i], X, y, n_numbers if cfgs[i].task == "sum" else 1, largest))
    X, y = np.stack(Xs), np.stack(ys)
    xin = np.stack([t.x(a) for t, a in zip(trs, Xs)])
    yin = np.stack([t.y(b) for t, b in zip(trs, ys)])[:, :, None].repeat(heads, axis=2)
    trainer = E.Trainer(net, E.init_params(net, k, E.GlorotUniform(), rng), E.Adam(lr), "mse")
    for _ in range(epochs):
        trainer.fit(xin, yin, epochs=1, batch_size=batch_size, shuffle=True, rng=rng)
        if progress is not None:
            progress.update(1)
    out = trainer.predict(xin)[:, :, 0]
    pred = np.stack([t.y_back(o) for t, o in zip(trs, out)])
    rmse = np.array([rmse_after_rounding(p, t) if np.isfinite(p).all() else np.nan for p, t in zip(pred, y)])
    return Result(list(cfgs), member, rmse, trainer.history.array(), X, y, pred, trainer.params, trs,
                  trainer.diverged)


# ------------------------------------------------------------------------------------- linear algebra
def collapse(params) -> tuple[np.ndarray, np.ndarray]:
    """Multiply out a linear stack: W = W1 W2 ... Wn and b = (((b1 W2) + b2) W3 + b3) ... (works on a
    single network's list of (W, b) pairs)."""
    W, b = params[0]
    for Wi, bi in params[1:]:
        W, b = W @ Wi, b @ Wi + bi
    return W, b


def best_affine_rmse(X: np.ndarray, y: np.ndarray) -> float:
    """RMSE (original units, after rounding) of the least-squares affine fit y ~ X a + c."""
    A = np.column_stack([X, np.ones(len(X))])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return rmse_after_rounding(A @ coef, y)


def kinks_in_range(W1: np.ndarray, b1: np.ndarray, lo: float, hi: float) -> float:
    """Share of first-layer relu units (1-D input) whose kink x = -b/w lies inside [lo, hi]: only those
    can bend the network's function over the data."""
    w, b = W1[0], b1
    with np.errstate(divide="ignore", invalid="ignore"):
        kink = -b / w
    return float(np.mean((kink >= lo) & (kink <= hi)))

