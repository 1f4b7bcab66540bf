"""Chapter 3's data and helpers: the label reconstruction from iris, the post's initialization."""
import numpy as np
import pytest

from nnfail import claims
from nnfail.chapters.unnormalized_sigmoid import network as S
from nnfail.chapters.unnormalized_sigmoid import experiments as unnormalized_sigmoid
from nnfail.chapters.unnormalized_sigmoid.spec import CHAPTER

DEFAULTS = CHAPTER.spec.record(CHAPTER.spec.defaults())  # the chapter's parameters at their defaults


def test_labels_reconstructed_from_the_bundled_iris_data():
    from sklearn.datasets import load_iris

    iris = load_iris()
    y = unnormalized_sigmoid.iris_labels()
    assert y.tolist() == [0, 1, 0, 1, 1, 0, 1, 1, 0, 1]
    for row, label, matches in zip(unnormalized_sigmoid.ROWS, y, unnormalized_sigmoid.iris_matches()):
        assert matches, row
        for i, species in matches:
            assert np.allclose(iris.data[i, [0, 2]], row)
            assert species == ("virginica" if label else "versicolor")


def test_alternative_labels_differ_in_exactly_one_row():
    assert np.flatnonzero(unnormalized_sigmoid.iris_labels() != unnormalized_sigmoid.ALTERNATIVE_LABELS).tolist() == [6]
    assert unnormalized_sigmoid.ROWS[6].tolist() == [7.1, 5.9]


def test_a_row_without_an_unambiguous_match_is_refused(monkeypatch):
    monkeypatch.setattr(unnormalized_sigmoid, "ROWS", np.array([[5.1, 1.4]]))  # setosa: neither class of the post
    with pytest.raises(ValueError, match="no unambiguous versicolor/virginica match"):
        unnormalized_sigmoid.iris_labels()


def test_legacy_init_follows_the_posts_draw_order():
    w = unnormalized_sigmoid.legacy_init(1)
    np.random.seed(1)
    W1 = 2 * np.random.random((2, 3)) - 1
    W2 = 2 * np.random.random((3, 1)) - 1
    b1 = 2 * np.random.random(3) - 1
    b2 = 2 * np.random.random(1) - 1
    for a, b in zip(w.arrays(), (W1, b1, W2, b2)):
        np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module")
def short_runs():
    """Every configuration, 4 seeds, stopped at 3,000 iterations (well before the thread's counts)."""
    P = DEFAULTS.replace(n_seeds=4, max_iter=3000, target_error=0.001)
    return unnormalized_sigmoid.train(unnormalized_sigmoid.configs(unnormalized_sigmoid.baseline(P)), P,
                                      np.random.default_rng(0))


def test_the_baseline_configuration_is_the_chapters_parameters_under_the_same_names():
    base = unnormalized_sigmoid.baseline(DEFAULTS.replace(alpha=0.25, bias_update="shared"))
    assert (base.alpha, base.bias_update, base.labels, base.scaling) == (0.25, "shared", "alt", "raw")


def test_capped_runs_never_make_a_reported_count_look_typical(short_runs):
    v = {x.claim.id: x for x in unnormalized_sigmoid.judge_claims(short_runs, "alt")}
    # as posted, no run reaches the target within 3,000 iterations: counted as larger than any count
    assert np.all(unnormalized_sigmoid.iterations(short_runs, "alt | as posted") == 3000)
    assert v["post_32000"].outcome in (claims.DOES_NOT, claims.UNDECIDED) and "reached the cap" in v["post_32000"].evidence
    assert v["post_32000"].outcome != claims.REPRODUCES and v["answer_209237"].outcome != claims.REPRODUCES
    # the comment's loops are longer than these runs: its final error cannot be judged at all, at either length
    for cid in ("comment_0039_10k", "comment_0039_100k"):
        assert v[cid].outcome == claims.UNDECIDED and "before this loop" in v[cid].evidence
    # nor can "it does not converge" within the post's loop
    assert v["logloss_0_01_stalls__sse"].outcome == claims.UNDECIDED
    # four seeds decide no rate
    assert v["logloss_stuck"].outcome == claims.UNDECIDED


def test_identify_labels_judges_every_reported_count_on_both_label_vectors(short_runs):
    best, rows = unnormalized_sigmoid.identify_labels(short_runs)
    assert [r["id"] for r in rows] == [c[0] for c in unnormalized_sigmoid.COUNT_CLAIMS]
    assert all(r["alt"] in claims.OUTCOMES and r["iris"] in claims.OUTCOMES for r in rows)
    # four seeds stopped at 3,000 iterations support neither label vector: no pick is made on a tie
    assert best is None and not any(claims.REPRODUCES in (r["alt"], r["iris"]) for r in rows)


def test_the_plateau_of_a_network_answering_one_half_is_ln_2(short_runs):
    sw = short_runs
    m = sw.of("alt | log-loss, alpha 0.5")
    w = sw.run.weights
    flat = S.Weights(w.W1.copy(), w.b1.copy(), np.zeros_like(w.W2), np.zeros_like(w.b2))  # output sigmoid(0) = 1/2
    sw2 = unnormalized_sigmoid.Runs(sw.configs, sw.member_config, S.Run(sw.run.iterations, sw.run.final_sse, flat,
                                     sw.run.curve_at, sw.run.curve), sw.seeds, sw.inits, sw.X, sw.Y, sw.cap)
    np.testing.assert_allclose(unnormalized_sigmoid.mean_logloss(sw2, "alt | log-loss, alpha 0.5"), np.log(2))
    assert m.sum() == 4


def test_error_at_keeps_the_final_error_of_runs_that_stopped_and_is_nan_past_the_cap(short_runs):
    e = unnormalized_sigmoid.error_at(short_runs, "alt | standardized inputs", 2900)
    assert np.all(np.isfinite(e))
    assert np.all(np.isnan(unnormalized_sigmoid.error_at(short_runs, "alt | as posted", 5000)))


def test_sklearn_runs_in_worker_processes_give_the_rows_of_one_by_one_fits():
    """The MLPClassifier fits run side by side in worker processes; each row must be the one a single fit
    with its random_state gives, in the order raw seeds, then standardized seeds."""
    y = unnormalized_sigmoid.label_vector("alt").astype(float)
    rows = unnormalized_sigmoid.sklearn_runs(y, n_seeds=3, max_iter=40, seed=5, early_stop=False)
    alone = [unnormalized_sigmoid._sklearn_fit(y, sc, 5 + s, 40, False) for sc in ("raw", "standardized")
             for s in range(3)]
    assert rows == alone
    assert [r["scaling"] for r in rows] == ["raw"] * 3 + ["standardized"] * 3
    assert len({r["loss"] for r in rows}) == 6  # different seeds really are different fits


def test_sklearn_worker_processes_are_gone_when_the_fits_return():
    """A kernel that ends abruptly after the comparison (as papermill's can) must leave nothing for loky's
    resource tracker to warn about: the fits' worker processes stop before sklearn_runs returns."""
    import subprocess
    import sys

    script = ("import os\n"
              "from nnfail.chapters.unnormalized_sigmoid import experiments as u\n"
              "u.sklearn_runs(u.label_vector('alt').astype(float), n_seeds=2, max_iter=20, seed=0, early_stop=False)\n"
              "print('fitted', flush=True)\n"
              "os._exit(0)\n")  # no atexit handlers, like a kernel that is shut down
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "fitted" in out.stdout, out.stderr[-2000:]
    assert "leaked" not in out.stderr, out.stderr[-2000:]


def test_the_comments_final_error_is_judged_on_the_first_version_that_standardized_its_inputs():
    cfgs = {c[0]: c[4] for c in unnormalized_sigmoid.COUNT_CLAIMS}
    first = [cid for cid in cfgs if cid.startswith("comment_0039")]
    assert first and all(cfgs[cid].startswith("standardized inputs") for cid in first)
    names = {c.name.split(" | ")[1] for c in unnormalized_sigmoid.configs(unnormalized_sigmoid.baseline(DEFAULTS))}
    assert all(cfgs[cid] in names for cid in cfgs)  # every count is judged on a configuration that is run


def test_every_log_loss_setting_the_thread_leaves_open_is_run_and_judged():
    names = {c.name.split(" | ")[1] for c in unnormalized_sigmoid.configs(unnormalized_sigmoid.baseline(DEFAULTS))}
    by_id = {c.id: c for c in unnormalized_sigmoid.OTHER_CLAIMS}
    for a in unnormalized_sigmoid.LOGLOSS_STEPS:
        for stop in S.STOPS:
            c = by_id[f"logloss_scaled_1000__a{unnormalized_sigmoid._k(a)}__{stop}"]
            assert c.config in names and unnormalized_sigmoid.step_of(c.id) == a
        for sc in ("raw", "standardized"):
            assert by_id[f"logloss_efficient__{sc}__a{unnormalized_sigmoid._k(a)}"].config in names


def _verdict(cid, outcome):
    c = claims.Claim(cid, "comment", "q", "s", "cfg", claims.Check())
    return claims.Verdict(outcome, "check", 1.0, 1.0, 1.0, 1, "", claim=c)


def test_points_text_says_where_a_verdict_changes_with_the_setting():
    U = unnormalized_sigmoid
    vs = [_verdict("logloss_efficient__raw__a0_5", claims.REPRODUCES),
          _verdict("logloss_efficient__raw__a0_05", claims.DOES_NOT),
          _verdict("logloss_efficient__raw__a0_01", claims.DOES_NOT),
          _verdict("logloss_scaled_1000__a0_5__sse", claims.UNDECIDED)]
    text = U.points_text(vs, "logloss_efficient__raw", lambda cid: f"{U.step_of(cid):g}", lead="a step of ")
    assert text == "reproduces at a step of 0.5; does not reproduce at a step of 0.05 and 0.01"
    assert U.points_text(vs, "logloss_scaled_1000", U.stop_of) == "is undecided at summed squared error"
    with pytest.raises(ValueError, match="no verdict"):
        U.points_text(vs, "nothing", str)


def test_the_sign_check_finds_a_difference_when_there_is_one(monkeypatch):
    w = S.init(np.random.default_rng(0), members=3)
    y = unnormalized_sigmoid.label_vector("alt")[:, None].astype(float)
    same, text = unnormalized_sigmoid.sign_flip_check(w, unnormalized_sigmoid.ROWS, y, 0.5, 50)
    assert same.all() and "3 of 3" in text
    real = S.train_one
    # a flipped run that is really a different step must be caught
    monkeypatch.setattr(S, "train_one", lambda *a, flipped=False, **k: real(*a, **{**k, "alpha": k["alpha"] * (
        1.001 if flipped else 1)}))
    same, _ = unnormalized_sigmoid.sign_flip_check(w, unnormalized_sigmoid.ROWS, y, 0.5, 50)
    assert not same.any()
