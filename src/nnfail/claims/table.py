"""How verdicts are shown: the claims table, the rules in words, the glued values and tallies. Nothing here
decides a verdict (that is :mod:`nnfail.claims.rules`)."""
from __future__ import annotations

from typing import Callable, Sequence

from nnfail import tables
from nnfail.claims.rules import (DEPENDS, MIN_SEEDS, REPRODUCES, THRESHOLDS, UNDECIDED, Verdict,
                                 count)


def _grouped(v: Verdict) -> str:
    """An open claim's per-point verdicts, the points grouped by outcome in the order tried."""
    one = v.claim.open[0] if len(v.claim.open) == 1 else None
    groups: dict[str, list[str]] = {}
    for p, pv in v.points:
        groups.setdefault(pv.label, []).append(one.text(p[0]) if one else v.claim.point_text(p))
    return "; ".join(f"{o} at {', '.join(pts)}" for o, pts in groups.items())


def _changes(v: Verdict) -> str:
    """Where a "depends on" verdict changes: between which tried values (of which setting, at which values of
    the others, when more than one is open)."""
    if len(v.claim.open) == 1:
        return "; ".join(f"between {b.below} and {b.above}" for b in v.boundary)
    return "; ".join(f"with {b.setting} between {b.below} and {b.above}" + (f" at {b.at}" if b.at else "")
                     for b in v.boundary) or "only when the settings move together"


def outcome_text(v: Verdict) -> str:
    """The verdict cell: the outcome in bold, what would decide an undecided one, the per-point verdicts and
    the boundary of a "depends on" one; a check says it is a computed fact."""
    if v.is_check and v.outcome != DEPENDS:
        return f"**{'holds' if v.outcome == REPRODUCES else 'does not hold'}** (a computed check)"
    if v.outcome == DEPENDS:
        return f"**{v.label}**: {_grouped(v)}; it changes {_changes(v)}"
    if v.outcome == UNDECIDED:
        more = v.decides or (f"about {v.seeds_needed:,} seeds would decide it" if v.seeds_needed
                             else "more seeds at this rate would not decide it")
        return f"**undecided** ({more})"
    text = f"**{v.outcome}**"
    if v.points and len(v.points) > 1:
        text += f" at every point tried ({len(v.points)})"
    return text


def config_text(v: Verdict) -> str:
    """The configuration cell: the configuration, what it is contrasted with, and each open setting with
    the values tried and the words that leave it open."""
    c = v.claim
    text = c.config + (f" (against {c.against})" if c.against else "")
    for o in c.open:
        source = f"{o.who}: " if o.who else ""
        text += f"; {o.setting} left open ({source}“{o.quote}”), tried at {o.range_text()}"
    return text


TABLE_COLUMNS = [
    ("source", lambda v: v.claim.who),
    ("claim", lambda v: f"“{v.claim.quote}”: {v.claim.says}"),
    ("configuration", config_text),
    ("our evidence", lambda v: v.evidence),
    ("verdict", outcome_text),
]


def table(verdicts: Sequence[Verdict]):
    """The chapter's claims table (an IPython Markdown table)."""
    return tables.markdown(verdicts, TABLE_COLUMNS)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def tally_text(verdicts: Sequence[Verdict]) -> str:
    """The tally in words, claims judged on runs apart from computed checks."""
    c = count(verdicts)
    parts = [f"{c['n_reproduced']} reproduce", f"{c['n_partly']} partly", f"{c['n_not_reproduced']} do not",
             f"{c['n_undecided']} undecided"]
    if c["n_depends"]:
        parts.append(f"{c['n_depends']} {'depends' if c['n_depends'] == 1 else 'depend'} on a setting the source "
                     "leaves open")
    text = f"of {_plural(c['n_claims'], 'claim')} judged on runs, " + ", ".join(parts[:-1]) + " and " + parts[-1]
    if c["n_checks"]:
        text += (f"; {_plural(c['n_checks'], 'computed check')} (not counted as reproductions): "
                 f"{c['n_checks_hold']} {'holds' if c['n_checks_hold'] == 1 else 'hold'}, {c['n_checks_fail']} "
                 f"{'does' if c['n_checks_fail'] == 1 else 'do'} not")
        depend = c["n_checks"] - c["n_checks_hold"] - c["n_checks_fail"]
        if depend:
            text += f", {depend} {'depends' if depend == 1 else 'depend'} on a setting the source leaves open"
    return text


def glue_verdicts(verdicts: Sequence[Verdict], glue: Callable) -> None:
    """Glue each verdict: ``verdict__<id>`` (its label: the outcome, or "depends on <setting>") with its
    value/low/high/p/n, ``__decides`` (what would decide an undecided one) and ``__boundary``; for an open
    claim each point's as ``verdict__<id>__at<j>`` (j in the order of Claim.points) with value/low/high/n;
    then the counts (:func:`~nnfail.claims.rules.count`) and ``claims_tally``, the tally in words."""
    for v in verdicts:
        k = v.claim.id
        glue(f"verdict__{k}", v.label)
        for f in ("value", "low", "high", "p"):
            glue(f"verdict__{k}__{f}", float(getattr(v, f)))
        glue(f"verdict__{k}__n", v.n)
        glue(f"verdict__{k}__decides", v.decides)
        glue(f"verdict__{k}__boundary", v.boundary_text())
        for j, (_, pv) in enumerate(v.points):
            glue(f"verdict__{k}__at{j}", pv.label)
            for f in ("value", "low", "high"):
                glue(f"verdict__{k}__at{j}__{f}", float(getattr(pv, f)))
            glue(f"verdict__{k}__at{j}__n", pv.n)
    for k, n in count(verdicts).items():
        glue(k, n)
    glue("claims_tally", tally_text(verdicts))


def glue_thresholds(glue: Callable) -> None:
    """Glue the named thresholds (claims_<name>) for the prose."""
    for k, v in THRESHOLDS.items():
        glue(f"claims_{k}", v)


def rules_text(verdicts: Sequence[Verdict]):
    """The rules behind a table's verdicts, in words with their thresholds (an IPython Markdown block)."""
    from IPython.display import Markdown

    seen, lines = set(), []
    for v in verdicts:
        d = v.claim.rule.describe()
        if d not in seen:
            seen.add(d)
            lines.append(f"- {d[0].upper()}{d[1:]}.")
    lines.append(f"- A verdict is **undecided** when its interval straddles a boundary, or when a rate, a typical "
                 f"figure, a single reported run or a comparison rests on fewer than {MIN_SEEDS} seeds; the table "
                 f"then says what would decide it (about how many seeds, a longer budget, or another setting) and, "
                 f"when the current estimate could at best partly reproduce or not reproduce, says so.")
    if any(v.claim.open for v in verdicts):
        lines.append("- A claim that leaves a setting open (a step size, a width, a number of epochs) is judged at "
                     "every value of a plausible range, by the same rule at each: it gets one verdict when every "
                     f"value agrees, and **{DEPENDS} <setting>** otherwise, with the tried values between which "
                     "the verdict changes.")
    return Markdown("\n".join(lines))
