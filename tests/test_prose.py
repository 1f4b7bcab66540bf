"""Every number in a chapter's prose is computed: glued from the execution, or marked as a figure quoted
from the source ({q} role). A number typed by hand becomes false the moment a reader re-runs the chapter
with other parameters, or the code's constants change.

What the test reads as a typed number: a digit-bearing token in a markdown cell, after removing roles
({glue:text}, {q}, {doc}, {cite}, ...), inline code and link targets, the chapter heading's number and the
registry's source credit line. Inside math, integers are formula constants (exponents, indices, the
definition of a target such as (x-50)^2) and pass; a decimal number inside math does not (that is where
thresholds such as p < 0.05 hide).
"""
import json
import re

import pytest

from nnfail.chapters import CHAPTERS

from conftest import ROOT

NAMES = ("Keras 3", "Keras 2", "float32", "1-D")  # names that contain digits, not quantities
ROLE = re.compile(r"\{[a-z][\w:-]*\}`[^`]*`")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
CODE = re.compile(r"``[^`]*``|`[^`]*`")
LINK = re.compile(r"\]\([^)]*\)")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S)
NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,.']*\d|(?<![\w.])\d")
DECIMAL = re.compile(r"\d*\.\d+")


def typed_numbers(text: str, credit: str = "") -> list[str]:
    """Digit-bearing tokens of markdown ``text`` that are neither computed nor quoted."""
    text = text.replace(credit, "") if credit else text
    text = FENCE.sub(" ", text)
    text = ROLE.sub(" ", text)
    text = CODE.sub(" ", text)
    text = LINK.sub("]", text)
    for name in NAMES:
        text = text.replace(name, " ")
    found = [m for math in MATH.findall(text) for m in DECIMAL.findall(math)]
    text = MATH.sub(" ", text)
    text = re.sub(r"^#\s+\d+\.\s", "# ", text)  # the chapter number of the title
    return found + NUMBER.findall(text)


def markdown_cells(info):
    nb = json.loads((ROOT / info.notebook).read_text())
    return [(i + 1, "".join(c["source"])) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"]


@pytest.mark.parametrize("info", CHAPTERS, ids=[c.slug for c in CHAPTERS])
def test_no_number_in_a_chapters_prose_is_typed_by_hand(info):
    credit = info.source.credit()
    cells = markdown_cells(info)
    assert any(credit in text for _, text in cells), "the source credit line is the registry's"
    typed = [(i, n) for i, text in cells for n in typed_numbers(text, credit)]
    assert not typed, f"{info.notebook}: numbers typed by hand (cell, number): {typed}"


@pytest.mark.parametrize("text, typed", [
    ("the median is 0.37 after training", ["0.37"]),  # a planted typed number
    ("a rate of {glue:text}`rate:.0%` and p < 0.05", ["0.05"]),
    ("within $p \\ge 0.05$ here", ["0.05"]),  # a threshold typed inside math
    ("about {q}`32,000` iterations, {glue:text}`n` seeds, `nnfail run 2 -p n_seeds 8`", []),
    ("$(x-50)^2$ on $[0, 100]$, $W_1 W_2$, in Keras 3", []),
    ("ran 209,237 iterations", ["209,237"]),
    ("see [the question](https://example.org/questions/60170)", []),
    ("```\nnnfail doctor m.keras d.csv  # exit 1\n```", []),  # a fenced code block
])
def test_the_prose_check_tells_typed_numbers_from_computed_and_quoted_ones(text, typed):
    assert typed_numbers(text) == typed


def test_a_number_planted_in_a_chapter_is_caught():
    info = CHAPTERS[2]
    credit = info.source.credit()
    cells = markdown_cells(info)
    planted = [text + "\nThe median RMSE is 77,123 after training." if i == cells[-1][0] else text for i, text in cells]
    assert [n for text in planted for n in typed_numbers(text, credit)] == ["77,123"]


@pytest.mark.parametrize("info", CHAPTERS, ids=[c.slug for c in CHAPTERS])
def test_glue_from_another_chapter_names_a_format(info):
    """myst-nb reads {glue:text}`doc.ipynb::key` as key 'doc.ipynb:' with format 'key': the build then
    fails on a missing key. A cross-document glue needs its format, e.g. `doc.ipynb::key:g`."""
    bad = [m for _, text in markdown_cells(info) for m in re.findall(r"\{glue(?::text)?\}`([^`]*::[^`]*)`", text)
           if ":" not in m.split("::", 1)[1]]
    assert not bad, bad


@pytest.mark.parametrize("page", ["doctor.md", "going_further.md"])
def test_the_pages_that_paste_from_a_chapter_type_no_number_and_name_a_format(page):
    """The doctor and Going further pages paste every number from the executed checklist notebook."""
    text = (ROOT / page).read_text()
    assert not typed_numbers(text), typed_numbers(text)
    pasted = re.findall(r"\{glue:text\}`([^`]*)`", text)
    assert pasted and all(p.startswith("chapters/00_checklist.ipynb::") and ":" in p.split("::", 1)[1]
                          for p in pasted)
