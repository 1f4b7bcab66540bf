"""Chapter 0, start here: its parameters (default, type, allowed values, meaning), the estimate of the
work a parameter set asks for, its time budget, the source it retells and the doctor causes it explains.

Imports no TensorFlow: `nnfail list` and the runner read it."""
from __future__ import annotations

from typing import Any, Mapping

from nnfail.params import QUICK, SEED, ChapterSpec, Param, Source, Spec


def _cost(p: Mapping[str, Any]) -> float:
    # measured: the 30 pairs take about 100 s with 300-step probes; XOR about 0.1 ms per epoch per activation
    # for up to a few hundred members, its epochs run 128 to an engine call (2.2 s at the defaults on 2026-12-07)
    pairs = 60 * (0.6 + p["probe_steps"] * 0.0035)
    xor = 2 * max(p["budgets"]) * 1e-4 * (1 + p["n_seeds"] / 256)
    # the "going further" sweep: two quick executions of chapter 1 side by side, ~60 s (measured 67 s on
    # 2026-12-01 with another job on the machine); none in quick runs
    sweep = 0 if p["quick"] else 60
    # the answer's examples (measured alone on 2026-12-07, benchmarks/chapter_profile.py --run 0 --full): the
    # capacity grid, four SGD rates x two models, 3.0 s at 64 seeds; the scaling runs to convergence (10,000
    # one-step epochs, 1.1 s); the gradients of the deeper XOR stacks, under 1 s
    examples = 3 + p["n_seeds"] * 0.03
    return 20 + pairs + xor + examples + sweep


PARAMS = Spec((
    SEED,
    QUICK,
    Param("n_seeds", 64, int, "seeds per configuration of the post's three examples", low=2, high=4096),
    Param("budgets", [100, 300, 1000, 3000, 10000], int, "XOR training budgets in epochs (the post: 100)",
          low=1, high=10**6, sequence=True, min_len=1, max_len=8),
    Param("units", 2, int, "hidden units of both XOR networks (the post: 2)", low=1, high=64),
    Param("lr", 1e-3, float, "Adam learning rate of the XOR and scaling examples (Keras default)", low=0, high=1,
          low_open=True),
    Param("probe_steps", 300, int, "training steps of the doctor's probe in the benchmark", low=10, high=10_000),
), cost=_cost)


CHAPTER = ChapterSpec(
    0, "checklist", "Start here: a checklist, and a doctor for your own network", PARAMS, 240,
    Source("Why is my TensorFlow neural network failing to learn a simple relationship?",
           "an article dated 2025-01-30", None, None, author="its author (not named in our copy)"),
    pages=("input_scale/unscaled", "input_scale/ratio"))
