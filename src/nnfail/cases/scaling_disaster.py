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
from nnfail.models import Case, mlp

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
    """One configuration: how the data is presented and how the network starts and learns."""

    name: str
    target: str
    x_scale: float = 1.0  # network input = (x - x_shift) * x_scale
    x_shift: float = 0.0
    y_scale: float = 1.0  # network target = (y - y_shift) / y_scale
    y_shift: float = 0.0
    init: str = "normal"  # "normal" (RandomNormal(init_std)) or "glorot"
    init_std: float = 0.05
    out_bias: float = 0.0  # initial output bias (in network-target units)
    lr: float = 1e-3
    decay_rate: float = 1.0  # learning rate multiplied by this over the whole run (1 = constant)


FIXES = ("as posted", "y scaled", "init std 0.5", "decaying lr", "y scaled + init std 0.5",
         "Glorot init", "output bias = mean(y)", "standardized X and y", "standardized + Glorot")


def configs(target: str, input_scale: float = 0.01, target_scale: float = 1.0, init_std: float = 0.05,
            lr: float = 1e-3, big_std: float = 0.5, big_lr: float = 1e-2, big_lr_decay: float = 0.01,
            ) -> list[Config]:
    """The chapter's configurations for one target: {raw X, scaled X} x the answer's fixes, then the
    standard practice (independent of the raw/scaled choice because it standardizes X itself).

    input_scale is the post's division by 100 (the "scaled X" rows); target_scale divides y in the "as posted" rows (1 = the
    post). "y scaled" divides y by max|g| so it lands in [0, 1] as the answer suggests.
    """
    mean, std, top = target_moments(target)
    base = Config("", target, y_scale=target_scale, init_std=init_std, lr=lr)
    rows = []
    for xname, xs in (("raw X", 1.0), ("scaled X", input_scale)):
        b = replace(base, x_scale=xs)
        variants = {
            "as posted": b,
            "y scaled": replace(b, y_scale=top),
            "init std 0.5": replace(b, init_std=big_std),
            "decaying lr": replace(b, lr=big_lr, decay_rate=big_lr_decay),
            "y scaled + init std 0.5": replace(b, y_scale=top, init_std=big_std),
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
class SweepResult:
    configs: list[Config]
    member_config: np.ndarray  # [K] index into configs
    r2: np.ndarray  # [K] R^2 on the dense grid, original units (NaN if diverged)
    loss: np.ndarray  # [epochs, K] training loss divided by the target variance (NaN if diverged)
    pred: np.ndarray  # [K, G] predictions on grid() in original units
    diverged: np.ndarray  # [K]
    init_pred: np.ndarray  # [K, G] predictions at initialization, original units


def run_sweep(cfgs: Sequence[Config], n_seeds: int, rng: np.random.Generator, hidden=(15, 15, 15),
              outer_epochs: int = 50, samples_per_epoch: int = 10_000, batch_size: int = 128,
              progress: bool = False, grid_points: int = 1001) -> SweepResult:
    """Train n_seeds members of every configuration together, the post's way: each outer epoch draws
    fresh X ~ U(0, 100) for every member and makes one pass in batches."""
    from nnfail import engine as E

    net = E.MLP((1, *hidden, 1), ("elu",) * len(hidden) + ("linear",))
    k = len(cfgs) * n_seeds
    member = np.repeat(np.arange(len(cfgs)), n_seeds)
    col = lambda f: np.array([getattr(cfgs[i], f) for i in member], np.float64)  # noqa: E731
    x_scale, x_shift, y_scale, y_shift = col("x_scale"), col("x_shift"), col("y_scale"), col("y_shift")
    params = []
    for c in cfgs:  # each configuration's seeds draw from the same generator in turn
        kernel = E.GlorotUniform() if c.init == "glorot" else E.RandomNormal(c.init_std)
        params.append(E.init_params(net, n_seeds, kernel, rng, bias=c.out_bias))
    params = [(np.concatenate([p[i][0] for p in params]), np.concatenate([p[i][1] for p in params]))
              for i in range(len(net.layers))]
    steps = outer_epochs * -(-samples_per_epoch // batch_size)
    opt = E.Adam(lr=col("lr"), decay_rate=col("decay_rate"), decay_steps=steps)
    trainer = E.Trainer(net, params, opt, "mse")
    targets = [cfgs[i].target for i in member]
    groups = {t: np.array([tt == t for tt in targets]) for t in set(targets)}
    var_y = np.array([TARGETS[t](grid(20001)).var() for t in targets]) / y_scale ** 2

    g = grid(grid_points)
    xg = ((g[None, :] - x_shift[:, None]) * x_scale[:, None])[:, :, None]
    init_pred = trainer.predict(xg)[:, :, 0] * y_scale[:, None] + y_shift[:, None]

    from nnfail.progress import bar as progress_bar

    bar = progress_bar(outer_epochs, "outer epochs") if progress else None
    for _ in range(outer_epochs):
        x = rng.uniform(X_LOW, X_HIGH, (k, samples_per_epoch))
        y = np.empty_like(x)
        for t, mask in groups.items():
            y[mask] = TARGETS[t](x[mask])
        xin = ((x - x_shift[:, None]) * x_scale[:, None])[:, :, None]
        yin = ((y - y_shift[:, None]) / y_scale[:, None])[:, :, None]
        trainer.fit(xin, yin, epochs=1, batch_size=batch_size, progress=bar)
    if bar is not None:
        bar.close()
    pred = trainer.predict(xg)[:, :, 0] * y_scale[:, None] + y_shift[:, None]
    truth = np.stack([TARGETS[t](g) for t in targets])
    r2 = np.array([stats.r2(pred[i], truth[i]) for i in range(k)])
    loss = trainer.history.array() / var_y[None, :]
    return SweepResult(list(cfgs), member, r2, loss, pred, trainer.diverged, init_pred)


# ------------------------------------------------------------------------------------- mechanism
def best_line_r2(target: str) -> float:
    """R^2 of the least-squares straight line to g on [0, 100]: what a linear network can reach."""
    x = grid(20001)
    return stats.line_r2(x, TARGETS[target](x))


def linearity(pred: np.ndarray) -> np.ndarray:
    """R^2 of the best straight line to each row of pred over grid(): 1 = the function is a line."""
    x = grid(pred.shape[-1])
    return np.array([stats.line_r2(x, p) for p in pred])


def phase_configs(target: str, input_scales: Sequence[float], init_stds: Sequence[float]) -> list[Config]:
    return [Config(f"s={s:g}, std={d:g}", target, x_scale=s, init_std=d) for s in input_scales for d in init_stds]


# ------------------------------------------------------------------------------------- verdicts
def nonlinear_share(r2: np.ndarray, target: str) -> np.ndarray:
    """Share of the variance a straight line leaves that the fit explains: (R2 - R2_line) / (1 - R2_line).
    1 is a perfect fit, 0 is no better than the best line (or a constant, for symmetric targets)."""
    line = best_line_r2(target)
    return (np.asarray(r2, float) - line) / (1 - line)


def failed(res: SweepResult, success: float) -> np.ndarray:
    """[K] True where a member failed: diverged, or explained less than ``success`` of the non-linear part."""
    share = np.array([nonlinear_share(res.r2[i], res.configs[c].target) for i, c in enumerate(res.member_config)])
    return ~(np.isfinite(share) & (share >= success))


def summarize(res: SweepResult, success: float, rng: np.random.Generator, baseline_fix: str = "as posted"
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
                        claims.Rate(kind), against=against and f"{against}")


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
    """Each claim of the post and its answer judged on the sweep's rows (per-seed failures in "failed"):
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
    """Position of the configuration called ``name`` for ``target`` in a sweep's configurations."""
    return next(i for i, c in enumerate(cfgs) if c.target == target and c.name == name)


def mechanism(sweep: SweepResult, target: str, target_scale: float, lr: float, steps: int) -> dict:
    """The numbers behind the mechanism: how linear the as-posted network is at initialization on raw and
    scaled inputs (median over seeds), how far its output has to grow (output_growth: the target's standard
    deviation over the spread of the initial output on scaled inputs), and how many Adam steps the
    output bias alone would need to reach the target mean."""
    def members(scale_name):
        return sweep.init_pred[sweep.member_config == config_index(sweep.configs, target, f"{scale_name} | as posted")]

    mean_y, std_y, _ = target_moments(target)
    init_std = float(np.nanmedian(members(SCALED).std(axis=1)))
    return dict(linearity_raw=np.nanmedian(linearity(members("raw X"))),
                linearity_scaled=np.nanmedian(linearity(members(SCALED))),
                target_mean=mean_y, target_std=std_y, init_output_std=init_std,
                output_growth=std_y / target_scale / init_std,
                bias_steps_needed=mean_y / target_scale / lr,
                steps_ratio=mean_y / target_scale / lr / steps)


def phase_rates(res: SweepResult, success: float, shape: tuple[int, int]) -> np.ndarray:
    """Failure rate of every cell of the phase diagram, [input scales, init stds]."""
    fail = failed(res, success)
    rate = np.array([fail[res.member_config == i].mean() for i in range(len(res.configs))])
    return rate.reshape(shape)


# ------------------------------------------------------------------------------------- Keras side
def post_batches(data_seed: int, outer_epochs: int, samples_per_epoch: int):
    """The post's data: a fresh X ~ U(0, 100) for every outer epoch (same seed, same draws)."""
    rng = np.random.default_rng(data_seed)
    for _ in range(outer_epochs):
        yield rng.uniform(X_LOW, X_HIGH, samples_per_epoch)


def fit_keras_like_post(model, target: str, x_scale: float, y_scale: float, outer_epochs: int,
                        samples_per_epoch: int, batch_size: int, data_seed: int):
    """Train a compiled Keras model the way the post does: one ``fit`` call per outer epoch on fresh
    samples (shuffle off so that the engine can replay the exact batches). Returns grid predictions
    in original units."""
    g = TARGETS[target]
    for x in post_batches(data_seed, outer_epochs, samples_per_epoch):
        model.fit((x * x_scale)[:, None], (g(x) / y_scale)[:, None], batch_size=batch_size, epochs=1,
                  shuffle=False, verbose=0)
    return model.predict(grid()[:, None] * x_scale, verbose=0)[:, 0] * y_scale


def fit_engine_like_post(weights: list[np.ndarray], activations, target: str, x_scale: float,
                         y_scale: float, lr: float, outer_epochs: int, samples_per_epoch: int,
                         batch_size: int, data_seed: int) -> np.ndarray:
    """The same run as fit_keras_like_post, as one engine member started from the same weights."""
    from nnfail import engine as E

    pairs = [(w[None], b[None]) for w, b in zip(weights[0::2], weights[1::2])]
    sizes = (pairs[0][0].shape[1], *[w.shape[2] for w, _ in pairs])
    net = E.MLP(sizes, tuple(activations))
    trainer = E.Trainer(net, E.init_params(net, 1, E.Given(pairs)), E.Adam(lr), "mse")
    g = TARGETS[target]
    for x in post_batches(data_seed, outer_epochs, samples_per_epoch):
        trainer.fit((x * x_scale)[:, None], (g(x) / y_scale)[:, None], batch_size=batch_size)
    return trainer.predict(grid()[:, None] * x_scale)[0, :, 0] * y_scale


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


def replay_keras_run(model, activations, target: str, x_scale: float, y_scale: float, lr: float,
                     outer_epochs: int, samples_per_epoch: int, batch_size: int, data_seed: int) -> Replay:
    """Train the compiled Keras ``model`` the post's way and replay the run in the engine from the
    model's initial weights (``activations``: one per layer, output included)."""
    initial = model.get_weights()
    run = dict(target=target, x_scale=x_scale, y_scale=y_scale, outer_epochs=outer_epochs,
               samples_per_epoch=samples_per_epoch, batch_size=batch_size, data_seed=data_seed)
    keras_pred = fit_keras_like_post(model, **run)
    engine_pred = fit_engine_like_post(initial, activations, lr=lr, **run)
    return Replay(TARGETS[target](grid()), keras_pred, engine_pred)


# ------------------------------------------------------------------ the doctor's broken/fixed pair
def doctor_case(fixed: bool, rng, target="square", input_scale=0.01, target_scale=1.0, init_std=0.05,
                hidden=(15, 15, 15), lr=1e-3, n=10_000) -> Case:
    """Chapter 1: the posted elu network on X*input_scale and unscaled y; fixed: standardized X and y
    with Keras's default (Glorot) initializer."""
    import keras

    x = rng.uniform(X_LOW, X_HIGH, n)
    y = TARGETS[target](x) / target_scale
    if fixed:
        return Case(mlp(1, hidden, "elu", optimizer=keras.optimizers.Adam(lr), rng=rng),
                    stats.standardize(x)[:, None], stats.standardize(y))
    normal = keras.initializers.RandomNormal(stddev=init_std, seed=int(rng.integers(2**31 - 1)))
    return Case(mlp(1, hidden, "elu", kernel=normal, optimizer=keras.optimizers.Adam(lr), rng=rng),
                (x * input_scale)[:, None], y)
