"""Reproducibility: one seed for every generator, and the library versions every chapter records."""
from __future__ import annotations

import os
import random
import re
import warnings
from importlib import metadata
from pathlib import Path

import numpy as np


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, numpy, TensorFlow and Keras from one integer; turn on deterministic TF ops.

    Returns the explicit numpy generator that chapter code passes down (never global state).
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)  # seeds python, numpy and the TF global generator
    tf.config.experimental.enable_op_determinism()
    return np.random.default_rng(seed)


# The libraries whose versions can change a chapter's numbers: recorded in every results file.
KEY_PACKAGES = ("numpy", "scipy", "tensorflow", "tensorflow-cpu", "keras", "scikit-learn", "matplotlib")
LOCK_FILE = Path(__file__).resolve().parents[2] / "requirements.lock"  # in a checkout of the book


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(lock: Path | None = None) -> dict[str, str]:
    """The exact versions of requirements.lock (the environment `make book` and Binder install), or {}
    when the package runs outside a checkout (pip install from a wheel, Colab)."""
    lock = LOCK_FILE if lock is None else lock
    if not lock.is_file():
        return {}
    pins = {}
    for line in lock.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line)
        if m:
            pins[_normal(m.group(1))] = m.group(2)
    return pins


def installed_versions(names=None) -> dict[str, str]:
    """Installed versions of ``names`` (default: the locked packages, else the key ones); absent ones are
    left out."""
    names = names or sorted(locked_versions()) or KEY_PACKAGES
    out = {}
    for name in names:
        try:
            out[_normal(name)] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def check_versions() -> dict[str, str]:
    """The versions of the libraries that shape the numbers, for the chapter's record. Outside the locked
    environment (or with other versions installed) a warning says the numbers may differ from the book's;
    nothing is refused, so the chapters also run in a reader's own environment or Colab."""
    locked = locked_versions()
    have = installed_versions(KEY_PACKAGES)
    if not locked:
        warnings.warn("running outside the book's locked environment (no requirements.lock): the numbers may "
                      "differ slightly from the published ones", stacklevel=2)
        return have
    wrong = {n: (v, locked.get(n, "not locked")) for n, v in have.items() if locked.get(n) != v}
    if wrong:
        lines = ", ".join(f"{n} {h} (the book locks {v})" for n, (h, v) in wrong.items())
        warnings.warn(f"this environment differs from the book's lock: {lines}; the numbers may differ from "
                      "the published ones (`make book` installs the locked versions)", stacklevel=2)
    return have
