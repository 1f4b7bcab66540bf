"""Tables for the chapters: tidy rows rendered as (GitHub-flavoured) Markdown, which the site shows as real
tables (``nb_render_markdown_format: gfm`` in _config.yml), or as HTML where a page pastes a table glued in
another notebook (myst-nb pastes only text, HTML and images across documents)."""
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


def as_html(table):
    """A table made by :func:`markdown`, as an IPython HTML table (cells escaped; ``**bold**`` kept bold)."""
    import html as h
    import re

    from IPython.display import HTML

    def cells(line: str) -> list[str]:
        parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        return [re.sub(r"\\([|\[\]])", r"\1", p.strip()) for p in parts]

    def cell(text: str) -> str:
        return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", h.escape(text))

    head, _, *body = table.data.split("\n")
    th = "".join(f"<th>{cell(c)}</th>" for c in cells(head))
    rows = "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in cells(line)) + "</tr>" for line in body)
    return HTML(f'<table class="table"><thead><tr>{th}</tr></thead><tbody>{rows}</tbody></table>')
