"""Files written from the chapters' specs, so that each fact is declared once (``nnfail sync``).

- each notebook's ``parameters`` cell: one line per declared parameter, its default and its meaning;
- the chapter entries of ``_toc.yml``, in the order of the chapters' numbers (other entries are kept);
- ``sources.md``, the sources page;
- ``src/nnfail/doctor/pages.py``, the chapter page that explains each doctor cause (the doctor is a level
  below the chapters, which use it, so it reads these links from a generated file instead of importing the
  chapters).

``nnfail sync --check`` (run by the tests) changes nothing and exits 1 while anything is stale.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import yaml

PAGES_FILE = Path(__file__).resolve().parents[1] / "doctor" / "pages.py"
PAGES_HEADER = '''"""Which chapter page explains each doctor cause: {cause: (page stem, page title)}.

Written from the chapters' specs (their ``causes`` and ``pages``) by ``nnfail sync``; do not edit by hand.
"""
'''


def doctor_pages_source() -> str:
    from nnfail.chapters import doctor_pages

    rows = "".join(f"    {cause!r}: {page!r},\n" for cause, page in doctor_pages().items())
    return PAGES_HEADER + "PAGES: dict[str, tuple[str, str]] = {\n" + rows + "}\n"


def toc_source(root: Path) -> str:
    """_toc.yml with its chapters/ entries replaced by the registered chapters, in order."""
    from nnfail.chapters import CHAPTERS

    path = root / "_toc.yml"
    toc = yaml.safe_load(path.read_text())
    entries = toc.get("chapters", [])
    others = [e for e in entries if not str(e.get("file", "")).startswith("chapters/")]
    first = next((i for i, e in enumerate(entries) if str(e.get("file", "")).startswith("chapters/")), 0)
    kept_before = [e for e in entries[:first] if e in others]
    kept_after = [e for e in others if e not in kept_before]
    toc["chapters"] = kept_before + [{"file": f"chapters/{c.stem}"} for c in CHAPTERS] + kept_after
    lines = [f"format: {toc['format']}", f"root: {toc['root']}", "chapters:"]
    lines += [f"  - file: {e['file']}" for e in toc["chapters"]]
    extra = {k: v for k, v in toc.items() if k not in ("format", "root", "chapters")}
    text = "\n".join(lines) + "\n"
    if extra:
        text += yaml.safe_dump(extra, sort_keys=False)
    return text


def _notebook_with_parameters(path: Path, spec) -> tuple[object, bool]:
    nb = nbformat.read(str(path), as_version=4)
    cell = next((c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        raise ValueError(f"{path.name} has no cell tagged 'parameters'")
    want = spec.parameters_cell()
    changed = cell.source != want
    cell.source = want
    return nb, changed


def sync(root: Path, write: bool = True) -> list[Path]:
    """Rewrite (or, with ``write=False``, only list) every file that differs from what the specs say."""
    from nnfail.chapters import CHAPTERS, TEMPLATE, sources_page

    stale: list[Path] = []
    for path, spec in [(root / c.notebook, c.spec) for c in CHAPTERS] + [(root / "chapters" / "_template.ipynb",
                                                                          TEMPLATE)]:
        if not path.is_file():
            raise FileNotFoundError(f"{path.relative_to(root)} is missing: copy chapters/_template.ipynb to start it")
        nb, changed = _notebook_with_parameters(path, spec)
        if changed:
            stale.append(path)
            if write:
                nbformat.write(nb, str(path))
    for path, text in ((root / "_toc.yml", toc_source(root)), (root / "sources.md", sources_page()),
                       (PAGES_FILE, doctor_pages_source())):
        if not path.is_file() or path.read_text() != text:
            stale.append(path)
            if write:
                path.write_text(text)
    return stale
