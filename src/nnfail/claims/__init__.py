"""One place that turns a claim from a post into a verdict: the rules (:mod:`nnfail.claims.rules`: claims,
open settings, evidence, verdicts, the one loop :func:`judge_all`) and, apart, how verdicts are shown
(:mod:`nnfail.claims.table`: the claims table, the rules in words, glue). Chapters import this face."""
from nnfail.claims.rules import (  # noqa: F401
    ALPHA, CENTRAL, CLOSE, DEPENDS, DOES_NOT, LEVEL, LOOSE, MAX_SEEDS, MIN_SEEDS, MOSTLY, N_BOOT, OUTCOMES,
    PARTLY, REPRODUCES, SAME, THRESHOLDS, UNDECIDED, Bound, Boundary, Check, Claim, Compare, Evidence, Open,
    RateRule, Rule, Same, SameRuns, Single, Typical, Unavailable, Verdict, by_point, count, judge_all,
    median_interval, ratio_interval, undecided)
from nnfail.claims.table import (  # noqa: F401
    TABLE_COLUMNS, config_text, glue_thresholds, glue_verdicts, outcome_text, rules_text, table, tally_text)
