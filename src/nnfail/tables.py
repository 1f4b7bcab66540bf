"""Tables for the chapters: tidy rows rendered as (GitHub-flavoured) Markdown, which the site shows as real
tables (``nb_render_markdown_format: gfm`` in _config.yml)."""
from __future__ import annotations

from typing import Callable, Sequence


def pct(v: float) -> str:
    return "n/a" if v != v else f"{100 * v:.0f}%"


def num(v: float, digits: int = 3) -> str:
    if v != v:
        return "n/a"
    return f"{v:.{digits}g}" if abs(v) < 1e4 else f"{v:.3g}"


def pvalue(p: float) -> str:
    if p != p:
        return "(baseline)"
    return "<1e-6" if p < 1e-6 else f"{p:.2g}"


def interval(lo: float, hi: float, fmt: Callable[[float], str] = pct) -> str:
    return f"[{fmt(lo)}, {fmt(hi)}]"


def markdown(rows: Sequence[dict], columns: Sequence[tuple[str, Callable[[dict], str]]]):
    """An IPython Markdown table: columns are (header, function of a row -> cell text)."""
    from IPython.display import Markdown

    def cell(text) -> str:  # a literal | would split a cell in two; [a](b) would become a link
        return str(text).replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")

    head = "| " + " | ".join(cell(h) for h, _ in columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = ["| " + " | ".join(cell(f(r)) for _, f in columns) + " |" for r in rows]
    return Markdown("\n".join([head, rule, *body]))
