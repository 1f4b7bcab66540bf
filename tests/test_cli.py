"""The command line: listing, refusing bad input with exit 2 before any kernel starts."""
import subprocess
import sys

import pytest

from conftest import ROOT
from nnfail.cli import main


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "nnfail", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_list_shows_every_parameter_with_type_default_and_meaning():
    out = run_cli("list")
    assert out.returncode == 0, out.stderr
    assert "01 scaling_disaster" in out.stdout
    assert "input_scale" in out.stdout and "float in (0, 100]" in out.stdout
    assert "X is multiplied by this in the scaled rows (the post: 1/100)" in out.stdout
    assert "one of 'hinge', 'square', 'notch'" in out.stdout


@pytest.mark.parametrize("args,expected", [
    (["-p", "learning_rate", "0.1"], "unknown parameter 'learning_rate'"),
    (["-p", "n_seeds", "many"], "parameter 'n_seeds': cannot read 'many' as int; allowed: int in [2, 4096]"),
    (["-p", "lr", "5"], "parameter 'lr': value 5 is out of range; allowed: float in (0, 1]"),
    (["-p", "target", "cube"], "allowed: one of 'hinge', 'square', 'notch'"),
    (["-p", "hidden", "[15, 0]"], "parameter 'hidden'"),
    (["-p", "n_seeds", "4096", "-p", "outer_epochs", "2000"], "--allow-expensive"),
])
def test_bad_parameters_exit_2_before_any_execution(tmp_path, args, expected):
    out = run_cli("run", "1", *args, "--build-dir", str(tmp_path / "b"))
    assert out.returncode == 2, out.stdout + out.stderr
    assert expected in out.stderr
    assert not (tmp_path / "b").exists(), "nothing may be executed or written for a refused run"


def test_unknown_chapter_is_refused(tmp_path):
    out = run_cli("run", "99", "--build-dir", str(tmp_path / "b"))
    assert out.returncode == 2 and "unknown chapter '99'" in out.stderr and "1 (scaling_disaster)" in out.stderr


def test_in_process_main_returns_2(tmp_path, capsys):
    assert main(["run", "scaling_disaster", "-p", "seed", "-3", "--root", str(ROOT),
                 "--build-dir", str(tmp_path)]) == 2
    assert "parameter 'seed'" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["list"], ["run", "1"], ["build", "--quick"], ["serve"]])
def test_commands_that_need_the_book_say_so_in_one_line_outside_a_checkout(tmp_path, command):
    out = run_cli(*command, cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.startswith("nnfail: no book here") and len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


def test_version():
    from nnfail import __version__

    out = run_cli("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"nnfail {__version__}"


def test_the_command_line_imports_nothing_unix_only():
    import ast

    for path in (ROOT / "src" / "nnfail").rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                 for a in n.names} | {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not names & {"fcntl", "termios", "pwd", "grp", "resource"}, path
