"""The probe: train a copy of the reader's model (never the model itself) to measure update sizes, the
loss curve and whether it can overfit a small batch."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np


def loss_function(loss_obj):
    """The callable Keras applies for a loss given as a name or as a loss object."""
    import keras

    return keras.losses.get(loss_obj) if isinstance(loss_obj, str) else loss_obj


def _clone(model):
    """``keras.models.clone_model`` with Keras's safe mode off for the copy: cloning serializes each layer, and
    safe mode refuses to rebuild a ``Lambda`` whose function is a Python lambda. That function is already
    live code in the reader's own process, so rebuilding it in the same process runs nothing new."""
    import contextlib

    import keras

    try:
        from keras.src.saving.serialization_lib import SafeModeScope
        scope = SafeModeScope(False)
    except ImportError:  # a Keras without the scope: clone as is (a refusal becomes a fit_error finding)
        scope = contextlib.nullcontext()
    with scope:
        return keras.models.clone_model(model)


@dataclass
class Probe:
    """What a probe measured: the loss on an evaluation sample every few steps, the median per-step
    update ratio |dW|/|W| of each Dense kernel (over the steps before any divergence), the final weights,
    and the first step (1-based) whose training loss was NaN/inf, with that value."""

    losses: list
    ratios: dict
    weights: list
    peaks: dict  # the largest single-step |dW|/|W| of each kernel (over the finite steps)
    diverged_at: int | None = None
    diverged_value: float | None = None
    last_finite: float | None = None  # the last finite training loss before the divergence
    every: int = 1  # steps between two evaluations (losses[i] is the loss after i * every steps)
    # with ``snapshot_at``: the evaluation sample's targets and the model's outputs on it after that many steps
    # and at the end (the training-length check scores the fit, not only the loss, at the reader's length)
    y_eval: np.ndarray | None = None
    pred_at: np.ndarray | None = None
    pred_end: np.ndarray | None = None


class Trainer:
    """A copy of the reader's model with a fresh copy of its optimizer, and one compiled function that runs
    several training steps per call. Built once per diagnosis: the probe and the overfit probe both start
    from the model's own weights and a fresh optimizer state (``reset``), and share one trace."""

    def __init__(self, model, loss_obj, optimizer, x_shape: tuple, y_shape: tuple, dense_only: bool = True):
        """``x_shape``: one example's shape; ``dense_only``: measure update sizes on the Dense kernels (a Dense
        stack) or on every weight matrix and filter bank (any other model)."""
        import keras
        import tensorflow as tf

        x_shape = tuple(int(d) for d in x_shape)
        self.model, self.initial = model, model.get_weights()
        try:
            clone = _clone(model)
            clone.build((None, *x_shape))
            clone.set_weights(self.initial)
        except Exception:  # noqa: BLE001 - a model Keras cannot copy (a Lambda whose output shape it cannot
            # infer, a subclassed model): the probes train the reader's model itself, and ``release`` puts
            # every weight back
            clone = model
        if optimizer is None:
            optimizer = getattr(model, "optimizer", None)
        opt = (keras.optimizers.deserialize(keras.optimizers.serialize(optimizer)) if optimizer is not None
               else keras.optimizers.Adam())
        # a schedule is wrapped once, before the trace, in one that multiplies it by a variable: the rate probe
        # scales the whole schedule (from the same start) by assigning that variable
        self.schedule = None
        if isinstance(opt._learning_rate, keras.optimizers.schedules.LearningRateSchedule):
            self.schedule = opt._learning_rate
            opt._learning_rate = _scaled_schedule_class()(self.schedule)
        self.loss_fn = loss_fn = loss_function(loss_obj)
        variables = clone.trainable_variables
        if dense_only:
            self.dense = [layer for layer in clone.layers if isinstance(layer, keras.layers.Dense)]
            self.names = [layer.name for layer in self.dense]
            kernels = self.kernels = [layer.kernel for layer in self.dense]
        else:
            kernels = self.kernels = [v for v in variables if len(v.shape) >= 2]
            self.dense = []
            self.names = [v.path for v in kernels]
        opt.build(variables)
        self.clone, self.opt = clone, opt
        self.opt_initial = [v.numpy() for v in opt.variables]
        rest = list(y_shape[1:])
        xs = list(x_shape)
        signature = [tf.TensorSpec([None, None] + xs, tf.float32), tf.TensorSpec([None, None] + rest, tf.float32),
                     tf.TensorSpec([None] + xs, tf.float32), tf.TensorSpec([None] + rest, tf.float32)]

        @tf.function(input_signature=signature)  # one trace for both probes and any chunk length
        def chunk(xb_all, yb_all, x_eval, y_eval):
            """Several steps in one call (one per row of the batch stacks), then the loss on the evaluation
            sample: per-step training losses, per-step (|dW|, |W| before the step) of each kernel, and the
            evaluation loss."""
            k = tf.shape(xb_all)[0]
            values = tf.TensorArray(tf.float32, size=k)
            moves = tf.TensorArray(tf.float32, size=k)
            for i in tf.range(k):
                before = [tf.identity(v) for v in kernels]
                with tf.GradientTape() as tape:
                    # as fit trains: layers in training mode, the loss plus the layers' own (regularization) losses
                    value = tf.reduce_mean(loss_fn(yb_all[i], clone(xb_all[i], training=True)))
                    if clone.losses:
                        value = value + tf.add_n(clone.losses)
                grads = tape.gradient(value, variables)
                opt.apply_gradients(zip(grads, variables))
                values = values.write(i, tf.cast(value, tf.float32))
                moves = moves.write(i, tf.stack([tf.stack([tf.norm(v - b), tf.norm(b)])
                                                 for v, b in zip(kernels, before)]))
            return values.stack(), moves.stack(), tf.reduce_mean(loss_fn(y_eval, clone(x_eval, training=False)))

        self.chunk = chunk

    def set_learning_rate(self, value: float) -> None:
        """The rate the next probes train at (kept through ``reset``, which restores the other optimizer state);
        with a schedule, the rate it starts at: the whole schedule is scaled by ``value`` over its own start."""
        if self.schedule is not None:
            self.opt._learning_rate.factor.assign(value / initial_rate(self.schedule))
            return
        variable = self.opt._learning_rate
        variable.assign(value)
        for i, v in enumerate(self.opt.variables):
            if v is variable or getattr(v, "path", None) == getattr(variable, "path", object()):
                self.opt_initial[i] = np.asarray(value, dtype=self.opt_initial[i].dtype)

    def release(self) -> None:
        """Leave the reader's model as it was: its weights back when the probes had to train it directly."""
        if self.clone is self.model:
            self.model.set_weights(self.initial)

    def reset(self) -> None:
        """Back to the reader's weights and a fresh optimizer state."""
        self.clone.set_weights(self.initial)
        for v, value in zip(self.opt.variables, self.opt_initial):
            v.assign(value)


def train_probe(trainer: Trainer, X, y, rng, steps: int, batch_size: int, evals: int = 30,
                snapshot_at: int | None = None, tail: int | None = None) -> Probe:
    """Train the trainer's copy from the reader's weights with a fresh optimizer state (stopping at the first
    non-finite loss). With ``snapshot_at`` (a step count below ``steps``), also keep the model's outputs on the
    evaluation sample after exactly that many steps and at the end. With ``tail``, only the last ``tail``
    evaluations are made (``losses`` holds those): the steps before them run in one call, whose evaluation on a
    single row is discarded; what :func:`final_loss` reads is the same, for a fraction of the evaluations."""
    import tensorflow as tf

    trainer.reset()
    clone, loss_fn, chunk, kernels = trainer.clone, trainer.loss_fn, trainer.chunk, trainer.kernels

    Xf, yf = X.astype(np.float32), y.astype(np.float32)
    ev = rng.choice(len(X), size=min(len(X), 2048), replace=False)
    x_eval, y_eval = tf.constant(Xf[ev]), tf.constant(yf[ev])
    every = max(1, steps // evals)
    bs = min(batch_size, len(X))
    batches = np.stack([rng.choice(len(X), size=bs, replace=False) for _ in range(steps)])
    starts = list(range(0, steps, every))
    if tail is not None and snapshot_at is None and len(starts) > tail:
        starts = [0] + starts[-tail:]  # one call up to the evaluations kept
        losses, skip = [], 1
    else:
        losses, skip = [float(tf.reduce_mean(loss_fn(y_eval, clone(x_eval, training=False))))], 0
    ends = starts[1:] + [steps]
    ratios = []
    diverged, last = None, None
    pred_at = None
    for n, (start, end) in enumerate(zip(starts, ends)):
        idx = batches[start:end]
        evaluate = n >= skip  # else: steps before the kept evaluations, evaluated on one row and discarded
        if snapshot_at is not None and start < snapshot_at < start + len(idx):  # split the chunk at the snapshot
            cut = snapshot_at - start
            v1, m1, _ = chunk(tf.constant(Xf[idx[:cut]]), tf.constant(yf[idx[:cut]]), x_eval, y_eval)
            pred_at = np.asarray(clone(x_eval, training=False))
            v2, m2, evaluated = chunk(tf.constant(Xf[idx[cut:]]), tf.constant(yf[idx[cut:]]), x_eval, y_eval)
            values, moves = np.concatenate([v1.numpy(), v2.numpy()]), np.concatenate([m1.numpy(), m2.numpy()])
        else:
            values, moves, evaluated = chunk(tf.constant(Xf[idx]), tf.constant(yf[idx]),
                                             *((x_eval, y_eval) if evaluate else (x_eval[:1], y_eval[:1])))
            values, moves = values.numpy(), moves.numpy()
            if snapshot_at is not None and start + len(idx) == snapshot_at:
                pred_at = np.asarray(clone(x_eval, training=False))
        values = values.astype(float)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:  # the first non-finite step ends the probe; the steps before it count
            j = int(bad[0])
            ratios.extend(moves[:j])
            last = float(values[j - 1]) if j > 0 else last
            diverged = (start + j + 1, float(values[j]))
            break
        ratios.extend(moves)
        last = float(values[-1])
        if not evaluate:
            continue
        evaluated = float(evaluated)
        losses.append(evaluated)
        if not math.isfinite(evaluated):
            diverged = (start + len(idx), evaluated)
            break
    names = trainer.names
    finite = [m for m in ratios if np.isfinite(m).all()]
    moved = np.array(finite).reshape(len(finite), len(kernels), 2)
    med = np.median(moved[..., 0] / (moved[..., 1] + 1e-12), axis=0) if finite else []
    # a single step's size against the kernel's norm, or against half the norm a Glorot kernel of its shape
    # would have when it is smaller (a kernel started at 0 grows by more than its own norm, rightly)
    floor = np.array([0.5 * math.sqrt(2 / (k.shape[-2] + k.shape[-1])) * math.sqrt(float(np.prod(k.shape)))
                      for k in kernels])
    peak = np.max(moved[..., 0] / np.maximum(moved[..., 1], floor), axis=0) if finite else []
    pred_end = np.asarray(clone(x_eval, training=False)) if snapshot_at is not None and diverged is None else None
    return Probe(losses, dict(zip(names, map(float, med))), clone.get_weights(), dict(zip(names, map(float, peak))),
                 *(diverged or (None, None)), last, every, yf[ev] if snapshot_at is not None else None, pred_at,
                 pred_end)


def relative_gradients(model, loss_obj, X, y, dense_only: bool = True) -> dict[str, float]:
    """|dL/dW| / |W| of every Dense kernel (or, with ``dense_only=False``, every weight matrix and filter bank)
    of the untrained model on (X, y), with the model's own loss; kernels that are all zeros are left out (the
    initialization check reports them)."""
    import keras
    import tensorflow as tf

    loss_fn = loss_function(loss_obj)
    if dense_only:
        dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        kernels, names = [layer.kernel for layer in dense], [layer.name for layer in dense]
    else:
        kernels = [v for v in model.trainable_variables if len(v.shape) >= 2]
        names = [v.path for v in kernels]
    with tf.GradientTape() as tape:
        value = tf.reduce_mean(loss_fn(tf.constant(y, tf.float32), model(tf.constant(X, tf.float32), training=False)))
    grads = tape.gradient(value, kernels)
    out = {}
    for name, k, g in zip(names, kernels, grads):
        norm = float(tf.norm(k))
        if norm > 0 and g is not None:
            out[name] = float(tf.norm(g)) / norm
    return out


def overfit_probe(trainer: Trainer, X, y, rng, n: int, steps: int):
    """Full-batch steps on n examples: (loss before, the lowest of the last three evaluations, the rows)."""
    idx = rng.choice(len(X), size=min(n, len(X)), replace=False)
    p = train_probe(trainer, X[idx], y[idx], rng, steps, len(idx))
    return p.losses[0], final_loss(p), idx


@functools.lru_cache(maxsize=None)
def _scaled_schedule_class():
    """The wrapper schedule's class, defined on first use (this module imports Keras only when it trains)."""
    import keras
    import tensorflow as tf

    class ScaledSchedule(keras.optimizers.schedules.LearningRateSchedule):
        """A schedule times a factor held in a variable (1 until the rate probe assigns it)."""

        def __init__(self, inner):
            self.inner = inner
            self.factor = tf.Variable(1.0, trainable=False, dtype=tf.float32)

        def __call__(self, step):
            rate = tf.convert_to_tensor(self.inner(step))
            return rate * tf.cast(self.factor, rate.dtype)

        def get_config(self):
            return dict(inner=keras.optimizers.schedules.serialize(self.inner))

    return ScaledSchedule


def initial_rate(schedule) -> float:
    """A schedule's rate at step 0."""
    import keras

    return float(np.asarray(keras.ops.convert_to_numpy(schedule(0))))


def learning_rate(trainer: Trainer) -> float | None:
    """The copy's optimizer's learning rate (a schedule's: the rate it starts at), or None when unreadable."""
    if trainer.schedule is not None:
        try:
            return initial_rate(trainer.schedule)
        except Exception:  # noqa: BLE001 - a schedule of the reader's own that cannot be asked for step 0
            return None
    lr = getattr(trainer.opt, "_learning_rate", None)
    if lr is None or not hasattr(lr, "assign"):
        return None
    return float(np.asarray(lr.numpy()))


def lr_probe(trainer: Trainer, X, y, rng, steps: int, batch_size: int, factors=(0.1, 10.0), base: float | None = None,
             farther: int = 2) -> dict[float, float]:
    """The same probe from the same start at the compiled rate times each factor: factor -> final loss (the
    lowest of the last three evaluations; inf where the run diverged, by a non-finite training loss anywhere or a
    non-finite one of those evaluations: the runs evaluate only there, see ``tail``). With ``base`` (the compiled rate's
    final loss), a neighbour that does better is followed up to ``farther`` more steps of the same factor
    while the loss keeps falling, so a rate a hundred times off is found too. The rate is restored afterwards."""
    rate = learning_rate(trainer)
    out = {}

    def run(f):
        trainer.set_learning_rate(rate * f)
        out[f] = final_loss(train_probe(trainer, X, y, rng, steps, batch_size, tail=FINAL_EVALUATIONS))
        return out[f]

    try:
        for f in factors:
            run(f)
        if base is not None and math.isfinite(base):
            best = min(factors, key=lambda f: out[f])
            previous, f = out[best], best
            for _ in range(farther):
                if not previous < base:
                    break
                f = f * best
                value = run(f)
                if not value < previous:
                    break
                previous = value
    finally:
        trainer.set_learning_rate(rate)
        trainer.reset()
    return out


FINAL_EVALUATIONS = 3  # the evaluations a probe's end is read from (the rate runs make only these)


def final_loss(p: Probe) -> float:
    """A probe's end: the lowest of its last three evaluations, or inf where it diverged."""
    return (min(p.losses[-FINAL_EVALUATIONS:]) if p.diverged_at is None and all(map(math.isfinite, p.losses))
            else float("inf"))
