"""`nnfail` command line: list, run and build the book's chapters, serve the site, diagnose a model."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

from nnfail.params import ParameterError

EXIT_BAD_INPUT = 2


def _book(args):
    from nnfail.book.runner import Book

    return Book(root=Path(args.root) if args.root else None,
                build_dir=Path(args.build_dir) if args.build_dir else None)


def cmd_list(args) -> int:
    import nbformat

    from nnfail.book.runner import parameters_cell

    book = _book(args)
    for ch in book.chapters:
        nb = nbformat.read(str(book.root / ch.source), as_version=4)
        meaning = {name: text for name, _, text in parameters_cell(nb)}
        print(f"{ch.number:02d} {ch.slug}   ({ch.source})")
        for p in ch.spec.params:
            print(f"    {p.name:<16} default {p.default!r:<22} {p.allowed()}")
            print(f"    {'':<16} {meaning.get(p.name, p.meaning)}")
    return 0


def cmd_run(args) -> int:
    from nnfail.book.runner import build_lock, select

    book = _book(args)
    ch = select(book.chapters, args.chapter)
    params = book.parameters(ch, ch.spec.parse_cli(args.param or []), quick=args.quick,
                             allow_expensive=args.allow_expensive)
    with build_lock(book.build):
        print(f"{ch.name} with " + json.dumps(params), flush=True)
        o = book.run(ch, params, force=args.force, beside=True)
    if o.status == "failed":
        print(o.message, file=sys.stderr)
        return 1
    print(f"{ch.name}: {'unchanged, cached' if o.status == 'cached' else f'executed in {o.seconds:.1f} s'}")
    print(f"  executed notebook: {o.notebook}\n  results: {o.results}")
    if not book.is_book_run(ch, params):
        print("  (parameters other than the book's: kept beside the book; its own results and site are unchanged)")
    return 0


def cmd_sweep(args) -> int:
    from nnfail.book import sweep as sw
    from nnfail.book.runner import build_lock, select

    if args.y is not None and args.y.strip() == "":
        raise ParameterError("--y needs a result name (see the columns of a sweep's table.csv)")
    book = _book(args)
    ch = select(book.chapters, args.chapter)
    overrides = sw.points(ch, [tuple(p) for p in args.param or []], "zip" if args.zip else "grid")
    params = sw.validate(book, ch, overrides, quick=args.quick, allow_expensive=args.allow_expensive)
    plan = sw.plan(book, ch, params, overrides, out=Path(args.out) if args.out else None)
    plan.y = args.y
    with build_lock(book.build):
        print(f"{ch.name}: {len(params)} points ({'zip' if args.zip else 'grid'} of {', '.join(plan.swept)})",
              flush=True)
        try:
            done = sw.run(book, plan, workers=args.workers, scheduler=args.scheduler, force=args.force)
        except KeyboardInterrupt:
            finished = sum(p.status in ("executed", "cached") for p in plan.points)
            print(f"nnfail: sweep interrupted; {finished} of {len(plan.points)} points finished and are kept "
                  f"(table: {plan.table}); run the same command to resume", file=sys.stderr)
            return 130
    for p in done.failed:
        print(p.message, file=sys.stderr)
    print(f"sweep of {len(done.points)} points in {done.wall_seconds:.1f} s: "
          f"{sum(p.status == 'executed' for p in done.points)} executed, "
          f"{sum(p.status == 'cached' for p in done.points)} cached, {len(done.failed)} failed")
    print(f"  table: {done.table}")
    if done.figure.is_file():
        print(f"  figure: {done.figure}")
    print(f"  executed notebooks: {book.build / 'runs' / ch.slug}/<key>/")
    return 1 if done.failed else 0


def _positive_int(text: str) -> int:
    import argparse

    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {v}")
    return v


def cmd_build(args) -> int:
    from nnfail.book.runner import ChapterFailed, build_lock, run_all
    from nnfail.book.site import build_site

    book = _book(args)
    with build_lock(book.build):
        outcomes = run_all(book, quick=args.quick, force=args.force, jobs=args.jobs)
        failed = [o for o in outcomes if o.status == "failed"]
        if failed:
            for o in failed:
                print(o.message, file=sys.stderr)
            print(f"{len(failed)} chapter(s) failed; the site was not rebuilt "
                  f"(the previous site, if any, is unchanged).", file=sys.stderr)
            return 1
        print("building the site (strict) ...", flush=True)
        try:
            site = build_site(book)
        except ChapterFailed as err:
            print(err, file=sys.stderr)
            return 1
    print(f"site: {site / 'index.html'}\nresults: {book.build / 'results'}")
    return 0


def cmd_serve(args) -> int:
    import functools
    import http.server

    book = _book(args)
    site = book.build / "html"
    if not (site / "index.html").is_file():
        print(f"no site at {site}; run `make book` first", file=sys.stderr)
        return 1
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site.resolve()))
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as httpd:
        print(f"serving {site} at http://127.0.0.1:{httpd.server_address[1]}/ (Ctrl-C stops)", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


@contextlib.contextmanager
def _native_stderr_held():
    """Hold what native libraries write on file descriptor 2 (TensorFlow's absl start-up lines, which some
    CPUs' oneDNN builds print whatever TF_CPP_MIN_LOG_LEVEL says) while the doctor loads and probes a model:
    dropped when the doctor ends with its own report or message, written out if anything else goes wrong."""
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        ok = False
        try:
            yield
            ok = True
        except Exception as err:
            from nnfail.doctor import DoctorError

            ok = isinstance(err, DoctorError)
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            if not ok:
                held.seek(0)
                sys.stderr.write(held.read().decode(errors="replace"))
                sys.stderr.flush()


def cmd_doctor(args) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up log is not the reader's report
    from nnfail import doctor

    try:
        doctor.check_files(args.model, args.data)  # both, before the seconds a model takes to load
        X, y = doctor.load_data(args.data, args.x_key, args.y_key, args.target_column)
        with _native_stderr_held():
            model = doctor.load_model(args.model)
            report = doctor.diagnose(model, X, y, probe=not args.no_probe, probe_steps=args.steps,
                                     batch_size=args.batch_size, seed=args.seed, epochs=args.epochs,
                                     fit_batch_size=args.fit_batch_size)
    except doctor.DoctorError as err:
        print(f"nnfail doctor: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(json.dumps(report.to_dict(), indent=1) if args.json else report)
    if args.fail_on and any(report.has(r.check, args.fail_on) for r in report.findings):
        return 1
    return 0


def cmd_sync_launch(args) -> int:
    from nnfail.book.launch import sync
    from nnfail.book.runner import find_root

    root = Path(args.root) if args.root else find_root()
    changed = sync(root, write=not args.check)
    for path in changed:
        print(f"{'stale' if args.check else 'rewrote'}: {path.relative_to(root)}")
    if args.check and changed:
        print("launch links differ from _config.yml's repository; run `nnfail sync-launch`", file=sys.stderr)
        return 1
    return 0


def cmd_sync(args) -> int:
    from nnfail.book.runner import find_root
    from nnfail.book.sync import sync

    root = Path(args.root) if args.root else find_root()
    try:
        changed = sync(root, write=not args.check)
    except (FileNotFoundError, ValueError) as err:
        print(f"nnfail sync: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for path in changed:
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        print(f"{'stale' if args.check else 'rewrote'}: {shown}")
    if args.check and changed:
        print("files written from the chapters' specs are stale; run `nnfail sync`", file=sys.stderr)
        return 1
    return 0


def parser() -> argparse.ArgumentParser:
    from nnfail import __version__

    ap = argparse.ArgumentParser(prog="nnfail", description=__doc__)
    ap.add_argument("--version", action="version", version=f"nnfail {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", help="book root (default: the folder above with _toc.yml)")
    common.add_argument("--build-dir", help="where executed chapters, results and the site go (default: ROOT/_build)")
    sub = ap.add_subparsers(dest="command", required=True)

    sub.add_parser("list", parents=[common], help="every chapter with its parameters").set_defaults(func=cmd_list)

    run = sub.add_parser("run", parents=[common], help="execute one chapter")
    run.add_argument("chapter", help="chapter number or slug")
    run.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
                     help="set a parameter (repeatable)")
    run.add_argument("--quick", action="store_true", help="smoke-test sizes (parameter quick=True)")
    run.add_argument("--force", action="store_true", help="execute even if an identical run is cached")
    run.add_argument("--allow-expensive", action="store_true", help="run parameter sets estimated over the limit")
    run.set_defaults(func=cmd_run)

    build = sub.add_parser("build", parents=[common], help="execute every chapter and build the site")
    build.add_argument("--quick", action="store_true", help="smoke-test sizes for every chapter")
    build.add_argument("--force", action="store_true", help="re-execute every chapter")
    build.add_argument("--jobs", type=_positive_int, default=1,
                       help="chapters executed side by side, each in its own kernel (default 1)")
    build.set_defaults(func=cmd_build)

    sweep = sub.add_parser(
        "sweep", parents=[common], help="execute one chapter at many parameter sets (Dask)",
        description="Executes a chapter once per point of a parameter grid (or zip) on a Dask LocalCluster, "
                    "or on a running Dask scheduler given by --scheduler; every point is what `nnfail run` "
                    "with its parameters gives (same cache), and the sweep writes a table and a figure.")
    sweep.add_argument("chapter", help="chapter number or slug")
    sweep.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "V1,V2,..."),
                       help="a swept parameter and its values, comma-separated (repeatable)")
    how = sweep.add_mutually_exclusive_group()
    how.add_argument("--grid", action="store_true", help="every combination of the values (default)")
    how.add_argument("--zip", action="store_true", help="the i-th value of every parameter together")
    sweep.add_argument("--quick", action="store_true", help="smoke-test sizes at every point (quick=True)")
    sweep.add_argument("--scheduler", help="address of a running Dask scheduler (default: a LocalCluster here)")
    sweep.add_argument("--workers", type=_positive_int, help="LocalCluster workers (default: one per core)")
    sweep.add_argument("--allow-expensive", action="store_true",
                       help="run sweeps whose summed estimate is over the limit")
    sweep.add_argument("--force", action="store_true", help="re-execute points already computed")
    sweep.add_argument("--out", help="folder for the table and figure (default: BUILD/sweeps/<chapter>/<id>)")
    sweep.add_argument("--y", help="the result the figure shows (default: the first that varies)")
    sweep.set_defaults(func=cmd_sweep)

    doc = sub.add_parser("doctor", help="diagnose a saved Keras model on its training data",
                         description="Runs nnfail.doctor on a saved Keras model (.keras/.h5) and its data (.npz "
                                     "with arrays X and y, or .csv with the target in the last column).")
    doc.add_argument("model", help="the model file (model.save('model.keras'))")
    doc.add_argument("data", help=".npz with X and y, or .csv")
    doc.add_argument("--x-key", help="name of the input array in the .npz (default X)")
    doc.add_argument("--y-key", help="name of the target array in the .npz (default y)")
    doc.add_argument("--target-column", type=int, default=-1, help="target column of the .csv (default: last)")
    doc.add_argument("--no-probe", action="store_true", help="skip the short training probes")
    doc.add_argument("--steps", type=int, default=300, help="probe training steps (default 300)")
    doc.add_argument("--batch-size", type=int, default=32, help="probe batch size (default 32)")
    doc.add_argument("--seed", type=int, default=0, help="seed of the probe's sampling")
    doc.add_argument("--epochs", type=int, help="the epochs you trained for (checks whether the loss was still "
                                                "falling fast when you stopped)")
    doc.add_argument("--fit-batch-size", type=int, help="the batch size you trained with (default: Keras's 32)")
    doc.add_argument("--json", action="store_true", help="print the report as JSON")
    doc.add_argument("--fail-on", choices=("high", "medium", "low"),
                     help="exit 1 when a finding of this severity or worse is raised (for CI)")
    doc.set_defaults(func=cmd_doctor)

    sync_specs = sub.add_parser(
        "sync", parents=[common], help="rewrite the notebooks' parameters cells, the chapter list of _toc.yml, "
        "sources.md and the doctor's chapter links from the chapters' specs")
    sync_specs.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is stale")
    sync_specs.set_defaults(func=cmd_sync)
    sync_launch = sub.add_parser(
        "sync-launch", parents=[common], help="rewrite launch links and install addresses from _config.yml",
        description="Rewrites each chapter's Colab bootstrap cell, the README's Binder/Colab badges and "
                    "CITATION.cff from repository.url/branch and launch_buttons in _config.yml.")
    sync_launch.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is stale")
    sync_launch.set_defaults(func=cmd_sync_launch)

    serve = sub.add_parser("serve", parents=[common], help="serve the built site on localhost")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)
    return ap


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # SIGTERM unwinds like Ctrl-C: the kernel is shut down, temporaries stay temporary


def main(argv=None) -> int:
    import signal

    signal.signal(signal.SIGTERM, _interrupt)
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ParameterError as err:
        print(f"nnfail: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("nnfail: interrupted; previous results and site are unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
