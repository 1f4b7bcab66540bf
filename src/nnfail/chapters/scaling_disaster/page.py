"""Chapter 1's page: what the notebook glues and the tables it shows, kept apart from the computations
(``experiments``) so that the cells a reader expands show the experiment and nothing else.

Every ``glue_*`` function takes the notebook's ``glue`` (nnfail.glue.glue) and ``glue_object``
(nnfail.glue.glue_object) where it pastes a table into a dropdown; none of them computes a result.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from nnfail import claims, tables
from nnfail.chapters.scaling_disaster import experiments as scaling_disaster

ROW_FIELDS = ("rate", "low", "high", "r2_median", "r2_q1", "r2_q3", "p_vs_baseline")  # glued per configuration
OPEN_FIELDS = ROW_FIELDS[:-1]  # the open-settings rows have no baseline of their own

# The claims the reader's question turns on, shown in the main flow (the complete table follows in a
# dropdown). Chosen by what they are about, not by their outcome: the post's three observations on scaled
# inputs, the answer's two fixes, its remarks and its two untried ideas (training longer, a decaying rate),
# as ids of experiments.chapter_claims.
KEY_CLAIMS = (
    "hinge__scaled_x__as_posted",
    "square__scaled_x__as_posted",
    "notch__scaled_x__as_posted",
    "square__scaled_x__as_posted__oscillating",
    "square__scaled_x__y_scaled",
    "square__scaled_x__init_std_0_5",
    "notch__scaled_x__init_std_0_5",
    "notch__scaled_x__init_std_0_5__edge_slope",
    "square__scaled_x__as_posted__longer",
    "notch__scaled_x__as_posted__longer",
    "square__scaled_x__decaying_lr",
    "notch__scaled_x__decaying_lr",
)

ROW_COLUMNS = [
    ("configuration", lambda r: r["config"]),
    ("failure rate", lambda r: f"{tables.pct(r['rate'])} {tables.interval(r['low'], r['high'])}"),
    ("median R² [IQR]", lambda r: f"{tables.num(r['r2_median'])} [{tables.num(r['r2_q1'])}, "
                                  f"{tables.num(r['r2_q3'])}]"),
    ("p vs baseline", lambda r: tables.pvalue(r["p_vs_baseline"])),
    ("diverged", lambda r: f"{r['diverged']} of {r['n']}"),
]
OPEN_COLUMNS = ([("target", lambda r: scaling_disaster.TARGET_LABELS[r["target"]])]
                + [c for c in ROW_COLUMNS if c[0] != "p vs baseline"])
POSTED_COLUMNS = [
    ("target", lambda r: scaling_disaster.TARGET_LABELS[r["target"]]),
    ("failure rate, raw X", lambda r: f"{tables.pct(r['raw']['rate'])} {tables.interval(r['raw']['low'], r['raw']['high'])}"),
    ("failure rate, scaled X", lambda r: f"{tables.pct(r['scaled']['rate'])} "
                                         f"{tables.interval(r['scaled']['low'], r['scaled']['high'])}"),
    ("median R², scaled X", lambda r: tables.num(r["scaled"]["r2_median"])),
]


def glue_rows(rows: Sequence[dict], glue: Callable, fields: Sequence[str] = ROW_FIELDS) -> None:
    """Glue each configuration's row as ``<target>__<config>__<field>``."""
    for r in rows:
        k = scaling_disaster.key(r["target"], r["config"])
        for field in fields:
            glue(f"{k}__{field}", r[field])


def glue_main_runs(runs: scaling_disaster.Runs, rows: Sequence[dict], glue: Callable) -> None:
    """The main runs: every row (glue_rows), how many networks were trained and how many diverged, and the
    hinge's worst failure rate over all its configurations (the sentence that replaces its table)."""
    glue_rows(rows, glue)
    glue("n_members", len(runs.r2))
    glue("n_diverged", int(runs.diverged.sum()))
    glue("hinge_max_rate", max(r["rate"] for r in rows if r["target"] == "hinge"))


def posted_table(rows: Sequence[dict]):
    """The reproduction in three rows: each target as posted, raw against scaled inputs."""
    by = {(r["target"], r["config"]): r for r in rows}
    short = [dict(target=t, raw=by[(t, "raw X | as posted")], scaled=by[(t, f"{scaling_disaster.SCALED} | as posted")])
             for t in scaling_disaster.TARGETS]
    return tables.markdown(short, POSTED_COLUMNS)


def glue_row_tables(rows: Sequence[dict], open_rows: Sequence[dict], glue_object: Callable) -> None:
    """Every configuration's row, one HTML table per target (``rows_<target>``) and the open settings' rows
    (``rows_open``), for the dropdowns."""
    for t in scaling_disaster.TARGETS:
        glue_object(f"rows_{t}", tables.as_html(tables.markdown([r for r in rows if r["target"] == t],
                                                                 ROW_COLUMNS)))
    glue_object("rows_open", tables.as_html(tables.markdown(open_rows, OPEN_COLUMNS)))


def fix_rows(rows: Sequence[dict], P, target: str) -> list[dict]:
    """The bars of the fixes figure for one target: scaled inputs as posted, each fix, then the standard
    practice (a decaying-rate bar is empty for the target the decaying rate was not tried on)."""
    fixes = [f"{scaling_disaster.SCALED} | {f}" for f in ("as posted", "y scaled", "init std 0.5", *map(scaling_disaster.decay_name, P.big_lrs),
                                            "y scaled + init std 0.5", "Glorot init", "output bias = mean(y)")]
    fixes += ["standardized X and y", "standardized + Glorot"]
    by = {(r["target"], r["config"]): r for r in rows}
    blank = dict(rate=np.nan, low=np.nan, high=np.nan)
    return [dict(by.get((target, f), blank), group=f.replace(f"{scaling_disaster.SCALED} | ", "")) for f in fixes]


def glue_mechanism(runs: scaling_disaster.Runs, P, glue: Callable) -> None:
    """The mechanism's numbers (experiments.mechanism), the answer's side remarks (experiments.remarks) and
    each target's best straight line (line_r2__<target>)."""
    for name, value in {**scaling_disaster.mechanism(runs, P), **scaling_disaster.remarks(runs, P)}.items():
        glue(name, value)
    for t in scaling_disaster.TARGETS:
        glue(f"line_r2__{t}", scaling_disaster.best_line_r2(t))


def glue_strict(runs: scaling_disaster.Runs, glue: Callable) -> None:
    """Every configuration's failure rate at the stricter success threshold (``<key>__strict_rate``)."""
    for name, rate in scaling_disaster.strict_rates(runs, scaling_disaster.STRICT_SUCCESS).items():
        glue(f"{name}__strict_rate", rate)


def glue_phase(rate: np.ndarray, scales: Sequence[float], stds: Sequence[float], glue: Callable) -> None:
    """The phase diagram's range of rates, its size and how its boundary follows the product of the scales."""
    glue("phase_min_rate", float(rate.min()))
    glue("phase_max_rate", float(rate.max()))
    glue("phase_cells", int(rate.size))
    for name, value in scaling_disaster.phase_by_product(rate, scales, stds).items():
        glue(name, value)


def key_verdicts(verdicts: Sequence[claims.Verdict]) -> list[claims.Verdict]:
    """The verdicts of KEY_CLAIMS, in the order of the chapter's claims."""
    return [v for v in verdicts if v.claim.id in KEY_CLAIMS]


def glue_claims(verdicts: Sequence[claims.Verdict], P, glue: Callable, glue_object: Callable) -> None:
    """Every verdict (claims.glue_verdicts), the tally the prose quotes, each open claim's verdicts per
    point in one line (experiments.ranges: range__<claim id>), and the complete claims table with its rules (``claims_table_all``,
    ``claims_rules``) for the dropdown."""
    claims.glue_verdicts(verdicts, glue)
    for name, value in {**scaling_disaster.tally(verdicts), **scaling_disaster.ranges(verdicts)}.items():
        glue(name, value)
    glue_object("claims_table_all", tables.as_html(claims.table(verdicts)))
    glue_object("claims_rules", claims.rules_text(verdicts))


def glue_doctor(dr, glue: Callable, glue_object: Callable) -> None:
    """What the doctor named on the broken model and how many high findings it raised on the fixed one,
    and both reports (``doctor_broken``, ``doctor_fixed``) for the dropdown."""
    glue("doctor_found", dr.found_text)
    glue("doctor_found_cause", dr.found)
    glue("doctor_fixed_high", dr.fixed_high)
    glue_object("doctor_broken", dr.broken)
    glue_object("doctor_fixed", dr.fixed)
