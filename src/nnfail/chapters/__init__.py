"""The book's chapters, one folder each, and the one list of them (the registry).

``nnfail/chapters/<slug>/`` holds everything only that chapter uses: ``spec.py`` (its parameters, cost
model, budget, source and the doctor causes it explains), ``experiments.py`` (data, configurations,
training, summaries, claims and verdicts), ``pair.py`` (the broken and fixed Keras model the doctor is run
on) and anything else only it needs. Its notebook is ``chapters/NN_<slug>.ipynb`` and its tests
``tests/test_<slug>.py``.

:data:`CHAPTERS` is the list of the chapters' specs, in book order: every folder here with a
``spec.py`` that defines ``CHAPTER``. So adding a chapter is adding a folder (and its notebook and test
file); ``nnfail sync`` then writes the notebook's parameters cell, the chapter list of ``_toc.yml``, the
sources page and the doctor's chapter links from the specs. The runner looks chapters up here and the
tests parametrize over it. Importing this package imports the specs only (no TensorFlow).
"""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from nnfail.params import QUICK, SEED, ChapterSpec, Spec


def _specs() -> tuple[ChapterSpec, ...]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.ispkg and importlib.util.find_spec(f"{__name__}.{info.name}.spec") is not None:
            spec = importlib.import_module(f"{__name__}.{info.name}.spec").CHAPTER
            if spec.slug != info.name:
                raise ValueError(f"nnfail/chapters/{info.name}/spec.py declares the slug {spec.slug!r}")
            found.append(spec)
    numbers = [c.number for c in found]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"two chapters share a number: {sorted(numbers)}")
    return tuple(sorted(found, key=lambda c: c.number))


CHAPTERS: tuple[ChapterSpec, ...] = _specs()

BY_SLUG: dict[str, ChapterSpec] = {c.slug: c for c in CHAPTERS}

# the chapter template (chapters/_template.ipynb): not in the book, executed by the tests
TEMPLATE = Spec((SEED, QUICK))

# Parameter specs by slug: the book's chapters plus the template (the tests register fixture chapters here).
SPECS: dict[str, Spec] = {"template": TEMPLATE, **{c.slug: c.spec for c in CHAPTERS}}


def chapter(slug: str) -> ChapterSpec:
    try:
        return BY_SLUG[slug]
    except KeyError:
        raise KeyError(f"no chapter {slug!r}; the book has: {', '.join(BY_SLUG)}") from None


def page_for(cause: str) -> str:
    """The slug of the chapter that explains a doctor cause ("check" or "check/variant"): the chapter that
    lists it among its pages or causes, else the one whose causes name its check, else the checklist."""
    for info in CHAPTERS:
        if cause in info.pages or cause in info.causes:
            return info.slug
    check = cause.split("/", 1)[0]
    for info in CHAPTERS:
        if check in info.causes:
            return info.slug
    return CHAPTERS[0].slug


def sources_page() -> str:
    """The book's sources page (sources.md), written from the chapters' specs (`nnfail sync` writes it)."""
    lines = ["# Sources", "",
             "Each case study retells a public question, answer or article in the book's own words and "
             "re-implements its experiments in the book's own code. These are the texts, with their "
             "licences; Stack Exchange content is licensed CC BY-SA (3.0 before May 2018, 4.0 after), "
             "which asks for attribution with a link, given here and at the top of each chapter.", ""]
    for c in CHAPTERS:
        lines += [f"## {c.title}", "", c.source.credit(), "", f"Chapter: {{doc}}`chapters/{c.stem}`", ""]
    lines += ["## This book", "",
              "The code (the `nnfail` package, the tests, the code cells of the chapters) is under the MIT "
              "licence (`LICENSE`); the text and figures of the chapters are under CC BY-SA 4.0 "
              "(`LICENSE-text.md`), compatible with the licences of the posts they retell. `CITATION.cff` "
              "says how to cite the book.", ""]
    return "\n".join(lines)


def doctor_pages() -> dict[str, tuple[str, str]]:
    """For every doctor check and every cause a chapter names: (the stem of the page that explains it,
    that page's title). ``nnfail sync`` writes this into ``nnfail/doctor/pages.py`` so that the doctor,
    which the chapters use, links them without importing them."""
    from nnfail.doctor.rules import CHECKS

    causes = list(CHECKS) + sorted({c for info in CHAPTERS for c in (*info.causes, *info.pages)} - set(CHECKS))
    pages = {cause: BY_SLUG[page_for(cause)] for cause in causes}
    return {cause: (info.stem, info.title) for cause, info in pages.items()}
