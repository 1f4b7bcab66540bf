"""The chapter registry: one record per chapter holding everything the code needs to know about it.

Number, slug, title, parameter spec (default, type and allowed values of every parameter, and an
estimate of the work), time budget, the source post it retells, and the doctor checks that name its
cause. ``_toc.yml`` is checked against this list (tests/test_registry.py), the runner looks chapters up
here, the doctor takes its chapter links from here, and the tests parametrize over it. Each chapter's
computations live in ``nnfail.cases.<slug>`` (its ``doctor_case`` builds the broken and fixed model
the doctor is run on); importing this module imports no TensorFlow.

The ``parameters`` cell of each notebook holds the same defaults as literals with a comment giving
their meaning (tests check they agree). ``nnfail run`` and the notebook's first code cell both validate
against these declarations, so a bad value never reaches a kernel or a fit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from nnfail.book.params import Param, ParameterError, Spec

SEED = Param("seed", 0, int, "base seed of every random generator", low=0, high=2**31 - 1)
QUICK = Param("quick", False, bool, "smoke-test sizes: few seeds and epochs (for tests)")


def _scaling_cost(p: Mapping[str, Any]) -> float:
    members = 3 * 16 * p["n_seeds"] + 36 * p["n_phase_seeds"]
    steps = p["outer_epochs"] * math.ceil(p["samples_per_epoch"] / p["batch_size"])
    width = sum(a * b for a, b in zip([1, *p["hidden"]], [*p["hidden"], 1])) / 480
    return 20 + members * steps * 15e-6 * max(width, 0.2)


SCALING = Spec((
    SEED,
    QUICK,
    Param("target", "square", str, "target shown in the figures (the sweep covers all three)",
          choices=("hinge", "square", "notch")),
    Param("input_scale", 0.01, float, "X is multiplied by this in the scaled rows (the post: 1/100)",
          low=0, high=100, low_open=True),
    Param("target_scale", 1.0, float, "y is divided by this in the as-posted rows (the post: 1)",
          low=0, high=1e6, low_open=True),
    Param("init_std", 0.05, float, "std of the posted RandomNormal kernel init (Keras 'normal')",
          low=0, high=10, low_open=True),
    Param("big_init_std", 0.5, float, "the answer's larger init std", low=0, high=10, low_open=True),
    Param("hidden", [15, 15, 15], int, "hidden layer widths (elu)", low=1, high=256, sequence=True,
          min_len=1, max_len=6),
    Param("lr", 1e-3, float, "Adam learning rate as posted (Keras default)", low=0, high=1, low_open=True),
    Param("big_lr", 1e-2, float, "starting Adam learning rate of the decaying-lr fix", low=0, high=1,
          low_open=True),
    Param("lr_decay", 0.01, float, "the decaying rate ends at big_lr times this", low=0, high=1, low_open=True),
    Param("outer_epochs", 50, int, "outer epochs, each a fresh sample and one fit pass", low=1, high=2000),
    Param("samples_per_epoch", 10_000, int, "fresh X ~ U(0, 100) drawn per outer epoch", low=16, high=10**6),
    Param("batch_size", 128, int, "minibatch size", low=1, high=10**6),
    Param("n_seeds", 32, int, "seeds per configuration in the verdict sweep", low=2, high=4096),
    Param("n_phase_seeds", 8, int, "seeds per cell of the phase diagram", low=1, high=1024),
    Param("success", 0.5, float, "a run succeeds when it explains at least this share of the variance "
          "a straight line leaves", low=0, high=1, low_open=True, high_open=True),
), cost=_scaling_cost)

def _unscaled_cost(p: Mapping[str, Any]) -> float:
    # 26 configurations of n_seeds members, most converging within ~40,000 iterations at ~0.4 us per
    # member-iteration; the ones that never converge keep the loop going to max_iter at ~0.2 ms per iteration
    members = 26 * p["n_seeds"] * min(p["max_iter"], 40_000) * 4e-7
    return 15 + members + 2e-4 * p["max_iter"] + p["n_sklearn_seeds"] * 2.5


UNSCALED = Spec((
    SEED,
    QUICK,
    Param("labels", "alt", str, "label vector shown in the figures (the sweep runs both)", choices=("alt", "iris")),
    Param("scaling", "raw", str, "inputs of the baseline: as posted, or standardized",
          choices=("raw", "standardized")),
    Param("loss", "sse", str, "loss of the baseline: squared error (posted) or log-loss", choices=("sse", "logloss")),
    Param("alpha", 0.5, float, "learning rate of the baseline (the post: 0.5)", low=0, high=10, low_open=True),
    Param("optimizer", "gd", str, "optimizer of the baseline (the post: plain gradient descent)",
          choices=("gd", "momentum", "adam")),
    Param("momentum", 0.9, float, "momentum coefficient where momentum is used", low=0, high=1, high_open=True),
    Param("bias_update", "per_unit", str, "bias update of the baseline: per unit, or the post's first shared one",
          choices=("per_unit", "shared")),
    Param("max_iter", 250_000, int, "iteration cap; runs that reach it count as never converging",
          low=100, high=5_000_000),
    Param("target_error", 0.001, float, "stop when the summed squared error falls below this (the post: 0.001)",
          low=0, high=10, low_open=True),
    Param("n_seeds", 64, int, "random initializations per configuration", low=2, high=4096),
    Param("n_sklearn_seeds", 8, int, "MLPClassifier runs per input scaling", low=1, high=256),
), cost=_unscaled_cost)

def _linear_cost(p: Mapping[str, Any]) -> float:
    def flops(sizes):
        return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))

    steps = p["epochs"] * math.ceil(p["n_examples"] / p["batch_size"])
    # seconds per multiply-add at the engine's measured ~84 GFLOP/s on these stacks (the training cell of the
    # fresh-clone build of 2026-12-02: 2.7e13 FLOPs in 320 s; benchmarks/roofline.py has the breakdown)
    per_step = 3 * 2 * p["batch_size"] / 8.4e10
    engine = steps * p["n_seeds"] * per_step * (
        flops([p["n_numbers"], *p["layers"], p["output_units"]]) + flops([1, *p["layers"], p["output_units"]])
        + (2 * p["n_seeds"] + p["n_comment_seeds"]) / p["n_seeds"] * flops([1, *p["relu_layers"], 1]))
    keras = steps * 3e-3 + 5 + 4 * 300 * 4e-3  # the posted fit, and the Keras replays of 300 steps each
    return 15 + engine + keras


LINEAR = Spec((
    SEED,
    QUICK,
    Param("task", "square", str, "task of the Keras reproduction (the sweep runs both)", choices=("sum", "square")),
    Param("n_numbers", 2, int, "how many integers the sum task adds", low=1, high=10),
    Param("largest", 1000, int, "integers are drawn from 1 to this", low=2, high=10**6),
    Param("activation", "relu", str, "activation the commenter added", choices=("relu", "elu", "tanh", "sigmoid")),
    Param("x_norm", "post", str, "inputs of the Keras reproduction: the post's divisor, /largest, or standardized",
          choices=("post", "largest", "standardize")),
    Param("y_norm", "post", str, "targets of the Keras reproduction: the post's divisor or standardized",
          choices=("post", "standardize")),
    Param("layers", [20, 100, 1000], int, "hidden widths of the linear stack", low=1, high=4096, sequence=True,
          min_len=1, max_len=6),
    Param("output_units", 100, int, "width of the stack's last layer (the post: 100)", low=1, high=4096),
    Param("relu_layers", [20, 100, 1000, 100, 20], int, "hidden widths of the commenter's network", low=1,
          high=4096, sequence=True, min_len=1, max_len=8),
    Param("epochs", 500, int, "training epochs", low=1, high=100_000),
    Param("batch_size", 100, int, "minibatch size", low=1, high=100_000),
    Param("n_examples", 1000, int, "training examples", low=10, high=10**6),
    Param("n_seeds", 6, int, "seeds per configuration (6 is the fewest that bound a median at 95%)", low=2,
          high=1024),
    Param("n_comment_seeds", 20, int, "seeds of the commenter's network on the post's inputs (its verdict)",
          low=2, high=4096),
), cost=_linear_cost)

def _coverage_cost(p: Mapping[str, Any]) -> float:
    # measured: 1,000 inits x 400 points x 1,500 steps take about 7 s at width 2 and 25 s at width 16
    per = p["n_inits"] / 1000 * p["sweep_points"] / 400 * p["steps"] / 1500
    widths = sum(5 + 1.3 * w for w in (2, 4, 8, 16)) * 2 + 3 * 7.5
    return 20 + per * widths + p["n_points"] * p["steps"] * 2.5e-7 * 8


COVERAGE = Spec((
    SEED,
    QUICK,
    Param("init", "article", str, "animated starts: the article's good and bad, or two random ones",
          choices=("article", "random")),
    Param("width", 2, int, "hidden units of the animated network when init is random", low=1, high=64),
    Param("optimizer", "adam", str, "optimizer of every run (the article does not say)", choices=("adam", "sgd")),
    Param("lr", 0.05, float, "learning rate of every run", low=0, high=10, low_open=True),
    Param("steps", 1500, int, "full-batch updates per run", low=10, high=200_000),
    Param("n_points", 10_000, int, "data points of the article's runs (the article: 10,000)", low=20, high=10**6),
    Param("sweep_points", 400, int, "data points of the random-initialization sweeps", low=20, high=100_000),
    Param("noise", 1.0, float, "standard deviation of the noise e", low=0, high=100),
    Param("n_inits", 1000, int, "random initializations per width and initializer", low=10, high=100_000),
    Param("good_r2", 0.9, float, "a fit is good when its R^2 on the training data reaches this", low=0, high=1,
          low_open=True, high_open=True),
), cost=_coverage_cost)

def _checklist_cost(p: Mapping[str, Any]) -> float:
    # measured: the 30 pairs take about 100 s with 300-step probes; XOR about 1 ms per epoch per activation
    # for up to a few hundred members
    pairs = 60 * (0.6 + p["probe_steps"] * 0.0035)
    xor = 2 * max(p["budgets"]) * 1e-3 * (1 + p["n_seeds"] / 256)
    # the "going further" sweep: two quick executions of chapter 1 side by side, ~60 s (measured 67 s on
    # 2026-12-01 with another job on the machine); none in quick runs
    sweep = 0 if p["quick"] else 60
    return 20 + pairs + xor + p["n_seeds"] * 0.02 + sweep


CHECKLIST = Spec((
    SEED,
    QUICK,
    Param("n_seeds", 64, int, "seeds per configuration of the post's three examples", low=2, high=4096),
    Param("budgets", [100, 300, 1000, 3000, 10000], int, "XOR training budgets in epochs (the post: 100)",
          low=1, high=10**6, sequence=True, min_len=1, max_len=8),
    Param("units", 2, int, "hidden units of both XOR networks (the post: 2)", low=1, high=64),
    Param("lr", 1e-3, float, "Adam learning rate of the XOR and scaling examples (Keras default)", low=0, high=1,
          low_open=True),
    Param("probe_steps", 300, int, "training steps of the doctor's probe in the benchmark", low=10, high=10_000),
), cost=_checklist_cost)

# the chapter template (chapters/_template.ipynb): not in the book, executed by the tests
TEMPLATE = Spec((SEED, QUICK))


@dataclass(frozen=True)
class Source:
    """The public text a chapter retells (credited and linked on the chapter's page)."""

    title: str
    site: str
    url: str | None  # None where the address was not recovered
    licence: str | None  # None where the text states none
    author: str = "the authors as shown on the linked page"

    @property
    def licence_url(self) -> str | None:
        return LICENCE_URLS.get(self.licence)

    def credit(self) -> str:
        """The Markdown line that opens the chapter: what it retells, where, under which licence."""
        title = f"[{self.title}]({self.url})" if self.url else f"*{self.title}*"
        where = self.site + ("" if self.url else "; its address was not recovered")
        lic = (f", licensed [{self.licence}]({self.licence_url})" if self.licence
               else "; no licence is stated, so we quote at most a short phrase")
        return (f"**Source.** {title} ({where}), by {self.author}{lic}. This chapter retells it in its own "
                f"words and re-implements every experiment in the book's own code.")


@dataclass(frozen=True)
class ChapterInfo:
    number: int
    slug: str  # the notebook is chapters/NN_<slug>.ipynb and its code nnfail/cases/<slug>.py
    title: str  # the notebook's first heading
    spec: Spec
    budget: float  # seconds the default run may take on the book's 2-core machine
    source: Source
    causes: tuple[str, ...] = ()  # doctor checks whose finding names this chapter's cause
    # finer doctor causes ("check/variant") this chapter's page explains, beyond its own causes; a finding
    # links the page of its cause (see page_for)
    pages: tuple[str, ...] = ()

    @property
    def stem(self) -> str:
        return f"{self.number:02d}_{self.slug}"

    @property
    def notebook(self) -> str:
        """Path of the notebook relative to the book root."""
        return f"chapters/{self.stem}.ipynb"

    @property
    def case_module(self) -> str:
        return f"nnfail.cases.{self.slug}"


_DSSE = "a question on Data Science Stack Exchange, with its answers and comments"
_CC_BY_SA_3 = "CC BY-SA 3.0"  # Stack Exchange content posted before May 2018
_CC_BY_SA_4 = "CC BY-SA 4.0"
LICENCE_URLS = {_CC_BY_SA_3: "https://creativecommons.org/licenses/by-sa/3.0/",
                _CC_BY_SA_4: "https://creativecommons.org/licenses/by-sa/4.0/"}

CHAPTERS: tuple[ChapterInfo, ...] = (
    ChapterInfo(0, "checklist", "Start here: a checklist, and a doctor for your own network", CHECKLIST, 240,
                Source("Why is my TensorFlow neural network failing to learn a simple relationship?",
                       "an article dated 2025-01-30", None, None, author="its author (not named in our copy)"),
                pages=("input_scale/unscaled", "input_scale/ratio")),
    ChapterInfo(1, "scaling_disaster", "1. The scaling disaster", SCALING, 180,
                Source("Feature scaling worsens performance?", _DSSE,
                       "https://datascience.stackexchange.com/questions/51687/feature-scaling-worsens-performance", _CC_BY_SA_4),
                causes=("target_scale", "init_scale"), pages=("output_bias", "initial_loss")),
    # 840 s: the comment's network needs 20 seeds for its verdict (issue 15) and 44 members of these wide
    # stacks took ~730 s on this machine on 2026-11-25; 401 s in the fresh-clone build of 2026-12-02 after the
    # engine's unmasked optimizer update (issue 17)
    ChapterInfo(2, "linear_stack", "2. The linear-only Keras stack", LINEAR, 840,
                Source("why multiplication (squares) doesn't work for neural networks?", _DSSE,
                       "https://datascience.stackexchange.com/questions/60170/why-multiplication-squares-doesnt-work-for-neural-networks", _CC_BY_SA_4),
                causes=("nonlinearity",), pages=("target_shape", "input_scale/tiny", "kink_coverage/affine")),
    ChapterInfo(3, "unnormalized_sigmoid", "3. The unnormalized sigmoid network", UNSCALED, 180,
                Source("How to improve my self-written neural network?", _DSSE,
                       "https://datascience.stackexchange.com/questions/20247/how-to-improve-my-self-written-neural-network", _CC_BY_SA_3),
                causes=("input_scale", "saturation"),
                pages=("input_scale/saturating", "output_loss/squared_error_on_labels")),
    ChapterInfo(4, "two_relu_coverage", "4. Two-ReLU coverage", COVERAGE, 240,
                Source("a two-unit ReLU network fitting x^2 - 10 (title not recovered)",
                       "a blog article citing Luis Serrano's video on the universal approximation theorem", None,
                       None, author="its author (not named in our copy)"),
                causes=("kink_coverage", "dead_units")),
)

BY_SLUG: dict[str, ChapterInfo] = {c.slug: c for c in CHAPTERS}

# Parameter specs by slug: the book's chapters plus the template (the tests register fixture chapters here).
SPECS: dict[str, Spec] = {"template": TEMPLATE, **{c.slug: c.spec for c in CHAPTERS}}


def chapter(slug: str) -> ChapterInfo:
    try:
        return BY_SLUG[slug]
    except KeyError:
        raise KeyError(f"no chapter {slug!r}; the book has: {', '.join(BY_SLUG)}") from None


def page_for(cause: str) -> str:
    """The slug of the chapter that explains a doctor cause ("check" or "check/variant"): the chapter that
    lists it among its pages or causes, else the one whose causes name its check, else the checklist."""
    for info in CHAPTERS:
        if cause in info.pages or cause in info.causes:
            return info.slug
    check = cause.split("/", 1)[0]
    for info in CHAPTERS:
        if check in info.causes:
            return info.slug
    return CHAPTERS[0].slug


def sources_page() -> str:
    """The book's sources page (sources.md), written from the registry; a test keeps the file equal to it."""
    lines = ["# Sources", "",
             "Each case study retells a public question, answer or article in the book's own words and "
             "re-implements its experiments in the book's own code. These are the texts, with their "
             "licences; Stack Exchange content is licensed CC BY-SA (3.0 before May 2018, 4.0 after), "
             "which asks for attribution with a link, given here and at the top of each chapter.", ""]
    for c in CHAPTERS:
        lines += [f"## {c.title}", "", c.source.credit(), "", f"Chapter: {{doc}}`chapters/{c.stem}`", ""]
    lines += ["## This book", "",
              "The code (the `nnfail` package, the tests, the code cells of the chapters) is under the MIT "
              "licence (`LICENSE`); the text and figures of the chapters are under CC BY-SA 4.0 "
              "(`LICENSE-text.md`), compatible with the licences of the posts they retell. `CITATION.cff` "
              "says how to cite the book.", ""]
    return "\n".join(lines)


def check(slug: str, namespace: Mapping[str, Any]) -> dict:
    """Validate a chapter's parameters as set in a notebook's namespace; return them normalized.

    Called in the first code cell after the parameters, so papermill, Binder and Colab users get the
    same clear refusal as the command line before any training starts.
    """
    spec = SPECS[slug]
    missing = [p.name for p in spec.params if p.name not in namespace]
    if missing:
        raise ParameterError(f"the parameters cell did not define: {', '.join(missing)}")
    return spec.validate({p.name: namespace[p.name] for p in spec.params}, allow_expensive=True)
