"""Chapter 1's rules: how the sweep's rows turn into verdicts on the post's and the answer's claims, and
the phase diagram's rates (rows built by hand, so each outcome is known)."""
import numpy as np
import pytest

from nnfail import stats
from nnfail.cases import scaling_disaster


def rows_with(rates: dict[tuple[str, str], int], n: int = 20) -> list[dict]:
    """Sweep rows for every (target, configuration) a claim names; failures from ``rates`` (default 0)."""
    names = {(t, c) for _, _, _, t, c, other in scaling_disaster.CLAIMS for c in (c, other) if c is not None}
    rows = []
    for t, c in sorted(names):
        k = rates.get((t, c), 0)
        r = stats.failure_rate([True] * k + [False] * (n - k))
        rows.append(dict(target=t, config=c, failures=k, n=n, rate=r.rate, low=r.low, high=r.high))
    return rows


SQUARE_SCALED = ("square", f"{scaling_disaster.SCALED} | as posted")
SQUARE_RAW = ("square", "raw X | as posted")


def verdict_of(verdicts, target, config):
    return next(v["verdict"] for v in verdicts if v["target"] == target and v["config"] == config)


@pytest.mark.parametrize("scaled,raw,want", [
    (20, 0, stats.REPRODUCES),    # all scaled runs fail, no raw one: a clear contrast
    (12, 8, stats.PARTLY),        # fails more often than not, but not clearly worse than raw
    (14, 0, stats.PARTLY),        # clearly worse than raw, but fails in only 70% of seeds
    (20, 18, stats.PARTLY),       # always fails, but raw inputs fail almost as often: no contrast
    (2, 0, stats.DOES_NOT),       # scaled inputs fit fine
])
def test_a_fails_claim_needs_a_high_rate_and_a_significant_contrast(scaled, raw, want):
    verdicts = scaling_disaster.judge_claims(rows_with({SQUARE_SCALED: scaled, SQUARE_RAW: raw}))
    assert verdict_of(verdicts, *SQUARE_SCALED) == want


@pytest.mark.parametrize("fixed,want", [(0, stats.REPRODUCES), (8, stats.PARTLY), (18, stats.DOES_NOT)])
def test_a_fix_claim_is_judged_against_the_as_posted_baseline(fixed, want):
    y_scaled = ("square", f"{scaling_disaster.SCALED} | y scaled")
    verdicts = scaling_disaster.judge_claims(rows_with({SQUARE_SCALED: 20, y_scaled: fixed}))
    assert verdict_of(verdicts, *y_scaled) == want


def test_every_claim_is_judged_once_with_its_glue_key():
    verdicts = scaling_disaster.judge_claims(rows_with({}))
    assert len(verdicts) == len(scaling_disaster.CLAIMS)
    assert verdicts[3]["key"] == "square__scaled_x__as_posted"
    counts = stats.count_verdicts(verdicts)
    assert counts["n_claims"] == len(verdicts) and counts["n_not_reproduced"] >= 1  # the fails claims


def test_phase_rates_are_per_cell_failure_shares_in_grid_order():
    cfgs = scaling_disaster.phase_configs("square", [0.01, 1.0], [0.05, 0.5, 2.0])
    member = np.repeat(np.arange(len(cfgs)), 2)
    truth = scaling_disaster.TARGETS["square"](scaling_disaster.grid())
    pred = np.stack([truth if i % 2 else np.full_like(truth, truth.mean()) for i in member])  # cell i: 1 fits
    r2 = np.array([stats.r2(p, truth) for p in pred])
    res = scaling_disaster.SweepResult(cfgs, member, r2, None, pred, np.zeros(len(member), bool), None)
    rates = scaling_disaster.phase_rates(res, 0.5, (2, 3))
    np.testing.assert_array_equal(rates, [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    assert scaling_disaster.config_index(cfgs, "square", "s=1, std=0.5") == 4
