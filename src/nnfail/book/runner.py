"""The book pipeline: parameters -> papermill executes a chapter -> executed copy + results JSON -> site.

Layout of a build directory (default ``<root>/_build``)::

    book/                 build copy of the book sources; chapters/*.ipynb are the executed notebooks
    results/<slug>.json   every glued scalar, the parameters, versions and timing of one chapter
    cache/<slug>.key      the key of the execution that produced the files above
    reports/<slug>.ipynb  the executed notebook of a chapter that failed, error included
    sites/<stamp>/        built sites; ``html`` is a symlink to the newest complete one
    runs/<slug>/<key>/    a reader's run with other parameters than the book's (``nnfail run -p``, every
                          point of ``nnfail sweep``): <stem>.ipynb, results.json, key, report.ipynb
    sweeps/<slug>/<id>/   a sweep's table, figure and record (nnfail.book.sweep)
    .lock                 one build at a time per build directory

The book's own slots (book/, results/, cache/, reports/) hold only executions at the chapter's
default parameters (``--quick`` builds go to a build directory of their own); anything else is an
experiment beside the book, so the site and the results folder always agree.

Every file is written to a temporary name and moved into place when complete, so an interrupted run
leaves the previous good results and site untouched, and the next run needs no cleanup.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from nnfail.params import ParameterError, Spec

KERNEL_NAME = "nnfail"
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the nnfail package: its source is part of every cache key


class ChapterFailed(RuntimeError):
    """A chapter raised while executing; the message names the chapter and the failing cell."""


@dataclass(frozen=True)
class Chapter:
    number: int
    slug: str
    source: Path  # relative to the book root, e.g. chapters/01_scaling_disaster.ipynb
    spec: Spec

    @property
    def name(self) -> str:
        return self.source.stem


class NoBook(ParameterError):
    """The command needs the book's sources and none were found."""


def find_root(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "_toc.yml").is_file() and (d / "_config.yml").is_file():
            return d
    raise NoBook(f"no book here: this command needs a checkout of the book (a folder with _toc.yml and "
                 f"_config.yml) at or above {here}; run it inside one or pass --root "
                 f"(`nnfail doctor` works anywhere)")


def toc_files(root: Path) -> list[str]:
    """Every file named in _toc.yml (root first), in reading order, without extensions."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                names.append(node["file"])
            for key in ("chapters", "parts", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk({k: v for k, v in toc.items() if k != "root"})
    return names


def discover(root: Path, specs: Mapping[str, Spec] | None = None) -> list[Chapter]:
    """The executable chapters of the book: notebooks under chapters/ named in _toc.yml, each with a
    parameter spec in the registry (a registered chapter must keep its registered number)."""
    from nnfail.chapters import BY_SLUG, SPECS

    specs = SPECS if specs is None else specs
    chapters = []
    for name in toc_files(root):
        path = root / (name + ".ipynb")
        if not path.is_file():
            continue
        m = re.match(r"^(\d+)_(\w+)$", path.stem)
        if not m:
            raise ValueError(f"chapter file {path.name} is not named NN_slug.ipynb")
        slug = m.group(2)
        if slug not in specs:
            raise ValueError(f"chapter {path.stem} has no record in nnfail.chapters")
        if slug in BY_SLUG and BY_SLUG[slug].stem != path.stem:
            raise ValueError(f"chapter {path.stem} is registered as {BY_SLUG[slug].stem}")
        chapters.append(Chapter(int(m.group(1)), slug, path.relative_to(root), specs[slug]))
    return chapters


def select(chapters: list[Chapter], which: str) -> Chapter:
    """A chapter by number ('1', '01'), slug or file stem."""
    for ch in chapters:
        if which in (ch.slug, ch.name, ch.slug.replace("_", "-")) or (which.isdigit() and int(which) == ch.number):
            return ch
    known = ", ".join(f"{c.number} ({c.slug})" for c in chapters)
    raise ParameterError(f"unknown chapter {which!r}; the book has: {known}")


def parameters_cell(nb) -> list[tuple[str, str, str]]:
    """(name, default literal, meaning) for each assignment in the cell tagged 'parameters'."""
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            rows = []
            for line in cell.source.splitlines():
                m = re.match(r"^(\w+)\s*=\s*(.+?)\s*(?:#\s*(.*))?$", line)
                if m:
                    rows.append((m.group(1), m.group(2), (m.group(3) or "").strip()))
            return rows
    raise ValueError("notebook has no cell tagged 'parameters'")


# --------------------------------------------------------------------------------------- cache key
def _package_digest() -> str:
    pkg = PACKAGE_DIR
    h = hashlib.sha256()
    for path in sorted(pkg.rglob("*.py")):
        h.update(str(path.relative_to(pkg)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _notebook_digest(path: Path) -> str:
    nb = json.loads(path.read_text())
    cells = [(c["cell_type"], "".join(c["source"]), c.get("metadata", {}).get("tags", [])) for c in nb["cells"]]
    kernel = nb.get("metadata", {}).get("kernelspec", {})
    return hashlib.sha256(json.dumps([cells, kernel], sort_keys=True).encode()).hexdigest()


def environment_info() -> dict:
    from nnfail.repro import installed_versions

    return {"python": platform.python_version(), "packages": installed_versions()}


def cache_key(root: Path, chapter: Chapter, params: Mapping[str, Any]) -> str:
    """Changes when the notebook, its parameters, the package source or the installed versions change."""
    parts = {
        "notebook": _notebook_digest(root / chapter.source),
        "params": params,
        "package": _package_digest(),
        "environment": environment_info(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


# --------------------------------------------------------------------------------------- files
def atomic_write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _clean_temporaries(build: Path) -> None:
    """Remove leftovers of interrupted runs (temporary files and unfinished sites)."""
    for tmp in build.rglob(".*.tmp-*"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
    sites = build / "sites"
    if sites.is_dir():
        for d in sites.glob("tmp-*"):
            shutil.rmtree(d, ignore_errors=True)


@contextlib.contextmanager
def build_lock(build: Path) -> Iterator[None]:
    """One writer per build directory; a second invocation waits, and says so (portable: filelock)."""
    from filelock import FileLock, Timeout

    build.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(build / ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"waiting for another nnfail run using {build} ...", file=sys.stderr, flush=True)
        lock.acquire()
    try:
        _clean_temporaries(build)
        yield
    finally:
        lock.release()


def _kernel_dir(build: Path, root: Path | None = None) -> Path:
    """A kernelspec that runs chapters in this very interpreter, whatever else is installed. The kernel
    is told the book root and build directory (NNFAIL_ROOT, NNFAIL_BUILD_DIR), which a chapter that runs
    other chapters (the checklist's sweep) needs; they never reach a published page."""
    d = build / "kernels"
    spec = {
        # C-level stderr of libraries (TensorFlow's absl start-up lines) goes to the terminal, not the page
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--IPKernelApp.capture_fd_output=False"],
        "display_name": "nnfail (Python 3)",
        "language": "python",
        # no TF start-up chatter and no progress bars in executed notebooks
        "env": {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0", "NNFAIL_NO_PROGRESS": "1",
                "NNFAIL_BUILD_DIR": str(build), **({"NNFAIL_ROOT": str(root)} if root else {})},
    }
    path = d / "kernels" / KERNEL_NAME / "kernel.json"
    if not path.is_file() or json.loads(path.read_text()) != spec:
        atomic_write(path, json.dumps(spec, indent=1))
    return d


_ENV_LOCK = threading.Lock()
_ENV_DEPTH = [0, None]  # executions inside kernel_environment, and JUPYTER_PATH as it was before the first


@contextlib.contextmanager
def kernel_environment(build: Path, root: Path | None = None) -> Iterator[None]:
    """Make the book's kernelspec findable (JUPYTER_PATH) while executions run, then restore the variable
    exactly as it was (unset stays unset). Re-entrant and thread-safe: chapters run side by side
    (``run_all(jobs=2)``) share one setting, restored when the last of them ends."""
    with _ENV_LOCK:
        if _ENV_DEPTH[0] == 0:
            _ENV_DEPTH[1] = os.environ.get("JUPYTER_PATH")
            os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(_kernel_dir(build, root)), _ENV_DEPTH[1]]))
        _ENV_DEPTH[0] += 1
    try:
        yield
    finally:
        with _ENV_LOCK:
            _ENV_DEPTH[0] -= 1
            if _ENV_DEPTH[0] == 0:
                if _ENV_DEPTH[1] is None:
                    os.environ.pop("JUPYTER_PATH", None)
                else:
                    os.environ["JUPYTER_PATH"] = _ENV_DEPTH[1]


# --------------------------------------------------------------------------------------- execute
@dataclass
class RunOutcome:
    chapter: Chapter
    status: str  # "executed" | "cached" | "failed"
    seconds: float
    notebook: Path
    results: Path | None
    message: str = ""


@dataclass(frozen=True)
class Slot:
    """Where one execution of a chapter lands: the book's own files, or a run folder beside them."""

    notebook: Path
    results: Path
    key: Path
    report: Path


class Book:
    def __init__(self, root: Path | None = None, build_dir: Path | None = None,
                 specs: Mapping[str, Spec] | None = None, progress: bool | None = None):
        self.root = (root or find_root()).resolve()
        self.build = (build_dir or self.root / "_build").resolve()
        self.chapters = discover(self.root, specs)
        self.progress = sys.stderr.isatty() if progress is None else progress

    # paths
    def executed_path(self, ch: Chapter) -> Path:
        return self.build / "book" / ch.source

    def results_path(self, ch: Chapter) -> Path:
        return self.build / "results" / f"{ch.slug}.json"

    def key_path(self, ch: Chapter) -> Path:
        return self.build / "cache" / f"{ch.slug}.key"

    def report_path(self, ch: Chapter) -> Path:
        return self.build / "reports" / f"{ch.name}.ipynb"

    def slot(self, ch: Chapter) -> Slot:
        """The book's own files for a chapter (its default execution)."""
        return Slot(self.executed_path(ch), self.results_path(ch), self.key_path(ch), self.report_path(ch))

    def run_dir(self, ch: Chapter, key: str) -> Path:
        return self.build / "runs" / ch.slug / key[:16]

    def run_slot(self, ch: Chapter, key: str) -> Slot:
        """A folder of its own, named by chapter and cache key, for an execution with other parameters."""
        d = self.run_dir(ch, key)
        return Slot(d / ch.source.name, d / "results.json", d / "key", d / "report.ipynb")

    def is_book_run(self, ch: Chapter, params: Mapping[str, Any]) -> bool:
        """True when params are the chapter's defaults: only such runs replace the book's own results."""
        return dict(params) == ch.spec.validate({}, allow_expensive=True)

    def parameters(self, ch: Chapter, overrides: Mapping[str, Any] | None = None, quick: bool = False,
                   allow_expensive: bool = False) -> dict:
        values = dict(overrides or {})
        if quick:
            if "quick" not in ch.spec.by_name:
                raise ParameterError(f"chapter {ch.name} has no 'quick' parameter")
            values["quick"] = True
        return ch.spec.validate(values, allow_expensive=allow_expensive)

    def is_current(self, ch: Chapter, key: str, slot: Slot | None = None) -> bool:
        slot = slot or self.slot(ch)
        return (slot.key.is_file() and slot.key.read_text().strip() == key
                and slot.notebook.is_file() and slot.results.is_file())

    def run(self, ch: Chapter, params: Mapping[str, Any], force: bool = False, beside: bool = False) -> RunOutcome:
        """Execute one chapter with validated params, unless an identical execution is cached.

        beside=True puts an execution with other than the default parameters in its own run folder
        (``run_slot``) and leaves the book's results and site untouched; at the defaults it changes nothing.
        """
        key = cache_key(self.root, ch, params)
        slot = self.run_slot(ch, key) if beside and not self.is_book_run(ch, params) else self.slot(ch)
        if not force and self.is_current(ch, key, slot):
            return RunOutcome(ch, "cached", 0.0, slot.notebook, slot.results)
        from papermill.exceptions import PapermillExecutionError

        out = slot.notebook
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.stem}.tmp-{os.getpid()}-{threading.get_ident()}.ipynb")
        t0 = time.perf_counter()
        try:
            execute_notebook(self.root / ch.source, tmp, params, self.build, self.progress, root=self.root)
        except PapermillExecutionError as err:
            msg = failure_message(ch.name, err, tmp) + report_line(slot.report)
            if tmp.is_file():
                slot.report.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, slot.report)
            return RunOutcome(ch, "failed", time.perf_counter() - t0, slot.report, None, msg)
        seconds = time.perf_counter() - t0
        self.publish(ch, params, tmp, seconds, key, slot)
        return RunOutcome(ch, "executed", seconds, out, slot.results)

    def publish(self, ch: Chapter, params: Mapping[str, Any], tmp: Path, seconds: float, key: str,
                slot: Slot | None = None) -> None:
        """Tidy the executed copy at tmp, then move it, the results JSON and the cache key into the slot."""
        import nbformat

        slot = slot or self.slot(ch)
        nb = nbformat.read(str(tmp), as_version=4)
        for cell in nb.cells:  # the values used, collapsed like the parameters cell above them
            tags = cell.metadata.setdefault("tags", [])
            if "injected-parameters" in tags and "hide-input" not in tags:
                tags.append("hide-input")
        pm_meta = nb.metadata.get("papermill", {})  # published notebooks name no path of this machine
        pm_meta["input_path"] = str(ch.source)
        pm_meta["output_path"] = str(ch.source)
        nbformat.write(nb, str(tmp))
        results = self._results(ch, nb, params, seconds, key)
        # order matters: the key is written last, so a run stopped in between is re-executed next time
        slot.key.unlink(missing_ok=True)
        slot.notebook.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, slot.notebook)
        atomic_write(slot.results, json.dumps(results, indent=1, sort_keys=True) + "\n")
        atomic_write(slot.key, key + "\n")
        slot.report.unlink(missing_ok=True)

    def _results(self, ch: Chapter, nb, params, seconds: float, key: str) -> dict:
        from nnfail import __version__
        from nnfail.glue import read_glued

        return {
            "chapter": ch.name,
            "number": ch.number,
            "slug": ch.slug,
            "parameters": dict(params),
            "results": read_glued(nb),
            "nnfail": __version__,
            "environment": environment_info(),
            "cache_key": key,
            "timing": {"execution_seconds": round(seconds, 2),
                       "executed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
        }


def execute_notebook(source: Path, out: Path, params: Mapping[str, Any], build: Path,
                     progress: bool = False, root: Path | None = None) -> None:
    """papermill runs the notebook at source with ``params`` in the book's kernel (its kernelspec kept
    under build), writing the executed copy to out; raises PapermillExecutionError if a cell fails."""
    import papermill as pm

    with kernel_environment(build, root), _socket_dir() as sockets, _stop_interrupts_the_kernel():
        try:
            pm.execute_notebook(
                str(source), str(out), parameters=dict(params),
                kernel_name=KERNEL_NAME, cwd=str(out.parent), progress_bar=progress,
                **({} if sockets is None else {"kernel_manager_class": _ipc_kernel_manager(sockets)}),
                log_output=False, report_mode=False,
                # papermill otherwise rewrites the whole executed notebook before and after every cell: some 80
                # writes of a growing file per chapter, 20-90 ms each (1-2 s a chapter). The copy is written
                # once at the end, and on a failing cell with the error in it, as before
                request_save_on_cell_execute=False,
            )
        except Exception:  # a failure, not the reader's Ctrl-C
            _show_kernel_stderr(sockets)
            raise


KERNEL_STDERR = "kernel-stderr.log"  # in the kernel's private socket directory


def _show_kernel_stderr(sockets: str | None, lines: int = 40) -> None:
    """After a failed execution: the last lines the kernel process wrote on its native
    stderr (a crash in a native library says why only there), which a successful one never shows."""
    if sockets is None or not (path := Path(sockets, KERNEL_STDERR)).is_file():
        return
    tail = path.read_text(errors="replace").splitlines()[-lines:]
    if any(line.strip() for line in tail):
        print("  the kernel's own stderr, last lines:\n" + "\n".join(f"    {line}" for line in tail),
              file=sys.stderr, flush=True)


@contextlib.contextmanager
def _socket_dir() -> Iterator[str | None]:
    """A private directory for one kernel's Unix sockets (removed afterwards); None where there are none
    (Windows), and the kernel talks TCP as before."""
    if os.name == "nt":
        yield None
        return
    import tempfile

    path = tempfile.mkdtemp(prefix="nnfail-kernel-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


_LIVE_KERNELS: "weakref.WeakSet" = weakref.WeakSet()  # the managers of kernels this process started


def _interrupt_kernels() -> None:
    """SIGINT to every kernel this process started: ipykernel stops the running cell with KeyboardInterrupt
    (an idle kernel ignores it)."""
    for km in list(_LIVE_KERNELS):
        # only a kernel whose process is still managed: a shut-down one's pid may belong to another process
        pid = getattr(km.provisioner, "pid", None) if km.has_kernel else None
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGINT)


@contextlib.contextmanager
def _stop_interrupts_the_kernel() -> Iterator[None]:
    """While a chapter executes, Ctrl-C or SIGTERM first interrupts the kernel's running cell, then stops this
    process as its own handler says. Without it the kernel finishes its cell before nbclient's cleanup can
    shut it down (the interrupted run polls for that cell's reply first), so a reader's Ctrl-C waited out a
    cell of up to minutes. Handlers that ignore a signal are left alone (a run started with nohup)."""
    saved = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            before = signal.getsignal(sig)
            if callable(before):
                def handler(signum, frame, before=before):
                    _interrupt_kernels()
                    before(signum, frame)

                saved[sig] = before
                signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, before in saved.items():
            signal.signal(sig, before)


def _ipc_kernel_manager(sockets: str):
    """A kernel manager whose kernel listens on Unix sockets in ``sockets``: nothing is opened on TCP, and
    ipykernel does not print its "running over TCP without encryption" warning on every execution. The
    kernel's native stderr (TensorFlow's start-up lines, which some CPUs' builds print whatever
    TF_CPP_MIN_LOG_LEVEL says) goes to a file there, so a build prints one line per chapter; a failure shows
    its tail (``_show_kernel_stderr``)."""
    from jupyter_client.manager import KernelManager

    class IPCKernelManager(KernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport, self.ip = "ipc", os.path.join(sockets, "kernel")

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            _LIVE_KERNELS.add(self)
            if "stderr" in kw:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            with open(os.path.join(sockets, KERNEL_STDERR), "ab") as log:  # the kernel process keeps its own copy
                return await super()._async_launch_kernel(kernel_cmd, stderr=log, **kw)

    return IPCKernelManager


def failure_message(name: str, err, executed: Path) -> str:
    """'chapter NAME failed in cell N (In [k]: first line): Error: value', the cell counted as a reader
    counts the cells of the source notebook (1-based, papermill's injected cells left out)."""
    import nbformat

    cell = err.cell_index + 1
    if executed.is_file():
        tags = [c.metadata.get("tags", []) for c in nbformat.read(str(executed), as_version=4).cells]
        ran = [t for t in tags if "papermill-error-cell-tag" not in t]  # the notebook as it executed
        cell = 1 + sum("injected-parameters" not in t for t in ran[:err.cell_index])  # source position
    first = next((ln for ln in err.source.splitlines() if ln.strip()), "")
    return (f"chapter {name} failed in cell {cell} (In [{err.exec_count}]: {first.strip()!r}): "
            f"{err.ename}: {err.evalue}")


def report_line(report: Path) -> str:
    """What follows a failure message: where the executed notebook with the error is kept."""
    return f"\n  the executed notebook with the error: {report}"


def run_all(book: Book, quick: bool = False, force: bool = False, echo=print, jobs: int = 1) -> list[RunOutcome]:
    """Execute every chapter (continuing past failures to report them all). ``jobs`` > 1 runs that many
    chapters side by side, each in its own kernel (results are published per chapter as before)."""
    params = [book.parameters(ch, quick=quick) for ch in book.chapters]  # refuse bad sets before any run
    n = len(book.chapters)

    def line(i: int, o: RunOutcome) -> str:
        return f"[{i}/{n}] {o.chapter.name} ... " + {
            "cached": "unchanged, cached", "executed": f"executed in {o.seconds:.1f} s",
            "failed": f"FAILED after {o.seconds:.1f} s"}[o.status]

    if jobs <= 1:
        outcomes = []
        for i, (ch, p) in enumerate(zip(book.chapters, params), 1):
            echo(f"[{i}/{n}] {ch.name} ...", end=" ", flush=True)
            o = book.run(ch, p, force=force)
            outcomes.append(o)
            echo(line(i, o).split(" ... ", 1)[1], flush=True)
        return outcomes
    from concurrent.futures import ThreadPoolExecutor, as_completed

    pool = ThreadPoolExecutor(max_workers=jobs)
    futures = {pool.submit(book.run, ch, p, force): i for i, (ch, p) in enumerate(zip(book.chapters, params), 1)}
    try:
        done = {}
        for f in as_completed(futures):
            done[futures[f]] = o = f.result()
            echo(line(futures[f], o), flush=True)
    finally:  # on an interrupt, chapters not yet started never start
        pool.shutdown(wait=True, cancel_futures=True)
    return [done[i] for i in sorted(done)]
