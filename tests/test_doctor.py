"""nnfail.doctor: every check fires on a model made to trigger it and stays quiet on one that does not;
bad input is refused with a clear message; the pair benchmark meets its detection and false-alarm targets."""
import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from nnfail import doctor
from nnfail.chapters.two_relu_coverage import pair as two_relu_coverage_pair
from nnfail_bench import pairs
from nnfail.models import mlp

RNG = np.random.default_rng(0)
X3 = RNG.normal(size=(500, 3))
Y3 = np.sin(2 * X3[:, 0]) + X3[:, 1] * X3[:, 2]
Y3 = (Y3 - Y3.mean()) / Y3.std()


def status(report, check):
    return next(r.status for r in report.results if r.check == check)


def static(model, X=X3, y=Y3, **kw):
    return doctor.diagnose(model, X, y, probe=False, **kw)


def healthy(**kw):
    return mlp(3, (16, 16), "relu", rng=np.random.default_rng(1), **kw)


# ---------------------------------------------------------------------------------- one check each
def test_healthy_model_raises_no_finding_without_probe():
    report = static(healthy())
    assert report.findings == [], str(report)


@pytest.mark.parametrize("X,severity", [(X3 * 1e-4, "high"), (X3 * 50, "medium"), (X3 * 500, "high"),
                                        (np.c_[0.02 * X3[:, :2], 5 * X3[:, 2]], "high")])
def test_input_scale_fires_on_tiny_large_and_mixed_inputs(X, severity):
    assert status(static(healthy(), X=X), "input_scale") == severity
    assert status(static(healthy()), "input_scale") == "ok"


def test_input_scale_is_stricter_before_a_sigmoid_layer():
    sig = mlp(3, (8,), "sigmoid", rng=np.random.default_rng(2))
    assert status(static(sig, X=X3 * 4), "input_scale") == "high"
    assert status(static(healthy(), X=X3 * 4), "input_scale") == "ok"


def test_target_scale_and_output_bias():
    r = static(healthy(), y=1000 + 10 * Y3)  # 100 std from where the model starts: high (measured effect)
    assert status(r, "target_scale") == "high" and status(r, "output_bias") == "high"
    r = static(healthy(), y=5 + Y3)  # 5 std: above the recipe's 3, below the measured 10
    assert status(r, "target_scale") == "ok" and status(r, "output_bias") == "medium"
    r = static(healthy())
    assert status(r, "target_scale") == "ok" and status(r, "output_bias") == "ok"


def test_missing_nonlinearity_is_medium_where_a_linear_model_already_fits():
    linear_y = X3 @ np.array([1.0, -0.5, 0.3]) + 0.05 * RNG.normal(size=len(X3))
    r = next(r for r in static(mlp(3, (16, 16), None), y=linear_y).results if r.check == "nonlinearity")
    assert r.status == "medium" and "a linear baseline reaches R^2" in r.evidence and "already fits" in r.evidence, \
        r.evidence
    # a linear boundary under a sigmoid output: logistic regression is the linear baseline
    labels = (linear_y > 0).astype(float)
    r = static(mlp(3, (16, 16), None, out_activation="sigmoid", loss="binary_crossentropy"), y=labels)
    assert status(r, "nonlinearity") == "medium"
    # a square needs the activation: still high, and the evidence says what the linear baseline reached
    square = X3[:, 0] ** 2
    r = next(r for r in static(mlp(3, (16, 16), None), y=square).results if r.check == "nonlinearity")
    assert r.status == "high" and "a linear baseline reaches R^2" in r.evidence, r.evidence
    # a model with activations is not affected by the baselines
    assert status(static(healthy(), y=linear_y), "nonlinearity") == "ok"
    assert status(static(healthy(), y=square), "nonlinearity") == "ok"


def test_a_baseline_that_cannot_be_fitted_skips_relation_and_leaves_nonlinearity_high(monkeypatch):
    import sklearn.model_selection

    def fails(*args, **kwargs):
        raise ValueError("no folds today")

    monkeypatch.setattr(sklearn.model_selection, "cross_val_score", fails)
    linear_y = X3 @ np.array([1.0, -0.5, 0.3])
    results = {r.check: r for r in static(mlp(3, (16, 16), None), y=linear_y).results}
    assert results["relation"].status == "skipped"
    assert results["relation"].evidence == "the nearest-neighbour baseline could not be fitted: no folds today"
    assert results["nonlinearity"].status == "high" and "baseline" not in results["nonlinearity"].evidence


def test_target_shape_mismatch():
    assert status(static(healthy(out=100)), "target_shape") == "high"
    assert status(static(healthy()), "target_shape") == "ok"


def test_missing_nonlinearity_including_activation_layers():
    assert status(static(mlp(3, (16, 16), None)), "nonlinearity") == "high"
    with_layers = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8), keras.layers.Activation("tanh"),
                                    keras.layers.Dense(8), keras.layers.ReLU(), keras.layers.Dropout(0.1),
                                    keras.layers.Dense(1)])
    with_layers.compile(loss="mse", optimizer="adam")
    assert status(static(with_layers), "nonlinearity") == "ok"


@pytest.mark.parametrize("out,loss,y,expected", [
    ("softmax", "binary_crossentropy", "binary", "high"),
    (None, "binary_crossentropy", "binary", "high"),
    ("sigmoid", keras.losses.BinaryCrossentropy(from_logits=True), "binary", "high"),
    ("sigmoid", "binary_crossentropy", "wide", "high"),
    ("sigmoid", "mse", "wide", "high"),
    ("relu", "mse", "signed", "high"),
    ("sigmoid", "mse", "binary", "low"),
    ("sigmoid", "binary_crossentropy", "binary", "ok"),
    (None, keras.losses.BinaryCrossentropy(from_logits=True), "binary", "ok"),
    (None, "mse", "signed", "ok"),
])
def test_output_activation_vs_loss(out, loss, y, expected):
    targets = dict(binary=(Y3 > 0).astype(float), wide=3 * Y3 + 5, signed=Y3)[y]
    model = healthy(out_activation=out, loss=loss)
    assert status(static(model, y=targets), "output_loss") == expected


def test_init_scale_small_large_identical_and_default():
    # severities from the measured effect (THRESHOLDS): 16-16 layers have Glorot = He = 0.35, LeCun 0.25
    for std, severity in ((0.01, "high"), (0.1, "medium"), (0.6, "medium"), (20.0, "high")):
        kernel = keras.initializers.RandomNormal(stddev=std, seed=3)
        assert status(static(healthy(kernel=kernel)), "init_scale") == severity, std
    assert status(static(healthy(kernel="zeros")), "init_scale") == "high"
    assert status(static(healthy()), "init_scale") == "ok"


def test_initial_loss_far_above_the_trivial_predictor():
    model = healthy(kernel=keras.initializers.RandomNormal(stddev=3.0))
    assert status(static(model), "initial_loss") == "medium"
    assert status(static(healthy()), "initial_loss") == "ok"


def test_dead_units():
    dead = healthy(bias=keras.initializers.Constant(-10.0))
    assert status(static(dead), "dead_units") == "high"
    assert status(static(healthy()), "dead_units") == "ok"
    partly = healthy()  # 10 of 16 first-layer units dead: medium on its own (a stalled loss would raise it)
    kernel, bias = partly.layers[0].get_weights()
    partly.layers[0].set_weights([kernel, np.r_[np.full(10, -10.0), np.zeros(6)].astype(bias.dtype)])
    assert status(static(partly), "dead_units") == "medium"
    assert status(static(mlp(3, (8,), "tanh")), "dead_units") == "skipped"


def test_kink_coverage_on_one_input():
    bad = two_relu_coverage_pair.doctor_case(False, np.random.default_rng(0), n=500)
    good = two_relu_coverage_pair.doctor_case(True, np.random.default_rng(0), n=500)
    assert status(static(bad.model, bad.X, bad.y), "kink_coverage") == "high"
    assert status(static(good.model, good.X, good.y), "kink_coverage") == "ok"


def test_kink_coverage_no_unit_switching_within_the_data():
    model = healthy(bias=keras.initializers.Constant(50.0))  # every unit on everywhere: affine over the data
    assert status(static(model), "kink_coverage") == "medium"


def test_saturation():
    big = mlp(3, (16,), "sigmoid", kernel=keras.initializers.RandomNormal(stddev=10.0))
    assert status(static(big), "saturation") == "high"
    assert status(static(mlp(3, (16,), "sigmoid")), "saturation") == "ok"


def test_update_ratio_and_loss_curve_from_the_probe():
    fast = healthy(optimizer=keras.optimizers.SGD(3.0))
    r = doctor.diagnose(fast, X3, Y3, probe_steps=60, overfit_steps=30)
    assert status(r, "update_ratio") == "high"
    slow = healthy(optimizer=keras.optimizers.SGD(1e-8))
    r = doctor.diagnose(slow, X3, Y3, probe_steps=60, overfit_steps=30)
    # the layers hardly move and the loss measurably stalls: the effect raises the cause to high
    assert status(r, "update_ratio") == "high" and status(r, "loss_curve") == "medium"
    assert "shows the effect" in result(r, "update_ratio").evidence
    r = doctor.diagnose(healthy(optimizer=keras.optimizers.Adam(1e-2)), X3, Y3, probe_steps=200, overfit_steps=200)
    assert status(r, "update_ratio") == "ok" and status(r, "loss_curve") == "ok" and status(r, "overfit_batch") == "ok"


@pytest.mark.parametrize("curve,expected", [
    ([1.0, 0.5, 0.3, 0.2, 0.15, 0.12, 0.1, 0.09], "ok"),
    ([1.0, 0.5, 0.4, 0.8, 2.0, 5.0], "high"),
    ([1.0, 0.9, float("nan"), 1.0], "high"),
    ([1.0, 0.5, 1.0, 0.5, 1.0, 0.5, 1.0, 0.5], "medium"),
    ([1.0, 0.99, 0.985, 0.98, 0.979, 0.978, 0.978, 0.977], "medium"),
])
def test_loss_curve_rules_on_a_readers_own_history(curve, expected):
    r = doctor.diagnose(healthy(), X3, Y3, probe=False, history=curve)
    assert status(r, "loss_curve") == expected


@pytest.mark.parametrize("last,expected", [(1.2, "high"), (0.6, "medium"), (0.3, "low"), (0.05, "ok"),
                                           (float("nan"), "high")])
def test_overfit_severity_follows_how_far_the_loss_fell(last, expected):
    assert doctor.checks.check_overfit(1.0, last, 1.0, 16, 300).status == expected
    assert doctor.checks.check_overfit(1.0, last, None, 16, 300).status == "skipped"


def test_overfit_probe_flags_a_model_without_capacity():
    x = np.random.default_rng(3).uniform(-1.7, 1.7, 200)
    y = (x ** 2 - (x ** 2).mean()) / (x ** 2).std()
    tiny = mlp(1, (1,), "tanh", rng=np.random.default_rng(3))
    assert status(doctor.diagnose(tiny, x, y, probe_steps=20), "overfit_batch") in doctor.SEVERITIES


# ------------------------------------------------------------------------------------------- input
@pytest.mark.parametrize("make,message", [
    (lambda: ("not a model", X3, Y3), "expected a Keras model"),
    (lambda: (keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                                keras.layers.Dense(1)]), X3, Y3), "expects inputs of shape [4, 4, 1] per example but X has [3]"),
    (lambda: (healthy(), X3[:, :2], Y3), "takes 3 input feature(s) but X has 2"),
    (lambda: (healthy(), X3, Y3[:-1]), "X has 500 rows but y has 499"),
    (lambda: (healthy(), np.where(np.arange(1500).reshape(500, 3) == 7, np.nan, X3), Y3),
     "X has 1 NaN/inf value(s), first in row 2"),
    (lambda: (healthy(), X3, np.r_[Y3[:-1], np.inf]), "y has 1 NaN/inf value(s)"),
    (lambda: (healthy(), np.array([["a", "b", "c"]] * 5), Y3[:5]), "X must be numeric"),
    (lambda: (healthy(), X3[:0], Y3[:0]), "X is empty"),
])
def test_bad_input_is_refused_with_a_clear_message(make, message):
    model, X, y = make()
    with pytest.raises(doctor.DoctorError, match=None) as err:
        doctor.diagnose(model, X, y)
    assert message in str(err.value)


def test_bad_probe_settings_are_refused():
    with pytest.raises(doctor.DoctorError, match="probe_steps must be an integer >= 10"):
        doctor.diagnose(healthy(), X3, Y3, probe_steps=2)


def test_the_readers_model_is_not_changed_by_the_probe():
    model = healthy()
    before = [w.copy() for w in model.get_weights()]
    doctor.diagnose(model, X3, Y3, probe_steps=30, overfit_steps=30)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


# ------------------------------------------------------------------------------------------ report
def test_report_reads_as_text_html_and_json():
    report = static(mlp(3, (16, 16), None))
    text = str(report)
    assert "[HIGH] Nonlinearity between Dense layers" in text and "fix: give every hidden Dense layer" in text
    assert "2. The linear-only Keras stack (chapters/02_linear_stack)" in text
    html = report._repr_html_()
    assert '<a href="02_linear_stack.html">' in html and "<table" in html
    data = json.loads(json.dumps(report.to_dict()))
    assert {r["check"] for r in data["results"]} == set(doctor.CHECKS)


# ----------------------------------------------------------------------------------- the benchmark
# The whole pair set runs once, in `make book` (the checklist chapter reports its detection with intervals);
# `make test` runs the quick subset there (tests/test_book.py checks its rates) and only the seeding here.
def test_the_quick_subset_exercises_every_check_the_pair_set_does():
    quick = pairs.quick_set()
    assert [p for p in pairs.PAIRS if p.book] == [p for p in quick if p.book]
    assert {c for p in quick for c in p.expect} == {c for p in pairs.PAIRS for c in p.expect}
    assert len(quick) < len(pairs.PAIRS) / 2


def test_a_pair_gets_the_same_seed_alone_as_in_a_set():
    def measured(report):  # layer names differ between runs (Keras numbers them); the numbers must not
        return [(r.check, r.status, float("nan") if r.value is None else r.value) for r in report.results]

    one = pairs.run_pairs(seed=0, pairs=[pairs.PAIRS[5]])[0]
    in_set = pairs.run_pairs(seed=0, pairs=[pairs.PAIRS[2], pairs.PAIRS[5]])[1]
    alone, in_set = measured(one.broken), measured(in_set.broken)
    assert [r[:2] for r in alone] == [r[:2] for r in in_set]
    assert [r[2] for r in alone] == pytest.approx([r[2] for r in in_set], rel=1e-6, nan_ok=True)


# -------------------------------------------------------------------------------------------- CLI
def doctor_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "nnfail", "doctor", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_cli_on_a_saved_model_with_npz_and_csv(tmp_path):
    model = mlp(3, (16, 16), None)
    model.save(tmp_path / "m.keras")
    np.savez(tmp_path / "d.npz", X=X3, y=Y3)
    # run where there is no book at all: the doctor needs only the installed library
    out = doctor_cli(str(tmp_path / "m.keras"), str(tmp_path / "d.npz"), "--steps", "20", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "[HIGH] Nonlinearity between Dense layers" in out.stdout
    np.savetxt(tmp_path / "d.csv", np.c_[X3, Y3], delimiter=",", header="a,b,c,target", comments="")
    out = doctor_cli(str(tmp_path / "m.keras"), str(tmp_path / "d.csv"), "--no-probe", "--json", "--fail-on", "high")
    assert out.returncode == 1, out.stderr
    assert any(r["check"] == "nonlinearity" and r["status"] == "high" for r in json.loads(out.stdout)["results"])


@pytest.mark.parametrize("files,message", [
    (("missing.keras", "d.npz"), "no model file at"),
    (("m.keras", "d.txt"), "expected a data file ending in .npz or .csv"),
    (("garbage.keras", "missing.npz"), "no data file at"),  # refused before the model is even read
    (("m.keras", "bad.npz"), "name them X and y"),
    (("m.keras", "short.npz"), "the model takes 3 input feature(s) but X has 2"),
    (("m.keras", "nan.csv"), "NaN/inf"),
])
def test_cli_refuses_bad_files_with_exit_2(tmp_path, files, message):
    mlp(3, (4,)).save(tmp_path / "m.keras")
    (tmp_path / "d.txt").write_text("1,2\n")
    np.savez(tmp_path / "d.npz", X=X3, y=Y3)
    np.savez(tmp_path / "bad.npz", inputs=X3, targets=Y3)
    np.savez(tmp_path / "short.npz", X=X3[:, :2], y=Y3)
    (tmp_path / "nan.csv").write_text("a,b,c,y\n1,2,3,4\n1,nan,3,4\n")
    (tmp_path / "garbage.keras").write_text("not a model")
    out = doctor_cli(*(str(tmp_path / f) for f in files), "--no-probe")
    assert out.returncode == 2, out.stdout + out.stderr
    # the doctor's own one-line message, with no library warning or traceback before it
    assert out.stderr.startswith("nnfail doctor: ") and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert message in out.stderr


def test_an_unbuilt_uncompiled_model_is_built_and_mse_assumed_out_loud():
    model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    report = doctor.diagnose(model, X3, Y3, probe_steps=10, overfit_steps=10)
    assert model.built and "assumed" in report.summary["loss"]
    assert status(report, "nonlinearity") == "ok"


def test_multi_output_and_sparse_classification_models_are_read():
    labels = (X3[:, 0] > 0).astype(int) + (X3[:, 1] > 0).astype(int)
    model = mlp(3, (16,), "relu", out=3, out_activation="softmax", loss="sparse_categorical_crossentropy")
    report = doctor.diagnose(model, X3, labels, probe_steps=20, overfit_steps=20)
    assert status(report, "target_shape") == "ok" and status(report, "initial_loss") == "ok"
    assert not report.severities()["high"], str(report)


def test_the_loaders_refuse_what_check_files_refuses(tmp_path):
    (tmp_path / "d.txt").write_text("1,2\n")
    (tmp_path / "m.json").write_text("{}")
    for call, message in ((lambda: doctor.load_data(tmp_path / "missing.npz"), "no data file at"),
                          (lambda: doctor.load_data(tmp_path / "d.txt"), "expected a data file ending in .npz or .csv"),
                          (lambda: doctor.load_model(tmp_path / "missing.keras"), "no model file at"),
                          (lambda: doctor.load_model(tmp_path / "m.json"), "expected a model file ending in .keras")):
        with pytest.raises(doctor.DoctorError, match=message):
            call()


# ------------------------------------------------------------------------- models it had never seen (issue 18)
def result(report, check):
    return next(r for r in report.results if r.check == check)


def test_the_loss_at_init_is_the_models_own_loss_and_softmax_has_a_prior_baseline():
    """A sigmoid output with huge logits: Keras computes the cross-entropy from the logits (tens of
    thousands), not from probabilities clipped at 1e-7 (at most ~16); the doctor quotes Keras's number."""
    labels = (X3[:, 0] > 0).astype(float)
    model = mlp(3, (16,), "relu", out_activation="sigmoid", loss="binary_crossentropy",
                kernel=keras.initializers.RandomNormal(stddev=50.0), rng=np.random.default_rng(3))
    keras_loss = float(np.mean(keras.losses.binary_crossentropy(labels[:, None], model(X3.astype("float32")))))
    r = result(static(model, y=labels), "initial_loss")
    trivial = doctor.checks.trivial_loss("bce", labels)
    assert keras_loss > 100 and r.status == "medium"
    assert r.value * trivial == pytest.approx(keras_loss, rel=1e-4)
    assert f"{keras_loss:.3g}" in r.evidence
    classes = (X3[:, 0] > 0).astype(int) + (X3[:, 1] > 0).astype(int)
    priors = np.bincount(classes) / len(classes)
    assert doctor.checks.trivial_loss("scce", classes) == pytest.approx(-(priors * np.log(priors)).sum())
    assert doctor.checks.trivial_loss("cce", np.eye(3)[classes]) == pytest.approx(-(priors * np.log(priors)).sum())


def test_divergence_is_named_with_its_step_and_value():
    wild = healthy(optimizer=keras.optimizers.SGD(1e4))
    r = doctor.diagnose(wild, X3, Y3, probe_steps=60, overfit_steps=20)
    curve = result(r, "loss_curve")
    assert curve.status == "high" and "diverged at step" in curve.evidence, str(r)
    assert "nan" not in result(r, "update_ratio").evidence.lower()
    assert "fewer than" not in curve.evidence
    # with the reader's history as the loss curve, the probe's divergence is said by update_ratio
    r = doctor.diagnose(wild, X3, Y3, probe_steps=60, overfit_steps=20, history=[1.0, 0.9, 0.8, 0.7, 0.6])
    assert result(r, "update_ratio").status == "high" and "diverged at step" in result(r, "update_ratio").evidence
    # and on a reader's own history: the epoch, the value and the last finite loss
    r = doctor.diagnose(healthy(), X3, Y3, probe=False, history=[1.0, 0.9, float("nan"), 1.0])
    assert "diverged at epoch 3" in result(r, "loss_curve").evidence and "after 0.9" in result(r, "loss_curve").evidence


def test_target_scale_reads_the_output_bias_before_blaming_the_data():
    y = 1000 + 0.5 * Y3  # far from 0, little spread
    model = healthy()
    assert status(static(model, y=y), "target_scale") == "high"  # started at outputs near 0
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([kernel, np.full_like(bias, y.mean())])
    r = static(model, y=y)
    assert status(r, "target_scale") == "ok" and status(r, "output_bias") == "ok", str(r)
    assert "already starts at its mean" in result(r, "target_scale").evidence
    wide = 1000 + 50 * Y3  # the bias at the mean does not make a spread of 50 learnable for free
    model.layers[-1].set_weights([kernel, np.full_like(bias, wide.mean())])
    r = static(model, y=wide)
    assert status(r, "target_scale") != "ok" and "spread" in result(r, "target_scale").evidence


def test_evidence_leads_with_the_finding_and_links_the_right_chapter():
    model = healthy(bias=keras.initializers.Constant(50.0))
    kink = result(static(model), "kink_coverage")
    assert kink.evidence.startswith("no unit of")
    relu = result(static(healthy(), X=X3 * 500), "input_scale")
    sig = result(static(mlp(3, (8,), "sigmoid", rng=np.random.default_rng(2)), X=X3 * 500), "input_scale")
    assert relu.chapter == "checklist" and sig.chapter == "unnormalized_sigmoid"


def test_a_medium_finding_rises_to_high_when_the_loss_measurably_stagnates():
    C = doctor.checks
    flat = C.check_loss_curve([1.0, 0.99, 0.985, 0.98, 0.979, 0.978, 0.978, 0.977], trivial=1.0)
    falling = C.check_loss_curve([1.0, 0.5, 0.3, 0.2, 0.15, 0.12, 0.1, 0.09], trivial=1.0)
    assert C.is_stagnation(flat) and not C.is_stagnation(falling)
    init = doctor.Result("init_scale", "medium", "layer d: weight RMS 3 vs Glorot 0.05", 60.0, 4.0)
    batch = doctor.Result("overfit_batch", "medium", "16 examples: loss 1 -> 0.6", 0.6, 0.1)
    raised = {r.check: r for r in C.raise_by_effect([init, batch, flat])}
    assert raised["init_scale"].status == "high" and "shows the effect" in raised["init_scale"].evidence
    assert raised["overfit_batch"].status == "medium", "only causes of a stalled loss are raised"
    assert {r.check: r.status for r in C.raise_by_effect([init, falling])}["init_scale"] == "medium"


# ------------------------------------------------------------- issue 18: severity from measured effect
def test_kernels_sixty_times_glorot_are_high_on_their_own():
    big = mlp(3, (32, 32), "tanh", kernel=keras.initializers.RandomNormal(stddev=15.0), rng=np.random.default_rng(3))
    r = result(static(big), "init_scale")
    assert r.status == "high" and r.value > 50, r.evidence
    assert status(static(mlp(3, (32, 32), "tanh", rng=np.random.default_rng(3))), "init_scale") == "ok"


def test_an_output_bias_thousands_of_stds_away_is_high_on_its_own():
    model = healthy()
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([kernel, np.full_like(bias, 3000.0)])
    r = result(static(model), "output_bias")
    assert r.status == "high" and r.value > 1000, r.evidence


def test_no_kink_inside_a_one_dimensional_input_is_high():
    x = np.random.default_rng(4).uniform(2.0, 4.0, 300)[:, None]
    y = np.sin(3 * x[:, 0])
    model = mlp(1, (32,), "relu", rng=np.random.default_rng(5))  # zero biases: every kink at 0, left of the data
    r = result(static(model, X=x, y=(y - y.mean()) / y.std()), "kink_coverage")
    assert r.status == "high" and r.evidence.startswith("no unit of"), r.evidence
    centered = (x - x.mean()) / x.std()
    assert status(static(model, X=centered, y=(y - y.mean()) / y.std()), "kink_coverage") == "ok"


def test_gradient_flow_names_a_vanishing_gradient_in_a_deep_sigmoid_stack():
    deep = mlp(3, (16,) * 10, "sigmoid", rng=np.random.default_rng(6))
    r = result(static(deep), "gradient_flow")
    assert r.status in ("medium", "high") and "vanishing gradient" in r.evidence and r.value < 1e-4, r.evidence
    assert status(static(mlp(3, (16,) * 10, "relu", kernel="he_normal", rng=np.random.default_rng(6))),
                  "gradient_flow") == "ok"


@pytest.mark.parametrize("loss,out,fragment", [
    (keras.losses.CategoricalCrossentropy(), None, "expects probabilities"),
    (keras.losses.SparseCategoricalCrossentropy(from_logits=True), "softmax", "softmax twice"),
])
def test_output_loss_checks_categorical_losses(loss, out, fragment):
    X = RNG.normal(size=(300, 3))
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)
    y = np.eye(3)[labels] if isinstance(loss, keras.losses.CategoricalCrossentropy) else labels.astype(float)
    bad = mlp(3, (16,), "relu", out=3, out_activation=out, loss=loss, rng=np.random.default_rng(7))
    r = result(static(bad, X=X, y=y), "output_loss")
    assert r.status == "high" and fragment in r.evidence, r.evidence
    good = mlp(3, (16,), "relu", out=3, out_activation="softmax", loss=type(loss)(), rng=np.random.default_rng(7))
    assert status(static(good, X=X, y=y), "output_loss") == "ok"


def test_one_step_that_throws_the_weights_away_is_high():
    wild = mlp(3, (16, 16), "relu", optimizer=keras.optimizers.Adam(5.0), rng=np.random.default_rng(8))
    r = result(doctor.diagnose(wild, X3, Y3, probe_steps=40, overfit_steps=20), "update_ratio")
    assert r.status == "high" and "one probe step" in r.evidence, r.evidence


def test_a_loss_oscillating_on_a_plateau_counts_as_stagnation():
    C = doctor.checks
    wobble = C.check_loss_curve([1.0, 1.1, 0.9, 1.12, 0.92, 1.1, 0.9, 1.13, 0.91, 1.1, 0.92, 1.12], trivial=1.0)
    assert C.is_stagnation(wobble), wobble.evidence
    swinging_down = C.check_loss_curve([1.0, 0.6, 0.8, 0.4, 0.5, 0.25, 0.35, 0.15, 0.2, 0.08, 0.12, 0.05],
                                       trivial=1.0)
    assert not C.is_stagnation(swinging_down)


def test_feature_ratio_compares_ranges_so_rare_pixels_are_not_unscaled():
    rng = np.random.default_rng(9)
    pixels = (rng.uniform(size=(500, 3)) < [0.5, 0.5, 0.002]) * rng.uniform(0.5, 1.0, size=(500, 3))
    pixels[0, 2] = 1.0  # a pixel that is on once: tiny std, the same [0, 1] range as the others
    assert status(static(healthy(), X=pixels), "input_scale") == "ok"
    mixed = np.c_[1000 * X3[:, :1], 0.1 * X3[:, 1:]]
    assert status(static(healthy(), X=mixed), "input_scale") == "high"


def test_every_finding_links_the_chapter_the_registry_names_for_its_cause():
    from nnfail import chapters as registry

    assert registry.page_for("kink_coverage/affine") == "linear_stack"
    assert registry.page_for("kink_coverage") == "two_relu_coverage"
    assert registry.page_for("input_scale/saturating") == "unnormalized_sigmoid"
    assert registry.page_for("input_scale/unscaled") == "checklist"
    assert registry.page_for("update_ratio") == "checklist"
    for info in registry.CHAPTERS:
        for cause in info.causes + info.pages:
            assert registry.page_for(cause) == info.slug
            assert cause.split("/")[0] in doctor.CHECKS
    # a finding's link is its cause's chapter; ok results link nothing
    r = doctor.Result("kink_coverage", "medium", "no unit of d switches", cause="kink_coverage/affine")
    assert r.chapter == "linear_stack" and doctor.Result("kink_coverage", "ok", "fine").chapter is None
    assert r.link() == "02_linear_stack.html" and r.page == ("02_linear_stack", registry.chapter("linear_stack").title)
    # the doctor reads these links from the file `nnfail sync` writes (it does not import the chapters)
    from nnfail.doctor.pages import PAGES

    assert PAGES == registry.doctor_pages()
    unlisted = doctor.Result("input_scale", "high", "x", cause="input_scale/not_a_page")
    assert unlisted.chapter == registry.page_for("input_scale/not_a_page") == "unnormalized_sigmoid"


# --------------------------------------------------------------------------- the independent pair set
def test_independent_set_is_large_enough_and_names_real_checks():
    from nnfail_bench import independent

    assert len(independent.PAIRS) >= 20 and len({p.name for p in independent.PAIRS}) == len(independent.PAIRS)
    assert all(set(p.expect) <= set(doctor.CHECKS) and p.study for p in independent.PAIRS)
    effect = independent.measured_effect()
    assert effect is not None and set(effect["worse"]) == {p.name for p in independent.PAIRS}, \
        "independent_effect.json is stale: run validation/independent_effect.py"


def test_independent_quick_subset_is_detected_without_false_alarms():
    from nnfail_bench import independent

    pairs_, healthy_ = independent.quick_set()
    outcomes, well = independent.run(seed=0, pairs=pairs_, healthy=healthy_, probe_steps=100, overfit_steps=100)
    assert [o.pair.name for o in outcomes if not o.detected] == []
    assert [o.pair.name for o in outcomes if o.false_alarm] == [] and not any(r.severities()["high"] for _, r in well)


# ------------------------------------------------------------------ any Keras model, labels vs loss, no traceback
K_CLASSES = 3


def _classifier(loss, out_units, out_act):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(out_units, activation=out_act)])
    model.compile(loss=loss, optimizer="adam")
    return model


LABELS = {  # one way each to encode 3 classes of 120 examples
    "indices 0..K-1": lambda c: c,
    "indices 1..K": lambda c: c + 1,
    "one-hot": lambda c: np.eye(K_CLASSES)[c],
    "column of indices": lambda c: c[:, None],
    "0/1 of class 0": lambda c: (c == 0).astype(float),
    "negative codes": lambda c: c - 1.0,
}


@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
                                  "mse"])
@pytest.mark.parametrize("encoding", list(LABELS))
def test_no_label_encoding_against_any_loss_gets_a_traceback(loss, encoding):
    """The fuzz the doctor issue asks for: every encoding against every loss, with a K-unit softmax and a
    one-unit sigmoid output, gives a report; the encodings a loss cannot take are named before any probe."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = LABELS[encoding](rng.integers(0, K_CLASSES, 120))
    for units, act in ((K_CLASSES, "softmax"), (1, "sigmoid")):
        report = doctor.diagnose(_classifier(loss, units, act), X, y, probe_steps=20, overfit_steps=20)
        assert isinstance(report, doctor.Report) and {r.check for r in report.results} >= {"labels", "fit_error"}
        labels = next(r for r in report.results if r.check == "labels")
        if loss == "sparse_categorical_crossentropy" and units == K_CLASSES and encoding in ("one-hot", "indices 1..K"):
            assert labels.status == "high", labels  # the two crashes of the issue: named, not raised


def test_labels_name_the_two_sparse_mistakes_and_the_integer_cce_one():
    rng = np.random.default_rng(1)
    X, c = rng.normal(size=(150, 4)), rng.integers(0, 3, 150)
    scce = "sparse_categorical_crossentropy"
    one_hot = doctor.diagnose(_classifier(scce, 3, "softmax"), X, np.eye(3)[c], probe=False)
    assert one_hot.has("labels", "high") and "one-hot" in _evidence(one_hot, "labels")
    shifted = doctor.diagnose(_classifier(scce, 3, "softmax"), X, c + 1, probe=False)
    assert shifted.has("labels", "high") and "labels go 1..K" in _evidence(shifted, "labels")
    ints = doctor.diagnose(_classifier("categorical_crossentropy", 3, "softmax"), X, c, probe=False)
    assert ints.has("labels", "high") and "to_categorical" in next(r.fix for r in ints.results if r.check == "labels")
    right = doctor.diagnose(_classifier(scce, 3, "softmax"), X, c, probe_steps=20, overfit_steps=20)
    assert next(r for r in right.results if r.check == "labels").status == "ok"
    assert next(r for r in right.results if r.check == "fit_error").status == "ok"


def _evidence(report, check):
    return next(r.evidence for r in report.results if r.check == check)


def test_an_error_inside_the_probe_is_a_finding_that_quotes_keras(monkeypatch):
    import nnfail.doctor as D

    def broken(*args, **kw):
        raise ValueError("Arguments `target` and `output` must have the same rank")

    monkeypatch.setattr(D, "_probe_checks", broken)
    report = doctor.diagnose(healthy(), X3, Y3)
    found = next(r for r in report.findings if r.check == "fit_error")
    assert found.status == "high" and "same rank" in found.evidence and "ValueError" in found.evidence
    assert "fit_error" in str(report)


def test_conv_and_recurrent_models_are_diagnosed_not_refused():
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, size=(160, 10, 10, 1)).astype("uint8")  # pixels not divided by 255
    labels = (images[:, :5].mean(axis=(1, 2, 3)) > images[:, 5:].mean(axis=(1, 2, 3))).astype(float)
    conv = keras.Sequential([keras.Input((10, 10, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                             keras.layers.MaxPooling2D(), keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid")])
    conv.compile(loss="binary_crossentropy", optimizer="adam")
    report = doctor.diagnose(conv, images, labels, probe_steps=30, overfit_steps=30)
    assert report.has("input_scale", "high")  # 0..255 pixels: named on any model
    status = {r.check: r.status for r in report.results}
    assert status["nonlinearity"] == "skipped" and "not applicable" in _evidence(report, "nonlinearity")
    assert status["update_ratio"] in ("ok", "high", "medium", "low") and status["fit_error"] == "ok"
    assert "Conv2D" in report.summary["layers"]
    series = rng.normal(size=(120, 8, 2))
    lstm = keras.Sequential([keras.Input((8, 2)), keras.layers.LSTM(6), keras.layers.Dense(1)])
    lstm.compile(loss="mse", optimizer="adam")
    report = doctor.diagnose(lstm, series, series[:, :, 0].sum(axis=1), probe_steps=30, overfit_steps=30)
    assert {r.check: r.status for r in report.results}["fit_error"] == "ok"
    assert report.summary["x_shape"] == [120, 8, 2]


def test_the_probe_minimizes_the_loss_fit_minimizes_regularization_included():
    from nnfail.doctor.probe import Trainer, loss_function

    import tensorflow as tf

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(
        16, activation="relu", kernel_regularizer=keras.regularizers.l2(1.0)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(0.0))  # a zero step: the value is the start's
    x, y = X3[:32].astype(np.float32), Y3[:32, None].astype(np.float32)
    data = float(tf.reduce_mean(loss_function("mse")(y, model(x, training=True))))
    reg = float(tf.add_n(model.losses))
    assert reg > data  # the regularization dominates this model's loss
    trainer = Trainer(model, "mse", None, (3,), y.shape)
    values, _, _ = trainer.chunk(tf.constant(x[None]), tf.constant(y[None]), tf.constant(x), tf.constant(y))
    assert float(values[0]) == pytest.approx(data + reg, rel=1e-5)


def _regression_net(optimizer):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer=optimizer)
    return model


def test_the_learning_rate_probe_names_a_rate_far_too_low_or_too_high_and_leaves_a_good_one_alone():
    slow = doctor.diagnose(_regression_net(keras.optimizers.SGD(1e-4)), X3, Y3)
    found = next(r for r in slow.results if r.check == "learning_rate")
    assert found.status == "high" and "too low" in found.evidence and found.value < 0.5
    assert "0.0001: " in found.evidence and "0.001: " in found.evidence  # the rates it tried, with their losses
    wild = doctor.diagnose(_regression_net(keras.optimizers.SGD(5.0)), X3, Y3)
    found = next(r for r in wild.results if r.check == "learning_rate")
    assert found.status == "high" and "too high" in found.evidence and "diverged" in found.evidence
    good = doctor.diagnose(_regression_net(keras.optimizers.Adam(1e-2)), X3, Y3)
    assert next(r for r in good.results if r.check == "learning_rate").status == "ok"


@pytest.mark.parametrize("make", [lambda rate: keras.optimizers.schedules.InverseTimeDecay(rate, 100, 0.5),
                                  lambda rate: keras.optimizers.schedules.ExponentialDecay(rate, 100, 0.9)])
def test_a_schedule_is_probed_by_scaling_it_and_its_starting_rate_is_named(make):
    slow = doctor.diagnose(_regression_net(keras.optimizers.SGD(make(1e-5))), X3, Y3)
    found = result(slow, "learning_rate")
    assert found.status == "high" and "too low" in found.evidence and "schedule's starting learning rate 1e-05" \
        in found.evidence, found.evidence
    assert "1e-05: " in found.evidence and "0.0001: " in found.evidence  # the scaled starts it tried
    good = doctor.diagnose(_regression_net(keras.optimizers.Adam(make(1e-2))), X3, Y3)
    assert result(good, "learning_rate").status == "ok", result(good, "learning_rate").evidence


def test_the_rate_probe_puts_the_compiled_rate_or_schedule_back():
    from nnfail.doctor.probe import Trainer, learning_rate, lr_probe

    trainer = Trainer(_regression_net(keras.optimizers.SGD(0.01)), "mse", None, (3,), (len(Y3), 1))
    finals = lr_probe(trainer, X3, Y3[:, None], np.random.default_rng(0), 20, 32)
    assert set(finals) == {0.1, 10.0} and learning_rate(trainer) == pytest.approx(0.01)
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-2, 100, 0.5)
    trainer = Trainer(_regression_net(keras.optimizers.Adam(schedule)), "mse", None, (3,), (len(Y3), 1))
    finals = lr_probe(trainer, X3, Y3[:, None], np.random.default_rng(0), 20, 32)
    assert set(finals) == {0.1, 10.0} and learning_rate(trainer) == pytest.approx(0.01)
    assert float(trainer.opt._learning_rate.factor.numpy()) == 1.0
    assert finals[0.1] != finals[10.0]  # the scaled schedules really trained at different rates


@pytest.mark.parametrize("rate", [0.01, 30.0])  # one that trains, one that diverges
def test_a_rate_run_that_evaluates_only_its_end_reads_the_same_end(rate):
    """The rate runs keep only the last three of a probe's evaluations (the steps before them in one call): the
    same steps, update sizes, weights and final loss as the probe that evaluates every tenth of its steps."""
    from nnfail.doctor.probe import FINAL_EVALUATIONS, Trainer, final_loss, train_probe

    trainer = Trainer(_regression_net(keras.optimizers.SGD(rate)), "mse", None, (3,), (len(Y3), 1))
    full, tail = (train_probe(trainer, X3, Y3[:, None], np.random.default_rng(4), 120, 32, tail=t)
                  for t in (None, FINAL_EVALUATIONS))
    assert final_loss(tail) == final_loss(full)
    assert (tail.diverged_at, tail.last_finite) == (full.diverged_at, full.last_finite)
    assert tail.ratios == full.ratios and tail.peaks == full.peaks
    if full.diverged_at is None:
        assert len(full.losses) == 31 and tail.losses == full.losses[-FINAL_EVALUATIONS:]
        assert all(np.array_equal(a, b) for a, b in zip(tail.weights, full.weights))
    else:
        assert final_loss(full) == float("inf") and full.diverged_at < 120


def test_training_length_from_a_history():
    falling = doctor.diagnose(healthy(), X3, Y3, history=[1.0, 0.8, 0.6, 0.45, 0.35, 0.27, 0.2, 0.15], probe=False)
    r = next(r for r in falling.results if r.check == "training_length")
    assert r.status == "medium" and "still falling" in r.evidence and "train longer" in r.fix

    class History:
        history = dict(loss=[1.0, 0.5, 0.3, 0.2, 0.15, 0.12, 0.11, 0.105],
                       val_loss=[1.0, 0.6, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9])

    over = doctor.diagnose(healthy(), X3, Y3, history=History(), probe=False)
    r = next(r for r in over.results if r.check == "training_length")
    assert r.status == "medium" and "epoch 3" in r.evidence and "EarlyStopping" in r.fix
    flat = doctor.diagnose(healthy(), X3, Y3, history=[1.0, 0.5, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1], probe=False)
    assert next(r for r in flat.results if r.check == "training_length").status == "ok"


def test_watch_reports_divergence_as_it_happens_and_stops_the_fit(capsys):
    model = _regression_net(keras.optimizers.SGD(50.0))
    watch = doctor.Watch(X3)
    history = model.fit(X3, Y3, epochs=20, batch_size=32, callbacks=[watch], verbose=0)
    assert watch.diverged is not None and watch.diverged[0] == 1  # in the first epoch
    assert len(history.history["loss"]) < 20  # it stopped the fit
    out = capsys.readouterr().out
    assert "nnfail Watch, epoch 1: [HIGH] Loss curve: the loss became" in out and "nnfail doctor:" in out
    assert watch.report.has("loss_curve", "high")


def test_watch_on_a_healthy_fit_says_how_training_ended_with_the_chapter_links(capsys):
    model = _regression_net(keras.optimizers.Adam(1e-2))
    watch = doctor.Watch(X3, every=2, verbose=False)
    model.fit(X3, Y3, epochs=6, batch_size=32, callbacks=[watch], verbose=0, validation_split=0.2)
    assert capsys.readouterr().out == ""  # verbose=False
    status = {r.check: r.status for r in watch.report.results}
    assert status["dead_units"] in ("ok", "medium") and status["saturation"] in ("ok", "skipped")
    assert status["training_length"] in ("ok", "medium") and len(watch.losses) == 6 == len(watch.val_losses)
    assert watch.diverged is None and not watch.report.has("loss_curve", "high")


def test_watch_reports_units_that_die_during_training():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(16, activation="relu",
                                                                    bias_initializer=keras.initializers.Constant(-8.0)),
                              keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="adam")
    watch = doctor.Watch(X3, verbose=False, budget=1.0)
    model.fit(X3, Y3, epochs=2, callbacks=[watch], verbose=0)
    assert watch.report.has("dead_units", "high") and watch.report.findings[0].link()


def test_watch_checks_units_on_one_blas_thread_and_leaves_numpys_threads_as_they_were(monkeypatch):
    """The unit checks' matmuls run with NumPy's BLAS limited to one thread (its spinning workers otherwise
    took the cores from the reader's training: benchmarks/watch_overhead.py), and the limit ends with them."""
    from threadpoolctl import threadpool_info

    from nnfail.doctor import watch as watch_module

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before, seen = blas_threads(), []
    real_forward = watch_module.forward

    def forward(*args, **kwargs):
        seen.append(blas_threads())
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(watch_module, "forward", forward)
    model = _regression_net(keras.optimizers.Adam(1e-2))
    watch = doctor.Watch(X3, verbose=False, budget=1.0)
    model.fit(X3, Y3, epochs=2, batch_size=32, callbacks=[watch], verbose=0)
    assert seen and all(threads and set(threads) == {1} for threads in seen)
    assert blas_threads() == before


def test_the_doctor_digest_follows_the_diagnosis_source_and_not_watch(tmp_path, monkeypatch):
    """A benchmark run records the digest of what diagnose executes: editing Watch leaves it, editing a check
    changes it."""
    import shutil

    import nnfail.doctor as doctor_pkg
    from nnfail_bench.realprograms import scoring

    copy = tmp_path / "doctor"
    shutil.copytree(Path(doctor_pkg.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(doctor_pkg, "__file__", str(copy / "__init__.py"))
    first = scoring.doctor_digest()
    (copy / "watch.py").write_text((copy / "watch.py").read_text() + "\n# a comment\n")
    assert scoring.doctor_digest() == first
    (copy / "checks.py").write_text((copy / "checks.py").read_text() + "\n# a comment\n")
    assert scoring.doctor_digest() != first


# ------------------------------------------------------------------ the new causes, each built as a reader would
def _dense_net(layers, loss="mse", n_in=3):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((n_in,))] + layers)
    model.compile(loss=loss, optimizer="adam")
    return model


def _static(model, X=X3, y=Y3):
    return {r.check: r for r in doctor.diagnose(model, X, y, probe=False).results}


def test_new_causes_are_named_and_a_healthy_model_raises_none_of_them():
    D = keras.layers.Dense
    new = ("architecture", "loss_target", "sentinel", "relation", "regularization")
    fine = _static(_dense_net([D(16, activation="relu"), D(16, activation="relu"), D(1)]))
    assert all(fine[c].status in ("ok", "skipped") for c in new), {c: fine[c].evidence for c in new}
    assert _static(_dense_net([D(16, activation="softmax"), D(1)]))["architecture"].status == "high"
    dropped = _static(_dense_net([D(16, activation="relu"), keras.layers.Dropout(0.9), D(1)]))["architecture"]
    assert dropped.status == "high" and "keep-probability" in dropped.evidence
    assert _static(_dense_net([D(16, activation="relu"), keras.layers.Dropout(0.6), D(1)]))["architecture"].status == "medium"
    assert _static(_dense_net([D(16, activation="relu"), keras.layers.Dropout(0.2), D(1)]))["architecture"].status == "ok"
    l2 = keras.regularizers.l2(1.0)
    assert _static(_dense_net([D(16, activation="relu", kernel_regularizer=l2), D(1, kernel_regularizer=l2)]))[
        "regularization"].status == "high"
    assert _static(_dense_net([D(16, activation="relu"), D(1)], loss="mape"))["loss_target"].status == "high"
    shuffled = _static(_dense_net([D(16, activation="relu"), D(1)]), y=np.random.default_rng(5).permutation(Y3))
    assert shuffled["relation"].status == "medium" and "paired" in shuffled["relation"].fix
    probed = doctor.diagnose(_dense_net([D(16, activation="relu"), D(1)]), X3, np.random.default_rng(5).permutation(Y3))
    assert probed.has("relation", "high")  # the network cannot learn it either: the probe's loss stalls
    coded = np.where(np.random.default_rng(6).random(X3.shape) < 0.05, -999.0, X3)
    sentinel = _static(_dense_net([D(16, activation="relu"), D(1)]), X=coded)["sentinel"]
    assert sentinel.status == "high" and "-999" in sentinel.evidence


def test_a_bottleneck_narrower_than_the_classes_is_named():
    D = keras.layers.Dense
    X = np.random.default_rng(7).normal(size=(300, 8))
    y = np.random.default_rng(7).integers(0, 5, 300)
    narrow = _dense_net([D(1, activation="relu"), D(5, activation="softmax")], "sparse_categorical_crossentropy", 8)
    found = _static(narrow, X=X, y=y)["architecture"]
    assert found.status == "high" and "fewer than the 5 classes" in found.evidence
    wide = _dense_net([D(8, activation="relu"), D(5, activation="softmax")], "sparse_categorical_crossentropy", 8)
    assert _static(wide, X=X, y=y)["architecture"].status == "ok"


def test_a_binary_or_categorical_feature_is_not_a_sentinel():
    rng = np.random.default_rng(8)
    X = np.c_[rng.normal(size=400), np.where(rng.random(400) < 0.5, -0.94, 1.06), rng.integers(0, 4, 400)]
    assert _static(_dense_net([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]), X=X,
                   y=X[:, 0])["sentinel"].status == "ok"


def test_a_common_legitimate_value_far_from_the_rest_is_not_a_sentinel_and_pixels_get_no_baseline():
    rng = np.random.default_rng(9)
    port = np.where(rng.random(400) < 0.5, 80.0, rng.integers(49152, 65535, 400))  # port 80 among ephemeral ports
    X = np.c_[rng.normal(size=400), port]
    model = _dense_net([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)], n_in=2)
    assert _static(model, X=X, y=X[:, 0])["sentinel"].status == "ok"
    age = rng.uniform(20, 80, 400)
    age[:20] = 999.0  # an all-nines code in a feature of ages
    assert _static(model, X=np.c_[X[:, 0], age], y=X[:, 0])["sentinel"].status == "high"
    images = rng.random((64, 16, 16, 1))
    conv = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                             keras.layers.Dense(1)])
    conv.compile(loss="mse", optimizer="adam")
    assert _static(conv, X=images, y=images.mean(axis=(1, 2, 3)))["relation"].status == "skipped"


def test_the_relation_baseline_finds_a_relation_in_rows_stored_in_order():
    x = np.arange(-100, 100, 0.5)  # sorted, as a reader's np.arange gives them (a row of the real programs)
    X, y = ((x - x.mean()) / x.std())[:, None], x ** 4
    y = (y - y.mean()) / y.std()
    model = _dense_net([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)], n_in=1)
    assert _static(model, X=X, y=y)["relation"].status == "ok"


# ------------------------------------------------------------------------ real-program revisions (issue 27)
def test_too_few_updates_is_named_from_the_readers_epochs_and_batch_size():
    model = _regression_net(keras.optimizers.Adam(1e-2))
    # 2 epochs of one full batch: 2 updates; the probe's 300 steps drive the loss far lower
    short = doctor.diagnose(model, X3, Y3, epochs=2, fit_batch_size=len(X3))
    r = result(short, "training_length")
    assert r.status == "high" and "only 2 updates" in r.evidence and "more" in r.fix
    # 6 epochs of 16 batches: 96 updates, more than a third of the 300-step probe: a longer probe (288 steps
    # and up) from the same start answers instead
    mid = result(doctor.diagnose(model, X3, Y3, epochs=6, fit_batch_size=32, probe_steps=100), "training_length")
    assert mid.status != "skipped" and "after 96 steps" in mid.evidence and "after 288" in mid.evidence
    # 200 epochs of 16 batches: 3,200 updates, beyond the longest probe: it cannot tell, and says so
    long = doctor.diagnose(model, X3, Y3, epochs=200, fit_batch_size=32)
    r = result(long, "training_length")
    assert r.status == "ok" and "cannot say" in r.evidence
    # without the schedule there is nothing to compare
    assert status(doctor.diagnose(model, X3, Y3), "training_length") == "skipped"


def test_a_keras_history_carries_its_own_number_of_updates():
    model = _regression_net(keras.optimizers.Adam(1e-2))
    fitted = keras.models.clone_model(model)
    fitted.compile(loss="mse", optimizer=keras.optimizers.Adam(1e-2))
    history = fitted.fit(X3, Y3, epochs=1, batch_size=len(X3), verbose=0)  # one update
    r = result(doctor.diagnose(model, X3, Y3, history=history), "training_length")
    assert r.status == "high" and "only 1 updates" in r.evidence


@pytest.mark.parametrize("kw", [dict(epochs=0), dict(fit_batch_size=0), dict(epochs=1.5)])
def test_a_bad_schedule_is_refused(kw):
    with pytest.raises(doctor.DoctorError, match="must be an integer"):
        doctor.diagnose(healthy(), X3, Y3, **kw)


def test_a_python_lambda_layer_is_probed_not_reported_as_an_error():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda t: 2.0 * t),
                              keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="adam")
    report = doctor.diagnose(model, X3, Y3, probe_steps=30, overfit_steps=30)
    assert status(report, "fit_error") == "ok"


def test_a_model_keras_cannot_copy_is_probed_in_place_and_given_back_unchanged():
    class Twice(keras.Model):  # a subclassed model without get_config: clone_model cannot rebuild it
        def __init__(self):
            super().__init__()
            self.hidden, self.out = keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    keras.utils.set_random_seed(0)
    model = Twice()
    model.compile(loss="mse", optimizer="adam")
    model(X3[:2].astype(np.float32))
    with pytest.raises(Exception):
        keras.models.clone_model(model)
    before = [w.copy() for w in model.get_weights()]
    report = doctor.diagnose(model, X3, Y3, probe_steps=30, overfit_steps=30)
    assert status(report, "fit_error") == "ok" and result(report, "update_ratio").status != "skipped"
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_raw_inputs_are_fine_when_the_model_standardizes_them_itself():
    raw = X3 * 1000 + 5000
    plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    assert status(static(plain, X=raw), "input_scale") == "high"
    normed = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(),
                               keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    r = result(static(normed, X=raw), "input_scale")
    assert r.status == "ok" and "BatchNormalization" in r.evidence


def _image_net(*front):
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((8, 8, 1)), *front, keras.layers.Flatten(),
                             keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3, activation="softmax")])


def test_input_scale_judges_the_inputs_after_the_models_own_preprocessing_layers():
    images = np.random.default_rng(3).integers(0, 256, size=(300, 8, 8, 1)).astype(np.uint8)
    labels = np.random.default_rng(4).integers(0, 3, size=300)

    def scale(*front):
        model = _image_net(*front)
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        return result(static(model, X=images, y=labels), "input_scale")

    assert scale().status == "high"  # raw 0..255 pixels
    for front, named in [((keras.layers.Rescaling(1 / 255),), "Rescaling(scale=0.00392, offset=0)"),
                         ((keras.layers.Rescaling(1 / 255, offset=-0.5),), "offset=-0.5"),
                         ((keras.layers.Rescaling(1 / 255), keras.layers.Normalization(mean=0.5, variance=0.08)),
                          "then Normalization")]:
        r = scale(*front)
        assert r.status == "ok" and named in r.evidence, r.evidence
    noop = scale(keras.layers.Rescaling(1.0))  # a rescaling that changes nothing leaves the pixels raw
    assert noop.status == "high" and "leaves X as it is" in noop.evidence
    unadapted = scale(keras.layers.Normalization())  # never adapted: mean 0, variance 1, so no scaling either
    assert unadapted.status == "high"


def test_applying_a_leading_batch_normalization_leaves_its_moving_statistics_alone():
    model = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(),
                              keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    before = [w.copy() for w in model.get_weights()]
    assert status(static(model, X=X3 * 1000 + 5000), "input_scale") == "ok"
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_cli_takes_the_readers_schedule_and_refuses_a_bad_one(tmp_path):
    model = _regression_net(keras.optimizers.Adam(1e-2))
    model.save(tmp_path / "m.keras")
    np.savez(tmp_path / "d.npz", X=X3, y=Y3)
    ok = doctor_cli(str(tmp_path / "m.keras"), str(tmp_path / "d.npz"), "--epochs", "2", "--fit-batch-size", "500",
                    "--json")
    assert ok.returncode == 0, ok.stderr
    found = {r["check"]: r for r in json.loads(ok.stdout)["results"]}
    assert found["training_length"]["status"] == "high"
    bad = doctor_cli(str(tmp_path / "m.keras"), str(tmp_path / "d.npz"), "--epochs", "0")
    assert bad.returncode == 2 and "epochs must be an integer" in bad.stderr and "Traceback" not in bad.stderr


def test_a_feature_far_off_centre_for_its_spread_is_high_but_a_wide_centred_one_is_not():
    codes = 65 + RNG.integers(0, 6, size=(500, 3)).astype(float)  # character codes 65-70: mean ~67, std ~1.7
    r = result(static(healthy(), X=codes), "input_scale")
    assert r.status == "high" and "times its std" in r.evidence and r.value > 10
    assert status(static(healthy(), X=X3 * 50), "input_scale") == "medium"  # wide but centred: the old medium
    assert status(static(healthy(), X=X3 + 3), "input_scale") == "ok"



def test_a_loss_still_halving_after_the_model_has_learned_is_polishing_not_high():
    from nnfail.doctor.checks import check_updates

    falling = [1.0] + [0.05 * 0.99 ** i for i in range(30)]  # fell to 5% of a trivial loss of 1 by step 10
    assert check_updates(10, "2 epochs", falling[:1] + [0.6] + falling[2:], 10, 300, trivial=1.0).status == "high"
    polished = [1.0, 0.05] + [0.05 * 0.9 ** i for i in range(1, 30)]
    r = check_updates(10, "2 epochs", polished, 10, 300, trivial=1.0)
    assert r.status == "medium" and "constant predictor" in r.evidence


# ------------------------------------------------------------------ training length and linear stacks, scored by fit
def test_fit_score_is_accuracy_for_classes_and_r2_otherwise():
    from nnfail.doctor.checks import fit_score

    y = np.array([0, 1, 2, 1])
    probs = np.eye(3)[[0, 1, 1, 1]]
    assert fit_score("scce", False, y.reshape(-1, 1), probs) == (0.75, "accuracy")
    assert fit_score("cce", False, np.eye(3)[y], probs) == (0.75, "accuracy")
    assert fit_score("bce", False, np.array([[0.0], [1.0]]), np.array([[0.2], [0.4]])) == (0.5, "accuracy")
    assert fit_score("bce", True, np.array([[0.0], [1.0]]), np.array([[-1.0], [0.3]])) == (1.0, "accuracy")
    r2, name = fit_score("mse", False, np.array([[1.0], [2.0], [3.0]]), np.array([[1.0], [2.0], [2.0]]))
    assert name == "R^2" and np.isclose(r2, 1 - (1 / 3) / (2 / 3))
    assert fit_score("mse", False, np.ones((3, 1)), np.full((3, 1), np.nan)) is None


def test_a_loss_still_falling_after_the_fit_stopped_improving_is_not_high():
    """A classifier growing more confident halves its loss again and again while its accuracy no longer
    moves: "train longer" is high only when the fit the reader cares about still improves by
    length_score_gap."""
    from nnfail.doctor.checks import check_updates

    gap = doctor.THRESHOLDS["length_score_gap"]
    falling = [1.0, 0.6] + [0.6 * 0.9 ** i for i in range(1, 30)]  # 0.6 at the reader's 10 steps, ~0.03 at 300
    confident = check_updates(10, "2 epochs", falling, 10, 300, trivial=1.0, scores=(0.96, 0.96 + gap / 2, "accuracy"))
    assert confident.status == "medium" and "polishing" in confident.evidence
    improving = check_updates(10, "2 epochs", falling, 10, 300, trivial=1.0, scores=(0.6, 0.6 + 2 * gap, "accuracy"))
    assert improving.status == "high" and "accuracy went from 0.600" in improving.evidence


def test_too_few_updates_on_a_network_far_from_its_fit_is_high_with_the_fit_quoted():
    model = _regression_net(keras.optimizers.Adam(1e-2))
    r = result(doctor.diagnose(model, X3, Y3, epochs=2, fit_batch_size=len(X3)), "training_length")
    assert r.status == "high" and "R^2 went from" in r.evidence


def test_a_classifier_that_already_separates_its_classes_is_not_told_to_train_longer():
    """Well-apart classes: after 60 updates the accuracy is already all it will be, though the cross-entropy
    keeps falling over three times the updates."""
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, size=600)
    X = rng.normal(size=(3, 4))[labels] * 4 + rng.normal(size=(600, 4))
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(1e-2))
    r = result(doctor.diagnose(model, X, labels, epochs=3, fit_batch_size=32), "training_length")
    assert r.status != "high" and "accuracy went from" in r.evidence

