"""Each engine member must train exactly like the equivalent standalone Keras model."""
import numpy as np
import pytest

keras = pytest.importorskip("keras")
from nnfail import engine as E  # noqa: E402

STEPS = 200
BATCH = 16


def keras_model(net, params, opt, loss):
    model = keras.Sequential([keras.Input((net.sizes[0],))] +
                             [keras.layers.Dense(o, activation=a) for (i, o), a in zip(net.layers, net.activations)])
    model.set_weights([a[0] for wb in params for a in wb])  # member 0's weights
    if opt.name == "adam":
        kopt = keras.optimizers.Adam(learning_rate=float(opt.lr), epsilon=opt.epsilon)
    else:
        kopt = keras.optimizers.SGD(learning_rate=float(opt.lr), momentum=opt.momentum)
    model.compile(optimizer=kopt, loss={"mse": "mean_squared_error", "bce": "binary_crossentropy"}[loss])
    return model


CASES = [
    ("adam", "mse", ("elu", "elu", "linear")),
    ("sgd", "mse", ("tanh", "relu", "linear")),
    ("momentum", "mse", ("relu", "sigmoid", "linear")),
    ("adam", "bce", ("relu", "tanh", "sigmoid")),
    ("sgd", "bce", ("sigmoid", "elu", "sigmoid")),
    ("momentum", "bce", ("leaky_relu", "relu", "sigmoid")),
]


@pytest.mark.parametrize("opt_name,loss,acts", CASES)
def test_member_matches_keras_step_by_step(opt_name, loss, acts):
    rng = np.random.default_rng(7)
    net = E.MLP((3, 8, 6, 1), acts)
    opt = {"adam": E.Adam(1e-2), "sgd": E.SGD(5e-2), "momentum": E.SGD(2e-2, momentum=0.9)}[opt_name]
    params = E.init_params(net, k=4, kernel=E.GlorotUniform(), rng=rng)
    n = STEPS * BATCH
    x = rng.normal(size=(4, n, 3)).astype(np.float32)
    if loss == "mse":
        y = (np.sin(x[..., :1]) + x[..., 1:2] ** 2).astype(np.float32)
    else:
        y = (x[..., :1] * x[..., 1:2] > 0).astype(np.float32)
    model = keras_model(net, params, opt, loss)
    trainer = E.Trainer(net, params, opt, loss)
    trainer.fit(x, y, epochs=1, batch_size=BATCH)
    for s in range(STEPS):
        model.train_on_batch(x[0, s * BATCH:(s + 1) * BATCH], y[0, s * BATCH:(s + 1) * BATCH])
    ours = [a[0] for wb in trainer.params for a in wb]
    for got, want in zip(ours, model.get_weights()):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)
    # the members really are different networks that moved
    assert not np.allclose(trainer.params[0][0][0], trainer.params[0][0][1])
    assert not np.allclose(ours[0], params[0][0][0])


def test_learning_rate_schedule_matches_keras_exponential_decay():
    rng = np.random.default_rng(3)
    net = E.MLP((2, 5, 1), ("tanh", "linear"))
    params = E.init_params(net, k=2, kernel=E.GlorotUniform(), rng=rng)
    opt = E.Adam(lr=[3e-2, 3e-2], decay_rate=[0.5, 1.0], decay_steps=20)
    x = rng.normal(size=(2, 100 * 8, 2)).astype(np.float32)
    y = (x[..., :1] * x[..., 1:]).astype(np.float32)
    trainer = E.Trainer(net, params, opt, "mse")
    trainer.fit(x, y, batch_size=8)
    sched = keras.optimizers.schedules.ExponentialDecay(3e-2, decay_steps=20, decay_rate=0.5)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(5, activation="tanh"), keras.layers.Dense(1)])
    model.set_weights([a[0] for wb in params for a in wb])
    model.compile(optimizer=keras.optimizers.Adam(sched), loss="mean_squared_error")
    for s in range(100):
        model.train_on_batch(x[0, s * 8:(s + 1) * 8], y[0, s * 8:(s + 1) * 8])
    for got, want in zip([a[0] for wb in trainer.params for a in wb], model.get_weights()):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)
    # member 1 (no decay) must differ from member 0 (decay)
    assert not np.allclose(trainer.params[0][0][0], trainer.params[0][0][1])
