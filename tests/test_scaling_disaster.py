"""Chapter 1's rules: how the training runs' rows turn into verdicts on the post's and the answer's claims, and
the phase diagram's rates (rows built by hand, so each outcome is known)."""
import numpy as np
import pytest

from nnfail import claims, stats
from nnfail.chapters.scaling_disaster import experiments as scaling_disaster
from nnfail.chapters.scaling_disaster.spec import CHAPTER

DEFAULTS = CHAPTER.record(CHAPTER.spec.defaults())


def rows_with(rates: dict[tuple[str, str], int], n: int = 20) -> list[dict]:
    """Summary rows for every (target, configuration) a claim names; failures from ``rates`` (default 0)."""
    labels = {v: k for k, v in scaling_disaster.TARGET_LABELS.items()}
    names = set()
    for c in scaling_disaster.CLAIMS:
        if isinstance(c.rule, claims.RateRule):
            label, config = c.config.split(": ", 1)
            names |= {(labels[label], x) for x in (config, c.against) if x is not None}
    rows = []
    for t, c in sorted(names):
        k = rates.get((t, c), 0)
        rows.append(dict(target=t, config=c, failed=np.arange(n) < k))
    return rows


SQUARE_SCALED = ("square", f"{scaling_disaster.SCALED} | as posted")
SQUARE_RAW = ("square", "raw X | as posted")


def verdict_of(verdicts, target, config):
    return next(v.outcome for v in verdicts if v.claim.id == scaling_disaster.key(target, config))


@pytest.mark.parametrize("scaled,raw,want", [
    (20, 0, claims.REPRODUCES),    # all scaled runs fail, no raw one: a clear contrast
    (15, 0, claims.PARTLY),        # clearly worse than raw, but fails in only 75% of seeds
    (20, 18, claims.PARTLY),       # always fails, but raw inputs fail almost as often: no contrast
    (12, 8, claims.UNDECIDED),     # fails more often than not, but 20 seeds cannot tell it from half
    (2, 0, claims.DOES_NOT),       # scaled inputs fit fine
])
def test_a_fails_claim_needs_a_high_rate_and_a_significant_contrast(scaled, raw, want):
    verdicts = scaling_disaster.judge_claims(rows_with({SQUARE_SCALED: scaled, SQUARE_RAW: raw}))
    assert verdict_of(verdicts, *SQUARE_SCALED) == want


@pytest.mark.parametrize("fixed,want", [(0, claims.REPRODUCES), (5, claims.PARTLY), (18, claims.DOES_NOT),
                                        (9, claims.UNDECIDED)])
def test_a_fix_claim_is_judged_against_the_as_posted_baseline(fixed, want):
    y_scaled = ("square", f"{scaling_disaster.SCALED} | y scaled")
    verdicts = scaling_disaster.judge_claims(rows_with({SQUARE_SCALED: 20, y_scaled: fixed}))
    assert verdict_of(verdicts, *y_scaled) == want


def test_every_claim_is_judged_once_with_its_glue_key():
    verdicts = scaling_disaster.judge_claims(rows_with({}))
    assert [v.claim for v in verdicts] == list(scaling_disaster.CLAIMS)
    assert verdicts[3].claim.id == "square__scaled_x__as_posted"
    counts = claims.count(verdicts)
    assert counts["n_claims"] + counts["n_checks"] == len(verdicts) and counts["n_not_reproduced"] >= 1  # the fails claims


def test_the_indicator_remark_is_a_fact_about_its_range_not_a_rate_that_cannot_fail():
    v = next(v for v in scaling_disaster.judge_claims(rows_with({})) if v.claim.id.startswith("notch__scaled_x__y"))
    assert v.outcome == claims.REPRODUCES and "max |y| of the indicator is 1" in v.evidence
    assert scaling_disaster.target_moments("square")[2] != 1.0  # for the square the same remark would not hold


def test_phase_rates_are_per_cell_failure_shares_in_grid_order():
    cfgs = scaling_disaster.phase_configs(DEFAULTS.replace(target="square"), [0.01, 1.0], [0.05, 0.5, 2.0])
    member = np.repeat(np.arange(len(cfgs)), 2)
    truth = scaling_disaster.TARGETS["square"](scaling_disaster.grid())
    pred = np.stack([truth if i % 2 else np.full_like(truth, truth.mean()) for i in member])  # cell i: 1 fits
    r2 = np.array([stats.r2(p, truth) for p in pred])
    res = scaling_disaster.Runs(cfgs, member, r2, None, pred, np.zeros(len(member), bool), None)
    rates = scaling_disaster.phase_rates(res, 0.5, (2, 3))
    np.testing.assert_array_equal(rates, [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    assert scaling_disaster.config_index(cfgs, "square", "s=1, std=0.5") == 4


def test_configurations_read_each_parameter_from_the_record():
    P = DEFAULTS.replace(input_scale=0.5, target_scale=4.0, init_std=0.07, lr=2e-3, big_init_std=0.9, big_lr=0.2,
                         lr_decay=0.1)
    by_name = {c.name: c for c in scaling_disaster.configs("notch", P)}
    scaled = f"{scaling_disaster.SCALED} | "
    assert by_name[scaled + "as posted"].x_scale == 0.5 and by_name["raw X | as posted"].x_scale == 1.0
    assert by_name[scaled + "as posted"].y_scale == 4.0 and by_name[scaled + "y scaled"].y_scale == 1.0  # max|g|
    assert (by_name[scaled + "as posted"].init_std, by_name[scaled + "as posted"].lr) == (0.07, 2e-3)
    assert by_name[scaled + "init std 0.5"].init_std == 0.9
    assert (by_name[scaled + "decaying lr"].lr, by_name[scaled + "decaying lr"].decay_rate) == (0.2, 0.1)
    assert {c.lr for c in scaling_disaster.phase_configs(P, [0.01], [0.05, 0.5])} == {2e-3}


def test_training_steps_count_every_batch_of_every_outer_epoch():
    assert scaling_disaster.train_steps(DEFAULTS.replace(outer_epochs=3, samples_per_epoch=1000, batch_size=128)) == 24
