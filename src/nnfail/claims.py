"""One place that turns a claim from a post into a verdict.

A :class:`Claim` records who made it (post, answer, comment, article) with a short attributed quote, what it
asserts in our words, the configuration it is about, and the :class:`Rule` that decides it. A rule judges
the claim on the runs of that configuration (one value per seed) and returns a :class:`Verdict`: the
statistic, its interval, the evidence in words and one of four outcomes:

- **reproduces**, **partly reproduces**, **does not reproduce**: the interval lies wholly inside the
  region of that outcome;
- **undecided**: the interval straddles a boundary, or a rate, a single-run figure or a comparison rests on
  fewer than :data:`MIN_SEEDS` seeds (a median's interval accounts for its own sample size). An
  undecided verdict says how many seeds would likely decide it (the interval shrinks as one over the
  square root of the seeds).

A non-significant difference is never read as sameness: a "same as" claim reproduces only when the
interval of the ratio lies inside the equivalence band ``[1/SAME, SAME]``.

The thresholds are the named constants below; chapters glue them (:func:`glue_thresholds`) and show the
rules in words (:func:`rules_text`), so no threshold is typed in a chapter's prose.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np
from scipy import stats as sps

from nnfail import stats, tables

REPRODUCES, PARTLY, DOES_NOT = "reproduces", "partly reproduces", "does not reproduce"
UNDECIDED = "undecided"
OUTCOMES = (REPRODUCES, PARTLY, DOES_NOT, UNDECIDED)

LEVEL = 0.95  # level of every interval (Wilson for rates, order statistics for medians, bootstrap for ratios)
ALPHA = 0.05  # significance level of a contrast (Fisher's exact test, Mann-Whitney U)
MOSTLY = 0.8  # a "fails"/"works" claim reproduces fully when at least this share of seeds fails/works
CLOSE = 1.25  # a reported typical figure reproduces when the median's interval lies within this factor of it
LOOSE = 2.0  # ... partly within this factor; does not when the interval lies wholly beyond it
SAME = 1.25  # "the same": the ratio of medians lies within [1/SAME, SAME]; also the smallest effect that counts
CENTRAL = 0.9  # a single reported run reproduces inside the central share of our seeds
MIN_SEEDS = 20  # fewer seeds than this never decide a rate, a typical value or a comparison
MAX_SEEDS = 100_000  # beyond this, "how many seeds would decide it" is reported as out of reach
N_BOOT = 2000  # bootstrap resamples of a ratio of medians

THRESHOLDS = dict(level=LEVEL, alpha=ALPHA, mostly=MOSTLY, close=CLOSE, loose=LOOSE, same=SAME,
                  central=CENTRAL, min_seeds=MIN_SEEDS)


# ------------------------------------------------------------------------------------------- verdicts
@dataclass(frozen=True)
class Verdict:
    outcome: str
    statistic: str  # what was measured, e.g. "failure rate", "median / reported"
    value: float
    low: float  # interval of the statistic (LEVEL)
    high: float
    n: int  # seeds of the claim's configuration
    evidence: str  # the numbers in words
    seeds_needed: int | None = None  # for an undecided verdict: seeds that would likely decide it
    p: float = math.nan  # p-value of a contrast, where the rule has one
    claim: "Claim | None" = None

    def row(self) -> dict:
        """A flat dict for tables and glue."""
        c = self.claim
        return dict(id=c.id if c else "", who=c.who if c else "", quote=c.quote if c else "",
                    says=c.says if c else "", config=c.config if c else "", verdict=self.outcome,
                    statistic=self.statistic, value=self.value, low=self.low, high=self.high, n=self.n,
                    evidence=self.evidence, seeds_needed=self.seeds_needed, p=self.p)


def _needed(n: int, center: float, edge: float, boundary: float) -> int | None:
    """Seeds after which an interval from ``center`` to ``edge`` (on the boundary's side) would likely stop
    straddling ``boundary``, if it shrinks as 1/sqrt(n); None when no number of seeds would."""
    d, h = abs(center - boundary), abs(edge - center)
    if not (math.isfinite(d) and math.isfinite(h)) or d == 0:
        return None
    k = math.ceil(n * (h / d) ** 2 * 1.05)
    return max(k, n + 1) if k <= MAX_SEEDS else None


def _bounded_from(level: float) -> int:
    """The smallest number of seeds whose order statistics give a median interval at ``level`` (two-sided)."""
    n = 1
    while sps.binom.cdf(0, n, 0.5) > (1 - level) / 2:
        n += 1
    return n


def _too_few(n: int, statistic: str, value: float, low: float, high: float, text: str) -> Verdict:
    return Verdict(UNDECIDED, statistic, value, low, high, n,
                   f"{text}; only {n} seeds (at least {MIN_SEEDS} decide)", seeds_needed=MIN_SEEDS)


def _values(sample, censor: float | None = None) -> np.ndarray:
    """Per-seed values as floats; NaN (a diverged run) and values at or beyond ``censor`` (a run stopped at
    an iteration cap, whose true value is larger) become +inf, the worst outcome."""
    v = np.asarray(sample, float).ravel()
    v = np.where(np.isnan(v), np.inf, v)
    if censor is not None:
        v = np.where(v >= censor, np.inf, v)
    return v


def median_interval(sample, level: float = LEVEL) -> tuple[float, float, float]:
    """(median, low, high): the distribution-free interval of the median from order statistics (coverage
    at least ``level``). Unbounded where the sample is too small for the level."""
    v = np.sort(_values(sample))
    n = v.size
    if n == 0:
        return (math.nan, math.nan, math.nan)
    med = float(np.median(v))
    # largest j with P(Binomial(n, 1/2) <= j - 1) <= (1 - level) / 2: the interval [v_(j), v_(n-j+1)]
    j = int(sps.binom.ppf((1 - level) / 2, n, 0.5))
    if sps.binom.cdf(j - 1, n, 0.5) > (1 - level) / 2:
        j -= 1
    if j < 1:
        return (med, -math.inf, math.inf)
    return (med, float(v[j - 1]), float(v[n - j]))


def ratio_interval(a, b, seed: int, level: float = LEVEL) -> tuple[float, float, float]:
    """(median(a) / median(b), low, high): percentile bootstrap, both samples resampled, with a generator
    seeded by ``seed`` (so a verdict does not move with the chapter's other random draws)."""
    a, b = _values(a), _values(b)
    rng = np.random.default_rng(seed)
    ma = np.median(a[rng.integers(0, a.size, (N_BOOT, a.size))], axis=1)
    mb = np.median(b[rng.integers(0, b.size, (N_BOOT, b.size))], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = ma / mb
        point = float(np.median(a) / np.median(b))
    r = r[~np.isnan(r)]
    if r.size == 0 or math.isnan(point):
        return (point, math.nan, math.nan)
    lo, hi = np.percentile(r, [50 * (1 - level), 50 * (1 + level)])
    return (point, float(lo), float(hi))


def _log(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


# ------------------------------------------------------------------------------------------- rules
class Rule:
    """Decides a claim from evidence: ``judge(sample, against=None)``; ``describe()`` says the rule in words."""

    def judge(self, sample, against=None, seed: int = 0) -> Verdict:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class RateRule(Rule):
    """"X fails" (kind="fails") or "X works" (kind="works"): ``sample`` holds one bool per seed, True where
    the run failed; ``against`` optionally the failures of the configuration the claim contrasts X with.

    Reproduces: the Wilson interval lies wholly on the claimed side of 1/2, the rate reaches MOSTLY on that
    side and the contrast (if any) is significant (Fisher, ALPHA) in the claimed direction. Partly: the
    interval lies on the claimed side without the rest. Does not: it lies wholly on the other side.
    Undecided: it contains 1/2, or fewer than MIN_SEEDS seeds."""

    kind: str = "fails"

    def __post_init__(self):
        if self.kind not in ("fails", "works"):
            raise ValueError(f"RateRule kind must be 'fails' or 'works', got {self.kind!r}")

    def judge(self, sample, against=None, seed: int = 0) -> Verdict:
        failed = np.asarray(sample, bool).ravel()
        r = stats.failure_rate(failed)
        text = f"{r.failures} of {r.n} failed ({tables.pct(r.rate)} {tables.interval(r.low, r.high)})"
        p = math.nan
        contrast_ok = True
        if against is not None:
            o = stats.failure_rate(np.asarray(against, bool).ravel())
            p = stats.fisher_exact(r.failures, r.n, o.failures, o.n)
            right_way = r.rate > o.rate if self.kind == "fails" else r.rate < o.rate
            contrast_ok = p < ALPHA and right_way
            text += f"; against {tables.pct(o.rate)} of {o.n}, p = {tables.pvalue(p)}"
        if r.n < MIN_SEEDS:
            return replace(_too_few(r.n, "failure rate", r.rate, r.low, r.high, text), p=p)
        sign = 1 if self.kind == "fails" else -1  # claimed side: rate above 1/2 for "fails"
        lo, hi = (r.low, r.high) if sign == 1 else (1 - r.high, 1 - r.low)  # as a share on the claimed side
        share = r.rate if sign == 1 else 1 - r.rate
        if lo > 0.5:
            outcome = REPRODUCES if share >= MOSTLY and contrast_ok else PARTLY
            return Verdict(outcome, "failure rate", r.rate, r.low, r.high, r.n, text, p=p)
        if hi < 0.5:
            return Verdict(DOES_NOT, "failure rate", r.rate, r.low, r.high, r.n, text, p=p)
        return Verdict(UNDECIDED, "failure rate", r.rate, r.low, r.high, r.n, text,
                       seeds_needed=self._needed(r.failures, r.n), p=p)

    @staticmethod
    def _needed(failures: int, n: int) -> int | None:
        rate = failures / n
        if rate == 0.5:
            return None
        for m in sorted({*np.unique(np.geomspace(n + 1, MAX_SEEDS, 400).astype(int))}):
            lo, hi = stats.wilson(round(rate * m), m, LEVEL)
            if lo > 0.5 or hi < 0.5:
                return max(int(m), MIN_SEEDS)
        return None

    def describe(self) -> str:
        what = "fail" if self.kind == "fails" else "work"
        return (f"a claim that a configuration {what}s reproduces when the {LEVEL:.0%} Wilson interval of "
                f"the share of seeds that {what} lies above one half, the share reaches {MOSTLY:.0%} and any "
                f"contrast it draws is significant (Fisher's exact test, p < {ALPHA}); partly when only the "
                f"interval lies above one half; it does not reproduce when the interval lies below one half")


@dataclass(frozen=True)
class Typical(Rule):
    """"About ``reported``" (an average or typical figure): the median over seeds with its order-statistic
    interval, against the reported figure. Reproduces: the interval lies within a factor ``close`` of the
    figure; partly: within ``loose``; does not: wholly beyond ``loose``; undecided: anything else (with
    five seeds or fewer the interval is unbounded, so undecided).
    ``censor``: values at or beyond it are runs stopped at a cap (counted as larger than any)."""

    reported: float
    close: float = CLOSE
    loose: float = LOOSE
    censor: float | None = None
    unit: str = ""

    def judge(self, sample, against=None, seed: int = 0) -> Verdict:
        v = _values(sample, self.censor)
        med, lo, hi = median_interval(v)
        rl, rlo, rhi = (x / self.reported for x in (med, lo, hi))
        text = f"median {_fmt(med)}{self.unit} {_interval(lo, hi)}, {_fmt(rl, 3)}x the figure"
        if self.censor is not None and np.isinf(v).any():
            text += f"; {int(np.isinf(v).sum())} of {v.size} runs reached the cap"
        a, b = _log(rlo), _log(rhi)
        c, l_ = math.log(self.close), math.log(self.loose)
        if -c <= a and b <= c:
            return Verdict(REPRODUCES, "median / reported", rl, rlo, rhi, v.size, text)
        if a > l_ or b < -l_:
            return Verdict(DOES_NOT, "median / reported", rl, rlo, rhi, v.size, text)
        if -l_ <= a and b <= l_:  # within the loose band, not wholly within the close one
            return Verdict(PARTLY, "median / reported", rl, rlo, rhi, v.size, text)
        center = _log(rl)
        edge, bound = (b, l_) if b > l_ else (a, -l_)
        needed = _needed(v.size, center, edge, bound) if math.isfinite(edge) else _bounded_from(LEVEL)
        return Verdict(UNDECIDED, "median / reported", rl, rlo, rhi, v.size, text, seeds_needed=needed)

    def describe(self) -> str:
        return (f"a typical figure reproduces when the {LEVEL:.0%} interval of our median lies within a "
                f"factor {self.close:g} of it, partly within {self.loose:g}, and does not when it lies wholly "
                f"beyond {self.loose:g}")


@dataclass(frozen=True)
class Single(Rule):
    """One reported run (a single figure, not an average): where it falls among our seeds. Reproduces
    inside the central CENTRAL share of our seeds, partly inside their observed range, does not outside;
    undecided with fewer than MIN_SEEDS seeds."""

    reported: float
    censor: float | None = None
    unit: str = ""

    def judge(self, sample, against=None, seed: int = 0) -> Verdict:
        v = _values(sample, self.censor)
        below = float(np.mean(v < self.reported))
        with np.errstate(invalid="ignore"):  # capped runs are +inf
            lo, hi = np.percentile(v, [50 * (1 - CENTRAL), 50 * (1 + CENTRAL)])
        lo, hi = (float(np.nan_to_num(x, nan=np.inf)) for x in (lo, hi))
        text = (f"{tables.pct(below)} of seeds ended below it; central {CENTRAL:.0%} of seeds "
                f"{_interval(lo, hi)}{self.unit}")
        if self.censor is not None and np.isinf(v).any():
            text += f"; {int(np.isinf(v).sum())} of {v.size} runs reached the cap"
        if v.size < MIN_SEEDS:
            return _too_few(v.size, "share of seeds below", below, lo, hi, text)
        if lo <= self.reported <= hi:
            outcome = REPRODUCES
        elif v.min() <= self.reported <= v.max():
            outcome = PARTLY
        else:
            outcome = DOES_NOT
        return Verdict(outcome, "share of seeds below", below, float(lo), float(hi), v.size, text)

    def describe(self) -> str:
        return (f"a single reported run reproduces when it falls inside the central {CENTRAL:.0%} of our "
                f"seeds, partly inside their observed range, and does not outside it")


@dataclass(frozen=True)
class Bound(Rule):
    """"Below ``limit``" (side="below") or "above ``limit``": the median with its interval. Reproduces when
    the one-sided LEVEL bound of the median lies on the claimed side (for "below", the median is below the
    limit with confidence LEVEL), does not when the opposite bound lies on the other side, undecided
    otherwise (with few seeds the bound is unbounded, so undecided).
    ``exact=True`` for a deterministic quantity measured once (no seeds, the interval is the value)."""

    limit: float
    side: str = "below"
    exact: bool = False
    censor: float | None = None
    unit: str = ""

    def judge(self, sample, against=None, seed: int = 0) -> Verdict:
        v = _values(sample, self.censor)
        if self.exact:
            med = lo = hi = float(v[0])
            text = f"{_fmt(med)}{self.unit}"
        else:  # one-sided: only the side facing the bound matters
            med, lo, hi = median_interval(v, 1 - 2 * (1 - LEVEL))
            text = f"median {_fmt(med)}{self.unit}, one-sided bound {_fmt(hi if self.side == 'below' else lo)}"
        good_lo, good_hi = (lo, hi) if self.side == "below" else (-hi, -lo)
        limit = self.limit if self.side == "below" else -self.limit
        if good_hi < limit:
            return Verdict(REPRODUCES, "median", med, lo, hi, v.size, text)
        if good_lo >= limit:
            return Verdict(DOES_NOT, "median", med, lo, hi, v.size, text)
        edge = hi if med < self.limit else lo
        needed = (_needed(v.size, _log(med), _log(edge), _log(self.limit)) if math.isfinite(edge)
                  else _bounded_from(1 - 2 * (1 - LEVEL)))
        return Verdict(UNDECIDED, "median", med, lo, hi, v.size, text, seeds_needed=needed)

    def describe(self) -> str:
        return (f"a bound reproduces when the one-sided {LEVEL:.0%} confidence bound of our median lies on its "
                f"side of the bound and does not when the opposite bound lies on the other side")


@dataclass(frozen=True)
class Compare(Rule):
    """"X is lower (faster, smaller error) than Y": the ratio median(Y) / median(X) with its bootstrap
    interval (``against`` holds Y's values). Reproduces: the interval lies above SAME (a difference that
    matters); partly: above 1 but not above SAME; does not: below 1, or inside the equivalence band
    [1/SAME, SAME] (no difference that matters); undecided: anything else. ``higher=True`` for "X is larger"."""

    higher: bool = False
    censor: float | None = None

    def judge(self, sample, against=None, seed: int = 0) -> Verdict:
        if against is None:
            raise ValueError("a comparison needs the values of the configuration it compares against")
        x, y = _values(sample, self.censor), _values(against, self.censor)
        num, den = (x, y) if self.higher else (y, x)
        r, lo, hi = ratio_interval(num, den, seed)
        _, p = stats.mann_whitney(x, y)
        text = (f"median {_fmt(np.median(x))} vs {_fmt(np.median(y))}: {_fmt(r, 3)}x {_interval(lo, hi)}, "
                f"Mann-Whitney p = {tables.pvalue(p)}")
        if x.size < MIN_SEEDS:
            return replace(_too_few(x.size, "ratio of medians", r, lo, hi, text), p=p)
        if lo > SAME:
            outcome = REPRODUCES
        elif hi < 1 or (lo >= 1 / SAME and hi <= SAME):
            outcome = DOES_NOT
        elif lo > 1:
            outcome = PARTLY
        else:
            edge, bound = (lo, 1.0) if r > 1 else (hi, 1.0)
            return Verdict(UNDECIDED, "ratio of medians", r, lo, hi, x.size, text, p=p,
                           seeds_needed=_needed(x.size, _log(r), _log(edge), _log(bound)))
        return Verdict(outcome, "ratio of medians", r, lo, hi, x.size, text, p=p)

    def describe(self) -> str:
        return (f"a claim that one configuration beats another reproduces when the {LEVEL:.0%} bootstrap "
                f"interval of the ratio of their medians lies beyond {SAME:g}, partly when it lies beyond 1, "
                f"and does not when it lies on the wrong side of 1 or inside [{1 / SAME:g}, {SAME:g}]")


@dataclass(frozen=True)
class Same(Rule):
    """"X is the same as Y": equivalence, never a non-significant test. The ratio median(X) / median(Y)
    with its bootstrap interval: reproduces inside [1/SAME, SAME], does not when the interval lies wholly
    outside it, undecided when it straddles an edge."""

    bound: float = SAME

    def judge(self, sample, against=None, seed: int = 0) -> Verdict:
        if against is None:
            raise ValueError("a 'same as' claim needs the values of the configuration it is compared with")
        x, y = _values(sample), _values(against)
        r, lo, hi = ratio_interval(x, y, seed)
        text = f"median {_fmt(np.median(x))} vs {_fmt(np.median(y))}: {_fmt(r, 3)}x {_interval(lo, hi)}"
        if x.size < MIN_SEEDS:
            return _too_few(x.size, "ratio of medians", r, lo, hi, text)
        a, b, c = _log(lo), _log(hi), math.log(self.bound)
        if -c <= a and b <= c:
            return Verdict(REPRODUCES, "ratio of medians", r, lo, hi, x.size, text)
        if a > c or b < -c:
            return Verdict(DOES_NOT, "ratio of medians", r, lo, hi, x.size, text)
        edge, bound = (b, c) if b > c else (a, -c)
        return Verdict(UNDECIDED, "ratio of medians", r, lo, hi, x.size, text,
                       seeds_needed=_needed(x.size, _log(r), edge, bound))

    def describe(self) -> str:
        return (f"a claim that two configurations give the same result reproduces when the {LEVEL:.0%} "
                f"bootstrap interval of the ratio of their medians lies inside [{1 / self.bound:g}, "
                f"{self.bound:g}], and does not when it lies wholly outside")


@dataclass(frozen=True)
class SameRuns(Rule):
    """"X is the same as Y" judged run by run, for outcomes that split into modes (some seeds collapse, the
    others train), where a median jumps between modes and its interval spans both. A run of X gives the
    same result when its value lies within [1/bound, bound] times Y's median; the claim is then a rate: it
    reproduces when the Wilson interval of the share of such runs lies above one half and the share reaches
    MOSTLY, partly above one half, does not when the interval lies below one half; undecided otherwise or
    with fewer than MIN_SEEDS seeds. The evidence says how many runs fall below and above the band."""

    bound: float = SAME

    def judge(self, sample, against=None, seed: int = 0) -> Verdict:
        if against is None:
            raise ValueError("a 'same as' claim needs the values of the configuration it is compared with")
        x, ref = _values(sample), float(np.median(_values(against)))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = x / ref
        below, above = int(np.sum(ratio < 1 / self.bound)), int(np.sum(~(ratio <= self.bound)))
        inside = x.size - below - above
        r = stats.failure_rate(~((ratio >= 1 / self.bound) & (ratio <= self.bound)))
        text = (f"{inside} of {x.size} runs within a factor {self.bound:g} of {_fmt(ref)} "
                f"({tables.pct(1 - r.rate)} {tables.interval(1 - r.high, 1 - r.low)}); {below} below, {above} above")
        share, lo, hi = 1 - r.rate, 1 - r.high, 1 - r.low
        if x.size < MIN_SEEDS:
            return _too_few(x.size, "share of runs the same", share, lo, hi, text)
        if lo > 0.5:
            outcome = REPRODUCES if share >= MOSTLY else PARTLY
        elif hi < 0.5:
            outcome = DOES_NOT
        else:
            return Verdict(UNDECIDED, "share of runs the same", share, lo, hi, x.size, text,
                           seeds_needed=RateRule._needed(r.failures, r.n))
        return Verdict(outcome, "share of runs the same", share, lo, hi, x.size, text)

    def describe(self) -> str:
        return (f"a claim that a configuration gives the same result as another, where runs split into modes, "
                f"is judged run by run: a run is the same when it lies within a factor {self.bound:g} of the "
                f"other's median; the claim reproduces when the {LEVEL:.0%} Wilson interval of the share of such "
                f"runs lies above one half and the share reaches {MOSTLY:.0%}, and does not when the interval "
                f"lies below one half")


@dataclass(frozen=True)
class Check(Rule):
    """A deterministic fact computed once (a formula, a gradient check): ``sample`` is a bool (or a
    sequence of bools that must all hold), ``evidence`` says what was computed."""

    def judge(self, sample, against=None, seed: int = 0, evidence: str = "") -> Verdict:
        ok = bool(np.all(np.asarray(sample, bool)))
        return Verdict(REPRODUCES if ok else DOES_NOT, "check", float(ok), float(ok), float(ok), 1, evidence)

    def describe(self) -> str:
        return "a computed fact reproduces when the computation confirms it"


# ------------------------------------------------------------------------------------------- claims
@dataclass(frozen=True)
class Claim:
    id: str  # glue key suffix: verdict__<id>
    who: str  # post | answer | comment | article
    quote: str  # a short attributed phrase of the source (a quotation, may hold the source's own numbers)
    says: str  # what the claim asserts, in our words
    config: str  # the configuration it is about
    rule: Rule
    against: str | None = None  # the configuration it contrasts with, if any

    def judge(self, sample, against=None, evidence: str | None = None) -> Verdict:
        """The verdict on this claim; ``sample`` and ``against`` as the rule takes them."""
        seed = zlib.crc32(self.id.encode())
        if isinstance(self.rule, Check):
            v = self.rule.judge(sample, evidence=evidence or "")
        else:
            v = self.rule.judge(sample, against, seed=seed)
            if evidence:
                v = replace(v, evidence=f"{evidence}; {v.evidence}")
        return replace(v, claim=self)


def undecided(claim: Claim, reason: str) -> Verdict:
    """A verdict the evidence at hand cannot give at all (e.g. the run was shorter than the claim needs)."""
    return Verdict(UNDECIDED, "none", math.nan, math.nan, math.nan, 0, reason, claim=claim)


def count(verdicts: Sequence[Verdict]) -> dict[str, int]:
    """How many claims, and how many of each outcome."""
    return dict(n_claims=len(verdicts), n_reproduced=sum(v.outcome == REPRODUCES for v in verdicts),
                n_partly=sum(v.outcome == PARTLY for v in verdicts),
                n_not_reproduced=sum(v.outcome == DOES_NOT for v in verdicts),
                n_undecided=sum(v.outcome == UNDECIDED for v in verdicts))


def _outcome_text(v: Verdict) -> str:
    if v.outcome != UNDECIDED:
        return f"**{v.outcome}**"
    more = (f"about {v.seeds_needed:,} seeds would decide it" if v.seeds_needed
            else "more seeds at this rate would not decide it")
    return f"**undecided** ({more})"


TABLE_COLUMNS = [
    ("source", lambda v: v.claim.who),
    ("claim", lambda v: f"“{v.claim.quote}”: {v.claim.says}"),
    ("configuration", lambda v: v.claim.config + (f" (against {v.claim.against})" if v.claim.against else "")),
    ("our evidence", lambda v: v.evidence),
    ("verdict", _outcome_text),
]


def table(verdicts: Sequence[Verdict]):
    """The chapter's claims table (an IPython Markdown table)."""
    return tables.markdown(verdicts, TABLE_COLUMNS)


def glue_verdicts(verdicts: Sequence[Verdict], glue: Callable) -> None:
    """Glue each verdict (verdict__<id>, and its value/low/high/p) and the counts."""
    for v in verdicts:
        k = v.claim.id
        glue(f"verdict__{k}", v.outcome)
        for f in ("value", "low", "high", "p"):
            glue(f"verdict__{k}__{f}", float(getattr(v, f)))
        glue(f"verdict__{k}__n", v.n)
    for k, n in count(verdicts).items():
        glue(k, n)


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
    lines.append(f"- A verdict is **undecided** when its interval straddles a boundary, or when a rate, a single "
                 f"reported run or a comparison rests on fewer than {MIN_SEEDS} seeds; the table then says how "
                 f"many seeds would likely decide it.")
    return Markdown("\n".join(lines))


def _fmt(x: float, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return tables.num(float(x), digits)


def _interval(lo: float, hi: float) -> str:
    return f"[{_fmt(lo)}, {_fmt(hi)}]"
