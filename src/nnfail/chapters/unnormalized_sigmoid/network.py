"""The hand-written 2-3-1 sigmoid network of chapter 3, micrograd-small.

Two ways to train it, which must agree exactly:

* ``train_one`` -- the plain loop, one network, written the way the post writes it;
* ``train_many`` -- the same arithmetic with a leading member axis, so that hundreds of seeds and
  configurations (input scaling, loss, learning rate, optimizer, bias update) run in one program.

Losses are the post's: the squared error with gradient ``err * out * (1 - out)`` ("sse", the gradient
of half the summed squared error) and the answer's log-loss with gradient ``out - y`` ("logloss", the
gradient of the summed binary cross-entropy). The stopping rule is the post's: stop at the first
iteration whose error is below the target. The post's error is the summed squared error ("sse"); the
answer, switching to the log-loss, also switches the reported error to the mean log-loss per example
("logloss"), so a run can stop on either (``stop``), whatever the loss being optimized.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OPTIMIZERS = ("gd", "momentum", "adam")
LOSSES = ("sse", "logloss")
STOPS = ("sse", "logloss")  # what the target is compared with: summed squared error, or mean log-loss
BIAS_UPDATES = ("per_unit", "shared")  # shared: the post's first version, one sum for every unit


def sigmoid(z):
    with np.errstate(over="ignore"):  # exp(-z) overflows to inf for z << 0; 1 / (1 + inf) is the right 0
        return 1.0 / (1.0 + np.exp(-z))


@dataclass
class Weights:
    """W1 [.., 2, 3], b1 [.., 3], W2 [.., 3, 1], b2 [.., 1]; a leading member axis is optional."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray

    def arrays(self):
        return [self.W1, self.b1, self.W2, self.b2]

    def member(self, i: int) -> "Weights":
        return Weights(*[a[i].copy() for a in self.arrays()])


def init(rng: np.random.Generator, members: int | None = None, n_in: int = 2, n_hidden: int = 3) -> Weights:
    """Uniform in [-1, 1], drawn in the post's order (W1, W2, b1, b2)."""
    lead = () if members is None else (members,)
    W1 = 2 * rng.random(lead + (n_in, n_hidden)) - 1
    W2 = 2 * rng.random(lead + (n_hidden, 1)) - 1
    b1 = 2 * rng.random(lead + (n_hidden,)) - 1
    b2 = 2 * rng.random(lead + (1,)) - 1
    return Weights(W1, b1, W2, b2)


def forward(w: Weights, X):
    """Hidden activations and outputs; works with or without the member axis."""
    h = sigmoid(np.matmul(X, w.W1) + w.b1[..., None, :])
    out = sigmoid(np.matmul(h, w.W2) + w.b2[..., None, :])
    return h, out


def sse(Y, out):
    """The post's error: summed squared error over the examples."""
    return np.sum(np.square(Y - out), axis=(-2, -1))


def mean_logloss(Y, out):
    """The answer's error once it switches loss: the mean log-loss per example (outputs of exactly 0 or 1
    give an infinite loss where they are wrong, as the answer's formula does)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        v = -(np.where(Y > 0, Y * np.log(out), 0.0) + np.where(Y < 1, (1 - Y) * np.log(1 - out), 0.0))
    return np.mean(v, axis=(-2, -1))


def stop_error(Y, out, stop: str = "sse"):
    """The error a run's stopping rule compares with the target."""
    return sse(Y, out) if stop == "sse" else mean_logloss(Y, out)


def gradients(w: Weights, X, Y, h, out, loss: str = "sse", bias: str = "per_unit", flipped: bool = False):
    """Backward pass: (dW1, db1, dW2, db2). With bias='shared' both bias gradients are the sum over
    examples *and* units, the same number for every unit (the post's first version). With flipped=True the
    error is ``Y - out`` as in the post's first version, so every returned array is the negated gradient
    (the direction of ascent)."""
    err = Y - out if flipped else out - Y
    d2 = err * out * (1 - out) if loss == "sse" else err
    d1 = np.matmul(d2, np.swapaxes(w.W2, -1, -2)) * h * (1 - h)
    dW2 = np.matmul(np.swapaxes(h, -1, -2), d2)
    dW1 = np.matmul(np.swapaxes(X, -1, -2), d1)
    if bias == "shared":
        db1 = np.broadcast_to(np.sum(d1, axis=(-2, -1))[..., None], w.b1.shape)
        db2 = np.broadcast_to(np.sum(d2, axis=(-2, -1))[..., None], w.b2.shape)
    else:
        db1, db2 = np.sum(d1, axis=-2), np.sum(d2, axis=-2)
    return dW1, db1, dW2, db2


def loss_value(Y, out, loss: str):
    """The loss whose gradient ``gradients`` returns (for gradient checks)."""
    if loss == "sse":
        return 0.5 * sse(Y, out)
    return -np.sum(Y * np.log(out) + (1 - Y) * np.log(1 - out), axis=(-2, -1))


def numerical_gradients(w: Weights, X, Y, loss: str = "sse", h: float = 1e-6):
    """Central finite differences of loss_value in every weight (the reference for gradients)."""
    w = Weights(*[a.copy() for a in w.arrays()])
    out = []
    for a in w.arrays():
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + h
            up = loss_value(Y, forward(w, X)[1], loss)
            a[idx] = old - h
            down = loss_value(Y, forward(w, X)[1], loss)
            a[idx] = old
            g[idx] = (up - down) / (2 * h)
        out.append(g)
    return tuple(out)


def tensorflow_gradients(w: Weights, X, Y, loss: str = "sse"):
    """The same loss differentiated by TensorFlow's GradientTape (float64)."""
    import tensorflow as tf

    tw = [tf.Variable(np.asarray(a, np.float64)) for a in w.arrays()]
    X, Y = tf.constant(np.asarray(X, np.float64)), tf.constant(np.asarray(Y, np.float64))
    with tf.GradientTape() as tape:
        z = tf.sigmoid(X @ tw[0] + tw[1]) @ tw[2] + tw[3]
        value = (0.5 * tf.reduce_sum(tf.square(Y - tf.sigmoid(z))) if loss == "sse" else
                 tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=Y, logits=z)))
    return tuple(g.numpy() for g in tape.gradient(value, tw))


def max_relative_gap(grads, reference) -> float:
    """Largest absolute difference between two gradient sets, relative to the reference's largest entry."""
    return max(float(np.max(np.abs(g - r)) / (np.max(np.abs(r)) + 1e-12)) for g, r in zip(grads, reference))


# ---------------------------------------------------------------------------------------- one network
def train_one(w: Weights, X, Y, alpha: float = 0.5, loss: str = "sse", bias: str = "per_unit",
              optimizer: str = "gd", momentum: float = 0.9, target: float = 0.001, max_iter: int = 100_000,
              beta_1: float = 0.9, beta_2: float = 0.999, eps: float = 1e-8, stop: str = "sse",
              flipped: bool = False):
    """The plain loop. Returns (iterations to reach an error (``stop``) below target or None, final SSE,
    weights). ``flipped``: the post's first version, error ``Y - out`` and every update added ("gradient
    ascent" on the negated error; plain gradient descent only)."""
    if flipped and optimizer != "gd":
        raise ValueError("the flipped sign is the post's plain gradient descent only")
    w = Weights(*[a.copy() for a in w.arrays()])
    slots_m = [np.zeros_like(a) for a in w.arrays()]
    slots_v = [np.zeros_like(a) for a in w.arrays()]
    for i in range(max_iter):
        h, out = forward(w, X)
        if stop_error(Y, out, stop) < target:
            return i, float(sse(Y, out)), w
        grads = gradients(w, X, Y, h, out, loss, bias, flipped)
        for j, (a, g) in enumerate(zip(w.arrays(), grads)):
            if flipped:
                a += alpha * g
            elif optimizer == "gd":
                a -= alpha * g
            elif optimizer == "momentum":
                slots_m[j] = momentum * slots_m[j] - alpha * g
                a += slots_m[j]
            else:
                slots_m[j] = beta_1 * slots_m[j] + (1 - beta_1) * g
                slots_v[j] = beta_2 * slots_v[j] + (1 - beta_2) * g * g
                m_hat = slots_m[j] / (1 - beta_1 ** (i + 1))
                v_hat = slots_v[j] / (1 - beta_2 ** (i + 1))
                a -= alpha * m_hat / (np.sqrt(v_hat) + eps)
    h, out = forward(w, X)
    return None, float(sse(Y, out)), w


# ---------------------------------------------------------------------------------------- many networks
@dataclass
class Members:
    """Per-member configuration for train_many (arrays of length M)."""

    alpha: np.ndarray
    logloss: np.ndarray  # bool: optimize the log-loss instead of the squared error
    shared_bias: np.ndarray  # bool: the post's shared bias update
    optimizer: np.ndarray  # 0 gd, 1 momentum, 2 adam
    momentum: np.ndarray
    stop_logloss: np.ndarray | None = None  # bool: stop on the mean log-loss instead of the SSE (default: SSE)


@dataclass
class Run:
    iterations: np.ndarray  # [M] iteration at which SSE < target, or -1 if the cap was reached
    final_sse: np.ndarray  # [M]
    weights: Weights  # final weights [M, ...]
    curve_at: np.ndarray  # iterations at which the curves were recorded
    curve: np.ndarray  # [len(curve_at), M] SSE (NaN after a member stopped)
    max_rise: np.ndarray | None = None  # [M] largest relative rise of the SSE from one iteration to the next


def train_many(w: Weights, X, Y, cfg: Members, target: float = 0.001, max_iter: int = 100_000,
               beta_1: float = 0.9, beta_2: float = 0.999, eps: float = 1e-8, record_every: int = 100,
               compact_every: int = 500, progress=None) -> Run:
    """train_one for M members at once (X [M, n, 2] or shared [n, 2]; Y [M, n, 1] or shared [n, 1]).
    Finished members drop out of the
    arrays every ``compact_every`` iterations, so the cost follows the members still training."""
    M = w.W1.shape[0]
    X = np.broadcast_to(np.asarray(X, float), (M, *np.shape(X)[-2:])).copy()
    Y = np.broadcast_to(np.asarray(Y, float), (M, *np.shape(Y)[-2:])).copy()
    params = [a.copy() for a in w.arrays()]
    ms = [np.zeros_like(a) for a in params]
    vs = [np.zeros_like(a) for a in params]
    alpha = np.asarray(cfg.alpha, float)
    logloss, shared = np.asarray(cfg.logloss, bool), np.asarray(cfg.shared_bias, bool)
    opt, mom = np.asarray(cfg.optimizer, int), np.asarray(cfg.momentum, float)
    stop_ll = np.zeros(M, bool) if cfg.stop_logloss is None else np.asarray(cfg.stop_logloss, bool)
    iterations = np.full(M, -1)
    max_rise = np.zeros(M)
    rise_max = np.zeros(M)  # max_rise of each active row, written back to max_rise when rows drop out
    previous = np.full(M, np.inf)  # each active row's SSE at the previous iteration
    final_sse = np.full(M, np.nan)
    final = [a.copy() for a in params]
    active = np.arange(M)
    n_rec = max_iter // record_every + 1
    curve = np.full((n_rec, M), np.nan)
    running = np.ones(M, bool)  # among the current active rows

    def expand(a, ndim):
        return a.reshape(a.shape + (1,) * (ndim - 1))

    def by_optimizer():
        """Each optimizer's rows among the active ones (a slice when it has them all, None when none), with
        their learning rates and momenta shaped for W [m, a, b] and b [m, a]: each rule is computed on its
        own rows only, the same arithmetic row by row as computing every rule on every row and choosing."""
        groups = []
        for k in range(len(OPTIMIZERS)):
            rows = np.flatnonzero(opt == k)
            rows = None if rows.size == 0 else slice(None) if rows.size == opt.size else rows
            groups.append(None if rows is None else
                          (rows, {nd: (expand(alpha[rows], nd), expand(mom[rows], nd)) for nd in (2, 3)}))
        return groups

    groups = by_optimizer()
    for i in range(max_iter):
        if i % compact_every == 0 and not running.all():
            keep = running
            max_rise[active] = rise_max
            active, X, Y = active[keep], X[keep], Y[keep]
            params, ms, vs = ([a[keep] for a in p] for p in (params, ms, vs))
            alpha, logloss, shared, opt, mom = alpha[keep], logloss[keep], shared[keep], opt[keep], mom[keep]
            stop_ll, previous, rise_max = stop_ll[keep], previous[keep], rise_max[keep]
            running = running[keep]
            groups = by_optimizer()
        if active.size == 0:
            break
        cur = Weights(*params)
        h, out = forward(cur, X)
        error = sse(Y, out)
        if i % record_every == 0:
            curve[i // record_every, active[running]] = error[running]
        np.maximum(rise_max, np.where(running, error / previous - 1, 0.0), out=rise_max)
        previous = error
        stopping = error.copy()
        if stop_ll.any():
            stopping[stop_ll] = mean_logloss(Y[stop_ll], out[stop_ll])
        hit = running & (stopping < target)
        if hit.any():
            idx = active[hit]
            iterations[idx], final_sse[idx] = i, error[hit]
            for f, a in zip(final, params):
                f[idx] = a[hit]
            running &= ~hit
        err = out - Y
        d2 = np.where(expand(logloss, 3), err, err * out * (1 - out))
        d1 = np.matmul(d2, np.swapaxes(cur.W2, -1, -2)) * h * (1 - h)
        dW2 = np.matmul(np.swapaxes(h, -1, -2), d2)
        dW1 = np.matmul(np.swapaxes(X, -1, -2), d1)
        db1 = np.where(shared[:, None], np.sum(d1, axis=(-2, -1))[:, None], np.sum(d1, axis=-2))
        db2 = np.where(shared[:, None], np.sum(d2, axis=(-2, -1))[:, None], np.sum(d2, axis=-2))
        t = i + 1
        gd, mm, ad = groups
        for j, g in enumerate((dW1, db1, dW2, db2)):
            a, nd = params[j], params[j].ndim
            step = np.zeros_like(a)
            if gd is not None:
                rows, (al, _) = gd[0], gd[1][nd]
                step[rows] = -(al * g[rows])
            if mm is not None:
                rows, (al, mo) = mm[0], mm[1][nd]
                m_new = mo * ms[j][rows] - al * g[rows]
                ms[j][rows] = m_new
                step[rows] = m_new
            if ad is not None:
                rows, (al, _) = ad[0], ad[1][nd]
                gr = g[rows]
                m_new = beta_1 * ms[j][rows] + (1 - beta_1) * gr
                v_new = beta_2 * vs[j][rows] + (1 - beta_2) * gr * gr
                ms[j][rows], vs[j][rows] = m_new, v_new
                m_hat = m_new / (1 - beta_1 ** t)
                v_hat = v_new / (1 - beta_2 ** t)
                step[rows] = -(al * m_hat / (np.sqrt(v_hat) + eps))
            run = expand(running, nd)
            params[j] = np.where(run, a + step, a)
        if progress is not None and i % 1000 == 0:
            progress.update(min(1000, max_iter - i))
    max_rise[active] = rise_max
    # members that never reached the target: their state at the cap
    if active.size:
        cur = Weights(*params)
        _, out = forward(cur, X)
        left = running
        final_sse[active[left]] = sse(Y, out)[left]
        for f, a in zip(final, params):
            f[active[left]] = a[left]
    at = np.arange(n_rec) * record_every
    return Run(iterations, final_sse, Weights(*final), at, curve, max_rise)


SATURATION_Z = 5.0  # DeepDiagnosis's rule: a sigmoid unit is saturated where |z| reaches this


def saturation(w: Weights, X, threshold: float = SATURATION_Z) -> np.ndarray:
    """Share of hidden pre-activations with |z| >= threshold, per member (DeepDiagnosis's rule)."""
    z = np.matmul(X, w.W1) + w.b1[..., None, :]
    return np.mean(np.abs(z) >= threshold, axis=(-2, -1))


def hidden_spread(w: Weights, X) -> np.ndarray:
    """Mean over hidden units of the standard deviation of their output across examples, per member:
    0 means every example looks the same to the output layer."""
    h, _ = forward(w, X)
    return np.mean(np.std(h, axis=-2), axis=-1)
