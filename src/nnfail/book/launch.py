"""Where readers launch the book from: one repository setting (``repository.url`` and ``.branch`` in
_config.yml) and everything written from it.

The site's launch buttons read _config.yml directly. The rest carries the address as text, so
``nnfail sync-launch`` rewrites it from _config.yml: each notebook's Colab bootstrap cell, the README's
Binder and Colab badges and install line, and CITATION.cff. A fork edits _config.yml, runs ``nnfail sync-launch`` and
commits; ``nnfail sync-launch --check`` (run by the tests) fails while anything is stale.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

BADGES_BEGIN = "<!-- launch badges: written from _config.yml by `nnfail sync-launch` -->"
BADGES_END = "<!-- end of launch badges -->"
BOOTSTRAP_MARK = "# Runs only in Google Colab"


@dataclass(frozen=True)
class Repository:
    url: str  # https://github.com/OWNER/NAME
    branch: str
    interface: str  # the Binder interface of the site's launch button: jupyterlab or classic

    @property
    def slug(self) -> str:
        m = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?/?", self.url)
        if not m:
            raise ValueError(f"repository.url in _config.yml must be https://github.com/OWNER/NAME, got {self.url!r}")
        return m.group(1)

    @property
    def binder_path(self) -> str:
        return "lab/tree" if self.interface == "jupyterlab" else "tree"

    def binder_url(self, path: str = "chapters") -> str:
        return f"https://mybinder.org/v2/gh/{self.slug}/{self.branch}?urlpath={self.binder_path}/{path}"

    def colab_url(self, notebook: str) -> str:
        return f"https://colab.research.google.com/github/{self.slug}/blob/{self.branch}/{notebook}"

    @property
    def pip_spec(self) -> str:
        return f"nnfail @ git+{self.url}@{self.branch}"


def repository(root: Path) -> Repository:
    config = yaml.safe_load((root / "_config.yml").read_text())
    repo, buttons = config.get("repository", {}), config.get("launch_buttons", {})
    return Repository(repo["url"].rstrip("/"), repo.get("branch", "main"), buttons.get("notebook_interface", "classic"))


def bootstrap_cell(repo: Repository) -> str:
    """The first code cell of every chapter: in Colab only, install the book's library from the repository.
    Colab's own TensorFlow, Keras and NumPy are kept: the library asks for compatible ranges, not pins."""
    return (f"{BOOTSTRAP_MARK}: installs the book's package (Colab's own TensorFlow, Keras and NumPy are\n"
            "# kept). Binder and local runs already have it.\n"
            "import sys\n"
            'if "google.colab" in sys.modules:\n'
            f'    %pip install -q "{repo.pip_spec}"')


def badges(repo: Repository, notebook: str) -> str:
    return "\n".join([
        BADGES_BEGIN,
        f"[![Binder](https://mybinder.org/badge_logo.svg)]({repo.binder_url()})",
        f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({repo.colab_url(notebook)})",
        BADGES_END])


def sync(root: Path, write: bool = True) -> list[Path]:
    """Rewrite every launch link and install address from _config.yml; return the files that changed
    (with ``write=False``, the files that would)."""
    import nbformat

    from nnfail.chapters import CHAPTERS

    repo = repository(root)
    changed = []

    def update(path: Path, text: str) -> None:
        if path.read_text() != text:
            changed.append(path)
            if write:
                path.write_text(text)

    for path in sorted((root / "chapters").glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        cell = next((c for c in nb.cells if c.cell_type == "code" and c.source.startswith(BOOTSTRAP_MARK)), None)
        if cell is None:
            raise ValueError(f"{path.name} has no Colab bootstrap cell (a first code cell starting {BOOTSTRAP_MARK!r})")
        cell.source = bootstrap_cell(repo)
        update(path, nbformat.writes(nb) + "\n")
    readme = root / "README.md"
    text = readme.read_text()
    pattern = re.compile(re.escape(BADGES_BEGIN) + ".*?" + re.escape(BADGES_END), re.S)
    if not pattern.search(text):
        raise ValueError(f"README.md has no launch badge block ({BADGES_BEGIN})")
    text = pattern.sub(lambda _: badges(repo, CHAPTERS[1].notebook), text)
    text = re.sub(r"nnfail @ git\+https://github\.com/[^@\s\"]+@[\w./-]+", repo.pip_spec, text)  # install lines
    update(readme, text)
    cff = root / "CITATION.cff"
    update(cff, re.sub(r'(?m)^repository-code: .*$', f'repository-code: "{repo.url}"', cff.read_text()))
    return changed
