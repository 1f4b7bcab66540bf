"""Trainers of one shape share one traced, compiled step loop; sharing must never change what a member learns."""
import numpy as np
import pytest

from nnfail import engine as E

NET = E.MLP((1, 6, 1), ("tanh", "linear"))


def _data(seed, k=3, n=96):
    x = np.random.default_rng(seed).uniform(-1, 1, (k, n, 1)).astype(np.float32)
    return x, (x ** 2).astype(np.float32)


def _traces():
    return E.step_stats()["traces"]


@pytest.fixture(autouse=True)
def fresh_cache():
    E.clear_step_cache()
    yield
    E.clear_step_cache()


def _trainer(lr, seed=0, net=NET, k=3, opt=E.Adam):
    return E.Trainer(net, E.init_params(net, k, E.GlorotUniform(), np.random.default_rng(seed)), opt(lr), "mse")


def test_two_trainers_of_one_shape_trace_once():
    x, y = _data(0)
    before = _traces()
    _trainer(1e-2).fit(x, y, epochs=2, batch_size=32)
    first = _traces() - before
    assert first == 1  # one batch shape: one trace, reused by the second epoch
    _trainer(3e-2, seed=1).fit(x, y, epochs=2, batch_size=32)
    assert _traces() - before == first  # the second trainer compiled nothing
    assert E.step_stats()["cached"] == 1


def test_trainers_sharing_a_step_train_exactly_as_alone():
    """Different learning rates (and optimizer constants) are arguments of the shared step, not constants
    baked in by whichever trainer traced it first."""
    x, y = _data(1)
    configs = [(E.Adam, 1e-2), (E.Adam, 1e-1), (E.SGD, 5e-2), (E.SGD, 2e-1)]

    def train(opt, lr):
        t = _trainer(lr, opt=opt)
        t.fit(x, y, epochs=3, batch_size=32)
        return t.params, t.history.array()

    alone = []
    for opt, lr in configs:  # each with a cache of its own: traced for it alone
        E.clear_step_cache()
        alone.append(train(opt, lr))
    E.clear_step_cache()
    before = _traces()
    shared = [train(opt, lr) for opt, lr in configs]
    assert _traces() - before == 2  # one trace for Adam, one for SGD
    for (p_alone, h_alone), (p_shared, h_shared) in zip(alone, shared):
        np.testing.assert_array_equal(h_alone, h_shared)
        for (wa, ba), (ws, bs) in zip(p_alone, p_shared):
            np.testing.assert_array_equal(wa, ws)
            np.testing.assert_array_equal(ba, bs)
    # the rates really differ, so a rate baked into the shared step would have shown
    assert not np.array_equal(shared[0][0][0][0], shared[1][0][0][0])


def test_decay_and_momentum_are_arguments_too():
    x, y = _data(2)

    def train(**kw):
        t = E.Trainer(NET, E.init_params(NET, 3, E.GlorotUniform(), np.random.default_rng(0)),
                      E.SGD(**kw), "mse")
        t.fit(x, y, epochs=2, batch_size=32)
        return t.params[0][0]

    E.clear_step_cache()
    alone = train(lr=0.1, momentum=0.5, decay_rate=0.5, decay_steps=3)
    E.clear_step_cache()
    train(lr=0.2, momentum=0.9, decay_rate=0.9, decay_steps=3)  # traces the momentum step
    before = _traces()
    shared = train(lr=0.1, momentum=0.5, decay_rate=0.5, decay_steps=3)
    assert _traces() == before  # shared with the run above
    np.testing.assert_array_equal(alone, shared)
    train(lr=0.1, momentum=0.5, decay_rate=0.5, decay_steps=4)  # the decay period is a constant of the trace
    assert _traces() == before + 1


@pytest.mark.parametrize("change", ["width", "members", "loss", "optimizer"])
def test_a_different_shape_or_kind_traces_anew(change):
    x, y = _data(3)
    _trainer(1e-2).fit(x, y, batch_size=32)
    before = _traces()
    if change == "width":
        _trainer(1e-2, net=E.MLP((1, 7, 1), ("tanh", "linear"))).fit(x, y, batch_size=32)
    elif change == "members":
        _trainer(1e-2, k=2).fit(x[:2], y[:2], batch_size=32)
    elif change == "loss":
        t = E.Trainer(NET, E.init_params(NET, 3, E.GlorotUniform(), np.random.default_rng(0)), E.Adam(1e-2), "bce")
        t.fit(x, (y > 0.25).astype(np.float32), batch_size=32)
    else:
        _trainer(1e-2, opt=E.SGD).fit(x, y, batch_size=32)
    assert _traces() - before == 1


@pytest.mark.parametrize("jit", [False, True])
def test_other_batch_sizes_and_the_remainder_batch_reuse_the_one_trace(jit):
    """Each loop is traced once for any number and size of batches. Batches of 40 and 36 (each epoch two full
    batches, then a remainder of 16 or 24) go through the step loop: four batch shapes, one trace. Batches of 32
    and 16 split the 96 rows evenly and go through the repeating loop: one more trace. The batch sizes that reuse
    another's trace (36 and 16) train exactly as with a cache of their own."""
    x, y = _data(5)

    def train(batch):
        t = E.Trainer(NET, E.init_params(NET, 3, E.GlorotUniform(), np.random.default_rng(0)), E.Adam(1e-2), "mse",
                      jit=jit)
        t.fit(x, y, epochs=2, batch_size=batch)
        return [a for wb in t.params for a in wb] + [t.history.array()]

    alone = {}
    for batch in (36, 16):
        E.clear_step_cache()
        alone[batch] = train(batch)
    E.clear_step_cache()
    before = _traces()
    shared = {batch: train(batch) for batch in (40, 36)}
    assert _traces() - before == 1
    shared.update({batch: train(batch) for batch in (32, 16)})
    assert _traces() - before == 2
    for batch in alone:
        for a, b in zip(alone[batch], shared[batch]):
            np.testing.assert_array_equal(a, b)


def test_cache_is_bounded_and_clearable(monkeypatch):
    monkeypatch.setattr(E, "_STEP_CACHE_SIZE", 2)
    x, y = _data(4)
    for width in (3, 4, 5):
        _trainer(1e-2, net=E.MLP((1, width, 1), ("tanh", "linear"))).fit(x, y, batch_size=32)
    assert E.step_stats()["cached"] == 2
    before = _traces()
    _trainer(1e-2, net=E.MLP((1, 3, 1), ("tanh", "linear"))).fit(x, y, batch_size=32)  # evicted: traced again
    assert _traces() - before == 1
    E.clear_step_cache()
    assert E.step_stats()["cached"] == 0


@pytest.mark.parametrize("jit", [True, False])
def test_tracing_a_step_loop_converts_no_python_through_autograph(monkeypatch, jit):
    """The loops spell their control flow as tf.while_loop and tf.cond, so AutoGraph would only re-parse their
    source: about 2 s the first time a process traces, 0.2 s on each later wide network (session 7's profile)."""
    from tensorflow.python.autograph.impl import api

    calls = []
    real = api.converted_call
    monkeypatch.setattr(api, "converted_call", lambda f, *a, **kw: calls.append(f) or real(f, *a, **kw))
    net = E.MLP((1, 7, 5, 1), ("relu", "elu", "linear"))  # a shape no other test traces
    tr = E.Trainer(net, E.init_params(net, 2, E.GlorotUniform(), np.random.default_rng(0)), E.Adam(1e-3), "mse",
                   jit=jit)
    x, y = _data(5, k=2)
    before = _traces()
    tr.fit(x, y, batch_size=32, shuffle=True, rng=np.random.default_rng(1))  # the step loop and the updates
    tr.fit(x, y, batch_size=96, epochs=2)  # the repeating loop
    assert _traces() - before == 2 and calls == []
