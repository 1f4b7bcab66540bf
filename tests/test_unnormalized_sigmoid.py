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
    for _, pv in v["post_32000"].points:  # with either bias update
        assert pv.outcome in (claims.DOES_NOT, claims.UNDECIDED) and "reached the cap" in pv.evidence
    assert v["post_32000"].outcome != claims.REPRODUCES and v["answer_209237"].outcome != claims.REPRODUCES
    # the comment's loops are longer than these runs: its final error cannot be judged at any point, and the
    # verdict says what would decide it
    assert v["comment_0039"].outcome == claims.UNDECIDED and len(v["comment_0039"].points) == 4
    assert all("before this loop" in pv.evidence for _, pv in v["comment_0039"].points)
    assert "runs of at least 10,000 iterations" in v["comment_0039"].decides
    # nor can "it does not converge" within the post's loop
    assert v["logloss_0_01_stalls"].outcome == claims.UNDECIDED
    # four seeds decide no rate; claims without their evidence here are undecided, never dropped
    assert v["logloss_stuck"].outcome == claims.UNDECIDED
    assert v["sklearn_zero"].outcome == claims.UNDECIDED and v["sign_flip"].evidence == "not run here"
    assert [x.claim.id for x in v.values()] == [c.id for c in unnormalized_sigmoid.CLAIMS]


def test_identify_labels_judges_every_reported_count_on_both_label_vectors(short_runs):
    best, rows = unnormalized_sigmoid.identify_labels(short_runs)
    # one row per reported figure and per point of the settings it leaves open
    by_id = {c.id: c for c in unnormalized_sigmoid.CLAIMS}
    assert [r["id"] for r in rows] == [cid for cid in unnormalized_sigmoid.COUNT_CLAIMS
                                       for _ in by_id[cid].points()]
    assert len(rows) == 13
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


def test_every_setting_the_thread_leaves_open_is_one_claim_judged_at_every_point(short_runs, monkeypatch):
    U = unnormalized_sigmoid
    names = {c.name.split(" | ")[1] for c in U.configs(U.baseline(DEFAULTS))}
    by_id = {c.id: c for c in U.CLAIMS}
    # the log-loss step and the stopping rule are open settings of one claim each, not one claim per value
    assert by_id["logloss_scaled_1000"].grid()[0] == {"step": 0.5, "stopping rule": "summed squared error"}
    assert len(by_id["logloss_scaled_1000"].points()) == len(U.LOGLOSS_STEPS) * len(S.STOPS)
    assert [o.setting for o in by_id["logloss_efficient__raw"].open] == ["step"]
    assert [o.setting for o in by_id["logloss_0_01_stalls"].open] == ["stopping rule"]
    assert not any("__a0" in c.id or c.id.endswith(("_shared", "_llstop", "__sse")) for c in U.CLAIMS)
    # every point is judged on a configuration that is run, and each on its own
    seen = []
    real = U.iterations
    monkeypatch.setattr(U, "iterations", lambda sw, name: (seen.append(name.split(" | ")[1]), real(sw, name))[1])
    ev = U.claims_evidence(short_runs, "alt")
    assert set(seen) <= names
    for cid in U.OPEN_CLAIMS:
        assert len(ev[cid]) == len(by_id[cid].points())
    assert {U.logloss_name(a, "standardized", s) for a in U.LOGLOSS_STEPS for s in S.STOPS} <= set(seen)


def test_the_comments_final_error_is_judged_on_the_first_version_that_standardized_its_inputs(short_runs, monkeypatch):
    U = unnormalized_sigmoid
    asked = []
    real = U.error_at
    monkeypatch.setattr(U, "error_at", lambda sw, name, it: (asked.append((name, it)), real(sw, name, it))[1])
    P = DEFAULTS.replace(n_seeds=4, max_iter=U.POST_LOOP, target_error=0.001)
    long = U.Runs(short_runs.configs, short_runs.member_config, short_runs.run, short_runs.seeds, short_runs.inits,
                  short_runs.X, short_runs.Y, P.max_iter)  # pretend the runs went on to the post's loop
    U.claims_evidence(long, "alt")
    assert sorted(asked) == sorted((f"alt | standardized inputs{b}", n) for b in ("", ", shared bias update")
                                   for n in (U.COMMENT_LOOP, U.POST_LOOP))


def _verdict(cid, outcome):
    c = claims.Claim(cid, "comment", "q", "s", "cfg", claims.Check())
    return claims.Verdict(outcome, "check", 1.0, 1.0, 1.0, 1, "", claim=c)


def test_open_text_says_where_a_verdict_changes_with_the_setting():
    U = unnormalized_sigmoid
    c = next(c for c in U.CLAIMS if c.id == "logloss_efficient__raw")
    ev = {0.5: (np.full(30, 100.0), np.full(30, 1000.0)), 0.05: (np.full(30, 1000.0), np.full(30, 100.0)),
          0.01: (np.full(30, 2000.0), np.full(30, 100.0))}
    v = c.judge_evidence(ev)
    assert v.outcome == claims.DEPENDS and v.label == "depends on step"
    assert U.open_text(v) == "reproduces at step 0.5; does not reproduce at step 0.05 and 0.01"
    two = next(c for c in U.CLAIMS if c.id == "logloss_scaled_1000")
    v2 = two.judge_evidence({p: claims.Unavailable("no runs") for p in two.points()})
    assert U.open_text(v2) == ("is undecided at every combination of step (0.5, 0.05 and 0.01) and stopping rule "
                               "(summed squared error and mean log-loss)")
    ev3 = {p: claims.Unavailable("no runs") for p in two.points()}
    ev3[(0.5, "summed squared error")] = np.full(30, 500.0)  # well below the bound at one point only
    ev3[(0.05, "summed squared error")] = np.full(30, 5000.0)
    assert U.open_text(two.judge_evidence(ev3)) == (
        "reproduces at step / stopping rule 0.5 / summed squared error; is undecided at step / stopping rule 0.5 / "
        "mean log-loss, 0.05 / mean log-loss, 0.01 / summed squared error and 0.01 / mean log-loss; does not "
        "reproduce at step / stopping rule 0.05 / summed squared error")
    with pytest.raises(ValueError, match="leaves no setting open"):
        U.open_text(_verdict("x", claims.REPRODUCES))


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
