"""The static site: refresh the build copy of the book's sources, build it strictly with Jupyter Book,
and publish it by swapping a symlink, so an interrupted or failed build leaves the previous site in place."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from nnfail.book.runner import Book, ChapterFailed, atomic_write, toc_files

BOOK_FILES = ("_config.yml", "_toc.yml", "references.bib")
BOOK_DIRS = ("_static", "images", "_ext")


def copy_sources(book: Book) -> Path:
    """Refresh the non-executed part of the build copy (config, toc, prose, static files)."""
    dst = book.build / "book"
    dst.mkdir(parents=True, exist_ok=True)
    for name in BOOK_FILES:
        if (book.root / name).is_file():
            shutil.copy2(book.root / name, dst / name)
    for name in BOOK_DIRS:
        if (book.root / name).is_dir():
            shutil.copytree(book.root / name, dst / name, dirs_exist_ok=True)
    for name in toc_files(book.root):
        for ext in (".md",):
            src = book.root / (name + ext)
            if src.is_file():
                (dst / src.relative_to(book.root)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst / src.relative_to(book.root))
    results = dst / "_static" / "results"
    results.mkdir(parents=True, exist_ok=True)
    for ch in book.chapters:
        if book.results_path(ch).is_file():
            shutil.copy2(book.results_path(ch), results / book.results_path(ch).name)
    return dst

def build_site(book: Book) -> Path:
    """Strict Jupyter Book build of the build copy; publish by swapping the ``html`` symlink."""
    src = copy_sources(book)
    sites = book.build / "sites"
    tmp = sites / f"tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    jb = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or shutil.which("jupyter-book")
    cmd = [jb, "build", "-W", "-n", "--keep-going", "--path-output", str(tmp), str(src)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        log = book.build / "reports" / "site-build.log"
        atomic_write(log, proc.stdout + "\n" + proc.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
        text = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + "\n" + proc.stderr)
        warnings = [ln.strip() for ln in text.splitlines()
                    if any(w in ln for w in ("WARNING", "ERROR", "Error:", "error:"))] or text.strip().splitlines()[-5:]
        raise ChapterFailed("the site build failed (warnings are errors):\n  " + "\n  ".join(warnings[:20])
                            + f"\n  full log: {log}")
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}"
    final = sites / stamp
    os.replace(tmp / "_build" / "html", final)
    shutil.rmtree(tmp, ignore_errors=True)
    link = book.build / "html"
    tmp_link = book.build / f".html.tmp-{os.getpid()}"
    tmp_link.unlink(missing_ok=True)
    os.symlink(Path("sites") / stamp, tmp_link)
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)
    os.replace(tmp_link, link)
    for old in sites.iterdir():
        if old.name != stamp:
            shutil.rmtree(old, ignore_errors=True)
    return link
