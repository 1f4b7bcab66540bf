"""Engine behaviour beyond Keras equivalence: independence of members, divergence, validation."""
import numpy as np
import pytest

from nnfail import engine as E


def _data(rng, k, n=512):
    x = rng.uniform(-1, 1, (k, n, 1)).astype(np.float32)
    return x, (x ** 2).astype(np.float32)


def test_members_are_independent_of_their_neighbours():
    """Training a member alone or inside a batch of others gives the same weights."""
    rng = np.random.default_rng(0)
    net = E.MLP((1, 8, 1), ("tanh", "linear"))
    params = E.init_params(net, k=5, kernel=E.RandomNormal(0.5), rng=rng)
    x, y = _data(rng, 5)
    many = E.Trainer(net, params, E.Adam(1e-2), "mse")
    many.fit(x, y, epochs=3, batch_size=64)
    alone = E.Trainer(net, [(w[2:3], b[2:3]) for w, b in params], E.Adam(1e-2), "mse")
    alone.fit(x[2:3], y[2:3], epochs=3, batch_size=64)
    for (w1, b1), (w2, b2) in zip(many.params, alone.params):
        np.testing.assert_allclose(w1[2:3], w2, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(b1[2:3], b2, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_diverging_member_is_marked_and_does_not_poison_others(momentum):
    """Once a member diverges, the update takes its masked form (the unmasked one runs while all are alive):
    the healthy members must train exactly as they do without the diverging ones."""
    rng = np.random.default_rng(1)
    net = E.MLP((1, 16, 1), ("relu", "linear"))
    params = E.init_params(net, k=4, kernel=E.GlorotUniform(), rng=rng)
    x, y = _data(rng, 4)
    y = y * 1000
    lr = [1e-3, 1e3, 1e-3, 1e3]  # plain SGD with lr 1000 on targets ~1000 explodes to inf/NaN
    healthy = E.Trainer(net, [(w[[0, 2]], b[[0, 2]]) for w, b in params], E.SGD([1e-3, 1e-3], momentum), "mse")
    healthy.fit(x[[0, 2]], y[[0, 2]], epochs=5, batch_size=32)
    t = E.Trainer(net, params, E.SGD(lr, momentum), "mse")
    hist = t.fit(x, y, epochs=5, batch_size=32).array()
    assert t.diverged.tolist() == [False, True, False, True]
    assert np.isnan(hist[-1, [1, 3]]).all() and np.isfinite(hist[:, [0, 2]]).all()
    for (w, b), (hw, hb) in zip(t.params, healthy.params):
        np.testing.assert_allclose(w[[0, 2]], hw, rtol=1e-5, atol=1e-6)
        assert np.isfinite(w[[1, 3]]).all()  # frozen at the last finite values, never NaN
    pred = t.predict(x)
    assert np.isnan(pred[[1, 3]]).all() and np.isfinite(pred[[0, 2]]).all()
    assert np.isnan(t.evaluate(x, y)[[1, 3]]).all()


def test_shared_inputs_broadcast_and_shuffle_is_seeded():
    rng = np.random.default_rng(2)
    net = E.MLP((1, 4, 1), ("elu", "linear"))
    params = E.init_params(net, k=3, kernel=E.HeNormal(), rng=rng)
    x = rng.uniform(-1, 1, (256, 1))
    runs = []
    for _ in range(2):
        t = E.Trainer(net, params, E.Adam(1e-2), "mse")
        t.fit(x, x ** 2, epochs=2, batch_size=32, shuffle=True, rng=np.random.default_rng(9))
        runs.append(t.params[0][0])
    np.testing.assert_array_equal(runs[0], runs[1])


def test_per_member_init_std():
    rng = np.random.default_rng(3)
    net = E.MLP((1, 200, 1), ("elu", "linear"))
    std = np.array([0.05, 0.5])
    (w, _), _ = E.init_params(net, k=2, kernel=E.RandomNormal(std), rng=rng)
    np.testing.assert_allclose(w.reshape(2, -1).std(axis=1), std, rtol=0.15)


def test_he_normal_is_truncated_at_two_std():
    w = E.HeNormal().sample(np.random.default_rng(0), 2, 50, 400)
    std = np.sqrt(2 / 50) / 0.87962566103423978
    assert np.abs(w).max() <= 2 * std + 1e-12
    assert w.std() == pytest.approx(np.sqrt(2 / 50), rel=0.03)


@pytest.mark.parametrize("bad", [
    dict(sizes=(1,), activations=()),
    dict(sizes=(1, 4, 1), activations=("relu",)),
    dict(sizes=(1, 4, 1), activations=("swish", "linear")),
])
def test_bad_architecture_is_refused(bad):
    with pytest.raises(ValueError):
        E.MLP(**bad)


def test_bad_data_shape_is_refused_before_training():
    rng = np.random.default_rng(0)
    net = E.MLP((2, 4, 1), ("relu", "linear"))
    t = E.Trainer(net, E.init_params(net, 2, rng=rng), E.Adam(), "mse")
    with pytest.raises(ValueError, match="do not fit"):
        t.fit(np.zeros((10, 3)), np.zeros((10, 1)))
    with pytest.raises(ValueError, match="examples"):
        t.fit(np.zeros((10, 2)), np.zeros((9, 1)))


def test_progress_bar_vanishes_in_batch_runs(monkeypatch):
    from nnfail import progress

    monkeypatch.setenv("NNFAIL_NO_PROGRESS", "1")
    assert progress.bar(10, "x") is None
    monkeypatch.delenv("NNFAIL_NO_PROGRESS")
    monkeypatch.setattr(progress.sys.stderr, "isatty", lambda: True, raising=False)
    b = progress.bar(10, "x")
    assert b is not None and b.total == 10
    b.close()


@pytest.mark.parametrize("mode", [dict(shards=1, jit=True), dict(shards=2, jit=False), dict(shards=5, jit=False),
                                  dict(shards=1, jit=False), dict()])
def test_every_execution_mode_trains_every_member_identically(mode):
    """Sharding and XLA are execution details: each member's weights must not depend on them."""
    rng = np.random.default_rng(0)
    net = E.MLP((1, 8, 1), ("tanh", "linear"))
    params = E.init_params(net, k=5, kernel=E.RandomNormal(0.5), rng=rng)
    x, y = _data(rng, 5)

    def train(**kw):
        t = E.Trainer(net, params, E.Adam(1e-2), "mse", **kw)
        t.fit(x, y, epochs=3, batch_size=64)
        return t.params

    ref = train(shards=1, jit=False)
    for (w, b), (rw, rb) in zip(train(**mode), ref):
        np.testing.assert_allclose(w, rw, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(b, rb, rtol=1e-5, atol=1e-6)


def test_xla_with_several_shards_is_refused():
    rng = np.random.default_rng(0)
    net = E.MLP((1, 4, 1), ("relu", "linear"))
    with pytest.raises(ValueError, match="one shard"):
        E.Trainer(net, E.init_params(net, 4, rng=rng), E.Adam(), "mse", shards=2, jit=True)


def test_band_plot_skips_points_and_runs_without_values():
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nnfail import plots

    runs = np.array([[1.0, 2.0, np.nan], [np.nan, 3.0, np.nan], [np.nan, np.nan, np.nan]])
    fig, ax = plt.subplots()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would print into the published page
        plots.band(ax, [0, 1, 2], runs, "x", log=True)
    line = ax.get_lines()[0]
    assert "median of 2" in line.get_label()
    assert np.isnan(line.get_ydata()[2]) and line.get_ydata()[1] == 3.0
    plt.close(fig)


@pytest.mark.parametrize("case", [
    dict(hidden=(2,), act="relu", k=6, n=40, batch=40, mode=dict(jit=True), opt=E.Adam(0.05)),  # chapter 4's kind
    dict(hidden=(8,), act="tanh", k=5, n=96, batch=32, mode=dict(jit=False, shards=2), opt=E.SGD(0.1, momentum=0.9)),
    dict(hidden=(8,), act="tanh", k=4, n=4, batch=32, mode=dict(jit=True), opt=E.Adam(0.05, decay_rate=0.5,
                                                                                        decay_steps=7)),  # XOR-like
])
def test_repeated_epochs_in_one_call_equal_one_call_per_epoch(case):
    """A fit over the same batches every epoch runs up to EPOCHS_PER_CALL epochs per call of the repeating loop.
    Its weights, optimizer state and per-epoch losses must be those of one step-loop call per epoch, array for
    array, across a call boundary, for diverging members too (member 1's step size overflows the weights)."""
    rng = np.random.default_rng(5)
    net = E.MLP((1, *case["hidden"], 1), (case["act"], "linear"))
    params = E.init_params(net, k=case["k"], kernel=E.GlorotUniform(), rng=rng)
    x = rng.uniform(-2, 2, (case["k"], case["n"], 1)).astype(np.float32)
    y = (np.abs(x) * 30).astype(np.float32)
    lr = np.full(case["k"], case["opt"].lr, np.float32)
    lr[1] = 1e30
    opt = E.Optimizer(**{**case["opt"].__dict__, "lr": lr})
    epochs = [3, E.EPOCHS_PER_CALL + 5, 1]
    together = E.Trainer(net, params, opt, "mse", **case["mode"])
    for e in epochs:
        together.fit(x, y, epochs=e, batch_size=case["batch"])
    one_by_one = E.Trainer(net, params, opt, "mse", **case["mode"])
    for _ in range(sum(epochs)):
        one_by_one.history.loss.append(one_by_one._epoch(x, y, case["batch"]))
    assert together.diverged[1] and not together.diverged[0]
    np.testing.assert_array_equal(together.history.array(), one_by_one.history.array())
    assert together.iterations.numpy() == one_by_one.iterations.numpy()
    for sh, sh1 in zip(together._shards, one_by_one._shards):  # weights, optimizer slots, liveness
        for a, b in zip([*sh.vars, *sh.m, *sh.v, sh.alive], [*sh1.vars, *sh1.m, *sh1.v, sh1.alive]):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_finite_check_marks_only_members_with_a_non_finite_value():
    """Gradients near float32's largest value are finite even though their sum overflows; one inf or NaN
    anywhere in a member's gradient, or a non-finite loss, marks that member alone."""
    big = np.full((5, 30, 40), 3e38, np.float32)
    big[2, 7, 3] = np.inf
    big[3, 0, 0] = np.nan
    bias = np.zeros((5, 40), np.float32)
    losses = np.array([1.0, 1.0, 1.0, 1.0, np.inf], np.float32)
    finite = E._finite_members(E.tf.constant(losses), [E.tf.constant(big), E.tf.constant(bias)]).numpy()
    assert finite.tolist() == [True, True, False, False, False]
