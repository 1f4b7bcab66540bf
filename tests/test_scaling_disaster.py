"""Chapter 1's rules: how the training runs' rows turn into verdicts on the post's and the answer's claims, and
the phase diagram's rates (rows built by hand, so each outcome is known)."""
import numpy as np
import pytest

from nnfail import claims, stats
from nnfail.chapters.scaling_disaster import experiments as scaling_disaster
from nnfail.chapters.scaling_disaster.spec import CHAPTER

DEFAULTS = CHAPTER.record(CHAPTER.spec.defaults())


def rows_with(rates: dict[tuple[str, str], int], n: int = 20, P=DEFAULTS) -> list[dict]:
    """Summary rows for every (target, configuration) a claim reads; failures from ``rates`` (default 0)."""
    return [dict(target=t, config=c, failed=np.arange(n) < rates.get((t, c), 0))
            for t, c in sorted(scaling_disaster.claim_rows(P))]


SQUARE_SCALED = ("square", f"{scaling_disaster.SCALED} | as posted")
# the claims judged on facts rather than rows, given neutral evidence
NO_FACTS = {"square__scaled_x__as_posted__oscillating": (np.zeros(20, bool), None, ""),
            "keras_normal_default": (True, None, ""), "notch__scaled_x__y_scaled": (True, None, ""),
            "notch__scaled_x__init_std_0_5__edge_slope": (np.ones(20), np.ones(20), "")}


def judge(rows, P=DEFAULTS, facts=None):
    return scaling_disaster.judge_claims(rows, P, {**NO_FACTS, **(facts or {})})
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
    verdicts = judge(rows_with({SQUARE_SCALED: scaled, SQUARE_RAW: raw}))
    assert verdict_of(verdicts, *SQUARE_SCALED) == want


@pytest.mark.parametrize("fixed,want", [(0, claims.REPRODUCES), (5, claims.PARTLY), (18, claims.DOES_NOT),
                                        (9, claims.UNDECIDED)])
def test_a_fix_claim_is_judged_against_the_as_posted_baseline(fixed, want):
    P = DEFAULTS.replace(long_epochs=DEFAULTS.outer_epochs)  # the posted length only: one point
    y_scaled = ("square", f"{scaling_disaster.SCALED} | y scaled")
    verdicts = judge(rows_with({SQUARE_SCALED: 20, y_scaled: fixed}, P=P), P=P)
    assert verdict_of(verdicts, *y_scaled) == want


def test_every_claim_is_judged_once_with_its_glue_key():
    verdicts = judge(rows_with({}))
    assert [v.claim for v in verdicts] == list(scaling_disaster.chapter_claims(DEFAULTS))
    assert verdicts[3].claim.id == "square__scaled_x__as_posted"
    ids = [v.claim.id for v in verdicts]
    assert len(set(ids)) == len(ids)
    counts = claims.count(verdicts)
    assert counts["n_claims"] + counts["n_checks"] == len(verdicts) and counts["n_not_reproduced"] >= 1  # the fails claims


def test_a_fact_claim_without_its_fact_is_refused_not_judged_on_a_row():
    with pytest.raises(ValueError, match="no evidence for .*oscillating"):
        scaling_disaster.judge_claims(rows_with({}), DEFAULTS, {})


def test_open_settings_are_one_claim_each_judged_over_the_range_the_thread_leaves_open():
    P = DEFAULTS.replace(big_lrs=[0.01, 0.1, 0.3], outer_epochs=50, long_epochs=200)
    by = {c.id: c for c in scaling_disaster.chapter_claims(P)}
    for t in ("square", "notch"):
        assert by[f"{t}__scaled_x__decaying_lr"].open[0].values == (0.01, 0.1, 0.3)
        assert by[f"{t}__scaled_x__init_std_0_5"].open[0].values == ((15, 15, 15), *scaling_disaster.WIDTH_RANGE)
        assert by[f"{t}__scaled_x__as_posted__longer"].open[0].values == (100, 200)
    assert by["square__scaled_x__y_scaled"].open[0].values == (50, 100, 200)
    assert not any("decaying_lr_from" in i or "outer_epochs" in i for i in by)  # no claim per point any more
    short = {c.id: c for c in scaling_disaster.chapter_claims(P.replace(long_epochs=50))}
    assert not short["square__scaled_x__as_posted__longer"].open  # nothing longer was run: undecided, and why
    v = next(v for v in judge(rows_with({}, P=P.replace(long_epochs=50)), P=P.replace(long_epochs=50))
             if v.claim.id == "square__scaled_x__as_posted__longer")
    assert v.outcome == claims.UNDECIDED and "no run longer" in v.evidence


def test_a_claim_can_hold_at_one_start_and_not_another_and_the_verdict_says_where():
    P = DEFAULTS.replace(big_lrs=[0.01, 0.1])
    low, high = (("square", f"scaled X | {scaling_disaster.decay_name(lr)}") for lr in P.big_lrs)
    verdicts = judge(rows_with({SQUARE_SCALED: 20, low: 20, high: 0}, P=P), P=P)
    v = next(v for v in verdicts if v.claim.id == "square__scaled_x__decaying_lr")
    assert v.outcome == claims.DEPENDS and v.label == "depends on initial learning rate"
    assert [pv.outcome for _, pv in v.points] == [claims.DOES_NOT, claims.REPRODUCES]
    assert (v.boundary[0].below, v.boundary[0].above) == ("0.01", "0.1")
    text = scaling_disaster.ranges(verdicts)["range__square__scaled_x__decaying_lr"]
    assert text.startswith("0.01: does not reproduce, 20 of 20 failed") and "changes with the initial learning" in text
    same = judge(rows_with({SQUARE_SCALED: 20, low: 0, high: 0}, P=P), P=P)
    assert verdict_of(same, "square", "scaled X | decaying lr") == claims.REPRODUCES
    assert "the same verdict at every point" in scaling_disaster.ranges(same)["range__square__scaled_x__decaying_lr"]


def test_larger_initial_weights_are_judged_per_network_each_against_its_own_baseline():
    deep = scaling_disaster.width_label(scaling_disaster.WIDTH_RANGE[-1])
    rates = {SQUARE_SCALED: 20, ("square", f"scaled X | as posted | {deep}"): 20,
             ("square", "scaled X | init std 0.5"): 20, ("square", f"scaled X | init std 0.5 | {deep}"): 0}
    for w in scaling_disaster.WIDTH_RANGE[:-1]:
        rates[("square", f"scaled X | init std 0.5 | {scaling_disaster.width_label(w)}")] = 20
    v = next(v for v in judge(rows_with(rates)) if v.claim.id == "square__scaled_x__init_std_0_5")
    assert v.outcome == claims.DEPENDS and v.boundary[-1].above == "[20, 20, 20, 20]"
    assert v.points[-1][1].outcome == claims.REPRODUCES and "against 100% of 20" in v.points[-1][1].evidence


def test_long_checkpoints_double_the_posted_length_up_to_the_long_one():
    cps = lambda o, long: scaling_disaster.long_checkpoints(DEFAULTS.replace(outer_epochs=o, long_epochs=long))
    assert cps(50, 200) == [100, 200] and cps(50, 150) == [100, 150] and cps(50, 50) == [] and cps(50, 20) == []


def fake_runs(P, n=20, osc=False):
    """Runs of every configuration: the indicator with init std 0.5 fits (steep edges), the rest end as nearly
    flat lines at the target mean; losses either flat with sampling noise or swinging far beyond it."""
    cfgs = [c for t in scaling_disaster.TARGETS for c in scaling_disaster.configs(t, P)]
    member = np.repeat(np.arange(len(cfgs)), n)
    x = scaling_disaster.grid()
    good = scaling_disaster.config_index(cfgs, "notch", "scaled X | init std 0.5")
    pred = np.stack([scaling_disaster.TARGETS[cfgs[i].target](x) if i == good
                     else scaling_disaster.TARGETS[cfgs[i].target](x).mean() + 1e-4 * (x - 50) for i in member])
    rng = np.random.default_rng(0)
    swing = 0.5 * np.sin(np.arange(P.outer_epochs))[:, None] if osc else 0.0
    loss = 1.0 + swing + 0.001 * rng.standard_normal((P.outer_epochs, member.size))
    return scaling_disaster.Runs(cfgs, member, np.zeros(member.size), loss, pred, np.zeros(member.size, bool),
                                 np.zeros_like(pred))


@pytest.mark.parametrize("osc,want", [(False, claims.DOES_NOT), (True, claims.REPRODUCES)])
def test_an_oscillating_loss_is_one_that_swings_beyond_what_fresh_samples_explain(osc, want):
    runs = fake_runs(DEFAULTS, osc=osc)
    f = scaling_disaster.facts(runs, DEFAULTS, 0.05)
    v = next(v for v in scaling_disaster.judge_claims(rows_with({}), DEFAULTS, f) if v.claim.id.endswith("oscillating"))
    assert v.outcome == want and "stays above" in v.evidence


def test_the_fact_claims_are_tallied_apart_and_say_what_they_computed():
    f = scaling_disaster.facts(fake_runs(DEFAULTS), DEFAULTS, 0.05)
    verdicts = scaling_disaster.judge_claims(rows_with({}), DEFAULTS, f)
    checks = [v for v in verdicts if scaling_disaster.is_check(v)]
    assert {v.claim.id for v in checks} == {"keras_normal_default", "notch__scaled_x__y_scaled"}
    assert all(v.outcome == claims.REPRODUCES for v in checks)
    assert "max |y| of the indicator is 1" in next(v.evidence for v in checks if v.claim.id.startswith("notch"))
    assert scaling_disaster.target_moments("square")[2] != 1.0  # for the square the same remark would not hold
    wrong = scaling_disaster.facts(fake_runs(DEFAULTS), DEFAULTS, 1.0)["keras_normal_default"]
    assert not wrong[0]
    slope = next(v for v in verdicts if v.claim.id.endswith("edge_slope"))
    assert slope.outcome == claims.REPRODUCES  # the fitted indicator has steep edges, the flat fits none


def test_edge_slope_is_the_steepest_slope_near_the_indicators_edges():
    x = scaling_disaster.grid()
    line = 0.3 * x
    steep_far = np.where(x > 90, 100.0 * (x - 90), 0.0)  # steep, but far from 40 and 60
    s = scaling_disaster.edge_slope(np.stack([line, steep_far, scaling_disaster.TARGETS["notch"](x)]))
    assert s[0] == pytest.approx(0.3) and s[1] == 0.0 and s[2] >= 1 / (x[1] - x[0]) - 1e-9


def test_the_phase_boundary_is_tested_against_the_product_of_the_two_scales():
    scales, stds = [0.01, 0.1, 1.0], [0.05, 0.5]
    prod = np.multiply.outer(scales, stds)
    by_product = (prod < 0.04).astype(float)  # fails below one product: a clean threshold
    d = scaling_disaster.phase_by_product(by_product, scales, stds)
    assert d["phase_product_exceptions"] == 0 and d["phase_fail_max_product"] < d["phase_ok_min_product"]
    assert d["phase_product_cut"] == pytest.approx(0.05) and d["phase_exception_factor"] == 1.0
    by_std_only = np.tile([1.0, 0.0], (3, 1))  # fails at the small std whatever the input scale
    e = scaling_disaster.phase_by_product(by_std_only, scales, stds)
    assert e["phase_product_exceptions"] >= 1 and e["phase_exception_factor"] > 1


def test_mean_reached_is_the_first_epoch_near_the_loss_of_the_mean():
    runs = fake_runs(DEFAULTS.replace(outer_epochs=4), n=2)
    runs.loss[:] = 2.0
    runs.loss[2:, :2] = 1.05  # the first configuration's two seeds get there at epoch 3
    assert list(scaling_disaster.mean_reached(runs, 0)) == [3.0, 3.0]
    assert np.isinf(scaling_disaster.mean_reached(runs, 1)).all()


def test_keras_normal_initializer_default_is_read_from_keras():
    assert scaling_disaster.keras_normal_stddev() > 0


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
    P = DEFAULTS.replace(input_scale=0.5, target_scale=4.0, init_std=0.07, lr=2e-3, big_init_std=0.9, big_lrs=[0.2],
                         lr_decay=0.1)
    by_name = {c.name: c for c in scaling_disaster.configs("notch", P)}
    scaled = f"{scaling_disaster.SCALED} | "
    assert by_name[scaled + "as posted"].x_scale == 0.5 and by_name["raw X | as posted"].x_scale == 1.0
    assert by_name[scaled + "as posted"].y_scale == 4.0 and by_name[scaled + "y scaled"].y_scale == 1.0  # max|g|
    assert (by_name[scaled + "as posted"].init_std, by_name[scaled + "as posted"].lr) == (0.07, 2e-3)
    assert by_name[scaled + "init std 0.5"].init_std == 0.9
    decay = by_name[scaled + scaling_disaster.decay_name(0.2)]
    assert (decay.lr, decay.decay_rate) == (0.2, 0.1) and "raw X | " + scaling_disaster.decay_name(0.2) not in by_name
    assert {c.lr for c in scaling_disaster.phase_configs(P, [0.01], [0.05, 0.5])} == {2e-3}


def test_training_steps_count_every_batch_of_every_outer_epoch():
    assert scaling_disaster.train_steps(DEFAULTS.replace(outer_epochs=3, samples_per_epoch=1000, batch_size=128)) == 24


def test_checkpoints_record_r2_after_each_asked_epoch_and_the_last():
    P = DEFAULTS.replace(outer_epochs=3, samples_per_epoch=256, hidden=[4])
    cfg = [scaling_disaster.Config("a", "square", init_std=0.5, lr=1e-2, x_scale=0.01, y_scale=2500.0)]
    res = scaling_disaster.train(cfg, 2, np.random.default_rng(0), P, checkpoints=(1,))
    assert list(res.r2_at) == [1, 3] and np.array_equal(res.r2_at[3], res.r2)
    assert not np.array_equal(res.r2_at[1], res.r2)  # training moved on after the first epoch


def test_remarks_compare_the_indicators_edges_across_fixes():
    r = scaling_disaster.remarks(fake_runs(DEFAULTS), DEFAULTS)
    assert r["edge_big_init"] > 1 > r["edge_as_posted"] == pytest.approx(1e-4)
    assert r["edge_decay_best_start"] in DEFAULTS.big_lrs and r["edge_big_init_start"] == 0.0
    assert r["late_loss"] == pytest.approx(1.0, abs=0.01) and r["oscillation_ratio"] < 1  # flat noise only


def test_the_main_flow_shows_the_declared_key_claims_and_no_more_than_a_short_table():
    from nnfail.book import pagecheck
    from nnfail.chapters.scaling_disaster import page as scaling_disaster_page

    for P in (DEFAULTS, DEFAULTS.replace(big_lrs=[0.1], long_epochs=51)):
        ids = [c.id for c in scaling_disaster.chapter_claims(P)]
        assert set(scaling_disaster_page.KEY_CLAIMS) <= set(ids)  # a renamed claim must not drop out of the page unnoticed
        shown = scaling_disaster_page.key_verdicts(judge(rows_with({}, P=P), P=P))
        assert [v.claim.id for v in shown] == [i for i in ids if i in scaling_disaster_page.KEY_CLAIMS]
        assert len(shown) <= pagecheck.MAX_TABLE_ROWS


def test_the_reproduction_table_has_one_row_per_target_and_the_hinge_sentence_quotes_its_worst_rate():
    from nnfail.chapters.scaling_disaster import page as scaling_disaster_page

    rows = []
    for t in scaling_disaster.TARGETS:
        for i, c in enumerate(("raw X | as posted", "scaled X | as posted", "scaled X | y scaled")):
            rows.append(dict(target=t, config=c, rate=0.1 * i, low=0.0, high=1.0, r2_median=0.5, r2_q1=0.0,
                             r2_q3=1.0, p_vs_baseline=1.0, diverged=0, n=4))
    lines = scaling_disaster_page.posted_table(rows).data.splitlines()
    assert len(lines) == 2 + len(scaling_disaster.TARGETS)
    assert lines[2].split(" | ")[1:3] == ["0% \\[0%, 100%\\]", "10% \\[0%, 100%\\]"]  # raw, then scaled X
    assert not any("20%" in line for line in lines)  # the fixes are not part of the reproduction
    glued = {}
    runs = scaling_disaster.Runs([], np.zeros(5, int), np.zeros(5), None, None, np.array([0, 1, 0, 0, 1], bool),
                                 None)
    scaling_disaster_page.glue_main_runs(runs, rows, lambda k, v: glued.__setitem__(k, v))
    assert glued["hinge_max_rate"] == pytest.approx(0.2) and glued["n_diverged"] == 2 and glued["n_members"] == 5
    assert glued["square__scaled_x__as_posted__rate"] == pytest.approx(0.1)


def test_each_epochs_draw_is_the_posts_sample_value_for_value():
    """The buffered draw gives the network exactly what rng.uniform, the targets and each member's scaling
    give in float64, rounded once to float32; across blocks that change target mid-way and span more members
    than one block, and for the next epoch from the same buffers."""
    P = DEFAULTS
    cfgs = [c for t in ("square", "notch") for c in scaling_disaster.configs(t, P)[:3]]
    member = np.repeat(np.arange(len(cfgs)), [1, 40, 3, 1, 30, 2])  # 77 members, blocks cross ROWS=32
    scaling = scaling_disaster._Scaling.of(cfgs, member)
    targets = [cfgs[i].target for i in member]
    assert len(set(targets)) == 2
    draws = scaling_disaster._Draws(scaling, targets, 500)
    rng, ref = np.random.default_rng(3), np.random.default_rng(3)
    for _ in range(2):
        net_x, net_y = draws.draw(rng)
        x = ref.uniform(scaling_disaster.X_LOW, scaling_disaster.X_HIGH, (len(targets), 500))
        y = np.stack([scaling_disaster.TARGETS[t](row) for t, row in zip(targets, x)])
        want_x = ((x - scaling.x_shift[:, None]) * scaling.x_scale[:, None]).astype(np.float32)
        want_y = ((y - scaling.y_shift[:, None]) / scaling.y_scale[:, None]).astype(np.float32)
        assert net_x.dtype == np.float32 and net_x.shape == (77, 500, 1)
        np.testing.assert_array_equal(net_x[:, :, 0], want_x)
        np.testing.assert_array_equal(net_y[:, :, 0], want_y)
    assert rng.random() == ref.random()  # the generator moved on by exactly the same draws
