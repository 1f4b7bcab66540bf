"""Chapter 3, the unnormalized sigmoid network: its parameters (default, type, allowed values, meaning), the estimate of the
work a parameter set asks for, its time budget, the source it retells and the doctor causes it explains.

Imports no TensorFlow: `nnfail list` and the runner read it."""
from __future__ import annotations

from typing import Any, Mapping

from nnfail.params import CC_BY_SA_3, DSSE, QUICK, SEED, ChapterSpec, Param, Source, Spec


def _cost(p: Mapping[str, Any]) -> float:
    # 40 configurations of n_seeds members, most converging within ~40,000 iterations at ~0.4 us per
    # member-iteration (the log-loss runs stopped on the mean log-loss take up to ~170,000); the ones that
    # never converge keep the loop going to max_iter at ~0.2 ms per iteration; MLPClassifier's fixed-length
    # fits take ~2 s of CPU each (plus ~0.4 s for its own stopping rule), two per seed on two workers
    members = (34 * min(p["max_iter"], 40_000) + 6 * min(p["max_iter"], 120_000)) * p["n_seeds"] * 4e-7
    return 20 + members + 2e-4 * p["max_iter"] + p["n_sklearn_seeds"] * 2.5


PARAMS = Spec((
    SEED,
    QUICK,
    Param("labels", "alt", str, "label vector shown in the figures (the runs cover both)", choices=("alt", "iris")),
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
    Param("n_sklearn_seeds", 20, int, "MLPClassifier runs per input scaling", low=1, high=256),
), cost=_cost)


CHAPTER = ChapterSpec(
    3, "unnormalized_sigmoid", "3. The unnormalized sigmoid network", PARAMS, 200,
    Source("How to improve my self-written neural network?", DSSE,
           "https://datascience.stackexchange.com/questions/20247/how-to-improve-my-self-written-neural-network", CC_BY_SA_3),
    causes=("input_scale", "saturation"), pages=("input_scale/saturating", "output_loss/squared_error_on_labels"))
