"""The doctor's vocabulary: severities, every threshold with its source, check titles, activation and
loss families, and the error raised for input it cannot diagnose."""
from __future__ import annotations

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
LOSS_NAMES = {
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


