"""Chapter 2, the linear-only Keras stack: Dense(20) -> Dense(100) -> Dense(1000) -> Dense(100) with no
activations fits the sum of two integers but not the square of one.

Data follow the post: integers in [1, largest]; the sum task divides inputs and targets by
largest * n_numbers, the square task by largest ** 2. Errors are measured as the post does: RMSE in
original units after rounding predictions back to integers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnfail import engine as E
from nnfail import claims, plots, replay, stats, tables
from nnfail.params import Params

LR = 1e-3  # Adam's learning rate: Keras's default, as posted


def make_data(task: str, n_examples: int, n_numbers: int, largest: int, rng: np.random.Generator):
    """Integer inputs [n, n_numbers] in [1, largest] and targets [n] in original units."""
    ints = rng.integers(1, largest + 1, size=(n_examples, n_numbers))
    if task == "sum":
        return ints.astype(float), ints.sum(axis=1).astype(float)
    return ints.astype(float), (ints[:, 0] ** 2).astype(float)  # the post squares the first number


def n_inputs(task: str, n_numbers: int) -> int:
    """Integers per example: the sum task adds n_numbers of them, the square task squares one."""
    return n_numbers if task == "sum" else 1


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
    unused_input: bool = False  # a second random integer fed to the network and never used by the target

    def inputs(self, n_numbers: int) -> int:
        """Width of the network's input: the task's integers, plus the unused one."""
        return n_inputs(self.task, n_numbers) + self.unused_input


def reproduction_config(P: Params) -> Config:
    """The Keras reproduction's task and normalization, as the parameters choose them."""
    return Config("", task=P.task, x_norm=P.x_norm, y_norm=P.y_norm)


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
class StackRuns:
    """The members of one architecture trained side by side, n_seeds per configuration."""

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
    init: list | None = None  # initial engine weights

    def of(self, name: str) -> np.ndarray:
        return self.member_config == next(i for i, c in enumerate(self.configs) if c.name == name)


def member_data(P: Params, cfgs: list[Config], rng: np.random.Generator):
    """One data draw per member (its configuration in ``cfgs``): inputs [K, n, d] and targets [K, n] in
    original units, and each member's :class:`Transform`."""
    Xs, ys, trs = [], [], []
    for c in cfgs:
        d = c.inputs(P.n_numbers)
        X, y = make_data(c.task, P.n_examples, d, P.largest, rng)  # the square uses the first column only
        Xs.append(X)
        ys.append(y)
        trs.append(transform(c, X, y, d, P.largest))
    return np.stack(Xs), np.stack(ys), trs


def train(P: Params, cfgs: list[Config], hidden, heads: int, n_seeds, rng: np.random.Generator,
          progress=None, lr: float = LR) -> StackRuns:
    """Train n_seeds members of every configuration (same architecture; n_seeds may give one count per
    configuration) for P.epochs epochs with Keras's defaults: Glorot uniform kernels, zero biases, Adam (at
    rate ``lr``), MSE, shuffled batches of P.batch_size. With heads > 1 every output unit is trained on the
    target (Keras 2's reading of a 1-D target with a wide last layer)."""
    acts = tuple(cfgs[0].activation for _ in hidden) + ("linear",)
    if any(c.activation != cfgs[0].activation for c in cfgs):
        raise ValueError("configurations of one run share the architecture")
    if len({c.inputs(P.n_numbers) for c in cfgs}) > 1:
        raise ValueError("configurations of one run share the input width")
    net = E.MLP((cfgs[0].inputs(P.n_numbers), *hidden, heads), acts)
    member = E.member_configs(len(cfgs), n_seeds)
    X, y, trs = member_data(P, [cfgs[i] for i in member], rng)
    xin = np.stack([t.x(a) for t, a in zip(trs, X)])
    yin = np.stack([t.y(b) for t, b in zip(trs, y)])[:, :, None].repeat(heads, axis=2)
    init = E.init_params(net, member.size, E.GlorotUniform(), rng)
    trainer = E.Trainer(net, init, E.Adam(lr), "mse")
    for _ in range(P.epochs):
        trainer.fit(xin, yin, epochs=1, batch_size=P.batch_size, shuffle=True, rng=rng)
        if progress is not None:
            progress.update(1)
    out = trainer.predict(xin)[:, :, 0]
    pred = np.stack([t.y_back(o) for t, o in zip(trs, out)])
    rmse = np.array([rmse_after_rounding(p, t) if np.isfinite(p).all() else np.nan for p, t in zip(pred, y)])
    return StackRuns(list(cfgs), member, rmse, trainer.history.array(), X, y, pred, trainer.params, trs,
                     trainer.diverged, [(np.array(w), np.array(b)) for w, b in init])


# ------------------------------------------------------------------------------------- the Keras side
def posted_model(d: int, widths, out_units: int):
    """The post's model as its author wrote it: Dense layers without activations, ending in
    Dense(out_units), mean squared error, Adam with Keras's defaults."""
    import keras

    model = keras.Sequential([keras.Input((d,))] + [keras.layers.Dense(w) for w in widths] +
                             [keras.layers.Dense(out_units)])
    model.compile(loss="mean_squared_error", optimizer="adam")
    return model


SHAPE_FITS = (("1-D target, batch 100", False, 100), ("1-D target, batch 32", False, 32),
              ("column target, batch 100", True, 100))


def shape_demo(P: Params, X: np.ndarray, y: np.ndarray, demo_epochs: int) -> dict[str, dict]:
    """What Keras 3 does with the post's Dense(P.output_units) output and a 1-D target, on the sum task's
    data X, y trained for demo_epochs: each fit of SHAPE_FITS either trains (RMSE and spread of unit 0,
    largest gap between units, original units) or raises (the error's telling line)."""
    import keras

    scale = post_scale("sum", P.n_numbers, P.largest)
    demo = {}
    for how, column, bs in SHAPE_FITS:
        keras.utils.set_random_seed(P.seed)
        model = posted_model(X.shape[1], P.layers, P.output_units)
        try:
            model.fit(X / scale, (y / scale)[:, None] if column else y / scale, epochs=demo_epochs,
                      batch_size=bs, verbose=0)
            out = model.predict(X / scale, batch_size=100, verbose=0)
            demo[how] = dict(outcome="trains", rmse=rmse_after_rounding(out[:, 0] * scale, y),
                             spread=float(out[:, 0].std() * scale),
                             heads=float(np.abs(out - out[:, :1]).max() * scale))
        except Exception as err:  # Keras 3 refuses shapes that do not broadcast
            lines = str(err).splitlines()
            telling = next((ln.strip() for ln in lines if "Incompatible shapes" in ln or "Dimensions must" in ln),
                           lines[0])
            demo[how] = dict(outcome=f"{type(err).__name__}: {telling}", rmse=float("nan"), spread=float("nan"),
                             heads=float("nan"))
    return demo


SHAPE_COLUMNS = [  # the table of shape_demo's fits
    ("fit", lambda r: r["how"]), ("outcome", lambda r: r["outcome"]),
    ("RMSE of unit 0 (original units)", lambda r: tables.num(r["rmse"])),
    ("spread of unit 0's predictions", lambda r: tables.num(r["spread"])),
    ("largest gap between output units", lambda r: tables.num(r["heads"])),
]


def shape_table(demo: dict[str, dict]):
    """:func:`shape_demo`'s fits as a table, one row per fit."""
    return tables.markdown([dict(how=h, **v) for h, v in demo.items()], SHAPE_COLUMNS)


def examples_table(X: np.ndarray, y: np.ndarray, pred: np.ndarray, n: int = 8):
    """The first n examples of the Keras reproduction: input, expected, prediction rounded as the post rounds
    it, and the error."""
    return tables.markdown([dict(x=X[i], y=y[i], p=pred[i]) for i in range(n)], [
        ("input", lambda r: ", ".join(f"{v:.0f}" for v in r["x"])), ("expected", lambda r: f"{r['y']:.0f}"),
        ("predicted", lambda r: f"{np.round(r['p']):.0f}"), ("error", lambda r: f"{r['y'] - np.round(r['p']):.0f}"),
    ])


def collapse_check(model, x: np.ndarray) -> float:
    """Largest difference between a trained linear stack's output and the single affine map its kernels
    multiply out to, relative to the largest output."""
    weights = model.get_weights()
    W, b = collapse([(np.float64(weights[i]), np.float64(weights[i + 1])) for i in range(0, len(weights), 2)])
    stack_out = model.predict(x, verbose=0)
    return float(np.max(np.abs(stack_out - (x @ W + b))) / np.max(np.abs(stack_out)))


REPLAY_STEPS = 300  # steps of each Keras replay


def keras_replays(P: Params, steps: int = REPLAY_STEPS) -> list:
    """The chapter's engine configurations replayed in plain Keras from the same initial weights on the same
    batches: the linear stack on both tasks, the commenter's network on the post's inputs and standardized."""
    rng = np.random.default_rng([P.seed, 7])
    cases = [(Config("linear stack, sum", task="sum"), P.layers, P.output_units),
             (Config("linear stack, square"), P.layers, P.output_units)]
    cases += [(c, P.relu_layers, 1) for c in comment_configs(P.activation)[::2]]
    out = []
    for c, hidden, heads in cases:
        d = n_inputs(c.task, P.n_numbers)
        X, y = make_data(c.task, P.n_examples, d, P.largest, rng)
        tr = transform(c, X, y, d, P.largest)
        acts = (c.activation,) * len(hidden) + ("linear",)
        out.append(replay.keras_replay(c.name, (d, *hidden, heads), acts, tr.x(X),
                                       np.repeat(tr.y(y)[:, None], heads, axis=1), batch_size=P.batch_size,
                                       steps=steps, lr=LR, seed=P.seed))
    return out


# ------------------------------------------------------------------------------------- the runs
def comment_configs(activation: str) -> list[Config]:
    """The commenter's nonlinear network on the post's inputs, on inputs / largest, and standardized."""
    return [Config("nonlinear, inputs / largest^2 (the comment)", activation=activation),
            Config("nonlinear, inputs / largest", activation=activation, x_norm="largest"),
            Config("nonlinear, standardized inputs and targets", activation=activation,
                   x_norm="standardize", y_norm="standardize")]


TWO_INPUTS = "nonlinear, a second input never used (the answer's reading)"


def two_input_config(activation: str) -> Config:
    """The commenter's network on the post's inputs fed a second random integer the target ignores, as the
    answer reads the comment's code (in_pattern[1] drawn and never used)."""
    return Config(TWO_INPUTS, activation=activation, unused_input=True)


def single_layer_name(width: int) -> str:
    return f"linear, one hidden layer of {width}"


def simple_configs(activation: str) -> list[Config]:
    """The simple network the answer points to, on the post's inputs and standardized."""
    return [Config("simple network, inputs / largest^2", activation=activation),
            Config("simple network, standardized inputs and targets", activation=activation,
                   x_norm="standardize", y_norm="standardize")]


def n_runs(P: Params) -> int:
    """Engine calls of :func:`train_all` (each trains P.epochs epochs): for a progress bar."""
    return 5 + len(P.single_widths)


def train_all(P: Params, rng: np.random.Generator, progress=None) -> dict[str, StackRuns]:
    """The chapter's runs: the linear stack on the sum (P.n_seeds seeds) and on the square; the commenter's
    nonlinear network in its three input treatments (the comment's own inputs with P.n_claim_seeds, the two
    others with P.n_seeds) and with an unused second input; the post's stack cut to one hidden layer of
    each of P.single_widths; and the answer's simple network on the post's inputs and standardized. Every
    configuration a claim rests on gets P.n_claim_seeds seeds."""
    k = P.n_claim_seeds
    out = {"linear, sum": train(P, [Config("linear stack, sum", task="sum")], P.layers, P.output_units, P.n_seeds,
                                rng, progress),
           "linear, square": train(P, [Config("linear stack, square")], P.layers, P.output_units, k, rng, progress),
           "nonlinear": train(P, comment_configs(P.activation), P.relu_layers, 1, [k, P.n_seeds, P.n_seeds], rng,
                              progress),
           "two inputs": train(P, [two_input_config(P.activation)], P.relu_layers, 1, k, rng, progress)}
    for w in P.single_widths:
        out[f"single {w}"] = train(P, [Config(single_layer_name(w))], [w], P.output_units, k, rng, progress)
    out["simple"] = train(P, simple_configs(P.activation), P.simple_layers, 1, k, rng, progress)
    return out


def still_falling(r: StackRuns, i: int) -> np.ndarray:
    """Per seed of configuration i: True where the training loss was still falling when training stopped, by
    the doctor's rule for a history (more than its ``still_falling`` share over the last quarter of the
    epochs): the run had not converged."""
    from nnfail.doctor.checks import check_training_length

    return np.array([check_training_length(r.loss[:, j]).status == "medium"
                     for j in np.flatnonzero(r.member_config == i)])


def mode_flags(runs: dict[str, StackRuns]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """For every configuration of every run, by name: :func:`still_falling` and :func:`collapsed`."""
    falling, collapses = {}, {}
    for r in runs.values():
        for i, c in enumerate(r.configs):
            falling[c.name], collapses[c.name] = still_falling(r, i), collapsed(r, i)
    return falling, collapses


def collapsed(r: StackRuns, i: int) -> np.ndarray:
    """Per seed of configuration i: True where the run answers with a constant (predictions spread less than
    COLLAPSED of the target's standard deviation; a diverged run counts as collapsed)."""
    m = np.flatnonzero(r.member_config == i)
    spread = np.array([np.nanstd(r.pred[j]) / np.std(r.y[j]) for j in m])
    return ~(spread >= COLLAPSED)


def summarize(runs: dict[str, StackRuns], rng: np.random.Generator) -> list[dict]:
    """One row per configuration, ranked by median RMSE: median and IQR, a bootstrap interval of the
    median (lo, hi), how many diverged, and the per-seed values."""
    rows = []
    for r in runs.values():
        groups = {c.name: r.rmse[r.member_config == i] for i, c in enumerate(r.configs)}
        for i, s in enumerate(stats.summarize_metric(groups, rng)):
            rows.append(dict(config=s["group"], median=s["median"], q1=s["q1"], q3=s["q3"], lo=s["ci_low"],
                             hi=s["ci_high"], n=s["n"], diverged=int(r.diverged[r.member_config == i].sum()),
                             values=groups[s["group"]]))
    rows.sort(key=lambda r: (np.nan_to_num(r["median"], nan=np.inf)))
    return rows


SUMMARY_COLUMNS = [  # the table of summarize's rows
    ("configuration (ranked)", lambda r: r["config"]),
    ("median RMSE [IQR]", lambda r: f"{tables.num(r['median'], 5)} [{tables.num(r['q1'], 5)}, {tables.num(r['q3'], 5)}]"),
    ("95% CI of the median", lambda r: f"[{tables.num(r['lo'], 5)}, {tables.num(r['hi'], 5)}]"),
    ("diverged", lambda r: f"{r['diverged']} of {r['n']}"),
]


POST_SQUARE_RMSE = 75777.3  # the RMSE the post reports for the square
AFFINE_MATCH = 1e-4  # the kernel product must reproduce model.predict to this share of the output's scale
AFFINE_RMSE = 0.1  # ... and the stack's RMSE must be within this share of the best affine fit's
COMMENT = comment_configs("relu")[0].name  # the comment's network on the post's inputs
SQUARE = "linear stack, square"
SIMPLE = [c.name for c in simple_configs("relu")]  # the simple network: post's inputs, standardized


SIMPLE_INPUTS = ("as posted", "standardized")  # the simple network's input treatments, in SIMPLE's order


def claim_list(single_widths) -> tuple[claims.Claim, ...]:
    """The post's, the answer's and the comment's claims. Two leave a setting open and are judged at every
    value tried, each as one claim: the post's single hidden layer leaves its width open (the widths of
    ``single_widths``), and the answer's "start simple" leaves open how the inputs and targets are scaled."""
    return (
        claims.Claim("sum", "post", "the sum comes out perfect", "after rounding, the stack's median RMSE on the "
                     "sum is below one", "linear stack, sum", claims.Bound(1.0)),
        claims.Claim("square", "post", "75777.3", "the square's RMSE after rounding is about the post's figure",
                     SQUARE, claims.Typical(POST_SQUARE_RMSE)),
        claims.Claim("single", "post", "a single hidden layer ... similar results", "the stack cut to one hidden "
                     "layer (no activation) ends with the same error as the full stack", "linear, one hidden layer",
                     claims.Same(), against=SQUARE,
                     open=claims.Open("hidden width", tuple(single_widths), "a single hidden layer")),
        claims.Claim("affine", "answer", "a single linear unit", "without activations the trained stack is one "
                     "affine map, as good as the best straight line and no better", "the Keras reproduction",
                     claims.Check()),
        claims.Claim("still_same", "comment", "still the same", "with an activation on every layer the error is the "
                     "linear stack's (judged run by run: some seeds collapse, the others train)", COMMENT,
                     claims.SameRuns(), against=SQUARE),
        claims.Claim("epochs", "answer", "500 epochs are not enough", "the commenter's network has not converged "
                     "when training stops (its loss still falls, by the doctor's rule for a history)", COMMENT,
                     claims.RateRule("fails")),
        claims.Claim("unused", "answer", "an input you never use", "an unused second input makes the commenter's "
                     "network end with a larger error", TWO_INPUTS, claims.Compare(higher=True), against=COMMENT),
        claims.Claim("simple", "answer", "start simple", "the linked thread's much smaller network fits the square "
                     "better than a straight line", "simple network", claims.Compare(), against=SQUARE,
                     open=claims.Open("inputs and targets", SIMPLE_INPUTS, "start simple")),
    )


CLAIMS = claim_list((20, 100))  # at the default widths
# the claims the reader's question turns on, shown in the page's main flow (the full table sits in a dropdown):
# the sum is exact, the square is the post's figure, the stack is one affine map, the comment's activation is
# "still the same", the answer's "train longer", and the answer's simple network
KEY_CLAIMS = ("sum", "square", "affine", "still_same", "epochs", "simple")


def key_verdicts(verdicts: list[claims.Verdict]) -> list[claims.Verdict]:
    """The verdicts of :data:`KEY_CLAIMS`, in the order judged."""
    return [v for v in verdicts if v.claim.id in KEY_CLAIMS]


def claims_evidence(rows: list[dict], activation: str, collapse_gap: float, keras_rmse: float,
                    best_affine: float, falling: dict[str, np.ndarray], collapses: dict[str, np.ndarray],
                    single_widths=(20, 100)) -> dict:
    """Every claim's evidence, by claim id, for :func:`claims.judge_all`: the runs' rows (their per-seed
    RMSEs), the collapse check of the Keras reproduction, and per configuration the seeds whose loss was still
    falling at the end (``falling``) and the seeds that collapsed to a constant (``collapses``). The open
    claims get one entry per point: each width of ``single_widths``, each input treatment of the simple
    network."""
    by = {r["config"]: r["values"] for r in rows}
    affine_text = (f"kernel product matches model.predict to {collapse_gap:.0e}; RMSE "
                   f"{keras_rmse / best_affine:.3f}x the best affine fit's")

    def modes_text(name):
        c, f = collapses[name], falling[name]
        return f"{int(c.sum())} of {c.size} collapsed, {int(f.sum())} still falling at the end"

    return {
        "sum": (by["linear stack, sum"], None),
        "square": (by[SQUARE], None),
        "single": {w: claims.Evidence(by[single_layer_name(w)], by[SQUARE]) for w in single_widths},
        "affine": ([collapse_gap < AFFINE_MATCH, abs(keras_rmse / best_affine - 1) < AFFINE_RMSE], None, affine_text),
        "still_same": (by[COMMENT], by[SQUARE], f"activation {activation}; " + _median_ratio(by[COMMENT], by[SQUARE])),
        "epochs": (falling[COMMENT], None, f"{int(falling[COMMENT][~collapses[COMMENT]].sum())} of "
                   f"{int((~collapses[COMMENT]).sum())} runs that did not collapse and "
                   f"{int(falling[COMMENT][collapses[COMMENT]].sum())} of {int(collapses[COMMENT].sum())} collapsed "
                   f"ones still falling"),
        "unused": (by[TWO_INPUTS], by[COMMENT], f"two inputs: {modes_text(TWO_INPUTS)}; one: {modes_text(COMMENT)}"),
        "simple": {how: claims.Evidence(by[name], by[SQUARE], modes_text(name))
                   for how, name in zip(SIMPLE_INPUTS, SIMPLE)},
    }


def judge_claims(rows: list[dict], activation: str, collapse_gap: float, keras_rmse: float,
                 best_affine: float, falling: dict[str, np.ndarray], collapses: dict[str, np.ndarray],
                 single_widths=(20, 100)) -> list[claims.Verdict]:
    """Every claim judged in one loop over its evidence (:func:`claims_evidence`)."""
    return claims.judge_all(claim_list(single_widths), claims_evidence(
        rows, activation, collapse_gap, keras_rmse, best_affine, falling, collapses, single_widths))


def _median_ratio(a, b) -> str:
    r, lo, hi = claims.ratio_interval(a, b, seed=0)
    return f"ratio of medians {r:.2g} [{lo:.2g}, {hi:.2g}]"


COLLAPSED = 0.01  # a run collapsed to a constant when its predictions spread less than this share of y's


def hidden_outputs(params, x: np.ndarray, activation: str) -> list[np.ndarray]:
    """One network's hidden-layer outputs [n, width] on inputs x [n, d] (numpy, from engine weights)."""
    h, outs = x, []
    for w, b in params[:-1]:
        h = E.activate(activation, h @ w + b).numpy() if activation != "linear" else h @ w + b
        outs.append(np.asarray(h))
    return outs


def modes(r: StackRuns, i: int, activation: str) -> dict:
    """Configuration i's seeds split into the runs that collapsed to a constant and the rest: the collapsed
    share with its Wilson interval, the median RMSE of each mode, and per hidden layer the median share of
    units that are dead (zero on every training input) in each mode, at the start and at the end."""
    m = np.flatnonzero(r.member_config == i)
    collapsed_ = collapsed(r, i)
    rate = stats.failure_rate(collapsed_)

    def dead(params_of, j):
        x = r.transforms[j].x(r.X[j]).astype(np.float32)
        one = [(np.asarray(w)[j], np.asarray(b)[j]) for w, b in params_of]
        return [float(np.mean(np.all(h <= 0, axis=0))) for h in hidden_outputs(one, x, activation)]

    out = dict(n=int(m.size), collapsed=rate.failures, rate=rate.rate, low=rate.low, high=rate.high)
    for name, sel in (("collapsed", collapsed_), ("trained", ~collapsed_)):
        js = m[sel]
        out[f"{name}_rmse"] = float(np.nanmedian(r.rmse[js])) if js.size else np.nan
        end = np.array([dead(r.params, j) for j in js]) if js.size else np.full((0, 0), np.nan)
        start = np.array([dead(r.init, j) for j in js]) if js.size and r.init is not None else end
        out[f"{name}_dead_end"] = np.median(end, axis=0).tolist() if js.size else []
        out[f"{name}_dead_start"] = np.median(start, axis=0).tolist() if js.size else []
        out[f"{name}_all_dead_layer"] = int(np.sum(np.any(end == 1.0, axis=1))) if js.size else 0
    return out


MODE_COLUMNS = [  # the table of modes_rows's rows
    ("configuration", lambda m: m["config"]),
    ("collapsed to a constant [95% CI]", lambda m: f"{m['collapsed']} of {m['n']}, {tables.pct(m['rate'])} "
                                                   f"{tables.interval(m['low'], m['high'])}"),
    ("median RMSE, collapsed / trained", lambda m: f"{tables.num(m['collapsed_rmse'], 5)} / {tables.num(m['trained_rmse'], 5)}"),
    ("dead first-layer units, start → end: collapsed",
     lambda m: _dead(m, "collapsed")),
    ("trained", lambda m: _dead(m, "trained")),
]


def _dead(m: dict, mode: str) -> str:
    s, e = m[f"{mode}_dead_start"], m[f"{mode}_dead_end"]
    return f"{tables.pct(s[0])} → {tables.pct(e[0])}" if s else "none"


def modes_rows(r: StackRuns, activation: str) -> list[dict]:
    """:func:`modes` for every configuration of a nonlinear run, with the configuration's name."""
    return [dict(config=c.name, **modes(r, i, activation)) for i, c in enumerate(r.configs)]


def weight_steps(r: StackRuns, i: int) -> list[float]:
    """Per layer, the median over configuration i's seeds of |W_end - W_start| / |W_start| (Frobenius): how
    far training moved each layer's kernel."""
    m = np.flatnonzero(r.member_config == i)
    return [float(np.median([np.linalg.norm(w1[j] - w0[j]) / np.linalg.norm(w0[j]) for j in m]))
            for (w0, _), (w1, _) in zip(r.init, r.params)]


def mechanism(r: StackRuns) -> list[dict]:
    """Per nonlinear configuration: the median share of first-layer kinks inside the data, the median
    straight-line R^2 of the learned function, and the largest |input| the network sees."""
    mech = []
    for i, c in enumerate(r.configs):
        m = np.flatnonzero(r.member_config == i)
        cover, lin = [], []
        for j in m:
            x_net = r.transforms[j].x(r.X[j][:, :1])[:, 0]
            W1, b1 = r.params[0][0][j], r.params[0][1][j]
            cover.append(kinks_in_range(W1, b1, x_net.min(), x_net.max()))
            lin.append(stats.line_r2(r.X[j][:, 0], r.pred[j]))
        mech.append(dict(config=c.name, cover=float(np.median(cover)), lin=float(np.nanmedian(lin)),
                         x_max=float(np.max(np.abs(r.transforms[m[0]].x(r.X[m[0]][:, :1]))))))
    return mech


MECH_COLUMNS = [  # the table of mechanism's rows
    ("configuration", lambda d: d["config"]), ("largest |input|", lambda d: tables.num(d["x_max"])),
    ("first-layer kinks inside the data (median)", lambda d: tables.pct(d["cover"])),
    ("straight-line R² of the learned function", lambda d: f"{d['lin']:.4f}"),
]


def plot_fits(runs: dict[str, StackRuns]):
    """The chapter's figure: the median seed's predictions of the linear stack and of each nonlinear
    configuration against x² (left), and their training loss relative to the first epoch, median and IQR over
    seeds (right)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    sq = runs["linear, square"]
    order = np.argsort(sq.X[0][:, 0])
    axes[0].plot(sq.X[0][order, 0], sq.y[0][order], color="black", lw=2, label="x²")
    for name, rr, i in panels(runs):
        j = median_seed(rr, i)
        o = np.argsort(rr.X[j][:, 0])
        axes[0].plot(rr.X[j][o, 0], rr.pred[j][o], lw=1.2, label=name)
        loss = rr.loss[:, rr.member_config == i]
        plots.band(axes[1], np.arange(1, loss.shape[0] + 1), loss / np.nanmax(loss[0]), name, log=True)
    axes[0].set(title="Predictions against x² (median seed of each)", xlabel="x", ylabel="x² (original units)")
    axes[0].legend(fontsize=7)
    axes[1].set(title="Training loss relative to the first epoch", xlabel="epoch",
                ylabel="loss / first-epoch loss (log)")
    axes[1].legend(fontsize=7)
    return fig


def panels(runs: dict[str, StackRuns]) -> list[tuple[str, StackRuns, int]]:
    """(name, run, configuration index) of the linear stack on the square and each nonlinear configuration."""
    nonlinear = runs["nonlinear"]
    return [("linear stack, square", runs["linear, square"], 0)] + \
        [(c.name, nonlinear, i) for i, c in enumerate(nonlinear.configs)]


def median_seed(r: StackRuns, i: int) -> int:
    """The member of configuration i whose RMSE is the median one."""
    m = np.flatnonzero(r.member_config == i)
    return int(m[np.argsort(r.rmse[m])[len(m) // 2]])


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
