"""The hand-written network of chapter 3: gradients against finite differences and TensorFlow, and the
vectorized engine against the plain loop, iteration count for iteration count."""
import numpy as np
import pytest

from nnfail.chapters.unnormalized_sigmoid import network as S

rng0 = np.random.default_rng(11)
X = np.column_stack([rng0.uniform(5, 8, 10), rng0.uniform(3, 7, 10)])
Y = (rng0.random((10, 1)) > 0.5).astype(float)
XS = (X - X.mean(0)) / X.std(0)


@pytest.mark.parametrize("loss", S.LOSSES)
def test_gradients_match_finite_differences(loss):
    w = S.init(np.random.default_rng(1))
    grads = S.gradients(w, XS, Y, *S.forward(w, XS), loss)
    for g, num in zip(grads, S.numerical_gradients(w, XS, Y, loss)):
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("loss", S.LOSSES)
def test_gradients_match_tensorflow(loss):
    pytest.importorskip("tensorflow")
    w = S.init(np.random.default_rng(2))
    ours = S.gradients(w, X, Y, *S.forward(w, X), loss)
    for g, t in zip(ours, S.tensorflow_gradients(w, X, Y, loss)):
        np.testing.assert_allclose(g, t, rtol=1e-9, atol=1e-12)
    assert S.max_relative_gap(ours, S.tensorflow_gradients(w, X, Y, loss)) < 1e-9


def test_numerical_gradients_leave_the_weights_alone_and_detect_a_wrong_gradient():
    w = S.init(np.random.default_rng(5))
    before = [a.copy() for a in w.arrays()]
    num = S.numerical_gradients(w, XS, Y)
    for a, b in zip(w.arrays(), before):
        np.testing.assert_array_equal(a, b)
    wrong = S.gradients(w, XS, Y, *S.forward(w, XS), "logloss")  # the gradient of another loss
    assert S.max_relative_gap(wrong, num) > 0.1


def test_shared_bias_update_gives_every_unit_the_same_step():
    w = S.init(np.random.default_rng(3))
    h, out = S.forward(w, X)
    _, db1, _, _ = S.gradients(w, X, Y, h, out, bias="shared")
    _, true_db1, _, _ = S.gradients(w, X, Y, h, out, bias="per_unit")
    assert np.all(db1 == db1[0]) and db1[0] == pytest.approx(true_db1.sum())
    assert not np.allclose(db1, true_db1)


CONFIGS = [
    dict(x="std", alpha=0.5, loss="sse", bias="per_unit", optimizer="gd"),
    dict(x="std", alpha=0.5, loss="sse", bias="shared", optimizer="gd"),
    dict(x="std", alpha=0.05, loss="logloss", bias="per_unit", optimizer="gd"),
    dict(x="std", alpha=0.1, loss="sse", bias="per_unit", optimizer="momentum"),
    dict(x="std", alpha=0.01, loss="logloss", bias="per_unit", optimizer="adam"),
    dict(x="raw", alpha=0.5, loss="sse", bias="per_unit", optimizer="gd"),
    dict(x="raw", alpha=0.05, loss="sse", bias="per_unit", optimizer="adam"),
]


def test_vectorized_engine_equals_the_plain_loop_exactly():
    seeds = 3
    members = [(c, s) for c in CONFIGS for s in range(seeds)]
    w = S.Weights(*[np.stack(a) for a in zip(*[S.init(np.random.default_rng(s)).arrays() for _, s in members])])
    cfg = S.Members(
        alpha=np.array([c["alpha"] for c, _ in members]),
        logloss=np.array([c["loss"] == "logloss" for c, _ in members]),
        shared_bias=np.array([c["bias"] == "shared" for c, _ in members]),
        optimizer=np.array([S.OPTIMIZERS.index(c["optimizer"]) for c, _ in members]),
        momentum=np.full(len(members), 0.9),
    )
    Xm = np.stack([XS if c["x"] == "std" else X for c, _ in members])
    cap = 6000
    run = S.train_many(w, Xm, Y, cfg, max_iter=cap, compact_every=97)
    reached = 0
    for m, (c, s) in enumerate(members):
        it, err, wf = S.train_one(S.init(np.random.default_rng(s)), Xm[m], Y, alpha=c["alpha"], loss=c["loss"],
                                  bias=c["bias"], optimizer=c["optimizer"], max_iter=cap)
        assert run.iterations[m] == (-1 if it is None else it), (c, s)
        assert run.final_sse[m] == err, (c, s)
        for a, b in zip(run.weights.member(m).arrays(), wf.arrays()):
            np.testing.assert_array_equal(a, b)
        reached += it is not None
    assert 0 < reached < len(members), "the check must cover members that converge and members that hit the cap"


def test_curves_record_sse_until_a_member_stops():
    w = S.Weights(*[np.stack(a) for a in zip(*[S.init(np.random.default_rng(s)).arrays() for s in range(2)])])
    cfg = S.Members(np.array([0.5, 0.5]), np.zeros(2, bool), np.zeros(2, bool), np.zeros(2, int), np.full(2, 0.9))
    run = S.train_many(w, XS, Y, cfg, max_iter=20000, record_every=10)
    for m in range(2):
        assert run.iterations[m] > 0
        recorded = run.curve[:, m]
        stop = run.iterations[m] // 10
        assert np.isfinite(recorded[:stop + 1]).all() and np.isnan(recorded[stop + 1:]).all()
        assert recorded[0] == pytest.approx(S.sse(Y, S.forward(w.member(m), XS)[1]))


def test_saturation_counts_large_preactivations():
    w = S.Weights(np.full((2, 3), 1.0), np.zeros(3), np.ones((3, 1)), np.zeros(1))
    assert S.saturation(w, np.array([[1.0, 1.0], [3.0, 3.0]])) == pytest.approx(0.5)


def test_the_engine_stops_on_the_mean_log_loss_as_the_plain_loop_does():
    """A member may stop when the answer's error (mean log-loss) falls below the target instead of the SSE;
    the engine and the plain loop agree on when, and the stricter rule stops later on the same start."""
    members = [("logloss", stop, s) for stop in S.STOPS for s in (0, 3, 4)]  # starts that reach both targets
    w = S.Weights(*[np.stack(a) for a in zip(*[S.init(np.random.default_rng(s)).arrays() for *_, s in members])])
    n = len(members)
    cfg = S.Members(np.full(n, 0.5), np.ones(n, bool), np.zeros(n, bool), np.zeros(n, int), np.full(n, 0.9),
                    stop_logloss=np.array([stop == "logloss" for _, stop, _ in members]))
    run = S.train_many(w, XS, Y, cfg, max_iter=5000, compact_every=53)
    for m, (loss, stop, s) in enumerate(members):
        it, err, _ = S.train_one(S.init(np.random.default_rng(s)), XS, Y, alpha=0.5, loss=loss, stop=stop,
                                 max_iter=5000)
        assert it is not None and run.iterations[m] == it and run.final_sse[m] == err, (stop, s)
    by_sse, by_logloss = run.iterations[:3], run.iterations[3:]
    assert np.all(by_logloss > by_sse)


def test_mean_logloss_is_the_answers_formula():
    out = np.array([[0.9], [0.2], [0.5]])
    y = np.array([[1.0], [0.0], [1.0]])
    assert S.mean_logloss(y, out) == pytest.approx(-np.mean(y * np.log(out) + (1 - y) * np.log(1 - out)))
    assert S.mean_logloss(np.array([[1.0]]), np.array([[1.0]])) == 0.0  # a right answer of exactly 1 costs nothing


def test_max_rise_is_the_largest_step_to_step_rise_of_the_error():
    """max_rise must equal what the SSE recorded at every iteration shows, and be zero for a run whose error
    only falls."""
    w = S.Weights(*[np.stack(a) for a in zip(*[S.init(np.random.default_rng(s)).arrays() for s in range(3)])])
    alphas = np.array([0.5, 8.0, 30.0])  # a small step falls smoothly; large ones overshoot
    cfg = S.Members(alphas, np.zeros(3, bool), np.zeros(3, bool), np.zeros(3, int), np.full(3, 0.9))
    run = S.train_many(w, XS, Y, cfg, max_iter=3000, record_every=1, compact_every=7)
    for m in range(3):
        c = run.curve[:, m]
        c = c[np.isfinite(c)]
        expected = max(0.0, float(np.max(c[1:] / c[:-1] - 1))) if c.size > 1 else 0.0
        assert run.max_rise[m] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert run.max_rise[2] > 0.01


def test_the_posts_flipped_sign_trains_exactly_as_gradient_descent():
    """Error Y - out with every update added is gradient descent written with two minus signs moved: the
    weights are equal bit for bit."""
    for s in range(2):
        a = S.train_one(S.init(np.random.default_rng(s)), X, Y, alpha=0.5, max_iter=2000)
        b = S.train_one(S.init(np.random.default_rng(s)), X, Y, alpha=0.5, max_iter=2000, flipped=True)
        assert a[0] == b[0] and a[1] == b[1]
        for u, v in zip(a[2].arrays(), b[2].arrays()):
            np.testing.assert_array_equal(u, v)
    with pytest.raises(ValueError, match="plain gradient descent"):
        S.train_one(S.init(np.random.default_rng(0)), X, Y, optimizer="adam", flipped=True)
