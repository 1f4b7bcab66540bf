"""Chapter 3's broken and fixed Keras model: the model the doctor is run on in the chapter and in
the doctor's benchmark of the book's own pairs (``nnfail_bench.pairs``)."""
from __future__ import annotations

from nnfail import stats
from nnfail.chapters.unnormalized_sigmoid import network as S
from nnfail.chapters.unnormalized_sigmoid.experiments import ROWS, label_vector
from nnfail.chapters.unnormalized_sigmoid.spec import CHAPTER
from nnfail.doctor.twins import TwinReports, diagnose_twins
from nnfail.models import Case, mlp


def doctor_case(fixed: bool, rng, labels="alt", alpha=0.5, activation="sigmoid") -> Case:
    """Chapter 3: the post's 2-3-1 sigmoid network on the ten iris rows, plain gradient descent at alpha,
    squared error, weights uniform in [-1, 1] as in the post; fixed: standardized inputs."""
    import keras

    w = S.init(rng)
    model = mlp(2, (3,), activation, out_activation="sigmoid", loss="mse",
                optimizer=keras.optimizers.SGD(alpha), rng=rng)
    model.set_weights([w.W1, w.b1, w.W2, w.b2])
    X = stats.standardize(ROWS) if fixed else ROWS.copy()
    return Case(model, X, label_vector(labels).astype(float))


def diagnose(P) -> TwinReports:
    """The doctor on the chapter's broken and fixed model at the chapter's parameters."""
    return diagnose_twins(lambda fixed, rng: doctor_case(fixed, rng, labels=P.labels, alpha=P.alpha),
                          CHAPTER.causes, P.seed)
