"""Chapter 2: the affine collapse of a trained linear stack, and what Keras 3 does with a 1-D target
against a wide last layer (the claim the chapter makes must match Keras)."""
import json

import numpy as np
import pytest
from conftest import ROOT

from nnfail import engine as E
from nnfail.chapters.linear_stack import experiments as linear_stack
from nnfail.chapters.linear_stack.spec import CHAPTER


def test_trained_linear_stack_collapses_to_one_affine_map():
    rng = np.random.default_rng(0)
    net = E.MLP((2, 8, 16, 4, 3), ("linear",) * 4)
    t = E.Trainer(net, E.init_params(net, 2, E.GlorotUniform(), rng), E.Adam(1e-2), "mse")
    x = rng.uniform(0, 1, (2, 256, 2)).astype(np.float32)
    t.fit(x, np.repeat(x.sum(axis=2, keepdims=True), 3, axis=2), epochs=5, batch_size=32)
    for m in range(2):
        pairs = [(w[m].astype(np.float64), b[m].astype(np.float64)) for w, b in t.params]
        W, b = linear_stack.collapse(pairs)
        assert W.shape == (2, 3) and b.shape == (3,)
        np.testing.assert_allclose(x[m] @ W + b, t.predict(x)[m], rtol=1e-5, atol=1e-5)


def test_best_affine_fit_is_exact_on_a_sum_and_not_on_a_square():
    rng = np.random.default_rng(1)
    X, y = linear_stack.make_data("sum", 500, 2, 1000, rng)
    assert linear_stack.best_affine_rmse(X, y) == 0.0
    X, y = linear_stack.make_data("square", 500, 1, 1000, rng)
    assert linear_stack.best_affine_rmse(X, y) > 50_000


def test_kinks_in_range_counts_units_that_can_bend_over_the_data():
    W1 = np.array([[1.0, 1.0, -1.0, 0.0]])
    b1 = np.array([-0.5, -5.0, 0.2, 1.0])  # kinks at 0.5 (in), 5 (out), 0.2 (in), none (w = 0)
    assert linear_stack.kinks_in_range(W1, b1, 0.0, 1.0) == 0.5


class TestKeras3ShapeBehaviour:
    """A Dense(k) output against a 1-D target: Keras 3 lines target j of the batch up with unit j."""

    @pytest.fixture
    def model(self):
        keras = pytest.importorskip("keras")
        keras.utils.set_random_seed(0)
        m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
        m.compile(loss="mean_squared_error", optimizer=keras.optimizers.SGD(0.0))
        return m

    def test_batch_equal_to_width_trains_each_unit_on_one_batch_position(self, model):
        x = np.random.default_rng(0).normal(size=(3, 2)).astype(np.float32)
        y = np.array([1.0, 2.0, 3.0], np.float32)
        loss = model.train_on_batch(x, y)
        pred = model.predict(x, verbose=0)
        assert loss == pytest.approx(np.mean((pred - y[None, :]) ** 2), rel=1e-5)
        assert loss != pytest.approx(np.mean((pred - y[:, None]) ** 2), rel=1e-3)

    def test_other_batch_sizes_are_refused(self, model):
        x = np.zeros((4, 2), np.float32)
        with pytest.raises(Exception, match="Incompatible shapes|Dimensions must be equal"):
            model.fit(x, np.zeros(4, np.float32), batch_size=4, verbose=0)

    def test_column_target_trains_every_unit_on_the_target(self, model):
        x = np.random.default_rng(1).normal(size=(5, 2)).astype(np.float32)
        y = np.arange(5, dtype=np.float32)[:, None]
        loss = model.train_on_batch(x, y)
        assert loss == pytest.approx(np.mean((model.predict(x, verbose=0) - y) ** 2), rel=1e-5)


def claim_rows(sum_median, square_values, comment_values, two_values=None, single_values=None, simple_values=None):
    """Rows of every configuration a claim reads; the variants default to the comment's or the square's values."""
    def row(name, values):
        values = np.asarray(values, float)
        return dict(config=name, median=float(np.median(values)), values=values)
    single = square_values if single_values is None else single_values
    simple = comment_values if simple_values is None else simple_values
    return [row("linear stack, sum", [sum_median] * 5), row(linear_stack.SQUARE, square_values),
            row(linear_stack.COMMENT, comment_values),
            row(linear_stack.TWO_INPUTS, comment_values if two_values is None else two_values),
            *(row(linear_stack.single_layer_name(w), single) for w in (20, 100)),
            *(row(name, simple) for name in linear_stack.SIMPLE)]


def flags(rows, falling=False, collapsed=False):
    return ({r["config"]: np.full(len(r["values"]), falling) for r in rows},
            {r["config"]: np.full(len(r["values"]), collapsed) for r in rows})


def verdicts_of(rows, collapse_gap=1e-7, keras_rmse=100.0, best_affine=100.0, falling=False, collapsed=False):
    return {v.claim.id: v.outcome for v in linear_stack.judge_claims(rows, "relu", collapse_gap, keras_rmse,
                                                                       best_affine, *flags(rows, falling, collapsed))}


def test_claims_that_hold():
    square = np.linspace(70000, 80000, 20)
    v = verdicts_of(claim_rows(0.0, square, square * 1.01, two_values=square * 3, simple_values=square / 10),
                    falling=True)
    assert v == dict(sum="reproduces", square="reproduces", single="reproduces", affine="reproduces",
                     still_same="reproduces", epochs="reproduces", unused="reproduces", simple="reproduces")


def test_claims_that_fail():
    square = np.linspace(300000, 310000, 20)  # 4x the post's figure
    v = verdicts_of(claim_rows(3.0, square, square / 100, single_values=square * 3, simple_values=square * 2),
                    collapse_gap=1e-2, keras_rmse=150.0)
    assert v == dict(sum="does not reproduce", square="does not reproduce", single="does not reproduce",
                     affine="does not reproduce", still_same="does not reproduce", epochs="does not reproduce",
                     unused="does not reproduce", simple="does not reproduce")


def test_still_the_same_is_undecided_on_three_seeds_not_read_from_a_non_significant_test():
    v = verdicts_of(claim_rows(0.0, [10.0, 1000.0, 100000.0], [20.0, 3000.0, 300000.0]))
    assert v["still_same"] == "undecided" and v["square"] == "undecided"


def test_the_square_figure_is_partly_reproduced_within_a_factor_of_two():
    square = np.linspace(120000, 130000, 20)
    assert verdicts_of(claim_rows(0.0, square, square))["square"] == "partly reproduces"


def test_a_single_hidden_layer_is_one_claim_judged_at_every_width_tried():
    """The post leaves the single layer's width open: one claim, one point per width, and "depends on hidden
    width" with the boundary when the widths disagree."""
    square = np.linspace(70000, 80000, 20)
    rows = claim_rows(0.0, square, square)
    rows.append(dict(config=linear_stack.single_layer_name(7), median=0.0, values=square * 3))
    vs = {v.claim.id: v for v in linear_stack.judge_claims(rows, "relu", 1e-7, 1.0, 1.0, *flags(rows),
                                                             single_widths=(20, 7))}
    single = vs["single"]
    assert [p for p, _ in single.points] == [(20,), (7,)]
    assert [pv.outcome for _, pv in single.points] == ["reproduces", "does not reproduce"]
    assert single.label == "depends on hidden width" and single.boundary[0].below == "20"
    assert not any(k.startswith("single_") for k in vs)


def test_start_simple_depends_on_how_the_inputs_are_scaled_when_the_treatments_disagree():
    square = np.linspace(70000, 80000, 20)
    rows = claim_rows(0.0, square, square)
    for r in rows:
        if r["config"] in linear_stack.SIMPLE:  # as posted: worse than the line; standardized: far better
            r["values"] = square * (3 if r["config"] == linear_stack.SIMPLE[0] else 0.1)
    v = {x.claim.id: x for x in linear_stack.judge_claims(rows, "relu", 1e-7, 1.0, 1.0, *flags(rows))}["simple"]
    assert [pv.outcome for _, pv in v.points] == ["does not reproduce", "reproduces"]
    assert v.label == "depends on inputs and targets"


def test_every_claim_is_judged_in_one_loop_over_the_declared_claims():
    square = np.linspace(70000, 80000, 20)
    rows = claim_rows(0.0, square, square)
    ev = linear_stack.claims_evidence(rows, "relu", 1e-7, 1.0, 1.0, *flags(rows))
    assert set(ev) == {c.id for c in linear_stack.CLAIMS} and set(linear_stack.KEY_CLAIMS) <= set(ev)
    assert set(ev["single"]) == {20, 100} and set(ev["simple"]) == set(linear_stack.SIMPLE_INPUTS)


def test_modes_split_collapsed_runs_from_trained_ones_and_count_dead_units():
    """Two members of one relu network on 1-D data: one predicts a constant (every first-layer unit dead),
    one follows the data."""
    x = np.linspace(1, 10, 50)
    w_dead = [(np.array([[[-1.0, -1.0]]]), np.array([[0.0, 0.0]])), (np.array([[[1.0], [1.0]]]), np.array([[5.0]]))]
    w_live = [(np.array([[[1.0, -1.0]]]), np.array([[0.0, 0.0]])), (np.array([[[2.0], [1.0]]]), np.array([[0.0]]))]
    params = [tuple(np.concatenate([a[i], b[i]]) for i in range(2)) for a, b in zip(w_dead, w_live)]
    tr = linear_stack.Transform(np.zeros(1), np.ones(1), 0.0, 1.0)
    pred = np.stack([np.full(50, 5.0), 2 * x])
    r = linear_stack.StackRuns([linear_stack.Config("c", activation="relu")], np.array([0, 0]),
                               np.array([40.0, 0.0]), None, np.stack([x[:, None]] * 2), np.stack([2 * x] * 2),
                               pred, params, [tr, tr], np.array([False, False]), params)
    m = linear_stack.modes(r, 0, "relu")
    assert linear_stack.collapsed(r, 0).tolist() == [True, False]
    assert (m["n"], m["collapsed"]) == (2, 1) and m["collapsed_rmse"] == 40.0 and m["trained_rmse"] == 0.0
    assert m["collapsed_dead_end"] == [1.0] and m["trained_dead_end"] == [0.5] and m["collapsed_all_dead_layer"] == 1
    assert linear_stack.weight_steps(r, 0) == [0.0, 0.0]


def test_summary_rows_are_ranked_by_median_and_keep_the_seed_values():
    r = linear_stack.StackRuns(
        [linear_stack.Config("a"), linear_stack.Config("b")], np.array([0, 0, 0, 1, 1, 1]),
        np.array([5.0, 6.0, 7.0, 1.0, 2.0, np.nan]), None, None, None, None, None, None,
        np.array([False] * 5 + [True]))
    rows = linear_stack.summarize({"run": r}, np.random.default_rng(0))
    assert [row["config"] for row in rows] == ["b", "a"]
    assert rows[0]["diverged"] == 1 and rows[1]["median"] == 6.0 and len(rows[1]["values"]) == 3


def test_training_reads_the_record_and_gives_each_configuration_its_seeds():
    """A tiny run: n_seeds may differ per configuration, each member draws its own data of its task's width
    (P.n_numbers integers for the sum, one for the square), and the loss has one row per epoch."""
    P = CHAPTER.record(CHAPTER.spec.defaults()).replace(n_numbers=3, epochs=2, n_examples=20, batch_size=10)
    cfgs = [linear_stack.Config("a", task="sum"), linear_stack.Config("b", task="sum", x_norm="standardize")]
    r = linear_stack.train(P, cfgs, [4], 1, [2, 1], np.random.default_rng(0))
    assert r.member_config.tolist() == [0, 0, 1] and r.X.shape == (3, 20, 3) and r.loss.shape == (2, 3)
    np.testing.assert_array_equal(r.y, r.X.sum(axis=2))
    assert r.of("b").tolist() == [False, False, True] and np.isfinite(r.rmse).all()
    _, _, trs = linear_stack.member_data(P, [linear_stack.Config("s")], np.random.default_rng(0))
    assert trs[0].x_scale.shape == (1,) and trs[0].y_scale == P.largest ** 2


def test_still_falling_reads_each_seeds_loss_history():
    """A seed whose loss still drops over the last quarter of the epochs has not converged; a flat one has."""
    epochs = np.arange(40, dtype=float)
    loss = np.stack([1.0 / (1 + epochs), np.full(40, 0.3), 1.0 / (1 + epochs)], axis=1)  # [epochs, K]
    r = linear_stack.StackRuns([linear_stack.Config("a"), linear_stack.Config("b")], np.array([0, 0, 1]),
                               np.zeros(3), loss, None, None, None, None, None, np.zeros(3, bool))
    assert linear_stack.still_falling(r, 0).tolist() == [True, False]
    assert linear_stack.still_falling(r, 1).tolist() == [True]


def test_the_unused_input_widens_the_network_and_the_square_ignores_it():
    P = CHAPTER.record(CHAPTER.spec.defaults()).replace(epochs=1, n_examples=20, batch_size=10)
    c = linear_stack.two_input_config("relu")
    r = linear_stack.train(P, [c], [3], 1, 2, np.random.default_rng(0))
    assert c.inputs(P.n_numbers) == 2 and r.X.shape == (2, 20, 2) and r.params[0][0].shape == (2, 2, 3)
    np.testing.assert_array_equal(r.y, r.X[:, :, 0] ** 2)
    with pytest.raises(ValueError, match="input width"):
        linear_stack.train(P, [c, linear_stack.Config("one", activation="relu")], [3], 1, 1, np.random.default_rng(0))


# ------------------------------------------------------------------ Keras 2, measured outside the book
KERAS2 = ROOT / "validation" / "keras2_target_shape.txt"


def keras2_results() -> list[dict]:
    """The RESULT lines of validation/keras2_target_shape.txt as dicts."""
    return [dict(kv.split("=", 1) for kv in line.split()[1:]) for line in KERAS2.read_text().splitlines()
            if line.startswith("RESULT ")]


def chapter_text() -> str:
    nb = json.loads((ROOT / CHAPTER.notebook).read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_the_chapters_keras2_statement_agrees_with_the_committed_run():
    """The chapter says which Keras 2 releases refuse the posted fit (and with what message), which read the
    1-D target as a column, and that every unit then learns the sum exactly: each must match the committed
    output of validation/keras2_target_shape.py."""
    results = keras2_results()
    text = chapter_text()
    versions = {r["keras"] for r in results}
    assert {"2.2.5", "2.3.1", "2.15.0", "2.21.0"} <= versions, versions
    wide = [r for r in results if r["output"] == "Dense(100)"]
    for r in wide:
        if r["keras"] in ("2.2.5", "2.3.1"):
            assert r["outcome"] == "raises", r
        else:
            assert r["outcome"] == "trains" and r["reading"] == "column", r
    # every unit learns the sum: exact after rounding, as the chapter says
    assert all(float(r["unit_rmse_max"]) < 0.5 for r in wide if r["outcome"] == "trains" and r["task"] == "sum")
    # the one-unit control trains under every release
    assert all(r["outcome"] == "trains" for r in results if r["output"] == "Dense(1)")
    raised = [ln.split("raised ValueError: ", 1)[1] for ln in KERAS2.read_text().splitlines() if "raised ValueError" in ln]
    assert raised and all(msg in text for msg in set(raised)), set(raised)
    for named in ("`keras 2.2.5`", "`keras 2.3.1`", "`tf.keras 2.15`", "`tf-keras 2.21`", "into a column"):
        assert named in text


def test_every_keras2_release_gives_adam_the_engines_defaults():
    """The chapter assumes 'adam' means Keras's Adam at its defaults; each Keras 2 release checked prints them."""
    import ast

    adam = E.Adam(linear_stack.LR)
    lines = [ln for ln in KERAS2.read_text().splitlines() if ln.startswith("optimizer='adam' means")]
    assert len(lines) >= 4
    for ln in lines:
        cfg = ast.literal_eval(ln.split(" with ", 1)[1])
        assert cfg.get("learning_rate", cfg.get("lr")) == pytest.approx(adam.lr, rel=1e-6)
        assert (cfg["beta_1"], cfg["beta_2"], cfg["epsilon"]) == pytest.approx((adam.beta_1, adam.beta_2, adam.epsilon),
                                                                                rel=1e-6)
        assert not cfg.get("amsgrad") and not cfg.get("decay")
