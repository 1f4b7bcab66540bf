"""Chapter 4, two-ReLU coverage: f(x) = x^2 - 10 + noise on [-10, 10] with one hidden layer of ReLU units.

A unit i outputs relu(w_i x + b_i); it is active for x on one side of its kink -b_i / w_i, the side its
weight faces. Where no unit is active, no weight receives gradient from those inputs, and the fit is a
constant there for good.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nnfail import engine as E
from nnfail import claims, replay, stats, tables

if TYPE_CHECKING:
    from nnfail.params import Params

X_LOW, X_HIGH = -10.0, 10.0


def engine_optimizer(P: Params) -> E.Optimizer:
    """The chapter's optimizer setting (P.optimizer, P.lr) as the engine's optimizer."""
    return E.Adam(P.lr) if P.optimizer == "adam" else E.SGD(P.lr)


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


class SortedData:
    """1-D data sorted once, with prefix sums of 1, x, x^2, y and x y: the sum of any of them over the inputs
    on one side of a kink, or between two, is two lookups. Every full-batch gradient of a one-hidden-layer ReLU
    network on 1-D inputs is made of such sums (the fit is linear between kinks), so an exact full-batch
    gradient-descent step costs the same for ten thousand points as for ten."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        order = np.argsort(x)
        self.x, self.y, self.n = np.asarray(x, float)[order], np.asarray(y, float)[order], len(x)
        parts = [np.ones_like(self.x), self.x, self.x ** 2, self.y, self.x * self.y]
        self.cum = np.concatenate([np.zeros((5, 1)), np.cumsum(parts, axis=1)], axis=1)  # [5, n + 1]

    def active(self, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index ranges [lo, hi) of the sorted inputs where each unit is active (w x + b > 0)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            k = -b / W
        right = np.searchsorted(self.x, k, side="right")
        left = np.searchsorted(self.x, k, side="left")
        lo = np.where(W > 0, right, 0)
        hi = np.where(W > 0, self.n, np.where(W < 0, left, np.where(b > 0, self.n, 0)))
        lo = np.where(W == 0, 0, lo)
        return lo, np.maximum(hi, lo)

    def gradients(self, W, b, V, c) -> dict:
        """The same exact gradients as :func:`gradients`, from the prefix sums; W, b, V [w] and c scalar for
        one network, or [m, w] and [m] for m networks at once."""
        single = np.ndim(W) == 1
        W, b, V = (np.atleast_2d(np.asarray(v, float)) for v in (W, b, V))
        c = np.atleast_1d(np.asarray(c, float))
        lo, hi = self.active(W, b)
        a, e = np.maximum(lo[:, :, None], lo[:, None, :]), np.minimum(hi[:, :, None], hi[:, None, :])
        e = np.maximum(e, a)
        pair = self.cum[:, e] - self.cum[:, a]  # [5, m, w, w]: sums where units i and j are both active
        own = self.cum[:, hi] - self.cum[:, lo]  # [5, m, w]
        Vj, Wj, bj = V[:, None, :], W[:, None, :], b[:, None, :]
        # over unit i's inputs, the sums of the residual r = c + sum_j V_j (W_j x + b_j) [j active] - y and of r x
        r0 = c[:, None] * own[0] + (Vj * (Wj * pair[1] + bj * pair[0])).sum(-1) - own[3]
        r1 = c[:, None] * own[1] + (Vj * (Wj * pair[2] + bj * pair[1])).sum(-1) - own[4]
        rall = c * self.n + (V * (W * own[1] + b * own[0])).sum(-1) - self.cum[3, -1]
        k = 2.0 / self.n
        g = dict(W=k * V * r1, b=k * V * r0, V=k * (W * r1 + b * r0), c=k * rall)
        return {name: v[0] for name, v in g.items()} if single else g


def gradient_descent(W, b, V, c, data: SortedData, lr, steps: int):
    """``steps`` exact full-batch plain gradient-descent updates of m networks (W, b, V [m, w], c [m]) with
    step sizes ``lr`` (scalar or [m])."""
    W, b, V, c = (np.array(v, float) for v in (W, b, V, c))
    lr = np.asarray(lr, float)
    lr_w = lr[:, None] if lr.ndim else lr
    for _ in range(steps):
        g = data.gradients(W, b, V, c)
        W, b, V, c = W - lr_w * g["W"], b - lr_w * g["b"], V - lr_w * g["V"], c - lr * g["c"]
    return W, b, V, c


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
    """How the members of one set of runs start: kernel initializer, bias rule, activation."""

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
class Runs:
    """Random initializations of one width and one :class:`Init`, trained together."""

    width: int
    init: Init
    start: list  # initial params
    final: list
    loss: np.ndarray  # [K] final training MSE
    r2: np.ndarray  # [K]
    uncovered_start: np.ndarray  # [K]
    uncovered_end: np.ndarray
    diverged: np.ndarray
    uncovered_early: np.ndarray  # [K] an edge uncovered after EARLY_STEPS updates
    longer: dict  # {steps: (r2 [K], uncovered_end [K])} for the longer budgets asked for


EARLY_STEPS = 20  # updates after which the random starts' coverage is looked at again


def train_inits(init: Init, width: int, k: int, x, y, rng, opt: E.Optimizer, steps: int, longer=()) -> Runs:
    """k random initializations of one width trained full-batch with ``opt`` for ``steps`` updates, together;
    coverage is recorded after EARLY_STEPS updates, and training continues to each budget in ``longer``."""
    net, params = init_params(init, width, k, rng)
    t = E.Trainer(net, params, opt, "mse")
    early = min(EARLY_STEPS, steps)
    t.fit(x[:, None], y[:, None], epochs=early, batch_size=len(x))
    unc_early = uncovered_edges(*t.params[0])
    t.fit(x[:, None], y[:, None], epochs=steps - early, batch_size=len(x))
    loss = t.evaluate(x[:, None], y[:, None])
    r2 = stats.r2_from_mse(loss, y)
    final, diverged = t.params, t.diverged
    more, done = {}, steps
    for s in sorted(set(longer) - {steps}):
        if s < steps:
            raise ValueError(f"a longer budget ({s}) must exceed the run's own ({steps})")
        t.fit(x[:, None], y[:, None], epochs=s - done, batch_size=len(x))
        done = s
        more[s] = (stats.r2_from_mse(t.evaluate(x[:, None], y[:, None]), y), uncovered_edges(*t.params[0]))
    return Runs(width, init, params, final, loss, r2, uncovered_edges(*params[0]), uncovered_edges(*final[0]),
                diverged, unc_early, more)


def train_with_snapshots(params, x, y, opt: E.Optimizer, steps: int, frames: int, activation="relu"):
    """Train the given (single or stacked) networks, recording the weights at ``frames`` points."""
    width = params[0][0].shape[2]
    net = E.MLP((1, width, 1), (activation, "linear"))
    t = E.Trainer(net, E.init_params(net, params[0][0].shape[0], E.Given(params)), opt, "mse")
    at = np.unique(np.linspace(0, steps, frames + 1).astype(int))
    snaps, done = [t.params], 0
    for s in at[1:]:
        t.fit(x[:, None], y[:, None], epochs=int(s - done), batch_size=len(x))
        done = int(s)
        snaps.append(t.params)
    return at, snaps, t.evaluate(x[:, None], y[:, None])


# ------------------------------------------------------------------------------------- the chapter's experiments
ARTICLE_W, ARTICLE_B, ARTICLE_V, ARTICLE_C = np.array([1.0, 1.0]), np.array([3.0, -3.0]), np.array([0.7, -0.4]), 0.2


def gradient_check(x: np.ndarray, y: np.ndarray) -> dict:
    """Our hand-written gradients at a two-unit start against TensorFlow's autodiff (largest gap); the
    article's derivative formula against the true one on the side where unit 1 (w=1, b=3) is active, which
    is the side the formula is about (mean absolute gap, and the share of those inputs where they agree to
    1e-9); and the gradient a unit gets when it is off on all the data."""
    import tensorflow as tf

    W, b, V, c = ARTICLE_W, ARTICLE_B, ARTICLE_V, ARTICLE_C
    ours = gradients(W, b, V, c, x, y)
    tv = {k: tf.Variable(np.float64(v)) for k, v in dict(W=W, b=b, V=V, c=c).items()}
    with tf.GradientTape() as tape:
        h = tf.nn.relu(x[:, None] * tv["W"] + tv["b"])
        loss = tf.reduce_mean(tf.square(tf.linalg.matvec(h, tv["V"]) + tv["c"] - y))
    tg = tape.gradient(loss, tv)
    x_on = x[W[0] * x + b[0] > 0]  # where unit 1 is active
    Wd, _ = article_derivatives(W, b, x_on)
    dead = gradients(np.array([1.0, 1.0]), np.array([-20.0, 3.0]), V, c, x, y)  # unit 1 off everywhere
    start = start_gradients(x, y)
    return dict(grad_gap=max(float(np.max(np.abs(ours[k] - tg[k].numpy()))) for k in ours),
                article_vs_true=float(np.mean(np.abs(Wd[:, 0] - x_on))),
                article_agrees=float(np.mean(np.abs(Wd[:, 0] - x_on) < 1e-9)),
                unit1_kink=float(-b[0] / W[0]),
                dead_unit_grad=float(abs(dead["W"][0]) + abs(dead["b"][0])), **start)


def start_gradients(x: np.ndarray, y: np.ndarray, lr: float = 1e-3) -> dict:
    """At the article's good start the output weights w3 = w4 = 0, so no hidden weight or bias gets any
    gradient however the regions are covered: the largest hidden gradient there, and after one plain
    gradient-descent update of size ``lr`` (which moves only w3, w4 and b3), the number of the three regions
    (split at the start's kinks) whose inputs then move at least one hidden weight or bias."""
    (W, b), (V, c) = article_init("good")
    W, b, V, c = W[0, 0], b[0], V[0, :, 0], float(c[0, 0])
    g0 = gradients(W, b, V, c, x, y)
    V1, c1 = V - lr * g0["V"], c - lr * g0["c"]
    kinks = np.sort(-b / W)
    region = np.searchsorted(kinks, x)  # 0: left of both kinks, 1: between, 2: right of both
    moved = [bool(np.any(np.abs(np.r_[gr["W"], gr["b"]]) > 0)) for gr in
             (gradients(W, b, V1, c1, x[region == r], y[region == r]) for r in range(3))]
    return dict(start_hidden_grad=float(max(np.abs(g0["W"]).max(), np.abs(g0["b"]).max())),
                regions_after_first=int(sum(moved)), n_regions=3)


def right_facing_ceiling(x: np.ndarray, y: np.ndarray, grid: int = 81) -> dict:
    """The best fit a + c1 relu(x - k1) + c2 relu(x - k2) with both units facing right (the bad start's units
    never turn round): least squares over kink pairs on a grid over the data (a kink at the left edge is a
    line over all of it). Its R^2 and kinks; the good start's shape is out of its reach."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ks = np.linspace(X_LOW, X_HIGH, grid)[:-1]
    H = np.maximum(0.0, x[None, :] - ks[:, None])  # [G, n]
    S, h1, hy, n = H @ H.T, H.sum(1), H @ y, len(x)
    i, j = np.triu_indices(len(ks), 1)
    A = np.stack([np.stack([np.full(i.size, n), h1[i], h1[j]], -1), np.stack([h1[i], S[i, i], S[i, j]], -1),
                  np.stack([h1[j], S[i, j], S[j, j]], -1)], 1)
    rhs = np.stack([np.full(i.size, y.sum()), hy[i], hy[j]], -1)
    coef = np.linalg.solve(A, rhs[..., None])[..., 0]
    sse = (y ** 2).sum() - (coef * rhs).sum(-1)
    r2 = 1 - sse / (n * y.var())
    best = int(np.argmax(r2))
    return dict(r2=float(r2[best]), kinks=(float(ks[i[best]]), float(ks[j[best]])))


def bad_start_left_kink() -> float:
    """The leftmost kink of the article's bad start: no unit is active left of it."""
    (W, b), _ = article_init("bad")
    return float(np.min(-b[0] / W[0, 0]))


def article_starts() -> list:
    """The article's good and bad starts stacked as two members of one network."""
    good, bad = article_init("good"), article_init("bad")
    return [(np.concatenate([good[i][0], bad[i][0]]), np.concatenate([good[i][1], bad[i][1]])) for i in range(2)]


CONVERGED_TOL = 0.005  # a run has converged when its R^2 moved less than this over the last half of the run
GD_RATES = (1e-4, 3e-4)  # plain gradient descent step sizes (3e-4: the largest of 2, 3, 5, 7e-4 whose loss never rose)
ADAM_LONGER = 4  # Adam 0.01 runs this many times the chapter's steps (at twice as many it has not converged)
GD_CHUNK = 10_000  # plain gradient descent runs in chunks of this many updates until it converges ...
GD_MAX_STEPS = 600_000  # ... or reaches this many


ADAM_OTHER = 0.01  # the second Adam learning rate the article's starts train with
# the optimizer settings the article's starts train with, as the claims table names them (article_runs' order)
SETTINGS = ("the chapter's own", f"Adam {ADAM_OTHER:g}", *(f"gradient descent {r:g}" for r in GD_RATES))


def optimizer_settings(P: Params) -> dict[str, tuple[E.Optimizer, int]]:
    """{name: (optimizer, steps)} of the Adam-style runs: the chapter's own setting first, then Adam ADAM_OTHER
    for ADAM_LONGER times as long (plain gradient descent is :func:`gd_article_runs`)."""
    return {f"{P.optimizer} {P.lr:g} (default)": (engine_optimizer(P), P.steps),
            f"Adam {ADAM_OTHER:g}": (E.Adam(ADAM_OTHER), ADAM_LONGER * P.steps)}


def _article_row(r2_half, r2_end, W, b, steps) -> dict:
    """One setting's outcome for the two starts (index 0 good, 1 bad): R^2, whether it converged, final kinks
    and whether the bad start's units both still face right."""
    with np.errstate(divide="ignore", invalid="ignore"):
        kinks = -b / W
    moved = np.abs(np.asarray(r2_end) - np.asarray(r2_half))
    return dict(good=float(r2_end[0]), bad=float(r2_end[1]), steps=int(steps), converged=bool(np.all(moved < CONVERGED_TOL)),
                moved=float(moved.max()), kinks=kinks, bad_left_kink=float(np.min(kinks[1])),
                bad_faces_right=bool(np.all(W[1] > 0)))


def article_runs(P: Params, x: np.ndarray, y: np.ndarray, gd_max_steps: int = GD_MAX_STEPS) -> dict[str, dict]:
    """The article's two starts trained with each of :func:`optimizer_settings` (in the engine, as Keras
    would) and with plain full-batch gradient descent at each of GD_RATES until converged
    (:func:`gd_article_runs`): one :func:`_article_row` each."""
    both = article_starts()
    out = {}
    for name, (opt, n_steps) in optimizer_settings(P).items():
        _, snaps, final = train_with_snapshots(both, x, y, opt, n_steps, frames=2)
        half = stats.r2_from_mse(_mse(snaps[1], x, y), y)
        (W, b), _ = snaps[-1]
        out[name] = _article_row(half, stats.r2_from_mse(final, y), W[:, 0, :], b, n_steps)
    out.update(gd_article_runs(x, y, gd_max_steps))
    return out


def _mse(params, x, y) -> np.ndarray:
    (W, b), (V, c) = params
    h = np.maximum(0.0, x[None, :, None] * W[:, 0, None, :] + b[:, None, :])
    return (((h @ V)[..., 0] + c - y) ** 2).mean(-1)


def gd_article_runs(x: np.ndarray, y: np.ndarray, max_steps: int = GD_MAX_STEPS) -> dict[str, dict]:
    """Both starts under plain full-batch gradient descent at each of GD_RATES (exact gradients from
    :class:`SortedData`), run in chunks of GD_CHUNK updates until every run's R^2 moved less than
    CONVERGED_TOL over the last half of the run, or ``max_steps``."""
    data = SortedData(x, y)
    (W0, b0), (V0, c0) = article_starts()
    m = len(GD_RATES)
    W, b = np.tile(W0[:, 0, :], (m, 1)), np.tile(b0, (m, 1))
    V, c = np.tile(V0[:, :, 0], (m, 1)), np.tile(c0[:, 0], m)
    lr = np.repeat(GD_RATES, 2)
    r2_at, steps = {0: _r2_single(W, b, V, c, x, y)}, 0
    chunk = min(GD_CHUNK, max_steps)
    while steps < max_steps:
        W, b, V, c = gradient_descent(W, b, V, c, data, lr, chunk)
        steps += chunk
        r2_at[steps] = _r2_single(W, b, V, c, x, y)
        half = r2_at.get(steps // 2)
        if half is not None and np.all(np.abs(r2_at[steps] - half) < CONVERGED_TOL):
            break
    half = r2_at.get(steps // 2, r2_at[max(k for k in r2_at if k <= steps // 2)])
    return {f"gradient descent {rate:g}": _article_row(half[2 * i:2 * i + 2], r2_at[steps][2 * i:2 * i + 2],
                                                       W[2 * i:2 * i + 2], b[2 * i:2 * i + 2], steps)
            for i, rate in enumerate(GD_RATES)}


def _r2_single(W, b, V, c, x, y) -> np.ndarray:
    h = np.maximum(0.0, x[None, :, None] * W[:, None, :] + b[:, None, :])
    return stats.r2_from_mse((((h * V[:, None, :]).sum(-1) + c[:, None] - y) ** 2).mean(-1), y)


def animation_starts(P: Params) -> tuple[list, list[str]]:
    """The two starts the animation follows (P.init): the article's, or two random Glorot starts of P.width
    units, one with both edges of the data covered and one with an edge uncovered (where the draw has both)."""
    if P.init == "article":
        return article_starts(), ["good start", "bad start"]
    _, rnd = init_params(Init("glorot"), P.width, 64, np.random.default_rng(P.seed + 1))
    unc = uncovered_edges(*rnd[0])
    pick = [int(np.flatnonzero(~unc)[0]), int(np.flatnonzero(unc)[0])] if unc.any() and (~unc).any() else [0, 1]
    return [(a[pick], bb[pick]) for a, bb in rnd], ["random start, both edges covered",
                                                     "random start, an edge uncovered"]


def animated_training(P: Params, x, y, frames: int) -> tuple[list[str], np.ndarray, list]:
    """The animation's two starts trained with the chapter's optimizer for P.steps: their titles, the steps
    of the ``frames`` + 1 snapshots and the weights at each."""
    starts, titles = animation_starts(P)
    at, snaps, _ = train_with_snapshots(starts, x, y, engine_optimizer(P), P.steps, frames)
    return titles, at, snaps


def draw_snapshot(axes, params, x, y, sub, titles, grid_x=None):
    """One frame: for each member, the data (subsample ``sub``), each unit's contribution, the fit and the
    kinks inside the data."""
    grid_x = np.linspace(X_LOW, X_HIGH, 200) if grid_x is None else grid_x
    (Wt, bt), (Vt, ct) = params
    for m, ax in enumerate(axes):
        ax.clear()
        ax.scatter(x[sub], y[sub], s=4, color="0.7")
        h = np.maximum(0, np.outer(grid_x, Wt[m, 0]) + bt[m])
        for i in range(h.shape[1]):
            ax.plot(grid_x, h[:, i] * Vt[m, i, 0], ls=[":", "--"][i % 2], lw=1)
        ax.plot(grid_x, h @ Vt[m, :, 0] + ct[m, 0], color="black", lw=2)
        for k_ in -bt[m] / np.where(Wt[m, 0] == 0, np.nan, Wt[m, 0]):
            if X_LOW <= k_ <= X_HIGH:
                ax.axvline(k_, color="0.5", lw=0.8)
        ax.set(ylim=(-40, 110), xlabel="x", title=titles[m])
    axes[0].set_ylabel("y")


ANIMATION_FRAMES = 15  # frames of the page's animation after the first (a quick run: ANIMATION_FRAMES_QUICK)
ANIMATION_FRAMES_QUICK = 12
ANIMATION_DPI = 60  # pixels per inch of each frame (the book's figures: 100): with ANIMATION_FRAMES frames ...
ANIMATION_MAX_MB = 0.5  # ... the embedded player stays under this (every frame is inlined in the page)


def animation(snaps, x, y, sub, titles) -> str:
    """The training as an embedded HTML animation, each frame saved at ANIMATION_DPI (every frame is inlined
    in the page, so its size is the page's)."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from matplotlib import animation as mpl_animation

    from nnfail import plots

    fig, axes = plt.subplots(1, 2, figsize=(8, 3), dpi=ANIMATION_DPI)
    anim = mpl_animation.FuncAnimation(fig, lambda i: draw_snapshot(axes, snaps[i], x, y, sub, titles),
                                       frames=len(snaps), interval=250)
    with mpl.rc_context({"savefig.dpi": ANIMATION_DPI}):  # the writer saves frames at savefig.dpi
        html = plots.animation_html(anim, alt=f"Animation of training: {titles[0]} and {titles[1]}, unit "
                                              "outputs, fit and kinks moving over the data")
    plt.close(fig)
    return html


def draw_snapshots(fig, axes, at, snaps, x, y, sub, titles) -> None:
    """The static figure of the reproduction: both starts (columns) at the first, a quarter-way and the last
    snapshot (rows)."""
    for row, i in zip(axes, [0, len(snaps) // 4, len(snaps) - 1]):
        draw_snapshot(row, snaps[i], x, y, sub, titles)
        for ax, title in zip(row, titles):
            ax.set_title(f"{title}, step {at[i]}")
    fig.suptitle("Unit outputs, fit and kinks at three moments of training")


def law_row(runs: Runs, good_r2: float) -> dict:
    """Bad fits and uncovered starts of one set of runs with intervals, the closed form, bad-fit rates given
    an uncovered or a covered start and Fisher's test between them; ``bad_by_budget``: the bad-fit flags at the
    run's own budget, then at each longer one it trained on to."""
    bad = ~(runs.r2 >= good_r2)
    unc_start = runs.uncovered_start
    rate, unc = stats.failure_rate(bad), stats.failure_rate(unc_start)
    both = unc_start.any() and (~unc_start).any()
    return dict(width=runs.width, init=runs.init.name, rate=rate.rate, low=rate.low, high=rate.high, unc=unc.rate,
                unc_low=unc.low, unc_high=unc.high, closed=closed_form_uncovered(runs.width),
                fail_unc=float(bad[unc_start].mean()) if unc_start.any() else float("nan"),
                fail_cov=float(bad[~unc_start].mean()) if (~unc_start).any() else float("nan"),
                p=stats.fisher_exact(int(bad[unc_start].sum()), int(unc_start.sum()), int(bad[~unc_start].sum()),
                                     int((~unc_start).sum())) if both else float("nan"),
                diverged=int(runs.diverged.sum()), bad=bad, uncovered=unc_start, **coverage_after(runs, bad),
                bad_by_budget=[bad, *(~(r2 >= good_r2) for _, (r2, _) in sorted(runs.longer.items()))])


def _share(mask: np.ndarray, of: np.ndarray) -> float:
    """The share of ``of`` where ``mask`` holds (NaN when ``of`` is empty)."""
    return float(mask[of].mean()) if of.any() else float("nan")


def coverage_after(runs: Runs, bad: np.ndarray) -> dict:
    """How coverage during training lines up with the outcome: bad fits against an edge uncovered at the end
    (counts both ways), and the covered starts that lose an edge within EARLY_STEPS updates (Wilson interval)
    with the bad-fit rate of those that lose it and of those that keep both edges."""
    end, early, cov = runs.uncovered_end, runs.uncovered_early, ~runs.uncovered_start
    lost = stats.failure_rate(early[cov]) if cov.any() else None
    return dict(n_bad=int(bad.sum()), n_unc_end=int(end.sum()), n_bad_unc_end=int((bad & end).sum()),
                unc_end_given_bad=_share(end, bad), bad_given_unc_end=_share(bad, end),
                bad_given_cov_end=_share(bad, ~end), n_cov=int(cov.sum()),
                cov_lost_early=lost.rate if lost else float("nan"), cov_lost_low=lost.low if lost else float("nan"),
                cov_lost_high=lost.high if lost else float("nan"), cov_unc_end=_share(end, cov),
                fail_cov_lost=_share(bad, cov & early), fail_cov_kept=_share(bad, cov & ~early))


LAW_INITS = (Init("Glorot uniform", kernel="glorot"), Init("He normal", kernel="he"))


LAW_COLUMNS = [  # the table of coverage_law's rows
    ("width", lambda r: r["width"]), ("kernel init", lambda r: r["init"]),
    ("bad fits [95% CI]", lambda r: f"{tables.pct(r['rate'])} {tables.interval(r['low'], r['high'])}"),
    ("uncovered at start [95% CI]",
     lambda r: f"{tables.pct(r['unc'])} {tables.interval(r['unc_low'], r['unc_high'])}"),
    ("closed form", lambda r: f"{100 * r['closed']:.2g}%"),
    ("bad | uncovered", lambda r: tables.pct(r["fail_unc"])), ("bad | covered", lambda r: tables.pct(r["fail_cov"])),
    ("p (Fisher)", lambda r: "" if r["p"] != r["p"] else tables.pvalue(r["p"])),
    ("diverged", lambda r: r["diverged"]),
]


def coverage_law(P: Params, widths, x, y) -> list[dict]:
    """For every width and initializer, P.n_inits random starts trained with the chapter's optimizer for
    P.steps: one :func:`law_row` each. The FIX_WIDTH Glorot row, which is also the first fix's run, trains on
    to the fixes' longer budget (:func:`fix_budgets`), kept in the row as ``runs``."""
    opt = engine_optimizer(P)
    rng = lambda w, ini: np.random.default_rng([P.seed, w, int(ini.kernel == "he")])  # noqa: E731
    rows = []
    for w in widths:
        for ini in LAW_INITS:
            longer = fix_budgets(P)[1:] if (w, ini) == (FIX_WIDTH, LAW_INITS[0]) else ()
            runs = train_inits(ini, w, P.n_inits, x, y, rng(w, ini), opt, P.steps, longer)
            rows.append(dict(law_row(runs, P.good_r2), runs=runs))
    return rows


def draw_law(ax, law: list[dict], widths, n_inits: int) -> None:
    """Bad fits (with intervals) and uncovered starts against width, per initializer, and the closed form."""
    from matplotlib.ticker import NullLocator

    for j, ini in enumerate(LAW_INITS):
        rr = [r for r in law if r["init"] == ini.name]
        wv = np.array([r["width"] for r in rr]) * (1 + 0.04 * (j - 0.5))
        ax.errorbar(wv, [r["rate"] for r in rr], yerr=[[r["rate"] - r["low"] for r in rr],
                                                         [r["high"] - r["rate"] for r in rr]],
                    marker="o", capsize=3, label=f"bad fits, {ini.name}")
        ax.plot(wv, [r["unc"] for r in rr], marker="x", ls=":", label=f"uncovered at start, {ini.name}")
    ax.plot(np.array(widths), [closed_form_uncovered(w) for w in widths], color="black", lw=1,
            label="closed form 2·2⁻ⁿ")
    ax.set_xscale("log", base=2)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticks(widths, [str(w) for w in widths])
    ax.set(ylim=(0, 1), xlabel="hidden units (log scale)", ylabel="fraction of initializations",
           title=f"Bad fits and uncovered starts over {n_inits} random initializations")
    ax.legend(fontsize=7)


FIXES = (Init("as initialized (zero bias)"), Init("bias 0.1", bias="small"),
         Init("leaky ReLU", activation="leaky_relu"), Init("kinks spread over the data", bias="data_kinks"))


FIX_WIDTH = 2  # the article's width, at which the fixes are compared
FIX_LONGER = 4  # the fixes are also judged after this many times the chapter's steps


def fix_budgets(P: Params) -> tuple[int, int]:
    """The budgets (updates) at which the fixes are compared: the chapter's own and FIX_LONGER times it."""
    return (P.steps, FIX_LONGER * P.steps)


def _same_start(a: Init, b: Init) -> bool:
    return (a.kernel, a.bias, a.activation) == (b.kernel, b.bias, b.activation)


def compare_fixes(P: Params, x, y, law: list[dict]) -> list[dict]:
    """Bad-fit rates of P.n_inits starts at FIX_WIDTH for each fix in FIXES at each of :func:`fix_budgets`
    (Fisher's test against the first fix at the same budget), plus widening to 16 units (the law's Glorot row,
    at the chapter's budget only). A fix whose starts are the law's FIX_WIDTH Glorot row reuses its runs."""
    opt, rows, budgets = engine_optimizer(P), [], fix_budgets(P)
    law2 = next(r for r in law if r["width"] == FIX_WIDTH and r["init"] == LAW_INITS[0].name)
    for f in FIXES:
        if _same_start(f, LAW_INITS[0]) and set(budgets[1:]) <= set(law2["runs"].longer):
            runs = law2["runs"]
        else:
            rng = np.random.default_rng([P.seed, FIX_WIDTH, 0])
            runs = train_inits(f, FIX_WIDTH, P.n_inits, x, y, rng, opt, P.steps, budgets[1:])
        row = dict(group=f.name, unc=float(runs.uncovered_start.mean()))
        for j, s in enumerate(budgets):
            r2, unc_end = (runs.r2, runs.uncovered_end) if j == 0 else runs.longer[s]
            r = stats.failure_rate(~(r2 >= P.good_r2))
            row[j] = dict(steps=s, failures=r.failures, n=r.n, rate=r.rate, low=r.low, high=r.high,
                          unc_end=float(unc_end.mean()))
        rows.append(row)
    base = rows[0]
    for r in rows:
        for j in range(len(budgets)):
            r[j]["p"] = (stats.fisher_exact(r[j]["failures"], r[j]["n"], base[j]["failures"], base[j]["n"])
                         if r is not base else float("nan"))
        r.update(r[0])  # the chapter's own budget as the row's headline (rate, low, high, p: the bar chart)
    wide = next(r for r in law if r["width"] == 16 and r["init"] == "Glorot uniform")
    nan = float("nan")
    row = dict(group="16 units instead of 2", unc=wide["unc"], rate=wide["rate"], low=wide["low"], high=wide["high"],
               p=nan)
    row[0] = dict(steps=budgets[0], rate=wide["rate"], low=wide["low"], high=wide["high"], p=nan, unc_end=nan)
    row[1] = dict(steps=budgets[1], rate=nan, low=nan, high=nan, p=nan, unc_end=nan)
    rows.append(row)
    return rows


def _rate_cell(c: dict) -> str:
    return "not run" if c["rate"] != c["rate"] else f"{tables.pct(c['rate'])} {tables.interval(c['low'], c['high'])}"


def fix_columns(budgets) -> list:
    """The fixes table's columns: bad fits (and p against the first fix) at each budget."""
    cols = [("fix", lambda r: r["group"]), ("uncovered at start", lambda r: tables.pct(r["unc"]))]
    for j, s in enumerate(budgets):
        cols += [(f"bad fits after {s:,} steps [95% CI]", lambda r, j=j: _rate_cell(r[j])),
                 (f"p vs as initialized ({s:,})", lambda r, j=j: "" if r[j]["p"] != r[j]["p"] else tables.pvalue(r[j]["p"]))]
    return cols


REPLAY_STEPS = 300  # steps of each Keras replay (at most the chapter's own)


def keras_replays(P: Params, x: np.ndarray, y: np.ndarray, steps: int) -> list:
    """Full-batch runs of the law's smallest and largest widths (Keras's Glorot kernels, zero biases) with the
    chapter's optimizer, replayed in plain Keras from the same initial weights for ``steps`` updates (at most
    REPLAY_STEPS)."""
    return [replay.keras_replay(f"{w} relu units, full batch", (1, w, 1), ("relu", "linear"), x[:, None], y,
                                batch_size=len(x), steps=min(steps, REPLAY_STEPS), lr=P.lr, optimizer=P.optimizer,
                                seed=P.seed) for w in (FIX_WIDTH, 16)]


# ------------------------------------------------------------------------------------- claims
GRADIENT_MATCH = 1e-6  # our closed-form gradients must match TensorFlow's autodiff to this
# the article trains both starts with one setup it does not give: these words leave its settings open
UNSTATED = "learning rate, optimizer, and training epoch"
SETTING_OPEN = claims.Open("optimizer and budget", SETTINGS, UNSTATED)
BUDGET_OPEN = claims.Open("training budget", (1, FIX_LONGER), UNSTATED, unit="× the chapter's steps")


# the article's starts are single deterministic runs: R² minus the good-fit threshold (P.good_r2) above or below
# zero, and the bad start's leftmost kink against where it starts
_MARGIN = " (R² minus the good-fit threshold)"
FITS, FAILS = claims.Bound(0.0, "above", exact=True, unit=_MARGIN), claims.Bound(0.0, "below", exact=True, unit=_MARGIN)
KINK_STAYS = claims.Bound(bad_start_left_kink(), "above", exact=True, unit=" (the bad start's leftmost kink at the end)")


CLAIMS = (
    claims.Claim("uncovered_fail", "article", "nothing is active", "a two-unit start whose units leave one side "
                 "of the data uncovered fits badly", f"width {FIX_WIDTH}, Glorot uniform, uncovered starts",
                 claims.RateRule("fails"), against="covered starts", open=BUDGET_OPEN),
    claims.Claim("covered_work", "article", "good coverage", "a two-unit start that covers both sides of the "
                 "data fits well", f"width {FIX_WIDTH}, Glorot uniform, covered starts", claims.RateRule("works"),
                 open=BUDGET_OPEN),
    claims.Claim("good_fits", "article", "good coverage", "the good start fits well", "the article's good start "
                 "(one deterministic run per setting, until converged)", FITS, open=SETTING_OPEN),
    claims.Claim("bad_fails", "article", "a poor fit", "the bad start fits badly", "the article's bad start (one "
                 "deterministic run per setting, until converged)", FAILS, open=SETTING_OPEN),
    claims.Claim("left_idle", "article", "initialization onwards", "at the bad start the inputs left of its kinks "
                 "never contribute to any update: its leftmost kink never moves left of where it starts",
                 "the article's bad start (one deterministic run per setting, until converged)",
                 KINK_STAYS, open=SETTING_OPEN),
    claims.Claim("derivative", "article", "dy/dw = w", "where a unit is active, its output's derivative with "
                 "respect to its weight is the weight", "unit 1 of the article's start, where active",
                 claims.Check()),
    claims.Claim("inactive", "article", "inactive units", "a unit that is off on every input gets no gradient and "
                 "does not learn", "a unit off on all the data", claims.Check()),
    claims.Claim("regions_at_init", "article", "at initialization state", "at the good start every region of the "
                 "input contributes to updating some hidden weight or bias", "the article's good start, step 0",
                 claims.Check()),
)
# the claims the page's main table shows (the reader's question turns on them), in this order; all in a dropdown
MAIN_CLAIMS = ("uncovered_fail", "covered_work", "bad_fails", "good_fits", "left_idle")


def main_verdicts(verdicts) -> list:
    """The verdicts of MAIN_CLAIMS, in that order."""
    by_id = {v.claim.id: v for v in verdicts}
    return [by_id[i] for i in MAIN_CLAIMS]


def can_reproduce_works(failed: np.ndarray) -> bool:
    """Whether more seeds could still make a "works" rate reproduce: the upper end of the Wilson interval of
    the share that works reaches claims.MOSTLY (else the best it can become is "partly")."""
    return 1 - stats.failure_rate(failed).low >= claims.MOSTLY


def _setting_evidence(article: dict[str, dict], good_r2: float) -> dict[str, dict]:
    """good_fits, bad_fails and left_idle at each optimizer setting (SETTINGS, in article_runs' order): the run's
    R² minus ``good_r2``, or its bad start's final leftmost kink; a run that has not converged (or diverged) is
    evidence that cannot be had: undecided, and a longer run (a smaller step) would decide it."""
    out: dict[str, dict] = {"good_fits": {}, "bad_fails": {}, "left_idle": {}}
    for label, (name, r) in zip(SETTINGS, article.items()):
        done = f"{name}, {r['steps']:,} steps"
        lost = (claims.Unavailable(f"{done}: diverged", "a smaller step would decide it")
                if not np.isfinite([r["good"], r["bad"]]).all() else
                None if r["converged"] else
                claims.Unavailable(f"{done}: has not converged (R² still moved {r['moved']:.3f} over the last half)",
                                   "a longer run would decide it"))
        if lost is not None:
            for what in out:
                out[what][label] = lost
            continue
        out["good_fits"][label] = claims.Evidence([r["good"] - good_r2], None, f"R² {r['good']:.3f} with {done}")
        out["bad_fails"][label] = claims.Evidence([r["bad"] - good_r2], None, f"R² {r['bad']:.3f} with {done}")
        out["left_idle"][label] = claims.Evidence(
            [r["bad_left_kink"]], None, f"with {done} both units {'still' if r['bad_faces_right'] else 'no longer'} "
                                        f"face right; the kink starts at {bad_start_left_kink():g}")
    return out


def claims_evidence(article: dict[str, dict], check: dict, law: list[dict], good_r2: float) -> dict:
    """Every claim's evidence, by claim id, for :func:`claims.judge_all`: the article's two starts at each
    optimizer setting (:func:`_setting_evidence`), the width-2 random starts with Keras's default initializer
    split by coverage at the start, at each budget of BUDGET_OPEN, and the gradient checks."""
    row = next(r for r in law if r["width"] == FIX_WIDTH and r["init"] == LAW_INITS[0].name)
    unc, by_budget = row["uncovered"], row["bad_by_budget"]

    def budget(j, make):
        if j >= len(by_budget):
            return claims.Unavailable("this budget was not trained", "training on to it would decide it")
        return make(by_budget[j])

    def reach(failed):
        works = stats.failure_rate(failed)
        return None if can_reproduce_works(failed) else (
            f"even the top of its interval ({tables.pct(1 - works.low)} work) is below the {claims.MOSTLY:.0%} a "
            f"reproduction needs, so more seeds could make it at best partly reproduce")

    budgets = BUDGET_OPEN.values
    return {
        "uncovered_fail": {m: budget(j, lambda b: claims.Evidence(b[unc], b[~unc])) for j, m in enumerate(budgets)},
        "covered_work": {m: budget(j, lambda b: claims.Evidence(b[~unc], None, reach(b[~unc])))
                         for j, m in enumerate(budgets)},
        **_setting_evidence(article, good_r2),
        "derivative": (check["article_agrees"] == 1.0, None,
                       f"the formula is off by {check['article_vs_true']:.2f} on average over the inputs right of "
                       f"{check['unit1_kink']:g}, where unit 1 is active (true derivative: x)"),
        "inactive": ([check["dead_unit_grad"] == 0.0, check["grad_gap"] < GRADIENT_MATCH], None,
                     f"gradient of a unit off everywhere: {check['dead_unit_grad']:g}; our gradients match "
                     f"TensorFlow's to {check['grad_gap']:.0e}"),
        "regions_at_init": (check["start_hidden_grad"] > 0, None,
                            f"w3 = w4 = 0 at the start, so the largest hidden-weight gradient there is "
                            f"{check['start_hidden_grad']:g}; after one update {check['regions_after_first']} of "
                            f"{check['n_regions']} regions contribute"),
    }


def judge_claims(article: dict[str, dict], check: dict, law: list[dict], good_r2: float) -> list[claims.Verdict]:
    """The article's claims, judged in one loop over their evidence (:func:`claims_evidence`)."""
    return claims.judge_all(CLAIMS, claims_evidence(article, check, law, good_r2))


def optimizer_dependence(article: dict[str, dict], good_r2: float) -> str:
    """Whether the article's good/bad outcome changes with the optimizer setting, in words, from the converged
    runs only (the settings that have not converged are named apart)."""
    done = {k: v for k, v in article.items() if v["converged"]}
    left = [k for k in article if k not in done]
    tail = f" ({', '.join(left)} had not converged and {'is' if len(left) == 1 else 'are'} left out)" if left else ""
    outcomes = {k: (v["good"] >= good_r2, v["bad"] >= good_r2) for k, v in done.items()}
    if not outcomes:
        return "not known: no setting converged" + tail
    if len(set(outcomes.values())) == 1:
        return f"the same under all {len(outcomes)} converged optimizer settings{tail}: it does not hinge on the optimizer"
    return "different across the converged optimizer settings (" + "; ".join(
        f"{k}: good start {'fits' if g else 'fails'}, bad start {'fits' if b else 'fails'}"
        for k, (g, b) in outcomes.items()) + f"){tail}: it hinges on the optimizer"


def verdicts_by_setting(verdicts, what: str) -> str:
    """In words, the per-setting verdicts of one of the article's open claims (``what``: good_fits, bad_fails or
    left_idle) grouped by outcome, e.g. 'reproduces under the chapter's own, Adam 0.01; undecided under ...'."""
    v = next((v for v in verdicts if v.claim.id == what), None)
    if v is None:
        return "not judged"
    groups: dict[str, list[str]] = {}
    for (label,), pv in v.points:
        groups.setdefault(pv.label, []).append(label)
    return "; ".join(f"{outcome} under {', '.join(names)}" for outcome, names in groups.items())


ARTICLE_COLUMNS = [  # the table of article_runs' rows (each with its setting's name)
    ("optimizer", lambda r: r["name"]), ("steps", lambda r: f"{r['steps']:,}"),
    ("converged", lambda r: "yes" if r["converged"] else f"no (moved {r['moved']:.3f})"),
    ("good start: R²", lambda r: f"{r['good']:.3f}"), ("bad start: R²", lambda r: f"{r['bad']:.3f}"),
    ("final kinks, good", lambda r: ", ".join(f"{v:.1f}" for v in r["kinks"][0])),
    ("final kinks, bad", lambda r: ", ".join(f"{v:.1f}" for v in r["kinks"][1])),
    ("bad start's units face right", lambda r: "both" if r["bad_faces_right"] else "not both"),
]


def article_summary(article: dict[str, dict], x: np.ndarray, y: np.ndarray, good_r2: float) -> dict:
    """The numbers the reproduction's prose shows, by glue name: per setting, the counts over the converged
    settings, the bad start under the chapter's own setting ('default') and the slowest plain gradient descent
    ('gd'), and the ceiling of two right-facing units on the same data."""
    from nnfail.glue import key

    out = {}
    for name, r in article.items():
        for field in ("good", "bad", "steps", "converged", "bad_left_kink", "bad_faces_right"):
            out[f"article__{key(name)}__{field}"] = r[field]
    done = {k: v for k, v in article.items() if v["converged"]}
    out.update(converged_tol=CONVERGED_TOL, gd_chunk=GD_CHUNK, gd_max_steps=GD_MAX_STEPS, n_settings=len(article),
               n_converged=len(done), article_good_fits=sum(v["good"] >= good_r2 for v in done.values()),
               article_bad_fails=sum(v["bad"] < good_r2 for v in done.values()),
               bad_faces_right_all=sum(v["bad_faces_right"] for v in article.values()),
               optimizer_dependence=optimizer_dependence(article, good_r2), bad_start_left_kink=bad_start_left_kink())
    for tag, name in (("default", next(iter(article))), ("gd", f"gradient descent {GD_RATES[0]:g}")):
        out[f"setting_{tag}"] = name
        for field in ("good", "bad", "steps", "bad_left_kink"):
            out[f"{tag}_{field}"] = article[name][field]
        out[f"{tag}_direction"] = "left" if article[name]["bad_left_kink"] < bad_start_left_kink() else "right"
    ceiling = right_facing_ceiling(x, y)
    out.update(ceiling_r2=ceiling["r2"], ceiling_kink_left=ceiling["kinks"][0], ceiling_kink_right=ceiling["kinks"][1])
    return out
