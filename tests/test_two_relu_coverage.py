"""Chapter 4: the two-unit network's gradients, dead units, and the closed form for uncovered starts."""
import numpy as np
import pytest

from nnfail.chapters.two_relu_coverage import experiments as two_relu_coverage
from nnfail import engine as E
from nnfail import claims, stats


@pytest.mark.parametrize("W,b", [([1.0, -1.0], [3.0, 3.0]), ([1.0, 1.0], [3.0, -3.0]), ([0.5, -2.0], [-1.0, 4.0])])
def test_two_unit_gradients_match_tensorflow(W, b):
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    x, y = two_relu_coverage.make_data(500, 1.0, rng)
    W, b, V, c = np.array(W), np.array(b), np.array([0.7, -0.4]), 0.3
    ours = two_relu_coverage.gradients(W, b, V, c, x, y)
    tv = {k: tf.Variable(np.float64(v)) for k, v in dict(W=W, b=b, V=V, c=c).items()}
    with tf.GradientTape() as tape:
        h = tf.nn.relu(x[:, None] * tv["W"] + tv["b"])
        loss = tf.reduce_mean(tf.square(tf.linalg.matvec(h, tv["V"]) + tv["c"] - y))
    for k, g in tape.gradient(loss, tv).items():
        np.testing.assert_allclose(ours[k], g.numpy(), rtol=1e-10, atol=1e-12)


def test_unit_inactive_on_all_inputs_gets_exactly_zero_gradient():
    x, y = two_relu_coverage.make_data(1000, 1.0, np.random.default_rng(1))
    g = two_relu_coverage.gradients(np.array([1.0, 1.0]), np.array([-20.0, 3.0]), np.array([0.5, 0.5]), 0.0, x, y)
    assert g["W"][0] == 0.0 and g["b"][0] == 0.0 and g["V"][0] == 0.0
    assert g["W"][1] != 0.0
    # and the engine leaves it exactly where it was
    net = E.MLP((1, 2, 1), ("relu", "linear"))
    params = [(np.array([[[1.0, 1.0]]]), np.array([[-20.0, 3.0]])), (np.array([[[0.5], [0.5]]]), np.zeros((1, 1)))]
    t = E.Trainer(net, E.init_params(net, 1, E.Given(params)), E.Adam(0.05), "mse")
    t.fit(x[:, None], y[:, None], epochs=50, batch_size=len(x))
    (W, b), (V, _) = t.params
    assert W[0, 0, 0] == 1.0 and b[0, 0] == -20.0 and V[0, 0, 0] == 0.5
    assert W[0, 0, 1] != 1.0


def test_article_derivatives_differ_from_the_true_ones():
    x = np.array([-5.0, 2.0])
    dw, db = two_relu_coverage.article_derivatives(np.array([1.0, 1.0]), np.array([3.0, -3.0]), x)
    assert dw[:, 0].tolist() == [1.0, 1.0]  # the article's w, where the truth is x
    assert db[:, 1].tolist() == [-3.0, -3.0]  # the article's b, where the truth is 1


def test_uncovered_edges_definition():
    W1 = np.array([[[1.0, 1.0]], [[1.0, -1.0]], [[-1.0, -2.0]]])
    b1 = np.zeros((3, 2))
    assert two_relu_coverage.uncovered_edges(W1, b1).tolist() == [True, False, True]


@pytest.mark.parametrize("width", [2, 3])
def test_uncovered_rate_at_start_is_consistent_with_the_closed_form(width):
    k = 400
    _, params = two_relu_coverage.init_params(two_relu_coverage.Init("glorot"), width, k, np.random.default_rng(width))
    unc = two_relu_coverage.uncovered_edges(*params[0])
    rate = stats.failure_rate(unc)
    assert rate.low <= two_relu_coverage.closed_form_uncovered(width) <= rate.high


def test_width_two_failure_rate_is_consistent_with_coverage_on_a_few_random_starts():
    """Starts with an uncovered edge fail more often than covered ones, and at least as often as the
    closed form predicts uncovered starts."""
    x, y = two_relu_coverage.make_data(200, 1.0, np.random.default_rng(3))
    runs = two_relu_coverage.train_inits(two_relu_coverage.Init("glorot"), 2, 200, x, y, np.random.default_rng(4),
                                         E.Adam(0.05), 600)
    bad = runs.r2 < 0.9
    rate = stats.failure_rate(bad)
    assert rate.high >= two_relu_coverage.closed_form_uncovered(2) * bad[runs.uncovered_start].mean()
    assert bad[runs.uncovered_start].mean() > bad[~runs.uncovered_start].mean()
    assert stats.failure_rate(runs.uncovered_start).low <= 0.5 <= stats.failure_rate(runs.uncovered_start).high


def test_data_kinks_cover_both_edges():
    _, params = two_relu_coverage.init_params(two_relu_coverage.Init("k", bias="data_kinks"), 2, 100, np.random.default_rng(0))
    assert not two_relu_coverage.uncovered_edges(*params[0]).any()
    kinks = -params[0][1] / params[0][0][:, 0, :]
    np.testing.assert_allclose(kinks, np.tile(np.linspace(-10, 10, 4)[1:-1], (100, 1)), rtol=1e-5)


def test_the_erratum_compares_on_the_side_where_the_unit_is_active():
    """Unit 1 (w=1, b=3) is active for x > -3: the article's dy/dw = w (= 1) against the true x there."""
    x = np.array([-5.0, -4.0, 1.0, 2.0])
    c = two_relu_coverage.gradient_check(x, x ** 2 - 10)
    assert c["unit1_kink"] == -3.0
    assert c["article_vs_true"] == pytest.approx(0.5) and c["article_agrees"] == pytest.approx(0.5)


def article_runs(good, bad, good_other=0.95, bad_other=0.3):
    return {"adam 0.05 (default)": dict(good=good, bad=bad), "gradient descent": dict(good=good_other, bad=bad_other)}


CHECK = dict(article_agrees=0.0, article_vs_true=3.7, unit1_kink=-3.0, dead_unit_grad=0.0, grad_gap=1e-12)


def law(fail_uncovered, fail_covered, n=30):
    unc = np.r_[np.ones(n, bool), np.zeros(n, bool)]
    bad = np.r_[np.arange(n) < fail_uncovered, np.arange(n) < fail_covered]
    return [dict(width=two_relu_coverage.FIX_WIDTH, init=two_relu_coverage.LAW_INITS[0].name, uncovered=unc, bad=bad)]


@pytest.mark.parametrize("runs, law_rows, want", [
    (article_runs(0.95, 0.3), law(30, 0), dict(good_fits=claims.REPRODUCES, bad_fails=claims.REPRODUCES,
                                               uncovered_fail=claims.REPRODUCES, covered_work=claims.REPRODUCES)),
    (article_runs(0.5, 0.95), law(0, 30), dict(good_fits=claims.DOES_NOT, bad_fails=claims.DOES_NOT,
                                               uncovered_fail=claims.DOES_NOT, covered_work=claims.DOES_NOT)),
    (article_runs(0.95, 0.3), law(15, 15), dict(good_fits=claims.REPRODUCES, bad_fails=claims.REPRODUCES,
                                                uncovered_fail=claims.UNDECIDED, covered_work=claims.UNDECIDED)),
])
def test_the_articles_claims(runs, law_rows, want):
    v = {x.claim.id: x.outcome for x in two_relu_coverage.judge_claims(runs, CHECK, law_rows, 0.9)}
    assert {k: v[k] for k in want} == want
    assert v["derivative"] == claims.DOES_NOT and v["inactive"] == claims.REPRODUCES


def test_optimizer_dependence_is_computed_from_the_runs():
    assert "does not hinge" in two_relu_coverage.optimizer_dependence(article_runs(0.95, 0.3), 0.9)
    assert "it hinges" in two_relu_coverage.optimizer_dependence(article_runs(0.95, 0.3, good_other=0.2), 0.9)


def default_record():
    from nnfail.chapters.two_relu_coverage.spec import CHAPTER

    return CHAPTER.record({p.name: p.default for p in CHAPTER.spec.params})


def test_the_optimizer_settings_start_with_the_chapters_own_read_from_the_record():
    P = default_record().replace(optimizer="sgd", lr=0.01, steps=100)
    settings = two_relu_coverage.optimizer_settings(P)
    (name, (opt, steps)), *others = settings.items()
    assert name == "sgd 0.01 (default)" and (opt.name, opt.lr, steps) == ("sgd", 0.01, 100)
    assert [steps for _, (_, steps) in others] == [200, 200]


def test_random_animation_starts_follow_the_record():
    P = default_record().replace(init="random", width=3)
    starts, titles = two_relu_coverage.animation_starts(P)
    assert starts[0][0].shape == (2, 1, 3)
    assert two_relu_coverage.uncovered_edges(*starts[0]).tolist() == [False, True]
    assert two_relu_coverage.animation_starts(default_record())[1] == ["good start", "bad start"]
