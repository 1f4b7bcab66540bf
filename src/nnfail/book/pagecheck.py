"""What a reader meets on a chapter page before opening anything: the *main flow*.

A chapter page has a main flow (the question, the answer, the reproduction, the mechanism, the fixes, the
claims table) and details a reader opens on purpose. Details are

- anything inside a collapsed block: a MyST ``{dropdown}`` (sphinx-design's ``<details>``), a code cell's
  source or output collapsed by a ``hide-input`` / ``hide-output`` / ``hide-cell`` tag (sphinx-togglebutton's
  ``.hide`` containers), and a ``{toggle}``;
- every section from the first level-2 heading that starts with "Appendix" to the end of the page.

:func:`main_flow` measures the main flow of a built page: words of prose (code, tables, math and glued
figures left out) and the rows of each table; :func:`notebook_code_cells` lists the code cells whose
source a reader can expand, with their length and whether they hold bookkeeping (glue, table formatting).
The limits (``MAX_WORDS``, ``MAX_TABLE_ROWS``, ``MAX_CODE_LINES``) are the reader issue's targets; the book's
tests hold every chapter page to them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_WORDS = 1800  # words of prose in a chapter page's main flow
MAX_TABLE_ROWS = 12  # body rows of any table in the main flow
MAX_CODE_LINES = 12  # non-blank lines of a code cell whose source the page shows (collapsed or not)
APPENDIX = "appendix"  # a level-2 heading starting with this word opens the details at the end of a page
# a visible cell that calls these does bookkeeping, not the experiment: it belongs in a case function or a
# hidden cell
BOOKKEEPING = re.compile(r"\bglue\w*\(|\.glue_\w+\(|\btables\.\w+\(|\bclaims\.(?:glue|table)\w*\(")
HIDDEN_TAGS = {"remove-input", "remove-cell"}
_WORD = re.compile(r"[^\W_]", re.UNICODE)


@dataclass
class Table:
    rows: int
    flat: bool  # two or more rows that hold the same values in every column but the first
    head: str  # the header cells, to name the table in a message


@dataclass
class MainFlow:
    words: int
    tables: list[Table] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)  # level-2 section titles in the main flow, in order
    appendix: list[str] = field(default_factory=list)  # level-2 section titles of the appendix

    def problems(self) -> list[str]:
        """Every way the main flow exceeds the targets, one line each (empty when it keeps them)."""
        out = []
        if self.words > MAX_WORDS:
            out.append(f"{self.words} words of prose in the main flow (at most {MAX_WORDS})")
        for t in self.tables:
            if t.rows > MAX_TABLE_ROWS:
                out.append(f"a {t.rows}-row table in the main flow (at most {MAX_TABLE_ROWS}): {t.head}")
            if t.flat:
                out.append(f"a table whose rows all say the same (make it a sentence): {t.head}")
        return out


def _text(el) -> str:
    return " ".join(el.get_text(" ", strip=True).split())


def _table(el) -> Table:
    body = el.find("tbody") or el
    rows = [[_text(c) for c in tr.find_all(["td", "th"])] for tr in body.find_all("tr", recursive=True)
            if tr.find("td")]
    head = " | ".join(_text(th) for th in el.select("thead th"))[:120] or (rows[0][0][:60] if rows else "")
    flat = len(rows) >= 2 and len(rows[0]) >= 2 and all(r[1:] == rows[0][1:] for r in rows)
    return Table(len(rows), flat, head)


def main_flow(html: str) -> MainFlow:
    """The main flow of one built page (its HTML): see the module docstring for what counts as details."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    article = soup.select_one("article.bd-article") or soup.select_one("article") or soup
    sections = article.select("section section")  # level 2: inside the page's one level-1 section
    level2 = [s for s in sections if s.find(["h2"], recursive=False)]
    appendix, titles = [], []
    in_appendix = False
    for s in level2:
        title = _text(s.find("h2", recursive=False)).rstrip("#").strip()
        in_appendix = in_appendix or title.lower().startswith(APPENDIX)
        (appendix if in_appendix else titles).append(title)
        if in_appendix:
            s.decompose()
    for el in article.select("details, .hide, .toggle, .cell_input, pre, script, style, .math, math, "
                             "a.headerlink, .sd-dropdown, nav, .prev-next-area, footer"):
        if not el.decomposed:
            el.decompose()
    tables = [_table(t) for t in article.find_all("table")]
    for t in article.find_all("table"):
        t.decompose()
    words = sum(1 for w in article.get_text(" ").split() if _WORD.search(w))
    return MainFlow(words, tables, titles, appendix)


def page_main_flow(path: Path) -> MainFlow:
    return main_flow(Path(path).read_text(encoding="utf-8"))


@dataclass
class CodeCell:
    index: int  # position among the notebook's cells
    lines: int  # non-blank source lines
    bookkeeping: list[str]  # the bookkeeping calls it makes (glue, table formatting)
    first: str  # its first line, to name it in a message


def notebook_code_cells(nb) -> list[CodeCell]:
    """The code cells whose source the built page shows (expanded or collapsed): every code cell except
    those tagged remove-input / remove-cell and the parameters cell (written by ``nnfail sync`` from the
    chapter's declarations: one literal per line with its meaning, the reader's list of what can be
    changed)."""
    out = []
    for i, cell in enumerate(nb.cells):
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type != "code" or tags & HIDDEN_TAGS or "parameters" in tags:
            continue
        src = cell.source
        lines = [ln for ln in src.splitlines() if ln.strip()]
        calls = sorted({m.group(0) for m in BOOKKEEPING.finditer(src)})
        out.append(CodeCell(i, len(lines), calls, lines[0][:80] if lines else ""))
    return out


def code_problems(nb) -> list[str]:
    out = []
    for c in notebook_code_cells(nb):
        if c.lines > MAX_CODE_LINES:
            out.append(f"cell {c.index}: {c.lines} lines shown (at most {MAX_CODE_LINES}): {c.first}")
        if c.bookkeeping:
            out.append(f"cell {c.index} shows bookkeeping ({', '.join(c.bookkeeping)}): {c.first}")
    return out
