"""Chapter 1, the scaling disaster: its parameters (default, type, allowed values, meaning), the estimate of the
work a parameter set asks for, its time budget, the source it retells and the doctor causes it explains.

Imports no TensorFlow: `nnfail list` and the runner read it."""
from __future__ import annotations

import math
from typing import Any, Mapping

from nnfail.params import CC_BY_SA_4, DSSE, QUICK, SEED, ChapterSpec, Param, Source, Spec


# The other networks of the post's description ("a few hidden layers with 15-20 neurons") on which the chapter
# judges the initialization claims, beside its own P.hidden.
WIDTH_RANGE = ((20, 20), (20, 20, 20, 20))


def _width(hidden) -> float:
    return max(sum(a * b for a, b in zip([1, *hidden], [*hidden, 1])) / 480, 0.2)


def _cost(p: Mapping[str, Any]) -> float:
    """Seconds: the main runs (14 configurations per target plus one per decaying start on two targets), the
    phase diagram, the initialization rows at the other networks of the post's description (3 each) and the
    long runs (3 configurations)."""
    batches = math.ceil(p["samples_per_epoch"] / p["batch_size"])
    main = (3 * 14 + 2 * len(p["big_lrs"])) * p["n_seeds"] + 36 * p["n_phase_seeds"]
    member_steps = (main * _width(p["hidden"]) + 3 * p["n_seeds"] * sum(_width(w) for w in WIDTH_RANGE)
                    ) * p["outer_epochs"] * batches
    long_steps = 3 * p["n_seeds"] * p["long_epochs"] * batches * _width(p["hidden"])
    # seconds per member-step of the posted network, measured: the default run took 198 s alone on 2026-12-07
    # (benchmarks/chapter_profile.py --run 1 --full), of which about 20 s outside the training runs
    return 20 + 1.73e-5 * (member_steps + long_steps)


PARAMS = Spec((
    SEED,
    QUICK,
    Param("target", "square", str, "target shown in the figures (the runs cover all three)",
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
    Param("big_lrs", [0.01, 0.03, 0.1, 0.3], float, "starting Adam learning rates of the decaying-lr fix "
          "(the answer gives none: one row per start)", low=0, high=1, low_open=True, sequence=True, max_len=8),
    Param("lr_decay", 0.01, float, "each decaying rate ends at its start times this", low=0, high=1,
          low_open=True),
    Param("outer_epochs", 50, int, "outer epochs, each a fresh sample and one fit pass", low=1, high=2000),
    Param("long_epochs", 200, int, "outer epochs of the longer runs ('train for more epochs')", low=1, high=2000),
    Param("samples_per_epoch", 10_000, int, "fresh X ~ U(0, 100) drawn per outer epoch", low=16, high=10**6),
    Param("batch_size", 128, int, "minibatch size", low=1, high=10**6),
    Param("n_seeds", 32, int, "seeds per configuration in the verdict runs", low=2, high=4096),
    Param("n_phase_seeds", 8, int, "seeds per cell of the phase diagram", low=1, high=1024),
    Param("success", 0.5, float, "a run succeeds when it explains at least this share of the variance "
          "a straight line leaves", low=0, high=1, low_open=True, high_open=True),
), cost=_cost)


CHAPTER = ChapterSpec(
    1, "scaling_disaster", "1. The scaling disaster", PARAMS, 235,
    Source("Feature scaling worsens performance?", DSSE,
           "https://datascience.stackexchange.com/questions/51687/feature-scaling-worsens-performance", CC_BY_SA_4),
    causes=("target_scale", "init_scale"), pages=("output_bias", "initial_loss"))
