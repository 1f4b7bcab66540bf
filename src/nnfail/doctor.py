"""``nnfail.doctor``: find the book's failure causes in a reader's own Keras model and data.

    report = doctor.diagnose(model, X, y)        # a compiled keras.Sequential of Dense layers
    report                                        # a table in a notebook; print(report) for plain text
    report.findings                               # severity, evidence (value and threshold), fix, chapter

Every check reads the model's weights and the data directly (no fit needed); a short *probe* (on by
default) then trains a copy of the model, never the model itself, to measure update sizes, the loss
curve, saturation and dead units after training, and whether it can overfit one small batch. The rules
and thresholds are the ones published diagnosers use (UMLAUT, TheDeepChecker, DeepDiagnosis, NeuraLint,
the CS231n and Karpathy recipes; see ``THRESHOLDS``), plus two the book adds: inputs far too small, and
ReLU kink coverage of the data range.

Bad input (not a Keras model, an unsupported layer, shapes that do not match, NaN in the data) raises
:class:`DoctorError` with a message saying what to change, before anything is computed.
"""
from __future__ import annotations

import html
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

SEVERITIES = ("high", "medium", "low")

# Every threshold in one place, each with where it comes from.
THRESHOLDS = dict(
    input_too_small=1e-2,       # max |X| below this: the book's addition (chapter 2); no published tool checks it
    input_scale=10.0,           # max(|mean|, std) of a feature above this: not normalized (TheDeepChecker, UMLAUT)
    input_scale_high=100.0,     # ... and above this it is high severity whatever the first activation
    input_scale_saturating=3.0,  # a sigmoid/tanh first layer saturates beyond this (chapter 3)
    feature_ratio=100.0,        # largest / smallest feature scale (seed 003's third example)
    target_scale=10.0,          # max(|mean|, std) of a regression target (TheDeepChecker)
    target_scale_high=100.0,
    output_bias=3.0,            # |mean prediction at init - mean(y)| in units of std(y) (Karpathy's recipe)
    init_small=0.25,            # weight RMS below this share of the smallest of Glorot/He/LeCun scales
    init_large=4.0,             # weight RMS above this multiple of the largest of them
    initial_loss=10.0,          # loss at init over the trivial predictor's loss (Var(y); label entropy)
    dead_share=0.5,             # share of a ReLU layer's units never active on the data
    inactive_outputs=0.7,       # share of a ReLU layer's outputs that are zero (DeepDiagnosis)
    saturation=0.5,             # share of sigmoid/tanh pre-activations beyond the saturation point (DeepDiagnosis)
    saturation_z=5.0,           # |z| >= 5 for sigmoid; tanh saturates at half that
    update_ratio_high=0.1,      # median |dW| / |W| per step above this: steps too large (CS231n: ~1e-3)
    update_ratio_low=1e-6,      # ... below this: the layer hardly moves
    stagnation=0.05,            # less than 5% loss drop over the probe's second half, while still
    stagnation_level=0.5,       # ... above half the trivial predictor's loss
    divergence=2.0,             # final loss above twice the minimum, or not finite
    oscillation=0.5,            # share of sign changes between successive loss differences ...
    oscillation_size=0.1,       # ... with swings above 10% of the mean loss
    overfit=0.1,                # one small batch not brought below 10% of its trivial loss
)

CHAPTERS = {
    "checklist": ("Start here: a checklist", "00_checklist"),
    "scaling_disaster": ("1. The scaling disaster", "01_scaling_disaster"),
    "linear_stack": ("2. The linear-only Keras stack", "02_linear_stack"),
    "unnormalized_sigmoid": ("3. The unnormalized sigmoid network", "03_unnormalized_sigmoid"),
    "two_relu_coverage": ("4. Two-ReLU coverage", "04_two_relu_coverage"),
}

CHECKS = {  # key: title shown in the report
    "input_scale": "Input scale",
    "target_scale": "Target scale",
    "output_bias": "Output bias vs target mean",
    "target_shape": "Output shape vs target shape",
    "nonlinearity": "Nonlinearity between Dense layers",
    "output_loss": "Output activation vs loss",
    "init_scale": "Initial weight scale",
    "initial_loss": "Loss at initialization",
    "dead_units": "Dead ReLU units",
    "kink_coverage": "ReLU kinks over the data",
    "saturation": "Sigmoid/tanh saturation",
    "update_ratio": "Update-to-weight ratio",
    "loss_curve": "Loss curve",
    "overfit_batch": "Overfit one small batch",
}

SATURATING = ("sigmoid", "tanh", "hard_sigmoid", "softsign")
RELU_LIKE = ("relu", "relu6")
REGRESSION = ("mse", "mae", "huber", "msle", "log_cosh")
_LOSS_NAMES = {
    "mse": "mse", "mean_squared_error": "mse", "meansquarederror": "mse",
    "mae": "mae", "mean_absolute_error": "mae", "meanabsoluteerror": "mae",
    "huber": "huber", "huber_loss": "huber", "msle": "msle", "mean_squared_logarithmic_error": "msle",
    "log_cosh": "log_cosh", "logcosh": "log_cosh",
    "binary_crossentropy": "bce", "binarycrossentropy": "bce", "bce": "bce",
    "categorical_crossentropy": "cce", "categoricalcrossentropy": "cce",
    "sparse_categorical_crossentropy": "scce", "sparsecategoricalcrossentropy": "scce",
}


class DoctorError(ValueError):
    """The model or data cannot be diagnosed; the message says what to change."""


# ------------------------------------------------------------------------------------------ results
@dataclass(frozen=True)
class Result:
    """One check's outcome: ``status`` is a severity, "ok" or "skipped"."""

    check: str
    status: str
    evidence: str
    value: float | None = None
    threshold: float | None = None
    fix: str = ""
    chapter: str | None = None

    @property
    def title(self) -> str:
        return CHECKS[self.check]

    @property
    def is_finding(self) -> bool:
        return self.status in SEVERITIES

    def link(self, base: str = "") -> str | None:
        """The chapter's page, relative to ``base`` (the book's chapters/ folder by default)."""
        return None if self.chapter is None else f"{base}{CHAPTERS[self.chapter][1]}.html"


Finding = Result


@dataclass
class Report:
    results: list[Result]
    summary: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def findings(self) -> list[Result]:
        order = {s: i for i, s in enumerate(SEVERITIES)}
        return sorted((r for r in self.results if r.is_finding), key=lambda r: order[r.status])

    def has(self, check: str, at_least: str = "low") -> bool:
        """True when ``check`` raised a finding of severity ``at_least`` or worse."""
        worst = SEVERITIES.index(at_least)
        return any(r.check == check and SEVERITIES.index(r.status) <= worst for r in self.findings)

    def severities(self) -> dict[str, int]:
        return {s: sum(r.status == s for r in self.results) for s in SEVERITIES}

    def checks(self, status: str | None = None) -> list[str]:
        return [r.check for r in self.results if status is None or r.status == status]

    def to_dict(self) -> dict:
        return dict(summary=self.summary, seconds=self.seconds,
                    results=[dict(check=r.check, title=r.title, status=r.status, evidence=r.evidence,
                                  value=r.value, threshold=r.threshold, fix=r.fix,
                                  chapter=r.chapter and CHAPTERS[r.chapter][0]) for r in self.results])

    def _headline(self) -> str:
        n = self.severities()
        s = self.summary
        found = ", ".join(f"{v} {k}" for k, v in n.items() if v) or "no findings"
        return (f"nnfail doctor: {found} -- model {s.get('model')} ({s.get('layers')}), "
                f"X {s.get('x_shape')}, y {s.get('y_shape')}, loss {s.get('loss')}, {s.get('probe')}, "
                f"{self.seconds:.1f} s")

    def __str__(self) -> str:
        lines = [self._headline(), ""]
        for r in self.findings:
            lines.append(f"[{r.status.upper()}] {r.title}: {r.evidence}")
            lines.append(f"    fix: {r.fix}")
            if r.chapter:
                lines.append(f"    see: {CHAPTERS[r.chapter][0]} (chapters/{CHAPTERS[r.chapter][1]})")
        rest = [r for r in self.results if not r.is_finding]
        if rest:
            lines.append("" if self.findings else "No check raised a finding.")
            for r in rest:
                lines.append(f"  {r.status:>7}  {r.title}: {r.evidence}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        colors = dict(high="#d55e00", medium="#e69f00", low="#56b4e9", ok="#009e73", skipped="#999999")
        rows = []
        for r in self.findings + [r for r in self.results if not r.is_finding]:
            link = r.link()
            see = f'<a href="{esc(link)}">{esc(CHAPTERS[r.chapter][0])}</a>' if link else ""
            rows.append(
                f'<tr><td style="color:{colors[r.status]};font-weight:bold">{esc(r.status)}</td>'
                f"<td>{esc(r.title)}</td><td>{esc(r.evidence)}</td><td>{esc(r.fix)}</td><td>{see}</td></tr>")
        return (f"<p><strong>{esc(self._headline())}</strong></p>"
                '<table class="nnfail-doctor"><thead><tr><th>status</th><th>check</th><th>evidence</th>'
                f"<th>fix</th><th>chapter</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


# ------------------------------------------------------------------------------------ model reading
@dataclass
class _Dense:
    name: str
    kernel: np.ndarray
    bias: np.ndarray
    activation: str
    fn: Any  # the activation callable


def _activation_name(keras, fn) -> str:
    try:
        name = keras.activations.serialize(fn)
    except Exception:  # noqa: BLE001 - a custom callable
        name = getattr(fn, "__name__", "custom")
    if isinstance(name, dict):
        name = name.get("config", {}).get("name", name.get("class_name", "custom"))
    return str(name).lower()


def _read_layers(model, n_features: int) -> list[_Dense]:
    import keras

    if not isinstance(model, keras.Model):
        raise DoctorError(f"expected a Keras model (keras.Sequential or keras.Model), got {type(model).__name__}")
    if not model.built:
        try:
            model.build((None, n_features))
        except Exception as exc:  # noqa: BLE001
            raise DoctorError(f"the model is not built and cannot be built for {n_features} input "
                              f"feature(s): {exc}") from None
    skip = (keras.layers.InputLayer, keras.layers.Dropout, keras.layers.GaussianNoise,
            keras.layers.GaussianDropout, keras.layers.AlphaDropout)
    act_layers = {keras.layers.Activation: None, keras.layers.ReLU: "relu", keras.layers.ELU: "elu",
                  keras.layers.LeakyReLU: "leaky_relu", keras.layers.Softmax: "softmax"}
    dense: list[_Dense] = []
    for layer in model.layers:
        kind = type(layer).__name__
        if isinstance(layer, skip):
            continue
        if isinstance(layer, keras.layers.Dense):
            kernel, *rest = [np.asarray(w, dtype=np.float64) for w in layer.get_weights()]
            bias = rest[0] if rest else np.zeros(kernel.shape[1])
            dense.append(_Dense(layer.name, kernel, bias, _activation_name(keras, layer.activation),
                                layer.activation))
        elif isinstance(layer, tuple(act_layers)):
            if not dense or dense[-1].activation != "linear":
                raise DoctorError(f"layer {layer.name!r} ({kind}) must follow a Dense layer without activation")
            fn = layer
            name = act_layers[type(layer)] or _activation_name(keras, layer.activation)
            dense[-1].activation, dense[-1].fn = name, fn
        else:
            raise DoctorError(
                f"layer {layer.name!r} ({kind}) is not supported: the doctor reads stacks of Dense layers, "
                "optionally with Activation, ReLU/ELU/LeakyReLU/Softmax and Dropout layers between them")
    if not dense:
        raise DoctorError("the model has no Dense layer")
    for a, b in zip(dense, dense[1:]):
        if a.kernel.shape[1] != b.kernel.shape[0]:
            raise DoctorError(f"layers {a.name!r} and {b.name!r} are not a plain stack (shapes "
                              f"{a.kernel.shape} and {b.kernel.shape})")
    if dense[0].kernel.shape[0] != n_features:
        raise DoctorError(f"the model takes {dense[0].kernel.shape[0]} input feature(s) but X has {n_features}")
    return dense


def _forward(layers: Sequence[_Dense], x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Pre-activations and outputs of every layer, in float64 numpy."""
    import keras

    pre, out = [], []
    h = x
    for layer in layers:
        z = h @ layer.kernel + layer.bias
        if layer.activation == "linear":
            h = z
        else:
            h = np.asarray(keras.ops.convert_to_numpy(layer.fn(keras.ops.convert_to_tensor(z.astype(np.float32)))),
                           dtype=np.float64)
        pre.append(z)
        out.append(h)
    return pre, out


def _loss_name(model, loss) -> tuple[str, bool, Any]:
    """(normalized name, from_logits, the loss object to train the probe with)."""
    given = loss if loss is not None else getattr(model, "loss", None)
    if given is None:
        return "mse", False, "mse"
    if isinstance(given, str):
        key = given.lower()
        if key not in _LOSS_NAMES:
            return "other", False, given
        return _LOSS_NAMES[key], False, given
    config = {}
    try:
        config = given.get_config()
    except Exception:  # noqa: BLE001 - a plain function
        pass
    name = str(config.get("name") or getattr(given, "__name__", type(given).__name__)).lower()
    return _LOSS_NAMES.get(name, "other"), bool(config.get("from_logits", False)), given


def _as_arrays(X, y) -> tuple[np.ndarray, np.ndarray]:
    def convert(a, what):
        try:
            arr = np.asarray(a, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DoctorError(f"{what} must be numeric: {exc}") from None
        if arr.size == 0:
            raise DoctorError(f"{what} is empty")
        bad = ~np.isfinite(arr)
        if bad.any():
            rows = np.unique(np.nonzero(bad)[0])
            raise DoctorError(f"{what} has {int(bad.sum())} NaN/inf value(s), first in row {int(rows[0])}: "
                              "drop or impute them before training (and before the doctor)")
        return arr

    X, y = convert(X, "X"), convert(y, "y")
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise DoctorError(f"X must be [examples, features], got shape {X.shape}")
    if y.ndim > 2:
        raise DoctorError(f"y must be [examples] or [examples, outputs], got shape {y.shape}")
    if len(X) != len(y):
        raise DoctorError(f"X has {len(X)} rows but y has {len(y)}")
    if len(X) < 2:
        raise DoctorError("need at least 2 examples")
    return X, y


# ------------------------------------------------------------------------------------------- checks
def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _scale(a: np.ndarray) -> np.ndarray:
    """Per column max(|mean|, std): about 1 for standardized or [0, 1]-ranged data."""
    return np.maximum(np.abs(a.mean(axis=0)), a.std(axis=0))


def check_input_scale(X, layers) -> Result:
    t = THRESHOLDS
    top = float(np.abs(X).max())
    scales = _scale(X)
    worst = int(np.argmax(scales))
    s = float(scales[worst])
    moving = scales[X.std(axis=0) > 0]
    ratio = float(moving.max() / moving.min()) if len(moving) > 1 and moving.min() > 0 else 1.0
    first = layers[0].activation
    if top < t["input_too_small"]:
        return Result("input_scale", "high", f"max |X| = {_fmt(top)}, below {_fmt(t['input_too_small'])}: the first "
                      "layer sees almost nothing, so it stays near affine and its updates are tiny",
                      top, t["input_too_small"], "standardize X (or divide by its max |X|, not by a far larger number)",
                      "linear_stack")
    limit = t["input_scale_saturating"] if first in SATURATING else t["input_scale"]
    if s > limit or s > t["input_scale_high"]:
        high = s > t["input_scale_high"] or first in SATURATING
        why = f"a {first} first layer saturates" if first in SATURATING else "far from mean 0, std 1"
        return Result("input_scale", "high" if high else "medium",
                      f"feature {worst} has max(|mean|, std) = {_fmt(s)}, above {_fmt(limit)} ({why})", s, limit,
                      "standardize X with the training set's mean and std (e.g. sklearn StandardScaler)",
                      "unnormalized_sigmoid")
    if ratio > t["feature_ratio"]:
        return Result("input_scale", "high", f"feature scales differ by a factor {_fmt(ratio)}, above "
                      f"{_fmt(t['feature_ratio'])}: one learning rate cannot suit both", ratio, t["feature_ratio"],
                      "standardize each feature separately", "checklist")
    return Result("input_scale", "ok", f"max(|mean|, std) per feature at most {_fmt(s)}, max |X| = {_fmt(top)}, "
                  f"feature scale ratio {_fmt(ratio)}", s, limit)


def check_target(y, loss, layers, pred0) -> list[Result]:
    t = THRESHOLDS
    if loss not in REGRESSION:
        reason = f"loss {loss} is not a regression loss"
        return [Result("target_scale", "skipped", reason), Result("output_bias", "skipped", reason)]
    s = float(_scale(y.reshape(len(y), -1)).max())
    out = layers[-1].activation
    if s > t["target_scale"]:
        sev = "high" if s > t["target_scale_high"] and out == "linear" else "medium"
        scale = Result("target_scale", sev, f"y has max(|mean|, std) = {_fmt(s)}, above {_fmt(t['target_scale'])}: "
                       "a network started at outputs near 0 must grow its weights by that factor first", s,
                       t["target_scale"], "standardize y (fit on (y - mean) / std, invert the predictions)",
                       "scaling_disaster")
    else:
        scale = Result("target_scale", "ok", f"y has max(|mean|, std) = {_fmt(s)}", s, t["target_scale"])
    sd = float(y.std())
    if sd == 0:
        return [scale, Result("output_bias", "skipped", "y is constant")]
    gap = float(abs(pred0.mean() - y.mean()) / sd)
    if gap > t["output_bias"]:
        bias = Result("output_bias", "medium", f"mean prediction at init is {_fmt(gap)} std(y) from mean(y), above "
                      f"{_fmt(t['output_bias'])}", gap, t["output_bias"],
                      "start the output bias at mean(y) (bias_initializer=Constant(mean)), or center y",
                      "scaling_disaster")
    else:
        bias = Result("output_bias", "ok", f"mean prediction at init is {_fmt(gap)} std(y) from mean(y)", gap,
                      t["output_bias"])
    return [scale, bias]


def check_target_shape(y, loss, layers) -> Result:
    units = layers[-1].kernel.shape[1]
    cols = 1 if y.ndim == 1 else y.shape[1]
    if loss == "scce" or units == cols or (loss == "cce" and y.ndim == 2 and y.shape[1] == units):
        return Result("target_shape", "ok", f"the model outputs {units} value(s) per example, y has {cols}")
    return Result("target_shape", "high", f"the model outputs {units} values per example but y has {cols}: "
                  "Keras broadcasts the two, so each output unit is compared with the wrong targets (or fit "
                  "raises for most batch sizes)", units, cols,
                  f"make the last layer Dense({cols}) (or give y {units} columns)", "linear_stack")


def check_nonlinearity(layers) -> Result:
    linear = [layer.name for layer in layers[:-1] if layer.activation == "linear"]
    if linear:
        return Result("nonlinearity", "high", f"hidden layer(s) {', '.join(linear)} have no activation: consecutive "
                      "linear layers collapse into one affine map, whatever their widths", len(linear), 0,
                      "give every hidden Dense layer an activation (relu, elu, tanh)", "linear_stack")
    if len(layers) == 1:
        return Result("nonlinearity", "ok", "a single Dense layer (a linear/logistic model by design)")
    return Result("nonlinearity", "ok", "every hidden layer has an activation: "
                  + ", ".join(layer.activation for layer in layers[:-1]))


def check_output_loss(y, loss, from_logits, layers) -> Result:
    out, units = layers[-1].activation, layers[-1].kernel.shape[1]
    lo, hi = float(y.min()), float(y.max())
    problem = None
    if out == "softmax" and units == 1:
        problem = ("a softmax over one unit always outputs 1", "use Dense(1, activation='sigmoid') with binary "
                   "cross-entropy, or a linear output for regression")
    elif loss == "bce" and (lo < 0 or hi > 1):
        problem = (f"binary cross-entropy needs targets in [0, 1], y spans [{_fmt(lo)}, {_fmt(hi)}]",
                   "use a regression loss (mse) or encode the classes as 0/1")
    elif loss == "bce" and from_logits and out == "sigmoid":
        problem = ("from_logits=True after a sigmoid output applies the sigmoid twice",
                   "drop the output activation or set from_logits=False")
    elif loss == "bce" and not from_logits and out != "sigmoid":
        problem = (f"binary cross-entropy expects probabilities but the output activation is {out}",
                   "use activation='sigmoid' on the output, or BinaryCrossentropy(from_logits=True)")
    elif loss in REGRESSION and out in ("sigmoid", "hard_sigmoid") and (lo < 0 or hi > 1):
        problem = (f"a {out} output lies in (0, 1) but y spans [{_fmt(lo)}, {_fmt(hi)}]",
                   "use a linear output (or rescale y into (0, 1))")
    elif loss in REGRESSION and out in ("tanh", "softsign") and (lo < -1 or hi > 1):
        problem = (f"a {out} output lies in (-1, 1) but y spans [{_fmt(lo)}, {_fmt(hi)}]",
                   "use a linear output (or rescale y into (-1, 1))")
    elif loss in REGRESSION and out in RELU_LIKE + ("softplus", "exponential") and lo < 0:
        problem = (f"a {out} output cannot be negative but y goes down to {_fmt(lo)}", "use a linear output")
    if problem:
        return Result("output_loss", "high", problem[0], fix=problem[1], chapter="checklist")
    binary = bool(np.isin(y, (0.0, 1.0)).all())
    if loss in ("mse", "mae") and out == "sigmoid" and binary:
        return Result("output_loss", "low", "sigmoid output with a squared-error loss on 0/1 labels: gradients fade as "
                      "outputs saturate (it still learns, more slowly)", fix="use binary cross-entropy",
                      chapter="unnormalized_sigmoid")
    return Result("output_loss", "ok", f"{out} output with {loss} loss on y in [{_fmt(lo)}, {_fmt(hi)}]")


def check_init_scale(layers) -> Result:
    t = THRESHOLDS
    worst = None
    for i, layer in enumerate(layers):
        fan_in, fan_out = layer.kernel.shape
        refs = dict(Glorot=math.sqrt(2 / (fan_in + fan_out)), He=math.sqrt(2 / fan_in), LeCun=math.sqrt(1 / fan_in))
        rms = float(np.sqrt(np.mean(layer.kernel ** 2)))
        hidden = i < len(layers) - 1
        if hidden and fan_out > 1 and np.allclose(layer.kernel, layer.kernel[:, :1]) \
                and np.allclose(layer.bias, layer.bias[0]):
            return Result("init_scale", "high", f"layer {layer.name}: all {fan_out} units start identical, so they "
                          "get identical gradients and stay copies of one unit", rms, None,
                          "use a random kernel initializer (Keras's default glorot_uniform, or he_normal for relu)",
                          "scaling_disaster")
        small = rms / min(refs.values())
        large = rms / max(refs.values())
        if hidden and small < t["init_small"] and (worst is None or small < worst[0]):
            worst = (small, "small", layer, rms, refs)
        elif large > t["init_large"] and (worst is None or worst[1] == "large" and large > worst[0]):
            worst = (large, "large", layer, rms, refs)
    if worst is None:
        return Result("init_scale", "ok", "every layer's weight RMS is within the usual range of the "
                      "Glorot/He/LeCun scales for its fan-in and fan-out")
    ratio, kind, layer, rms, refs = worst
    ref = ", ".join(f"{k} {_fmt(v)}" for k, v in refs.items())
    threshold = t["init_small"] if kind == "small" else t["init_large"]
    word = "below" if kind == "small" else "above"
    return Result("init_scale", "medium", f"layer {layer.name}: weight RMS {_fmt(rms)} vs {ref} (ratio {_fmt(ratio)}, "
                  f"{word} {_fmt(threshold)})", ratio, threshold,
                  "use Keras's default glorot_uniform (he_normal for relu) instead of a fixed-std initializer",
                  "scaling_disaster")


def _numpy_loss(loss: str, from_logits: bool, y: np.ndarray, pred: np.ndarray) -> float | None:
    y = y.reshape(len(y), -1)
    if pred.shape != y.shape:
        return None
    if loss == "mse":
        return float(np.mean((pred - y) ** 2))
    if loss == "mae":
        return float(np.mean(np.abs(pred - y)))
    if loss == "bce":
        p = 1 / (1 + np.exp(-pred)) if from_logits else pred
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    return None


def _trivial_loss(loss: str, y: np.ndarray) -> float | None:
    y = y.reshape(len(y), -1)
    if loss == "mse":
        return float(np.mean(y.var(axis=0)))
    if loss == "mae":
        return float(np.mean(np.abs(y - np.median(y, axis=0))))
    if loss == "bce":
        p = np.clip(y.mean(axis=0), 1e-7, 1 - 1e-7)
        return float(np.mean(-(p * np.log(p) + (1 - p) * np.log(1 - p))))
    return None


def check_initial_loss(loss, from_logits, y, pred0) -> Result:
    l0, trivial = _numpy_loss(loss, from_logits, y, pred0), _trivial_loss(loss, y)
    if l0 is None or not trivial:
        return Result("initial_loss", "skipped", f"no trivial baseline for loss {loss} with these shapes")
    ratio = l0 / trivial
    t = THRESHOLDS["initial_loss"]
    if ratio > t:
        return Result("initial_loss", "medium", f"loss at init {_fmt(l0)} is {_fmt(ratio)}x the loss of always "
                      f"predicting the mean ({_fmt(trivial)}), above {_fmt(t)}x", ratio, t,
                      "scale y and the initial weights so that the untrained model predicts about the mean",
                      "scaling_disaster")
    return Result("initial_loss", "ok", f"loss at init {_fmt(l0)}, {_fmt(ratio)}x the trivial predictor's", ratio, t)


def check_dead_units(layers, outs, when: str = "at init") -> Result:
    t = THRESHOLDS
    worst = None
    for layer, h in zip(layers[:-1], outs[:-1]):
        if layer.activation not in RELU_LIKE:
            continue
        dead = float((h <= 0).all(axis=0).mean())
        zeros = float((h <= 0).mean())
        if worst is None or (dead, zeros) > worst[:2]:
            worst = (dead, zeros, layer)
    if worst is None:
        return Result("dead_units", "skipped", "no hidden ReLU layer")
    dead, zeros, layer = worst
    ev = f"{when}, layer {layer.name}: {dead:.0%} of units never active on the data, {zeros:.0%} of outputs zero"
    fix = "start biases slightly positive or use He initialization, lower the learning rate, or use leaky_relu/elu"
    if dead >= 1:
        return Result("dead_units", "high", ev + ": the network is constant", dead, t["dead_share"], fix,
                      "two_relu_coverage")
    if dead > t["dead_share"]:
        return Result("dead_units", "high", ev + f" (above {t['dead_share']:.0%})", dead, t["dead_share"], fix,
                      "two_relu_coverage")
    if zeros >= t["inactive_outputs"]:
        return Result("dead_units", "medium", ev + f" (at least {t['inactive_outputs']:.0%})", zeros,
                      t["inactive_outputs"], fix, "two_relu_coverage")
    return Result("dead_units", "ok", ev, dead, t["dead_share"])


def check_kink_coverage(X, layers, pres) -> Result:
    first = layers[0]
    if first.activation not in RELU_LIKE or len(layers) < 2:
        return Result("kink_coverage", "skipped", "the first layer is not a hidden ReLU layer")
    active = pres[0] > 0
    switching = float((active.any(axis=0) & ~active.all(axis=0)).mean())
    fix = ("widen the layer (16+ units), or start the biases so the kinks -b/w spread over the data range; "
           "standardize X")
    if X.shape[1] == 1:
        lo, hi = int(np.argmin(X[:, 0])), int(np.argmax(X[:, 0]))
        bare = [name for name, i in (("lowest", lo), ("highest", hi)) if not active[i].any()]
        w, b = first.kernel[0], first.bias
        with np.errstate(divide="ignore", invalid="ignore"):
            kinks = -b / w
        inside = int(np.sum((kinks > X.min()) & (kinks < X.max())))
        if bare:
            return Result("kink_coverage", "high", f"at the {' and '.join(bare)} x no unit of {first.name} is active: "
                          "the fit is a constant there and no gradient reaches those points "
                          f"({inside} of {len(w)} kinks inside the data range)", len(bare), 0, fix,
                          "two_relu_coverage")
        ev = f"both ends of the x range are covered; {inside} of {len(w)} kinks lie inside it"
    else:
        ev = f"{switching:.0%} of {first.name}'s units switch on or off within the data"
    if switching == 0:
        return Result("kink_coverage", "medium", ev + ": no unit switches within the data, so the first layer is "
                      "affine over it", switching, 0, fix, "linear_stack")
    return Result("kink_coverage", "ok", ev, switching, 0)


def check_saturation(layers, pres, when: str = "at init") -> Result:
    t = THRESHOLDS
    worst = None
    for layer, z in zip(layers[:-1], pres[:-1]):
        if layer.activation not in SATURATING:
            continue
        limit = t["saturation_z"] if layer.activation in ("sigmoid", "hard_sigmoid") else t["saturation_z"] / 2
        share = float((np.abs(z) >= limit).mean())
        if worst is None or share > worst[0]:
            worst = (share, layer, limit)
    if worst is None:
        return Result("saturation", "skipped", "no hidden sigmoid/tanh layer")
    share, layer, limit = worst
    ev = f"{when}, layer {layer.name} ({layer.activation}): {share:.0%} of pre-activations have |z| >= {_fmt(limit)}"
    if share > t["saturation"]:
        return Result("saturation", "high", ev + f", above {t['saturation']:.0%}: their gradients are nearly 0",
                      share, t["saturation"], "standardize X, use smaller initial weights or a lower learning rate",
                      "unnormalized_sigmoid")
    return Result("saturation", "ok", ev, share, t["saturation"])


def check_update_ratio(ratios: dict[str, float]) -> Result:
    t = THRESHOLDS
    if not ratios:
        return Result("update_ratio", "skipped", "no probe")
    name_hi, hi = max(ratios.items(), key=lambda kv: kv[1])
    name_lo, lo = min(ratios.items(), key=lambda kv: kv[1])
    if not math.isfinite(hi) or hi > t["update_ratio_high"]:
        return Result("update_ratio", "high", f"layer {name_hi}: median |dW|/|W| per step {_fmt(hi)}, above "
                      f"{_fmt(t['update_ratio_high'])} (healthy: about 1e-3)", hi, t["update_ratio_high"],
                      "lower the learning rate (or standardize X and y so the gradients are of order 1)", "checklist")
    if lo < t["update_ratio_low"]:
        return Result("update_ratio", "medium", f"layer {name_lo}: median |dW|/|W| per step {_fmt(lo)}, below "
                      f"{_fmt(t['update_ratio_low'])}: it hardly moves", lo, t["update_ratio_low"],
                      "raise the learning rate, or rescale inputs/targets that make the gradients tiny", "checklist")
    return Result("update_ratio", "ok", f"median |dW|/|W| per step between {_fmt(lo)} and {_fmt(hi)}", hi,
                  t["update_ratio_high"])


def check_loss_curve(losses: Sequence[float], trivial: float | None, source: str = "probe") -> Result:
    t = THRESHOLDS
    L = np.asarray(losses, dtype=float)
    if len(L) < 4:
        return Result("loss_curve", "skipped", f"{source}: fewer than 4 loss values")
    fix_div = "lower the learning rate (and standardize X and y); check for NaN in the data"
    if not np.isfinite(L).all():
        at = int(np.argmin(np.isfinite(L)))
        return Result("loss_curve", "high", f"{source}: the loss becomes NaN/inf at point {at} of {len(L)}: diverged",
                      float("nan"), None, fix_div, "checklist")
    lowest = float(L.min())
    if L[-1] > t["divergence"] * lowest and L[-1] > L[0]:
        return Result("loss_curve", "high", f"{source}: final loss {_fmt(L[-1])} is {_fmt(L[-1] / lowest)}x its "
                      f"minimum {_fmt(lowest)}, above {_fmt(t['divergence'])}x: diverging", float(L[-1] / lowest),
                      t["divergence"], fix_div, "checklist")
    d = np.diff(L)
    flips = float(np.mean(np.sign(d[1:]) != np.sign(d[:-1]))) if len(d) > 1 else 0.0
    swing = float(np.std(d) / max(np.mean(np.abs(L)), 1e-300))
    if flips > t["oscillation"] and swing > t["oscillation_size"]:
        return Result("loss_curve", "medium", f"{source}: the loss changes direction at {flips:.0%} of points with "
                      f"swings of {swing:.0%} of its mean: oscillating", flips, t["oscillation"],
                      "lower the learning rate or enlarge the batch", "checklist")
    mid = L[len(L) // 2]
    drop = float((mid - L[-1]) / mid) if mid > 0 else 0.0
    stuck = trivial is not None and L[-1] > t["stagnation_level"] * trivial
    if drop < t["stagnation"] and stuck:
        return Result("loss_curve", "medium", f"{source}: the loss fell {drop:.1%} over the second half (below "
                      f"{t['stagnation']:.0%}) and is still {_fmt(L[-1] / trivial)}x the trivial predictor's: "
                      "stagnating", drop, t["stagnation"],
                      "check the findings above (scale, activations, init); then the learning rate", "checklist")
    return Result("loss_curve", "ok", f"{source}: loss {_fmt(L[0])} -> {_fmt(L[-1])} (lowest {_fmt(lowest)})",
                  drop, t["stagnation"])


def check_overfit(first: float, last: float, trivial: float | None, n: int, steps: int) -> Result:
    t = THRESHOLDS["overfit"]
    if trivial is None or trivial <= 0:
        return Result("overfit_batch", "skipped", "no trivial baseline for this loss on the batch")
    share = last / trivial if math.isfinite(last) else float("inf")
    ev = (f"{n} examples, {steps} steps: loss {_fmt(first)} -> {_fmt(last)}, {_fmt(share)}x the batch's "
          "trivial-predictor loss")
    if share > t:
        if not math.isfinite(last) or last >= first:
            sev, why = "high", "the loss did not fall at all"
        elif last > 0.5 * first:
            sev, why = "medium", "the loss fell by less than half"
        else:
            sev, why = "low", "falling, but not memorized in this budget"
        return Result("overfit_batch", sev, ev + f", above {_fmt(t)}x: {why}", share, t,
                      "fix the findings above first; then try a larger learning rate or more capacity",
                      "checklist")
    return Result("overfit_batch", "ok", ev, share, t)


# --------------------------------------------------------------------------------------------- probe
def _probe(model, loss_obj, X, y, rng, steps: int, batch_size: int, optimizer, evals: int = 30):
    """Train a copy with the model's own optimizer settings; return losses, update ratios, final weights."""
    import keras
    import tensorflow as tf

    clone = keras.models.clone_model(model)
    clone.build((None, X.shape[1]))
    clone.set_weights(model.get_weights())
    if optimizer is None:
        optimizer = getattr(model, "optimizer", None)
    opt = (keras.optimizers.deserialize(keras.optimizers.serialize(optimizer)) if optimizer is not None
           else keras.optimizers.Adam())
    loss_fn = keras.losses.get(loss_obj) if isinstance(loss_obj, str) else loss_obj
    variables = clone.trainable_variables
    dense = [layer for layer in clone.layers if isinstance(layer, keras.layers.Dense)]
    kernels = [layer.kernel for layer in dense]
    opt.build(variables)

    @tf.function
    def step(xb, yb):
        before = [tf.identity(v) for v in kernels]
        with tf.GradientTape() as tape:
            value = tf.reduce_mean(loss_fn(yb, clone(xb, training=True)))
        grads = tape.gradient(value, variables)
        opt.apply_gradients(zip(grads, variables))
        ratios = [tf.norm(v - b) / (tf.norm(b) + 1e-12) for v, b in zip(kernels, before)]
        return value, tf.stack(ratios)

    @tf.function
    def evaluate(xb, yb):
        return tf.reduce_mean(loss_fn(yb, clone(xb, training=False)))

    Xf, yf = X.astype(np.float32), y.astype(np.float32)
    ev = rng.choice(len(X), size=min(len(X), 2048), replace=False)
    x_eval, y_eval = tf.constant(Xf[ev]), tf.constant(yf[ev])
    losses = [float(evaluate(x_eval, y_eval))]
    ratios = []
    every = max(1, steps // evals)
    bs = min(batch_size, len(X))
    for s in range(steps):
        idx = rng.choice(len(X), size=bs, replace=False)
        _, r = step(tf.constant(Xf[idx]), tf.constant(yf[idx]))
        ratios.append(r.numpy())
        if (s + 1) % every == 0:
            value = float(evaluate(x_eval, y_eval))
            losses.append(value)
            if not math.isfinite(value):
                break
    names = [layer.name for layer in dense]
    med = np.median(np.array(ratios), axis=0) if ratios else []
    return losses, dict(zip(names, map(float, med))), clone.get_weights()


def _overfit_probe(model, loss_obj, X, y, rng, n: int, steps: int, optimizer):
    idx = rng.choice(len(X), size=min(n, len(X)), replace=False)
    losses, _, _ = _probe(model, loss_obj, X[idx], y[idx], rng, steps, len(idx), optimizer, evals=steps)
    last = min(losses[-3:]) if all(map(math.isfinite, losses)) else float("inf")
    return losses[0], last, idx


# ------------------------------------------------------------------------------------------ diagnose
def diagnose(model, X, y, *, loss=None, optimizer=None, history=None, probe: bool = True,
             probe_steps: int = 300, batch_size: int = 32, overfit_examples: int = 16,
             overfit_steps: int = 300, max_rows: int = 4096, seed: int = 0) -> Report:
    """Run every check on ``model`` (Keras, Dense layers) with its training data ``X`` [n, d], ``y``.

    ``loss``/``optimizer`` default to the model's compiled ones. ``history`` (a Keras ``History`` or a
    sequence of per-epoch losses from the reader's own training) is checked for stagnation, oscillation and
    divergence. ``probe`` trains a copy for ``probe_steps`` minibatches of ``batch_size`` and separately
    tries to overfit ``overfit_examples`` examples in ``overfit_steps`` full-batch steps. At most
    ``max_rows`` rows (a random sample) are used for the statistics.
    """
    with warnings.catch_warnings():
        # Keras warns about some of the very mistakes the checks report (softmax over one unit, logits
        # after a sigmoid); the report says it once, with the fix
        warnings.simplefilter("ignore")
        return _diagnose(model, X, y, loss, optimizer, history, probe, probe_steps, batch_size, overfit_examples,
                         overfit_steps, max_rows, seed)


def _diagnose(model, X, y, loss, optimizer, history, probe, probe_steps, batch_size, overfit_examples,
              overfit_steps, max_rows, seed) -> Report:
    start = time.perf_counter()
    for name, value, low in (("probe_steps", probe_steps, 10), ("batch_size", batch_size, 1),
                             ("overfit_examples", overfit_examples, 2), ("overfit_steps", overfit_steps, 10),
                             ("max_rows", max_rows, 10)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise DoctorError(f"{name} must be an integer >= {low}, got {value!r}")
    X, y = _as_arrays(X, y)
    layers = _read_layers(model, X.shape[1])
    loss_name, from_logits, loss_obj = _loss_name(model, loss)
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(X), size=max_rows, replace=False) if len(X) > max_rows else np.arange(len(X))
    Xs, ys = X[rows], y[rows]
    pres, outs = _forward(layers, Xs)
    pred0 = outs[-1]

    results = [check_input_scale(Xs, layers)]
    results += check_target(ys, loss_name, layers, pred0)
    shape = check_target_shape(y, loss_name, layers)
    results += [shape, check_nonlinearity(layers), check_output_loss(ys, loss_name, from_logits, layers),
                check_init_scale(layers), check_initial_loss(loss_name, from_logits, ys, pred0)]
    dead0, sat0 = check_dead_units(layers, outs), check_saturation(layers, pres)
    results.append(check_kink_coverage(Xs, layers, pres))

    if history is not None:
        curve = history.history["loss"] if hasattr(history, "history") else list(history)
        results.append(check_loss_curve(curve, _trivial_loss(loss_name, ys), source="your training"))
    probe_note = "no probe"
    dead, sat = dead0, sat0
    if probe and shape.status != "ok":
        probe_note = "probe skipped (shape mismatch)"
    elif probe:
        t0 = time.perf_counter()
        y_fit = y.reshape(len(y), -1) if y.ndim == 1 and layers[-1].kernel.shape[1] == 1 else y
        losses, ratios, weights = _probe(model, loss_obj, X, y_fit, rng, probe_steps, batch_size, optimizer)
        results.append(check_update_ratio(ratios))
        if history is None:
            results.append(check_loss_curve(losses, _trivial_loss(loss_name, ys)))
        trained = [_Dense(layer.name, k, b, layer.activation, layer.fn)
                   for layer, k, b in zip(layers, weights[0::2], weights[1::2])] \
            if len(weights) == 2 * len(layers) else None
        if trained is not None and all(np.isfinite(w).all() for w in weights):
            pres1, outs1 = _forward(trained, Xs)
            dead1 = check_dead_units(trained, outs1, when=f"after {probe_steps} probe steps")
            sat1 = check_saturation(trained, pres1, when=f"after {probe_steps} probe steps")
            dead = _worse(dead0, dead1)
            sat = _worse(sat0, sat1)
        first, last, idx = _overfit_probe(model, loss_obj, X, y_fit, rng, overfit_examples, overfit_steps,
                                          optimizer)
        results.append(check_overfit(first, last, _trivial_loss(loss_name, y_fit[idx]), len(idx), overfit_steps))
        probe_note = f"probe {probe_steps} steps of {min(batch_size, len(X))} + overfit {len(idx)} examples " \
                     f"({time.perf_counter() - t0:.1f} s)"
    else:
        for check in ("update_ratio", "overfit_batch") + (() if history is not None else ("loss_curve",)):
            results.append(Result(check, "skipped", "probe=False"))
    results += [dead, sat]
    order = list(CHECKS)
    results.sort(key=lambda r: order.index(r.check))
    summary = dict(model=getattr(model, "name", "?"),
                   layers=" -> ".join([str(layers[0].kernel.shape[0])]
                                      + [f"{layer.kernel.shape[1]} {layer.activation}" for layer in layers]),
                   x_shape=list(X.shape), y_shape=list(y.shape), loss=loss_name + (" (logits)" if from_logits else "")
                   + (" (assumed: no loss given and the model is not compiled)"
                      if loss is None and getattr(model, "loss", None) is None else ""),
                   probe=probe_note)
    return Report(results, summary, time.perf_counter() - start)


def _worse(a: Result, b: Result) -> Result:
    rank = {s: i for i, s in enumerate(SEVERITIES + ("ok", "skipped"))}
    return b if rank[b.status] < rank[a.status] else a


# ------------------------------------------------------------------------------------- files (the CLI)
def load_model(path):
    """A saved Keras model (.keras or .h5), or a DoctorError saying why it cannot be read."""
    from pathlib import Path

    p = Path(path)
    if not p.exists():
        raise DoctorError(f"no model file at {p}")
    if p.suffix not in (".keras", ".h5", ".hdf5"):
        raise DoctorError(f"{p.name}: expected a Keras model saved with model.save('....keras') (or .h5)")
    import keras

    try:
        return keras.models.load_model(p, compile=True)
    except Exception as exc:  # noqa: BLE001 - any reading failure is the reader's file, say so plainly
        raise DoctorError(f"cannot load {p.name} as a Keras model: {type(exc).__name__}: {exc}") from None


def load_data(path, x_key: str | None = None, y_key: str | None = None, target_column: int = -1):
    """X, y from an .npz (arrays named X and y, or x_key/y_key) or a numeric .csv (optional header row;
    the target is column ``target_column``, the last by default)."""
    from pathlib import Path

    p = Path(path)
    if not p.is_file():
        raise DoctorError(f"no data file at {p}")
    if p.suffix == ".npz":
        with np.load(p, allow_pickle=False) as data:
            keys = list(data.keys())

            def pick(given, names):
                if given is not None:
                    if given not in keys:
                        raise DoctorError(f"{p.name} has no array {given!r}; it has {keys}")
                    return data[given]
                found = [k for k in keys if k in names]
                if not found:
                    raise DoctorError(f"{p.name} has arrays {keys}; name them X and y or pass --x-key/--y-key")
                return data[found[0]]

            return pick(x_key, ("X", "x")), pick(y_key, ("y", "Y"))
    if p.suffix == ".csv":
        import csv

        with open(p, newline="") as fh:
            rows = [r for r in csv.reader(fh) if r]
        if rows and not _numeric(rows[0]):
            rows = rows[1:]
        if not rows:
            raise DoctorError(f"{p.name} has no data rows")
        widths = {len(r) for r in rows}
        if len(widths) != 1 or widths.pop() < 2:
            raise DoctorError(f"{p.name}: every row needs the same number (at least 2) of columns")
        bad = next((i for i, r in enumerate(rows) if not _numeric(r)), None)
        if bad is not None:
            raise DoctorError(f"{p.name}: data row {bad + 1} is not numeric: {rows[bad]}")
        table = np.array(rows, dtype=float)
        col = target_column % table.shape[1]
        return np.delete(table, col, axis=1), table[:, col]
    raise DoctorError(f"{p.name}: expected a .npz (arrays X and y) or a .csv (target in the last column)")


def _numeric(row) -> bool:
    try:
        [float(v) for v in row]
    except ValueError:
        return False
    return True
