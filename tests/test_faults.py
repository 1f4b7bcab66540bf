"""Numerical faults and bypassed validation: each chapter's training under settings that blow up,
and bad parameters given straight to papermill."""
import math
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from conftest import ROOT  # noqa: E402


def test_scaling_chapter_training_with_a_diverging_learning_rate():
    """Diverged members are marked, counted as failures, skipped by statistics and plots."""
    import matplotlib.pyplot as plt

    from nnfail import plots
    from nnfail.chapters.scaling_disaster import experiments as scaling_disaster

    from nnfail.chapters.scaling_disaster.spec import CHAPTER

    rng = np.random.default_rng(0)
    cfgs = [scaling_disaster.Config("sane", "square", init_std=0.5, lr=1e-3, x_scale=0.01, y_scale=2500.0),
            scaling_disaster.Config("exploding", "square", init_std=5.0, lr=1e6)]
    P = CHAPTER.record(CHAPTER.spec.defaults()).replace(hidden=[8], outer_epochs=3, samples_per_epoch=512,
                                                        batch_size=64)
    res = scaling_disaster.train(cfgs, 3, rng, P)
    boom = res.member_config == 1
    assert res.diverged[boom].all() and not res.diverged[~boom].any()
    assert np.isnan(res.r2[boom]).all() and np.isfinite(res.r2[~boom]).all()
    assert scaling_disaster.failed(res, 0.5)[boom].all()
    rows = scaling_disaster.summarize(res, 0.5, rng)
    assert rows[1]["diverged"] == 3 and rows[1]["rate"] == 1.0 and math.isnan(rows[1]["r2_median"])
    fig, ax = plt.subplots()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(2):
            plots.band(ax, np.arange(3), res.loss[:, res.member_config == i], cfgs[i].name, log=True)
    assert [ln.get_label().split(" (")[0] for ln in ax.get_lines()] == ["sane"]  # nothing drawn for NaN runs
    plt.close(fig)


def test_sigmoid_chapter_training_with_a_huge_step_never_crashes_or_warns():
    from nnfail.chapters.unnormalized_sigmoid import network as S
    from nnfail.chapters.unnormalized_sigmoid import experiments as unnormalized_sigmoid

    from dataclasses import replace

    from nnfail.chapters.unnormalized_sigmoid.spec import CHAPTER

    rng = np.random.default_rng(0)
    P = CHAPTER.record(CHAPTER.spec.defaults()).replace(n_seeds=4, max_iter=8000, target_error=0.001)
    base = unnormalized_sigmoid.baseline(P)
    cfgs = [replace(base, name="huge | step", alpha=10.0), replace(base, name="huge | log-loss", loss="logloss", alpha=10.0),
            replace(base, name="sane | standardized", labels="iris", scaling="standardized")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow warnings would print into the published page
        sw = unnormalized_sigmoid.train(cfgs, P, rng)
        rows = unnormalized_sigmoid.summarize(sw, rng)
    assert rows[0]["never"] == 1.0 and rows[1]["never"] == 1.0
    assert all(np.isfinite(a).all() for a in sw.run.weights.arrays())
    assert rows[2]["converged"] == 4
    assert np.isfinite(sw.run.final_sse).all()
    assert S.sigmoid(np.array([-1e6, 1e6])).tolist() == [0.0, 1.0]


@pytest.mark.slow
def test_papermill_users_get_the_same_refusal_before_any_training(tmp_path):
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from nnfail.book.runner import KERNEL_NAME, _kernel_dir

    import os
    os.environ["JUPYTER_PATH"] = str(_kernel_dir(tmp_path))
    with pytest.raises(PapermillExecutionError) as err:
        pm.execute_notebook(str(ROOT / "chapters" / "01_scaling_disaster.ipynb"), str(tmp_path / "out.ipynb"),
                            parameters={"lr": -1.0}, kernel_name=KERNEL_NAME, progress_bar=False, cwd=str(tmp_path))
    assert err.value.ename == "ParameterError"
    assert "parameter 'lr': value -1.0 is out of range; allowed: float in (0, 1]" in err.value.evalue
    # it stopped at the validation cell: nothing after it ran
    import nbformat
    nb = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)
    ran = [c for c in nb.cells if c.cell_type == "code" and c.execution_count]
    assert "CHAPTER.record(globals())" in ran[-1].source


def test_linear_stack_chapter_training_with_a_diverging_learning_rate():
    from nnfail.chapters.linear_stack import experiments as linear_stack

    from nnfail.chapters.linear_stack.spec import CHAPTER

    rng = np.random.default_rng(0)
    P = CHAPTER.record(CHAPTER.spec.defaults()).replace(epochs=3, batch_size=50, n_examples=200, n_numbers=1)
    boom = linear_stack.Config("boom", activation="relu", x_norm="standardize", y_norm="standardize")
    res = linear_stack.train(P, [boom], (16, 16), 1, 3, rng, lr=1e7)
    assert res.diverged.all() and np.isnan(res.rmse).all() and np.isnan(res.pred).all()


def test_coverage_chapter_training_with_a_diverging_learning_rate():
    from nnfail.chapters.two_relu_coverage import experiments as two_relu_coverage
    from nnfail import engine as E
    from nnfail import stats

    x, y = two_relu_coverage.make_data(200, 1.0, np.random.default_rng(0))
    s = two_relu_coverage.train_inits(two_relu_coverage.Init("glorot"), 4, 20, x, y, np.random.default_rng(1), E.SGD(10.0), 50)
    assert s.diverged.all() and np.isnan(s.r2).all()
    rate = stats.failure_rate(~(s.r2 >= 0.9))  # NaN counts as a bad fit
    assert rate.rate == 1.0
