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
    # a feature whose mean (above input_scale) is more than this many of its own std away from 0 is high: the
    # relu 32-32 Friedman network on inputs shifted by k std (validation/doctor_training_length.py) reaches
    # R^2 0.987 at k = 0, 0.910 at 3, 0.412 at 10, 0.280 at 30 and 0.000 at 100 after 30 epochs
    input_offset=10.0,
    feature_ratio=100.0,        # largest / smallest feature scale (seed 003's third example)
    target_scale=10.0,          # max(|mean|, std) of a regression target (TheDeepChecker)
    target_scale_high=100.0,    # ... high from here on its own: measured (validation/doctor_thresholds.py, relu
                                # 32-32, Adam 1e-3, 30 epochs): training R^2 0.985 at std(y) 1, 0.971 at 10, 0.945 at
                                # 30, 0.90 at 100 (error 6x the healthy model's); the harm grows with std(y) over the
                                # learning rate (chapter 4 trains std 30 fine at Adam 0.05), so between 10 and 100 the
                                # probe decides (raise_by_effect); an offset of mean(y) is output_bias's
    output_bias=3.0,            # |mean prediction at init - mean(y)| in units of std(y) (Karpathy's recipe)
    output_bias_high=10.0,      # ... high from here (at least): measured (validation/doctor_thresholds.py, relu 32-32, Adam
                                # 1e-3, 30 epochs): training R^2 0.985 at a gap of 0, 0.973 at 3, 0.56 at 10, -4 at 30
                                # (the same gap put in y instead of the bias: 0.958 at 3, 0.61 at 10)
    # Initial weight scale, as the doctor measures it: a hidden layer's weight RMS over the smallest of its
    # Glorot/He/LeCun scales (small), any layer's over the largest (large). Medium and high from a measurement
    # (validation/doctor_thresholds.py: Dense 32-32, Adam 1e-3, 30 epochs on Friedman #1; healthy training R^2
    # 0.98): large, tanh / relu: ratio ~1.6 gives 0.968 / 0.972, ~2.2 gives 0.92 / 0.92 (error 4-5x the
    # healthy model's), ~3.2 gives 0.64 / 0.21, ~4.3 below 0; small (tanh): ~1 gives 0.963, ~0.7 gives 0.83,
    # ~0.35 and below 0.80 to 0.75 (a plateau near the linear fit). Measured on one setting, so the high
    # thresholds sit where the harm is unambiguous, away from the usual initializers (ratio 1).
    init_small=0.5,
    init_small_high=0.25,
    init_large=1.5,
    init_large_high=2.0,
    initial_loss=10.0,          # loss at init over the trivial predictor's loss (Var(y); label entropy)
    dead_share=0.5,             # share of a ReLU layer's units never active on the data: medium (high when every
                                # unit is dead, or when the loss stalls); measured: a ten-layer relu stack with 56% of
                                # one layer dead after the probe still reaches training R^2 0.99 (independent set,
                                # seed 1, the sigmoid pair's fixed twin)
    inactive_outputs=0.7,       # share of a ReLU layer's outputs that are zero (DeepDiagnosis)
    saturation=0.5,             # share of sigmoid/tanh pre-activations beyond the saturation point (DeepDiagnosis)
    saturation_z=5.0,           # |z| >= 5 for sigmoid; tanh saturates at half that
    gradient_spread=1e-4,       # smallest / largest layer's |dL/dW| / |W| at init: vanishing gradient
                                # (AUTOTRAINER, DeepDiagnosis compare layers' gradients; measured on the
                                # independent set: ten sigmoid layers 7e-8, their relu twin 0.3, the healthy
                                # models 0.3 to 0.8, four tanh layers started at std 1e-3 2e-5)
    gradient_large=1e3,         # a layer's |dL/dW| / |W| at init above this: one plain SGD step at lr 1e-3
                                # would move it by more than its own norm (exploding gradient)
    update_peak=1.0,            # one probe step changed a kernel by more than its own norm
    update_ratio_high=0.1,      # median |dW| / |W| per step above this: steps too large (CS231n: ~1e-3)
    update_ratio_low=1e-5,      # ... below this: the layer hardly moves (two orders below healthy; measured: SGD at
                                # 1e-5 on standardized wine 3e-6, its twin at 0.05 2e-3)
    stagnation=0.05,            # less than 5% loss drop over the probe's second half, while still
    stagnation_level=0.5,       # ... above half the trivial predictor's loss
    slow_level=1.0,             # still above the trivial predictor's loss at the end: worse than a constant
    divergence=2.0,             # final loss above twice the minimum, or not finite
    oscillation=0.5,            # share of sign changes between successive loss differences ...
    oscillation_size=0.1,       # ... with swings above 10% of the mean loss
    overfit=0.1,                # one small batch not brought below 10% of its trivial loss
    # The learning-rate probe trains the same copy from the same start at the compiled rate times 0.1 and 10
    # (following a better neighbour up to two more factors of 10 while the loss keeps falling).
    # A neighbour is "clearly better" when its final probe loss is below lr_better times the compiled rate's;
    # high when the compiled rate diverged or ends no better than the trivial predictor (slow_level), medium
    # while it ends above stagnation_level of it (a model that is learning is not told to change its rate).
    # Chosen, then checked on the book's pairs: with "above stagnation_level" as the high bar, 6 of the 30
    # fixed twins (Adam 1e-3, 300 probe steps: learning, slowly) were told their rate was too low.
    lr_better=0.5,
    lr_factor=10.0,
    lr_min_steps=100,           # shorter probes favour large rates (every rate is still far from its end)
    # training length from a history (the reader's per-epoch losses, or Watch): still falling over the last
    # quarter of the epochs by more than this share of the loss -> "train longer"; the validation loss up by
    # more than this share from its minimum while the training loss fell -> "stop earlier"
    still_falling=0.05,
    val_rise=0.1,
    # training length from the reader's number of updates (History.params, or epochs and batch size): when the
    # probe runs at least length_probe_factor times as many steps, its loss at the reader's count against its
    # loss at the end; a drop of length_gain_high or more is high, of length_gain_medium medium. Measured by
    # validation/doctor_training_length.py (output kept beside it).
    # On fault-free networks (2 seeds each; validation/doctor_training_length.txt): every "high" came where ten
    # times the epochs was clearly better (Friedman relu 32-32, Adam, 94 updates: R^2 0.758 vs 0.982; digits,
    # 114 updates: accuracy 0.756 vs 0.975); Friedman, Adam, 470 updates (0.963 vs 0.995) is medium. It misses
    # slow SGD on digits (114 updates, 0.231 vs 0.888): the loss falls only 15% over three times the updates.
    # High also needs the fit itself (R^2, or accuracy for the classification losses, on the probe's
    # evaluation sample) to improve by length_score_gap between the reader's updates and the probe's end (a loss
    # can keep halving while a classifier only grows more confident). Measured in the same table: the
    # improvements where ten times the epochs was clearly better are 0.121 to 1.1 (smallest: digits, Adam, 114
    # updates, 0.804 -> 0.925; Friedman, Adam, 94 updates, 0.798 -> 0.933); where it was not (Friedman, 470
    # updates, Adam 0.963 vs 0.995, SGD 0.895 vs 0.983 at ten times), 0.021 to 0.068. 0.1 lies between.
    length_probe_factor=3.0,
    length_probe_max=3000,      # ... a longer probe (up to this many steps) when the main one is too short
    length_gain_high=0.5,
    length_gain_medium=0.2,
    length_far=0.1,             # high only while the loss at the reader's updates is above this x the trivial loss
    length_score_gap=0.1,
    # New causes (doctor issue, item 6), measured by validation/doctor_new_causes.py (its output is kept in
    # validation/doctor_new_causes.txt): relu 32-32 on Friedman #1, Adam 1e-3, 30 epochs, 3 seeds, training R^2
    # (median) 0.987 fault-free; a 32-unit softmax classifier on digits, accuracy 0.983.
    dropout_high=0.7,           # Dropout rate: 0.3 gives R^2 0.943, 0.5 0.851 (medium from here), 0.7 0.644 (high
    dropout_medium=0.5,         # from here: error 27x the fault-free model's), 0.8 0.462, 0.9 0.326
    sentinel_share=0.01,        # -999 in 1% of the values: R^2 -1.88 (in 5%: 0.112); flagged at both
    sentinel_distance=10.0,     # ... at least this many of the other values' std away (and outside their range)
    relation_gain=0.05,         # y shuffled apart from X: R^2 0.126 (memorized noise); the 5-NN baseline's
                                # cross-validated R^2 on 1,000 rows is -0.17 there and 0.87 on the paired data
    # hidden softmax: R^2 0.851; MAPE on a target crossing 0: 0.714; a hidden width below the 10 digit
    # classes: 5 units 0.832, 2 units 0.233 (10 units 0.961, not flagged); each is high when present
    # A hidden Dense layer without activation is high unless a cross-validated linear baseline (Ridge / logistic
    # regression on standardized X, shuffled 3 folds, up to 2,000 rows) reaches a gain (R^2, or accuracy above the
    # majority class as a share of what it leaves) of nonlinearity_level or more AND at least the 5-NN baseline's
    # minus nonlinearity_margin: then it is medium. Measured by validation/doctor_linear_baseline.py (output kept
    # beside it; Dense 32-32, Adam 3e-3, 20 epochs, 1,000 rows, training scores): on data a linear model fits
    # (17 cases), linear gain minus 5-NN gain is 0.000 to 0.227 and the relu stack gains at most 0.114 over the
    # linear one (10-d, 80% noise: memorized noise); on data that needs a nonlinearity (12 cases) it is -0.095
    # (Friedman #1 on 6 features: linear 0.768, relu 0.989) or below, except Friedman #1 on 10 features (+0.067:
    # the 5-NN baseline is weak on 10 features; linear 0.772, relu 0.982), which the level keeps high: the
    # largest linear gain where relu helps by more than 0.04 is 0.816 (x + 0.3 x^2: linear 0.811, relu 0.989);
    # linear data reach 0.9 at up to about 10% noise (0.897 and 0.901 there)
    nonlinearity_level=0.9,
    nonlinearity_margin=0.05,
    regularization=1.0,         # the layers' penalty at init above this many times the data loss: l2 0.01 on
                                # every layer gives R^2 0.973 (not flagged), l2 0.1 0.765 and l2 1 0.000 (flagged)
)

CHECKS = {  # key: title shown in the report
    "input_scale": "Input scale",
    "target_scale": "Target scale",
    "output_bias": "Output bias vs target mean",
    "target_shape": "Output shape vs target shape",
    "labels": "Label encoding vs loss",
    "nonlinearity": "Nonlinearity between Dense layers",
    "output_loss": "Output activation vs loss",
    "init_scale": "Initial weight scale",
    "initial_loss": "Loss at initialization",
    "dead_units": "Dead ReLU units",
    "kink_coverage": "ReLU kinks over the data",
    "saturation": "Sigmoid/tanh saturation",
    "gradient_flow": "Gradient flow across layers",
    "update_ratio": "Update-to-weight ratio",
    "loss_curve": "Loss curve",
    "overfit_batch": "Overfit one small batch",
    "fit_error": "Training raises an error",
    "learning_rate": "Learning rate vs its neighbours",
    "architecture": "Hidden softmax, bottlenecks, dropout",
    "loss_target": "Loss vs the target's sign",
    "sentinel": "Sentinel values in X",
    "relation": "A learnable relation between X and y",
    "regularization": "Regularization vs the data loss",
    "training_length": "Training length",
}
# checks that read a stack of Dense layers; on any other model they say "not applicable"
DENSE_ONLY = ("nonlinearity", "init_scale", "kink_coverage", "dead_units", "saturation")

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
    "mape": "mape", "mean_absolute_percentage_error": "mape", "meanabsolutepercentageerror": "mape",
    "meansquaredlogarithmicerror": "msle",
}


class DoctorError(ValueError):
    """The model or data cannot be diagnosed; the message says what to change."""


