"""Progress bars that show where someone is watching and vanish in batch runs.

`nnfail build`/`run` execute chapters with NNFAIL_NO_PROGRESS=1, so executed notebooks and the site
carry no progress-bar noise; in a terminal or an interactive notebook the bar is shown.
"""
from __future__ import annotations

import os
import sys
import warnings


def interactive() -> bool:
    if os.environ.get("NNFAIL_NO_PROGRESS"):
        return False
    return "ipykernel" in sys.modules or sys.stderr.isatty()


def bar(total: int, desc: str):
    """A tqdm bar, or None when nobody is watching (callers skip updates on None)."""
    if not interactive():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tqdm.auto warns when ipywidgets is missing; the text bar is fine
        from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, leave=False)
