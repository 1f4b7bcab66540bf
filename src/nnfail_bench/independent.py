"""An independent pair set for the doctor: broken/fixed Keras models written from the bug categories of
published studies, not from the book's chapters.

The book's own pairs (:mod:`nnfail_bench.pairs`) come from the same chapters as the doctor's rules, so
scoring well on them shows only that the rules capture what the book measured. These pairs are written
from the fault and symptom categories of four studies of real training failures:

- AUTOTRAINER (Zhang et al., ICSE 2021): vanishing and exploding gradients, dying ReLU, oscillating loss,
  slow convergence;
- DeepDiagnosis (Wardat et al., ICSE 2022): exploding tensors, unchanged weights, saturated activations,
  dead nodes, out-of-range outputs, loss not decreasing;
- TheDeepChecker (Ben Braiek and Khomh, TOSEM 2023): unnormalized data, bad initial weights, activations,
  loss and its inputs;
- the defect taxonomies of Humbatova et al. (ICSE 2020) and DeepFD (Cao et al., ICSE 2022): wrong loss,
  wrong activation, learning rate, optimizer, weight initialization, data preprocessing, label encoding.

Each pair injects exactly one fault into an otherwise healthy model (the fixed twin), on data the book does
not use (scikit-learn's bundled data sets and a synthetic benchmark function), written with plain
``keras.Sequential`` as a reader would. Every pair names the doctor checks whose **high** finding counts as
naming the injected cause. The set was written and committed before any of the doctor's thresholds were
tuned on it; :data:`HEALTHY` adds models with no fault, which count only towards false alarms.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from nnfail.models import Case, seed_keras
from nnfail.stats import standardize


@dataclass(frozen=True)
class IndependentPair:
    name: str
    category: str  # the fault or symptom, in the words of the study it comes from
    study: str
    expect: tuple[str, ...]  # doctor checks whose high finding names the injected cause
    build: Callable[[bool, np.random.Generator], Case]
    fault: str  # what the broken model does; the fixed twin does not


@dataclass(frozen=True)
class Healthy:
    name: str
    build: Callable[[np.random.Generator], Case]


# ------------------------------------------------------------------------------------------------ data
def _diabetes():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, scaled=False)  # the raw clinical units: age, bmi, blood values
    return X, y


def _cancer():
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(return_X_y=True)


def _wine():
    from sklearn.datasets import load_wine

    return load_wine(return_X_y=True)


def _digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def _friedman(rng, n=1500):
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=n, n_features=6, noise=0.3, random_state=int(rng.integers(2**31 - 1)))
    return standardize(X), standardize(y)


def _net(rng, n_in, layers, loss="mse", optimizer=None):
    """A compiled keras.Sequential from (units, activation, options) triples, seeded from ``rng``."""
    import keras

    seed_keras(rng)
    model = keras.Sequential([keras.Input((n_in,))]
                             + [keras.layers.Dense(u, activation=a, **(o or {})) for u, a, o in layers])
    model.compile(loss=loss, optimizer=optimizer if optimizer is not None else keras.optimizers.Adam(1e-3))
    return model


def _one_hot(y, k):
    return np.eye(k)[np.asarray(y, dtype=int)]


# ----------------------------------------------------------------------------------------------- pairs
def _raw_clinical(fixed, rng):
    X, y = _diabetes()
    X = standardize(X) if fixed else X
    return Case(_net(rng, 10, [(32, "relu", None), (32, "relu", None), (1, None, None)]), X, standardize(y))


def _raw_into_sigmoid(fixed, rng):
    X, y = _cancer()
    X = standardize(X) if fixed else X
    return Case(_net(rng, 30, [(16, "sigmoid", None), (1, "sigmoid", None)], loss="binary_crossentropy"), X,
                y.astype(float))


def _raw_target(fixed, rng):
    X, y = _diabetes()
    return Case(_net(rng, 10, [(32, "relu", None), (32, "relu", None), (1, None, None)]), standardize(X),
                standardize(y) if fixed else y)


def _far_output_bias(fixed, rng):
    import keras

    X, y = _friedman(rng)
    out = None if fixed else dict(bias_initializer=keras.initializers.Constant(2000.0))
    return Case(_net(rng, 6, [(32, "relu", None), (32, "relu", None), (1, None, out)]), X, y)


def _linear_hidden(fixed, rng):
    X, y = _friedman(rng)
    act = "relu" if fixed else None
    return Case(_net(rng, 6, [(64, act, None), (64, act, None), (1, None, None)]), X, y)


def _cce_on_linear(fixed, rng):
    import keras

    X, y = _wine()
    out = "softmax" if fixed else None
    return Case(_net(rng, 13, [(16, "relu", None), (3, out, None)], loss=keras.losses.CategoricalCrossentropy()),
                standardize(X), _one_hot(y, 3))


def _softmax_then_logits(fixed, rng):
    import keras

    X, y = _digits()
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=not fixed)
    return Case(_net(rng, 64, [(32, "relu", None), (10, "softmax", None)], loss=loss), X, y.astype(float))


def _adam_lr_one(fixed, rng):
    import keras

    X, y = _digits()
    opt = keras.optimizers.Adam(1e-3 if fixed else 1.0)
    return Case(_net(rng, 64, [(64, "relu", None), (64, "relu", None), (10, "softmax", None)],
                     loss="sparse_categorical_crossentropy", optimizer=opt), X, y.astype(float))


def _sgd_tiny_lr(fixed, rng):
    import keras

    X, y = _wine()
    opt = keras.optimizers.SGD(0.05 if fixed else 1e-5)
    return Case(_net(rng, 13, [(16, "tanh", None), (3, "softmax", None)], loss="sparse_categorical_crossentropy",
                     optimizer=opt), standardize(X), y.astype(float))


def _negative_biases(fixed, rng):
    import keras

    X, y = _friedman(rng)
    h = None if fixed else dict(bias_initializer=keras.initializers.Constant(-3.0))
    return Case(_net(rng, 6, [(64, "relu", h), (64, "relu", h), (64, "relu", h), (1, None, None)]), X, y)


def _deep_sigmoid(fixed, rng):
    X, y = _friedman(rng)
    act = "relu" if fixed else "sigmoid"
    return Case(_net(rng, 6, [(32, act, None)] * 10 + [(1, None, None)]), X, y)


def _exploding_init(fixed, rng):
    import keras

    X, y = _friedman(rng)
    k = dict(kernel_initializer="he_normal" if fixed else keras.initializers.RandomNormal(stddev=1.0))
    return Case(_net(rng, 6, [(64, "relu", k)] * 6 + [(1, None, k)]), X, y)


def _huge_logits(fixed, rng):
    import keras

    X, y = _cancer()
    k = dict(kernel_initializer="glorot_uniform" if fixed else keras.initializers.RandomNormal(stddev=3.0))
    return Case(_net(rng, 30, [(32, "relu", k), (32, "relu", k), (1, "sigmoid", k)], loss="binary_crossentropy"),
                standardize(X), y.astype(float))


def _tanh_huge_init(fixed, rng):
    import keras

    X, y = _friedman(rng)
    k = dict(kernel_initializer="glorot_uniform" if fixed else keras.initializers.RandomNormal(stddev=8.0))
    return Case(_net(rng, 6, [(64, "tanh", k), (64, "tanh", k), (1, None, None)]), X, y)


def _uncentered_1d(fixed, rng):
    x = rng.uniform(2.0, 4.0, 600)  # hours, say: positive and far from 0 relative to its spread
    y = standardize(np.sin(3.0 * x))
    x_in = (x - x.mean()) / x.std() if fixed else x
    return Case(_net(rng, 1, [(32, "relu", None), (1, None, None)]), x_in[:, None], y)


def _constant_kernels(fixed, rng):
    import keras

    X, y = _diabetes()
    k = None if fixed else dict(kernel_initializer=keras.initializers.Constant(0.05))
    return Case(_net(rng, 10, [(32, "relu", k), (32, "relu", k), (1, None, None)]), standardize(X), standardize(y))


def _tiny_init(fixed, rng):
    import keras

    X, y = _friedman(rng)
    k = None if fixed else dict(kernel_initializer=keras.initializers.RandomNormal(stddev=1e-3))
    return Case(_net(rng, 6, [(32, "tanh", k)] * 4 + [(1, None, None)]), X, y)


def _bce_regression(fixed, rng):
    X, y = _friedman(rng)
    return Case(_net(rng, 6, [(32, "relu", None), (1, None, None)], loss="mse" if fixed else "binary_crossentropy"),
                X, y)


def _labels_one_two(fixed, rng):
    X, y = _cancer()
    return Case(_net(rng, 30, [(16, "relu", None), (1, "sigmoid", None)], loss="binary_crossentropy"), standardize(X),
                y.astype(float) + (0.0 if fixed else 1.0))


def _two_targets_one_output(fixed, rng):
    X, y = _friedman(rng)
    Y = np.column_stack([y, standardize(X[:, 0] * X[:, 1])])
    return Case(_net(rng, 6, [(32, "relu", None), (2 if fixed else 1, None, None)]), X, Y)


def _units_twice_converted(fixed, rng):
    X, y = _diabetes()
    X = standardize(X) * (1.0 if fixed else 1e-5)
    return Case(_net(rng, 10, [(32, "relu", None), (32, "relu", None), (1, None, None)]), X, standardize(y))


def _raw_wine(fixed, rng):
    X, y = _wine()
    return Case(_net(rng, 13, [(32, "relu", None), (3, "softmax", None)], loss="sparse_categorical_crossentropy"),
                standardize(X) if fixed else X, y.astype(float))


def _tanh_output(fixed, rng):
    X, y = _diabetes()
    return Case(_net(rng, 10, [(32, "relu", None), (1, None if fixed else "tanh", None)]), standardize(X),
                standardize(y))


def _momentum_too_high(fixed, rng):
    import keras

    X, y = _friedman(rng)
    opt = keras.optimizers.SGD(0.01, momentum=0.9) if fixed else keras.optimizers.SGD(0.5, momentum=0.99)
    return Case(_net(rng, 6, [(32, "relu", None), (32, "relu", None), (1, None, None)], optimizer=opt), X, y)


_ATR, _DD, _TDC, _TAX = ("AUTOTRAINER", "DeepDiagnosis", "TheDeepChecker", "Humbatova et al. / DeepFD")

PAIRS: list[IndependentPair] = [
    IndependentPair("diabetes, raw clinical units", "unnormalized input", _TDC, ("input_scale",),
                    _raw_clinical, "the ten features in their own units (blood values in the hundreds)"),
    IndependentPair("breast cancer, raw features into sigmoid units", "saturated activation", _DD,
                    ("input_scale", "saturation"), _raw_into_sigmoid, "features up to ~4000 into a sigmoid layer"),
    IndependentPair("diabetes, raw disease-progression target", "unnormalized target", _TDC,
                    ("target_scale", "output_bias"), _raw_target, "y in its own units (mean ~150, std ~77)"),
    IndependentPair("output bias started at 2000", "bad initial weights (output bias)", _TDC, ("output_bias",),
                    _far_output_bias, "bias_initializer=Constant(2000) on a standardized target"),
    IndependentPair("Friedman #1 through linear hidden layers", "missing activation", _TAX, ("nonlinearity",),
                    _linear_hidden, "two Dense(64) hidden layers without activation"),
    IndependentPair("wine, categorical cross-entropy on a linear output", "wrong output activation", _TAX,
                    ("output_loss",), _cce_on_linear, "Dense(3) with no softmax, loss expects probabilities"),
    IndependentPair("digits, softmax output and from_logits=True", "wrong loss configuration", _TAX,
                    ("output_loss",), _softmax_then_logits, "the softmax is applied twice"),
    IndependentPair("digits, Adam learning rate 1.0", "exploding tensor / oscillating loss", _ATR,
                    ("loss_curve", "update_ratio"), _adam_lr_one, "Adam(1.0) instead of Adam(1e-3)"),
    IndependentPair("wine, SGD learning rate 1e-5", "slow convergence", _ATR, ("loss_curve", "update_ratio"),
                    _sgd_tiny_lr, "SGD(1e-5) instead of SGD(0.05)"),
    IndependentPair("relu 64-64-64 with biases -3", "dying ReLU", _ATR, ("dead_units",), _negative_biases,
                    "bias_initializer=Constant(-3) on every hidden layer"),
    # "gradient_flow" added after the set was committed: the doctor had no vanishing-gradient check then
    IndependentPair("ten sigmoid layers", "vanishing gradient", _ATR,
                    ("saturation", "update_ratio", "loss_curve", "gradient_flow"), _deep_sigmoid,
                    "ten Dense(32, sigmoid) layers (the twin: relu)"),
    IndependentPair("relu x6 with RandomNormal(1) kernels", "exploding gradient", _ATR,
                    ("init_scale", "initial_loss"), _exploding_init, "stddev 1 kernels (He: ~0.18)"),
    IndependentPair("breast cancer, RandomNormal(3) kernels", "bad initial weights (huge logits)", _TDC,
                    ("init_scale", "initial_loss"), _huge_logits, "stddev 3 kernels before a sigmoid output"),
    IndependentPair("tanh 64-64 with RandomNormal(8) kernels", "saturated activation", _DD,
                    ("init_scale", "saturation"), _tanh_huge_init, "stddev 8 kernels, ~60x the Glorot scale"),
    IndependentPair("1-D ReLU on an uncentered input", "dead node / no kink in the data", _DD,
                    ("kink_coverage", "dead_units"), _uncentered_1d, "x in [2, 4] with every kink at 0"),
    IndependentPair("diabetes, constant 0.05 kernels", "bad initial weights (symmetry)", _TAX, ("init_scale",),
                    _constant_kernels, "kernel_initializer=Constant(0.05): all units identical"),
    IndependentPair("tanh x4 with RandomNormal(1e-3) kernels", "vanishing gradient (tiny init)", _ATR,
                    ("init_scale",), _tiny_init, "stddev 1e-3 kernels in four tanh layers"),
    IndependentPair("Friedman #1 with binary cross-entropy", "wrong loss function", _TAX, ("output_loss",),
                    _bce_regression, "binary cross-entropy on a standardized regression target"),
    IndependentPair("breast cancer labels 1/2", "wrong label encoding", _TAX, ("output_loss",), _labels_one_two,
                    "labels 1 and 2 with a sigmoid and binary cross-entropy"),
    IndependentPair("two target columns, one output unit", "output shape mismatch", _TAX, ("target_shape",),
                    _two_targets_one_output, "Dense(1) output for a two-column y"),
    IndependentPair("diabetes features converted twice (x 1e-5)", "unnormalized input (tiny)", _TDC,
                    ("input_scale",), _units_twice_converted, "standardized features times 1e-5"),
    IndependentPair("wine, raw features", "unnormalized input", _TDC, ("input_scale",), _raw_wine,
                    "the thirteen features in their own units (proline ~750)"),
    IndependentPair("diabetes, tanh output on a standardized target", "out-of-range output activation", _DD,
                    ("output_loss",), _tanh_output, "a tanh output for y reaching beyond 1"),
    IndependentPair("SGD lr 0.5 with momentum 0.99", "oscillating loss", _ATR, ("loss_curve", "update_ratio"),
                    _momentum_too_high, "SGD(0.5, momentum=0.99) instead of SGD(0.01, momentum=0.9)"),
]


# --------------------------------------------------------------------------------------------- healthy
def _healthy_cancer(rng):
    X, y = _cancer()
    return Case(_net(rng, 30, [(16, "relu", None), (1, "sigmoid", None)], loss="binary_crossentropy"), standardize(X),
                y.astype(float))


def _healthy_wine(rng):
    X, y = _wine()
    return Case(_net(rng, 13, [(16, "tanh", None), (3, "softmax", None)], loss="sparse_categorical_crossentropy"),
                standardize(X), y.astype(float))


def _healthy_friedman(rng):
    X, y = _friedman(rng)
    return Case(_net(rng, 6, [(64, "elu", None), (64, "elu", None), (1, None, None)]), X, y)


def _healthy_digits(rng):
    X, y = _digits()
    return Case(_net(rng, 64, [(64, "relu", None), (10, "softmax", None)], loss="categorical_crossentropy"), X,
                _one_hot(y, 10))


HEALTHY: list[Healthy] = [
    Healthy("breast cancer, standardized, relu 16, sigmoid output", _healthy_cancer),
    Healthy("wine, standardized, tanh 16, softmax", _healthy_wine),
    Healthy("Friedman #1, standardized, elu 64-64", _healthy_friedman),
    Healthy("digits in [0, 1], relu 64, softmax, one-hot", _healthy_digits),
]


# ------------------------------------------------------------------------------------------------ runs
@dataclass(frozen=True)
class IndependentOutcome:
    pair: IndependentPair
    broken: object  # doctor.Report
    fixed: object

    @property
    def detected(self) -> bool:
        """A high finding of a check that names the injected cause."""
        return any(self.broken.has(c, at_least="high") for c in self.pair.expect)

    @property
    def false_alarm(self) -> bool:
        return bool(self.fixed.severities()["high"])

    def row(self) -> dict:
        return dict(pair=self.pair.name, category=self.pair.category, study=self.pair.study,
                    expect=" or ".join(self.pair.expect), detected=self.detected,
                    broken_high=", ".join(r.check for r in self.broken.findings if r.status == "high"),
                    fixed_high=", ".join(r.check for r in self.fixed.findings if r.status == "high"),
                    seconds=max(self.broken.seconds, self.fixed.seconds))


def pair_rng(seed: int, group: int, index: int) -> np.random.Generator:
    """The generator a model of the set is built from: group 0 the pairs, 1 the healthy models; index its
    place in PAIRS or HEALTHY (so a subset builds the same models as the whole set)."""
    return np.random.default_rng([seed, 31, group, index])


def run(seed: int = 0, pairs=None, healthy=None, **kw) -> tuple[list[IndependentOutcome], list]:
    """The doctor on every pair's broken and fixed model and on every healthy model, each built from its own
    seeded generator (the same one in a subset). Returns (outcomes, [(healthy, report)])."""
    from nnfail import doctor

    outcomes = []
    for p in PAIRS if pairs is None else pairs:
        reports = []
        for fixed in (False, True):
            case = p.build(fixed, pair_rng(seed, 0, PAIRS.index(p)))
            reports.append(doctor.diagnose(case.model, case.X, case.y, seed=seed, **kw))
        outcomes.append(IndependentOutcome(p, *reports))
    well = []
    for h in HEALTHY if healthy is None else healthy:
        case = h.build(pair_rng(seed, 1, HEALTHY.index(h)))
        well.append((h, doctor.diagnose(case.model, case.X, case.y, seed=seed, **kw)))
    return outcomes, well


def rates(outcomes: list[IndependentOutcome], well: list) -> dict:
    """Detection on the broken models; false alarms on the fixed twins and the healthy models together."""
    from nnfail.stats import failure_rate

    return dict(detection=failure_rate([o.detected for o in outcomes]),
                false_alarm=failure_rate([o.false_alarm for o in outcomes]
                                         + [bool(r.severities()["high"]) for _, r in well]))


def quick_set() -> tuple[list[IndependentPair], list[Healthy]]:
    """A smoke-test subset: the first pair of each of four kinds of fault (data, activation, optimizer,
    initialization) and one healthy model."""
    names = ("diabetes, raw clinical units", "wine, categorical cross-entropy on a linear output",
             "digits, Adam learning rate 1.0", "diabetes, constant 0.05 kernels")
    return [p for p in PAIRS if p.name in names], HEALTHY[:1]


def measured_effect() -> dict | None:
    """The committed output of ``validation/independent_effect.py`` (date, command, seeds, epochs and, per pair,
    whether its fault measurably hurt training), or None when it was never measured."""
    import json
    from importlib import resources

    try:
        text = resources.files("nnfail_bench").joinpath("independent_effect.json").read_text()
    except FileNotFoundError:
        return None
    data = json.loads(text)
    data["worse"] = {row["pair"]: row["worse"] for row in data["pairs"]}
    return data


def table_rows(outcomes: list[IndependentOutcome], well: list, effect: dict | None) -> list[dict]:
    """One row per pair and per healthy model, with whether the fault was measured to hurt training."""
    hurts = (effect or {}).get("worse", {})
    rows = []
    for o in outcomes:
        r = o.row()
        r["hurts"] = "not measured" if o.pair.name not in hurts else ("yes" if hurts[o.pair.name] else "no")
        rows.append(r)
    for h, report in well:
        rows.append(dict(pair=h.name, category="none (healthy)", study="", expect="", detected=None, hurts="",
                         broken_high="", fixed_high=", ".join(r.check for r in report.findings if r.status == "high"),
                         seconds=report.seconds))
    return rows


def glued(outcomes: list[IndependentOutcome], well: list, effect: dict | None) -> dict:
    """The numbers the checklist chapter glues: detection and false alarms with Wilson intervals, and the
    detection on the pairs whose fault the validation measured to hurt training."""
    out = {}
    for name, r in rates(outcomes, well).items():
        out.update({f"ind_{name}__{k}": v for k, v in dict(rate=r.rate, low=r.low, high=r.high, count=r.failures,
                                                             n=r.n).items()})
    hurts = (effect or {}).get("worse", {})
    measured = [o for o in outcomes if o.pair.name in hurts]
    confirmed = [o.detected for o in measured if hurts[o.pair.name]]
    out.update(ind_measured=len(measured), ind_hurt=len(confirmed), ind_not_hurt=len(measured) - len(confirmed),
               ind_confirmed_detected=sum(confirmed),
               ind_effect_date=(effect or {}).get("date", "never"), ind_effect_seeds=(effect or {}).get("n", 0),
               ind_effect_epochs=(effect or {}).get("epochs", 0),
               ind_slowest=max([o.row()["seconds"] for o in outcomes] + [r.seconds for _, r in well]))
    return out


def table(outcomes: list[IndependentOutcome], well: list, effect: dict | None):
    """The chapter's table: one row per pair and per healthy model."""
    from nnfail import tables

    return tables.markdown(table_rows(outcomes, well, effect), [
        ("model", lambda r: r["pair"]),
        ("fault (study)", lambda r: r["category"] + (f" ({r['study']})" if r["study"] else "")),
        ("cause (check)", lambda r: r["expect"] or "none"),
        ("hurts training", lambda r: r["hurts"] or "n/a"),
        ("detected (high)", lambda r: "n/a" if r["detected"] is None else ("yes" if r["detected"] else "**no**")),
        ("high findings on the broken model", lambda r: r["broken_high"] or "none"),
        ("high findings on the fixed or healthy model", lambda r: r["fixed_high"] or "none")])
