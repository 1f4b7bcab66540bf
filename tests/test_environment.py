"""Versions: pyproject.toml declares compatible ranges for the library and its extras; requirements.lock
holds the exact versions `make book`, `make test` and Binder install, and satisfies pyproject.toml;
chapters record the versions and warn (never refuse) outside the lock."""
import tomllib
import warnings

import pytest
import yaml
from packaging.requirements import Requirement

from conftest import ROOT
from nnfail import repro

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def requirements(*extras):
    reqs = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in extras:
        reqs += [Requirement(r) for r in PROJECT["optional-dependencies"][extra]]
    return reqs


def test_the_library_declares_ranges_and_keeps_the_book_toolchain_in_an_extra():
    assert all(not any(s.operator == "==" for s in r.specifier) for r in requirements("cpu", "book", "test"))
    core = {r.name for r in requirements()}
    assert not core & {"jupyter-book", "myst-nb", "papermill", "sphinxcontrib-bibtex", "tensorflow-cpu",
                       "tensorflow"}, "the library must install into Colab without the book's toolchain"
    assert PROJECT["requires-python"] == ">=3.10"


def test_the_lock_satisfies_every_declared_requirement():
    locked = repro.locked_versions(ROOT / "requirements.lock")
    for req in requirements("cpu", "book", "test"):
        name = repro._normal(req.name)
        assert name in locked, f"{req.name} is not in requirements.lock: run `make lock`"
        assert req.specifier.contains(locked[name], prereleases=True), f"{req} vs locked {locked[name]}"


def test_environment_yml_installs_the_lock():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip == ["-r requirements.lock"]
    assert "python=3.11" in env["dependencies"]  # the Python the lock was resolved for
    post = (ROOT / "postBuild").read_text()
    assert "pip install --no-deps ." in post and (ROOT / "postBuild").stat().st_mode & 0o111


def test_running_environment_has_the_locked_versions():
    locked = repro.locked_versions()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inside the lock: no warning
        have = repro.check_versions()
    assert have and all(locked[name] == version for name, version in have.items())


def test_outside_the_lock_chapters_warn_instead_of_refusing(tmp_path, monkeypatch):
    monkeypatch.setattr(repro, "LOCK_FILE", tmp_path / "missing.lock")
    with pytest.warns(UserWarning, match="outside the book's locked environment"):
        assert "numpy" in repro.check_versions()
    other = tmp_path / "requirements.lock"
    other.write_text("numpy==0.0.1  # via something\nscipy==1.0\n")
    monkeypatch.setattr(repro, "LOCK_FILE", other)
    with pytest.warns(UserWarning, match=r"numpy .* \(the book locks 0\.0\.1\)"):
        repro.check_versions()
