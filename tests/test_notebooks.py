"""Committed notebooks: stripped of outputs, parameters cells that agree with the declarations."""
import ast
import re

import nbformat
import pytest

from conftest import ROOT
from nnfail.book.runner import discover, parameters_cell
from nnfail.chapters import SPECS

NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
CHAPTERS = discover(ROOT)


def test_book_has_chapters_and_every_notebook_is_in_the_toc_or_the_template():
    assert CHAPTERS
    in_toc = {ROOT / c.source for c in CHAPTERS}
    assert set(NOTEBOOKS) == in_toc | {ROOT / "chapters" / "_template.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {i} has outputs"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_matches_declaration(path):
    nb = nbformat.read(str(path), as_version=4)
    slug = "template" if path.stem == "_template" else path.stem.split("_", 1)[1]
    spec = SPECS[slug]
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert cell.source == spec.parameters_cell(), "the parameters cell is stale: run `nnfail sync`"
    rows = parameters_cell(nb)
    assert [name for name, _, _ in rows] == [p.name for p in spec.params]
    for name, literal, meaning in rows:
        p = spec.by_name[name]
        assert ast.literal_eval(literal) == p.default, name
        assert meaning == p.meaning, f"{name}: the comment and the declared meaning differ"
    # the first code cell after the parameters validates them, before anything else runs
    code = [c for c in nb.cells if c.cell_type == "code"]
    idx = next(i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", []))
    setup = code[idx + 1].source
    assert "P = CHAPTER.record(globals())" in setup and "repro.check_versions()" in setup
    spec_import = ("from nnfail.chapters import TEMPLATE as CHAPTER" if slug == "template"
                   else f"from nnfail.chapters.{slug}.spec import CHAPTER")
    assert spec_import in setup
    assert "repro.seed_everything(P.seed)" in setup


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_cell_is_guarded(path):
    nb = nbformat.read(str(path), as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert 'if "google.colab" in sys.modules:' in first.source
    assert "remove-cell" in first.metadata.get("tags", [])


def test_template_has_the_section_skeleton():
    nb = nbformat.read(str(ROOT / "chapters" / "_template.ipynb"), as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ("**In one line:**", "## A faithful reproduction", "## What the post claimed",
                    "## The mechanism", "## The fixes side by side", "## Summary", "## Things to try"):
        assert heading in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_cell_is_a_no_op_outside_colab(path):
    from IPython.core.interactiveshell import InteractiveShell

    first = next(c for c in nbformat.read(str(path), as_version=4).cells if c.cell_type == "code")
    shell = InteractiveShell.instance()
    calls = []
    original = shell.run_line_magic
    shell.run_line_magic = lambda name, line, *a, **k: calls.append((name, line))
    try:
        result = shell.run_cell(first.source)
    finally:
        shell.run_line_magic = original
    assert result.success and calls == []
    # and in Colab it installs the package from the repository
    import sys
    sys.modules["google.colab"] = object()
    try:
        shell.run_line_magic = lambda name, line, *a, **k: calls.append((name, line))
        shell.run_cell(first.source)
    finally:
        shell.run_line_magic = original
        del sys.modules["google.colab"]
    from nnfail.book.launch import repository

    assert calls and calls[0][0] == "pip" and repository(ROOT).pip_spec in calls[0][1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_package_name_a_notebook_uses_exists(path):
    """`module.name` in a notebook's code, for each nnfail module it imports, names something the module
    has: a renamed or removed helper fails here, not minutes into an execution."""
    import importlib
    import re

    nb = nbformat.read(str(path), as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    bound = {}
    for pkg, names in re.findall(r"^from (nnfail[\w.]*) import (.+)$", code, re.M):
        for part in names.split(","):
            name, _, alias = part.strip().partition(" as ")
            try:
                bound[alias or name] = importlib.import_module(f"{pkg}.{name}")
            except ModuleNotFoundError:
                pass  # a function or class, not a module
    assert bound, "the notebook imports no nnfail module"
    missing = sorted({f"{alias}.{attr}" for alias, module in bound.items()
                      for attr in re.findall(rf"(?<![\w.]){re.escape(alias)}\.(\w+)", code)
                      if not hasattr(module, attr)})
    assert not missing, missing


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_page_starts_with_the_story_not_the_setup(path):
    """Code before the first section (Colab bootstrap, parameters, imports, derived sizes) is removed or
    collapsed on the page, so a reader meets the question first."""
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells[1:]:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## "):
            return
        if cell.cell_type == "code":
            tags = cell.metadata.get("tags", [])
            assert {"remove-cell", "remove-input", "hide-input"} & set(tags), cell.source[:80]
    pytest.fail("the notebook has no section heading")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_a_reader_can_expand_shows_the_experiment(path):
    """Every code cell whose source the page shows (collapsed or not) has at most MAX_CODE_LINES lines and
    no bookkeeping: glue calls and table formatting live in case functions or in hidden cells."""
    from nnfail.book import pagecheck

    nb = nbformat.read(str(path), as_version=4)
    assert pagecheck.code_problems(nb) == []


def test_the_engine_sets_its_threads_before_tensorflow_runs():
    """A chapter that trains with the engine imports it in its first code cells, before any cell runs a TensorFlow
    operation: the engine's single-threaded kernels take effect only then (TF_NUM_INTRAOP_THREADS is read when
    TensorFlow starts its runtime). Chapter 1 imported it lazily, after its Keras replay had started TensorFlow,
    and its runs on 96 members took 38% longer with the default threads. Each chapter's import cell runs in a
    fresh process (all started together)."""
    import subprocess
    import sys

    procs = {}
    for path in NOTEBOOKS:
        code = [c.source for c in nbformat.read(str(path), as_version=4).cells if c.cell_type == "code"]
        packages = re.findall(r"nnfail\.chapters\.(\w+)", "\n".join(code))
        sources = [(ROOT / "src" / "nnfail" / "chapters" / pkg / "experiments.py").read_text() for pkg in packages]
        if "nnfail.engine" not in "\n".join(code) and not any("from nnfail import engine" in s for s in sources):
            continue  # the chapter does not train with the engine
        imports = next(src for src in code if re.search(r"^from nnfail", src, re.M))
        lines = "\n".join(line for line in imports.splitlines() if line.startswith(("import ", "from ")))
        probe = lines + "\nimport os\nprint(os.environ.get('TF_NUM_INTRAOP_THREADS'))\n"
        procs[path.name] = subprocess.Popen([sys.executable, "-c", probe], cwd=ROOT, text=True,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert len(procs) >= 4, sorted(procs)  # chapters 0, 1, 2 and 4 train with the engine
    left = {name: p.communicate()[0].strip().splitlines()[-1:] for name, p in procs.items()}
    assert all(p.returncode == 0 for p in procs.values())
    default = {name: out for name, out in left.items() if out != ["1"]}
    assert default == {}, f"these chapters' imports leave TensorFlow's threads at the default: {default}"
