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

from nnfail import claims, stats

X_LOW, X_HIGH = 0.0, 100.0

TARGETS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "hinge": lambda x: np.maximum(0.0, x - 50.0),  # max(0, x - 50): the one the post says works
    "square": lambda x: (x - 50.0) ** 2,  # (x - 50)^2
    "notch": lambda x: 1.0 - ((x >= 40.0) & (x <= 60.0)),  # 1 - 1[40 <= x <= 60]
}
TARGET_LABELS = {"hinge": "max(0, x-50)", "square": "(x-50)^2", "notch": "1 - 1[40,60](x)"}


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


def configs(target: str, P) -> list[Config]:
    """The chapter's configurations for one target: {raw X, scaled X} x the answer's fixes, then the
    standard practice (independent of the raw/scaled choice because it standardizes X itself).

    From the parameters ``P``: P.input_scale is the post's division by 100 (the "scaled X" rows);
    P.target_scale divides y in the "as posted" rows (1 = the post); P.init_std and P.lr are the posted
    network's, P.big_init_std, P.big_lr and P.lr_decay the answer's fixes. "y scaled" divides y by max|g|
    so it lands in [0, 1] as the answer suggests.
    """
    mean, std, top = target_moments(target)
    base = Config("", target, init_std=P.init_std, lr=P.lr, y_scale=P.target_scale)
    rows = []
    for xname, xs in (("raw X", 1.0), ("scaled X", P.input_scale)):
        b = replace(base, x_scale=xs)
        variants = {
            "as posted": b,
            "y scaled": replace(b, y_scale=top),
            "init std 0.5": replace(b, init_std=P.big_init_std),
            "decaying lr": replace(b, lr=P.big_lr, decay_rate=P.lr_decay),
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
        from nnfail import engine as E

        return cls(*(E.per_member(cfgs, member, f) for f in ("x_scale", "x_shift", "y_scale", "y_shift")))

    def inputs(self, x: np.ndarray) -> np.ndarray:
        """[K or 1, N] original x -> [K, N, 1] network inputs."""
        return ((x - self.x_shift[:, None]) * self.x_scale[:, None])[:, :, None]

    def targets(self, y: np.ndarray) -> np.ndarray:
        return ((y - self.y_shift[:, None]) / self.y_scale[:, None])[:, :, None]

    def original(self, out: np.ndarray) -> np.ndarray:
        """[K, N, 1] network outputs -> [K, N] in original units."""
        return out[:, :, 0] * self.y_scale[:, None] + self.y_shift[:, None]


def _initial_params(net, cfgs: Sequence[Config], seeds: int, rng: np.random.Generator) -> list:
    """Initial weights of every member; each configuration's seeds draw from the same generator in turn."""
    from nnfail import engine as E

    params = []
    for c in cfgs:
        kernel = E.GlorotUniform() if c.init == "glorot" else E.RandomNormal(c.init_std)
        params.append(E.init_params(net, seeds, kernel, rng, bias=c.out_bias))
    return [(np.concatenate([p[i][0] for p in params]), np.concatenate([p[i][1] for p in params]))
            for i in range(len(net.layers))]


def _fit_like_post(trainer, scaling: _Scaling, targets: list[str], rng: np.random.Generator, P,
                   progress: bool) -> None:
    """The post's loop: each of P.outer_epochs draws fresh X ~ U(0, 100) for every member, one pass in batches."""
    from nnfail.progress import bar as progress_bar

    groups = {t: np.array([tt == t for tt in targets]) for t in set(targets)}
    bar = progress_bar(P.outer_epochs, "outer epochs") if progress else None
    for _ in range(P.outer_epochs):
        x = rng.uniform(X_LOW, X_HIGH, (len(targets), P.samples_per_epoch))
        y = np.empty_like(x)
        for t, mask in groups.items():
            y[mask] = TARGETS[t](x[mask])
        trainer.fit(scaling.inputs(x), scaling.targets(y), epochs=1, batch_size=P.batch_size, progress=bar)
    if bar is not None:
        bar.close()


def train(cfgs: Sequence[Config], seeds: int, rng: np.random.Generator, P, progress: bool = False,
          grid_points: int = 1001) -> Runs:
    """Train ``seeds`` members of every configuration together, the post's way, with the network and
    training length of the parameters ``P`` (P.hidden, P.outer_epochs, P.samples_per_epoch, P.batch_size)."""
    from nnfail import engine as E

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
    _fit_like_post(trainer, scaling, targets, rng, P, progress)
    pred = scaling.original(trainer.predict(xg))
    truth = np.stack([TARGETS[t](grid(grid_points)) for t in targets])
    r2 = np.array([stats.r2(p, t) for p, t in zip(pred, truth)])
    var_y = np.array([TARGETS[t](grid(20001)).var() for t in targets]) / scaling.y_scale ** 2
    loss = trainer.history.array() / var_y[None, :]
    return Runs(list(cfgs), member, r2, loss, pred, trainer.diverged, init_pred)


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


SCALED = "scaled X"  # the rows where X is multiplied by input_scale (the post: divided by 100)

def key(target: str, config: str) -> str:
    """A glue/results name for a configuration, e.g. square__scaled_x__y_scaled."""
    from nnfail.glue import key as results_key

    return results_key(f"{target} | {config}")


def _rate_claim(who, quote, says, target, config, kind, against=None) -> claims.Claim:
    return claims.Claim(key(target, config), who, quote, says, f"{TARGET_LABELS[target]}: {config}",
                        claims.RateRule(kind), against=against and f"{against}")


# The post's observations and the answer's fixes; each a failure-rate claim on one configuration, contrasted
# with the configuration it names (the quote is the source's phrase; what it says is ours).
CLAIMS = (
    _rate_claim("post", "relatively well", "max(0, x-50) is fitted well with raw X", "hinge", "raw X | as posted",
                "works"),
    _rate_claim("post", "does not really change", "max(0, x-50) is still fitted well with X/100", "hinge",
                f"{SCALED} | as posted", "works"),
    _rate_claim("post", "No scaling", "(x-50)^2 is fitted well with raw X", "square", "raw X | as posted", "works"),
    _rate_claim("post", "destroy completely", "(x-50)^2 fails once X is divided by 100", "square",
                f"{SCALED} | as posted", "fails", "raw X | as posted"),
    _rate_claim("post", "No scaling", "the indicator is fitted well with raw X", "notch", "raw X | as posted", "works"),
    _rate_claim("post", "destroy completely", "the indicator fails once X is divided by 100", "notch",
                f"{SCALED} | as posted", "fails", "raw X | as posted"),
    _rate_claim("answer", "scaling y as well", "scaling y into [0, 1] fixes (x-50)^2", "square",
                f"{SCALED} | y scaled", "works", f"{SCALED} | as posted"),
    _rate_claim("answer", "initial weights to be larger", "init std 0.5 fixes (x-50)^2", "square",
                f"{SCALED} | init std 0.5", "works", f"{SCALED} | as posted"),
    _rate_claim("answer", "scaling up the initial weights does work", "init std 0.5 fixes the indicator", "notch",
                f"{SCALED} | init std 0.5", "works", f"{SCALED} | as posted"),
    claims.Claim(key("notch", f"{SCALED} | y scaled"), "answer", "scaling y isn't the issue",
                 "the indicator's failure is not a matter of y's scale", "the indicator", claims.Check()),
    _rate_claim("answer (untried)", "a large initial learning rate with some decay",
                "a larger decaying learning rate helps (x-50)^2", "square", f"{SCALED} | decaying lr", "works",
                f"{SCALED} | as posted"),
    _rate_claim("answer (untried)", "a large initial learning rate with some decay",
                "a larger decaying learning rate helps the indicator", "notch", f"{SCALED} | decaying lr", "works",
                f"{SCALED} | as posted"),
)


def judge_claims(rows: list[dict]) -> list[claims.Verdict]:
    """Each claim of the post and its answer judged on the training runs' rows (per-seed failures in "failed"):
    the configuration's failure rate and, against the configuration it is contrasted with, Fisher's exact
    test. The answer's remark on the indicator is a fact about its range: dividing it by max|y| = 1 leaves
    it unchanged, so its failure cannot be y's scale."""
    by = {(r["target"], r["config"]): r for r in rows}
    verdicts = []
    for c in CLAIMS:
        if isinstance(c.rule, claims.Check):
            top = target_moments("notch")[2]
            verdicts.append(c.judge(top == 1.0, evidence=f"max |y| of the indicator is {top:g}: y / max|y| is y "
                                                        "itself, so the scaled-y rows repeat the as-posted ones"))
            continue
        label, config = c.config.split(": ", 1)
        t = next(k for k, v in TARGET_LABELS.items() if v == label)
        against = by[(t, c.against)]["failed"] if c.against else None
        verdicts.append(c.judge(by[(t, config)]["failed"], against))
    return verdicts


def config_index(cfgs: Sequence[Config], target: str, name: str) -> int:
    """Position of the configuration called ``name`` for ``target`` in a list of configurations."""
    return next(i for i, c in enumerate(cfgs) if c.target == target and c.name == name)


def mechanism(runs: Runs, P) -> dict:
    """The numbers behind the mechanism for P.target: how linear the as-posted network is at initialization
    on raw and scaled inputs (median over seeds), how far its output has to grow (output_growth: the target's
    standard deviation over the spread of the initial output on scaled inputs), and how many Adam steps (at
    P.lr) the output bias alone would need to reach the target mean, also as a share of the run's steps."""
    def members(scale_name):
        return runs.init_pred[runs.member_config == config_index(runs.configs, P.target, f"{scale_name} | as posted")]

    mean_y, std_y, _ = target_moments(P.target)
    init_std = float(np.nanmedian(members(SCALED).std(axis=1)))
    return dict(linearity_raw=np.nanmedian(linearity(members("raw X"))),
                linearity_scaled=np.nanmedian(linearity(members(SCALED))),
                target_mean=mean_y, target_std=std_y, init_output_std=init_std,
                output_growth=std_y / P.target_scale / init_std,
                bias_steps_needed=mean_y / P.target_scale / P.lr,
                steps_ratio=mean_y / P.target_scale / P.lr / train_steps(P))


def phase_rates(res: Runs, success: float, shape: tuple[int, int]) -> np.ndarray:
    """Failure rate of every cell of the phase diagram, [input scales, init stds]."""
    fail = failed(res, success)
    rate = np.array([fail[res.member_config == i].mean() for i in range(len(res.configs))])
    return rate.reshape(shape)


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
    from nnfail import engine as E

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
