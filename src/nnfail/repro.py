"""Reproducibility: one seed for every generator, and the pinned versions every chapter asserts."""
from __future__ import annotations

import os
import random
import re
from importlib import metadata

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


def pinned_versions() -> dict[str, str]:
    """The exact versions pinned in pyproject.toml, read from the installed package's metadata."""
    pins = {}
    for req in metadata.requires("nnfail") or []:
        if "extra ==" in req:
            continue
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^;\s]+)", req)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def installed_versions(names=None) -> dict[str, str]:
    names = names or sorted(pinned_versions())
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def check_versions() -> dict[str, str]:
    """Assert that the running environment has the pinned versions; return them."""
    pins = pinned_versions()
    have = installed_versions(list(pins))
    wrong = {n: (have[n], v) for n, v in pins.items() if have[n] != v}
    if wrong:
        lines = ", ".join(f"{n} {h} (book pins {v})" for n, (h, v) in wrong.items())
        raise RuntimeError(f"this environment differs from the book's pins: {lines}. "
                           "Install with `pip install -e .` from the repository.")
    return have
