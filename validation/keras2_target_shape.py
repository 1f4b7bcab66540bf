"""What Keras 2 does with the post's model of chapter 2: a stack of Dense layers ending in Dense(100), mean squared
error, and a one-dimensional target (one number per example), fitted as the post fits it.

Keras 2 is not a dependency of the book (the book runs Keras 3). This script runs in separate virtual
environments outside the repository, one per Keras 2 release it checks, and does not import nnfail:

    # tf.keras 2.15: the last TensorFlow whose bundled Keras is Keras 2
    python3 -m venv /tmp/k2 && /tmp/k2/bin/pip install "tensorflow-cpu==2.15.*"
    /tmp/k2/bin/python validation/keras2_target_shape.py

    # standalone Keras 2.2.5 (August 2019) and 2.3.1 (October 2019), the Keras of the post's time (September
    # 2019). Their TensorFlow 1.x backend has no wheels for today's Python; their Theano backend installs
    # (run without a C++ compiler: pure-Python ops, enough here). The script aliases the few
    # collections.abc names that Python 3.10 removed from collections and these releases still import.
    python3 -m venv /tmp/k225 && /tmp/k225/bin/pip install "keras==2.2.5" "theano==1.0.5" "numpy<1.24" "scipy<1.12"
    KERAS_BACKEND=theano THEANO_FLAGS="cxx=,blas.ldflags=" /tmp/k225/bin/python validation/keras2_target_shape.py \
        --control-epochs 0
    (the same with keras==2.3.1 in /tmp/k231)

    # tf-keras 2.21: Keras 2 as its own package, next to TensorFlow 2.21
    python3 -m venv /tmp/k2tfk && /tmp/k2tfk/bin/pip install "tensorflow-cpu==2.21.*" "tf-keras==2.21.*"
    /tmp/k2tfk/bin/python validation/keras2_target_shape.py

validation/keras2_target_shape.txt is the output of these runs, one section per release, concatenated in
that order. Each fit ends in one machine-readable line,

    RESULT keras=<version> task=<sum|square> batch=<b> target=<1-D|column> output=Dense(<units>)
           outcome=<raises|trains> reading=<...>

(on one line)

where ``reading`` says how Keras lined the target up with the 100 outputs: ``column`` (each example's
target against all of its output units), ``row`` (target j of the batch against unit j) or ``-`` when the
fit raised; tests/test_linear_stack.py checks the chapter's statement against these lines.

The post's data: integers drawn from 1 to 1000; the sum adds two of them, inputs and target divided by 2,000;
the square squares one, both divided by 1,000,000; 1,000 examples, batch 100, 500 epochs, Adam at the
release's defaults (the post passes an undefined ``adam``; its config is printed). The post's metric is the
RMSE of unit 0 after rounding back to integers; here every unit's RMSE is reported as well. A last fit, the
control, ends the same stack in Dense(1): it only asks whether the release accepts those shapes, so it runs
--control-epochs (5) epochs; the committed Theano runs leave it out (--control-epochs 0): without a C++
compiler Theano trains this stack too slowly (5 epochs took over 8 minutes on the book's machine).
"""
from __future__ import annotations

import argparse
import collections
import collections.abc
import os
import random
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
for _name in ("Iterable", "Mapping", "MutableMapping", "Sequence", "Callable", "OrderedDict"):
    if not hasattr(collections, _name):  # Python 3.10 removed these aliases; Keras 2.2/2.3 import them
        setattr(collections, _name, getattr(collections.abc, _name))

import numpy as np  # noqa: E402

LARGEST, N_EXAMPLES, WIDTHS, OUT_UNITS = 1000, 1000, (20, 100, 1000), 100


def load_keras():
    """Keras 2 under whatever name this environment gives it: keras (2.x) or tf_keras."""
    import keras

    if int(keras.__version__.split(".")[0]) >= 3:
        try:
            import tf_keras as keras
        except ImportError:
            sys.exit("error: this environment has Keras 3 and no tf_keras; see the docstring for a Keras 2 one")
    return keras


def fresh_session(keras) -> None:
    """Layer names restart (dense_1 ... dense_4, as in a fresh session): clear_session where the backend has
    it, else (Theano) the name counters alone."""
    reset = getattr(keras.backend, "clear_session", None) or getattr(keras.backend, "reset_uids", None)
    if reset is not None:
        reset()


def seed_all(keras, seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    if hasattr(keras.utils, "set_random_seed"):
        keras.utils.set_random_seed(seed)


def data(task: str, rng: np.random.Generator):
    """The post's inputs and targets, already divided as the post divides them, and the divisor."""
    n_numbers = 2 if task == "sum" else 1
    ints = rng.integers(1, LARGEST + 1, size=(N_EXAMPLES, n_numbers)).astype(float)
    if task == "sum":
        scale = float(LARGEST * n_numbers)
        return ints / scale, ints.sum(axis=1) / scale, scale
    scale = float(LARGEST) ** 2
    return ints / scale, ints[:, 0] ** 2 / scale, scale


def posted_model(keras, n_numbers: int, out_units: int = OUT_UNITS):
    """The model as posted, input_dim on every layer included (Keras uses only the first one's); out_units=1
    is the control, the same stack ending in one unit."""
    model = keras.models.Sequential()
    for w in (*WIDTHS, out_units):
        model.add(keras.layers.Dense(w, input_dim=n_numbers))
    model.compile(loss="mean_squared_error", optimizer="adam")
    return model


def batch_mse(pred: np.ndarray, y: np.ndarray, batch: int, reading: str) -> float:
    """The loss a reading gives over fixed batches: ``column`` compares each example's target with all of its
    outputs, ``row`` compares target j of a batch with output unit j (only defined when the batch has as many
    rows as the output has units)."""
    losses, weights = [], []
    for lo in range(0, len(y), batch):
        p, t = pred[lo:lo + batch], y[lo:lo + batch]
        if reading == "column":
            losses.append(np.mean((p - t[:, None]) ** 2))
        elif p.shape[0] == p.shape[1]:
            losses.append(np.mean((p - t[None, :]) ** 2))
        else:
            return float("nan")
        weights.append(len(t))
    return float(np.average(losses, weights=weights))


def one_fit(keras, task: str, batch: int, column: bool, epochs: int, seed: int, out_units: int = OUT_UNITS) -> None:
    version = keras.__version__
    X, y, scale = data(task, np.random.default_rng(seed))
    fresh_session(keras)
    seed_all(keras, seed)
    model = posted_model(keras, X.shape[1], out_units)
    target = y[:, None] if column else y
    shape = "column" if column else "1-D"
    head = f"keras={version} task={task} batch={batch} target={shape} output=Dense({out_units})"
    print(f"\n## {task}, output Dense({out_units}), target {shape} {target.shape}, batch {batch}, {epochs} epochs, "
          f"seed {seed}")
    try:
        model.fit(X, target, epochs=epochs, batch_size=batch, verbose=0, shuffle=True)
    except Exception as err:  # the release refuses the shapes: record its message
        line = next((ln.strip() for ln in str(err).splitlines() if ln.strip()), "")
        print(f"fit raised {type(err).__name__}: {line}")
        print(f"RESULT {head} outcome=raises reading=- error={type(err).__name__}")
        return
    pred = model.predict(X, batch_size=batch, verbose=0).astype(np.float64)
    keras_loss = float(model.evaluate(X, target, batch_size=batch, verbose=0))
    col, row = batch_mse(pred, y, batch, "column"), batch_mse(pred, y, batch, "row")
    gap_of = lambda a: abs(a - keras_loss) if np.isfinite(a) else np.inf
    tol = 1e-3 * max(keras_loss, 1e-12)
    reading = ("column" if gap_of(col) <= min(tol, gap_of(row)) else
               "row" if gap_of(row) <= min(tol, gap_of(col)) else "other")
    expected = np.round(y * scale)
    unit_rmse = np.sqrt(np.mean((np.round(pred * scale) - expected[:, None]) ** 2, axis=0))
    gap = float(np.max(pred.max(axis=1) - pred.min(axis=1)) * scale)
    print(f"Keras's loss on the data {keras_loss:.6g}; column reading {col:.6g}; row reading {row:.6g}")
    print(f"target std (original units) {np.std(expected):.1f}")
    print(f"post's metric, RMSE of unit 0 after rounding: {unit_rmse[0]:.3f}")
    print(f"RMSE of the {pred.shape[1]} units: min {unit_rmse.min():.3f}, median {np.median(unit_rmse):.3f}, "
          f"max {unit_rmse.max():.3f}")
    print(f"largest gap between two units' predictions for one example (original units): {gap:.3f}")
    for i in range(3):
        units = sorted({0, 1, pred.shape[1] - 1} & set(range(pred.shape[1])))
        print(f"  expected {expected[i]:.0f}, units {'/'.join(map(str, units))} predict "
              + " / ".join(f"{pred[i, u] * scale:.1f}" for u in units))
    print(f"RESULT {head} outcome=trains reading={reading} unit0_rmse={unit_rmse[0]:.3f} "
          f"unit_rmse_max={unit_rmse.max():.3f} unit_gap={gap:.3f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=500, help="epochs of each fit (the post: 500)")
    ap.add_argument("--control-epochs", type=int, default=5, help="epochs of the one-unit control fit")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    if a.epochs < 1 or a.control_epochs < 0:
        print("error: --epochs must be at least 1 and --control-epochs at least 0", file=sys.stderr)
        return 2
    keras = load_keras()
    backend = keras.backend.backend()
    extra = ""
    if backend == "tensorflow":
        import tensorflow as tf

        extra = f", TensorFlow {tf.__version__}"
    print(f"# Keras {keras.__version__} ({keras.__name__}), backend {backend}{extra}, numpy {np.__version__}, "
          f"Python {sys.version.split()[0]}")
    opt = posted_model(keras, 1).optimizer
    fresh_session(keras)
    cfg = {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in opt.get_config().items()
           if k in ("name", "learning_rate", "lr", "beta_1", "beta_2", "epsilon", "amsgrad", "decay")}
    print(f"optimizer='adam' means {type(opt).__name__} with {cfg}")
    for task, batch, column, out in (("sum", 100, False, OUT_UNITS), ("sum", 32, False, OUT_UNITS),
                                     ("sum", 100, True, OUT_UNITS), ("square", 100, False, OUT_UNITS)):
        one_fit(keras, task, batch, column, a.epochs, a.seed, out)
    # the control, one output unit: only whether the release accepts the shapes (Theano without a compiler
    # trains this stack very slowly: --control-epochs 0 leaves it out)
    if a.control_epochs:
        one_fit(keras, "sum", 100, False, a.control_epochs, a.seed, 1)
    else:
        print("\n## the one-unit control was left out (--control-epochs 0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
