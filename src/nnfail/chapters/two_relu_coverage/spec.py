"""Chapter 4, two-ReLU coverage: its parameters (default, type, allowed values, meaning), the estimate of the
work a parameter set asks for, its time budget, the source it retells and the doctor causes it explains.

Imports no TensorFlow: `nnfail list` and the runner read it."""
from __future__ import annotations

from typing import Any, Mapping

from nnfail.params import QUICK, SEED, ChapterSpec, Param, Source, Spec


def _cost(p: Mapping[str, Any]) -> float:
    # measured alone on 2026-12-07: 1,000 inits x 400 points x 1,500 steps take 5.9 s at width 2 and 15.4 s at
    # width 16 (train_inits, 128 full-batch epochs to an engine call); the law trains 4 widths x 2 initializers,
    # the fixes 4 rules at width 2 to 4x the steps (one run shared with the law; 61.7 s in all, 4.1 s per
    # run-length); the article's Adam runs take 1x and 4x the steps on its points; its plain gradient descent,
    # the replays, the imports and the figures about 32 s whatever the sizes. The default run took 185 s alone
    # (benchmarks/chapter_profile.py --run 4 --full).
    per = p["n_inits"] / 1000 * p["sweep_points"] / 400 * p["steps"] / 1500
    widths = sum(4.5 + 0.68 * w for w in (2, 4, 8, 16)) * 2 + (4 * 4 - 1) * 4.1
    return 32 + per * widths + p["n_points"] * p["steps"] * 1e-6


PARAMS = Spec((
    SEED,
    QUICK,
    Param("init", "article", str, "animated starts: the article's good and bad, or two random ones",
          choices=("article", "random")),
    Param("width", 2, int, "hidden units of the animated network when init is random", low=1, high=64),
    Param("optimizer", "adam", str, "optimizer of every run (the article does not say)", choices=("adam", "sgd")),
    Param("lr", 0.05, float, "learning rate of every run", low=0, high=10, low_open=True),
    Param("steps", 1500, int, "full-batch updates per run", low=10, high=200_000),
    Param("n_points", 10_000, int, "data points of the article's runs (the article: 10,000)", low=20, high=10**6),
    Param("sweep_points", 400, int, "data points of the random-initialization runs", low=20, high=100_000),
    Param("noise", 1.0, float, "standard deviation of the noise e", low=0, high=100),
    Param("n_inits", 1000, int, "random initializations per width and initializer", low=10, high=100_000),
    Param("good_r2", 0.9, float, "a fit is good when its R^2 on the training data reaches this", low=0, high=1,
          low_open=True, high_open=True),
), cost=_cost)


CHAPTER = ChapterSpec(
    4, "two_relu_coverage", "4. Two-ReLU coverage", PARAMS, 220,
    Source("a two-unit ReLU network fitting x^2 - 10 (title not recovered)",
           "a blog article citing Luis Serrano's video on the universal approximation theorem", None,
           None, author="its author (not named in our copy)"),
    causes=("kink_coverage", "dead_units"))
