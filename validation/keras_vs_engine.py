"""Whole-run distributions: N seeds of a post's own Keras code against N engine members of the same
configuration. The chapters replay single runs step by step (identical weights and batches); this script
asks the coarser question a reader asks: do many independent Keras runs land where the engine's land?

    python validation/keras_vs_engine.py relu_comment [--n 20] [--epochs 500]
    python validation/keras_vs_engine.py scaled_square [--n 20] [--outer-epochs 50]

relu_comment: chapter 2's commenter network (Dense 20-100-1000-100-20 relu, Dense(1), Adam, MSE, batch 100)
on the post's inputs (integers up to 1000, x and y divided by 1000^2). Compared: the share of runs that
collapse to a constant (Fisher's exact test) and the RMSE medians, overall and of the runs that trained
(Mann-Whitney).
scaled_square: chapter 1's posted elu network on (x-50)^2 with X/100, y unscaled. Compared: failure rates
(Fisher) and median R^2 (Mann-Whitney).

Not part of `make test` (minutes of Keras training); the closing notes quote its output.
"""
from __future__ import annotations

import argparse
import time

import numpy as np


def _report(name: str, keras_vals, engine_vals, keras_fail, engine_fail, metric: str) -> None:
    from nnfail import stats, tables

    kf, ef = stats.failure_rate(keras_fail), stats.failure_rate(engine_fail)
    p_rate = stats.fisher_exact(kf.failures, kf.n, ef.failures, ef.n)
    _, p_all = stats.mann_whitney(keras_vals, engine_vals)
    print(f"{name}: {metric} over {kf.n} Keras runs and {ef.n} engine members")
    print(f"  {'':<22}{'Keras':>28}{'engine':>28}")
    print(f"  {'failed / collapsed':<22}{f'{kf.failures} ({tables.pct(kf.rate)} {tables.interval(kf.low, kf.high)})':>28}"
          f"{f'{ef.failures} ({tables.pct(ef.rate)} {tables.interval(ef.low, ef.high)})':>28}   Fisher p = {p_rate:.3g}")
    print(f"  {'median, all runs':<22}{tables.num(np.nanmedian(keras_vals), 5):>28}{tables.num(np.nanmedian(engine_vals), 5):>28}"
          f"   Mann-Whitney p = {p_all:.3g}")
    kt, et = np.asarray(keras_vals)[~np.asarray(keras_fail)], np.asarray(engine_vals)[~np.asarray(engine_fail)]
    if kt.size >= 2 and et.size >= 2:
        _, p_t = stats.mann_whitney(kt, et)
        print(f"  {'median, the rest':<22}{tables.num(np.nanmedian(kt), 5):>28}{tables.num(np.nanmedian(et), 5):>28}"
              f"   Mann-Whitney p = {p_t:.3g}")


def relu_comment(n: int, epochs: int, seed: int) -> None:
    import keras

    from nnfail.chapters.linear_stack import experiments as L

    widths, largest = [20, 100, 1000, 100, 20], 1000
    scale = float(largest) ** 2
    rmse, collapsed = [], []
    t = time.perf_counter()
    for s in range(n):
        X, y = L.make_data("square", 1000, 1, largest, np.random.default_rng([seed, s]))
        keras.utils.set_random_seed(seed * 1000 + s)
        model = keras.Sequential([keras.Input((1,))] + [keras.layers.Dense(w, activation="relu") for w in widths]
                                 + [keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(X / scale, y[:, None] / scale, epochs=epochs, batch_size=100, verbose=0)
        pred = model.predict(X / scale, verbose=0)[:, 0] * scale
        rmse.append(L.rmse_after_rounding(pred, y))
        collapsed.append(not (np.std(pred) / np.std(y) >= L.COLLAPSED))
        print(f"  keras seed {s}: RMSE {rmse[-1]:,.0f}{' (collapsed)' if collapsed[-1] else ''}", flush=True)
    t_keras = time.perf_counter() - t
    t = time.perf_counter()
    from nnfail.chapters.linear_stack.spec import CHAPTER

    # the post's batch 100, 1,000 examples and two numbers are the chapter's defaults
    P = CHAPTER.record(CHAPTER.spec.defaults()).replace(epochs=epochs, largest=largest)
    r = L.train(P, L.comment_configs("relu")[:1], widths, 1, n, np.random.default_rng([seed, 10**6]))
    t_engine = time.perf_counter() - t
    m = L.modes(r, 0, "relu")
    spread = np.array([np.nanstd(r.pred[j]) / np.std(r.y[j]) for j in range(n)])
    _report("chapter 2, the comment's relu network on the post's inputs", rmse, r.rmse, collapsed,
            ~(spread >= L.COLLAPSED), "RMSE after rounding")
    print(f"  engine modes: {m['collapsed']} collapsed, median RMSE of the rest {m['trained_rmse']:,.0f}")
    print(f"  wall time: Keras {t_keras:.0f} s, engine {t_engine:.0f} s")


def scaled_square(n: int, outer_epochs: int, seed: int) -> None:
    from nnfail import stats
    from nnfail.chapters.scaling_disaster import experiments as SD
    from nnfail.models import mlp

    from nnfail.chapters.scaling_disaster.spec import CHAPTER

    # the post's settings are the chapter's defaults: X/100, y unscaled, 10,000 samples an outer epoch, batch 128
    P = CHAPTER.record(CHAPTER.spec.defaults()).replace(target="square", outer_epochs=outer_epochs)
    success = 0.5
    r2, failed = [], []
    t = time.perf_counter()
    for s in range(n):
        import keras

        model = mlp(1, [15, 15, 15], "elu", kernel=keras.initializers.RandomNormal(stddev=0.05),
                    rng=np.random.default_rng([seed, s]))
        pred = SD.fit_keras_like_post(model, P.replace(seed=seed * 1000 + s))
        truth = SD.TARGETS["square"](SD.grid())
        r2.append(float(stats.r2(pred, truth)))
        share = SD.nonlinear_share(np.array([r2[-1]]), "square")[0]
        failed.append(not (np.isfinite(share) and share >= success))
        print(f"  keras seed {s}: R^2 {r2[-1]:.3f}{' (failed)' if failed[-1] else ''}", flush=True)
    t_keras = time.perf_counter() - t
    t = time.perf_counter()
    cfg = [c for c in SD.configs("square", P) if c.name == f"{SD.SCALED} | as posted"]
    res = SD.train(cfg, n, np.random.default_rng([seed, 10**6]), P)
    t_engine = time.perf_counter() - t
    _report("chapter 1, the posted network on (x-50)^2 with X/100", r2, res.r2, failed, SD.failed(res, success),
            "R^2 on the dense grid")
    print(f"  wall time: Keras {t_keras:.0f} s, engine {t_engine:.0f} s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("case", choices=("relu_comment", "scaled_square"))
    ap.add_argument("--n", type=int, default=20, help="Keras runs and engine members (default 20)")
    ap.add_argument("--epochs", type=int, default=500, help="relu_comment: epochs (the comment: 500)")
    ap.add_argument("--outer-epochs", type=int, default=50, help="scaled_square: outer epochs (the post: 50)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    if a.n < 2:
        ap.error("--n must be at least 2")
    if a.case == "relu_comment":
        relu_comment(a.n, a.epochs, a.seed)
    else:
        scaled_square(a.n, a.outer_epochs, a.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
