"""The doctor on a broken model and its fixed twin: did it name the cause, and is the fixed one clean?"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class TwinReports:
    """The doctor's reports on a broken model and on its fixed twin, and the checks that name the cause."""

    broken: object  # nnfail.doctor.Report
    fixed: object
    causes: tuple[str, ...]

    @property
    def found(self) -> bool:
        return any(self.broken.has(c) for c in self.causes)

    @property
    def found_text(self) -> str:
        hits = [f"{r.check} ({r.status})" for r in self.broken.findings if r.check in self.causes]
        return ", ".join(hits) if hits else "none of " + ", ".join(self.causes)

    @property
    def fixed_high(self) -> int:
        return self.fixed.severities()["high"]


def diagnose_twins(build: Callable[[bool, np.random.Generator], object], causes: tuple[str, ...],
                   seed: int) -> TwinReports:
    """Diagnose ``build(False, rng)`` and ``build(True, rng)`` (each a :class:`nnfail.models.Case`, built
    from the same seeded generator state) with the doctor's defaults."""
    from nnfail.doctor import diagnose

    reports = []
    for fixed in (False, True):
        case = build(fixed, np.random.default_rng([seed, 9]))
        reports.append(diagnose(case.model, case.X, case.y, seed=seed))
    return TwinReports(*reports, tuple(causes))
