"""The doctor's benchmark: broken/fixed Keras models built from the book's cases and their variations.

Each :class:`Pair` builds a *broken* model with its data and the *fixed* one (the same story with the
chapter's fix applied), and names the doctor check(s) whose finding counts as finding the root cause.
The book's own pairs call each chapter's ``doctor_case`` (in ``nnfail.chapters.<slug>.pair``) with its
default parameters; the variations change one of them. (A chapter runs the doctor on its own pair at its own
parameters with ``nnfail.chapters.<slug>.pair.diagnose``.)

Detection: the broken model raises a finding (any severity) of an expected check. False alarm: the
fixed model raises any high-severity finding.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from nnfail import doctor
from nnfail.chapters import BY_SLUG
from nnfail.chapters.linear_stack import pair as linear_stack_pair
from nnfail.chapters.scaling_disaster import pair as scaling_disaster_pair
from nnfail.chapters.two_relu_coverage import pair as two_relu_coverage_pair
from nnfail.chapters.unnormalized_sigmoid import pair as unnormalized_sigmoid_pair
from nnfail.models import Case, mlp
from nnfail.stats import Rate, failure_rate, standardize


# -------------------------------------------------------------------------------------- the pair set
@dataclass(frozen=True)
class Pair:
    name: str
    chapter: str
    expect: tuple[str, ...]
    book: bool  # the chapter's own broken model at its default parameters
    build: Callable[[bool, np.random.Generator], Case]
    note: str


def _capacity(fixed, rng):
    """Capacity: one ReLU unit cannot fit a parabola even on 16 points; fixed: 32 units."""
    x = rng.uniform(-1.7, 1.7, 256)
    return Case(mlp(1, (32,) if fixed else (1,), "relu", rng=rng), x[:, None], standardize(x ** 2))


def _regression(rng, n=2000, d=3):
    X = rng.normal(size=(n, d))
    return X, standardize(np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2])


def _dead(fixed, rng):
    import keras

    X, y = _regression(rng)
    bias = "zeros" if fixed else keras.initializers.Constant(-6.0)
    return Case(mlp(3, (16, 16), "relu", bias=bias, rng=rng), X, y)


def _zero_init(fixed, rng):
    X, y = _regression(rng)
    return Case(mlp(3, (16, 16), "tanh", kernel="glorot_uniform" if fixed else "zeros", rng=rng), X, y)


def _big_init(fixed, rng):
    import keras

    X, y = _regression(rng)
    kernel = "glorot_uniform" if fixed else keras.initializers.RandomNormal(stddev=10.0)
    return Case(mlp(3, (32, 32), "tanh", kernel=kernel, rng=rng), X, y)


def _classes(rng, n=1000):
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(float)


def _bce_linear(fixed, rng):
    import keras

    X, y = _classes(rng)
    loss = keras.losses.BinaryCrossentropy(from_logits=True) if fixed else "binary_crossentropy"
    return Case(mlp(2, (16, 16), "relu", loss=loss, rng=rng), X, y)


def _double_sigmoid(fixed, rng):
    import keras

    X, y = _classes(rng)
    loss = keras.losses.BinaryCrossentropy(from_logits=not fixed)
    return Case(mlp(2, (16, 16), "relu", out_activation="sigmoid", loss=loss, rng=rng), X, y)


def _softmax_one(fixed, rng):
    X, y = _classes(rng)
    return Case(mlp(2, (16, 16), "relu", out_activation="sigmoid" if fixed else "softmax",
                    loss="binary_crossentropy", rng=rng), X, y)


def _sigmoid_regression(fixed, rng):
    X, y = _regression(rng)
    return Case(mlp(3, (16, 16), "relu", out_activation=None if fixed else "sigmoid", rng=rng), X, 3 * y)


def _relu_output(fixed, rng):
    X, y = _regression(rng)
    return Case(mlp(3, (16, 16), "relu", out_activation=None if fixed else "relu", rng=rng), X, y)


def _lr(fixed, rng, big: float, good: float = 1e-2):
    import keras

    X, y = _regression(rng)
    return Case(mlp(3, (16, 16), "relu", optimizer=keras.optimizers.SGD(good if fixed else big), rng=rng), X, y)


def _offset(fixed, rng):
    X, y = _regression(rng)
    return Case(mlp(3, (16, 16), "relu", rng=rng), X, y if fixed else 1000 + 10 * y)


def _mixed(fixed, rng):
    """Seed 003's third example: two features, one in the thousands and one in tenths; a single Dense unit."""
    X = np.array([[1000, 0.1], [2000, 0.2], [3000, 0.3]]) * rng.uniform(0.9, 1.1, (3, 2))
    y = np.array([1.0, 2.0, 3.0])
    return Case(mlp(2, (), rng=rng), standardize(X) if fixed else X, y)


def _raw_iris(fixed, rng):
    from sklearn.datasets import load_iris

    iris = load_iris()
    X, y = iris.data, (iris.target == 2).astype(float)
    return Case(mlp(4, (8,), "tanh", out_activation="sigmoid", loss="binary_crossentropy", rng=rng),
                standardize(X) if fixed else X * 10, y)


def _linear_sine(fixed, rng):
    x = rng.uniform(-3, 3, 2000)
    return Case(mlp(1, (64, 64), "tanh" if fixed else None, rng=rng), x[:, None], np.sin(2 * x))


PAIRS: list[Pair] = [
    # chapter 1
    Pair("ch1 (x-50)^2, X/100, y raw", "scaling_disaster", ("target_scale",), True,
         lambda f, r: scaling_disaster_pair.doctor_case(f, r), "fix: standardize X and y, Glorot init"),
    Pair("ch1 max(0,x-50), X/100, y raw", "scaling_disaster", ("target_scale",), False,
         lambda f, r: scaling_disaster_pair.doctor_case(f, r, target="hinge"), "fix: standardize X and y, Glorot init"),
    Pair("ch1 notch, X/100, 'normal' init", "scaling_disaster", ("init_scale",), False,
         lambda f, r: scaling_disaster_pair.doctor_case(f, r, target="notch"), "fix: standardize X and y, Glorot init"),
    Pair("ch1 (x-50)^2 on [20, 20] elu, y/10", "scaling_disaster", ("target_scale",), False,
         lambda f, r: scaling_disaster_pair.doctor_case(f, r, hidden=(20, 20), target_scale=10.0), "fix: standardize, Glorot"),
    # chapter 2
    Pair("ch2 linear stack, square", "linear_stack", ("nonlinearity",), True,
         lambda f, r: linear_stack_pair.doctor_case(f, r), "fix: relu, Dense(1), standardized X and y"),
    Pair("ch2 linear stack, sum", "linear_stack", ("nonlinearity",), False,
         lambda f, r: linear_stack_pair.doctor_case(f, r, task="sum"), "fix: relu, Dense(1), standardized X and y"),
    Pair("ch2 Dense(100) output, 1-D target", "linear_stack", ("target_shape",), False,
         lambda f, r: linear_stack_pair.doctor_case(f, r, task="sum", linear=False, x_div=1000.0),
         "fix: Dense(1) output"),
    Pair("ch2 relu stack on inputs / 1e6", "linear_stack", ("input_scale",), False,
         lambda f, r: linear_stack_pair.doctor_case(f, r, linear=False, out=1), "fix: standardized X and y"),
    Pair("linear 64-64 stack on sin(2x)", "linear_stack", ("nonlinearity",), False, _linear_sine,
         "fix: tanh hidden layers"),
    # chapter 3
    Pair("ch3 2-3-1 sigmoid, raw iris rows", "unnormalized_sigmoid", ("input_scale",), True,
         lambda f, r: unnormalized_sigmoid_pair.doctor_case(f, r), "fix: standardized inputs"),
    Pair("ch3 iris labels", "unnormalized_sigmoid", ("input_scale",), False,
         lambda f, r: unnormalized_sigmoid_pair.doctor_case(f, r, labels="iris"), "fix: standardized inputs"),
    Pair("ch3 tanh hidden layer", "unnormalized_sigmoid", ("input_scale",), False,
         lambda f, r: unnormalized_sigmoid_pair.doctor_case(f, r, activation="tanh"), "fix: standardized inputs"),
    Pair("iris in mm, tanh 4-8-1", "unnormalized_sigmoid", ("input_scale",), False, _raw_iris,
         "fix: standardized inputs"),
    # chapter 4
    Pair("ch4 article's bad start", "two_relu_coverage", ("kink_coverage",), True,
         lambda f, r: two_relu_coverage_pair.doctor_case(f, r), "fix: the article's good start"),
    Pair("ch4 SGD, bad start", "two_relu_coverage", ("kink_coverage",), False,
         lambda f, r: two_relu_coverage_pair.doctor_case(f, r, optimizer="sgd", lr=1e-3), "fix: the article's good start"),
    Pair("ch4 four units all facing right", "two_relu_coverage", ("kink_coverage",), False,
         lambda f, r: two_relu_coverage_pair.doctor_case(f, r, broken_init=([0.5, 1.0, 1.5, 2.0], [0.0, 0.0, 0.0, 0.0])),
         "fix: the article's good start"),
    Pair("ch4 both kinks right of the data", "two_relu_coverage", ("kink_coverage", "dead_units"), False,
         lambda f, r: two_relu_coverage_pair.doctor_case(f, r, broken_init=([1.0, 2.0], [-12.0, -30.0])),
         "fix: the article's good start"),
    Pair("relu 16-16 with biases -6", "two_relu_coverage", ("dead_units",), False, _dead, "fix: zero biases"),
    # the checklist's other causes
    Pair("seed 003: features 1000s and 0.1s", "checklist", ("input_scale",), False, _mixed,
         "fix: StandardScaler"),
    Pair("one hidden ReLU unit for a parabola", "checklist", ("overfit_batch",), False, _capacity, "fix: 32 units"),
    Pair("all-zero kernels, tanh 16-16", "checklist", ("init_scale",), False, _zero_init, "fix: Glorot init"),
    Pair("RandomNormal(10) kernels, tanh 32-32", "checklist", ("init_scale", "saturation"), False, _big_init,
         "fix: Glorot init"),
    Pair("BCE on a linear output", "checklist", ("output_loss",), False, _bce_linear, "fix: from_logits=True"),
    Pair("from_logits after a sigmoid", "checklist", ("output_loss",), False, _double_sigmoid,
         "fix: from_logits=False"),
    Pair("softmax over one unit", "checklist", ("output_loss",), False, _softmax_one, "fix: sigmoid output"),
    Pair("sigmoid output, y beyond (0, 1)", "checklist", ("output_loss",), False, _sigmoid_regression,
         "fix: linear output"),
    Pair("relu output, negative targets", "checklist", ("output_loss",), False, _relu_output,
         "fix: linear output"),
    Pair("SGD learning rate 3", "checklist", ("loss_curve", "update_ratio"), False,
         lambda f, r: _lr(f, r, big=3.0), "fix: learning rate 0.01"),
    Pair("SGD learning rate 1e-8", "checklist", ("update_ratio", "loss_curve"), False,
         lambda f, r: _lr(f, r, big=1e-8), "fix: learning rate 0.01"),
    Pair("targets offset by 1000", "checklist", ("target_scale", "output_bias"), False, _offset,
         "fix: centered y"),
]


def pair(name: str) -> Pair:
    """The pair called ``name``."""
    for p in PAIRS:
        if p.name == name:
            return p
    raise KeyError(f"no pair {name!r}; pairs: {[p.name for p in PAIRS]}")


@dataclass(frozen=True)
class PairOutcome:
    pair: Pair
    broken: doctor.Report
    fixed: doctor.Report

    @property
    def detected(self) -> bool:
        return any(self.broken.has(c) for c in self.pair.expect)

    @property
    def false_alarm(self) -> bool:
        return bool(self.fixed.severities()["high"])

    def row(self) -> dict:
        return dict(pair=self.pair.name, chapter=BY_SLUG[self.pair.chapter].title,
                    expect=" or ".join(self.pair.expect), book=self.pair.book, detected=self.detected,
                    broken_findings=", ".join(f"{r.check} ({r.status})" for r in self.broken.findings),
                    fixed_high=", ".join(r.check for r in self.fixed.findings if r.status == "high"),
                    fixed_other=", ".join(f"{r.check} ({r.status})" for r in self.fixed.findings
                                          if r.status != "high"),
                    seconds=max(self.broken.seconds, self.fixed.seconds))


def quick_set() -> list[Pair]:
    """A small subset for smoke runs: the book's own pairs, then the first pair that expects each check
    not yet covered, so every check the pair set exercises is exercised once."""
    chosen = [p for p in PAIRS if p.book]
    for check in doctor.CHECKS:
        if not any(check in p.expect for p in chosen):
            first = next((p for p in PAIRS if check in p.expect), None)
            if first is not None:
                chosen.append(first)
    return sorted(chosen, key=PAIRS.index)


def run_pairs(seed: int = 0, pairs=None, probe: bool = True, **kw) -> list[PairOutcome]:
    """Diagnose every pair's broken and fixed model, each built from its own seeded generator (the same
    one whether the pair runs in the whole set or a subset)."""
    outcomes = []
    for pair in PAIRS if pairs is None else pairs:
        reports = []
        for fixed in (False, True):
            case = pair.build(fixed, np.random.default_rng([seed, PAIRS.index(pair)]))
            reports.append(doctor.diagnose(case.model, case.X, case.y, probe=probe, seed=seed, **kw))
        outcomes.append(PairOutcome(pair, *reports))
    return outcomes


def rates(outcomes: list[PairOutcome]) -> dict[str, Rate]:
    """Detection on the broken models, false alarms on the fixed ones, detection on the book's own."""
    return dict(detection=failure_rate([o.detected for o in outcomes]),
                false_alarm=failure_rate([o.false_alarm for o in outcomes]),
                book_detection=failure_rate([o.detected for o in outcomes if o.pair.book]))


def detection_by_check(outcomes: list[PairOutcome]) -> dict[str, str]:
    """For each check that some pair expects: "k of n" broken models on which it was detected."""
    found = {}
    for check in doctor.CHECKS:
        mine = [o for o in outcomes if check in o.pair.expect]
        if mine:
            found[check] = f"{sum(o.detected for o in mine)} of {len(mine)}"
    return found
