"""Shared fixtures: the real book root, and small throw-away books for pipeline tests."""
import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# A fixture chapter with no TensorFlow in it: fast to execute, and able to fail or dawdle on request.
FIXTURE_PARAMS = '''
seed = 0          # base seed of every random generator
quick = False     # smoke-test sizes: few seeds and epochs (for tests)
fail = False      # raise in the body cell (a deliberately failing parameter)
sleep = 0.0       # seconds to wait in the body cell (to interrupt a run midway)
'''
NATIVE_STDERR = "fixture: a line on the kernel's native stderr\n"
FIXTURE_BODY = f"NATIVE_STDERR = {NATIVE_STDERR!r}\n" + '''
import os
import time
from pathlib import Path
import numpy as np
from nnfail.glue import glue

os.write(2, NATIVE_STDERR.encode())  # what a native library (TensorFlow's start-up) writes past Python
if sleep:
    if os.environ.get("FIXTURE_SLEEP_MARKER"):  # tells a test that the kernel is inside this cell
        Path(os.environ["FIXTURE_SLEEP_MARKER"]).touch()
    time.sleep(sleep)
    if os.environ.get("FIXTURE_SLEEP_MARKER"):  # the cell ran to its end (an interrupt never reached it)
        Path(os.environ["FIXTURE_SLEEP_MARKER"] + ".done").touch()
if fail:
    raise RuntimeError("deliberate failure requested by the fail parameter")
rng = np.random.default_rng(seed)
glue("doubled_seed", seed * 2)
glue("draw", float(rng.standard_normal()))
'''


def fixture_spec():
    from nnfail.params import QUICK, SEED
    from nnfail.params import Param, Spec

    return Spec((SEED, QUICK, Param("fail", False, bool, "raise in the body cell"),
                 Param("sleep", 0.0, float, "seconds to wait", low=0, high=60)))


def make_book(root: Path) -> Path:
    """A minimal Jupyter Book with one fixture chapter, 01_fixture.ipynb."""
    (root / "chapters").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    shutil.copytree(ROOT / "_ext", root / "_ext")
    shutil.copytree(ROOT / "_static", root / "_static")
    shutil.copy(ROOT / "references.bib", root / "references.bib")
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapters/01_fixture\n")
    (root / "intro.md").write_text("# Fixture book\n\nOne chapter.\n")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 1. Fixture\n\nThe doubled seed is {glue:text}`doubled_seed`."),
        nbformat.v4.new_code_cell(FIXTURE_PARAMS.strip(), metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(FIXTURE_BODY.strip()),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, str(root / "chapters" / "01_fixture.ipynb"))
    return root


@pytest.fixture
def fixture_book(tmp_path, monkeypatch):
    from nnfail import chapters as registry

    monkeypatch.setitem(registry.SPECS, "fixture", fixture_spec())
    return make_book(tmp_path / "book")


LAUNCHER = textwrap.dedent('''
    import sys
    sys.path.insert(0, {tests!r})
    from conftest import fixture_spec
    from nnfail import chapters as registry
    registry.SPECS["fixture"] = fixture_spec()
    from nnfail.cli import main
    if __name__ == "__main__":  # Dask's worker processes import this file again; they must not run it
        sys.exit(main(sys.argv[1:]))
''')


def launcher_cmd(tmp_path: Path) -> list[str]:
    """A command that runs the real `nnfail` CLI with the fixture chapter's spec registered."""
    script = tmp_path / "nnfail_fixture.py"
    script.write_text(LAUNCHER.format(tests=str(Path(__file__).parent)))
    return [sys.executable, str(script)]


def results_without_timing(path: Path) -> dict:
    data = json.loads(path.read_text())
    data.pop("timing")
    return data


@pytest.fixture(scope="session")
def quick_build(tmp_path_factory):
    """The real book executed with quick parameters and built strictly, once per test session."""
    from nnfail.cli import main

    if os.environ.get("NNFAIL_TEST_QUICK_BUILD"):  # iterate on the site tests against an existing quick build
        return Path(os.environ["NNFAIL_TEST_QUICK_BUILD"])
    build_dir = tmp_path_factory.mktemp("quick-build")
    code = main(["build", "--quick", "--jobs", "2", "--root", str(ROOT), "--build-dir", str(build_dir)])
    assert code == 0, "the quick build of the real book failed (see the output above)"
    return build_dir
