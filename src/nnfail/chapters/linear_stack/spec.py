"""Chapter 2, the linear-only Keras stack: its parameters (default, type, allowed values, meaning), the estimate of the
work a parameter set asks for, its time budget, the source it retells and the doctor causes it explains.

Imports no TensorFlow: `nnfail list` and the runner read it."""
from __future__ import annotations

import math
from typing import Any, Mapping

from nnfail.params import CC_BY_SA_4, DSSE, QUICK, SEED, ChapterSpec, Param, Source, Spec


def _cost(p: Mapping[str, Any]) -> float:
    def flops(sizes):
        return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))

    steps = p["epochs"] * math.ceil(p["n_examples"] / p["batch_size"])
    # seconds per multiply-add at the engine's effective ~112 GFLOP/s over the chapter's training (the default
    # run took 506 s alone on 2026-12-06, benchmarks/chapter_profile.py --run 2 --full; the step alone reaches
    # ~145 GFLOP/s, benchmarks/roofline.py)
    per_step = 3 * 2 * p["batch_size"] / 1.12e11
    claim = p["n_claim_seeds"]
    members = (p["n_seeds"] * flops([p["n_numbers"], *p["layers"], p["output_units"]])  # the sum
               + claim * flops([1, *p["layers"], p["output_units"]])  # the square
               + (2 * p["n_seeds"] + claim) * flops([1, *p["relu_layers"], 1])  # the comment's three inputs
               + claim * flops([2, *p["relu_layers"], 1])  # ... with the unused second input
               + sum(claim * flops([1, w, p["output_units"]]) for w in p["single_widths"])
               + 2 * claim * flops([1, *p["simple_layers"], 1]))
    calls = 5 + len(p["single_widths"])  # engine calls, each with a per-step overhead of about 1 ms
    engine = steps * (members * per_step + calls * 1e-3)
    keras = steps * 3e-3 + 5 + 4 * 300 * 4e-3  # the posted fit, and the Keras replays of 300 steps each
    return 15 + engine + keras


PARAMS = Spec((
    SEED,
    QUICK,
    Param("task", "square", str, "task of the Keras reproduction (the runs train both)", choices=("sum", "square")),
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
    Param("single_widths", [20, 100], int, "widths of the single hidden layer the post says it also tried",
          low=1, high=4096, sequence=True, min_len=1, max_len=4),
    Param("simple_layers", [8], int, "hidden widths of the simple network the answer points to (the linked "
          "thread's: one relu layer of 8)", low=1, high=4096, sequence=True, min_len=1, max_len=4),
    Param("n_seeds", 6, int, "seeds of the configurations no claim rests on (6 is the fewest that bound a "
          "median at 95%)", low=2, high=1024),
    Param("n_claim_seeds", 20, int, "seeds of every configuration a claim about how often, how much or "
          "'the same' rests on (the claims engine's minimum)", low=2, high=4096),
), cost=_cost)


# 600 s: the comment's network needs 20 seeds for its verdict (issue 15); issue 26 added 20-seed runs behind
# every typical/sameness claim (the square, the unused input, the single hidden layer, the simple network),
# which took the estimate for the defaults from 360 s to 650 s (1.8x) at the engine's speed of 2026-12-02. The
# default run took 506 s alone on 2026-12-06 (benchmarks/chapter_profile.py --run 2 --full): 84% of 600 s.
CHAPTER = ChapterSpec(
    2, "linear_stack", "2. The linear-only Keras stack", PARAMS, 600,
    Source("why multiplication (squares) doesn't work for neural networks?", DSSE,
           "https://datascience.stackexchange.com/questions/60170/why-multiplication-squares-doesnt-work-for-neural-networks", CC_BY_SA_4),
    causes=("nonlinearity",), pages=("target_shape", "input_scale/tiny", "kink_coverage/affine"))
