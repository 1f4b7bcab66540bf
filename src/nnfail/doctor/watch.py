"""``nnfail.doctor.Watch``: the doctor inside a reader's own ``model.fit``.

    from nnfail.doctor import Watch
    watch = Watch(X_sample)                     # rows of the training inputs, for the unit statistics
    model.fit(X, y, epochs=50, callbacks=[watch])
    watch.report                                # the same findings and chapter links as `nnfail doctor`

During training it says, once each and as they happen: divergence (the batch and the value of the first
NaN/inf loss, and it stops training), ReLU units that died and sigmoid/tanh layers that saturated (checked
on ``X_sample`` every ``every`` epochs, for stacks of Dense layers), and a stalled loss. At the end it
prints a summary report: the loss curve, the training length (still falling / validation loss turned up),
dead units and saturation.
"""
from __future__ import annotations

import math
import time

import keras
import numpy as np
from threadpoolctl import threadpool_limits

from nnfail.doctor import checks as C
from nnfail.doctor.model import forward, is_dense_stack, read_layers
from nnfail.doctor.report import Report, Result
from nnfail.doctor.rules import CHECKS, SEVERITIES


# The unit checks' forward pass (a few matmuls on up to 256 rows) runs on one BLAS thread. With NumPy's
# OpenBLAS on every core, its worker threads kept spinning after each check and took the cores from the
# reader's training: Watch cost 1.20x the plain fit of chapter 2's model over 100 epochs, 1.02x with one
# thread, although the checks themselves took 0.16 s of 7.8 s (benchmarks/watch_overhead.py).
UNIT_CHECK_THREADS = 1


class Watch(keras.callbacks.Callback):
    """A Keras callback that runs the doctor's training-time checks during ``fit``.

    ``X_sample``: some training inputs (up to ``max_rows`` are kept) for the dead-unit and saturation checks;
    ``every``: check units at most every this many epochs, and only as often as keeps their cost within
    ``budget`` (a share of the fit's time: a check that took 0.05 s waits for 0.05 / budget s of training);
    ``stop_on_divergence``: stop training at the first non-finite loss; ``verbose``: print each finding when
    it appears and the report at the end.
    """

    def __init__(self, X_sample=None, every: int = 1, stop_on_divergence: bool = True, verbose: bool = True,
                 max_rows: int = 256, budget: float = 0.02):
        super().__init__()
        self.X = None if X_sample is None else np.asarray(X_sample, dtype=np.float64)[:max_rows]
        self.every, self.stop, self.verbose = max(1, int(every)), stop_on_divergence, verbose
        self.budget = budget
        self._next_check = 0.0  # perf_counter time before which no unit check runs
        self.losses: list[float] = []
        self.val_losses: list[float] = []
        self.events: list[Result] = []
        self.diverged: tuple[int, int, float] | None = None  # (epoch, batch, value)
        self.report: Report | None = None
        self._said: set[str] = set()
        self._epoch = 0
        self._t0 = 0.0

    # ------------------------------------------------------------------------------------------- events
    def _say(self, result: Result) -> None:
        """Record a finding; print it the first time its check raises one."""
        if result.status not in SEVERITIES:
            return
        self.events.append(result)
        if self.verbose and result.check not in self._said:
            page = f" (see chapters/{result.page[0]})" if result.page else ""
            print(f"nnfail Watch, epoch {self._epoch + 1}: [{result.status.upper()}] {CHECKS[result.check]}: "
                  f"{result.evidence}{page}", flush=True)
        self._said.add(result.check)

    def on_train_begin(self, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.diverged is not None or not logs or "loss" not in logs:
            return
        value = float(logs["loss"])
        if not math.isfinite(value):
            self.diverged = (self._epoch + 1, batch + 1, value)
            last = self.losses[-1] if self.losses else None
            self._say(Result("loss_curve", "high", f"the loss became {value} at batch {batch + 1} of epoch "
                             f"{self._epoch + 1}" + (f" (the last epoch's loss was {C.fmt(last)})" if last else ""),
                             fix="lower the learning rate (or clip gradients); check the inputs' and targets' scale"))
            if self.stop:
                self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if "loss" in logs:
            self.losses.append(float(logs["loss"]))
        if "val_loss" in logs:
            self.val_losses.append(float(logs["val_loss"]))
        if self.diverged is None and (epoch + 1) % self.every == 0 and time.perf_counter() >= self._next_check:
            t = time.perf_counter()
            for r in self._unit_checks(f"after epoch {epoch + 1}"):
                self._say(r)
            done = time.perf_counter()
            self._next_check = done + (done - t) / self.budget
            if len(self.losses) >= 8:
                r = C.check_loss_curve(self.losses, None, source="your training")
                if r.status == "high":
                    self._say(r)

    def on_train_end(self, logs=None):
        results = [C.check_loss_curve(self.losses, None, source="your training",
                                      diverged=None if self.diverged is None else
                                      (self.diverged[1], self.diverged[2], self.losses[-1] if self.losses else None)),
                   C.check_training_length(self.losses, self.val_losses or None)]
        why = ("the weights are not finite after the divergence" if self.diverged is not None else
               "no sample of X given (Watch(X_sample))" if self.X is None else
               "not applicable: the model is not a stack of Dense layers")
        results += self._unit_checks("at the end") or [Result("dead_units", "skipped", why),
                                                        Result("saturation", "skipped", why)]
        seen = {r.check for r in results if r.status in SEVERITIES}
        results += [r for r in self.events if r.check not in seen]  # what happened during training and is gone now
        order = list(CHECKS)
        results.sort(key=lambda r: order.index(r.check))
        loss = getattr(self.model, "loss", None)
        summary = dict(model=self.model.name,
                       layers=" -> ".join(type(layer).__name__ for layer in self.model.layers),
                       x_shape=None if self.X is None else ["sample", *self.X.shape[1:]], y_shape="-",
                       loss=loss if isinstance(loss, str) else type(loss).__name__,
                       probe=f"Watch over {len(self.losses)} epoch(s) of your fit")
        self.report = Report(results, summary, time.perf_counter() - self._t0)
        if self.verbose:
            print(self.report, flush=True)

    # ------------------------------------------------------------------------------------------- checks
    def _unit_checks(self, when: str) -> list[Result]:
        if self.X is None or self.X.ndim != 2 or not is_dense_stack(self.model):
            return []
        layers = read_layers(self.model, self.X.shape[1])
        if not all(np.isfinite(layer.kernel).all() for layer in layers):
            return []
        with threadpool_limits(UNIT_CHECK_THREADS):
            pres, outs = forward(layers, self.X)
        return [C.check_dead_units(layers, outs, when=when), C.check_saturation(layers, pres, when=when)]
