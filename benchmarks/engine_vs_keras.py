"""Seconds per member-step: K engine members vs K separate Keras fits of chapter 1's network.

Run: .venv/bin/python benchmarks/engine_vs_keras.py [--steps N] [--keras-members M]
Both sides do the same work per member (15-15-15 elu, batch 128, Adam, MSE) in one process with one
TensorFlow configuration; ratios are taken in one run. Keras is timed two ways: one long fit per model
(its most efficient use) and the post's way (one fit call per outer epoch of 10,000 samples).
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from nnfail import engine as E  # noqa: E402  (first: it sets TensorFlow's thread pools for both sides)
import keras  # noqa: E402
import numpy as np  # noqa: E402

BATCH = 128


def keras_seconds_per_step(steps: int, members: int, per_fit: int | None = None) -> float:
    """Separate Keras models, each fitted like a reader would; per_fit steps per fit call (None: one call)."""
    rng = np.random.default_rng(0)
    total = 0.0
    for _ in range(members):
        model = keras.Sequential([keras.Input((1,))] + [keras.layers.Dense(15, activation="elu") for _ in range(3)]
                                 + [keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mean_squared_error")
        x = rng.uniform(0, 1, (steps * BATCH, 1)).astype(np.float32)
        chunk = (per_fit or steps) * BATCH
        model.fit(x[:chunk], x[:chunk] ** 2, batch_size=BATCH, verbose=0, shuffle=False)  # build and trace
        t0 = time.perf_counter()
        for lo in range(0, len(x), chunk):
            model.fit(x[lo:lo + chunk], x[lo:lo + chunk] ** 2, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
        total += time.perf_counter() - t0
    return total / (members * steps)


def engine_seconds_per_member_step(k: int, steps: int) -> float:
    rng = np.random.default_rng(0)
    net = E.MLP((1, 15, 15, 15, 1), ("elu", "elu", "elu", "linear"))
    trainer = E.Trainer(net, E.init_params(net, k, E.RandomNormal(0.05), rng), E.Adam(1e-3), "mse")
    x = rng.uniform(0, 1, (k, steps * BATCH, 1)).astype(np.float32)
    trainer.fit(x, x ** 2, batch_size=BATCH)  # trace and compile for this shape outside the clock
    t0 = time.perf_counter()
    trainer.fit(x, x ** 2, batch_size=BATCH)
    return (time.perf_counter() - t0) / (k * steps)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=790, help="steps per member (10 outer epochs of the post)")
    ap.add_argument("--keras-members", type=int, default=3, help="separate Keras fits timed (then averaged)")
    args = ap.parse_args()
    one_fit = keras_seconds_per_step(args.steps, args.keras_members)
    post = keras_seconds_per_step(args.steps, args.keras_members, per_fit=79)
    print(f"Keras, one long fit per model:       {one_fit * 1e6:8.1f} us per member-step")
    print(f"Keras, the post's fit per 79 steps:  {post * 1e6:8.1f} us per member-step")
    print(f"{'K':>5} {'engine us/member-step':>22} {'x vs one long fit':>18} {'x vs post-style':>16}")
    for k in (1, 8, 32, 128):
        s = engine_seconds_per_member_step(k, args.steps)
        print(f"{k:>5} {s * 1e6:>22.1f} {one_fit / s:>17.1f}x {post / s:>15.1f}x", flush=True)


if __name__ == "__main__":
    main()
