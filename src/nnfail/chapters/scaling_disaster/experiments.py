"""Chapter 1, the scaling disaster: an elu MLP on [0, 100] with X divided by 100 and y left alone.

Every configuration of the chapter is a row of members in one engine run: the targets, the input
scaling, and each fix (scaled y, larger initial weights, a larger decaying learning rate, Glorot
init, output bias at the target mean, standardized X and y) differ only in data transforms and
per-member hyperparameters, so all seeds of all configurations train in the same program.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np

# the engine first: importing it before TensorFlow's first operation is what gives its member shards
# single-threaded kernels (the notebook's Keras replay runs before the engine's runs; with TensorFlow's default
# of one kernel thread per core beside the shards, the runs on 96 members took 38% longer)
from nnfail import engine as E
from nnfail import claims, stats
from nnfail.chapters.scaling_disaster.spec import WIDTH_RANGE  # the other networks of the post's description

X_LOW, X_HIGH = 0.0, 100.0

TARGETS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "hinge": lambda x: np.maximum(0.0, x - 50.0),  # max(0, x - 50): the one the post says works
    "square": lambda x: (x - 50.0) ** 2,  # (x - 50)^2
    "notch": lambda x: 1.0 - ((x >= 40.0) & (x <= 60.0)),  # 1 - 1[40 <= x <= 60]
}
TARGET_LABELS = {"hinge": "max(0, x-50)", "square": "(x-50)^2", "notch": "1 - 1[40,60](x)"}
SCALED = "scaled X"  # the rows where X is multiplied by input_scale (the post: divided by 100)


def grid(n: int = 1001) -> np.ndarray:
    return np.linspace(X_LOW, X_HIGH, n)


def target_moments(target: str) -> tuple[float, float, float]:
    """Mean, standard deviation and max |g| of a target under X ~ U(0, 100) (dense grid)."""
    y = TARGETS[target](grid(200001))
    return float(y.mean()), float(y.std()), float(np.abs(y).max())


@dataclass(frozen=True)
class Config:
    """One configuration: how the data is presented and how the network starts and learns (``init_std`` and
    ``lr`` have no default here: they come from the chapter's parameters)."""

    name: str
    target: str
    init_std: float  # std of the RandomNormal kernel init (used when init == "normal")
    lr: float
    x_scale: float = 1.0  # network input = (x - x_shift) * x_scale
    x_shift: float = 0.0
    y_scale: float = 1.0  # network target = (y - y_shift) / y_scale
    y_shift: float = 0.0
    init: str = "normal"  # "normal" (RandomNormal(init_std)) or "glorot"
    out_bias: float = 0.0  # initial output bias (in network-target units)
    decay_rate: float = 1.0  # learning rate multiplied by this over the whole run (1 = constant)


FIXES = ("as posted", "y scaled", "init std 0.5", "decaying lr", "y scaled + init std 0.5",
         "Glorot init", "output bias = mean(y)", "standardized X and y", "standardized + Glorot")

# Settings the post and its answer leave open, each with the range a reader could take from the words quoted.
# A claim that rests on one of them is one claim judged at every point of its range (open_settings, claims.Open).
DECAY_QUOTE = "a large initial learning rate with some decay"  # the answer: no start given (P.big_lrs)
DECAY_TARGETS = ("square", "notch")  # the targets that fail as posted, for which the answer proposes it
EPOCHS_QUOTE = "train for more epochs"  # the answer: no length given (P.outer_epochs doubled up to P.long_epochs)


def decay_name(start: float) -> str:
    """The name of the decaying-rate configuration that starts at ``start``."""
    return f"decaying lr from {start:g}"


def configs(target: str, P) -> list[Config]:
    """The chapter's configurations for one target: {raw X, scaled X} x the answer's fixes, then the
    standard practice (independent of the raw/scaled choice because it standardizes X itself).

    From the parameters ``P``: P.input_scale is the post's division by 100 (the "scaled X" rows);
    P.target_scale divides y in the "as posted" rows (1 = the post); P.init_std and P.lr are the posted
    network's, P.big_init_std, P.big_lrs and P.lr_decay the answer's fixes. "y scaled" divides y by max|g|
    so it lands in [0, 1] as the answer suggests. The decaying rate, the answer's untried idea for the two
    failing targets, is tried on those (DECAY_TARGETS) with scaled inputs only, once per start in P.big_lrs.
    """
    mean, std, top = target_moments(target)
    base = Config("", target, init_std=P.init_std, lr=P.lr, y_scale=P.target_scale)
    rows = []
    for xname, xs in (("raw X", 1.0), (SCALED, P.input_scale)):
        b = replace(base, x_scale=xs)
        variants = {
            "as posted": b,
            "y scaled": replace(b, y_scale=top),
            "init std 0.5": replace(b, init_std=P.big_init_std),
            **({decay_name(lr): replace(b, lr=lr, decay_rate=P.lr_decay) for lr in P.big_lrs}
               if xname == SCALED and target in DECAY_TARGETS else {}),
            "y scaled + init std 0.5": replace(b, y_scale=top, init_std=P.big_init_std),
            "Glorot init": replace(b, init="glorot"),
            "output bias = mean(y)": replace(b, out_bias=mean / b.y_scale),
        }
        rows += [replace(c, name=f"{xname} | {fix}") for fix, c in variants.items()]
    half = (X_HIGH - X_LOW) / 2
    z = replace(base, x_shift=half, x_scale=1 / (half / np.sqrt(3)), y_shift=mean, y_scale=std)
    rows.append(replace(z, name="standardized X and y"))
    rows.append(replace(z, init="glorot", name="standardized + Glorot"))
    return rows


def width_label(hidden: Sequence[int]) -> str:
    return "hidden " + "-".join(str(h) for h in hidden)


def width_configs(P, hidden: Sequence[int]) -> list[Config]:
    """The rows the initialization claims need at another network of the post's description: the square as
    posted and with init std P.big_init_std, the indicator with it (scaled X, y as posted)."""
    b = Config("", "square", init_std=P.init_std, lr=P.lr, x_scale=P.input_scale, y_scale=P.target_scale)
    w = width_label(hidden)
    return [replace(b, name=f"{SCALED} | as posted | {w}"),
            replace(b, name=f"{SCALED} | init std 0.5 | {w}", init_std=P.big_init_std),
            replace(b, target="notch", name=f"{SCALED} | init std 0.5 | {w}", init_std=P.big_init_std)]


def long_checkpoints(P) -> list[int]:
    """The training lengths beyond the post's: P.outer_epochs doubled while below P.long_epochs, then P.long_epochs."""
    out, e = [], 2 * P.outer_epochs
    while e < P.long_epochs:
        out.append(e)
        e *= 2
    return out + [P.long_epochs] if P.long_epochs > P.outer_epochs else []


def long_configs(P) -> list[Config]:
    """The rows trained for P.long_epochs: the square as posted and with y scaled, the indicator as posted
    (scaled X, constant learning rate, so the state after epoch e is a run of e epochs)."""
    _, _, top = target_moments("square")
    b = Config("", "square", init_std=P.init_std, lr=P.lr, x_scale=P.input_scale, y_scale=P.target_scale)
    return [replace(b, name=f"{SCALED} | as posted"), replace(b, name=f"{SCALED} | y scaled", y_scale=top),
            replace(b, target="notch", name=f"{SCALED} | as posted")]


def epochs_name(config: str, epochs: int) -> str:
    return f"{config} | {epochs} outer epochs"


@dataclass
class Runs:
    """Every member of every configuration, trained side by side (see :func:`train`)."""

    configs: list[Config]
    member_config: np.ndarray  # [K] index into configs
    r2: np.ndarray  # [K] R^2 on the dense grid, original units (NaN if diverged)
    loss: np.ndarray  # [epochs, K] training loss divided by the target variance (NaN if diverged)
    pred: np.ndarray  # [K, G] predictions on grid() in original units
    diverged: np.ndarray  # [K]
    init_pred: np.ndarray  # [K, G] predictions at initialization, original units
    r2_at: dict | None = None  # {outer epoch: [K] R^2 after it} at the checkpoints asked for (the last included)


def train_steps(P) -> int:
    """Optimizer steps of one training run: P.outer_epochs passes over P.samples_per_epoch fresh samples."""
    return P.outer_epochs * -(-P.samples_per_epoch // P.batch_size)


@dataclass(frozen=True)
class _Scaling:
    """Each member's data transform ([K] arrays): network input = (x - x_shift) * x_scale, network target
    = (y - y_shift) / y_scale."""

    x_scale: np.ndarray
    x_shift: np.ndarray
    y_scale: np.ndarray
    y_shift: np.ndarray

    @classmethod
    def of(cls, cfgs: Sequence[Config], member: np.ndarray) -> "_Scaling":
        return cls(*(E.per_member(cfgs, member, f) for f in ("x_scale", "x_shift", "y_scale", "y_shift")))

    def inputs(self, x: np.ndarray) -> np.ndarray:
        """[K or 1, N] original x -> [K, N, 1] network inputs."""
        return ((x - self.x_shift[:, None]) * self.x_scale[:, None])[:, :, None]

    def targets(self, y: np.ndarray) -> np.ndarray:
        """[K, N] original y -> [K, N, 1] network targets."""
        return ((y - self.y_shift[:, None]) / self.y_scale[:, None])[:, :, None]

    def rows(self, lo: int, hi: int) -> "_Scaling":
        """The transforms of members lo..hi-1."""
        return _Scaling(self.x_scale[lo:hi], self.x_shift[lo:hi], self.y_scale[lo:hi], self.y_shift[lo:hi])

    def original(self, out: np.ndarray) -> np.ndarray:
        """[K, N, 1] network outputs -> [K, N] in original units."""
        return out[:, :, 0] * self.y_scale[:, None] + self.y_shift[:, None]


def _initial_params(net, cfgs: Sequence[Config], seeds: int, rng: np.random.Generator) -> list:
    """Initial weights of every member; each configuration's seeds draw from the same generator in turn."""
    params = []
    for c in cfgs:
        kernel = E.GlorotUniform() if c.init == "glorot" else E.RandomNormal(c.init_std)
        params.append(E.init_params(net, seeds, kernel, rng, bias=c.out_bias))
    return [(np.concatenate([p[i][0] for p in params]), np.concatenate([p[i][1] for p in params]))
            for i in range(len(net.layers))]


class _Draws:
    """Every member's fresh sample of one outer epoch, as network inputs and targets ([K, N, 1] float32).

    The numbers are those of ``x = rng.uniform(X_LOW, X_HIGH, (K, N))``, ``y = TARGETS[t](x)`` and the
    members' scalings, computed in float64 and rounded once to float32 as the engine would; but the buffers are
    kept from epoch to epoch and worked through a few rows at a time. Allocating fresh [K, N] arrays every
    epoch (128 MB each in float64 at the chapter's 1,600 members) cost more time in page faults than the
    arithmetic, about a fifth of the main runs' time (benchmarks/chapter_profile.py)."""

    ROWS = 32  # members per block: temporaries of a few MB, reused by the allocator

    def __init__(self, scaling: _Scaling, targets: Sequence[str], n: int):
        k = len(targets)
        self.x = np.empty((k, n))
        self.net_x = np.empty((k, n, 1), np.float32)
        self.net_y = np.empty((k, n, 1), np.float32)
        starts = [i for i in range(k) if i == 0 or targets[i] != targets[i - 1] or i % self.ROWS == 0]
        self.blocks = [(lo, hi, targets[lo], scaling.rows(lo, hi)) for lo, hi in zip(starts, [*starts[1:], k])]

    def draw(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        rng.random(out=self.x)  # Generator.uniform(low, high) is low + (high - low) * random(), value for value
        self.x *= X_HIGH - X_LOW
        self.x += X_LOW
        for lo, hi, t, scaling in self.blocks:
            x = self.x[lo:hi]
            self.net_x[lo:hi] = scaling.inputs(x)
            self.net_y[lo:hi] = scaling.targets(TARGETS[t](x))
        return self.net_x, self.net_y


def _fit_like_post(trainer, scaling: _Scaling, targets: list[str], rng: np.random.Generator, P,
                   progress: bool, after_epoch: Callable[[int], None] | None = None) -> None:
    """The post's loop: each of P.outer_epochs draws fresh X ~ U(0, 100) for every member, one pass in batches;
    ``after_epoch(e)`` is called after outer epoch e (1-based)."""
    from nnfail.progress import bar as progress_bar

    draws = _Draws(scaling, targets, P.samples_per_epoch)
    bar = progress_bar(P.outer_epochs, "outer epochs") if progress else None
    for e in range(1, P.outer_epochs + 1):
        trainer.fit(*draws.draw(rng), epochs=1, batch_size=P.batch_size, progress=bar)
        if after_epoch is not None:
            after_epoch(e)
    if bar is not None:
        bar.close()


def train(cfgs: Sequence[Config], seeds: int, rng: np.random.Generator, P, progress: bool = False,
          grid_points: int = 1001, checkpoints: Sequence[int] = ()) -> Runs:
    """Train ``seeds`` members of every configuration together, the post's way, with the network and
    training length of the parameters ``P`` (P.hidden, P.outer_epochs, P.samples_per_epoch, P.batch_size).
    ``checkpoints``: outer epochs after which every member's R^2 is also recorded (Runs.r2_at); with a
    constant learning rate, the state after epoch e is that of a run of e outer epochs."""
    net = E.MLP((1, *P.hidden, 1), ("elu",) * len(P.hidden) + ("linear",))
    member = E.member_configs(len(cfgs), seeds)
    scaling = _Scaling.of(cfgs, member)
    params = _initial_params(net, cfgs, seeds, rng)
    opt = E.Adam(lr=E.per_member(cfgs, member, "lr"), decay_rate=E.per_member(cfgs, member, "decay_rate"),
                 decay_steps=train_steps(P))
    trainer = E.Trainer(net, params, opt, "mse")
    targets = [cfgs[i].target for i in member]
    xg = scaling.inputs(grid(grid_points)[None, :])
    init_pred = scaling.original(trainer.predict(xg))
    truth = np.stack([TARGETS[t](grid(grid_points)) for t in targets])
    r2_at = {}

    def record(epoch: int) -> None:
        if epoch in checkpoints:
            r2_at[epoch] = np.array([stats.r2(p, t) for p, t in zip(scaling.original(trainer.predict(xg)), truth)])

    _fit_like_post(trainer, scaling, targets, rng, P, progress, record)
    pred = scaling.original(trainer.predict(xg))
    r2 = np.array([stats.r2(p, t) for p, t in zip(pred, truth)])
    r2_at[P.outer_epochs] = r2
    var_y = np.array([TARGETS[t](grid(20001)).var() for t in targets]) / scaling.y_scale ** 2
    loss = trainer.history.array() / var_y[None, :]
    return Runs(list(cfgs), member, r2, loss, pred, trainer.diverged, init_pred, dict(sorted(r2_at.items())))


def train_widths(P, rng: np.random.Generator, seeds: int, progress: bool = False) -> list[Runs]:
    """The initialization rows (width_configs) at every network of WIDTH_RANGE other than P.hidden, one engine
    run per network shape."""
    return [train(width_configs(P, w), seeds, rng, P.replace(hidden=list(w)), progress)
            for w in WIDTH_RANGE if list(w) != list(P.hidden)]


def train_long(P, rng: np.random.Generator, seeds: int, progress: bool = False) -> Runs | None:
    """long_configs(P) trained for P.long_epochs, R^2 recorded after every length of long_checkpoints(P)
    (None when P.long_epochs is not longer than P.outer_epochs)."""
    cps = long_checkpoints(P)
    if not cps:
        return None
    return train(long_configs(P), seeds, rng, P.replace(outer_epochs=P.long_epochs), progress, checkpoints=cps)


def long_rows(runs: Runs | None, P, success: float, rng: np.random.Generator) -> list[dict]:
    """Summary rows (as summarize) of the long runs at each checkpoint, named epochs_name(config, epochs)."""
    if runs is None:
        return []
    rows = []
    for e in long_checkpoints(P):
        named = [replace(c, name=epochs_name(c.name, e)) for c in runs.configs]
        rows += summarize(replace(runs, r2=runs.r2_at[e], configs=named), success, rng)
    return rows


# ------------------------------------------------------------------------------------- mechanism
def best_line_r2(target: str) -> float:
    """R^2 of the least-squares straight line to g on [0, 100]: what a linear network can reach."""
    x = grid(20001)
    return stats.line_r2(x, TARGETS[target](x))


def linearity(pred: np.ndarray) -> np.ndarray:
    """R^2 of the best straight line to each row of pred over grid(): 1 = the function is a line."""
    x = grid(pred.shape[-1])
    return np.array([stats.line_r2(x, p) for p in pred])


def phase_configs(P, input_scales: Sequence[float], init_stds: Sequence[float]) -> list[Config]:
    """The phase diagram's cells for P.target, y unscaled, at the posted learning rate P.lr: every input
    scale crossed with every init std (input scales vary slowest)."""
    return [Config(f"s={s:g}, std={d:g}", P.target, init_std=d, lr=P.lr, x_scale=s)
            for s in input_scales for d in init_stds]


# ------------------------------------------------------------------------------------- verdicts
def nonlinear_share(r2: np.ndarray, target: str) -> np.ndarray:
    """Share of the variance a straight line leaves that the fit explains: (R2 - R2_line) / (1 - R2_line).
    1 is a perfect fit, 0 is no better than the best line (or a constant, for symmetric targets)."""
    line = best_line_r2(target)
    return (np.asarray(r2, float) - line) / (1 - line)


def failed(res: Runs, success: float) -> np.ndarray:
    """[K] True where a member failed: diverged, or explained less than ``success`` of the non-linear part."""
    share = np.array([nonlinear_share(res.r2[i], res.configs[c].target) for i, c in enumerate(res.member_config)])
    return ~(np.isfinite(share) & (share >= success))


def summarize(res: Runs, success: float, rng: np.random.Generator, baseline_fix: str = "as posted"
              ) -> list[dict]:
    """One row per configuration: failure rate with its Wilson interval, median R^2 with IQR and a
    bootstrap interval, and Fisher's p-value against the same target's scaled-X baseline."""

    fail = failed(res, success)
    rows = []
    for i, c in enumerate(res.configs):
        m = res.member_config == i
        rate = stats.failure_rate(fail[m])
        s = stats.median_iqr(res.r2[m])
        lo, hi = stats.bootstrap_median_ci(res.r2[m], rng)
        rows.append(dict(target=c.target, config=c.name, failures=rate.failures, n=rate.n, rate=rate.rate,
                         low=rate.low, high=rate.high, r2_median=s.median, r2_q1=s.q1, r2_q3=s.q3,
                         r2_ci_low=lo, r2_ci_high=hi, diverged=int(res.diverged[m].sum()), failed=fail[m]))
    for r in rows:
        base = next((b for b in rows if b["target"] == r["target"] and b["config"].endswith("| " + baseline_fix)
                     and not b["config"].startswith("raw")), None)
        r["p_vs_baseline"] = (float("nan") if base is None or base is r
                              else stats.fisher_exact(r["failures"], r["n"], base["failures"], base["n"]))
    return rows


def row(rows: list[dict], target: str, config: str) -> dict:
    for r in rows:
        if r["target"] == target and r["config"] == config:
            return r
    raise KeyError((target, config))


def key(target: str, config: str) -> str:
    """A glue/results name for a configuration, e.g. square__scaled_x__y_scaled."""
    from nnfail.glue import key as results_key

    return results_key(f"{target} | {config}")


# Named thresholds of the chapter's own measurements (glued for the prose by glue_thresholds)
STRICT_SUCCESS = 0.9  # a stricter reading of success, to show how lenient P.success is for partial fits
LARGE_LOSS = 0.5  # "quite large": a loss above this share of the target's variance over the last half
OSCILLATION = 2.0  # "oscillating": epoch losses spread more than this many times what fresh samples explain
EDGE = 10.0  # the indicator's edges: within this distance (x units) of 40 or 60
MEAN_REACHED = 0.1  # the output has reached the target's level when the loss is within this share of its variance


def glue_constants(glue, P) -> None:
    """Glue the chapter's named thresholds (ch1_<name>) and the open settings' ranges in words (big_lrs, widths)."""
    for name in ("STRICT_SUCCESS", "LARGE_LOSS", "OSCILLATION", "EDGE", "MEAN_REACHED"):
        glue(f"ch1_{name.lower()}", globals()[name])
    glue("big_lrs", ", ".join(f"{x:g}" for x in P.big_lrs))
    widths = [list(P.hidden)] + [list(w) for w in WIDTH_RANGE if list(w) != list(P.hidden)]
    glue("widths", ", ".join(map(str, widths)))


def _rate_claim(who, quote, says, target, config, kind, against=None, open=()) -> claims.Claim:
    return claims.Claim(key(target, config), who, quote, says, f"{TARGET_LABELS[target]}: {config}",
                        claims.RateRule(kind), against=against, open=open)


WIDTHS_QUOTE = "a few hidden layers with 15-20 neurons"  # the post's networks: the widths it leaves open


def widths(P) -> tuple[tuple[int, ...], ...]:
    """The networks of the post's description the initialization claims are judged on: P.hidden first, then
    the others of WIDTH_RANGE."""
    return (tuple(P.hidden), *(tuple(w) for w in WIDTH_RANGE if list(w) != list(P.hidden)))


def open_settings(P) -> dict[str, claims.Open]:
    """The settings the thread leaves open, each with the range tried and the words that leave it open: the
    decaying rate's start (P.big_lrs), the network (widths(P)), the training length of the scaled-y fix (the
    posted P.outer_epochs, then long_checkpoints(P)) and of training longer as posted (long_checkpoints(P);
    absent when the run has none)."""
    lengths = tuple(long_checkpoints(P))
    out = dict(start=claims.Open("initial learning rate", tuple(P.big_lrs), DECAY_QUOTE),
               network=claims.Open("hidden layers", widths(P), WIDTHS_QUOTE, who="post"),
               epochs=claims.Open("outer epochs", (P.outer_epochs, *lengths), EPOCHS_QUOTE))
    if lengths:
        out["longer"] = claims.Open("outer epochs", lengths, EPOCHS_QUOTE)
    return out


def _declared(P) -> list[tuple[claims.Claim, Callable | None]]:
    """Every claim of the chapter, in the table's order, with where its evidence comes from: for a claim judged
    on the runs' rows, a function of the open setting's value (None for a closed claim) giving (target, the
    row's configuration, the configuration it is contrasted with or None), or a claims.Unavailable; None for
    a claim judged on facts(...)."""
    sq = f"{SCALED} | as posted"
    here = tuple(P.hidden)
    o = open_settings(P)

    def fixed(t, config, against=None):
        return lambda _: (t, config, against)

    def post(says, t, config, kind, quote, against=None):
        return _rate_claim("post", quote, says, t, config, kind, against), fixed(t, config, against)

    def init_row(t, w):  # the larger init at network w, against the same network as posted where it was run
        name = f"{SCALED} | init std 0.5" + ("" if w == here else f" | {width_label(w)}")
        against = sq if t == "notch" or w == here else f"{sq} | {width_label(w)}"
        return t, name, against

    def y_row(e):
        name = (lambda c: c) if e == P.outer_epochs else (lambda c: epochs_name(c, e))
        return "square", name(f"{SCALED} | y scaled"), name(sq)

    out = [
        post("max(0, x-50) is fitted well with raw X", "hinge", "raw X | as posted", "works", "relatively well"),
        post("max(0, x-50) is still fitted well with X/100", "hinge", sq, "works", "does not really change"),
        post("(x-50)^2 is fitted well with raw X", "square", "raw X | as posted", "works", "No scaling"),
        post("(x-50)^2 fails once X is divided by 100", "square", sq, "fails", "destroy completely", "raw X | as posted"),
        post("the indicator is fitted well with raw X", "notch", "raw X | as posted", "works", "No scaling"),
        post("the indicator fails once X is divided by 100", "notch", sq, "fails", "destroy completely",
             "raw X | as posted"),
        (claims.Claim(key("square", f"{sq} | oscillating"), "answer", "an oscillating loss that is quite large",
                      "left as posted, the square's loss stays large and oscillates",
                      f"{TARGET_LABELS['square']}: {sq}", claims.RateRule("fails")), None),
        (_rate_claim("answer", "scaling y as well", "scaling y into [0, 1] fixes (x-50)^2", "square",
                     f"{SCALED} | y scaled", "works", f"{sq}, trained as long", open=o["epochs"]), y_row),
    ]
    for t in ("square", "notch"):
        says = f"as posted, {TARGET_LABELS[t]} is fitted if trained for longer"
        if "longer" in o:
            out.append((_rate_claim("answer", EPOCHS_QUOTE, says, t, f"{sq} | longer", "works",
                                    f"{sq} ({P.outer_epochs} outer epochs)", open=o["longer"]),
                        lambda e, t=t: (t, epochs_name(sq, e), sq)))
        else:
            out.append((_rate_claim("answer", EPOCHS_QUOTE, says, t, f"{sq} | longer", "works", sq),
                        lambda _: claims.Unavailable(f"no run longer than the posted {P.outer_epochs} outer epochs",
                                                     "runs longer than the posted length (long_epochs)")))
    for t, quote, what in (("square", "initial weights to be larger", "(x-50)^2"),
                           ("notch", "scaling up the initial weights does work", "the indicator")):
        against = f"{sq} (the same network)" if t == "square" else f"{sq} ({width_label(here)})"
        out.append((_rate_claim("answer", quote, f"init std 0.5 fixes {what}", t, f"{SCALED} | init std 0.5", "works",
                                against, open=o["network"]), lambda w, t=t: init_row(t, w)))
    out += [
        (claims.Claim("keras_normal_default", "answer", "The default for std in RandomNormal is 0.05",
                      "Keras's 'normal' initializer draws with standard deviation 0.05", "the posted initializer",
                      claims.Check()), None),
        (claims.Claim(key("notch", f"{SCALED} | y scaled"), "answer", "scaling y isn't the issue",
                      "the indicator's failure is not a matter of y's scale", "the indicator", claims.Check()), None),
        (claims.Claim(key("notch", f"{SCALED} | init std 0.5 | edge slope"), "answer",
                      "you need to get those two large-slope bits at 40 and 60",
                      "the larger initial weights work on the indicator by giving it steep edges",
                      f"{TARGET_LABELS['notch']}: {SCALED} | init std 0.5", claims.Compare(higher=True),
                      against=sq), None),
    ]
    for t, what in (("square", "(x-50)^2"), ("notch", "the indicator")):
        out.append((_rate_claim("answer (untried)", DECAY_QUOTE, f"a decaying learning rate helps {what}", t,
                                f"{SCALED} | decaying lr", "works", sq, open=o["start"]),
                    lambda lr, t=t: (t, f"{SCALED} | {decay_name(lr)}", sq)))
    return out


def chapter_claims(P) -> tuple[claims.Claim, ...]:
    """The post's observations and the answer's claims (the quote is the source's phrase; what it says is
    ours). A claim that leaves a setting open is one claim judged at every point of its range (open_settings):
    the decaying rate per start, the larger initial weights per network of the post's description, scaling
    y and training longer per training length."""
    return tuple(c for c, _ in _declared(P))


def _points(c: claims.Claim) -> tuple:
    """The values of a claim's one open setting, or (None,) for a closed claim."""
    return c.open[0].values if c.open else (None,)


def claim_rows(P) -> list[tuple[str, str]]:
    """Every (target, configuration) row that the claims judged on runs read, the contrasted rows included."""
    out = []
    for c, at in _declared(P):
        for where in ([] if at is None else map(at, _points(c))):
            if not isinstance(where, claims.Unavailable):
                t, config, against = where
                out += [(t, x) for x in (config, against) if x is not None and (t, x) not in out]
    return out


def is_check(v: claims.Verdict) -> bool:
    """A computed fact (a formula, a library default), tallied apart from the verdicts on evidence."""
    return isinstance(v.claim.rule, claims.Check)


def claims_evidence(rows: list[dict], P, facts: dict) -> dict:
    """Every claim's evidence, by claim id, for claims.judge_all: a claim judged on rows gets each point's row
    failures (per seed, "failed") and those of the row it is contrasted with (Fisher's exact test); the others
    get their entry of ``facts`` (see facts(...): claim id -> (sample, against, evidence text))."""
    by = {(r["target"], r["config"]): r["failed"] for r in rows}

    def evidence(where):
        if isinstance(where, claims.Unavailable):
            return where
        t, config, against = where
        return claims.Evidence(by[(t, config)], None if against is None else by[(t, against)])

    out = dict(facts)
    for c, at in _declared(P):
        if at is not None:
            out[c.id] = {v: evidence(at(v)) for v in _points(c)} if c.open else evidence(at(None))
    return out


def judge_claims(rows: list[dict], P, facts: dict) -> list[claims.Verdict]:
    """Every claim of chapter_claims(P), judged in one loop over its evidence (claims_evidence)."""
    return claims.judge_all(chapter_claims(P), claims_evidence(rows, P, facts))


def range_summary(v: claims.Verdict) -> str:
    """An open claim's verdict in one line: at each point tried, its verdict and failure count; then whether
    the verdict stays the same or where it changes."""
    (o,) = v.claim.open
    parts = [f"{o.text(p[0])}: {pv.label}, {pv.evidence.split(';')[0]}" for p, pv in v.points]
    if v.outcome == claims.DEPENDS:
        tail = f"the verdict changes with the {v.boundary_text()}"
    elif len({pv.outcome for _, pv in v.points}) == 1:
        tail = "the same verdict at every point"
    else:
        tail = f"{v.label} overall ({v.decides})"
    return "; ".join(parts) + f"; {tail}"


def tally(verdicts: Sequence[claims.Verdict]) -> dict:
    """The counts the prose quotes: outcomes of the verdicts on evidence (evidence_<count>) and the post's
    observations that reproduce (post_claims, in words); the computed facts (n_checks, n_checks_hold) are
    glued with the verdicts (claims.glue_verdicts)."""
    evidence = [v for v in verdicts if not is_check(v)]
    post = [v for v in verdicts if v.claim.who == "post"]
    return {**{f"evidence_{k}": n for k, n in claims.count(evidence).items()},
            "post_claims": f"{sum(v.outcome == claims.REPRODUCES for v in post)} of the post's {len(post)} "
                           "observations reproduce"}


def ranges(verdicts: Sequence[claims.Verdict]) -> dict:
    """Each claim judged over an open setting, in one line (range_summary), keyed range__<claim id>."""
    return {f"range__{v.claim.id}": range_summary(v) for v in verdicts if v.claim.open}


def keras_normal_stddev() -> float:
    """The standard deviation Keras's 'normal' initializer (the post's kernel_initializer) draws with."""
    import keras

    return float(keras.initializers.get("normal").get_config()["stddev"])


def facts(runs: Runs, P, stddev: float) -> dict:
    """Evidence for the claims that are not a failure rate of one row (see judge_claims): the oscillating loss
    of the square as posted, the library default, the indicator's range and the steepness of its edges."""
    sq = config_index(runs.configs, "square", f"{SCALED} | as posted")
    osc = oscillation(runs, sq, P.samples_per_epoch)
    top = target_moments("notch")[2]
    init5 = runs.member_config == config_index(runs.configs, "notch", f"{SCALED} | init std 0.5")
    posted = runs.member_config == config_index(runs.configs, "notch", f"{SCALED} | as posted")
    start = np.median(edge_slope(runs.init_pred[init5]))
    return {
        key("square", f"{SCALED} | as posted | oscillating"): (
            osc["stuck"] & osc["oscillating"], None,
            f"a seed counts when its loss over the last half stays above {LARGE_LOSS:g} of the target's variance "
            f"({int(osc['stuck'].sum())} of {osc['stuck'].size}) and its epoch losses spread more than "
            f"{OSCILLATION:g} times what fresh samples alone explain ({int(osc['oscillating'].sum())}; median "
            f"ratio {np.median(osc['ratio']):.2f})"),
        "keras_normal_default": (np.isclose(stddev, 0.05), None, f"keras.initializers.get('normal') has stddev "
                                 f"{stddev:g}; the chapter's init_std is {P.init_std:g}"),
        key("notch", f"{SCALED} | y scaled"): (
            top == 1.0, None, f"max |y| of the indicator is {top:g}: y / max|y| is y itself, so the scaled-y rows "
                              "repeat the as-posted ones (a fact of the target, not a measurement)"),
        key("notch", f"{SCALED} | init std 0.5 | edge slope"): (
            edge_slope(runs.pred[init5]), edge_slope(runs.pred[posted]),
            f"steepest slope within {EDGE:g} of 40 or 60, per unit of x; at initialization the larger weights "
            f"give {start:.3g}"),
    }


def oscillation(runs: Runs, config: int, samples_per_epoch: int) -> dict:
    """Per seed of one configuration, over the last half of the outer epochs: the mean training loss (over
    the target's variance), "stuck" where it stays above LARGE_LOSS, and "oscillating" where the epoch losses
    spread (relative standard deviation) more than OSCILLATION times what a network frozen at the final fit
    would show on fresh samples of ``samples_per_epoch`` (the sampling spread of its squared errors)."""
    m = runs.member_config == config
    loss = runs.loss[runs.loss.shape[0] // 2:, m]
    mean = loss.mean(axis=0)
    spread = loss.std(axis=0) / mean
    t = runs.configs[config].target
    err = (runs.pred[m] - TARGETS[t](grid(runs.pred.shape[1]))) ** 2
    sampling = err.std(axis=1) / err.mean(axis=1) / np.sqrt(samples_per_epoch)
    ratio = spread / sampling
    return dict(mean=mean, ratio=ratio, stuck=mean > LARGE_LOSS, oscillating=ratio > OSCILLATION)


def edge_slope(pred: np.ndarray) -> np.ndarray:
    """[K] steepest |slope| of each prediction on grid() within EDGE of 40 or 60 (y per unit of x)."""
    x = grid(pred.shape[-1])
    mid = (x[1:] + x[:-1]) / 2
    near = (np.abs(mid - 40.0) <= EDGE) | (np.abs(mid - 60.0) <= EDGE)
    return (np.abs(np.diff(pred, axis=-1)) / np.diff(x))[:, near].max(axis=-1)


def remarks(runs: Runs, P) -> dict:
    """The numbers behind the answer's side remarks. For the square as posted on scaled inputs: the median
    ratio of its late epoch losses' spread to the spread fresh samples explain (oscillation) and its median
    late loss over the target's variance. For the indicator on scaled inputs, medians over seeds of the
    steepest edge slope (edge_slope): as posted, with init std P.big_init_std at the start and at the end, and
    for the decaying start whose fits are steepest."""
    def med(name, pred=None):
        m = runs.member_config == config_index(runs.configs, "notch", f"{SCALED} | {name}")
        return float(np.median(edge_slope((runs.pred if pred is None else pred)[m])))

    decay = {lr: med(decay_name(lr)) for lr in P.big_lrs}
    best = max(decay, key=decay.get)
    osc = oscillation(runs, config_index(runs.configs, "square", f"{SCALED} | as posted"), P.samples_per_epoch)
    return dict(oscillation_ratio=float(np.median(osc["ratio"])), late_loss=float(np.median(osc["mean"])),
                edge_as_posted=med("as posted"), edge_big_init_start=med("init std 0.5", runs.init_pred),
                edge_big_init=med("init std 0.5"), edge_decay_best_start=best, edge_decay_best=decay[best])


def strict_rates(res: Runs, threshold: float) -> dict:
    """Failure rate of every configuration of ``res`` at another success threshold, keyed like the rows."""
    fail = failed(res, threshold)
    return {key(c.target, c.name): float(fail[res.member_config == i].mean()) for i, c in enumerate(res.configs)}


def mean_reached(runs: Runs, config: int, within: float = MEAN_REACHED) -> np.ndarray:
    """[seeds] the first outer epoch whose training loss is within ``within`` of the target's variance, the
    loss of predicting the mean: when the output has reached the target's level (inf if never)."""
    loss = runs.loss[:, runs.member_config == config]
    hit = loss <= 1 + within
    return np.where(hit.any(axis=0), hit.argmax(axis=0) + 1.0, np.inf)


def config_index(cfgs: Sequence[Config], target: str, name: str) -> int:
    """Position of the configuration called ``name`` for ``target`` in a list of configurations."""
    return next(i for i, c in enumerate(cfgs) if c.target == target and c.name == name)


def mechanism(runs: Runs, P) -> dict:
    """The numbers behind the mechanism for P.target: how linear the as-posted network is at initialization
    on raw and scaled inputs and at the end on scaled inputs (medians over seeds), how far its output has to
    grow (output_growth: the target's standard deviation over the spread of the initial output on scaled
    inputs), how many Adam steps (at P.lr) the output bias alone would need to reach the target mean (also
    as a share of the run's steps), and the outer epoch by which the runs actually reach the mean's loss
    (median over seeds; also in steps)."""
    i_scaled = config_index(runs.configs, P.target, f"{SCALED} | as posted")

    def members(scale_name, pred):
        return pred[runs.member_config == config_index(runs.configs, P.target, f"{scale_name} | as posted")]

    mean_y, std_y, _ = target_moments(P.target)
    init_std = float(np.nanmedian(members(SCALED, runs.init_pred).std(axis=1)))
    reached = float(np.median(mean_reached(runs, i_scaled)))
    return dict(linearity_raw=np.nanmedian(linearity(members("raw X", runs.init_pred))),
                linearity_scaled=np.nanmedian(linearity(members(SCALED, runs.init_pred))),
                final_linearity_scaled=np.nanmedian(linearity(members(SCALED, runs.pred))),
                final_mean_scaled=float(np.nanmedian(members(SCALED, runs.pred).mean(axis=1))),
                target_mean=mean_y, target_std=std_y, init_output_std=init_std,
                output_growth=std_y / P.target_scale / init_std,
                bias_steps_needed=mean_y / P.target_scale / P.lr,
                steps_ratio=mean_y / P.target_scale / P.lr / train_steps(P),
                mean_reached_epoch=reached,
                mean_reached_steps=reached * train_steps(P) / P.outer_epochs)


def phase_rates(res: Runs, success: float, shape: tuple[int, int]) -> np.ndarray:
    """Failure rate of every cell of the phase diagram, [input scales, init stds]."""
    fail = failed(res, success)
    rate = np.array([fail[res.member_config == i].mean() for i in range(len(res.configs))])
    return rate.reshape(shape)


def phase_by_product(rate: np.ndarray, scales: Sequence[float], stds: Sequence[float]) -> dict:
    """Does the failure region follow the product input scale x init std (the scale of the first layer's
    pre-activations)? Cells failing in more than half their seeds against the rest: the largest product
    among failing cells, the smallest among the others, the best single threshold on the product (cells
    below it fail, at or above it work), how many cells lie on its wrong side (0: the product alone separates
    them) and how far, as a factor, the farthest of those lies from it."""
    prod = np.multiply.outer(np.asarray(scales, float), np.asarray(stds, float)).ravel()
    bad = rate.ravel() > 0.5
    cuts = np.sort(prod)
    wrong = [bad & (prod >= c) | ~bad & (prod < c) for c in cuts]  # fails at or above the cut, or works below
    best = int(np.argmin([w.sum() for w in wrong]))
    far = np.abs(np.log(prod[wrong[best]] / cuts[best]))
    return dict(phase_fail_max_product=float(prod[bad].max()) if bad.any() else float("nan"),
                phase_ok_min_product=float(prod[~bad].min()) if (~bad).any() else float("nan"),
                phase_product_cut=float(cuts[best]), phase_product_exceptions=int(wrong[best].sum()),
                phase_exception_factor=float(np.exp(far.max())) if far.size else 1.0,
                phase_failing_cells=int(bad.sum()))


# ------------------------------------------------------------------------------------- Keras side
def post_batches(P):
    """The post's data: a fresh X ~ U(0, 100) for each of P.outer_epochs, P.samples_per_epoch at a time,
    drawn from a generator seeded with P.seed (same parameters, same draws)."""
    rng = np.random.default_rng(P.seed)
    for _ in range(P.outer_epochs):
        yield rng.uniform(X_LOW, X_HIGH, P.samples_per_epoch)


def fit_keras_like_post(model, P) -> np.ndarray:
    """Train a compiled Keras model the way the post does on P.target, X times P.input_scale and y divided by
    P.target_scale: one ``fit`` call per outer epoch on fresh samples (shuffle off so that the engine can
    replay the exact batches). Returns grid predictions in original units."""
    g = TARGETS[P.target]
    for x in post_batches(P):
        model.fit((x * P.input_scale)[:, None], (g(x) / P.target_scale)[:, None], batch_size=P.batch_size,
                  epochs=1, shuffle=False, verbose=0)
    return model.predict(grid()[:, None] * P.input_scale, verbose=0)[:, 0] * P.target_scale


def fit_engine_like_post(weights: list[np.ndarray], activations, P) -> np.ndarray:
    """The same run as fit_keras_like_post (Adam at P.lr), as one engine member started from the same weights."""
    pairs = [(w[None], b[None]) for w, b in zip(weights[0::2], weights[1::2])]
    sizes = (pairs[0][0].shape[1], *[w.shape[2] for w, _ in pairs])
    net = E.MLP(sizes, tuple(activations))
    trainer = E.Trainer(net, E.init_params(net, 1, E.Given(pairs)), E.Adam(P.lr), "mse")
    g = TARGETS[P.target]
    for x in post_batches(P):
        trainer.fit((x * P.input_scale)[:, None], (g(x) / P.target_scale)[:, None], batch_size=P.batch_size)
    return trainer.predict(grid()[:, None] * P.input_scale)[0, :, 0] * P.target_scale


@dataclass(frozen=True)
class Replay:
    """One Keras run and its replay in the engine from the same weights and batches, on the dense grid."""

    truth: np.ndarray
    keras: np.ndarray
    engine: np.ndarray

    @property
    def keras_r2(self) -> float:
        return float(stats.r2(self.keras, self.truth))

    @property
    def gap(self) -> float:
        """Largest difference between the two, in units of the target's standard deviation."""
        return float(np.max(np.abs(self.keras - self.engine)) / self.truth.std())


def replay_keras_run(model, P, outer_epochs: int) -> Replay:
    """Train the compiled Keras ``model`` (the posted network: P.hidden elu layers and a linear output) the
    post's way for ``outer_epochs`` (a quick run shortens the Keras run) and replay the run in the engine
    from the model's initial weights."""
    run = P.replace(outer_epochs=outer_epochs)
    initial = model.get_weights()
    keras_pred = fit_keras_like_post(model, run)
    engine_pred = fit_engine_like_post(initial, ["elu"] * len(P.hidden) + ["linear"], run)
    return Replay(TARGETS[P.target](grid()), keras_pred, engine_pred)
