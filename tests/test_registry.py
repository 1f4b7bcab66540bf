"""The chapter registry is the one list of chapters: the table of contents, the notebooks, the case modules,
the doctor's chapter links and the budgets all agree with it; and the layout rules it stands for hold
(no logic-heavy notebook cells, one alias per module, no TensorFlow behind the registry or `nnfail list`)."""
import ast
import importlib
import re
import subprocess
import sys

import nbformat
import pytest

from conftest import ROOT
from nnfail import chapters as registry
from nnfail.book.runner import discover, toc_files

CHAPTERS = registry.CHAPTERS
IDS = [c.slug for c in CHAPTERS]
MAX_LOGIC_LINES = 15  # lines of logic in one notebook code cell (the parameters cell holds literals only)


def test_toc_lists_exactly_the_registry_in_order():
    notebooks = [name for name in toc_files(ROOT) if (ROOT / f"{name}.ipynb").is_file()]
    assert notebooks == [f"chapters/{c.stem}" for c in CHAPTERS]
    assert [(c.number, c.slug) for c in discover(ROOT)] == [(c.number, c.slug) for c in CHAPTERS]


def test_numbers_and_slugs_are_unique():
    assert len({c.number for c in CHAPTERS}) == len({c.slug for c in CHAPTERS}) == len(CHAPTERS)


@pytest.mark.parametrize("info", CHAPTERS, ids=IDS)
def test_title_is_the_notebooks_heading(info):
    nb = nbformat.read(str(ROOT / info.notebook), as_version=4)
    assert nb.cells[0].source.splitlines()[0] == f"# {info.title}"


@pytest.mark.parametrize("info", CHAPTERS, ids=IDS)
def test_a_chapter_lives_in_one_folder_with_its_notebook_and_test_file(info):
    folder = ROOT / "src" / "nnfail" / "chapters" / info.slug
    assert (folder / "spec.py").is_file() and (folder / "experiments.py").is_file()
    assert importlib.import_module(f"{info.package}.spec").CHAPTER is info
    assert (ROOT / info.notebook).is_file()
    assert (ROOT / "tests" / f"test_{info.slug}.py").is_file()
    if info.causes:  # a case study: the doctor runs on its broken and fixed model
        pair = importlib.import_module(f"{info.package}.pair")
        assert callable(pair.doctor_case) and callable(pair.diagnose)


def test_every_chapter_folder_is_a_registered_chapter():
    folders = {p.parent.name for p in (ROOT / "src" / "nnfail" / "chapters").glob("*/spec.py")}
    assert folders == {c.slug for c in CHAPTERS}
    assert [c.number for c in CHAPTERS] == sorted(c.number for c in CHAPTERS)


def test_files_written_from_the_specs_are_in_sync():
    """The notebooks' parameters cells, _toc.yml's chapter list, sources.md and the doctor's chapter links
    are written from the specs by `nnfail sync`; stale copies fail here."""
    from nnfail.book.sync import sync

    stale = sync(ROOT, write=False)
    assert not stale, f"stale (run `nnfail sync`): {[str(p) for p in stale]}"


@pytest.mark.parametrize("info", CHAPTERS, ids=IDS)
def test_default_run_is_estimated_within_the_chapter_budget(info):
    assert info.spec.cost(info.spec.defaults()) < info.budget


def test_causes_name_doctor_checks_claimed_by_one_chapter_each():
    from nnfail.doctor import CHECKS

    causes = [check for info in CHAPTERS for check in info.causes]
    assert set(causes) <= set(CHECKS) and len(causes) == len(set(causes))
    with pytest.raises(KeyError, match="no chapter 'nope'"):
        registry.chapter("nope")


def test_registry_and_nnfail_list_do_not_import_tensorflow():
    code = ("import sys\nfrom nnfail import chapters, cli\nfrom nnfail.book import runner\n"
            "cli.main(['list', '--root', sys.argv[1]])\n"
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow was imported'")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "01 scaling_disaster" in out.stdout


# ------------------------------------------------------------------------------- notebook cells
def logic_lines(source: str) -> int:
    """Non-blank lines that are not comments or IPython magics: what a reader has to follow."""
    return sum(1 for line in source.splitlines()
               if line.strip() and not line.strip().startswith(("#", "%")))


NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_code_cell_carries_more_than_a_screenful_of_logic(path):
    nb = nbformat.read(str(path), as_version=4)
    for i, cell in enumerate(nb.cells, 1):
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        n = logic_lines(cell.source)
        assert n <= MAX_LOGIC_LINES, (f"{path.name} cell {i} has {n} lines of logic; move the computation into "
                                      f"the chapter's experiments and call it")


def test_the_cell_measure_counts_logic_only():
    assert logic_lines("# a comment\n\nx = 1\n%pip install y\n  y = 2  # trailing\n") == 2


# ------------------------------------------------------------------------------- one alias per module
ALIAS = re.compile(r"^\s*from (nnfail[\w.]*) import (\w+) as (\w+)", re.M)
PLAIN = re.compile(r"^\s*from (nnfail[\w.]*) import ([\w, ]+)$", re.M)


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent is a module, so the name is an attribute
        return False


def aliases_in(text: str) -> list[tuple[str, str]]:
    """(module, name it is bound to) for every `from nnfail... import module [as alias]` of a module."""
    found = [(f"{pkg}.{mod}", alias) for pkg, mod, alias in ALIAS.findall(text)]
    for pkg, names in PLAIN.findall(text):
        for name in (n.strip() for n in names.split(",")):
            if _is_module(f"{pkg}.{name}"):
                found.append((f"{pkg}.{name}", name))
    return found


def sources():
    for path in sorted((ROOT / "src").rglob("*.py")) + sorted((ROOT / "tests").glob("*.py")):
        yield path, path.read_text()
    for path in NOTEBOOKS:
        nb = nbformat.read(str(path), as_version=4)
        yield path, "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def test_each_module_goes_by_one_name_everywhere():
    names: dict[str, set] = {}
    for path, text in sources():
        for module, alias in aliases_in(text):
            names.setdefault(module, set()).add((alias, path.name))
    clashes = {m: sorted(v) for m, v in names.items() if len({a for a, _ in v}) > 1}
    assert not clashes, clashes


def test_the_alias_scan_reads_both_forms():
    text = "from nnfail import engine as E\nfrom nnfail.chapters.linear_stack import experiments, pair\n"
    assert aliases_in(text) == [("nnfail.engine", "E"), ("nnfail.chapters.linear_stack.experiments", "experiments"),
                                ("nnfail.chapters.linear_stack.pair", "pair")]
    assert ast.parse(text)  # the sample is valid Python


# ------------------------------------------------------------------------------- sources and licences
@pytest.mark.parametrize("info", CHAPTERS, ids=IDS)
def test_each_chapter_opens_with_its_credited_source(info):
    first = nbformat.read(str(ROOT / info.notebook), as_version=4).cells[0].source
    assert info.source.credit() in first
    if info.source.url:
        assert info.source.licence.startswith("CC BY-SA") and info.source.licence_url in first


def test_the_sources_page_is_written_from_the_registry():
    assert (ROOT / "sources.md").read_text() == registry.sources_page(), "sources.md is stale: run `nnfail sync`"
    assert "sources" in toc_files(ROOT)


def test_licences_and_citation_are_in_place():
    import yaml

    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "CC BY-SA 4.0" in (ROOT / "LICENSE-text.md").read_text()
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["title"] and cff["authors"] and cff["license"] == "MIT"
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert cff["repository-code"] == config["repository"]["url"]
