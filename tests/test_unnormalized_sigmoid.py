"""Chapter 3's data and helpers: the label reconstruction from iris, the post's initialization."""
import numpy as np
import pytest

from nnfail.cases import unnormalized_sigmoid


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


CAP = 1000


@pytest.mark.parametrize("kind,counts,ref,other,want", [
    ("about", [30000] * 9 + [34000], 32000, None, "reproduces"),
    ("about", [50000] * 10, 32000, None, "partly reproduces"),
    ("about", [300] * 10, 32000, None, "does not reproduce"),
    ("locate", list(range(100, 1100, 10)), 500, None, "reproduces"),
    ("locate", list(range(100, 1100, 10)), 5000, None, "does not reproduce"),
    ("faster", [10] * 12, None, [100] * 12, "reproduces"),
    ("faster", [90, 95, 100], None, [100, 99, 101], "partly reproduces"),
    ("faster", [100] * 12, None, [10] * 12, "does not reproduce"),
    ("stuck", [CAP] * 20, None, None, "reproduces"),
    ("stuck", [10] * 20, None, None, "does not reproduce"),
    ("under", [500] * 20, 1000, None, "reproduces"),
    ("under", [5000] * 20, 1000, None, "does not reproduce"),
])
def test_each_kind_of_claim_in_the_thread(kind, counts, ref, other, want):
    other = None if other is None else np.asarray(other, float)
    verdict, evidence, p = unnormalized_sigmoid.judge_claim(kind, np.asarray(counts, float), ref, other, CAP)
    assert verdict == want, evidence
    assert (p == p) == (kind == "faster")  # only comparisons carry a p-value


def test_an_unknown_kind_of_claim_is_refused():
    with pytest.raises(ValueError, match="unknown claim kind"):
        unnormalized_sigmoid.judge_claim("guess", np.ones(3), None, None, CAP)
