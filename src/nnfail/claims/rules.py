"""The rules that turn a claim from a post into a verdict (rendering lives in :mod:`nnfail.claims.table`).

A :class:`Claim` records who made it (post, answer, comment, article) with a short attributed quote, what it
asserts in our words, the configuration it is about, and the :class:`Rule` that decides it. A rule judges
the claim on the runs of that configuration (one value per seed) and returns a :class:`Verdict`: the
statistic, its interval, the evidence in words and one of these outcomes:

- **reproduces**, **partly reproduces**, **does not reproduce**: the interval lies wholly inside the
  region of that outcome;
- **undecided**: the interval straddles a boundary, or a rate, a typical figure, a single-run figure or a
  comparison rests on fewer than :data:`MIN_SEEDS` seeds (a bound, judged one-sided on the median, accounts
  for its own sample size). An undecided verdict says what would decide it (:attr:`Verdict.decides`): about
  how many seeds (the interval shrinks as one over the square root of the seeds), a longer budget (runs
  stopped at a cap leave the interval open), or another setting; and, when the current estimate could at
  best give "partly" or "does not", it says so (:attr:`Verdict.best`);
- **depends on <setting>**: the claim leaves a setting open (:class:`Open`: a learning-rate start, "15-20
  neurons", a number of epochs), was judged at every value of a plausible range, and the verdict changes
  inside that range; :attr:`Verdict.boundary` says between which tried values.

A :class:`Check` is a computed fact (a formula, a gradient check, an identity of the data), not evidence
from runs: its verdicts are tallied apart (:func:`count`), so a tautology never counts as a reproduction.

A non-significant difference is never read as sameness: a "same as" claim reproduces only when the
interval of the ratio lies inside the equivalence band ``[1/SAME, SAME]``.

Evidence reaches the rules through one loop, :func:`judge_all`, over a mapping claim id -> evidence (an
:class:`Evidence`, a ``(sample, against[, text])`` tuple, a bare sample, or :class:`Unavailable`). An open
claim's evidence is a mapping point -> evidence, one entry per point of :meth:`Claim.points`;
:func:`by_point` builds it from the per-member values of one engine call that trained every point's members
side by side.

The thresholds are the named constants below; chapters glue them (``glue_thresholds``) and show the
rules in words (``rules_text``), so no threshold is typed in a chapter's prose.
"""
from __future__ import annotations

import itertools
import math
import zlib
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from scipy import stats as sps

from nnfail import stats, tables

REPRODUCES, PARTLY, DOES_NOT = "reproduces", "partly reproduces", "does not reproduce"
UNDECIDED = "undecided"
DEPENDS = "depends on"  # an open claim whose verdict changes inside its range (the label names the setting)
OUTCOMES = (REPRODUCES, PARTLY, DOES_NOT, UNDECIDED, DEPENDS)

LEVEL = 0.95  # level of every interval (Wilson for rates, order statistics for medians, bootstrap for ratios)
ALPHA = 0.05  # significance level of a contrast (Fisher's exact test, Mann-Whitney U)
MOSTLY = 0.8  # a "fails"/"works" claim reproduces fully when at least this share of seeds fails/works
CLOSE = 1.25  # a reported typical figure reproduces when the median's interval lies within this factor of it
LOOSE = 2.0  # ... partly within this factor; does not when the interval lies wholly beyond it
SAME = 1.25  # "the same": the ratio of medians lies within [1/SAME, SAME]; also the smallest effect that counts
CENTRAL = 0.9  # a single reported run reproduces inside the central share of our seeds
MIN_SEEDS = 20  # fewer seeds than this never decide a rate, a typical value, a single run or a comparison
MAX_SEEDS = 100_000  # beyond this, "how many seeds would decide it" is reported as out of reach
N_BOOT = 2000  # bootstrap resamples of a ratio of medians

THRESHOLDS = dict(level=LEVEL, alpha=ALPHA, mostly=MOSTLY, close=CLOSE, loose=LOOSE, same=SAME,
                  central=CENTRAL, min_seeds=MIN_SEEDS)

_VERB = {REPRODUCES: "reproduce", PARTLY: "partly reproduce", DOES_NOT: "not reproduce"}


# ------------------------------------------------------------------------------------------- verdicts
@dataclass(frozen=True)
class Boundary:
    """Where an open claim's verdict changes: between two neighbouring tried values of one setting (the
    undecided values between them skipped), with the other settings held at ``at``."""

    setting: str
    below: str  # the tried value on one side, as text
    above: str  # ... and on the other
    outcome_below: str
    outcome_above: str
    at: str = ""  # the other settings' values along this line, as text ("" with one open setting)

    def text(self) -> str:
        where = f" (at {self.at})" if self.at else ""
        return (f"{self.setting} between {self.below} ({self.outcome_below}) and {self.above} "
                f"({self.outcome_above}){where}")


@dataclass(frozen=True)
class Verdict:
    outcome: str
    statistic: str  # what was measured, e.g. "failure rate", "median / reported"
    value: float
    low: float  # interval of the statistic (LEVEL)
    high: float
    n: int  # seeds of the claim's configuration (summed over the points of an open claim)
    evidence: str  # the numbers in words
    seeds_needed: int | None = None  # for an undecided verdict: seeds that would likely decide it
    p: float = math.nan  # p-value of a contrast, where the rule has one
    claim: "Claim | None" = None
    decides: str = ""  # for an undecided verdict: what would decide it, in words
    best: str = ""  # the outcome the current estimate would give with its interval shrunk to a point
    setting: str = ""  # for "depends on": the open setting(s) the verdict changes with
    boundary: tuple[Boundary, ...] = ()  # for "depends on": where it changes
    points: tuple = ()  # for an open claim: ((point, Verdict), ...) in the order of Claim.points()

    @property
    def is_check(self) -> bool:
        """A computed fact, not a verdict on evidence from runs."""
        return self.claim is not None and isinstance(self.claim.rule, Check)

    @property
    def label(self) -> str:
        """The outcome as the prose says it: "depends on <setting>" names the setting."""
        return f"{DEPENDS} {self.setting}" if self.outcome == DEPENDS else self.outcome

    def boundary_text(self) -> str:
        return "; ".join(b.text() for b in self.boundary)

    def row(self) -> dict:
        """A flat dict for tables and glue."""
        c = self.claim
        return dict(id=c.id if c else "", who=c.who if c else "", quote=c.quote if c else "",
                    says=c.says if c else "", config=c.config if c else "", verdict=self.outcome,
                    label=self.label, statistic=self.statistic, value=self.value, low=self.low,
                    high=self.high, n=self.n, evidence=self.evidence, seeds_needed=self.seeds_needed, p=self.p,
                    decides=self.decides, best=self.best, check=self.is_check, setting=self.setting,
                    boundary=self.boundary_text())


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


def _decides(n: int, seeds_needed: int | None, best: str, capped: int = 0, diverged: int = 0,
             open_end: bool = False, too_few: int | None = None) -> str:
    """What would decide an undecided verdict, in words: at least MIN_SEEDS seeds (``too_few``: the smaller
    sample's size), a longer budget (capped runs leave the interval open, ``open_end``), about
    ``seeds_needed`` seeds, or, when more seeds at this estimate would not, a longer budget or another
    setting; then the best outcome the current estimate allows when that is less than "reproduces"."""
    if too_few is not None:
        what = f"at least {MIN_SEEDS} seeds would let the rule decide (it has {too_few})"
    elif open_end and capped:
        what = f"a longer budget would decide it ({capped} of {n} runs reached the cap, so the interval is open)"
    elif open_end and diverged:
        what = (f"more seeds would not decide it ({diverged} of {n} runs diverged, so the interval is open): "
                f"another setting would")
    elif seeds_needed:
        what = f"about {seeds_needed:,} seeds would decide it"
    else:
        what = ("more seeds at this estimate would not decide it (it sits on a boundary): a longer budget or "
                "another setting might")
    if best in (PARTLY, DOES_NOT):
        what += f"; at its current estimate it could at best {_VERB[best]}"
    return what


def _undecided(statistic: str, value: float, low: float, high: float, n: int, text: str, *, best: str,
               seeds_needed: int | None = None, p: float = math.nan, capped: int = 0, diverged: int = 0,
               open_end: bool = False) -> Verdict:
    return Verdict(UNDECIDED, statistic, value, low, high, n, text, seeds_needed=seeds_needed, p=p, best=best,
                   decides=_decides(n, seeds_needed, best, capped, diverged, open_end))


def _too_few(n: int, statistic: str, value: float, low: float, high: float, text: str, best: str,
             p: float = math.nan, what: str = "seeds") -> Verdict:
    return Verdict(UNDECIDED, statistic, value, low, high, n,
                   f"{text}; only {n} {what} (at least {MIN_SEEDS} decide)", seeds_needed=MIN_SEEDS, p=p,
                   best=best, decides=_decides(n, MIN_SEEDS, best, too_few=n))


def _values(sample, censor: float | None = None) -> np.ndarray:
    """Per-seed values as floats; NaN (a diverged run) and values at or beyond ``censor`` (a run stopped at
    an iteration cap, whose true value is larger) become +inf, the worst outcome."""
    v = np.asarray(sample, float).ravel()
    v = np.where(np.isnan(v), np.inf, v)
    if censor is not None:
        v = np.where(v >= censor, np.inf, v)
    return v


def _lost(sample, censor: float | None) -> tuple[int, int]:
    """(runs that reached the cap, runs that diverged) of a sample."""
    v = np.asarray(sample, float).ravel()
    diverged = int(np.isnan(v).sum())
    capped = int((v[~np.isnan(v)] >= censor).sum()) if censor is not None else 0
    return capped, diverged


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
    q = [50 * (1 - level), 50 * (1 + level)]
    # with a side beyond the cap some ratios are infinite: interpolating between an infinite and a finite
    # ratio gives NaN, so take the order statistic itself there (finite samples keep the usual percentile)
    lo, hi = np.percentile(r, q, method="inverted_cdf") if np.isinf(r).any() else np.percentile(r, q)
    return (point, float(lo), float(hi))


def _both_unknown(x: np.ndarray, y: np.ndarray, statistic: str, text: str, sample, against,
                  censor: float | None) -> Verdict | None:
    """When more than half the runs on both sides reached the cap or diverged, neither median is known and
    their ratio is undefined (not a number to compare with a band): undecided, saying what would decide."""
    if not (np.median(x) == np.inf and np.median(y) == np.inf):
        return None
    capped = sum(_lost(s, censor)[0] for s in (sample, against))
    diverged = sum(_lost(s, censor)[1] for s in (sample, against))
    text = f"{text}; more than half the runs of both reached the cap or diverged, so neither median is known"
    return _undecided(statistic, math.nan, math.nan, math.nan, x.size, text, best=UNDECIDED, capped=capped,
                      diverged=diverged, open_end=True)


def _log(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


def _share_ceiling(share: float, contrast_right_way: bool = True) -> str:
    """The best outcome of a share-on-the-claimed-side rule at its current estimate."""
    if share > 0.5:
        return REPRODUCES if share >= MOSTLY and contrast_right_way else PARTLY
    return DOES_NOT if share < 0.5 else UNDECIDED


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
        contrast_ok = right_way = True
        if against is not None:
            o = stats.failure_rate(np.asarray(against, bool).ravel())
            p = stats.fisher_exact(r.failures, r.n, o.failures, o.n)
            right_way = r.rate > o.rate if self.kind == "fails" else r.rate < o.rate
            contrast_ok = p < ALPHA and right_way
            text += f"; against {tables.pct(o.rate)} of {o.n}, p = {tables.pvalue(p)}"
        sign = 1 if self.kind == "fails" else -1  # claimed side: rate above 1/2 for "fails"
        lo, hi = (r.low, r.high) if sign == 1 else (1 - r.high, 1 - r.low)  # as a share on the claimed side
        share = r.rate if sign == 1 else 1 - r.rate
        best = _share_ceiling(share, right_way)
        if r.n < MIN_SEEDS:
            return _too_few(r.n, "failure rate", r.rate, r.low, r.high, text, best, p=p)
        if lo > 0.5:
            outcome = REPRODUCES if share >= MOSTLY and contrast_ok else PARTLY
            return Verdict(outcome, "failure rate", r.rate, r.low, r.high, r.n, text, p=p, best=best)
        if hi < 0.5:
            return Verdict(DOES_NOT, "failure rate", r.rate, r.low, r.high, r.n, text, p=p, best=best)
        return _undecided("failure rate", r.rate, r.low, r.high, r.n, text, best=best, p=p,
                          seeds_needed=self._needed(r.failures, r.n))

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
    figure; partly: within ``loose``; does not: wholly beyond ``loose``; undecided: anything else, or fewer
    than MIN_SEEDS seeds.
    ``censor``: values at or beyond it are runs stopped at a cap (counted as larger than any)."""

    reported: float
    close: float = CLOSE
    loose: float = LOOSE
    censor: float | None = None
    unit: str = ""

    def judge(self, sample, against=None, seed: int = 0) -> Verdict:
        v = _values(sample, self.censor)
        capped, diverged = _lost(sample, self.censor)
        med, lo, hi = median_interval(v)
        rl, rlo, rhi = (x / self.reported for x in (med, lo, hi))
        text = f"median {_fmt(med)}{self.unit} {_interval(lo, hi)}, {_fmt(rl, 3)}x the figure"
        if capped:
            text += f"; {capped} of {v.size} runs reached the cap"
        a, b = _log(rlo), _log(rhi)
        c, l_ = math.log(self.close), math.log(self.loose)
        center = _log(rl)
        best = REPRODUCES if abs(center) <= c else PARTLY if abs(center) <= l_ else DOES_NOT
        if v.size < MIN_SEEDS:
            return _too_few(v.size, "median / reported", rl, rlo, rhi, text, best)
        if -c <= a and b <= c:
            return Verdict(REPRODUCES, "median / reported", rl, rlo, rhi, v.size, text, best=best)
        if a > l_ or b < -l_:
            return Verdict(DOES_NOT, "median / reported", rl, rlo, rhi, v.size, text, best=best)
        if -l_ <= a and b <= l_:  # within the loose band, not wholly within the close one
            return Verdict(PARTLY, "median / reported", rl, rlo, rhi, v.size, text, best=best)
        edge, bound = (b, l_) if b > l_ else (a, -l_)
        open_end = not math.isfinite(edge)
        needed = None if open_end else _needed(v.size, center, edge, bound)
        return _undecided("median / reported", rl, rlo, rhi, v.size, text, best=best, seeds_needed=needed,
                          capped=capped, diverged=diverged, open_end=open_end)

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
        capped, _ = _lost(sample, self.censor)
        below = float(np.mean(v < self.reported))
        with np.errstate(invalid="ignore"):  # capped runs are +inf
            lo, hi = np.percentile(v, [50 * (1 - CENTRAL), 50 * (1 + CENTRAL)])
        lo, hi = (float(np.nan_to_num(x, nan=np.inf)) for x in (lo, hi))
        text = (f"{tables.pct(below)} of seeds ended below it; central {CENTRAL:.0%} of seeds "
                f"{_interval(lo, hi)}{self.unit}")
        if capped:
            text += f"; {capped} of {v.size} runs reached the cap"
        if lo <= self.reported <= hi:
            outcome = REPRODUCES
        elif v.min() <= self.reported <= v.max():
            outcome = PARTLY
        else:
            outcome = DOES_NOT
        if v.size < MIN_SEEDS:
            return _too_few(v.size, "share of seeds below", below, lo, hi, text, outcome)
        return Verdict(outcome, "share of seeds below", below, float(lo), float(hi), v.size, text, best=outcome)

    def describe(self) -> str:
        return (f"a single reported run reproduces when it falls inside the central {CENTRAL:.0%} of our "
                f"seeds, partly inside their observed range, and does not outside it")


@dataclass(frozen=True)
class Bound(Rule):
    """"Below ``limit``" (side="below") or "above ``limit``": the median with its interval. Reproduces when
    the one-sided LEVEL bound of the median lies on the claimed side (for "below", the median is below the
    limit with confidence LEVEL), does not when the opposite bound lies on the other side, undecided
    otherwise. MIN_SEEDS does not apply: the one-sided order-statistic bound accounts for its own sample size
    (with four seeds or fewer it is unbounded, so undecided).
    ``exact=True`` for a deterministic quantity measured once (no seeds, the interval is the value)."""

    limit: float
    side: str = "below"
    exact: bool = False
    censor: float | None = None
    unit: str = ""

    def judge(self, sample, against=None, seed: int = 0) -> Verdict:
        v = _values(sample, self.censor)
        capped, diverged = _lost(sample, self.censor)
        if self.exact:
            med = lo = hi = float(v[0])
            text = f"{_fmt(med)}{self.unit}"
        else:  # one-sided: only the side facing the bound matters
            med, lo, hi = median_interval(v, 1 - 2 * (1 - LEVEL))
            text = f"median {_fmt(med)}{self.unit}, one-sided bound {_fmt(hi if self.side == 'below' else lo)}"
        good_lo, good_hi = (lo, hi) if self.side == "below" else (-hi, -lo)
        limit = self.limit if self.side == "below" else -self.limit
        best = REPRODUCES if (med < self.limit if self.side == "below" else med > self.limit) else DOES_NOT
        if good_hi < limit:
            return Verdict(REPRODUCES, "median", med, lo, hi, v.size, text, best=best)
        if good_lo >= limit:
            return Verdict(DOES_NOT, "median", med, lo, hi, v.size, text, best=best)
        edge = hi if med < self.limit else lo
        if math.isfinite(edge):
            needed = _needed(v.size, _log(med), _log(edge), _log(self.limit))
        elif capped or diverged:  # lost runs, not too few seeds, leave the interval open
            return _undecided("median", med, lo, hi, v.size, text, best=best, capped=capped, diverged=diverged,
                              open_end=True)
        else:
            needed = _bounded_from(1 - 2 * (1 - LEVEL))
        return _undecided("median", med, lo, hi, v.size, text, best=best, seeds_needed=needed)

    def describe(self) -> str:
        return (f"a bound reproduces when the one-sided {LEVEL:.0%} confidence bound of our median lies on its "
                f"side of the bound and does not when the opposite bound lies on the other side")


@dataclass(frozen=True)
class Compare(Rule):
    """"X is lower (faster, smaller error) than Y": the ratio median(Y) / median(X) with its bootstrap
    interval (``against`` holds Y's values). Reproduces: the interval lies above SAME (a difference that
    matters); partly: above 1 but not above SAME; does not: below 1, or inside the equivalence band
    [1/SAME, SAME] (no difference that matters); undecided: anything else, or fewer than MIN_SEEDS seeds on
    either side. ``higher=True`` for "X is larger"."""

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
        best = REPRODUCES if r > SAME else UNDECIDED if math.isnan(r) else DOES_NOT
        unknown = _both_unknown(x, y, "ratio of medians", text, sample, against, self.censor)
        if min(x.size, y.size) < MIN_SEEDS:
            what = "seeds" if x.size < MIN_SEEDS else "seeds in the configuration it is compared with"
            return _too_few(min(x.size, y.size), "ratio of medians", r, lo, hi, text, best, p=p, what=what)
        if unknown is not None:
            return replace(unknown, p=p)
        if lo > SAME:
            outcome = REPRODUCES
        elif hi < 1 or (lo >= 1 / SAME and hi <= SAME):
            outcome = DOES_NOT
        elif lo > 1:
            outcome = PARTLY
        else:
            edge, bound = (lo, 1.0) if r > 1 else (hi, 1.0)
            capped = sum(_lost(s, self.censor)[0] for s in (sample, against))
            open_end = not math.isfinite(_log(edge))
            return _undecided("ratio of medians", r, lo, hi, x.size, text, best=best, p=p, capped=capped,
                              open_end=open_end and capped > 0,
                              seeds_needed=_needed(x.size, _log(r), _log(edge), _log(bound)))
        return Verdict(outcome, "ratio of medians", r, lo, hi, x.size, text, p=p, best=best)

    def describe(self) -> str:
        return (f"a claim that one configuration beats another reproduces when the {LEVEL:.0%} bootstrap "
                f"interval of the ratio of their medians lies beyond {SAME:g}, partly when it lies beyond 1, "
                f"and does not when it lies on the wrong side of 1 or inside [{1 / SAME:g}, {SAME:g}]")


@dataclass(frozen=True)
class Same(Rule):
    """"X is the same as Y": equivalence, never a non-significant test. The ratio median(X) / median(Y)
    with its bootstrap interval: reproduces inside [1/SAME, SAME], does not when the interval lies wholly
    outside it, undecided when it straddles an edge or with fewer than MIN_SEEDS seeds on either side."""

    bound: float = SAME

    def judge(self, sample, against=None, seed: int = 0) -> Verdict:
        if against is None:
            raise ValueError("a 'same as' claim needs the values of the configuration it is compared with")
        x, y = _values(sample), _values(against)
        r, lo, hi = ratio_interval(x, y, seed)
        text = f"median {_fmt(np.median(x))} vs {_fmt(np.median(y))}: {_fmt(r, 3)}x {_interval(lo, hi)}"
        c = math.log(self.bound)
        best = REPRODUCES if abs(_log(r)) <= c else DOES_NOT
        if min(x.size, y.size) < MIN_SEEDS:
            what = "seeds" if x.size < MIN_SEEDS else "seeds in the configuration it is compared with"
            return _too_few(min(x.size, y.size), "ratio of medians", r, lo, hi, text, best, what=what)
        unknown = _both_unknown(x, y, "ratio of medians", text, sample, against, None)
        if unknown is not None:
            return unknown
        a, b = _log(lo), _log(hi)
        if -c <= a and b <= c:
            return Verdict(REPRODUCES, "ratio of medians", r, lo, hi, x.size, text, best=best)
        if a > c or b < -c:
            return Verdict(DOES_NOT, "ratio of medians", r, lo, hi, x.size, text, best=best)
        edge, bound = (b, c) if b > c else (a, -c)
        return _undecided("ratio of medians", r, lo, hi, x.size, text, best=best,
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
    with fewer than MIN_SEEDS seeds of X (Y's median is the reference point, not a sample the rule judges).
    The evidence says how many runs fall below and above the band."""

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
        best = _share_ceiling(share)
        if x.size < MIN_SEEDS:
            return _too_few(x.size, "share of runs the same", share, lo, hi, text, best)
        if lo > 0.5:
            outcome = REPRODUCES if share >= MOSTLY else PARTLY
        elif hi < 0.5:
            outcome = DOES_NOT
        else:
            return _undecided("share of runs the same", share, lo, hi, x.size, text, best=best,
                              seeds_needed=RateRule._needed(r.failures, r.n))
        return Verdict(outcome, "share of runs the same", share, lo, hi, x.size, text, best=best)

    def describe(self) -> str:
        return (f"a claim that a configuration gives the same result as another, where runs split into modes, "
                f"is judged run by run: a run is the same when it lies within a factor {self.bound:g} of the "
                f"other's median; the claim reproduces when the {LEVEL:.0%} Wilson interval of the share of such "
                f"runs lies above one half and the share reaches {MOSTLY:.0%}, and does not when the interval "
                f"lies below one half")


@dataclass(frozen=True)
class Check(Rule):
    """A deterministic fact computed once (a formula, a gradient check): ``sample`` is a bool (or a
    sequence of bools that must all hold), ``evidence`` says what was computed. Its verdict is a check, not
    a reproduction: :func:`count` tallies checks apart and the table says "holds"/"does not hold"."""

    def judge(self, sample, against=None, seed: int = 0, evidence: str = "") -> Verdict:
        ok = bool(np.all(np.asarray(sample, bool)))
        outcome = REPRODUCES if ok else DOES_NOT
        return Verdict(outcome, "check", float(ok), float(ok), float(ok), 1, evidence, best=outcome)

    def describe(self) -> str:
        return ("a computed fact (a check) holds when the computation confirms it; checks are counted apart "
                "from the claims judged on runs")


# ------------------------------------------------------------------------------------------- evidence
@dataclass(frozen=True)
class Evidence:
    """What one claim (or one point of an open claim) is judged on: the rule's ``sample`` (one value per
    seed, or the bools of a check), the ``against`` sample of a contrast, and words put before the rule's own
    (for a check, the words saying what was computed)."""

    sample: Any
    against: Any = None
    text: str | None = None


@dataclass(frozen=True)
class Unavailable:
    """Evidence that cannot be had from this run (e.g. its runs stop before the claim's iteration): the
    verdict is undecided with ``reason`` as its evidence and ``decides`` as what would decide it."""

    reason: str
    decides: str = ""


def _as_evidence(x) -> Evidence | Unavailable:
    """Evidence from what a chapter hands over: an Evidence or Unavailable as is, a tuple as
    ``(sample, against[, text])``, anything else as a bare sample."""
    if isinstance(x, (Evidence, Unavailable)):
        return x
    if isinstance(x, tuple):
        if not 1 <= len(x) <= 3:
            raise ValueError(f"evidence as a tuple is (sample, against[, text]), got {len(x)} items")
        return Evidence(*x)
    return Evidence(x)


# ------------------------------------------------------------------------------------------- claims
def _hashable(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (list, tuple, np.ndarray)):
        return tuple(_hashable(x) for x in v)
    return v


def _value_text(v) -> str:
    if isinstance(v, tuple):
        return "[" + ", ".join(_value_text(x) for x in v) + "]"
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    return f"{v:,}" if isinstance(v, int) else f"{v:g}"


@dataclass(frozen=True)
class Open:
    """A setting a claim leaves open, with the range a careful reader would call plausible: ``values`` in
    order along the range (numbers, or labels such as layer widths), and ``quote``, the source's words that
    leave it open or justify the range (``who`` when those words are not the claim's own source's)."""

    setting: str  # e.g. "initial learning rate", "hidden layers", "outer epochs"
    values: tuple
    quote: str
    who: str = ""
    unit: str = ""

    def __post_init__(self):
        values = tuple(_hashable(v) for v in self.values)
        if not values:
            raise ValueError(f"open setting {self.setting!r}: no values to try")
        if len(set(values)) != len(values):
            raise ValueError(f"open setting {self.setting!r}: values repeat: {values}")
        if not self.quote.strip():
            raise ValueError(f"open setting {self.setting!r}: give the source's words that justify the range")
        object.__setattr__(self, "values", values)

    def text(self, value) -> str:
        return _value_text(_hashable(value)) + self.unit

    def range_text(self) -> str:
        return ", ".join(self.text(v) for v in self.values)


@dataclass(frozen=True)
class Claim:
    id: str  # glue key suffix: verdict__<id>
    who: str  # post | answer | comment | article
    quote: str  # a short attributed phrase of the source (a quotation, may hold the source's own numbers)
    says: str  # what the claim asserts, in our words
    config: str  # the configuration it is about
    rule: Rule
    against: str | None = None  # the configuration it contrasts with, if any
    open: tuple[Open, ...] = ()  # settings the claim leaves open: judged at every point of their grid

    def __post_init__(self):
        opens = (self.open,) if isinstance(self.open, Open) else tuple(self.open)
        names = [o.setting for o in opens]
        if len(set(names)) != len(names):
            raise ValueError(f"claim {self.id!r}: an open setting is named twice: {names}")
        object.__setattr__(self, "open", opens)

    # ---------------------------------------------------------------- the grid of an open claim
    def points(self) -> list[tuple]:
        """Every combination of the open settings' values (one tuple per point, settings in the order of
        ``open``, the last varying fastest); ``[()]`` for a claim with nothing open."""
        return list(itertools.product(*(o.values for o in self.open)))

    def grid(self) -> list[dict]:
        """The points as {setting: value} dicts, in the order of :meth:`points` (to build configurations)."""
        return [dict(zip((o.setting for o in self.open), p)) for p in self.points()]

    def point_text(self, point: tuple) -> str:
        return ", ".join(f"{o.setting} {o.text(v)}" for o, v in zip(self.open, point))

    def _point_of(self, key) -> tuple:
        """The point a mapping key names: a tuple of values, or, with one open setting, the value itself."""
        k = _hashable(key)
        pts = self.points()
        if len(self.open) == 1 and (k,) in pts and not (isinstance(k, tuple) and k in pts):
            return (k,)
        if isinstance(k, tuple) and k in pts:
            return k
        raise ValueError(f"claim {self.id!r}: {key!r} is not a point of its range "
                         f"({'; '.join(self.point_text(p) for p in pts)})")

    # ---------------------------------------------------------------- judging
    def judge(self, sample, against=None, evidence: str | None = None) -> Verdict:
        """The verdict on this claim. A closed claim: ``sample`` and ``against`` as the rule takes them,
        ``evidence`` words put before the rule's. An open claim: ``sample`` is a mapping point -> evidence
        (see :meth:`judge_evidence`)."""
        if self.open:
            if against is not None or evidence is not None:
                raise ValueError(f"claim {self.id!r} is open: pass one mapping point -> evidence")
            return self.judge_evidence(sample)
        return self.judge_evidence(Evidence(sample, against, evidence))

    def judge_evidence(self, evidence) -> Verdict:
        """The verdict from evidence as :func:`judge_all` takes it: for a closed claim an Evidence, a tuple
        ``(sample, against[, text])``, a bare sample or Unavailable; for an open claim a mapping from each
        point of :meth:`points` (a tuple of values, or the value itself with one open setting) to such
        evidence."""
        if not self.open:
            return self._judge_one(_as_evidence(evidence))
        if not isinstance(evidence, Mapping):
            raise ValueError(f"claim {self.id!r} leaves {', '.join(o.setting for o in self.open)} open: its "
                             f"evidence must map each point to its evidence, got {type(evidence).__name__}")
        given = {}
        for k, ev in evidence.items():
            p = self._point_of(k)
            if p in given:
                raise ValueError(f"claim {self.id!r}: evidence for {self.point_text(p)} given twice")
            given[p] = ev
        missing = [self.point_text(p) for p in self.points() if p not in given]
        if missing:
            raise ValueError(f"claim {self.id!r}: no evidence at {'; '.join(missing)}")
        return _combine(self, [(p, self._judge_one(_as_evidence(given[p]))) for p in self.points()])

    def _judge_one(self, ev: Evidence | Unavailable) -> Verdict:
        if isinstance(ev, Unavailable):
            return undecided(self, ev.reason, ev.decides)
        seed = zlib.crc32(self.id.encode())
        if isinstance(self.rule, Check):
            v = self.rule.judge(ev.sample, evidence=ev.text or "")
        else:
            v = self.rule.judge(ev.sample, ev.against, seed=seed)
            if ev.text:
                v = replace(v, evidence=f"{ev.text}; {v.evidence}")
        return replace(v, claim=self)


def _combine(claim: Claim, judged: list[tuple[tuple, Verdict]]) -> Verdict:
    """One verdict for an open claim from its per-point verdicts: the common outcome when every point is
    decided the same way; "depends on" with the boundaries when decided points differ; otherwise undecided,
    saying at which points and what would decide them."""
    vs = [v for _, v in judged]
    n = sum(v.n for v in vs)
    evidence = "; ".join(f"at {claim.point_text(p)}: {v.evidence} ({v.label})" for p, v in judged)
    decided = {p: v.outcome for p, v in judged if v.outcome != UNDECIDED}
    outcomes = set(decided.values())
    common = dict(claim=claim, points=tuple(judged))
    if len(vs) == 1:  # a range of one value: that point's verdict
        return replace(vs[0], **common)
    if len(outcomes) > 1:
        settings, bounds = _boundaries(claim, decided)
        return Verdict(DEPENDS, "verdict per point", math.nan, math.nan, math.nan, n, evidence,
                       setting=settings, boundary=bounds, **common)
    if len(decided) == len(vs):
        (outcome,) = outcomes
        return Verdict(outcome, "verdict per point", math.nan, math.nan, math.nan, n, evidence, best=outcome,
                       **common)
    open_points = [(p, v) for p, v in judged if v.outcome == UNDECIDED]
    needed = [v.seeds_needed for _, v in open_points]
    best = next(iter(outcomes)) if outcomes else _common_best(open_points)
    decides = "; ".join(f"at {claim.point_text(p)}, {v.decides or 'undecided'}" for p, v in open_points)
    if outcomes:
        decides += f"; every decided point: {best}"
    return Verdict(UNDECIDED, "verdict per point", math.nan, math.nan, math.nan, n, evidence,
                   seeds_needed=max(needed) if all(needed) else None, decides=decides, best=best, **common)


def _common_best(judged) -> str:
    bests = {v.best for _, v in judged}
    return bests.pop() if len(bests) == 1 else ""


def _boundaries(claim: Claim, decided: dict[tuple, str]) -> tuple[str, tuple[Boundary, ...]]:
    """The settings along which decided neighbours (undecided points skipped) differ, and where."""
    bounds, moving = [], []
    for s, o in enumerate(claim.open):
        others = [x for i, x in enumerate(claim.open) if i != s]
        for ctx in itertools.product(*(x.values for x in others)):
            line = []
            for v in o.values:
                p = (*ctx[:s], v, *ctx[s:])
                if p in decided:
                    line.append((v, decided[p]))
            at = ", ".join(f"{x.setting} {x.text(c)}" for x, c in zip(others, ctx))
            for (a, oa), (b, ob) in zip(line, line[1:]):
                if oa != ob:
                    bounds.append(Boundary(o.setting, o.text(a), o.text(b), oa, ob, at))
                    if o.setting not in moving:
                        moving.append(o.setting)
    if not moving:  # no single setting moves it on its own (too many undecided points between)
        moving = [o.setting for o in claim.open]
    return " and ".join(moving), tuple(bounds)


def by_point(claim: Claim, values, member_point, against=None, against_point=None,
             text: str | Callable[[dict], str] | None = None) -> dict[tuple, Evidence]:
    """An open claim's evidence from one engine call that trained every point's members side by side:
    ``values[k]`` is member k's value (a failure flag, an error, an iteration count) and ``member_point[k]``
    the index of its point in :meth:`Claim.points` (e.g. ``engine.member_configs(len(claim.points()),
    n_seeds)``, or any [K] int array). ``against`` is one sample shared by every point, or, with
    ``against_point``, per-member values split the same way. ``text``: words for each point (a string, or a
    function of the point's {setting: value} dict)."""
    values, member_point = np.asarray(values), np.asarray(member_point)
    if values.shape[0] != member_point.shape[0]:
        raise ValueError(f"{values.shape[0]} values for {member_point.shape[0]} members")
    pts = claim.points()
    if member_point.size and (member_point.min() < 0 or member_point.max() >= len(pts)):
        raise ValueError(f"claim {claim.id!r} has {len(pts)} points; member_point holds indices outside them")
    if against_point is not None:
        against, against_point = np.asarray(against), np.asarray(against_point)
    out = {}
    for i, (p, g) in enumerate(zip(pts, claim.grid())):
        sample = values[member_point == i]
        if sample.size == 0:
            raise ValueError(f"claim {claim.id!r}: no members at {claim.point_text(p)}")
        ag = against[against_point == i] if against_point is not None else against
        out[p] = Evidence(sample, ag, text(g) if callable(text) else text)
    return out


def judge_all(claims: Sequence[Claim], evidence: Mapping[str, Any]) -> list[Verdict]:
    """Every claim judged on its evidence (claim id -> evidence as :meth:`Claim.judge_evidence` takes it), in
    the order of ``claims``. A claim without evidence, or evidence for no claim, is an error: a claim is
    never dropped silently."""
    ids = [c.id for c in claims]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    missing = [i for i in ids if i not in evidence]
    extra = sorted(set(evidence) - set(ids))
    if repeated or missing or extra:
        raise ValueError("; ".join(x for x in (
            repeated and f"claim ids repeat: {repeated}", missing and f"no evidence for {missing}",
            extra and f"evidence for no claim: {extra}") if x))
    return [c.judge_evidence(evidence[c.id]) for c in claims]


def undecided(claim: Claim, reason: str, decides: str = "") -> Verdict:
    """A verdict the evidence at hand cannot give at all (e.g. the run was shorter than the claim needs);
    ``decides`` says what would decide it."""
    return Verdict(UNDECIDED, "none", math.nan, math.nan, math.nan, 0, reason, claim=claim, decides=decides)


def count(verdicts: Sequence[Verdict]) -> dict[str, int]:
    """How many claims are judged on evidence from runs (``n_claims``) and how many of each outcome, so the
    outcomes add up to ``n_claims``; apart from them the computed checks (``n_checks``) that hold or do not;
    ``n_total`` counts both. A check whose fact depends on an open setting neither holds nor fails."""
    judged = [v for v in verdicts if not v.is_check]
    checks = [v for v in verdicts if v.is_check]
    return dict(n_total=len(verdicts), n_claims=len(judged),
                n_reproduced=sum(v.outcome == REPRODUCES for v in judged),
                n_partly=sum(v.outcome == PARTLY for v in judged),
                n_not_reproduced=sum(v.outcome == DOES_NOT for v in judged),
                n_undecided=sum(v.outcome == UNDECIDED for v in judged),
                n_depends=sum(v.outcome == DEPENDS for v in judged),
                n_checks=len(checks), n_checks_hold=sum(v.outcome == REPRODUCES for v in checks),
                n_checks_fail=sum(v.outcome not in (REPRODUCES, DEPENDS) for v in checks))


def _fmt(x: float, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return tables.num(float(x), digits)


def _interval(lo: float, hi: float) -> str:
    return f"[{_fmt(lo)}, {_fmt(hi)}]"
