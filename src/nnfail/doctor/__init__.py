"""``nnfail.doctor``: find the book's failure causes in a reader's own Keras model and data.

    report = doctor.diagnose(model, X, y)        # a compiled keras.Sequential of Dense layers
    report                                        # a table in a notebook; print(report) for plain text
    report.findings                               # severity, evidence (value and threshold), fix, chapter
    model.fit(X, y, callbacks=[doctor.Watch(X)])  # the training-time checks inside your own fit

Every check reads the model's weights and the data directly (no fit needed); a short *probe* (on by
default) then trains a copy of the model, never the model itself, to measure update sizes, the loss
curve, saturation and dead units after training, and whether it can overfit one small batch. The rules
and thresholds are the ones published diagnosers use (UMLAUT, TheDeepChecker, DeepDiagnosis, NeuraLint,
the CS231n and Karpathy recipes; see ``THRESHOLDS``), plus two the book adds: inputs far too small, and
ReLU kink coverage of the data range.

Bad input (not a Keras model, an unsupported layer, shapes that do not match, NaN in the data) raises
:class:`DoctorError` with a message saying what to change, before anything is computed.

The package: ``rules`` (thresholds and their sources), ``model`` (reading a Keras model into arrays),
``checks`` (one function a check), ``probe`` (training a copy), ``report`` (text, HTML, JSON), ``io``
(files for the CLI), ``pairs`` (the broken/fixed models of the book's own causes) and ``independent`` (a
second pair set written from published fault categories, which no threshold was tuned on before it was
committed).

Severity follows measured effect: each threshold in ``THRESHOLDS`` quotes its source or the measurement
behind it (``validation/doctor_thresholds.py``), and a medium finding that can stall training becomes high
when the probe (or the reader's own history) shows the loss stalled or still worse than a constant.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, replace

import numpy as np

from nnfail.doctor import checks as C
from nnfail.doctor.io import check_files, load_data, load_model
from nnfail.doctor.model import (Dense, as_arrays, first_activation, forward, is_dense_stack,
                                 layer_kinds, leading_preprocessing, loss_name_of, output_layer, predict, read_layers,
                                 require_model)
from nnfail.doctor.probe import (Trainer, final_loss, learning_rate, loss_function, lr_probe, overfit_probe,
                                 relative_gradients, train_probe)
from nnfail.doctor.report import Finding, Report, Result
from nnfail.doctor.rules import CHECKS, SEVERITIES, THRESHOLDS, DoctorError

__all__ = ["diagnose", "Watch", "Report", "Result", "Finding", "DoctorError", "THRESHOLDS", "CHECKS", "SEVERITIES",
           "load_model", "load_data", "check_files"]


def __getattr__(name):
    if name == "Watch":  # a Keras callback: importing it imports Keras, so only when asked for
        from nnfail.doctor.watch import Watch

        return Watch
    raise AttributeError(f"module 'nnfail.doctor' has no attribute {name!r}")


OVERFIT_EXAMPLES = 16  # examples the probe tries to memorize (one small batch)


def diagnose(model, X, y, *, loss=None, optimizer=None, history=None, epochs: int | None = None,
             fit_batch_size: int | None = None, probe: bool = True,
             probe_steps: int = 300, batch_size: int = 32, overfit_examples: int = OVERFIT_EXAMPLES,
             overfit_steps: int = 300, max_rows: int = 4096, seed: int = 0) -> Report:
    """Run every check on ``model`` (any Keras model; the Dense-stack checks where they apply) with its training
    data ``X`` [examples, ...] and ``y``.

    ``loss``/``optimizer`` default to the model's compiled ones. ``history`` (a Keras ``History`` or a
    sequence of per-epoch losses from the reader's own training) is checked for stagnation, oscillation and
    divergence. How long the reader trained (from ``history.params``, or ``epochs`` and ``fit_batch_size``, the
    arguments they gave ``fit``; Keras's default batch is 32) is set against the probe: was the loss still
    falling fast at their number of updates? ``probe`` trains a copy for ``probe_steps`` minibatches of ``batch_size`` and separately
    tries to overfit ``overfit_examples`` examples in ``overfit_steps`` full-batch steps. At most
    ``max_rows`` rows (a random sample) are used for the statistics.
    """
    _check_settings(probe_steps=(probe_steps, 10), batch_size=(batch_size, 1),
                    overfit_examples=(overfit_examples, 2), overfit_steps=(overfit_steps, 10),
                    max_rows=(max_rows, 10), **{k: (v, 1) for k, v in dict(epochs=epochs,
                                                                      fit_batch_size=fit_batch_size).items()
                                                 if v is not None})
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Keras warns about some of the very mistakes the checks report (softmax over one unit, logits
        # after a sigmoid); the report says it once, with the fix
        warnings.simplefilter("ignore")
        case = _read(model, X, y, loss, max_rows, np.random.default_rng(seed))
        results = _static_checks(case)
        if history is not None:
            curve = history.history["loss"] if hasattr(history, "history") else list(history)
            val = history.history.get("val_loss") if hasattr(history, "history") else None
            results.append(C.check_loss_curve(curve, C.trivial_loss(case.loss, case.ys), source="your training"))
            results.append(C.check_training_length(curve, val))
        else:
            results.append(Result("training_length", "skipped", "no history given (pass history=model.fit(...))"))
        if case.stack:
            dead, sat = C.check_dead_units(case.layers, case.outs), C.check_saturation(case.layers, case.pres)
        else:
            dead, sat = C.not_applicable("dead_units"), C.not_applicable("saturation")
        blocked = [r.check for r in results if r.check in ("target_shape", "labels") and r.status == "high"]
        if not probe:
            probe_note = "no probe"
            results += [Result(check, "skipped", "probe=False") for check in
                        ("update_ratio", "overfit_batch", "fit_error", "learning_rate")
                        + (() if history is not None else ("loss_curve",))]
        elif blocked:
            probe_note = f"probe skipped ({' and '.join(c.replace('_', ' ') for c in blocked)} mismatch)"
            results.append(Result("fit_error", "skipped", probe_note))
        else:
            try:
                probed, dead, sat, probe_note = _probe_checks(case, dead, sat, optimizer, history is None,
                                                              probe_steps, batch_size, overfit_examples,
                                                              overfit_steps, _updates(history, epochs,
                                                                                      fit_batch_size, len(X)))
                results = _merge_length(results, probed)
                results += probed + [Result("fit_error", "ok", "the probe trained a copy of the model without error")]
            except Exception as exc:  # noqa: BLE001 - the reader gets a finding that quotes Keras, never a traceback
                results.append(C.fit_error(exc, "training a copy of the model on this data"))
                probe_note = "probe stopped by an error (see fit_error)"
    results = C.raise_by_effect(results + [dead, sat])
    order = list(CHECKS)
    results.sort(key=lambda r: order.index(r.check))
    return Report(results, _summary(model, case, loss, probe_note), time.perf_counter() - start)


@dataclass
class _Case:
    """The model read into arrays, the data, and the model's outputs on a sample of rows at init."""

    model: object  # the reader's Keras model (never changed: the probe trains a copy)
    X: np.ndarray
    y: np.ndarray
    layers: list[Dense]  # a Dense stack's layers; otherwise the output Dense layer (or none)
    loss: str  # normalized loss name
    from_logits: bool
    loss_obj: object  # what the probe trains with
    rng: np.random.Generator
    Xs: np.ndarray  # the sampled rows the statistics use
    ys: np.ndarray
    pres: list[np.ndarray]  # pre-activations of every layer on Xs (Dense stacks only)
    outs: list[np.ndarray]  # outputs of every layer on Xs (any other model: its output only)
    stack: bool = True  # a plain stack of Dense layers (the Dense-specific checks apply)
    first: str = "linear"  # the activation the inputs meet first

    @property
    def units(self) -> int | None:
        """Output units per example (None for outputs that are not [examples, units])."""
        out = self.outs[-1]
        return int(out.shape[1]) if out.ndim == 2 else (1 if out.ndim == 1 else None)


def _check_settings(**settings: tuple) -> None:
    for name, (value, low) in settings.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise DoctorError(f"{name} must be an integer >= {low}, got {value!r}")


def _read(model, X, y, loss, max_rows: int, rng: np.random.Generator) -> _Case:
    X, y = as_arrays(X, y)
    stack = X.ndim == 2 and is_dense_stack(model)
    if stack:
        layers = read_layers(model, X.shape[1])
    else:
        require_model(model, X.shape[1:])
        layers = output_layer(model)
    name, from_logits, loss_obj = loss_name_of(model, loss)
    rows = rng.choice(len(X), size=max_rows, replace=False) if len(X) > max_rows else np.arange(len(X))
    Xs, ys = X[rows], y[rows]
    if stack:
        pres, outs = forward(layers, Xs)
        first = layers[0].activation
    else:
        pres, outs, first = [], [predict(model, Xs)], first_activation(model)
    return _Case(model, X, y, layers, name, from_logits, loss_obj, rng, Xs, ys, pres, outs, stack, first)


def _static_checks(c: _Case) -> list[Result]:
    """The checks that need no training: data scales, labels and shapes, activations, initialization, kinks.
    On a model that is not a Dense stack the checks of its output layer run when it ends in a Dense layer,
    and the Dense-specific ones say they do not apply."""
    pred0 = c.outs[-1]
    out = [_input_scale(c), C.check_labels(c.ys, c.loss, c.units)]
    if c.layers:
        out += [*C.check_target(c.ys, c.loss, c.layers, pred0), C.check_target_shape(c.y, c.loss, c.layers),
                C.check_output_loss(c.ys, c.loss, c.from_logits, c.layers)]
    else:
        why = "the model's output is not a Dense layer's"
        out += [Result(check, "skipped", why) for check in ("target_scale", "output_bias", "target_shape",
                                                             "output_loss")]
    if c.stack:
        n = min(len(c.Xs), 2000)  # the baselines' sample
        out += [C.check_nonlinearity(c.layers, c.Xs[:n], c.ys[:n], c.loss), C.check_init_scale(c.layers)]
    else:
        out += [C.not_applicable("nonlinearity"), C.not_applicable("init_scale")]
    data_loss = _model_loss(c)
    out.append(C.check_initial_loss(c.loss, c.from_logits, c.ys, pred0, data_loss))
    out += [C.check_architecture(layer_kinds(c.model), c.units if c.loss in ("cce", "scce") else None),
            C.check_loss_target(c.ys, c.loss),
            C.check_sentinel(c.Xs) if c.Xs.ndim == 2 and c.Xs.shape[1] <= 200
            else Result("sentinel", "skipped", "inputs with more than 200 features (images, sequences) are not scanned"),
            _relation(c), C.check_regularization(_penalty(c.model), data_loss)]
    out.append(C.check_kink_coverage(c.Xs, c.layers, c.pres) if c.stack else C.not_applicable("kink_coverage"))
    out.append(C.check_gradient_flow(_relative_gradients(c)))
    return out


def _input_scale(c: _Case) -> Result:
    """The scale rule on the inputs as the model's first trainable layer sees them: after the model's own
    leading preprocessing layers (Rescaling, Normalization, BatchNormalization), which the evidence names."""
    seen, applied = leading_preprocessing(c.model, c.Xs)
    found = C.check_input_scale(seen.reshape(len(seen), -1), c.first)
    if not applied:
        return found
    return replace(found, evidence=f"after the model's own {', then '.join(applied)}: {found.evidence}")


def _relative_gradients(c: _Case) -> dict[str, float]:
    """Each Dense kernel's |dL/dW| / |W| at init on (up to 512 of) the sampled rows; empty where Keras cannot
    compute the loss for these shapes (the shape check says why)."""
    n = min(len(c.Xs), 512)
    try:
        return relative_gradients(c.model, c.loss_obj, c.Xs[:n], _as_fitted(c, c.ys[:n]), dense_only=c.stack)
    except Exception:  # noqa: BLE001 - a loss Keras cannot apply to these shapes
        return {}


def _relation(c: _Case) -> Result:
    n = min(len(c.Xs), 1000)
    return C.check_relation(c.Xs[:n], c.ys[:n], c.loss)  # a baseline that cannot be fitted says so (skipped)


def _penalty(model) -> float | None:
    """The layers' own losses (weight penalties) at the current weights."""
    try:
        losses = model.losses
        return float(sum(float(np.asarray(v)) for v in losses)) if losses else 0.0
    except Exception:  # noqa: BLE001
        return None


def _as_fitted(c: _Case, y: np.ndarray) -> np.ndarray:
    """y as Keras fits it against the model's outputs: a 1-D target becomes a column for one output unit."""
    return y.reshape(len(y), -1) if y.ndim == 1 and c.units == 1 else y


def _model_loss(c: _Case) -> float | None:
    """The model's own loss (its compiled loss object, or the one given) on its own outputs for the sampled
    rows, as Keras computes it in fit; None where Keras cannot compute it for these shapes."""
    import tensorflow as tf

    fn = loss_function(c.loss_obj)
    y = _as_fitted(c, c.ys)
    try:
        value = float(tf.reduce_mean(fn(tf.constant(y, tf.float32), c.model(c.Xs.astype(np.float32), training=False))))
    except Exception:  # noqa: BLE001 - a loss Keras cannot apply to these shapes: the check says so
        return None
    return None if np.isnan(value) else value


def _updates(history, epochs: int | None, fit_batch_size: int | None, n: int) -> tuple[int, str] | None:
    """How many optimizer steps the reader's training made, and how that was counted (None: not known)."""
    params = getattr(history, "params", None) or {}
    if params.get("epochs") and params.get("steps"):
        return int(params["epochs"]) * int(params["steps"]), f"{params['epochs']} epochs of {params['steps']} steps"
    if epochs is not None:
        size = fit_batch_size or 32  # Keras's default batch size
        per = -(-n // size)
        return epochs * per, f"{epochs} epochs of {per} batches of {min(size, n)} rows"
    return None


def _merge_length(results: list[Result], probed: list[Result]) -> list[Result]:
    """One training-length finding: the worse of the static one (the history's, or "skipped") and the
    probe's, which leaves ``probed``."""
    found = next((r for r in probed if r.check == "training_length"), None)
    if found is not None:
        probed.remove(found)
        i = next(i for i, r in enumerate(results) if r.check == "training_length")
        results[i] = _worse(results[i], found)
    return results


def _probe_checks(c: _Case, dead0: Result, sat0: Result, optimizer, check_curve: bool, steps: int,
                  batch_size: int, overfit_examples: int, overfit_steps: int, updates: tuple[int, str] | None = None):
    """Train copies of the model; return the probe's results, dead units and saturation (the worse of
    before and after training) and a note for the summary."""
    t0 = time.perf_counter()
    y_fit = _as_fitted(c, c.y)
    trainer = Trainer(c.model, c.loss_obj, optimizer, c.X.shape[1:], y_fit.shape, dense_only=c.stack)
    try:
        return _run_probes(c, trainer, y_fit, dead0, sat0, check_curve, steps, batch_size, overfit_examples,
                           overfit_steps, t0, updates)
    finally:
        trainer.release()


def _run_probes(c: _Case, trainer: Trainer, y_fit, dead0: Result, sat0: Result, check_curve: bool, steps: int,
                batch_size: int, overfit_examples: int, overfit_steps: int, t0: float, updates):
    X = c.X
    # the reader's number of updates, when the probe is long enough to compare it with, is snapshotted: the
    # training-length check scores the fit there
    snap = updates[0] if updates is not None and updates[0] * THRESHOLDS["length_probe_factor"] <= steps else None
    pr = train_probe(trainer, X, y_fit, c.rng, steps, batch_size, snapshot_at=snap)
    losses, weights = pr.losses, pr.weights
    diverged = None if pr.diverged_at is None else (pr.diverged_at, pr.diverged_value, pr.last_finite)
    # with the reader's history checked as the loss curve, the probe's divergence is said by update_ratio
    results = [C.check_update_ratio(pr.ratios, None if check_curve else diverged, pr.peaks)]
    if check_curve:
        results.append(C.check_loss_curve(losses, C.trivial_loss(c.loss, c.ys), diverged=diverged))
    dead, sat = dead0, sat0
    trained = [Dense(layer.name, k, b, layer.activation, layer.fn)
               for layer, k, b in zip(c.layers, weights[0::2], weights[1::2])] \
        if c.stack and len(weights) == 2 * len(c.layers) else None
    if trained is not None and all(np.isfinite(w).all() for w in weights):
        pres1, outs1 = forward(trained, c.Xs)
        dead = _worse(dead0, C.check_dead_units(trained, outs1, when=f"after {steps} probe steps"))
        sat = _worse(sat0, C.check_saturation(trained, pres1, when=f"after {steps} probe steps"))
    first, last, idx = overfit_probe(trainer, X, y_fit, c.rng, overfit_examples, overfit_steps)
    results.append(C.check_overfit(first, last, C.trivial_loss(c.loss, y_fit[idx]), len(idx), overfit_steps))
    # the learning-rate probe last, on its own generator, so the checks above see the draws they always saw
    rate = learning_rate(trainer)
    base = final_loss(pr)
    if steps < THRESHOLDS["lr_min_steps"]:
        results.append(Result("learning_rate", "skipped", f"a probe of {steps} steps is too short to compare rates "
                              f"(at least {THRESHOLDS['lr_min_steps']})"))
    else:
        finals = {} if rate is None else {1.0: base, **lr_probe(trainer, X, y_fit, np.random.default_rng(
            [int(c.rng.integers(2**31)), 7]), steps, batch_size,
            factors=(1 / THRESHOLDS["lr_factor"], THRESHOLDS["lr_factor"]), base=base)}
        results.append(C.check_learning_rate(rate, finals, C.trivial_loss(c.loss, c.ys), steps,
                                             None if trainer.schedule is None else type(trainer.schedule).__name__))
    if updates is not None and pr.diverged_at is None:  # last too: it may train once more, on its own generator
        results.append(_training_length(c, trainer, pr, updates, y_fit, steps, batch_size))
    return results, dead, sat, _note(steps, batch_size, X, idx, t0)


def _training_length(c: _Case, trainer: Trainer, pr, updates: tuple[int, str], y_fit, steps: int,
                     batch_size: int) -> Result:
    """The reader's number of updates against a probe at least length_probe_factor times as long: the main
    probe when it is that long, else (up to length_probe_max steps) a longer one from the same start."""
    need = int(np.ceil(THRESHOLDS["length_probe_factor"] * updates[0]))
    if steps < need <= THRESHOLDS["length_probe_max"]:
        pr = train_probe(trainer, c.X, y_fit, np.random.default_rng([int(c.rng.integers(2**31)), 11]), need,
                         batch_size, snapshot_at=updates[0])
        steps = need
        if pr.diverged_at is not None:
            return Result("training_length", "skipped", f"a probe of {need} steps diverged (see the learning rate)")
    at, end = (C.fit_score(c.loss, c.from_logits, pr.y_eval, p) for p in (pr.pred_at, pr.pred_end))
    scores = (at[0], end[0], at[1]) if at is not None and end is not None else None
    return C.check_updates(*updates, pr.losses, pr.every, steps, C.trivial_loss(c.loss, c.ys), scores)


def _note(steps, batch_size, X, idx, t0) -> str:
    return (f"probe {steps} steps of {min(batch_size, len(X))} + overfit {len(idx)} examples "
            f"({time.perf_counter() - t0:.1f} s)")


def _summary(model, c: _Case, loss, probe_note: str) -> dict:
    assumed = loss is None and getattr(model, "loss", None) is None
    if c.stack:
        layers = " -> ".join([str(c.layers[0].kernel.shape[0])]
                             + [f"{layer.kernel.shape[1]} {layer.activation}" for layer in c.layers])
    else:
        layers = " -> ".join(type(layer).__name__ for layer in model.layers
                             if type(layer).__name__ not in ("InputLayer",))
    return dict(model=getattr(model, "name", "?"), layers=layers,
                x_shape=list(c.X.shape), y_shape=list(c.y.shape),
                loss=c.loss + (" (logits)" if c.from_logits else "")
                + (" (assumed: no loss given and the model is not compiled)" if assumed else ""),
                probe=probe_note)


def _worse(a: Result, b: Result) -> Result:
    rank = {s: i for i, s in enumerate(SEVERITIES + ("ok", "skipped"))}
    return b if rank[b.status] < rank[a.status] else a
