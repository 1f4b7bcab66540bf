"""Glued results: numbers computed in a chapter, shown in its prose, and read back by the runner."""
from __future__ import annotations

import ast
import math
import re
from typing import Any

import numpy as np


def _plain(value: Any) -> Any:
    """Python scalar/str for a numpy scalar, so the glued text/plain is a literal readable back."""
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # 'nan'/'inf' have no literal; kept readable as text
    return value


def glue(name: str, value: Any, display: bool = False) -> None:
    """Glue a scalar or short string for `{glue:text}` in the prose (returns nothing, so a cell ending in a
    glue call shows no stray output).

    Only scalars and strings are glued this way, so that every glued number lands in the results JSON.
    Figures and tables use myst_nb.glue directly with display=True.
    """
    plain = _plain(value)
    if not isinstance(plain, (int, float, str, bool)):
        raise TypeError(f"glue {name!r}: expected a scalar or str, got {type(value).__name__}")
    try:
        from myst_nb import glue as _glue
    except ImportError:  # the library without the book toolchain (e.g. Colab): nothing will read the value
        return
    _glue(name, plain, display=display)


def glue_object(name: str, value: Any) -> None:
    """Glue a table or figure (an IPython display object) without showing it here: another page pastes it
    (``{glue} doc.ipynb::name``). Not a result: the results JSON keeps scalars only."""
    try:
        from myst_nb import glue as _glue
    except ImportError:  # the library without the book toolchain (e.g. Colab): nothing will paste it
        return
    _glue(name, value, display=False)


def read_glued(nb) -> dict[str, Any]:
    """Every glued scalar of an executed notebook (nbformat node), as Python values."""
    found: dict[str, Any] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("scrapbook")
            if not meta:
                continue
            prefix = meta.get("mime_prefix", "")
            text = out.get("data", {}).get(prefix + "text/plain")
            if text is None:
                continue
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                continue  # a figure or a rich object: not a scalar result
            if isinstance(value, str) and value in ("nan", "inf", "-inf"):
                value = float(value)
            if isinstance(value, (int, float, str, bool)):
                found[meta["name"]] = value
    return found


def key(name: str) -> str:
    """A glue/results name for a configuration name: parts split on ' | ', each reduced to [a-z0-9_],
    joined by '__' (e.g. 'square | scaled X | y scaled' -> 'square__scaled_x__y_scaled')."""
    parts = [re.sub(r"[^a-z0-9]+", "_", part.lower()).strip("_") for part in name.split(" | ")]
    return "__".join(parts)
