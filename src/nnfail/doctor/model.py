"""Reading a reader's Keras model and data into plain arrays: Dense layers, their activations, the loss."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from nnfail.doctor.rules import LOSS_NAMES, DoctorError


@dataclass
class Dense:
    name: str
    kernel: np.ndarray
    bias: np.ndarray
    activation: str
    fn: Any  # the activation callable


def activation_name(keras, fn) -> str:
    try:
        name = keras.activations.serialize(fn)
    except Exception:  # noqa: BLE001 - a custom callable
        name = getattr(fn, "__name__", "custom")
    if isinstance(name, dict):
        name = name.get("config", {}).get("name", name.get("class_name", "custom"))
    return str(name).lower()


SKIPPED_LAYERS = ("InputLayer", "Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout")
ACTIVATION_LAYERS = {"Activation": None, "ReLU": "relu", "ELU": "elu", "LeakyReLU": "leaky_relu",
                     "Softmax": "softmax"}


def is_dense_stack(model) -> bool:
    """True for a plain stack of Dense layers (with activation and dropout layers between them): the
    model the Dense-specific checks read weight by weight."""
    import keras

    if not isinstance(model, keras.Sequential):
        return False
    kinds = [type(layer).__name__ for layer in model.layers]
    return bool(kinds) and all(k == "Dense" or k in SKIPPED_LAYERS or k in ACTIVATION_LAYERS for k in kinds)


def require_model(model, sample_shape: tuple) -> None:
    """Refuse what is not a Keras model, or a model that cannot be built for inputs of this shape."""
    import keras

    if not isinstance(model, keras.Model):
        raise DoctorError(f"expected a Keras model (keras.Sequential or keras.Model), got {type(model).__name__}")
    if not model.built:
        try:
            model.build((None, *sample_shape))
        except Exception as exc:  # noqa: BLE001
            raise DoctorError(f"the model is not built and cannot be built for inputs of shape {sample_shape}: "
                              f"{_first_line(exc)}") from None


def _keras_reason(exc: Exception) -> str:
    """The informative line of a Keras error (its first line is often only 'Exception encountered ...')."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    useful = [ln for ln in lines if not ln.startswith(("Exception encountered", "Arguments received", "•"))]
    return (useful or lines or [type(exc).__name__])[0][:300]


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def output_layer(model) -> list[Dense]:
    """The model's last Dense layer (with an activation layer after it, if any) as a one-layer list, for the
    checks that read only the output: empty when the model does not end in a Dense layer."""
    import keras

    found = None
    for layer in model.layers:
        kind = type(layer).__name__
        if isinstance(layer, keras.layers.Dense):
            kernel, *rest = [np.asarray(w, dtype=np.float64) for w in layer.get_weights()]
            found = Dense(layer.name, kernel, rest[0] if rest else np.zeros(kernel.shape[1]),
                          activation_name(keras, layer.activation), layer.activation)
        elif kind in ACTIVATION_LAYERS and found is not None and found.activation == "linear":
            found.activation = ACTIVATION_LAYERS[kind] or activation_name(keras, layer.activation)
            found.fn = layer
        elif kind not in SKIPPED_LAYERS and found is not None and layer.get_weights():
            found = None  # a weighted layer after the last Dense: the output is not a Dense layer's
    return [] if found is None else [found]


def layer_kinds(model) -> list[tuple[str, str, int | None, float | None]]:
    """(layer type, activation name, units, dropout rate) of every layer after the input, in order."""
    import keras

    out = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        act = activation_name(keras, layer.activation) if hasattr(layer, "activation") else ""
        if kind == "Softmax":
            act = "softmax"
        rate = float(layer.rate) if kind in ("Dropout", "SpatialDropout1D", "SpatialDropout2D") else None
        out.append((kind, act, getattr(layer, "units", None), rate))
    return out


def first_activation(model) -> str:
    """The activation of the first layer that has one (what the inputs meet first)."""
    import keras

    for layer in model.layers:
        if hasattr(layer, "activation"):
            return activation_name(keras, layer.activation)
    return "linear"


NORMALIZING = ("BatchNormalization", "Normalization")  # layers that standardize each input feature themselves
PREPROCESSING = ("Rescaling",) + NORMALIZING  # layers a model may start with to scale its raw inputs itself


def _describe(layer, before: np.ndarray, after: np.ndarray) -> str:
    kind = type(layer).__name__
    if kind == "Rescaling":
        def num(v):
            a = np.asarray(v, dtype=float)
            return f"{float(a):.3g}" if a.size == 1 else f"[{a.size} values]"
        text = f"Rescaling(scale={num(layer.scale)}, offset={num(layer.offset)})"
    elif kind == "BatchNormalization":
        text = "BatchNormalization (with the batch's own statistics, as in training)"
    else:
        text = kind
    if before.shape == after.shape and np.allclose(before, after):
        text += " (which leaves X as it is)"
    return text


def leading_preprocessing(model, X: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """X as the model's first trainable layer sees it: the model's leading Rescaling and normalizing layers
    (``PREPROCESSING``; dropout and noise layers between them, identities at inference, are passed over)
    applied in order, up to the first other layer; with a description of each layer applied (empty: none).
    Batch normalization is applied in training mode, with the sample's own statistics, as fit applies it;
    every layer's weights (a batch normalization's moving statistics) are put back afterwards."""
    import keras

    h, applied = X.astype(np.float32), []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in SKIPPED_LAYERS:
            continue
        if kind not in PREPROCESSING:
            break
        saved = layer.get_weights()
        try:
            out = np.asarray(keras.ops.convert_to_numpy(layer(h, training=True)), dtype=np.float32)
        finally:
            layer.set_weights(saved)
        applied.append(_describe(layer, h, out))
        h = out
    return h.astype(np.float64), applied


def predict(model, X: np.ndarray, batch: int = 512) -> np.ndarray:
    """The model's outputs on X in inference mode, float64; DoctorError (with Keras's message) when the model
    cannot take X."""
    import keras

    try:
        out = [np.asarray(keras.ops.convert_to_numpy(model(X[i:i + batch].astype(np.float32), training=False)))
               for i in range(0, len(X), batch)]
    except Exception as exc:  # noqa: BLE001 - the reader's model and data disagree: say how
        expects = getattr(model, "input_shape", None)
        want = f"inputs of shape {list(expects)[1:]} per example" if isinstance(expects, tuple) else "other inputs"
        raise DoctorError(f"the model expects {want} but X has {list(X.shape[1:])} per example "
                          f"(Keras says: {_keras_reason(exc)})") from None
    if any(isinstance(o, (list, tuple)) for o in out):
        raise DoctorError("the model has several outputs; the doctor diagnoses single-output models")
    return np.concatenate(out).astype(np.float64)


def read_layers(model, n_features: int) -> list[Dense]:
    import keras

    require_model(model, (n_features,))
    skip = tuple(getattr(keras.layers, name) for name in SKIPPED_LAYERS)
    act_layers = {getattr(keras.layers, name): act for name, act in ACTIVATION_LAYERS.items()}
    dense: list[Dense] = []
    for layer in model.layers:
        kind = type(layer).__name__
        if isinstance(layer, skip):
            continue
        if isinstance(layer, keras.layers.Dense):
            kernel, *rest = [np.asarray(w, dtype=np.float64) for w in layer.get_weights()]
            bias = rest[0] if rest else np.zeros(kernel.shape[1])
            dense.append(Dense(layer.name, kernel, bias, activation_name(keras, layer.activation),
                                layer.activation))
        elif isinstance(layer, tuple(act_layers)):
            if not dense or dense[-1].activation != "linear":
                raise DoctorError(f"layer {layer.name!r} ({kind}) must follow a Dense layer without activation")
            fn = layer
            name = act_layers[type(layer)] or activation_name(keras, layer.activation)
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


def forward(layers: Sequence[Dense], x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
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


def loss_name_of(model, loss) -> tuple[str, bool, Any]:
    """(normalized name, from_logits, the loss object to train the probe with)."""
    given = loss if loss is not None else getattr(model, "loss", None)
    if given is None:
        return "mse", False, "mse"
    if isinstance(given, str):
        key = given.lower()
        if key not in LOSS_NAMES:
            return "other", False, given
        return LOSS_NAMES[key], False, given
    config = {}
    try:
        config = given.get_config()
    except Exception:  # noqa: BLE001 - a plain function
        pass
    name = str(config.get("name") or getattr(given, "__name__", type(given).__name__)).lower()
    return LOSS_NAMES.get(name, "other"), bool(config.get("from_logits", False)), given


def as_arrays(X, y) -> tuple[np.ndarray, np.ndarray]:
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
    if y.ndim > 2:
        raise DoctorError(f"y must be [examples] or [examples, outputs], got shape {y.shape}")
    if len(X) != len(y):
        raise DoctorError(f"X has {len(X)} rows but y has {len(y)}")
    if len(X) < 2:
        raise DoctorError("need at least 2 examples")
    return X, y


