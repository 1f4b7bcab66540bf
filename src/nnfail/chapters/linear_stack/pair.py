"""Chapter 2's broken and fixed Keras model: the model the doctor is run on in the chapter and in
the doctor's benchmark of the book's own pairs (``nnfail_bench.pairs``)."""
from __future__ import annotations

from nnfail import stats
from nnfail.chapters.linear_stack.experiments import make_data, post_scale
from nnfail.chapters.linear_stack.spec import CHAPTER
from nnfail.doctor.twins import TwinReports, diagnose_twins
from nnfail.models import Case, mlp
from nnfail.params import Params


def doctor_case(fixed: bool, rng, task="square", layers=(20, 100, 1000), output_units=100, n_numbers=2,
                largest=1000, n=1000, activation="relu", linear=None, x_div=None, out=None) -> Case:
    """Chapter 2: the post's stack of Dense layers without activations ending in Dense(output_units), inputs
    and targets divided by the post's divisor; fixed: activations, Dense(1), standardized X and y.
    ``linear``, ``x_div`` and ``out`` override one aspect of the broken model for the variations."""
    X, y = make_data(task, n, n_numbers, largest, rng)
    if fixed:
        return Case(mlp(n_numbers, layers, activation, rng=rng), stats.standardize(X), stats.standardize(y))
    div = post_scale(task, n_numbers, largest)
    acts = None if (linear if linear is not None else True) else activation
    return Case(mlp(n_numbers, layers, acts, out=output_units if out is None else out, rng=rng),
                X / (div if x_div is None else x_div), y / div)


def diagnose(P: Params) -> TwinReports:
    """The doctor on the chapter's broken and fixed model, built at the notebook's parameters."""
    return diagnose_twins(
        lambda fixed, rng: doctor_case(fixed, rng, task=P.task, layers=P.layers, output_units=P.output_units,
                                       n_numbers=P.n_numbers, largest=P.largest, n=P.n_examples,
                                       activation=P.activation),
        CHAPTER.causes, P.seed)
