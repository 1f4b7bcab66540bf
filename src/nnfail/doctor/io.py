"""Files for the command line: a saved Keras model and its data (.npz or .csv)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from nnfail.doctor.rules import DoctorError


MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")
DATA_SUFFIXES = (".npz", ".csv")


def _check_file(what: str, path, suffixes) -> Path:
    """The path, if it is a readable file with one of ``suffixes``; else a DoctorError saying which."""
    p = Path(path)
    if not p.is_file():
        raise DoctorError(f"no {what} file at {p}")
    if not os.access(p, os.R_OK):
        raise DoctorError(f"the {what} file {p} is not readable")
    if p.suffix not in suffixes:
        raise DoctorError(f"{p.name}: expected a {what} file ending in {' or '.join(suffixes)}")
    return p


def check_files(model_path, data_path) -> None:
    """Both files exist, are readable and have a suffix the doctor reads: checked before anything is
    loaded (loading a model takes seconds; a missing data file should not wait for it)."""
    _check_file("model", model_path, MODEL_SUFFIXES)
    _check_file("data", data_path, DATA_SUFFIXES)


def load_model(path):
    """A saved Keras model (.keras or .h5), or a DoctorError saying why it cannot be read."""
    p = _check_file("model", path, MODEL_SUFFIXES)
    import warnings

    import keras

    try:
        with warnings.catch_warnings():  # the doctor reports what matters; library chatter would come first
            warnings.simplefilter("ignore")
            return keras.models.load_model(p, compile=True)
    except Exception as exc:  # noqa: BLE001 - any reading failure is the reader's file, say so plainly
        raise DoctorError(f"cannot load {p.name} as a Keras model: {type(exc).__name__}: {exc}") from None


def load_data(path, x_key: str | None = None, y_key: str | None = None, target_column: int = -1):
    """X, y from an .npz (arrays named X and y, or x_key/y_key) or a numeric .csv (optional header row;
    the target is column ``target_column``, the last by default)."""
    p = _check_file("data", path, DATA_SUFFIXES)
    if p.suffix == ".npz":
        with np.load(p, allow_pickle=False) as data:
            keys = list(data.keys())

            def pick(given, names):
                if given is not None:
                    if given not in keys:
                        raise DoctorError(f"{p.name} has no array {given!r}; it has {keys}")
                    return data[given]
                found = [k for k in keys if k in names]
                if not found:
                    raise DoctorError(f"{p.name} has arrays {keys}; name them X and y or pass --x-key/--y-key")
                return data[found[0]]

            return pick(x_key, ("X", "x")), pick(y_key, ("y", "Y"))
    if p.suffix == ".csv":
        import csv

        with open(p, newline="") as fh:
            rows = [r for r in csv.reader(fh) if r]
        if rows and not _numeric(rows[0]):
            rows = rows[1:]
        if not rows:
            raise DoctorError(f"{p.name} has no data rows")
        widths = {len(r) for r in rows}
        if len(widths) != 1 or widths.pop() < 2:
            raise DoctorError(f"{p.name}: every row needs the same number (at least 2) of columns")
        bad = next((i for i, r in enumerate(rows) if not _numeric(r)), None)
        if bad is not None:
            raise DoctorError(f"{p.name}: data row {bad + 1} is not numeric: {rows[bad]}")
        table = np.array(rows, dtype=float)
        col = target_column % table.shape[1]
        return np.delete(table, col, axis=1), table[:, col]


def _numeric(row) -> bool:
    try:
        [float(v) for v in row]
    except ValueError:
        return False
    return True
