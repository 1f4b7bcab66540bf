"""One repository setting: editing repository.url in _config.yml and running `nnfail sync-launch` retargets
every launch link and install address; the committed files are in sync with _config.yml."""
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from nnfail.book import launch

FILES = ("_config.yml", "_toc.yml", "README.md", "CITATION.cff")


def sync_launch(root, *extra):
    return subprocess.run([sys.executable, "-m", "nnfail", "sync-launch", "--root", str(root), *extra],
                          capture_output=True, text=True, timeout=120)


def test_committed_launch_links_follow_config():
    out = sync_launch(ROOT, "--check")
    assert out.returncode == 0, out.stdout + out.stderr


def test_one_edit_of_the_repository_url_retargets_everything(tmp_path):
    book = tmp_path / "fork"
    book.mkdir()
    for name in FILES:
        shutil.copy(ROOT / name, book / name)
    shutil.copytree(ROOT / "chapters", book / "chapters")
    old = launch.repository(ROOT)
    config = book / "_config.yml"
    config.write_text(config.read_text().replace(old.url, "https://github.com/someone/nnfail-fork")
                      .replace(f"branch: {old.branch}", "branch: draft"))
    assert sync_launch(book, "--check").returncode == 1  # stale until synced
    out = sync_launch(book)
    assert out.returncode == 0, out.stderr
    texts = {p: p.read_text() for p in [book / "README.md", book / "CITATION.cff",
                                         *sorted((book / "chapters").glob("*.ipynb"))]}
    for path, text in texts.items():
        assert old.slug not in text, f"{path.name} still names {old.slug}"
        assert "someone/nnfail-fork" in text, path.name
    assert "git+https://github.com/someone/nnfail-fork@draft" in texts[book / "chapters" / "01_scaling_disaster.ipynb"]
    readme = texts[book / "README.md"]
    assert "mybinder.org/v2/gh/someone/nnfail-fork/draft?urlpath=lab/tree/chapters" in readme
    assert "colab.research.google.com/github/someone/nnfail-fork/blob/draft/chapters/" in readme
    assert sync_launch(book, "--check").returncode == 0


def test_the_badge_and_the_launch_button_open_the_same_interface():
    repo = launch.repository(ROOT)
    assert repo.interface == "jupyterlab" and "urlpath=lab/tree/" in repo.binder_url()


def test_a_repository_that_is_not_on_github_is_refused():
    with pytest.raises(ValueError, match="must be https://github.com/OWNER/NAME"):
        launch.Repository("https://example.org/book", "main", "jupyterlab").slug
