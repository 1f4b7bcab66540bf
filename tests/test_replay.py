"""nnfail.replay: a configuration replayed in Keras from the same weights and batches stays with the engine."""
import numpy as np

from nnfail import replay


def test_a_small_relu_network_replayed_in_keras_matches_the_engine():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (64, 2))
    y = x[:, :1] ** 2 + x[:, 1:]
    g = replay.keras_replay("tiny", (2, 8, 1), ("relu", "linear"), x, y, batch_size=16, steps=40, lr=1e-2, seed=1)
    assert g.steps == 40 and g.weights < 1e-5 and g.outputs < 1e-4
    s = replay.keras_replay("tiny sgd", (2, 8, 1), ("tanh", "linear"), x, y, batch_size=16, steps=40, lr=0.05,
                            optimizer="sgd", momentum=0.9, seed=1)
    assert s.weights < 1e-5
    assert replay.worst([g, s]) == max(g.weights, g.outputs, s.weights, s.outputs)


def test_given_weights_start_both_runs():
    """Weights passed in (a reader's own Keras start) are where both the Keras run and the engine begin."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (32, 1))
    y = 3 * x
    g = replay.keras_replay("same", (1, 1), ("linear",), x, y, batch_size=32, steps=5, lr=1e-2, seed=0,
                            weights=[np.array([[0.5]], np.float32), np.array([0.0], np.float32)])
    assert g.weights < 1e-6
