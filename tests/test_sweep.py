"""`nnfail sweep` on the fixture book: a LocalCluster and a scheduler with workers started as separate
processes give the table `nnfail run` gives point by point; resume, failures, refusals and Ctrl-C."""
import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import launcher_cmd
from nnfail.book import runner
from nnfail.book import sweep as sw
from nnfail.cli import main
from nnfail.params import ParameterError

POINTS = [(1, 0.0), (1, 0.5), (2, 0.0), (2, 0.5)]  # (seed, sleep) of `-p seed 1,2 -p sleep 0,0.5`, the grid's order


def expected_row(seed: int) -> dict:
    """What the fixture chapter glues for a seed, computed here independently of any execution."""
    return {"doubled_seed": str(2 * seed), "draw": repr(float(np.random.default_rng(seed).standard_normal()))}


def table(folder_glob) -> list[dict]:
    (path,) = folder_glob
    with open(path) as f:
        return list(csv.DictReader(f))


def sweep_cli(tmp_path, *args, timeout=300, **kw):
    return subprocess.run([*launcher_cmd(tmp_path), "sweep", "1", *args], capture_output=True, text=True,
                          timeout=timeout, **kw)


# ------------------------------------------------------------------------------------- no execution
def test_values_split_on_commas_outside_brackets():
    assert sw.split_values("0.1,1,10") == ["0.1", "1", "10"]
    assert sw.split_values("[8, 8],[16]") == ["[8, 8]", "[16]"]
    with pytest.raises(ParameterError, match="empty value"):
        sw.split_values("1,,2")


def test_grid_and_zip(fixture_book):
    ch = runner.Book(root=fixture_book, progress=False).chapters[0]
    grid = sw.points(ch, [("seed", "1,2"), ("sleep", "0,0.5")])
    assert [(p["seed"], p["sleep"]) for p in grid] == POINTS
    assert sw.points(ch, [("seed", "1,2"), ("sleep", "0,0.5")], "zip") == [{"seed": 1, "sleep": 0},
                                                                          {"seed": 2, "sleep": 0.5}]
    with pytest.raises(ParameterError, match="same number of values"):
        sw.points(ch, [("seed", "1,2,3"), ("sleep", "0,0.5")], "zip")
    with pytest.raises(ParameterError, match="swept twice"):
        sw.points(ch, [("seed", "1"), ("seed", "2")])
    with pytest.raises(ParameterError, match="unknown parameter 'width'"):
        sw.points(ch, [("width", "1,2")])


@pytest.mark.parametrize("args,expected", [
    (["-p", "seed", "1,2", "-p", "sleep", "1,100"], "point 2 of 4 (seed=1, sleep=100): parameter 'sleep': value 100"),
    (["-p", "seed", "1,x"], "parameter 'seed': cannot read 'x' as int"),
    (["-p", "seed", "1,2", "-p", "fail", "True", "--zip"], "--zip needs the same number of values"),
    ([], "nothing to sweep"),
])
def test_a_bad_value_anywhere_refuses_the_sweep_before_anything_runs(fixture_book, capsys, args, expected):
    assert main(["sweep", "1", *args, "--root", str(fixture_book)]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1, err
    assert not (fixture_book / "_build" / "runs").exists() and not (fixture_book / "_build" / "sweeps").exists()


def test_figure_has_title_labels_and_the_glued_interval(tmp_path):
    ch = runner.Chapter(1, "fixture", Path("chapters/01_fixture.ipynb"), None)
    pts = [sw.Point(i, {"x": x}, {"x": x, "g": g}, f"{i:064d}", "executed",
                    results={"a__rate": r, "a__low": r - 0.1, "a__high": r + 0.2, "same": 1})
           for i, (x, g, r) in enumerate([(0.01, "u", 0.2), (1.0, "u", 0.5), (0.01, "v", 0.3), (1.0, "v", 0.6)], 1)]
    sweep = sw.Sweep(ch, ["x", "g"], pts, tmp_path)
    assert sw.default_result(sweep) == "a__rate" and sw.interval(pts[0].results, "a__rate") == (0.1, 0.4)
    alt = sw.figure(sweep)
    assert "a__rate" in alt and "x" in alt and "one line per g" in alt and "intervals" in alt
    assert sweep.figure.read_bytes().startswith(b"\x89PNG")


# ------------------------------------------------------------------------------------- executions
@pytest.mark.slow
def test_local_cluster_sweep_gives_what_run_gives_and_resumes(fixture_book, tmp_path, capsys):
    out = sweep_cli(tmp_path, "-p", "seed", "1,2", "-p", "sleep", "0,0.5", "--workers", "2", "--root", str(fixture_book))
    assert out.returncode == 0, out.stderr[-3000:]
    assert "local Dask cluster of 2 workers" in out.stdout and "4 executed, 0 cached, 0 failed" in out.stdout
    folder = next((fixture_book / "_build" / "sweeps" / "fixture").iterdir())
    rows = table([folder / "table.csv"])
    assert list(rows[0])[:4] == ["point", "status", "seed", "sleep"], "swept parameters come first"
    assert [(int(r["seed"]), float(r["sleep"])) for r in rows] == POINTS
    for r in rows:
        assert r["status"] == "executed" and {k: r[k] for k in ("doubled_seed", "draw")} == expected_row(int(r["seed"]))
    assert (folder / "figure.png").read_bytes().startswith(b"\x89PNG")
    record = json.loads((folder / "sweep.json").read_text())
    assert [p["status"] for p in record["points"]] == ["executed"] * 4
    # every row is what `nnfail run` gives for its point, executed again from scratch elsewhere
    other = tmp_path / "other-build"
    for r, p in zip(rows, record["points"]):
        assert main(["run", "1", "-p", "seed", r["seed"], "-p", "sleep", r["sleep"], "--root", str(fixture_book),
                     "--build-dir", str(other)]) == 0
        (res,) = (other / "runs" / "fixture").glob(f"{p['cache_key'][:16]}/results.json")
        data = json.loads(res.read_text())
        assert data["cache_key"] == p["cache_key"]
        assert {k: str(v) if isinstance(v, int) else repr(v) for k, v in data["results"].items()} == \
            {k: r[k] for k in data["results"]}
    # and the sweep's points are `nnfail run`'s cache: running a point again executes nothing
    capsys.readouterr()
    assert main(["run", "1", "-p", "seed", "2", "-p", "sleep", "0.5", "--root", str(fixture_book)]) == 0
    assert "unchanged, cached" in capsys.readouterr().out
    # resume: the same sweep again recomputes nothing and starts no cluster
    again = sweep_cli(tmp_path, "-p", "seed", "1,2", "-p", "sleep", "0,0.5", "--root", str(fixture_book))
    assert again.returncode == 0, again.stderr[-3000:]
    assert "4 of 4 points already computed" in again.stdout and "0 executed, 4 cached" in again.stdout
    assert "Dask" not in again.stdout
    assert [r["draw"] for r in table([folder / "table.csv"])] == [r["draw"] for r in rows]
    cached = json.loads((folder / "sweep.json").read_text())["points"]
    assert [p["status"] for p in cached] == ["cached"] * 4 and all(p["seconds"] > 0 for p in cached), \
        "a cached point keeps its own execution time"
    # the book's own results were never touched
    assert not (fixture_book / "_build" / "results").exists()


@pytest.mark.slow
def test_a_scheduler_and_workers_started_as_processes_give_the_same_table(fixture_book, tmp_path):
    dask = Path(sys.executable).parent / "dask"
    sched_file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(sched_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.time() + 60
        while not sched_file.is_file() and time.time() < deadline:
            time.sleep(0.2)
        address = json.loads(sched_file.read_text())["address"]
        procs += [subprocess.Popen([str(dask), "worker", address, "--nthreads", "1", "--no-dashboard",
                                    "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                  for _ in range(2)]
        out = sweep_cli(tmp_path, "-p", "seed", "1,2", "-p", "sleep", "0,0.5", "--scheduler", address,
                        "--root", str(fixture_book))
        assert out.returncode == 0, out.stderr[-3000:]
        assert f"Dask scheduler at {address}" in out.stdout and "4 executed" in out.stdout
        rows = table((fixture_book / "_build" / "sweeps" / "fixture").glob("*/table.csv"))
        assert [(int(r["seed"]), float(r["sleep"])) for r in rows] == POINTS
        for r in rows:
            assert {k: r[k] for k in ("doubled_seed", "draw")} == expected_row(int(r["seed"]))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


@pytest.mark.slow
def test_a_failing_point_is_reported_and_the_others_complete(fixture_book, tmp_path):
    out = sweep_cli(tmp_path, "-p", "seed", "5,6", "-p", "fail", "False,True", "--zip", "--workers", "2",
                    "--root", str(fixture_book))
    assert out.returncode == 1
    assert "chapter 01_fixture failed in cell 3" in out.stderr and "deliberate failure" in out.stderr
    assert "1 executed, 0 cached, 1 failed" in out.stdout
    rows = table((fixture_book / "_build" / "sweeps" / "fixture").glob("*/table.csv"))
    assert [r["status"] for r in rows] == ["executed", "failed"] and rows[0]["doubled_seed"] == "10"
    record = json.loads(next((fixture_book / "_build" / "sweeps" / "fixture").glob("*/sweep.json")).read_text())
    assert "cell 3" in record["points"][1]["message"]
    assert (fixture_book / "_build" / "runs" / "fixture" / record["points"][1]["cache_key"][:16] / "report.ipynb").is_file()


def _default_interrupts():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_ctrl_c_keeps_finished_points_and_a_rerun_resumes(fixture_book, tmp_path):
    args = ["-p", "seed", "7,8", "-p", "sleep", "0,30", "--zip", "--workers", "2", "--root", str(fixture_book)]
    proc = subprocess.Popen([*launcher_cmd(tmp_path), "sweep", "1", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_default_interrupts)
    runs = fixture_book / "_build" / "runs" / "fixture"
    deadline = time.time() + 120
    while time.time() < deadline and not list(runs.glob("*/results.json")):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-3000:]
    assert "sweep interrupted; 1 of 2 points finished and are kept" in err
    rows = table((fixture_book / "_build" / "sweeps" / "fixture").glob("*/table.csv"))
    assert [r["status"] for r in rows] == ["executed", "cancelled"]
    assert len(list(runs.glob("*/results.json"))) == 1
    # resume with the slow point made quick: the finished point is not recomputed
    again = sweep_cli(tmp_path, "-p", "seed", "7,8", "-p", "sleep", "0,0", "--zip", "--workers", "1",
                      "--root", str(fixture_book))
    assert again.returncode == 0, again.stderr[-3000:]
    assert "1 of 2 points already computed" in again.stdout and "1 executed, 1 cached" in again.stdout


@pytest.mark.slow
def test_a_chapter_runs_a_sweep_while_the_book_is_built(fixture_book, tmp_path, monkeypatch):
    """What the checklist chapter does in `make book`: the kernel knows the book root and build directory
    (NNFAIL_ROOT, NNFAIL_BUILD_DIR); the sweep gets a build directory of its own, so it does not wait for
    the lock of the build executing the chapter; the section shows a command without machine paths."""
    build = fixture_book / "_build"
    monkeypatch.setenv("NNFAIL_ROOT", str(fixture_book))
    monkeypatch.setenv("NNFAIL_BUILD_DIR", str(build))
    with runner.build_lock(build):  # the book's build holds its lock while the chapter executes
        res = sw.in_chapter("1", [("seed", "3,4")], quick=False, workers=2, nnfail=launcher_cmd(tmp_path))
    assert res.returncode == 0, res.error
    assert res.command == "nnfail sweep 1 -p seed 3,4 --workers 2"
    assert [r["doubled_seed"] for r in res.rows] == ["6", "8"]
    assert res.figure_png.startswith(b"\x89PNG") and "doubled_seed" in res.alt and "seed" in res.alt
    assert (build / "chapter-sweeps" / "runs" / "fixture").is_dir() and not (build / "runs").exists()
    bad = sw.in_chapter("1", [("seed", "3,-1")], quick=False, nnfail=launcher_cmd(tmp_path))
    assert bad.returncode == 2 and "parameter 'seed'" in bad.error and not bad.rows


def test_the_checklist_sweep_is_skipped_at_quick_size_with_its_full_size_command():
    from nnfail.book import going_further

    demo = going_further.run_sweep(quick=True)
    assert not demo["ran"] and "quick" in demo["why"]
    assert set(going_further.GLUED) <= set(demo)
    assert demo["full_command"].startswith("nnfail sweep 1 -p input_scale") and "--scheduler" in demo["full_command"]
    assert demo["full_points"] == 10 and demo["full_minutes"] > 60  # 5 scales x 2 widths, over an hour
    (shown,) = going_further.outputs(demo)
    assert "quick" in shown.data
