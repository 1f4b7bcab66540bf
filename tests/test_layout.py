"""The package's levels point one way, and adding a chapter is one folder, one notebook and one test file.

Levels, bottom to top (a module may import its own level and those below, never above):
0. the core: engine, statistics, claims, replays, tables, glue, plots, declarations (``nnfail.params``) ...
1. ``nnfail.doctor`` (reads a reader's model; links chapters through the generated ``doctor/pages.py``)
2. ``nnfail.chapters`` (each chapter's spec, experiments and doctor pair; the package face lists them)
3. ``nnfail.book`` (runner, sweeps, site, the files ``nnfail sync`` writes)
4. ``nnfail.cli`` and ``nnfail.__main__`` (the command line)
5. ``nnfail_bench`` (the doctor's benchmark sets: not part of the library a reader imports)
Every import counts, including those inside functions.
"""
import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT

SRC = ROOT / "src"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def level(module: str) -> int:
    if module.startswith("nnfail_bench"):
        return 5
    if module in ("nnfail.cli", "nnfail.__main__"):
        return 4
    for prefix, n in (("nnfail.book", 3), ("nnfail.chapters", 2), ("nnfail.doctor", 1)):
        if module == prefix or module.startswith(prefix + "."):
            return n
    return 0


def imports(path: Path) -> set[str]:
    """Every nnfail module a file imports (``from a import b`` counts b when it is a module)."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names if (SRC / (node.module + "." + a.name).replace(
                ".", "/")).with_suffix(".py").is_file() or (SRC / (node.module + "." + a.name).replace(".", "/")).is_dir()}
    return {m for m in found if m.split(".")[0] in ("nnfail", "nnfail_bench")}


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in sorted(SRC.rglob("*.py"))}


def test_no_import_runs_up_a_level():
    upward = sorted(f"{m} (level {level(m)}) imports {t} (level {level(t)})"
                    for m, targets in graph().items() for t in targets if level(t) > level(m))
    assert not upward, upward


def test_a_chapter_imports_no_other_chapter():
    crossing = []
    for m, targets in graph().items():
        if m.startswith("nnfail.chapters.") and m.count(".") >= 2:
            own = m.split(".")[2]
            crossing += [f"{m} -> {t}" for t in targets
                         if t.startswith("nnfail.chapters.") and t.split(".")[2] != own]
    assert not crossing, crossing


def test_no_import_loop_between_modules():
    g = graph()
    state: dict[str, int] = {}
    loops = []

    def visit(m, stack):
        state[m] = 1
        for t in sorted(g.get(m, ())):
            if t not in g or t == m or m.startswith(t + "."):  # a package's own face is not a loop
                continue
            if state.get(t) == 1:
                loops.append(" -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                visit(t, stack + [t])
        state[m] = 2

    for m in g:
        if m not in state:
            visit(m, [m])
    assert not loops, loops


def test_the_level_rule_catches_an_upward_import(tmp_path):
    assert level("nnfail.doctor.report") < level("nnfail.chapters") < level("nnfail.book.runner")
    assert level("nnfail.engine") == 0 and level("nnfail_bench.pairs") == 5 and level("nnfail.cli") == 4
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from nnfail.chapters import CHAPTERS\n")
    assert "nnfail.chapters" in imports(bad)


# ------------------------------------------------------------------ adding a chapter: one folder, one notebook
SIXTH_SPEC = '''"""A throwaway chapter made by the tests."""
from nnfail.params import QUICK, SEED, ChapterSpec, Param, Source, Spec

PARAMS = Spec((SEED, QUICK, Param("n_draws", 5, int, "how many numbers to draw", low=1, high=1000)),
              cost=lambda p: 1.0 + p["n_draws"] * 1e-3)
CHAPTER = ChapterSpec(5, "sixth_demo", "5. A sixth chapter", PARAMS, 60,
                      Source("a test", "the test suite", None, None))
'''
SIXTH_EXPERIMENTS = '''"""The throwaway chapter's computation: takes the record whole."""
import numpy as np


def draws(P):
    return np.random.default_rng(P.seed).standard_normal(P.n_draws)
'''


@pytest.mark.slow
def test_a_sixth_chapter_is_one_folder_one_notebook_and_one_test_file(tmp_path):
    """Copy the book, add chapters/05_sixth_demo.ipynb from the template and the folder
    src/nnfail/chapters/sixth_demo/, run `nnfail sync`, then execute it with a new parameter."""
    book = tmp_path / "book"
    book.mkdir()
    for name in ("_config.yml", "_toc.yml", "intro.md", "sources.md", "references.md", "references.bib",
                 "pyproject.toml", "requirements.lock"):
        shutil.copy(ROOT / name, book / name)
    shutil.copytree(ROOT / "chapters", book / "chapters")
    shutil.copytree(SRC, book / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    folder = book / "src" / "nnfail" / "chapters" / "sixth_demo"
    folder.mkdir()
    (folder / "__init__.py").write_text('"""A sixth chapter."""\n')
    (folder / "spec.py").write_text(SIXTH_SPEC)
    (folder / "experiments.py").write_text(SIXTH_EXPERIMENTS)
    nb = nbformat.read(str(ROOT / "chapters" / "_template.ipynb"), as_version=4)
    nb.cells[0].source = "# 5. A sixth chapter\n\nA chapter the tests add and throw away."
    for cell in nb.cells:
        if cell.cell_type == "code" and "CHAPTER.record" in cell.source:
            cell.source = cell.source.replace("from nnfail.chapters import TEMPLATE as CHAPTER",
                                              "from nnfail.chapters.sixth_demo.spec import CHAPTER\n"
                                              "from nnfail.chapters.sixth_demo import experiments as sixth_demo")
        elif cell.cell_type == "code" and "Derived sizes" in cell.source:
            cell.source = 'glue("total", float(sixth_demo.draws(P).sum()))'
    nbformat.write(nb, str(book / "chapters" / "05_sixth_demo.ipynb"))
    env = dict(os.environ, PYTHONPATH=str(book / "src"))
    nnfail = [sys.executable, "-m", "nnfail"]

    def run(*args):
        return subprocess.run(nnfail + list(args) + ["--root", str(book)], cwd=book, env=env, capture_output=True,
                              text=True, timeout=600)

    assert run("sync", "--check").returncode == 1  # the new notebook's parameters cell and the toc are stale
    out = run("sync")
    assert out.returncode == 0, out.stderr
    assert "chapters/05_sixth_demo" in (book / "_toc.yml").read_text()
    cell = next(c for c in nbformat.read(str(book / "chapters" / "05_sixth_demo.ipynb"), as_version=4).cells
                if "parameters" in c.metadata.get("tags", []))
    assert "n_draws = 5" in cell.source
    assert "5. A sixth chapter" in (book / "sources.md").read_text()
    assert run("sync", "--check").returncode == 0
    listed = run("list")
    assert "05 sixth_demo" in listed.stdout and "n_draws" in listed.stdout
    bad = run("run", "5", "-p", "n_draws", "0")
    assert bad.returncode == 2 and "n_draws" in bad.stderr  # refused before anything runs
    ran = run("run", "5", "-p", "n_draws", "7")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    results = json.loads(next((book / "_build" / "runs").rglob("results.json")).read_text())
    expected = float(__import__("numpy").random.default_rng(0).standard_normal(7).sum())
    assert results["results"]["total"] == pytest.approx(expected)


def test_the_readme_layout_names_only_files_and_folders_that_exist():
    """Every file or folder named in the first column of README's layout block exists (``<slug>`` stands for
    every chapter; ``pair.py`` for every chapter whose cause the doctor finds)."""
    import re

    from nnfail.chapters import CHAPTERS

    block = (ROOT / "README.md").read_text().split("## Layout", 1)[1].split("```", 2)[1]
    bases = [ROOT, ROOT / "src", ROOT / "src" / "nnfail", ROOT / "src" / "nnfail" / "chapters",
             ROOT / "src" / "nnfail" / "doctor", ROOT / "src" / "nnfail" / "book", ROOT / "benchmarks",
             ROOT / "validation"]
    missing, seen = [], 0
    for line in block.splitlines():
        if len(line) - len(line.lstrip()) >= 20:  # a description carried over from the line above
            continue
        first = re.split(r"\s{2,}", line.strip())[0] if line.strip() else ""
        if re.match(r"^\d\.", first):  # a level's description, not a path
            continue
        for token in first.split():
            if not ("/" in token or token.endswith((".py", ".yml", ".md", ".ipynb"))):
                continue
            chapters = [c for c in CHAPTERS if c.causes or "pair.py" not in token]
            names = ([token.replace("<slug>", c.slug).replace("NN_", f"{c.number:02d}_") for c in chapters]
                     if "<slug>" in token else [token])
            for name in names:
                seen += 1
                if not any((base / name).exists() for base in bases):
                    missing.append(name)
    assert seen > 25 and not missing, missing
