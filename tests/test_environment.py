"""One source of versions: pyproject.toml; environment.yml must repeat it exactly."""
import re
import tomllib

import yaml

from conftest import ROOT
from nnfail import repro


def pyproject_pins():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return dict(d.split("==") for d in deps)


def test_every_dependency_is_pinned_exactly():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert deps and all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][^ ;]*", d) for d in deps), deps


def test_environment_yml_agrees_with_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pins = dict(p.split("==") for p in pip if "==" in p)
    assert pins == pyproject_pins()
    assert not any(p.startswith("-e") or p == "." for p in pip), "the package belongs in postBuild (Binder's cache)"
    post = (ROOT / "postBuild").read_text()
    assert "pip install --no-deps ." in post and (ROOT / "postBuild").stat().st_mode & 0o111
    py = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert py.split("=")[1] in requires


def test_running_environment_has_the_pins():
    assert repro.check_versions() == {k.lower(): v for k, v in pyproject_pins().items()}
