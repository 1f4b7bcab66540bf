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


def setting(good, bad, converged=True, left_kink=4.6):
    return dict(good=good, bad=bad, converged=converged, moved=0.0 if converged else 0.1, steps=1500,
                bad_left_kink=left_kink, bad_faces_right=True)


def article_runs(good, bad, good_other=0.95, bad_other=0.3, other_converged=True, other_kink=4.6):
    """The chapter's own setting (good, bad), then the other three settings of SETTINGS alike (the ``other``
    values)."""
    names = ["adam 0.05 (default)", *two_relu_coverage.SETTINGS[1:]]
    return {n: setting(good, bad) if i == 0 else setting(good_other, bad_other, other_converged, other_kink)
            for i, n in enumerate(names)}


CHECK = dict(article_agrees=0.0, article_vs_true=3.7, unit1_kink=-3.0, dead_unit_grad=0.0, grad_gap=1e-12,
             start_hidden_grad=0.0, regions_after_first=3, n_regions=3)


def law(fail_uncovered, fail_covered, n=30, long_uncovered=None, long_covered=None):
    """The width-2 Glorot row: n uncovered and n covered starts, the first ``fail_*`` of each bad, at the
    chapter's budget and (as given, else the same) at the longer one."""
    unc = np.r_[np.ones(n, bool), np.zeros(n, bool)]
    bad = lambda u, c: np.r_[np.arange(n) < u, np.arange(n) < c]  # noqa: E731
    long = bad(fail_uncovered if long_uncovered is None else long_uncovered,
               fail_covered if long_covered is None else long_covered)
    return [dict(width=two_relu_coverage.FIX_WIDTH, init=two_relu_coverage.LAW_INITS[0].name, uncovered=unc,
                 bad=bad(fail_uncovered, fail_covered), bad_by_budget=[bad(fail_uncovered, fail_covered), long])]


@pytest.mark.parametrize("runs, law_rows, want", [
    (article_runs(0.95, 0.3), law(30, 0), dict(good_fits=claims.REPRODUCES, bad_fails=claims.REPRODUCES,
                                               uncovered_fail=claims.REPRODUCES, covered_work=claims.REPRODUCES)),
    (article_runs(0.5, 0.95, 0.5, 0.95), law(0, 30), dict(good_fits=claims.DOES_NOT, bad_fails=claims.DOES_NOT,
                                                          uncovered_fail=claims.DOES_NOT, covered_work=claims.DOES_NOT)),
    (article_runs(0.95, 0.3), law(15, 15), dict(good_fits=claims.REPRODUCES, bad_fails=claims.REPRODUCES,
                                                uncovered_fail=claims.UNDECIDED, covered_work=claims.UNDECIDED)),
])
def test_the_articles_claims(runs, law_rows, want):
    verdicts = two_relu_coverage.judge_claims(runs, CHECK, law_rows, 0.9)
    v = {x.claim.id: x.outcome for x in verdicts}
    assert {k: v[k] for k in want} == want
    assert v["derivative"] == claims.DOES_NOT and v["inactive"] == claims.REPRODUCES
    assert v["regions_at_init"] == claims.DOES_NOT  # w3 = w4 = 0: no hidden gradient at step 0
    assert [c.id for c in two_relu_coverage.CLAIMS] == [x.claim.id for x in verdicts]  # one loop, every claim
    # the article's single runs are evidence from runs, not computed checks: only the three checks count apart
    assert claims.count(verdicts)["n_checks"] == 3


def test_each_optimizer_setting_is_a_point_of_one_open_claim_and_an_unconverged_one_is_undecided():
    runs = article_runs(0.95, 0.3, good_other=0.98, bad_other=0.93, other_kink=-9.5)
    v = {x.claim.id: x for x in two_relu_coverage.judge_claims(runs, CHECK, law(30, 0), 0.9)}
    assert v["good_fits"].outcome == claims.REPRODUCES and len(v["good_fits"].points) == 4
    for what in ("bad_fails", "left_idle"):  # holds at the chapter's own setting, not under the others
        assert v[what].outcome == claims.DEPENDS and v[what].label == "depends on optimizer and budget"
        (b,) = v[what].boundary
        assert (b.below, b.above) == two_relu_coverage.SETTINGS[:2]
        assert (b.outcome_below, b.outcome_above) == (claims.REPRODUCES, claims.DOES_NOT)
    runs = article_runs(0.95, 0.3, other_converged=False)
    verdicts = two_relu_coverage.judge_claims(runs, CHECK, law(30, 0), 0.9)
    v = {x.claim.id: x for x in verdicts}
    for what in ("good_fits", "bad_fails", "left_idle"):
        assert [pv.outcome for _, pv in v[what].points] == [claims.REPRODUCES] + [claims.UNDECIDED] * 3
        assert v[what].outcome == claims.UNDECIDED and "a longer run would decide it" in v[what].decides
    assert "has not converged" in v["bad_fails"].points[1][1].evidence
    text = two_relu_coverage.verdicts_by_setting(verdicts, "bad_fails")
    others = ", ".join(two_relu_coverage.SETTINGS[1:])
    assert text == f"reproduces under the chapter's own; undecided under {others}"


def test_the_random_starts_are_judged_at_both_budgets():
    v = {x.claim.id: x for x in two_relu_coverage.judge_claims(article_runs(0.95, 0.3), CHECK,
                                                               law(30, 0, long_uncovered=0, long_covered=0), 0.9)}
    assert v["uncovered_fail"].outcome == claims.DEPENDS and v["uncovered_fail"].setting == "training budget"
    assert [pv.outcome for _, pv in v["uncovered_fail"].points] == [claims.REPRODUCES, claims.DOES_NOT]
    assert v["covered_work"].outcome == claims.REPRODUCES and len(v["covered_work"].points) == 2
    short = law(30, 0)
    short[0]["bad_by_budget"] = short[0]["bad_by_budget"][:1]  # a row that never trained on to the longer budget
    v = {x.claim.id: x for x in two_relu_coverage.judge_claims(article_runs(0.95, 0.3), CHECK, short, 0.9)}
    assert v["uncovered_fail"].outcome == claims.UNDECIDED and "training on to it" in v["uncovered_fail"].decides


def test_a_works_claim_out_of_reach_says_so():
    v = {x.claim.id: x for x in two_relu_coverage.judge_claims(article_runs(0.95, 0.3), CHECK, law(15, 31, n=60), 0.9)}
    assert v["covered_work"].outcome == claims.UNDECIDED and "at best partly" in v["covered_work"].evidence
    assert not two_relu_coverage.can_reproduce_works(np.arange(100) < 55)
    assert two_relu_coverage.can_reproduce_works(np.arange(100) < 15)


def test_optimizer_dependence_uses_converged_runs_only():
    assert "does not hinge" in two_relu_coverage.optimizer_dependence(article_runs(0.95, 0.3), 0.9)
    assert "it hinges" in two_relu_coverage.optimizer_dependence(article_runs(0.95, 0.3, good_other=0.2), 0.9)
    text = two_relu_coverage.optimizer_dependence(article_runs(0.95, 0.3, good_other=0.2, other_converged=False), 0.9)
    assert "does not hinge" in text and "gradient descent 0.0003 had not converged" in text


def default_record():
    from nnfail.chapters.two_relu_coverage.spec import CHAPTER

    return CHAPTER.record({p.name: p.default for p in CHAPTER.spec.params})


def test_the_optimizer_settings_start_with_the_chapters_own_read_from_the_record():
    P = default_record().replace(optimizer="sgd", lr=0.01, steps=100)
    settings = two_relu_coverage.optimizer_settings(P)
    (name, (opt, steps)), *others = settings.items()
    assert name == "sgd 0.01 (default)" and (opt.name, opt.lr, steps) == ("sgd", 0.01, 100)
    assert [steps for _, (_, steps) in others] == [two_relu_coverage.ADAM_LONGER * 100]


@pytest.mark.parametrize("W,b", [([1.0, -1.0], [3.0, 3.0]), ([1.0, 1.0], [3.0, -3.0]), ([0.5, -2.0, 0.0], [-1.0, 4.0, 2.0]),
                                 ([0.0, 1.5], [-1.0, 20.0]), ([1.0, 1.0], [30.0, -30.0])])
def test_prefix_sum_gradients_equal_the_direct_ones(W, b):
    x, y = two_relu_coverage.make_data(777, 1.0, np.random.default_rng(5))
    W, b = np.array(W), np.array(b)
    V, c = np.linspace(-1, 1, len(W)), 0.4
    direct = two_relu_coverage.gradients(W, b, V, c, x, y)
    data = two_relu_coverage.SortedData(x, y)
    fast = data.gradients(W, b, V, c)
    for k in direct:
        np.testing.assert_allclose(fast[k], direct[k], rtol=1e-9, atol=1e-9)
    stacked = data.gradients(np.stack([W, -W]), np.stack([b, b]), np.stack([V, V]), np.array([c, c]))
    np.testing.assert_allclose(stacked["W"][0], direct["W"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(stacked["W"][1], two_relu_coverage.gradients(-W, b, V, c, x, y)["W"], rtol=1e-9, atol=1e-9)


def test_gradient_descent_follows_the_direct_gradients_and_each_members_rate():
    x, y = two_relu_coverage.make_data(300, 1.0, np.random.default_rng(6))
    W, b, V, c = np.array([1.0, 1.0]), np.array([3.0, -3.0]), np.array([0.0, 0.0]), 0.0
    for _ in range(25):
        g = two_relu_coverage.gradients(W, b, V, c, x, y)
        W, b, V, c = W - 1e-3 * g["W"], b - 1e-3 * g["b"], V - 1e-3 * g["V"], c - 1e-3 * g["c"]
    out = two_relu_coverage.gradient_descent([[1.0, 1.0]] * 2, [[3.0, -3.0]] * 2, np.zeros((2, 2)), np.zeros(2),
                                             two_relu_coverage.SortedData(x, y), np.array([1e-3, 0.0]), 25)
    for got, want in zip(out, (W, b, V, c)):
        np.testing.assert_allclose(got[0], want, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(out[0][1], [1.0, 1.0])  # a zero rate leaves its member where it was


def test_no_hidden_gradient_at_the_articles_start_but_every_region_after_one_update():
    x, y = two_relu_coverage.make_data(1000, 1.0, np.random.default_rng(7))
    s = two_relu_coverage.start_gradients(x, y)
    assert s["start_hidden_grad"] == 0.0 and s["regions_after_first"] == s["n_regions"] == 3


def test_right_facing_ceiling_finds_a_representable_target_and_stays_below_the_parabola():
    x = np.random.default_rng(8).uniform(-10, 10, 2000)
    c = two_relu_coverage.right_facing_ceiling(x, 2.0 * np.maximum(0, x + 5) - 3.0 * np.maximum(0, x - 2) + 1)
    assert c["r2"] == pytest.approx(1.0, abs=1e-9) and c["kinks"] == pytest.approx((-5.0, 2.0))
    x, y = two_relu_coverage.make_data(2000, 1.0, np.random.default_rng(9))
    assert 0.5 < two_relu_coverage.right_facing_ceiling(x, y)["r2"] < 0.97  # a V needs units facing both ways


def test_coverage_after_counts_bad_fits_against_edges_uncovered_at_the_end_and_early():
    n = 6
    runs = two_relu_coverage.Runs(2, two_relu_coverage.Init("g"), None, None, np.zeros(n), np.zeros(n),
                                  uncovered_start=np.array([1, 1, 0, 0, 0, 0], bool),
                                  uncovered_end=np.array([1, 0, 1, 1, 0, 0], bool), diverged=np.zeros(n, bool),
                                  uncovered_early=np.array([1, 0, 1, 0, 0, 0], bool), longer={})
    bad = np.array([1, 0, 1, 0, 0, 0], bool)
    c = two_relu_coverage.coverage_after(runs, bad)
    assert (c["n_bad"], c["n_unc_end"], c["n_bad_unc_end"]) == (2, 3, 2)
    assert c["n_cov"] == 4 and c["cov_lost_early"] == pytest.approx(0.25)
    assert c["fail_cov_lost"] == 1.0 and c["fail_cov_kept"] == 0.0 and c["cov_unc_end"] == pytest.approx(0.5)


def test_training_on_to_a_longer_budget_equals_training_there_at_once():
    x, y = two_relu_coverage.make_data(100, 1.0, np.random.default_rng(10))
    ini = two_relu_coverage.Init("g")
    a = two_relu_coverage.train_inits(ini, 2, 16, x, y, np.random.default_rng(11), E.Adam(0.05), 60, longer=(90,))
    b = two_relu_coverage.train_inits(ini, 2, 16, x, y, np.random.default_rng(11), E.Adam(0.05), 90)
    np.testing.assert_allclose(a.longer[90][0], b.r2, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(a.longer[90][1], b.uncovered_end)
    assert a.uncovered_early.shape == (16,) and not np.allclose(a.r2, b.r2)


def test_random_animation_starts_follow_the_record():
    P = default_record().replace(init="random", width=3)
    starts, titles = two_relu_coverage.animation_starts(P)
    assert starts[0][0].shape == (2, 1, 3)
    assert two_relu_coverage.uncovered_edges(*starts[0]).tolist() == [False, True]
    assert two_relu_coverage.animation_starts(default_record())[1] == ["good start", "bad start"]


def test_the_animation_with_the_pages_frame_count_stays_under_its_size_limit():
    """Every frame of the player is inlined in the page: at the chapter's frame count and dpi it stays under
    ANIMATION_MAX_MB (at the book's figure dpi, 100, the same frames take nearly twice as much)."""
    x, y = two_relu_coverage.make_data(500, 1.0, np.random.default_rng(3))
    at, snaps, _ = two_relu_coverage.train_with_snapshots(two_relu_coverage.article_starts(), x, y, E.Adam(0.05),
                                                          150, two_relu_coverage.ANIMATION_FRAMES)
    sub = np.random.default_rng(0).choice(len(x), size=300, replace=False)
    html = two_relu_coverage.animation(snaps, x, y, sub, ["good start", "bad start"])
    assert len(snaps) == two_relu_coverage.ANIMATION_FRAMES + 1
    assert 0.1 * two_relu_coverage.ANIMATION_MAX_MB < len(html.encode()) / 1e6 < two_relu_coverage.ANIMATION_MAX_MB


def test_the_main_claims_table_shows_the_declared_claims_in_order():
    verdicts = two_relu_coverage.judge_claims(article_runs(0.95, 0.3), CHECK, law(30, 0), 0.9)
    main = two_relu_coverage.main_verdicts(verdicts)
    assert [v.claim.id for v in main] == list(two_relu_coverage.MAIN_CLAIMS)
    assert len(main) <= 12 and len(main) < len(verdicts)


def test_a_diverged_setting_is_undecided_and_says_so():
    runs = article_runs(0.95, 0.3, good_other=float("nan"), bad_other=float("nan"))
    v = {x.claim.id: x for x in two_relu_coverage.judge_claims(runs, CHECK, law(30, 0), 0.9)}
    (_, first), (_, second) = v["good_fits"].points[:2]
    assert first.outcome == claims.REPRODUCES and second.outcome == claims.UNDECIDED
    assert "diverged" in second.evidence and "smaller step" in second.decides
