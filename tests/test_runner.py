"""The runner on a small fixture book: failures, cache, atomic results, interruption, concurrency."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import NATIVE_STDERR, launcher_cmd, results_without_timing
from nnfail.book import runner
from nnfail.cli import main

pytestmark = pytest.mark.slow


def build(root, *extra):
    return main(["build", "--root", str(root), *extra])


def test_failing_chapter_fails_the_build_naming_chapter_and_cell(fixture_book):
    bk = runner.Book(root=fixture_book, progress=False)
    ch = bk.chapters[0]
    good = bk.run(ch, bk.parameters(ch))
    assert good.status == "executed"
    # a good site first, so that we can check it survives the failure untouched
    assert build(fixture_book) == 0
    site_before = os.readlink(fixture_book / "_build" / "html")
    out = bk.run(ch, bk.parameters(ch, {"fail": True}))
    assert out.status == "failed"
    assert "chapter 01_fixture failed in cell 3" in out.message
    assert "RuntimeError: deliberate failure requested by the fail parameter" in out.message
    report = bk.report_path(ch)
    assert report.is_file() and "papermill-error-cell-tag" in report.read_text()
    # the previous good execution and results are still in place, and still current
    assert json.loads(bk.results_path(ch).read_text())["parameters"]["fail"] is False
    assert os.readlink(fixture_book / "_build" / "html") == site_before


def test_executed_copy_is_written_once_not_after_every_cell(fixture_book, monkeypatch):
    """papermill rewrites the whole executed notebook after each cell unless told not to; for a chapter that
    is some 80 writes of a growing file (1-2 s). The runner writes it once, at the end."""
    import papermill.engines
    import papermill.execute

    writes = []
    for module in (papermill.engines, papermill.execute):
        real = module.write_ipynb
        monkeypatch.setattr(module, "write_ipynb", lambda nb, path, real=real: (writes.append(path), real(nb, path)))
    bk = runner.Book(root=fixture_book, progress=False)
    ch = bk.chapters[0]
    assert bk.run(ch, bk.parameters(ch), force=True).status == "executed"
    assert len(writes) == 1, writes


def test_cli_build_with_failing_parameter_exits_1_and_keeps_old_site(fixture_book, tmp_path):
    cmd = launcher_cmd(tmp_path)
    ok = subprocess.run([*cmd, "build", "--root", str(fixture_book)], capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    # a build that succeeds prints its progress lines, not what the kernel wrote on its native stderr ...
    assert NATIVE_STDERR.strip() not in ok.stdout + ok.stderr
    site = os.readlink(fixture_book / "_build" / "html")
    bad = subprocess.run([*cmd, "run", "1", "-p", "fail", "True", "--root", str(fixture_book)],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1
    assert "chapter 01_fixture failed in cell 3" in bad.stderr and "deliberate failure" in bad.stderr
    # ... a failing one shows it, where a native crash would say why
    assert "the kernel's own stderr" in bad.stderr and NATIVE_STDERR.strip() in bad.stderr
    assert os.readlink(fixture_book / "_build" / "html") == site
    assert (fixture_book / "_build" / "html" / "chapters" / "01_fixture.html").is_file()


def test_cache_reexecutes_only_when_notebook_params_or_package_change(fixture_book, tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    shutil.copytree(runner.PACKAGE_DIR, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(runner, "PACKAGE_DIR", pkg)
    bk = runner.Book(root=fixture_book, progress=False)
    ch = bk.chapters[0]
    p = bk.parameters(ch)
    assert bk.run(ch, p).status == "executed"
    assert bk.run(ch, p).status == "cached"
    assert bk.run(ch, bk.parameters(ch, {"seed": 3})).status == "executed"  # parameters
    assert bk.run(ch, p).status == "executed"
    assert bk.run(ch, p).status == "cached"
    (pkg / "stats.py").write_text((pkg / "stats.py").read_text() + "\n# a change in the package source\n")
    assert bk.run(ch, p).status == "executed"  # package source
    assert bk.run(ch, p).status == "cached"
    nb = fixture_book / ch.source
    nb.write_text(nb.read_text().replace("The doubled seed", "Twice the seed"))
    assert bk.run(ch, p).status == "executed"  # notebook
    assert bk.run(ch, p, force=True).status == "executed"  # --force
    monkeypatch.setattr(runner, "environment_info", lambda: {"python": "3.11.0", "packages": {"numpy": "0.0"}})
    assert bk.run(ch, p).status == "executed"  # pinned versions


def test_results_json_holds_glued_values_parameters_versions_and_timing(fixture_book):
    bk = runner.Book(root=fixture_book, progress=False)
    ch = bk.chapters[0]
    bk.run(ch, bk.parameters(ch, {"seed": 21}))
    data = json.loads(bk.results_path(ch).read_text())
    assert data["results"]["doubled_seed"] == 42 and isinstance(data["results"]["draw"], float)
    assert data["parameters"] == {"seed": 21, "quick": False, "fail": False, "sleep": 0.0}
    assert data["environment"]["packages"]["tensorflow-cpu"] == "2.21.0"
    assert data["timing"]["execution_seconds"] > 0
    first = results_without_timing(bk.results_path(ch))
    bk.run(ch, bk.parameters(ch, {"seed": 21}), force=True)
    assert results_without_timing(bk.results_path(ch)) == first


# The SIGINT case runs once, in the subprocess of the test below, which starts it with SIGINT ignored (the
# harder start: how `make test` runs without job control); run here too it only repeated the same 35 s.
SIGINT_CHILD = "NNFAIL_TEST_SIGINT_CHILD"


@pytest.mark.parametrize("sig", [
    pytest.param(signal.SIGINT, marks=pytest.mark.skipif(os.environ.get(SIGINT_CHILD) != "1",
                                                         reason="runs in the sigint-ignored subprocess below")),
    signal.SIGTERM], ids=lambda s: s.name)
def test_interrupted_run_keeps_previous_results_and_next_run_recovers(fixture_book, tmp_path, sig):
    cmd = launcher_cmd(tmp_path)
    root = ["--root", str(fixture_book)]
    assert subprocess.run([*cmd, "build", *root], capture_output=True, timeout=300).returncode == 0
    results = fixture_book / "_build" / "results" / "fixture.json"
    before = results.read_text()
    site = os.readlink(fixture_book / "_build" / "html")
    # the child gets Ctrl-C's default handling whatever this process inherited: started without job
    # control (in the background, under nohup, by a CI runner) SIGINT arrives ignored, and a child that
    # inherited that would simply finish
    marker = tmp_path / "sleeping"  # the fixture chapter's sleeping cell creates it (conftest.FIXTURE_BODY)
    proc = subprocess.Popen([*cmd, "run", "1", "-p", "sleep", "30", "-p", "seed", "5", *root],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "FIXTURE_SLEEP_MARKER": str(marker)},
                            preexec_fn=default_interrupt_handling)
    deadline = time.time() + 60
    while time.time() < deadline and not marker.exists() and proc.poll() is None:
        time.sleep(0.2)
    assert marker.exists() and proc.poll() is None, "the run never reached its sleeping cell"
    time.sleep(1)  # well inside the 30 s cell
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted; previous results and site are unchanged" in err
    # the kernel's cell was interrupted, not waited for: the reader's Ctrl-C does not wait out a long cell
    assert not Path(f"{marker}.done").exists()
    assert results.read_text() == before, "an interrupted run must not touch the previous results"
    assert os.readlink(fixture_book / "_build" / "html") == site
    # the next run needs no manual cleanup, and leaves no temporary files behind
    again = subprocess.run([*cmd, "run", "1", "-p", "seed", "5", *root], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert results.read_text() == before, "a run with other parameters is kept beside the book's results"
    (beside,) = (fixture_book / "_build" / "runs" / "fixture").glob("*/results.json")
    assert str(beside) in again.stdout
    assert json.loads(beside.read_text())["results"]["doubled_seed"] == 10
    assert not list((fixture_book / "_build").rglob(".*.tmp-*"))


def default_interrupt_handling():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def ignore_interrupts():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_the_interruption_test_passes_when_the_suite_runs_with_sigint_ignored():
    """`make test` started without job control runs with SIGINT ignored; the test above must not depend
    on how its parent was started."""
    here = Path(__file__)
    test_id = f"tests/{here.name}::test_interrupted_run_keeps_previous_results_and_next_run_recovers[SIGINT]"
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_id],
                         cwd=here.parent.parent, capture_output=True, text=True, timeout=600,
                         env={**os.environ, SIGINT_CHILD: "1"}, preexec_fn=ignore_interrupts)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "1 passed" in out.stdout


def test_two_concurrent_runs_do_not_corrupt_the_build(fixture_book, tmp_path):
    cmd = launcher_cmd(tmp_path)
    root = ["--root", str(fixture_book)]
    procs = [subprocess.Popen([*cmd, "run", "1", "-p", "seed", str(s), "-p", "sleep", "1", *root],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for s in (7, 8)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert any("waiting for another nnfail run" in err for _, err in outs)
    runs = sorted((fixture_book / "_build" / "runs" / "fixture").iterdir())
    assert len(runs) == 2
    for run in runs:
        data = json.loads((run / "results.json").read_text())
        assert data["parameters"]["seed"] * 2 == data["results"]["doubled_seed"]
        assert (run / "key").read_text().strip() == data["cache_key"] and data["cache_key"].startswith(run.name)
    assert {json.loads((r / "results.json").read_text())["parameters"]["seed"] for r in runs} == {7, 8}


def test_second_build_with_nothing_changed_executes_nothing(fixture_book, capsys):
    assert build(fixture_book) == 0
    capsys.readouterr()
    assert build(fixture_book) == 0
    out = capsys.readouterr().out
    assert "unchanged, cached" in out and "executed in" not in out


@pytest.mark.parametrize("before", [None, "/somewhere/else"])
def test_kernel_environment_is_restored_exactly(tmp_path, monkeypatch, before):
    if before is None:
        monkeypatch.delenv("JUPYTER_PATH", raising=False)
    else:
        monkeypatch.setenv("JUPYTER_PATH", before)
    with pytest.raises(RuntimeError):
        with runner.kernel_environment(tmp_path):
            paths = os.environ["JUPYTER_PATH"].split(os.pathsep)
            assert (Path(paths[0]) / "kernels" / runner.KERNEL_NAME / "kernel.json").is_file()
            assert paths[1:] == ([] if before is None else [before])
            raise RuntimeError("a failing execution")
    assert os.environ.get("JUPYTER_PATH") == before


def test_kernel_environment_is_shared_by_chapters_running_side_by_side(tmp_path, monkeypatch):
    """Two executions overlapping (run_all(jobs=2)): the first to end must not pull the kernelspec from
    under the second; the variable is restored when the last one ends."""
    monkeypatch.setenv("JUPYTER_PATH", "/elsewhere")
    first, second = runner.kernel_environment(tmp_path), runner.kernel_environment(tmp_path)
    first.__enter__()
    second.__enter__()
    set_to = os.environ["JUPYTER_PATH"]
    first.__exit__(None, None, None)
    assert os.environ["JUPYTER_PATH"] == set_to and str(tmp_path / "kernels") in set_to
    second.__exit__(None, None, None)
    assert os.environ["JUPYTER_PATH"] == "/elsewhere"


def test_build_jobs_must_be_a_positive_whole_number(capsys):
    for bad in ("0", "two"):
        with pytest.raises(SystemExit) as err:
            main(["build", "--jobs", bad])
        assert err.value.code == 2
    assert "--jobs" in capsys.readouterr().err


def test_a_run_with_other_parameters_is_kept_beside_the_book(fixture_book, capsys):
    """`nnfail run -p ...` is a reader's experiment: the book's results, executed chapter and cache key stay
    as the default build left them (so the next build executes nothing); at the defaults it is the book's run."""
    assert build(fixture_book) == 0
    bk = runner.Book(root=fixture_book, progress=False)
    ch = bk.chapters[0]
    book_files = {p: p.read_bytes() for p in (bk.results_path(ch), bk.executed_path(ch), bk.key_path(ch))}
    capsys.readouterr()
    assert main(["run", "1", "-p", "seed", "4", "--root", str(fixture_book)]) == 0
    out = capsys.readouterr().out
    assert all(p.read_bytes() == data for p, data in book_files.items())
    (res,) = (fixture_book / "_build" / "runs" / "fixture").glob("*/results.json")
    assert f"results: {res}" in out and "kept beside the book" in out
    assert json.loads(res.read_text())["results"]["doubled_seed"] == 8
    assert main(["run", "1", "-p", "seed", "4", "--root", str(fixture_book)]) == 0
    assert "unchanged, cached" in capsys.readouterr().out
    assert build(fixture_book) == 0
    out = capsys.readouterr().out
    assert "unchanged, cached" in out and "executed in" not in out
    assert main(["run", "1", "--force", "--root", str(fixture_book)]) == 0
    out = capsys.readouterr().out
    assert f"results: {bk.results_path(ch)}" in out and "kept beside" not in out


def test_kernels_talk_over_unix_sockets_without_the_tcp_warning(fixture_book, capfd):
    """A reader's build prints one line per chapter, not ipykernel's TCP warning on every execution."""
    bk = runner.Book(root=fixture_book, progress=False)
    ch = bk.chapters[0]
    capfd.readouterr()
    bk.run(ch, bk.parameters(ch, {"seed": 5}), force=True)
    out, err = capfd.readouterr()
    assert "without encryption" not in out + err
    assert json.loads(bk.results_path(ch).read_text())["results"]["doubled_seed"] == 10
