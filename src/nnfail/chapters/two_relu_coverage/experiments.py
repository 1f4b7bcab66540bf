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


def train_inits(init: Init, width: int, k: int, x, y, rng, opt: E.Optimizer, steps: int) -> Runs:
    """k random initializations of one width trained full-batch with ``opt`` for ``steps`` updates, together."""
    net, params = init_params(init, width, k, rng)
    t = E.Trainer(net, params, opt, "mse")
    t.fit(x[:, None], y[:, None], epochs=steps, batch_size=len(x))
    loss = t.evaluate(x[:, None], y[:, None])
    r2 = stats.r2_from_mse(loss, y)
    (W, b), _ = t.params
    return Runs(width, init, params, t.params, loss, r2, uncovered_edges(*params[0]), uncovered_edges(W, b),
                t.diverged)


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
    return dict(grad_gap=max(float(np.max(np.abs(ours[k] - tg[k].numpy()))) for k in ours),
                article_vs_true=float(np.mean(np.abs(Wd[:, 0] - x_on))),
                article_agrees=float(np.mean(np.abs(Wd[:, 0] - x_on) < 1e-9)),
                unit1_kink=float(-b[0] / W[0]),
                dead_unit_grad=float(abs(dead["W"][0]) + abs(dead["b"][0])))


def article_starts() -> list:
    """The article's good and bad starts stacked as two members of one network."""
    good, bad = article_init("good"), article_init("bad")
    return [(np.concatenate([good[i][0], bad[i][0]]), np.concatenate([good[i][1], bad[i][1]])) for i in range(2)]


def optimizer_settings(P: Params) -> dict[str, tuple[E.Optimizer, int]]:
    """{name: (optimizer, steps)}: the chapter's own setting first, then two others trained twice as long."""
    return {f"{P.optimizer} {P.lr:g} (default)": (engine_optimizer(P), P.steps),
            "Adam 0.01": (E.Adam(0.01), 2 * P.steps), "gradient descent 1e-4": (E.SGD(1e-4), 2 * P.steps)}


def article_runs(P: Params, x: np.ndarray, y: np.ndarray) -> dict[str, dict]:
    """The article's two starts trained with each of :func:`optimizer_settings`: R^2 of each and the final
    kinks."""
    both = article_starts()
    out = {}
    for name, (opt, n_steps) in optimizer_settings(P).items():
        _, snaps, final = train_with_snapshots(both, x, y, opt, n_steps, frames=1)
        r2 = stats.r2_from_mse(final, y)
        out[name] = dict(good=float(r2[0]), bad=float(r2[1]), kinks=-snaps[-1][0][1] / snaps[-1][0][0][:, 0, :])
    return out


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


def animation(snaps, x, y, sub, titles) -> str:
    """The training as an embedded HTML animation (low dpi: every frame is inlined in the page)."""
    import matplotlib.pyplot as plt
    from matplotlib import animation as mpl_animation

    from nnfail import plots

    fig, axes = plt.subplots(1, 2, figsize=(8, 3), dpi=60)
    anim = mpl_animation.FuncAnimation(fig, lambda i: draw_snapshot(axes, snaps[i], x, y, sub, titles),
                                       frames=len(snaps), interval=200)
    html = plots.animation_html(anim, alt=f"Animation of training: {titles[0]} and {titles[1]}, unit outputs, "
                                          "fit and kinks moving over the data")
    plt.close(fig)
    return html


def law_row(runs: Runs, good_r2: float) -> dict:
    """Bad fits and uncovered starts of one set of runs with intervals, the closed form, bad-fit rates given
    an uncovered or a covered start and Fisher's test between them."""
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
                diverged=int(runs.diverged.sum()), bad=bad, uncovered=unc_start)


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
    P.steps: one :func:`law_row` each."""
    opt = engine_optimizer(P)
    rng = lambda w, ini: np.random.default_rng([P.seed, w, int(ini.kernel == "he")])  # noqa: E731
    return [law_row(train_inits(ini, w, P.n_inits, x, y, rng(w, ini), opt, P.steps), P.good_r2)
            for w in widths for ini in LAW_INITS]


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


def compare_fixes(P: Params, x, y, law: list[dict]) -> list[dict]:
    """Bad-fit rates of P.n_inits starts at FIX_WIDTH for each fix in FIXES (Fisher's test against the first),
    plus widening to 16 units (from the law's Glorot row)."""
    opt, rows = engine_optimizer(P), []
    for f in FIXES:
        rng = np.random.default_rng([P.seed, FIX_WIDTH, 0])
        runs = train_inits(f, FIX_WIDTH, P.n_inits, x, y, rng, opt, P.steps)
        r = stats.failure_rate(~(runs.r2 >= P.good_r2))
        rows.append(dict(group=f.name, failures=r.failures, n=r.n, rate=r.rate, low=r.low, high=r.high,
                         unc=float(runs.uncovered_start.mean())))
    base = rows[0]
    for r in rows:
        r["p"] = stats.fisher_exact(r["failures"], r["n"], base["failures"], base["n"]) if r is not base else float("nan")
    wide = next(r for r in law if r["width"] == 16 and r["init"] == "Glorot uniform")
    rows.append(dict(group="16 units instead of 2", failures=0, n=P.n_inits, rate=wide["rate"], low=wide["low"],
                     high=wide["high"], unc=wide["unc"], p=float("nan")))
    return rows


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


CLAIMS = (
    claims.Claim("good_fits", "article", "good coverage", "the good start fits well", "the article's good start, "
                 "the chapter's optimizer setting", claims.Check()),
    claims.Claim("bad_fails", "article", "a poor fit", "the bad start fits badly", "the article's bad start, the "
                 "chapter's optimizer setting", claims.Check()),
    claims.Claim("derivative", "article", "dy/dw = w", "where a unit is active, its output's derivative with "
                 "respect to its weight is the weight", "unit 1 of the article's start, where active",
                 claims.Check()),
    claims.Claim("inactive", "article", "inactive units", "a unit that is off on every input gets no gradient and "
                 "does not learn", "a unit off on all the data", claims.Check()),
    claims.Claim("uncovered_fail", "article", "nothing is active", "a two-unit start whose units leave one side "
                 "of the data uncovered fits badly", f"width {FIX_WIDTH}, Glorot uniform, uncovered starts",
                 claims.RateRule("fails"), against="covered starts"),
    claims.Claim("covered_work", "article", "good coverage", "a two-unit start that covers both sides of the "
                 "data fits well", f"width {FIX_WIDTH}, Glorot uniform, covered starts", claims.RateRule("works")),
)


def judge_claims(article: dict[str, dict], check: dict, law: list[dict], good_r2: float) -> list[claims.Verdict]:
    """The article's claims on its own starts (the chapter's optimizer setting, the first of ``article``; the
    other settings are in the evidence, and :func:`optimizer_dependence` says whether the outcome changes),
    the gradient check and the width-2 random starts with Keras's default initializer."""
    default = next(iter(article))
    good = {k: v["good"] for k, v in article.items()}
    bad = {k: v["bad"] for k, v in article.items()}
    row = next(r for r in law if r["width"] == FIX_WIDTH and r["init"] == LAW_INITS[0].name)
    unc, failed = row["uncovered"], row["bad"]
    r2s = lambda d: ", ".join(f"{v:.3f}" for v in d.values())  # noqa: E731
    evidence = {
        "good_fits": (good[default] >= good_r2, None, f"R² {good[default]:.3f} with {default} (good at "
                      f"{good_r2:g}); under every setting tried: {r2s(good)}"),
        "bad_fails": (bad[default] < good_r2, None, f"R² {bad[default]:.3f} with {default}; under every setting "
                      f"tried: {r2s(bad)}"),
        "derivative": (check["article_agrees"] == 1.0, None,
                       f"the formula is off by {check['article_vs_true']:.2f} on average over the inputs right of "
                       f"{check['unit1_kink']:g}, where unit 1 is active (true derivative: x)"),
        "inactive": ([check["dead_unit_grad"] == 0.0, check["grad_gap"] < GRADIENT_MATCH], None,
                     f"gradient of a unit off everywhere: {check['dead_unit_grad']:g}; our gradients match "
                     f"TensorFlow's to {check['grad_gap']:.0e}"),
        "uncovered_fail": (failed[unc], failed[~unc]),
        "covered_work": (failed[~unc], None),
    }
    return [c.judge(*evidence[c.id]) for c in CLAIMS]


def optimizer_dependence(article: dict[str, dict], good_r2: float) -> str:
    """Whether the article's good/bad outcome hinges on the optimizer setting, in words, from the runs."""
    outcomes = {k: (v["good"] >= good_r2, v["bad"] >= good_r2) for k, v in article.items()}
    if len(set(outcomes.values())) == 1:
        return f"the same under all {len(outcomes)} optimizer settings: it does not hinge on the optimizer"
    return "different across optimizer settings (" + "; ".join(
        f"{k}: good start {'fits' if g else 'fails'}, bad start {'fits' if b else 'fails'}"
        for k, (g, b) in outcomes.items()) + "): it hinges on the optimizer"
