"""A chapter as a function of its parameters: many executions of one chapter on a Dask cluster.

    nnfail sweep 1 -p input_scale 0.001,0.01,0.1,1 -p n_seeds 16,64 --grid --workers 2

Every point is one papermill execution of the chapter, exactly what ``nnfail run`` with the same
parameters does: the same validation, the same cache key and the same run folder
(``_build/runs/<slug>/<key>/``), so a point computed once (by a sweep or by ``nnfail run``) is never
computed again and an interrupted sweep resumes where it stopped. The scheduling is Dask's
(``distributed``): a ``LocalCluster`` on this machine by default, or any running scheduler given by
address (``dask scheduler`` / ``dask worker`` on other machines, dask-jobqueue on Slurm or PBS,
dask-kubernetes). Workers need only this package installed with its ``book`` extra (papermill and
ipykernel); the client sends them the notebook and gets the executed notebook back, and it alone
writes files, so the workers need no shared file system.

What a sweep leaves under ``_build/sweeps/<slug>/<sweep id>/`` (the id is a digest of the points):
``table.csv`` (one row per point: status, the parameters, then every scalar of its results),
``figure.png`` and ``sweep.json`` (points, cache keys, statuses, failures, wall time).
"""
from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import os
import shutil
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from nnfail.params import ParameterError
from nnfail.book.runner import (Book, Chapter, atomic_write, cache_key, execute_notebook, failure_message,
                                report_line)

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTEROP_THREADS")


# ----------------------------------------------------------------------------------------- points
def split_values(text: str) -> list[str]:
    """'0.1,1,10' -> ['0.1', '1', '10']; commas inside brackets belong to a value ('[8,8],[16]')."""
    values, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "[("
        depth -= ch in "])"
        if ch == "," and depth == 0:
            values.append(cur.strip())
            cur = ""
        else:
            cur += ch
    values.append(cur.strip())
    if any(v == "" for v in values):
        raise ParameterError(f"empty value in {text!r}; give values separated by commas, e.g. 0.1,1,10")
    return values


def points(ch: Chapter, swept: Sequence[tuple[str, str]], mode: str = "grid") -> list[dict]:
    """The parameter overrides of every point: the grid (every combination, the first parameter slowest)
    or the zip (the i-th value of every parameter) of ``-p NAME V1,V2,...`` pairs."""
    if mode not in ("grid", "zip"):
        raise ValueError(f"mode must be 'grid' or 'zip', got {mode!r}")
    names = [name for name, _ in swept]
    ch.spec.unknown(names)
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ParameterError(f"parameter {dup[0]!r} is swept twice; give all its values in one -p")
    if not swept:
        raise ParameterError("nothing to sweep: give at least one -p NAME V1,V2,...")
    columns = [[ch.spec.by_name[name].parse(v) for v in split_values(text)] for name, text in swept]
    if mode == "zip":
        lengths = {name: len(c) for name, c in zip(names, columns)}
        if len(set(lengths.values())) > 1:
            raise ParameterError("--zip needs the same number of values for every parameter; got "
                                 + ", ".join(f"{n}: {k}" for n, k in lengths.items()))
        combos = list(zip(*columns))
    else:
        combos = list(itertools.product(*columns))
    return [dict(zip(names, combo)) for combo in combos]


def validate(book: Book, ch: Chapter, overrides: Sequence[Mapping[str, Any]], quick: bool = False,
             allow_expensive: bool = False) -> list[dict]:
    """Every point checked with the chapter's own spec before anything runs; a bad value anywhere refuses
    the whole sweep (naming the point), and the summed cost estimate faces the gate of ``nnfail run``."""
    checked = []
    for i, ov in enumerate(overrides, 1):
        try:
            checked.append(book.parameters(ch, ov, quick=quick, allow_expensive=True))
        except ParameterError as err:
            raise ParameterError(f"point {i} of {len(overrides)} ({_describe(ov)}): {err}") from None
    spec = ch.spec
    if spec.cost is not None and not allow_expensive:
        seconds = sum(float(spec.cost(p)) for p in checked)
        if seconds > spec.max_cost:
            raise ParameterError(
                f"this sweep of {len(checked)} points would take about {seconds / 60:.0f} minutes of "
                f"execution (limit {spec.max_cost / 60:.0f}); pass --allow-expensive to run it anyway")
    return checked


def _describe(ov: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in ov.items())


def sweep_id(ch: Chapter, keys: Sequence[str]) -> str:
    return hashlib.sha256(json.dumps([ch.slug, list(keys)]).encode()).hexdigest()[:12]


# ----------------------------------------------------------------------------------------- worker
def execute_point(notebook: str, name: str, params: Mapping[str, Any], threads: int) -> dict:
    """Run on a Dask worker: execute the notebook text with params in a scratch folder and return the
    executed notebook text (or the failure, naming chapter and cell). Writes nothing the client sees."""
    from papermill.exceptions import PapermillExecutionError

    for var in THREAD_VARIABLES:  # the kernel inherits these: workers side by side do not oversubscribe
        os.environ[var] = str(threads)
    scratch = Path(tempfile.mkdtemp(prefix="nnfail-point-"))
    t0 = time.perf_counter()
    try:
        source, out = scratch / "source.ipynb", scratch / "executed.ipynb"
        source.write_text(notebook)
        try:
            execute_notebook(source, out, params, scratch / "build")
        except PapermillExecutionError as err:
            return {"status": "failed", "message": failure_message(name, err, out),
                    "notebook": out.read_text() if out.is_file() else None,
                    "seconds": time.perf_counter() - t0}
        return {"status": "executed", "notebook": out.read_text(), "seconds": time.perf_counter() - t0}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# ----------------------------------------------------------------------------------------- client
@dataclass
class Point:
    index: int
    overrides: dict
    params: dict
    key: str
    status: str = "pending"  # pending | cached | executed | failed | cancelled
    seconds: float = 0.0
    message: str = ""
    results: dict = field(default_factory=dict)


@dataclass
class Sweep:
    chapter: Chapter
    swept: list[str]
    points: list[Point]
    folder: Path
    wall_seconds: float = 0.0
    y: str | None = None  # the result the figure shows (default: the first that varies)

    @property
    def failed(self) -> list[Point]:
        return [p for p in self.points if p.status == "failed"]

    @property
    def table(self) -> Path:
        return self.folder / "table.csv"

    @property
    def figure(self) -> Path:
        return self.folder / "figure.png"


def plan(book: Book, ch: Chapter, params: Sequence[Mapping[str, Any]], overrides: Sequence[Mapping[str, Any]],
         out: Path | None = None) -> Sweep:
    keys = [cache_key(book.root, ch, p) for p in params]
    swept = list(dict.fromkeys(k for ov in overrides for k in ov))
    folder = Path(out) if out else book.build / "sweeps" / ch.slug / sweep_id(ch, keys)
    pts = [Point(i, dict(ov), dict(p), k) for i, (ov, p, k) in enumerate(zip(overrides, params, keys), 1)]
    return Sweep(ch, swept, pts, folder.resolve())


def _local_threads(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // workers)


def _cluster_threads(client) -> tuple[int, int]:
    """(workers, library threads per chapter) on a running cluster: each host's cores shared by the task
    slots of the workers on it (the smallest share over the hosts)."""
    workers = client.scheduler_info(n_workers=-1).get("workers", {})
    if not workers:
        client.wait_for_workers(1, timeout=60)
        workers = client.scheduler_info(n_workers=-1).get("workers", {})
    cores = client.run(os.cpu_count)
    slots: dict[str, int] = {}
    for info in workers.values():
        slots[info["host"]] = slots.get(info["host"], 0) + int(info.get("nthreads", 1))
    return len(workers), max(1, min((cores.get(addr) or 1) // slots[info["host"]] for addr, info in workers.items()))


def run(book: Book, sweep: Sweep, workers: int | None = None, scheduler: str | None = None,
        force: bool = False, progress: bool | None = None, echo: Callable[..., None] = print) -> Sweep:
    """Execute the points not already computed (all of them with force) on Dask, publish each finished
    point into its run folder as it arrives, then write the table, the figure and the record. A failing
    point is recorded and the others go on; Ctrl-C cancels what is running, keeps what finished (and the
    table of it) and re-raises."""
    ch = sweep.chapter
    t0 = time.perf_counter()
    todo = []
    for pt in sweep.points:
        if not force and book.is_current(ch, pt.key, book.run_slot(ch, pt.key)):
            pt.status = "cached"
        else:
            todo.append(pt)
    if sweep.points and len(todo) < len(sweep.points):
        echo(f"{len(sweep.points) - len(todo)} of {len(sweep.points)} points already computed (cached)")
    try:
        if todo:
            _execute(book, sweep, todo, workers, scheduler, progress, echo)
    except KeyboardInterrupt:
        for pt in todo:
            if pt.status == "pending":
                pt.status = "cancelled"
        raise
    finally:
        for pt in sweep.points:
            if pt.status in ("cached", "executed"):
                data = json.loads(book.run_slot(ch, pt.key).results.read_text())
                pt.results = data["results"]
                pt.seconds = pt.seconds or data["timing"]["execution_seconds"]  # a cached point's own time
        sweep.wall_seconds = time.perf_counter() - t0
        write_outputs(sweep)
    return sweep


def _execute(book: Book, sweep: Sweep, todo: list[Point], workers: int | None, scheduler: str | None,
             progress: bool | None, echo) -> None:
    from dask.distributed import Client, LocalCluster, as_completed

    ch = sweep.chapter
    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")
        n, threads = _cluster_threads(client)
        echo(f"sweeping {len(todo)} points of {ch.name} on the Dask scheduler at {scheduler} ({n} workers, "
             f"{threads} thread(s) each)")
    else:
        workers = workers or min(len(todo), os.cpu_count() or 1)
        threads = _local_threads(workers)
        # one chapter at a time per worker, each kernel limited to its share of the cores
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=40)
        client = Client(cluster)
        echo(f"sweeping {len(todo)} points of {ch.name} on a local Dask cluster of {workers} workers "
             f"({threads} thread(s) each)")
    from nnfail.progress import bar

    pbar = bar(len(todo), f"{ch.name} sweep") if progress is not False else None
    notebook = (book.root / ch.source).read_text()
    futures = {}
    try:
        for pt in todo:
            f = client.submit(execute_point, notebook, ch.name, pt.params, threads, pure=False,
                              key=f"nnfail-{ch.slug}-{pt.index}-{pt.key[:16]}")
            futures[f] = pt
        for f in as_completed(list(futures)):
            pt = futures[f]
            try:
                out = f.result()
            except Exception as err:  # the worker itself failed (died, lost, could not import): keep going
                pt.status, pt.message = "failed", f"chapter {ch.name} could not execute on a worker: {err!r}"
            else:
                _land(book, ch, pt, out)
            echo(_line(pt, len(sweep.points)), flush=True)
            if pbar is not None:
                pbar.update(1)
    finally:
        for f, pt in futures.items():
            if pt.status == "pending":
                f.cancel()
        if pbar is not None:
            pbar.close()
        client.close()
        if cluster is not None:
            cluster.close()


def _land(book: Book, ch: Chapter, pt: Point, out: dict) -> None:
    """Publish a worker's executed notebook into the point's run folder (what `nnfail run` would write)."""
    slot = book.run_slot(ch, pt.key)
    pt.seconds = out["seconds"]
    slot.notebook.parent.mkdir(parents=True, exist_ok=True)
    if out["status"] == "executed":
        tmp = slot.notebook.with_name(f".{slot.notebook.stem}.tmp-{os.getpid()}.ipynb")
        tmp.write_text(out["notebook"])
        book.publish(ch, pt.params, tmp, pt.seconds, pt.key, slot)
        pt.status = "executed"
    else:
        if out.get("notebook"):
            atomic_write(slot.report, out["notebook"])
        pt.status = "failed"
        pt.message = out["message"] + report_line(slot.report)


def _line(pt: Point, n: int) -> str:
    what = {"executed": f"executed in {pt.seconds:.1f} s", "cached": "cached",
            "failed": f"FAILED after {pt.seconds:.1f} s"}.get(pt.status, pt.status)
    return f"[{pt.index}/{n}] {_describe(pt.overrides)} ... {what}"


# ----------------------------------------------------------------------------------------- outputs
def scalars(results: Mapping[str, Any]) -> dict:
    """The results a table can hold: numbers, booleans and one-line strings."""
    return {k: v for k, v in results.items()
            if isinstance(v, (int, float, bool)) or (isinstance(v, str) and "\n" not in v and len(v) <= 200)}


def rows(sweep: Sweep) -> tuple[list[str], list[dict]]:
    params = list(sweep.swept) + [k for k in sweep.points[0].params if k not in sweep.swept] if sweep.points else []
    result_names: list[str] = []
    for pt in sweep.points:
        result_names += [k for k in scalars(pt.results) if k not in result_names]

    def column(k: str) -> str:  # a glued result named like a parameter (a chapter's derived size) keeps both
        return f"{k}__result" if k in params else k

    header = ["point", "status", *params, *[column(k) for k in result_names]]
    out = []
    for pt in sweep.points:
        row = {"point": pt.index, "status": pt.status}
        row.update({k: _cell(pt.params[k]) for k in params})
        row.update({column(k): _cell(v) for k, v in scalars(pt.results).items()})
        out.append(row)
    return header, out


def _cell(v: Any) -> Any:
    return json.dumps(v) if isinstance(v, (list, dict)) else v


def write_outputs(sweep: Sweep) -> None:
    sweep.folder.mkdir(parents=True, exist_ok=True)
    header, table = rows(sweep)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(table)
    atomic_write(sweep.table, buf.getvalue())
    try:
        y = sweep.y or default_result(sweep)
        fig = {"file": sweep.figure.name, "y": y, "alt": figure(sweep, y)}
    except ValueError:
        sweep.figure.unlink(missing_ok=True)  # nothing numeric to draw yet (every point failed)
        fig = None
    record = {"chapter": sweep.chapter.name, "swept": sweep.swept, "wall_seconds": round(sweep.wall_seconds, 2),
              "figure": fig,
              "points": [{"point": p.index, "overrides": p.overrides, "parameters": p.params, "cache_key": p.key,
                          "status": p.status, "seconds": round(p.seconds, 2), "message": p.message}
                         for p in sweep.points]}
    atomic_write(sweep.folder / "sweep.json", json.dumps(record, indent=1) + "\n")


def numeric_results(sweep: Sweep) -> list[str]:
    names: list[str] = []
    for pt in sweep.points:
        names += [k for k, v in pt.results.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
                  and k not in names]
    return names


def interval(results: Mapping[str, Any], name: str) -> tuple[float, float] | None:
    """The interval glued with a result: NAME_low/NAME_high, or for BASE__rate the BASE__low/BASE__high
    that the chapters glue with every rate."""
    for lo, hi in ((f"{name}_low", f"{name}_high"),
                   *([(name[:-len("rate")] + "low", name[:-len("rate")] + "high")] if name.endswith("__rate") else [])):
        a, b = results.get(lo), results.get(hi)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return float(a), float(b)
    return None


def default_result(sweep: Sweep) -> str:
    """The first numeric result that changes across the points (else the first numeric result)."""
    names = numeric_results(sweep)
    if not names:
        raise ValueError("no numeric result to plot")
    for name in names:
        vals = {pt.results.get(name) for pt in sweep.points if name in pt.results}
        if len(vals) > 1:
            return name
    return names[0]


def figure(sweep: Sweep, y: str | None = None) -> str:
    """Draw result y (default: the first that varies) against the first swept parameter (one line per value
    of the second) into sweep.figure; returns the figure's alt text. Error bars where the result has a glued
    interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y = y or default_result(sweep)
    x_name = sweep.swept[0]
    group = sweep.swept[1] if len(sweep.swept) > 1 else None
    done = [pt for pt in sweep.points if isinstance(pt.results.get(y), (int, float))]
    if not done:
        raise ValueError(f"no point has the result {y!r}")
    xs = [pt.params[x_name] for pt in sweep.points]
    numeric_x = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in xs)

    def label(v) -> str:
        return v if isinstance(v, str) else json.dumps(v)

    labels = list(dict.fromkeys(label(v) for v in xs))

    def x_of(p: Point):  # the value itself on a numeric axis, else its position among the labels
        return p.params[x_name] if numeric_x else labels.index(label(p.params[x_name]))

    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=100)
    groups = list(dict.fromkeys(json.dumps(pt.params[group]) for pt in done)) if group else [None]
    for g in groups:
        sel = sorted((pt for pt in done if group is None or json.dumps(pt.params[group]) == g), key=x_of)
        xv = [x_of(p) for p in sel]
        yv = [float(p.results[y]) for p in sel]
        iv = [interval(p.results, y) for p in sel]
        label_g = f"{group} = {g}" if group else None
        if all(i is not None for i in iv):
            err = [[v - i[0] for v, i in zip(yv, iv)], [i[1] - v for v, i in zip(yv, iv)]]
            ax.errorbar(xv, yv, yerr=err, marker="o", capsize=3, label=label_g)
        else:
            ax.plot(xv, yv, marker="o", label=label_g)
    if numeric_x:
        positive = all(v > 0 for v in xs)
        if positive and max(xs) / min(xs) >= 50:
            ax.set_xscale("log")
    else:
        ax.set_xticks(range(len(labels)), labels)
    ax.set_xlabel(x_name)
    ax.set_ylabel(y)
    ax.set_title(textwrap.fill(f"{sweep.chapter.name}: {y} against {x_name}", 60), fontsize=10)
    if group:
        ax.legend(title=None, fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    atomic_write(sweep.figure, buf.getvalue())
    alt = (f"{y} of chapter {sweep.chapter.name} at {len(done)} sweep points, against {x_name}"
           + (f", one line per {group}" if group else "")
           + ("; bars are the glued intervals" if all(interval(p.results, y) for p in done) else ""))
    return alt


# ----------------------------------------------------------------------------------------- in a chapter
@dataclass
class ChapterSweep:
    """A sweep run by a chapter while the book is built: the command a reader would type, its outcome."""

    command: str  # as a reader types it (no paths of this machine)
    returncode: int
    rows: list[dict]
    record: dict
    figure_png: bytes | None
    alt: str
    error: str = ""


def in_chapter(chapter: str, swept: Sequence[tuple[str, str]], quick: bool = True, workers: int = 2,
               y: str | None = None, timeout: float = 3600, nnfail: Sequence[str] | None = None) -> ChapterSweep:
    """Run `nnfail sweep` from inside an executing chapter (the book's "Going further" sections).

    The book root and build directory come from the kernel the runner starts (NNFAIL_ROOT,
    NNFAIL_BUILD_DIR), else from the folder the notebook runs in (Binder, a clone). The sweep uses a build
    directory of its own (BUILD/chapter-sweeps), so it neither waits for the lock of the build that is
    executing this chapter nor mixes with a reader's runs; its points stay cached there between builds.
    Raises NoBook outside a checkout (Colab opens a single notebook); a sweep that fails as a whole (not
    point by point) comes back with its last error line in ``error``."""
    import subprocess

    from nnfail.book.runner import find_root

    root = Path(os.environ.get("NNFAIL_ROOT") or find_root())
    build = Path(os.environ.get("NNFAIL_BUILD_DIR") or root / "_build") / "chapter-sweeps"
    args = ["sweep", chapter]
    for name, values in swept:
        args += ["-p", name, values]
    args += (["--quick"] if quick else []) + ["--workers", str(workers)] + (["--y", y] if y else [])
    env = {k: v for k, v in os.environ.items() if k not in ("NNFAIL_ROOT", "NNFAIL_BUILD_DIR", "JUPYTER_PATH")}
    nnfail = list(nnfail or [sys.executable, "-m", "nnfail"])  # the tests pass a launcher of the fixture book
    command = "nnfail " + " ".join(_shell_word(a) for a in args)
    folder = build / "shown" / hashlib.sha256(command.encode()).hexdigest()[:12]  # one folder per command
    proc = subprocess.run([*nnfail, *args, "--root", str(root), "--build-dir", str(build), "--out", str(folder)],
                          capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode not in (0, 1):  # 1: some points failed, the table was written; else nothing was
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and "IPKernelApp" not in ln]
        return ChapterSweep(command, proc.returncode, [], {}, None, "", lines[-1] if lines else "no output")
    with open(folder / "table.csv") as f:
        rows = list(csv.DictReader(f))
    record = json.loads((folder / "sweep.json").read_text())
    png = (folder / "figure.png").read_bytes() if record.get("figure") else None
    return ChapterSweep(command, proc.returncode, rows, record, png, (record.get("figure") or {}).get("alt", ""))


def _shell_word(text: str) -> str:
    import shlex

    return shlex.quote(text)
