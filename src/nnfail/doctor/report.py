"""A check's outcome and the doctor's report: plain text, an HTML table in notebooks, a dict for JSON."""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from nnfail.doctor.pages import PAGES
from nnfail.doctor.rules import CHECKS, SEVERITIES



@dataclass(frozen=True)
class Result:
    """One check's outcome: ``status`` is a severity, "ok" or "skipped"."""

    check: str
    status: str
    evidence: str
    value: float | None = None
    threshold: float | None = None
    fix: str = ""
    cause: str | None = None  # "check" or "check/variant": which chapter explains it (doctor.pages says)

    @property
    def title(self) -> str:
        return CHECKS[self.check]

    @property
    def page(self) -> tuple[str, str] | None:
        """(stem, title) of the chapter page that shows this finding's cause (``nnfail.doctor.pages``)."""
        if not self.is_finding:
            return None
        return PAGES.get(self.cause or "") or PAGES[self.check]

    @property
    def chapter(self) -> str | None:
        """The slug of the chapter that shows this finding's cause."""
        return None if self.page is None else self.page[0].split("_", 1)[1]

    @property
    def is_finding(self) -> bool:
        return self.status in SEVERITIES

    def link(self, base: str = "") -> str | None:
        """The chapter's page, relative to ``base`` (the book's chapters/ folder by default)."""
        return None if self.page is None else f"{base}{self.page[0]}.html"


Finding = Result


@dataclass
class Report:
    results: list[Result]
    summary: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def findings(self) -> list[Result]:
        order = {s: i for i, s in enumerate(SEVERITIES)}
        return sorted((r for r in self.results if r.is_finding), key=lambda r: order[r.status])

    def has(self, check: str, at_least: str = "low") -> bool:
        """True when ``check`` raised a finding of severity ``at_least`` or worse."""
        worst = SEVERITIES.index(at_least)
        return any(r.check == check and SEVERITIES.index(r.status) <= worst for r in self.findings)

    def severities(self) -> dict[str, int]:
        return {s: sum(r.status == s for r in self.results) for s in SEVERITIES}

    def checks(self, status: str | None = None) -> list[str]:
        return [r.check for r in self.results if status is None or r.status == status]

    def to_dict(self) -> dict:
        return dict(summary=self.summary, seconds=self.seconds,
                    results=[dict(check=r.check, title=r.title, status=r.status, evidence=r.evidence,
                                  value=r.value, threshold=r.threshold, fix=r.fix,
                                  chapter=r.page and r.page[1]) for r in self.results])

    def _headline(self) -> str:
        n = self.severities()
        s = self.summary
        found = ", ".join(f"{v} {k}" for k, v in n.items() if v) or "no findings"
        return (f"nnfail doctor: {found} -- model {s.get('model')} ({s.get('layers')}), "
                f"X {s.get('x_shape')}, y {s.get('y_shape')}, loss {s.get('loss')}, {s.get('probe')}, "
                f"{self.seconds:.1f} s")

    def __str__(self) -> str:
        lines = [self._headline(), ""]
        for r in self.findings:
            lines.append(f"[{r.status.upper()}] {r.title}: {r.evidence}")
            lines.append(f"    fix: {r.fix}")
            if r.chapter:
                lines.append(f"    see: {r.page[1]} (chapters/{r.page[0]})")
        rest = [r for r in self.results if not r.is_finding]
        if rest:
            lines.append("" if self.findings else "No check raised a finding.")
            for r in rest:
                lines.append(f"  {r.status:>7}  {r.title}: {r.evidence}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        colors = dict(high="#d55e00", medium="#e69f00", low="#56b4e9", ok="#009e73", skipped="#999999")
        rows = []
        for r in self.findings + [r for r in self.results if not r.is_finding]:
            link = r.link()
            see = f'<a href="{esc(link)}">{esc(r.page[1])}</a>' if link else ""
            rows.append(
                f'<tr><td style="color:{colors[r.status]};font-weight:bold">{esc(r.status)}</td>'
                f"<td>{esc(r.title)}</td><td>{esc(r.evidence)}</td><td>{esc(r.fix)}</td><td>{see}</td></tr>")
        return (f"<p><strong>{esc(self._headline())}</strong></p>"
                '<table class="nnfail-doctor"><thead><tr><th>status</th><th>check</th><th>evidence</th>'
                f"<th>fix</th><th>chapter</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


