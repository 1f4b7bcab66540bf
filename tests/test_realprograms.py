"""The real-program benchmark (nnfail_bench.realprograms): every program keeps the interface and its
provenance, the committed runs add up, and the check -> fault-type mapping covers every check."""
import numpy as np
import pytest

from nnfail import doctor
from nnfail_bench.realprograms import scoring

MODULES = scoring.modules()
FIELDS = ("NO", "SUBJECT", "URL", "TITLE", "GROUND_TRUTH", "FAULT", "REPAIR", "RECOVERED", "ASSUMED", "TASK", "FIT",
          "build")


def test_at_least_25_programs_each_a_row_of_the_published_sheet():
    sheet = scoring.published()
    assert len(MODULES) >= 25 and len({m.NO for m in MODULES}) == len(MODULES)
    assert all(m.NO in sheet for m in MODULES)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_every_program_states_its_provenance(module):
    for name in FIELDS:
        assert hasattr(module, name), name
    assert module.TASK in ("regression", "binary", "multiclass")
    assert len(module.RECOVERED) > 40 and len(module.ASSUMED) > 20 and module.URL.startswith("https://")
    assert {"epochs", "batch_size"} <= set(module.FIT)


def test_every_check_is_mapped_to_fault_types():
    assert set(scoring.FAULT_TYPES) == set(doctor.CHECKS)


@pytest.mark.parametrize("name", list(scoring.RUNS))
def test_a_committed_run_adds_up(name):
    run = scoring.load_run(name)
    assert run is not None and run["commit"] and run["date"]
    programs, totals = run["programs"], run["totals"]
    assert totals["n"] == len(programs)
    assert totals["doctor"]["count"] == sum(p["diagnosed"] for p in programs)
    assert totals["false_alarm"]["count"] == sum(p["false_alarm"] for p in programs)
    for p in programs:  # diagnosed means a high finding maps to a ground-truth type
        named = {t for c in p["doctor"]["broken"]["high"] for t in scoring.FAULT_TYPES.get(c, ())}
        assert p["diagnosed"] == bool(named & set(p["ground_truth"]))
    glued = scoring.glued({name: run})
    assert glued[f"{name}__doctor__count"] == totals["doctor"]["count"]


def test_a_program_is_scored_without_ever_raising():
    small = next(m for m in MODULES if m.NO == 45)
    out = scoring.diagnose_program(small, False, probe_steps=20, overfit_steps=20)
    assert out["status"] == "diagnosed" and isinstance(out["high"], list)

    class Broken:
        NO = 0

        @staticmethod
        def build(fixed, rng):
            raise RuntimeError("no data")

    assert scoring.diagnose_program(Broken, False)["status"] == "build failed"
    rows = [scoring.score(small, out, out, scoring.published()[45])]
    assert rows[0]["published"] and set(rows[0]["published"]) == set(scoring.TOOLS)
    assert np.isclose(scoring.totals(rows)["doctor"]["rate"], float(rows[0]["diagnosed"]))


def test_left_in_place_names_real_checks_and_a_twin_is_never_both_counted_and_apart():
    for m in MODULES:
        for check, fact in getattr(m, "LEFT_IN_PLACE", {}).items():
            assert check in doctor.CHECKS and len(fact) > 20, (m.NO, check)
    rows = [dict(no=1, false_alarm=True, left_in_place={}, doctor=dict(fixed=dict(high=["saturation"]))),
            dict(no=2, false_alarm=False, left_in_place={}, doctor=dict(fixed=dict(high=[]))),
            dict(no=3, false_alarm=True, left_in_place={"init_scale": "kept U[-0.05, 0.05]"},
                 doctor=dict(fixed=dict(high=["init_scale", "gradient_flow"]))),
            dict(no=4, false_alarm=True, left_in_place={}, doctor=dict(fixed=dict(high=["labels"])))]
    effect = dict(programs=[dict(no=1, better=True), dict(no=2, better=True), dict(no=3, better=True),
                            dict(no=4, better=False)])
    out = scoring.false_alarms(rows, effect)
    fa = out["false_alarm_better"]
    assert (fa["count"], fa["n"], fa["programs"]) == (1, 2, [1])  # 4 trains no better: neither counted nor apart
    assert out["better_twins"] == 3
    assert out["left_in_place"] == [dict(no=3, left={"init_scale": "kept U[-0.05, 0.05]"},
                                         high=["init_scale", "gradient_flow"], names_left=["init_scale"],
                                         other=["gradient_flow"])]
    assert scoring.false_alarms(rows, None) == {}
