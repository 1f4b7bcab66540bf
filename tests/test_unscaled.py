"""Chapter 3's data and helpers: the label reconstruction from iris, the post's initialization."""
import numpy as np
import pytest

from nnfail import unscaled as U


def test_labels_reconstructed_from_the_bundled_iris_data():
    from sklearn.datasets import load_iris

    iris = load_iris()
    y = U.iris_labels()
    assert y.tolist() == [0, 1, 0, 1, 1, 0, 1, 1, 0, 1]
    for row, label, matches in zip(U.ROWS, y, U.iris_matches()):
        assert matches, row
        for i, species in matches:
            assert np.allclose(iris.data[i, [0, 2]], row)
            assert species == ("virginica" if label else "versicolor")


def test_alternative_labels_differ_in_exactly_one_row():
    assert np.flatnonzero(U.iris_labels() != U.ALTERNATIVE_LABELS).tolist() == [6]
    assert U.ROWS[6].tolist() == [7.1, 5.9]


def test_a_row_without_an_unambiguous_match_is_refused(monkeypatch):
    monkeypatch.setattr(U, "ROWS", np.array([[5.1, 1.4]]))  # setosa: neither class of the post
    with pytest.raises(ValueError, match="no unambiguous versicolor/virginica match"):
        U.iris_labels()


def test_legacy_init_follows_the_posts_draw_order():
    w = U.legacy_init(1)
    np.random.seed(1)
    W1 = 2 * np.random.random((2, 3)) - 1
    W2 = 2 * np.random.random((3, 1)) - 1
    b1 = 2 * np.random.random(3) - 1
    b2 = 2 * np.random.random(1) - 1
    for a, b in zip(w.arrays(), (W1, b1, W2, b2)):
        np.testing.assert_array_equal(a, b)


def test_standardize_is_sklearn_scale():
    from sklearn.preprocessing import scale

    np.testing.assert_allclose(U.standardize(U.ROWS), scale(U.ROWS))
