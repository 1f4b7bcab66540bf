"""Chapter 1's broken and fixed Keras model: the model the doctor is run on in the chapter (``diagnose``) and
in the doctor's benchmark of the book's own pairs (``nnfail_bench.pairs``, which calls ``doctor_case``)."""
from __future__ import annotations


from nnfail import stats
from nnfail.chapters.scaling_disaster.experiments import TARGETS, X_HIGH, X_LOW
from nnfail.chapters.scaling_disaster.spec import CHAPTER
from nnfail.doctor.twins import TwinReports, diagnose_twins
from nnfail.models import Case, mlp


def doctor_case(fixed: bool, rng, target="square", input_scale=0.01, target_scale=1.0, init_std=0.05,
                hidden=(15, 15, 15), lr=1e-3, n=10_000) -> Case:
    """Chapter 1: the posted elu network on X*input_scale and unscaled y; fixed: standardized X and y
    with Keras's default (Glorot) initializer."""
    import keras

    x = rng.uniform(X_LOW, X_HIGH, n)
    y = TARGETS[target](x) / target_scale
    if fixed:
        return Case(mlp(1, hidden, "elu", optimizer=keras.optimizers.Adam(lr), rng=rng),
                    stats.standardize(x)[:, None], stats.standardize(y))
    normal = keras.initializers.RandomNormal(stddev=init_std, seed=int(rng.integers(2**31 - 1)))
    return Case(mlp(1, hidden, "elu", kernel=normal, optimizer=keras.optimizers.Adam(lr), rng=rng),
                (x * input_scale)[:, None], y)


def diagnose(P) -> TwinReports:
    """The doctor on the chapter's broken model and its fixed twin, built with the chapter's parameters ``P``."""
    return diagnose_twins(
        lambda fixed, rng: doctor_case(fixed, rng, target=P.target, input_scale=P.input_scale,
                                       target_scale=P.target_scale, init_std=P.init_std, hidden=P.hidden, lr=P.lr),
        CHAPTER.causes, P.seed)
