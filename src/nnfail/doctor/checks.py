"""The checks: each reads the model's weights, its outputs on the data or a probe's measurements, and
returns one :class:`~nnfail.doctor.report.Result` with the measured number and its threshold."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from nnfail.doctor.report import Result
from nnfail.doctor.rules import REGRESSION, RELU_LIKE, SATURATING, THRESHOLDS


def fmt(v: float) -> str:
    return f"{v:.3g}"


def _scale(a: np.ndarray) -> np.ndarray:
    """Per column max(|mean|, std): about 1 for standardized or [0, 1]-ranged data."""
    return np.maximum(np.abs(a.mean(axis=0)), a.std(axis=0))


def check_input_scale(X, first: str) -> Result:
    """``X`` as [examples, features] (N-D inputs flattened: each pixel or time step a feature); ``first``: the
    activation the inputs meet first."""
    t = THRESHOLDS
    top = float(np.abs(X).max())
    scales = _scale(X)
    worst = int(np.argmax(scales))
    s = float(scales[worst])
    # the ratio compares ranges (max |x| of each varying feature): a pixel that is rarely on has a tiny std
    # but the same [0, 1] range as the others, and one learning rate suits both
    reach = np.abs(X).max(axis=0)[X.std(axis=0) > 0]
    ratio = float(reach.max() / reach.min()) if len(reach) > 1 and reach.min() > 0 else 1.0
    if top < t["input_too_small"]:
        return Result("input_scale", "high", f"max |X| = {fmt(top)}, below {fmt(t['input_too_small'])}: the first "
                      "layer sees almost nothing, so it stays near affine and its updates are tiny",
                      top, t["input_too_small"], "standardize X (or divide by its max |X|, not by a far larger number)",
                      "input_scale/tiny")
    sd, mu = X.std(axis=0), np.abs(X.mean(axis=0))
    off = np.where(sd > 0, mu / np.where(sd > 0, sd, 1.0), 0.0)
    j = int(np.argmax(off))
    if mu[j] > t["input_scale"] and off[j] > t["input_offset"]:
        return Result("input_scale", "high", f"feature {j} has mean {fmt(float(mu[j]))}, {fmt(float(off[j]))} times its "
                      f"std ({fmt(float(sd[j]))}): every row gives the first layer nearly the same input, and the "
                      "differences that carry the signal are a ripple on a large constant", float(off[j]),
                      t["input_offset"], "standardize X with the training set's mean and std (e.g. sklearn StandardScaler)",
                      "input_scale/saturating" if first in SATURATING else "input_scale/unscaled")
    limit = t["input_scale_saturating"] if first in SATURATING else t["input_scale"]
    if s > limit or s > t["input_scale_high"]:
        high = s > t["input_scale_high"] or first in SATURATING
        why = f"a {first} first layer saturates" if first in SATURATING else "far from mean 0, std 1"
        return Result("input_scale", "high" if high else "medium",
                      f"feature {worst} has max(|mean|, std) = {fmt(s)}, above {fmt(limit)} ({why})", s, limit,
                      "standardize X with the training set's mean and std (e.g. sklearn StandardScaler)",
                      # the sigmoid chapter shows saturation; other first layers, the checklist's scaling example
                      "input_scale/saturating" if first in SATURATING else "input_scale/unscaled")
    if ratio > t["feature_ratio"]:
        return Result("input_scale", "high", f"feature scales differ by a factor {fmt(ratio)}, above "
                      f"{fmt(t['feature_ratio'])}: one learning rate cannot suit both", ratio, t["feature_ratio"],
                      "standardize each feature separately", "input_scale/ratio")
    return Result("input_scale", "ok", f"max(|mean|, std) per feature at most {fmt(s)}, max |X| = {fmt(top)}, "
                  f"feature scale ratio {fmt(ratio)}", s, limit)


def check_target(y, loss, layers, pred0) -> list[Result]:
    t = THRESHOLDS
    if loss not in REGRESSION:
        reason = f"loss {loss} is not a regression loss"
        return [Result("target_scale", "skipped", reason), Result("output_bias", "skipped", reason)]
    y2 = y.reshape(len(y), -1)
    out = layers[-1].activation
    sd = float(y.std())
    # a model that already starts at mean(y) (its output bias set to it, say) has only the spread to learn
    centered = sd > 0 and abs(float(pred0.mean()) - float(y.mean())) / sd <= t["output_bias"]
    s = float(y2.std(axis=0).max()) if centered else float(_scale(y2).max())
    what = "std" if centered else "max(|mean|, std)"
    if s > t["target_scale"]:
        sev = "high" if s > t["target_scale_high"] and out == "linear" else "medium"
        why = ("the model starts at mean(y), but its outputs must spread by that factor, so its weights must "
               "grow by it first" if centered else
               "a network started at outputs near 0 must grow its weights by that factor first")
        scale = Result("target_scale", sev, f"y has {what} = {fmt(s)}, above {fmt(t['target_scale'])}: {why}", s,
                       t["target_scale"], "standardize y (fit on (y - mean) / std, invert the predictions)")
    else:
        scale = Result("target_scale", "ok", f"y has {what} = {fmt(s)}"
                       + (" (the model already starts at its mean)" if centered and abs(float(y.mean())) > s else ""),
                       s, t["target_scale"])
    if sd == 0:
        return [scale, Result("output_bias", "skipped", "y is constant")]
    gap = float(abs(pred0.mean() - y.mean()) / sd)
    if gap > t["output_bias"]:
        high = gap >= t["output_bias_high"]
        limit = t["output_bias_high"] if high else t["output_bias"]
        bias = Result("output_bias", "high" if high else "medium", f"mean prediction at init is {fmt(gap)} std(y) "
                      f"from mean(y), {'at least' if high else 'above'} {fmt(limit)}" + (": the first steps go into moving the output, and the "
                      "hidden layers are pushed around meanwhile" if high else ""), gap, limit,
                      "start the output bias at mean(y) (bias_initializer=Constant(mean)), or center y")
    else:
        bias = Result("output_bias", "ok", f"mean prediction at init is {fmt(gap)} std(y) from mean(y)", gap,
                      t["output_bias"])
    return [scale, bias]


def check_labels(y, loss: str, units: int | None) -> Result:
    """Labels against the loss, before any training: sparse categorical cross-entropy needs one integer
    label per example in [0, K); categorical cross-entropy one-hot rows of width K; binary cross-entropy
    values in [0, 1] with one column per output unit (K: the model's output units)."""
    if loss not in ("scce", "cce", "bce"):
        return Result("labels", "skipped", f"loss {loss} takes no class labels")
    flat = y.reshape(len(y), -1)
    integer = bool(np.all(flat == np.round(flat)))
    onehot_rows = flat.shape[1] > 1 and integer and bool(np.isin(flat, (0.0, 1.0)).all()) \
        and bool(np.all(flat.sum(axis=1) == 1))
    k = "K" if units is None else str(units)
    problem = None
    if loss == "scce":
        if onehot_rows:
            problem = (f"y is one-hot ({flat.shape[1]} columns) but sparse categorical cross-entropy expects one "
                       "integer class index per example", "use categorical_crossentropy, or pass y.argmax(axis=1)")
        elif flat.shape[1] != 1:
            problem = (f"y has {flat.shape[1]} columns but sparse categorical cross-entropy expects one integer "
                       "class index per example", "give one class index per example")
        elif not integer or flat.min() < 0:
            problem = (f"y holds values in [{fmt(float(flat.min()))}, {fmt(float(flat.max()))}] that are not class "
                       "indices (integers from 0)", "encode the classes as 0, 1, ..., K-1")
        elif units is not None and flat.max() >= units:
            start = "1..K" if flat.min() == 1 and flat.max() == units else f"up to {int(flat.max())}"
            problem = (f"labels go {start} but the model has {units} output units: sparse categorical cross-entropy "
                       f"needs labels in [0, {units})", "subtract 1 from 1-based labels (or give the model as many "
                       "outputs as classes)")
    elif loss == "cce":
        if flat.shape[1] == 1 and units not in (None, 1):
            problem = (f"y holds one class index per example but categorical cross-entropy expects one-hot rows of "
                       f"width {k}", "one-hot encode y (keras.utils.to_categorical), or use "
                       "sparse_categorical_crossentropy")
        elif units is not None and flat.shape[1] != units:
            problem = (f"y has {flat.shape[1]} columns but the model has {units} output units",
                       f"one-hot rows of width {units} (or a last layer of {flat.shape[1]} units)")
        elif flat.min() < 0 or np.any(np.abs(flat.sum(axis=1) - 1) > 1e-3):
            problem = ("the rows of y are not probability distributions (one-hot or summing to 1)",
                       "one-hot encode the classes")
    else:  # bce (targets outside [0, 1]: output_loss says so)
        if units is not None and flat.shape[1] != units and not (units == 1 and flat.shape[1] == 1):
            problem = (f"y has {flat.shape[1]} column(s) but the model has {units} output unit(s)",
                       "one column of 0/1 labels per output unit")
    if problem:
        return Result("labels", "high", problem[0], fix=problem[1])
    return Result("labels", "ok", f"{flat.shape[1]} label column(s) fit the {loss} loss"
                  + ("" if units is None else f" and {units} output unit(s)"))


def check_target_shape(y, loss, layers) -> Result:
    units = layers[-1].kernel.shape[1]
    cols = 1 if y.ndim == 1 else y.shape[1]
    if loss in ("scce", "cce") or units == cols:
        return Result("target_shape", "ok", f"the model outputs {units} value(s) per example, y has {cols}")
    return Result("target_shape", "high", f"the model outputs {units} values per example but y has {cols}: "
                  "Keras broadcasts the two, so each output unit is compared with the wrong targets (or fit "
                  "raises for most batch sizes)", units, cols,
                  f"make the last layer Dense({cols}) (or give y {units} columns)")


def fit_error(exc: Exception, where: str) -> Result:
    """A training error Keras raised inside a probe, as a finding that quotes it and names the usual causes."""
    text = " ".join(str(exc).split())[:300] or type(exc).__name__
    return Result("fit_error", "high", f"Keras raised {type(exc).__name__} while {where}: {text}",
                  fix="the labels' encoding, the loss and the output layer's shape are the usual causes; "
                      "model.fit on a few rows shows the same error")


def not_applicable(check: str) -> Result:
    return Result(check, "skipped", "not applicable: the model is not a stack of Dense layers")


def check_nonlinearity(layers, X=None, y=None, loss: str | None = None, seed: int = 0) -> Result:
    """Hidden Dense layers without activation. High, unless (given the data) a cross-validated linear baseline
    (:func:`baseline_fit`) already fits well (gain at least nonlinearity_level) and about as well as the
    non-parametric one (within nonlinearity_margin): then the missing activation cannot be what holds the fit
    back, and the finding is medium. Both conditions: a nearest-neighbour baseline is weak on several features
    (Friedman #1 on 10 features: 5-NN 0.71, linear 0.77, a relu network 0.98)."""
    t = THRESHOLDS
    linear = [layer.name for layer in layers[:-1] if layer.activation == "linear"]
    if linear:
        ev = (f"hidden layer(s) {', '.join(linear)} have no activation: consecutive linear layers collapse into one "
              "affine map, whatever their widths")
        fix = "give every hidden Dense layer an activation (relu, elu, tanh)"
        given = X is not None and y is not None and loss is not None
        fits = [baseline_fit(X, y, loss, kind, seed) for kind in ("linear", "knn")] if given else []
        if not fits or not all(isinstance(f, tuple) for f in fits):  # no baseline: the finding stays as it was
            return Result("nonlinearity", "high", ev, len(linear), 0, fix)
        (lin, lin_text), (knn, knn_text) = fits
        versus = (f"cross-validated, a linear baseline reaches {lin_text}, a 5-nearest-neighbour one "
                  f"{knn_text}")
        if lin >= t["nonlinearity_level"] and lin >= knn - t["nonlinearity_margin"]:
            return Result("nonlinearity", "medium", ev + f"; but {versus}: a linear model already fits about as well, "
                          "so the missing activation is not what holds this fit back", lin - knn,
                          -t["nonlinearity_margin"], fix + " if the data may need it")
        return Result("nonlinearity", "high", ev + f"; {versus}: the data need more than an affine map", lin - knn,
                      -t["nonlinearity_margin"], fix)
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
        problem = (f"binary cross-entropy needs targets in [0, 1], y spans [{fmt(lo)}, {fmt(hi)}]",
                   "use a regression loss (mse) or encode the classes as 0/1")
    elif loss == "bce" and from_logits and out == "sigmoid":
        problem = ("from_logits=True after a sigmoid output applies the sigmoid twice",
                   "drop the output activation or set from_logits=False")
    elif loss == "bce" and not from_logits and out != "sigmoid":
        problem = (f"binary cross-entropy expects probabilities but the output activation is {out}",
                   "use activation='sigmoid' on the output, or BinaryCrossentropy(from_logits=True)")
    elif loss in ("cce", "scce") and from_logits and out == "softmax":
        problem = ("from_logits=True after a softmax output applies the softmax twice: the loss sees "
                   "probabilities as logits, so it can never approach 0", "drop the output activation or set "
                   "from_logits=False")
    elif loss in ("cce", "scce") and not from_logits and out != "softmax":
        problem = (f"{'sparse ' if loss == 'scce' else ''}categorical cross-entropy expects probabilities but the "
                   f"output activation is {out}: Keras divides the outputs by their sum, which means nothing for "
                   "outputs that are not a distribution", "use activation='softmax' on the output, or "
                   "from_logits=True on the loss")
    elif loss in REGRESSION and out in ("sigmoid", "hard_sigmoid") and (lo < 0 or hi > 1):
        problem = (f"a {out} output lies in (0, 1) but y spans [{fmt(lo)}, {fmt(hi)}]",
                   "use a linear output (or rescale y into (0, 1))")
    elif loss in REGRESSION and out in ("tanh", "softsign") and (lo < -1 or hi > 1):
        problem = (f"a {out} output lies in (-1, 1) but y spans [{fmt(lo)}, {fmt(hi)}]",
                   "use a linear output (or rescale y into (-1, 1))")
    elif loss in REGRESSION and out in RELU_LIKE + ("softplus", "exponential") and lo < 0:
        problem = (f"a {out} output cannot be negative but y goes down to {fmt(lo)}", "use a linear output")
    if problem:
        return Result("output_loss", "high", problem[0], fix=problem[1])
    binary = bool(np.isin(y, (0.0, 1.0)).all())
    if loss in ("mse", "mae") and out == "sigmoid" and binary:
        return Result("output_loss", "low", "sigmoid output with a squared-error loss on 0/1 labels: gradients fade as "
                      "outputs saturate (it still learns, more slowly)", fix="use binary cross-entropy",
                      cause="output_loss/squared_error_on_labels")
    return Result("output_loss", "ok", f"{out} output with {loss} loss on y in [{fmt(lo)}, {fmt(hi)}]")


def check_init_scale(layers) -> Result:
    t = THRESHOLDS
    worst, top = None, 0.0
    for i, layer in enumerate(layers):
        fan_in, fan_out = layer.kernel.shape
        refs = dict(Glorot=math.sqrt(2 / (fan_in + fan_out)), He=math.sqrt(2 / fan_in), LeCun=math.sqrt(1 / fan_in))
        rms = float(np.sqrt(np.mean(layer.kernel ** 2)))
        hidden = i < len(layers) - 1
        if hidden and fan_out > 1 and np.allclose(layer.kernel, layer.kernel[:, :1]) \
                and np.allclose(layer.bias, layer.bias[0]):
            return Result("init_scale", "high", f"layer {layer.name}: all {fan_out} units start identical, so they "
                          "get identical gradients and stay copies of one unit", rms, None,
                          "use a random kernel initializer (Keras's default glorot_uniform, or he_normal for relu)")
        small = rms / min(refs.values())
        large = rms / max(refs.values())
        top = max(top, large)
        if hidden and small < t["init_small"] and (worst is None or small < worst[0]):
            worst = (small, "small", layer, rms, refs)
        elif large > t["init_large"] and (worst is None or worst[1] == "large" and large > worst[0]):
            worst = (large, "large", layer, rms, refs)
    if worst is None:
        return Result("init_scale", "ok", "every layer's weight RMS is within the usual range of the "
                      f"Glorot/He/LeCun scales for its fan-in and fan-out (at most {fmt(top)}x the largest)", top,
                      t["init_large"])
    ratio, kind, layer, rms, refs = worst
    ref = ", ".join(f"{k} {fmt(v)}" for k, v in refs.items())
    high = ratio < t["init_small_high"] if kind == "small" else ratio > t["init_large_high"]
    threshold = t[f"init_{kind}" + ("_high" if high else "")]
    word = "below" if kind == "small" else "above"
    effect = (": training starts on a plateau near a linear fit" if kind == "small" else
              ": the first steps are spent shrinking the weights (saturated or exploding outputs)") if high else ""
    return Result("init_scale", "high" if high else "medium", f"layer {layer.name}: weight RMS {fmt(rms)} vs {ref} "
                  f"(ratio {fmt(ratio)}, {word} {fmt(threshold)}){effect}", ratio, threshold,
                  "use Keras's default glorot_uniform (he_normal for relu) instead of a fixed-std initializer")


def numpy_loss(loss: str, from_logits: bool, y: np.ndarray, pred: np.ndarray) -> float | None:
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


def trivial_loss(loss: str, y: np.ndarray) -> float | None:
    """The loss of the best constant prediction: the mean (mse), the median (mae), the label rate (bce),
    the class priors (cce on one-hot y, scce on integer labels)."""
    if loss == "scce":
        labels = np.asarray(y).reshape(-1)
        if labels.size == 0 or (labels < 0).any() or not np.allclose(labels, np.round(labels)):
            return None
        p = np.bincount(labels.astype(int)) / labels.size
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())
    y = y.reshape(len(y), -1)
    if loss == "cce":
        if (y < 0).any() or not np.allclose(y.sum(axis=1), 1):
            return None
        p = np.clip(y.mean(axis=0), 1e-7, 1)
        return float(-(y.mean(axis=0) * np.log(p)).sum())
    if loss == "mse":
        return float(np.mean(y.var(axis=0)))
    if loss == "mae":
        return float(np.mean(np.abs(y - np.median(y, axis=0))))
    if loss == "bce":
        p = np.clip(y.mean(axis=0), 1e-7, 1 - 1e-7)
        return float(np.mean(-(p * np.log(p) + (1 - p) * np.log(1 - p))))
    return None


def check_initial_loss(loss, from_logits, y, pred0, model_loss: float | None = None) -> Result:
    """The loss at init against the best constant prediction's. ``model_loss`` is the model's own loss on
    its own outputs (Keras computes a sigmoid/softmax output's cross-entropy from its logits, so a clipped
    probability would understate a huge loss by orders of magnitude); without it, a NumPy estimate."""
    l0 = model_loss if model_loss is not None else numpy_loss(loss, from_logits, y, pred0)
    trivial = trivial_loss(loss, y)
    if l0 is None or not trivial:
        return Result("initial_loss", "skipped", f"no trivial baseline for loss {loss} with these shapes")
    ratio = l0 / trivial
    t = THRESHOLDS["initial_loss"]
    if ratio > t:
        return Result("initial_loss", "medium", f"loss at init {fmt(l0)} is {fmt(ratio)}x the loss of the best "
                      f"constant prediction ({fmt(trivial)}), above {fmt(t)}x", ratio, t,
                      "scale y and the initial weights so that the untrained model predicts about the mean")
    return Result("initial_loss", "ok", f"loss at init {fmt(l0)}, {fmt(ratio)}x the trivial predictor's", ratio, t)


def _worst_hidden_layer(layers, arrays, activations, measure):
    """(measure, layer) of the hidden layer with one of ``activations`` whose ``measure(layer, array)`` is
    largest (the first on ties), or None when there is no such layer."""
    worst = None
    for layer, a in zip(layers[:-1], arrays[:-1]):
        if layer.activation in activations:
            m = measure(layer, a)
            if worst is None or m > worst[0]:
                worst = (m, layer)
    return worst


def check_dead_units(layers, outs, when: str = "at init") -> Result:
    t = THRESHOLDS
    worst = _worst_hidden_layer(layers, outs, RELU_LIKE,
                                lambda layer, h: (float((h <= 0).all(axis=0).mean()), float((h <= 0).mean())))
    if worst is None:
        return Result("dead_units", "skipped", "no hidden ReLU layer")
    (dead, zeros), layer = worst
    ev = f"{when}, layer {layer.name}: {dead:.0%} of units never active on the data, {zeros:.0%} of outputs zero"
    fix = "start biases slightly positive or use He initialization, lower the learning rate, or use leaky_relu/elu"
    if dead >= 1:
        return Result("dead_units", "high", ev + ": the network is constant", dead, t["dead_share"], fix)
    if dead > t["dead_share"]:  # medium: a deep stack trains well with half of one layer dead (see THRESHOLDS)
        return Result("dead_units", "medium", ev + f" (above {t['dead_share']:.0%})", dead, t["dead_share"], fix)
    if zeros >= t["inactive_outputs"]:
        return Result("dead_units", "medium", ev + f" (at least {t['inactive_outputs']:.0%})", zeros,
                      t["inactive_outputs"], fix)
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
                          f"({inside} of {len(w)} kinks inside the data range)", len(bare), 0, fix)
        where = f"{inside} of {len(w)} kinks lie inside the x range"
    else:
        where = f"{switching:.0%} of {first.name}'s units switch on or off within the data"
    if switching == 0:
        # one input: a ReLU layer with no kink inside the data fits a straight line until training moves a kink
        # in (measured: validation/doctor_thresholds.py, Dense(32, relu) on sin(3x), 30 epochs: training R^2 0.84
        # with the kinks inside the data, 0.67 / 0.47 / 0.11 with the data 1 / 2 / 4 units right of them; the
        # independent set's 1-D pair, 0.46 against 0.89 for its centered twin)
        return Result("kink_coverage", "high" if X.shape[1] == 1 else "medium", f"no unit of {first.name} switches "
                      f"within the data ({where}), so the first layer is affine over it", switching, 0, fix,
                      "kink_coverage/affine")
    return Result("kink_coverage", "ok", where + (", and both ends of it are covered" if X.shape[1] == 1 else ""),
                  switching, 0)


def check_saturation(layers, pres, when: str = "at init") -> Result:
    t = THRESHOLDS

    def z_limit(layer):  # tanh saturates at half the sigmoid's |z|
        return t["saturation_z"] if layer.activation in ("sigmoid", "hard_sigmoid") else t["saturation_z"] / 2

    worst = _worst_hidden_layer(layers, pres, SATURATING, lambda layer, z: float((np.abs(z) >= z_limit(layer)).mean()))
    if worst is None:
        return Result("saturation", "skipped", "no hidden sigmoid/tanh layer")
    share, layer = worst
    limit = z_limit(layer)
    ev = f"{when}, layer {layer.name} ({layer.activation}): {share:.0%} of pre-activations have |z| >= {fmt(limit)}"
    if share > t["saturation"]:
        return Result("saturation", "high", ev + f", above {t['saturation']:.0%}: their gradients are nearly 0",
                      share, t["saturation"], "standardize X, use smaller initial weights or a lower learning rate")
    return Result("saturation", "ok", ev, share, t["saturation"])


def check_gradient_flow(rel: dict[str, float]) -> Result:
    """Vanishing or exploding gradients at init, from each Dense kernel's |dL/dW| / |W| on the data."""
    t = THRESHOLDS
    if not rel:
        return Result("gradient_flow", "skipped", "no gradient measured")
    name_hi, hi = max(rel.items(), key=lambda kv: kv[1])
    name_lo, lo = min(rel.items(), key=lambda kv: kv[1])
    if not math.isfinite(hi):
        return Result("gradient_flow", "high", f"the gradient at init is not finite in layer {name_hi}", hi, None,
                      "standardize X and y, use Glorot/He initialization")
    if hi > t["gradient_large"]:
        return Result("gradient_flow", "medium", f"exploding gradient: layer {name_hi}'s gradient at init is "
                      f"{fmt(hi)} times its weight norm, above {fmt(t['gradient_large'])}", hi, t["gradient_large"],
                      "use Glorot/He initialization, standardize X and y, or clip gradients")
    spread = lo / hi if hi > 0 else 0.0
    if len(rel) > 1 and spread < t["gradient_spread"]:
        return Result("gradient_flow", "medium", f"vanishing gradient: relative to its weights, layer {name_lo}'s "
                      f"gradient at init is {fmt(spread)} of layer {name_hi}'s, below {fmt(t['gradient_spread'])}",
                      spread, t["gradient_spread"], "use relu/elu hidden layers (or fewer sigmoid/tanh layers) "
                      "with Glorot/He initialization")
    return Result("gradient_flow", "ok", f"|dL/dW| / |W| at init between {fmt(lo)} and {fmt(hi)} across layers",
                  spread, t["gradient_spread"])


_FIX_DIVERGED = "lower the learning rate (and standardize X and y); check for NaN in the data"
_FIX_STEPS = "lower the learning rate (or standardize X and y so the gradients are of order 1)"


def _diverged_text(where: str, at: int, value: float, last: float | None) -> str:
    before = f", after {fmt(last)}" if last is not None and math.isfinite(last) else ""
    return f"diverged at {where} {at}: the loss became {fmt(value)}{before}"


def check_update_ratio(ratios: dict[str, float], diverged: tuple | None = None,
                       peaks: dict[str, float] | None = None) -> Result:
    """Median per-step |dW|/|W| over the probe's finite steps (``peaks``: the largest single step);
    ``diverged`` = (step, value, last finite loss) names a divergence here when no loss curve of the probe
    reports it."""
    t = THRESHOLDS
    if diverged is not None:
        return Result("update_ratio", "high", "probe: " + _diverged_text("step", *diverged), float("nan"), None,
                      _FIX_DIVERGED)
    if not ratios:
        return Result("update_ratio", "skipped", "no probe")
    if peaks:
        name_pk, pk = max(peaks.items(), key=lambda kv: kv[1])
        if not math.isfinite(pk) or pk > t["update_peak"]:
            return Result("update_ratio", "high", f"layer {name_pk}: one probe step changed its kernel by "
                          f"{fmt(pk)} times its norm, above {fmt(t['update_peak'])}: the steps are too large "
                          "(the weights are thrown away)", pk, t["update_peak"],
                          _FIX_STEPS)
    name_hi, hi = max(ratios.items(), key=lambda kv: kv[1])
    name_lo, lo = min(ratios.items(), key=lambda kv: kv[1])
    if not math.isfinite(hi) or hi > t["update_ratio_high"]:
        return Result("update_ratio", "high", f"layer {name_hi}: median |dW|/|W| per step {fmt(hi)}, above "
                      f"{fmt(t['update_ratio_high'])} (healthy: about 1e-3)", hi, t["update_ratio_high"],
                      _FIX_STEPS)
    if lo < t["update_ratio_low"]:
        return Result("update_ratio", "medium", f"layer {name_lo}: median |dW|/|W| per step {fmt(lo)}, below "
                      f"{fmt(t['update_ratio_low'])}: it hardly moves", lo, t["update_ratio_low"],
                      "raise the learning rate, or rescale inputs/targets that make the gradients tiny")
    return Result("update_ratio", "ok", f"median |dW|/|W| per step between {fmt(lo)} and {fmt(hi)}", hi,
                  t["update_ratio_high"])


def check_loss_curve(losses: Sequence[float], trivial: float | None, source: str = "probe",
                     diverged: tuple | None = None) -> Result:
    """Divergence, oscillation or stagnation of a loss curve: the probe's (``diverged`` = (step, value,
    last finite loss) when it stopped on a NaN/inf loss) or the reader's history (one loss per epoch)."""
    t = THRESHOLDS
    L = np.asarray(losses, dtype=float)
    if diverged is not None:
        return Result("loss_curve", "high", f"{source}: " + _diverged_text("step", *diverged), float("nan"), None,
                      _FIX_DIVERGED)
    if not np.isfinite(L).all():
        at = int(np.argmin(np.isfinite(L)))
        last = float(L[at - 1]) if at > 0 else None
        where = "epoch" if source != "probe" else "evaluation"
        return Result("loss_curve", "high", f"{source}: " + _diverged_text(where, at + 1, float(L[at]), last),
                      float("nan"), None, _FIX_DIVERGED)
    if len(L) < 4:
        return Result("loss_curve", "skipped", f"{source}: fewer than 4 loss values")
    lowest = float(L.min())
    if L[-1] > t["divergence"] * lowest and L[-1] > L[0]:
        return Result("loss_curve", "high", f"{source}: final loss {fmt(L[-1])} is {fmt(L[-1] / lowest)}x its "
                      f"minimum {fmt(lowest)}, above {fmt(t['divergence'])}x: diverging", float(L[-1] / lowest),
                      t["divergence"], _FIX_DIVERGED)
    # stagnation first, on medians of short windows so that a loss oscillating on a plateau counts as stuck
    w = max(2, len(L) // 4)
    mid = float(np.median(L[len(L) // 4:len(L) // 2 + 1]))  # around the middle, and the last quarter
    end = float(np.median(L[-w:]))
    drop = (mid - end) / mid if mid > 0 else 0.0
    stuck = trivial is not None and end > t["stagnation_level"] * trivial
    if drop < t["stagnation"] and stuck:
        return Result("loss_curve", "medium", f"{source}: the loss fell {drop:.1%} over the second half (below "
                      f"{t['stagnation']:.0%}) and is still {fmt(end / trivial)}x the trivial predictor's: "
                      "stagnating", drop, t["stagnation"],
                      "check the findings above (scale, activations, init); then the learning rate")
    d = np.diff(L)
    flips = float(np.mean(np.sign(d[1:]) != np.sign(d[:-1]))) if len(d) > 1 else 0.0
    swing = float(np.std(d) / max(np.mean(np.abs(L)), 1e-300))
    if flips > t["oscillation"] and swing > t["oscillation_size"]:
        return Result("loss_curve", "medium", f"{source}: the loss changes direction at {flips:.0%} of points with "
                      f"swings of {swing:.0%} of its mean: oscillating", flips, t["oscillation"],
                      "lower the learning rate or enlarge the batch")
    if trivial is not None and trivial > 0 and end > t["slow_level"] * trivial:
        return Result("loss_curve", "medium", f"{source}: the loss is falling but still {fmt(end / trivial)}x the "
                      "best constant prediction's at the end: learning too slowly to beat a constant", end / trivial,
                      t["slow_level"], "check the findings above (scale, init); then the learning rate")
    return Result("loss_curve", "ok", f"{source}: loss {fmt(L[0])} -> {fmt(L[-1])} (lowest {fmt(lowest)})",
                  drop, t["stagnation"])


def check_learning_rate(rate: float | None, finals: dict[float, float], trivial: float | None, steps: int,
                        schedule: str | None = None) -> Result:
    """The compiled rate's final probe loss against the same probe at its neighbours (``finals``: factor ->
    final loss; factor 1 is the compiled rate; NaN/inf where the run diverged). With ``schedule`` (the
    schedule's class name), ``rate`` is the rate it starts at and each neighbour is the whole schedule scaled."""
    t = THRESHOLDS
    if rate is None or 1.0 not in finals:
        return Result("learning_rate", "skipped", "the optimizer's learning rate is unreadable")
    base = finals[1.0]
    shown = ", ".join(f"{fmt(rate * f)}: {fmt(v) if math.isfinite(v) else 'diverged'}" for f, v in sorted(finals.items()))
    if schedule:
        shown = f"{shown} (the {schedule} schedule scaled to start at each rate)"
    others = {f: v for f, v in finals.items() if f != 1.0 and math.isfinite(v)}
    if not others:
        return Result("learning_rate", "ok", f"final probe loss after {steps} steps at rates {shown}")
    best_f = min(others, key=others.get)
    best = others[best_f]
    better = not math.isfinite(base) or best < t["lr_better"] * base
    # high when the compiled rate diverged or left the loss no better than a constant; medium while it is
    # still above half the constant's loss (it may be learning, only slowly)
    stuck = not math.isfinite(base) or trivial is None or base > t["slow_level"] * trivial
    slow = trivial is not None and base > t["stagnation_level"] * trivial
    if better and (stuck or slow):
        which = "too high" if best_f < 1 else "too low"
        ratio = best / base if math.isfinite(base) and base > 0 else 0.0
        versus = (f"{fmt(rate * best_f)} ends at {fmt(ratio)}x the compiled rate's loss" if math.isfinite(base)
                  else f"the compiled rate diverged, {fmt(rate * best_f)} did not")
        what = f"the {schedule} schedule's starting learning rate" if schedule else "the learning rate"
        return Result("learning_rate", "high" if stuck else "medium", f"{what} {fmt(rate)} looks {which}: "
                      f"final probe loss after {steps} steps at rates {shown}; {versus}", ratio, t["lr_better"],
                      f"try {'starting the schedule at' if schedule else 'a learning rate'} near {fmt(rate * best_f)} "
                      "(and compare a few around it)")
    return Result("learning_rate", "ok", f"final probe loss after {steps} steps at rates {shown}")


def check_training_length(losses: Sequence[float], val_losses: Sequence[float] | None = None) -> Result:
    """From a per-epoch history: still falling at the end (train longer), or the validation loss turned up
    while the training loss fell (stop earlier)."""
    t = THRESHOLDS
    L = np.asarray(losses, dtype=float)
    if len(L) < 4 or not np.isfinite(L).all():
        return Result("training_length", "skipped", "fewer than 4 finite epochs in the history")
    if val_losses is not None and len(val_losses) == len(L) and np.isfinite(val_losses).all():
        V = np.asarray(val_losses, dtype=float)
        best = int(np.argmin(V))
        rise = (V[-1] - V[best]) / V[best] if V[best] > 0 else 0.0
        if best < len(V) - 1 and rise > t["val_rise"] and L[-1] < L[best]:
            return Result("training_length", "medium", f"the validation loss was lowest at epoch {best + 1} "
                          f"({fmt(V[best])}) and ended {rise:.0%} higher ({fmt(V[-1])}) while the training loss kept "
                          "falling: overfitting", rise, t["val_rise"],
                          f"stop earlier (keras.callbacks.EarlyStopping(restore_best_weights=True)), near epoch {best + 1}")
    q = max(2, len(L) // 4)
    start, end = float(L[-q]), float(L[-1])
    drop = (start - end) / start if start > 0 else 0.0
    if drop > t["still_falling"]:
        per_epoch = (start - end) / (q - 1)
        return Result("training_length", "medium", f"the loss was still falling when training stopped: {drop:.0%} over "
                      f"the last {q} epochs ({fmt(per_epoch)} per epoch)", drop, t["still_falling"],
                      "train longer (more epochs), or with a larger learning rate")
    return Result("training_length", "ok", f"the loss changed {drop:.0%} over the last {q} epochs")


def fit_score(loss: str, from_logits: bool, y, pred) -> tuple[float, str] | None:
    """How good a fit is in the reader's own terms: accuracy for the classification losses (bce, cce, scce),
    R^2 for the others; None when it cannot be computed (no outputs, non-finite outputs, shapes that do not
    pair)."""
    if y is None or pred is None:
        return None
    P, Y = np.asarray(pred, dtype=float), np.asarray(y, dtype=float)
    if len(P) != len(Y) or len(P) == 0 or not np.isfinite(P).all():
        return None
    P, Y = P.reshape(len(P), -1), Y.reshape(len(Y), -1)
    if loss == "scce":
        return (float(np.mean(P.argmax(axis=1) == Y[:, 0].astype(int))), "accuracy") if Y.shape[1] == 1 else None
    if loss == "cce":
        return (float(np.mean(P.argmax(axis=1) == Y.argmax(axis=1))), "accuracy") if Y.shape == P.shape else None
    if P.shape != Y.shape:
        return None
    if loss == "bce":
        return float(np.mean((P > (0.0 if from_logits else 0.5)) == (Y > 0.5))), "accuracy"
    var = float(np.mean(Y.var(axis=0)))
    return (float(1 - np.mean((P - Y) ** 2) / var), "R^2") if var > 0 else None


def check_updates(updates: int, how: str, losses: Sequence[float], every: int, steps: int,
                  trivial: float | None = None, scores: tuple[float, float, str] | None = None) -> Result:
    """Whether the reader stopped while the loss was still falling fast: ``updates`` is how many optimizer steps
    their training made (``how`` says how it was counted); ``losses`` the probe's evaluation losses, taken
    every ``every`` of its ``steps`` steps from the same start with the same optimizer. The probe is the doctor's
    "train longer" experiment: its loss at the reader's number of updates against its loss at the end. High
    only while the loss at the reader's count is still a sizeable share of ``trivial`` (the constant
    predictor's): a model that has already learned most of what it can is polishing, which is medium.
    ``scores`` (the fit's accuracy or R^2 at the reader's count and at the probe's end, with its name) replaces
    that test when given: high only when the longer run also improves the fit by length_score_gap or more, since
    a loss can keep halving (a classifier growing more confident) while the fit the reader cares about no longer
    changes."""
    t = THRESHOLDS
    if updates * t["length_probe_factor"] > steps:
        return Result("training_length", "ok", f"your training made {updates} updates ({how}); the probe's {steps} "
                      f"steps are not {t['length_probe_factor']:g}x longer, so it cannot say whether more would help")
    L = np.asarray(losses, dtype=float)
    pos = updates / every
    i = min(int(pos), len(L) - 2)
    at = float(L[i] + (pos - i) * (L[i + 1] - L[i]))
    end = float(np.min(L[-3:]))
    if not (np.isfinite(L).all() and at > 0):
        return Result("training_length", "skipped", "the probe's loss was not finite and positive")
    gain = 1 - end / at
    ev = (f"your training made only {updates} updates ({how}); from the same start with the same optimizer the "
          f"probe's loss was {fmt(at)} after {updates} steps and {fmt(end)} after {steps} ({gain:.0%} lower)")
    fix = f"train for more updates (the probe's {steps} steps are {steps / updates:.0f}x yours): more epochs or smaller batches"
    if scores is not None:  # the fit itself must still improve, not only the loss
        s_at, s_end, name = scores
        ev += f"; its {name} went from {s_at:.3f} to {s_end:.3f}"
        improving = s_end - s_at >= t["length_score_gap"]
        still = ": the fit was still improving fast when you stopped"
        polishing = (f", less than {t['length_score_gap']:g} better: the rest is polishing (for a classifier, "
                     "growing confidence), not a better fit")
    else:  # without scores: the loss must still be a sizeable share of the constant predictor's
        improving = not (trivial is not None and trivial > 0 and at < t["length_far"] * trivial)
        still = ": the loss was still falling fast when you stopped"
        polishing = "" if improving else f", though already {fmt(at / trivial)}x the constant predictor's loss"
    if gain >= t["length_gain_high"]:
        severity, text = ("high", ev + still) if improving else ("medium", ev + polishing)
        return Result("training_length", severity, text, gain, t["length_gain_high"], fix)
    if gain >= t["length_gain_medium"]:
        return Result("training_length", "medium", ev, gain, t["length_gain_medium"], fix)
    return Result("training_length", "ok", ev, gain, t["length_gain_medium"])


def check_overfit(first: float, last: float, trivial: float | None, n: int, steps: int) -> Result:
    t = THRESHOLDS["overfit"]
    if trivial is None or trivial <= 0:
        return Result("overfit_batch", "skipped", "no trivial baseline for this loss on the batch")
    share = last / trivial if math.isfinite(last) else float("inf")
    ev = (f"{n} examples, {steps} steps: loss {fmt(first)} -> {fmt(last)}, {fmt(share)}x the batch's "
          "trivial-predictor loss") if math.isfinite(last) else \
        f"{n} examples, {steps} steps: the loss diverged (from {fmt(first)} to NaN/inf)"
    if share > t:
        if not math.isfinite(last) or last >= first:
            sev, why = "high", "the loss did not fall at all"
        elif last > 0.5 * first:
            sev, why = "medium", "the loss fell by less than half"
        else:
            sev, why = "low", "falling, but not memorized in this budget"
        return Result("overfit_batch", sev, ev + (f", above {fmt(t)}x: {why}" if math.isfinite(last) else ""), share, t,
                      "fix the findings above first; then try a larger learning rate or more capacity")
    return Result("overfit_batch", "ok", ev, share, t)




# A static finding that training measurably fails raises to high: the checks above predict a failure from
# the weights and the data; a loss curve that stopped falling while still above half the best constant
# prediction's loss (the stagnation rule) measures it. Only findings that can cause exactly that are raised.
RAISED_BY_STAGNATION = ("relation", "input_scale", "target_scale", "output_bias", "init_scale", "initial_loss",
                        "kink_coverage", "dead_units", "saturation", "gradient_flow", "update_ratio")


def is_stagnation(r: Result) -> bool:
    """A loss curve that measurably failed: stalled above half the best constant's loss, or still above the
    best constant's loss at the end."""
    return r.check == "loss_curve" and r.status == "medium" and r.threshold in (THRESHOLDS["stagnation"],
                                                                                 THRESHOLDS["slow_level"])


def raise_by_effect(results: list[Result]) -> list[Result]:
    """Medium findings among RAISED_BY_STAGNATION become high when a loss curve stagnated (the probe's, or
    the reader's own history), with the measured effect added to their evidence."""
    stalled = next((r for r in results if is_stagnation(r)), None)
    if stalled is None:
        return results
    source = stalled.evidence.split(":", 1)[0]
    out = []
    for r in results:
        if r.check in RAISED_BY_STAGNATION and r.status == "medium":
            what = ("the loss stopped falling above half the best constant prediction's"
                    if stalled.threshold == THRESHOLDS["stagnation"] else
                    "the loss is still above the best constant prediction's")
            r = Result(r.check, "high", r.evidence + f"; and {source} shows the effect: {what}", r.value, r.threshold,
                       r.fix, r.cause)
        out.append(r)
    return out


# ------------------------------------------------------------------ causes added by the doctor issue (item 6)
def check_architecture(kinds: Sequence[tuple[str, str, int | None, float | None]], classes: int | None) -> Result:
    """``kinds``: (layer type, activation, units, dropout rate) of every layer in order; ``classes``: output
    units of a classification loss. Softmax on a hidden layer, a Dense layer narrower than the classes
    before the output, and high dropout rates."""
    t = THRESHOLDS
    dense = [(i, k) for i, k in enumerate(kinds) if k[0] == "Dense"]
    last = dense[-1][0] if dense else None
    soft = [f"layer {i + 1}" for i, (kind, act, _, _) in enumerate(kinds) if act == "softmax" and i != last
            and kind not in ("Softmax", "Activation")] + \
           [f"layer {i + 1}" for i, (kind, act, _, _) in enumerate(kinds) if kind in ("Softmax", "Activation")
            and act == "softmax" and last is not None and i < last]
    if soft:
        return Result("architecture", "high", f"softmax on hidden {', '.join(soft)}: each such layer's outputs sum to 1, "
                      "so the next layer sees a distribution whose size does not grow with the evidence",
                      fix="use relu/tanh on hidden layers; softmax belongs on the output of a classifier")
    if classes is not None and classes >= 3 and dense:
        narrow = [(i, u) for i, (_, _, u, _) in dense[:-1] if u is not None and u < classes]
        if narrow:
            i, u = narrow[-1]
            return Result("architecture", "high", f"Dense layer {i + 1} has {u} unit(s), fewer than the {classes} "
                          "classes it must separate: a bottleneck that cannot carry the classes to the output", u,
                          classes, f"widen it to at least {classes} units (or remove it)")
    rates = [(i, r) for i, (_, _, _, r) in enumerate(kinds) if r is not None]
    if rates:
        i, r = max(rates, key=lambda x: x[1])
        if r >= t["dropout_medium"]:
            high = r >= t["dropout_high"]
            return Result("architecture", "high" if high else "medium", f"Dropout rate {fmt(r)} at layer {i + 1}: "
                          f"{r:.0%} of the units are dropped at every step" + (" (a keep-probability ported as a "
                          "rate?)" if high else ""), r, t["dropout_high"] if high else t["dropout_medium"],
                          "Keras's rate is the share dropped: use 0.1-0.3 on small networks (1 - keep_prob)")
    return Result("architecture", "ok", "no hidden softmax, no bottleneck narrower than the classes, dropout below "
                  f"{t['dropout_medium']:.0%}")


def check_loss_target(y, loss: str) -> Result:
    """MSLE and MAPE on targets at or below zero: MSLE takes log(1 + y) (undefined at -1, clipped), MAPE divides by y."""
    if loss not in ("msle", "mape"):
        return Result("loss_target", "skipped", f"loss {loss}: no sign requirement")
    lo = float(np.min(y))
    near = float(np.mean(np.abs(y) < 1e-3 * max(float(np.abs(y).max()), 1e-12)))
    if loss == "msle" and lo < 0 or loss == "mape" and (lo <= 0 < float(np.max(y)) or near > 0.01):
        what = "log(1 + y) of targets below 0" if loss == "msle" else "errors divided by targets at or near 0"
        return Result("loss_target", "high", f"{loss} on y spanning [{fmt(lo)}, {fmt(float(np.max(y)))}]: it takes "
                      f"{what}, so the loss is dominated by (or undefined at) those rows", lo, 0.0,
                      "use mse or mae (or shift y to be positive for msle)")
    return Result("loss_target", "ok", f"{loss} on y in [{fmt(lo)}, {fmt(float(np.max(y)))}]")


def check_sentinel(X) -> Result:
    """A code far outside a feature's other values (e.g. -999 for 'missing'), left in before any scaling: a
    value in at least 1% of the rows, outside the range of the feature's other values (which take several
    values), far from them in units of their std, and shaped like a code (negative in an otherwise
    non-negative feature, or all nines)."""
    t = THRESHOLDS
    worst = None
    for j in range(X.shape[1]):
        col = X[:, j]
        values, counts = np.unique(col, return_counts=True)
        for k in np.flatnonzero(counts >= t["sentinel_share"] * len(col)):
            v = float(values[k])
            rest = col[col != v]
            if counts[k] == len(col) or len(np.unique(rest)) < 3 or rest.min() <= v <= rest.max():
                continue
            nines = abs(v) >= 9 and v == int(v) and set(str(int(abs(v)))) == {"9"}
            if not ((v < 0 <= rest.min()) or nines):
                continue  # a common legitimate value far from the rest (port 80 among ephemeral ports) is no code
            dist = abs(v - np.median(rest)) / rest.std()
            if dist >= t["sentinel_distance"] and (worst is None or dist > worst[2]):
                worst = (j, v, float(dist), float(counts[k] / len(col)))
    if worst is None:
        return Result("sentinel", "ok", "no missing-value code far outside a feature's other values")
    j, v, d, share = worst
    return Result("sentinel", "high", f"feature {j} holds {fmt(v)} in {share:.1%} of rows, {fmt(d)} std of its other "
                  f"values away from them: a 'missing' code left in the data", d, t["sentinel_distance"],
                  "replace the code by NaN and impute (or drop those rows) before scaling")


def baseline_fit(X, y, loss: str, kind: str = "knn", seed: int = 0) -> tuple[float, str] | str:
    """A cross-validated baseline on standardized tabular X (shuffled 3 folds, stratified for the
    classification losses): ``kind`` "knn" (5 nearest neighbours, non-parametric) or "linear" (Ridge for
    regression, logistic regression for classification: what a network without hidden activations can
    represent, plus the output's own nonlinearity). Returns (gain, text): for classification the accuracy's
    gain over the majority class as a share of what it leaves (0: no better than it, 1: perfect), else
    R^2; or, as a str, why no baseline could be fitted (an error while fitting included: a check that
    needs a baseline says so, it does not stop the report)."""
    try:
        return _baseline_fit(X, y, loss, kind, seed)
    except Exception as exc:  # noqa: BLE001
        name = "nearest-neighbour" if kind == "knn" else "linear"
        return f"the {name} baseline could not be fitted: {exc}"


def _baseline_fit(X, y, loss: str, kind: str, seed: int) -> tuple[float, str] | str:
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    Xf = X.reshape(len(X), -1)
    if X.ndim > 2 or Xf.shape[1] > 200:
        return "not tabular inputs (images, sequences or over 200 features)"
    sd = Xf.std(axis=0)
    Xf = (Xf - Xf.mean(axis=0)) / np.where(sd > 0, sd, 1)
    yf = y.reshape(len(y), -1)
    if loss in ("bce", "cce", "scce"):
        target = yf.argmax(axis=1) if yf.shape[1] > 1 else np.round(yf[:, 0]).astype(int)
        _, counts = np.unique(target, return_counts=True)
        if len(counts) < 2 or counts.min() < 3:
            return "too few examples of some class for a cross-validated baseline"
        # shuffled folds: rows are often stored in order (of x, of class), and contiguous folds would ask the
        # baseline to extrapolate
        folds = StratifiedKFold(3, shuffle=True, random_state=seed)
        est = KNeighborsClassifier(5) if kind == "knn" else LogisticRegression(max_iter=1000)
        score = float(np.mean(cross_val_score(est, Xf, target, cv=folds)))
        base = float(counts.max() / counts.sum())
        return (score - base) / max(1 - base, 1e-12), f"accuracy {score:.2f} against the majority class's {base:.2f}"
    if len(Xf) < 30 or np.all(yf.std(axis=0) == 0):
        return "too few examples, or a constant target"
    folds = KFold(3, shuffle=True, random_state=seed)
    est = KNeighborsRegressor(5) if kind == "knn" else Ridge(1.0)
    gain = float(np.mean(cross_val_score(est, Xf, yf, cv=folds, scoring="r2")))
    return gain, f"R^2 {gain:.2f}"


def check_relation(X, y, loss: str, seed: int = 0) -> Result:
    """A cross-validated nearest-neighbour baseline on a sample: if it does no better than a constant, the
    rows of X may not be paired with the rows of y (shuffled apart), or X holds nothing about y. Only for
    tabular X (at most 200 features): on raw pixels or sequences a nearest-neighbour baseline finds nothing
    even where a convolutional or recurrent network does."""
    t = THRESHOLDS
    fitted = baseline_fit(X, y, loss, "knn", seed)
    if isinstance(fitted, str):
        return Result("relation", "skipped", fitted)
    gain, what = fitted
    if gain < t["relation_gain"]:
        # medium on its own (a smooth baseline misses some real relations, e.g. a remainder of bits); high when
        # the probe's loss stalls too (raise_by_effect)
        return Result("relation", "medium", f"a 5-nearest-neighbour baseline finds nothing: cross-validated {what}",
                      gain, t["relation_gain"], "check that the rows of X and y are paired (shuffled together, "
                      "same order), and that X holds what predicts y")
    return Result("relation", "ok", f"a 5-nearest-neighbour baseline finds a relation: cross-validated {what}",
                  gain, t["relation_gain"])


def check_regularization(penalty: float | None, data_loss: float | None) -> Result:
    t = THRESHOLDS
    if not penalty:
        return Result("regularization", "ok" if penalty == 0 else "skipped", "no weight penalty in the layers"
                      if penalty == 0 else "the data loss could not be computed")
    if data_loss is None or data_loss <= 0:
        return Result("regularization", "skipped", "the data loss could not be computed")
    ratio = penalty / data_loss
    if ratio > t["regularization"]:
        return Result("regularization", "high", f"the layers' penalty at init ({fmt(penalty)}) is {fmt(ratio)}x the data "
                      "loss: training shrinks the weights instead of fitting the data", ratio, t["regularization"],
                      "lower the regularization factor (l2 around 1e-4 to 1e-2 is usual)")
    return Result("regularization", "ok", f"the layers' penalty at init is {fmt(ratio)}x the data loss", ratio,
                  t["regularization"])
