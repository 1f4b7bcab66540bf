"""Does the book run where Colab readers run it? (`make colab-check`; CI runs it after `make test`.)

1. A fresh virtual environment gets the packages Colab ships (validation/colab-runtime.txt, copied from
   Colab's published runtime list), then the chapters' bootstrap install (`pip install "nnfail @ ..."`,
   from this checkout instead of the repository URL). Colab's TensorFlow, Keras and NumPy must be
   unchanged afterwards, and no second TensorFlow (tensorflow-cpu) may appear.
2. One chapter runs at quick size through papermill on those versions.
3. A resolver dry run of the library's wheel for Python 3.10, 3.12 and 3.13 (`pip install --dry-run
   --python-version ...`), with and without the `cpu` extra.

Usage: python validation/colab_check.py [--venv DIR] [--chapter 04_two_relu_coverage]
Limits: this machine's Python (3.11) stands in for Colab's 3.13 in steps 1-2; step 3 checks 3.10, 3.12 and 3.13
resolution. Prints one line per check and exits 1 if any fails.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = Path(__file__).with_name("colab-runtime.txt")
KEPT = ("tensorflow", "keras", "numpy")  # Colab's own: never replaced


def run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)


def pip(python: Path, *args) -> subprocess.CompletedProcess:
    return run([python, "-m", "pip", "--disable-pip-version-check", *args])


def versions(python: Path) -> dict[str, str]:
    out = pip(python, "list", "--format=json")
    return {re.sub(r"[-_.]+", "-", p["name"]).lower(): p["version"] for p in json.loads(out.stdout)}


def colab_pins() -> list[str]:
    return [ln.strip() for ln in RUNTIME.read_text().splitlines() if ln.strip() and not ln.startswith("#")]


def check(name: str, ok: bool, detail: str = "") -> bool:
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail and not ok else ""), flush=True)
    return ok


def colab_like(venv: Path, chapter: str) -> list[bool]:
    if venv.exists():
        shutil.rmtree(venv)
    run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / "bin" / "python"
    pins = colab_pins()
    got = pip(python, "install", "-q", *pins)
    results = [check("Colab's packages install", got.returncode == 0, got.stderr[-500:])]
    if got.returncode:
        return results
    before = versions(python)
    got = pip(python, "install", "-q", f"nnfail @ {ROOT.as_uri()}")  # what the bootstrap cell does
    results.append(check("the bootstrap install succeeds", got.returncode == 0, got.stderr[-500:]))
    after = versions(python)
    changed = {k: (before.get(k), after.get(k)) for k in KEPT if before.get(k) != after.get(k)}
    results.append(check("Colab's TensorFlow, Keras and NumPy are kept", not changed, str(changed)))
    results.append(check("no second TensorFlow is installed", "tensorflow-cpu" not in after))
    # the harness needs papermill to inject parameters (Colab readers edit the cell by hand)
    pip(python, "install", "-q", "papermill")
    kept = {k: versions(python).get(k) for k in KEPT} == {k: before.get(k) for k in KEPT}
    results.append(check("papermill (the harness) keeps them too", kept))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.ipynb"
        got = run([python, "-m", "papermill", ROOT / "chapters" / f"{chapter}.ipynb", out, "-p", "quick", "True",
                   "-k", "python3", "--cwd", tmp], timeout=900)
        results.append(check(f"{chapter} runs at quick size on Colab's versions", got.returncode == 0,
                             "" if got.returncode == 0 else got.stderr[-1500:]))
    return results


def dry_runs() -> list[bool]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        got = run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp, ROOT])
        if not check("the library builds a wheel", got.returncode == 0, got.stderr[-500:]):
            return [False]
        wheel = next(Path(tmp).glob("nnfail-*.whl"))
        for version in ("3.10", "3.12", "3.13"):
            for spec in (str(wheel), f"nnfail[cpu] @ {wheel.as_uri()}"):
                got = run([sys.executable, "-m", "pip", "--disable-pip-version-check", "install", "--dry-run",
                           "--ignore-installed", "--only-binary=:all:", "--python-version", version,
                           "--target", Path(tmp) / "target", spec])
                extra = " with [cpu]" if "[cpu]" in spec else ""
                results.append(check(f"resolves for Python {version}{extra}", got.returncode == 0,
                                     got.stderr.strip().splitlines()[-1] if got.returncode else ""))
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--venv", type=Path, default=ROOT / "_build" / "colab-venv")
    ap.add_argument("--chapter", default="04_two_relu_coverage")
    args = ap.parse_args(argv)
    leftover = not (ROOT / "build").exists()  # setuptools builds the local package in ./build
    try:
        results = dry_runs() + colab_like(args.venv, args.chapter)
    finally:
        if leftover:
            shutil.rmtree(ROOT / "build", ignore_errors=True)
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
