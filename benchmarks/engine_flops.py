"""Achieved float32 throughput of the engine on chapter 2's 20-100-1000-100 stack, as a fraction of
this machine's float32 matrix-multiply throughput measured in the same run.

Run: .venv/bin/python benchmarks/engine_flops.py [--members K ...] [--steps N]

Also printed, to show where the time goes: the engine with plain SGD (no optimizer-state traffic),
and the throughput of the network's own batched matmul shapes with nothing else around them (the
ceiling for any engine that keeps members' weights separate).
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from nnfail import engine as E  # noqa: E402  (first: it sets TensorFlow's thread pools)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

BATCH = 100  # the post's batch size
SIZES = (2, 20, 100, 1000, 100, 1)  # the post's stack (two inputs, as in its sum task)


def matmul_flops(n: int = 1024, repeats: int = 20) -> float:
    """Best float32 throughput of independent n^3 matmuls, one per core, run side by side."""
    cores = os.cpu_count() or 1
    a = [tf.random.normal((n, n)) for _ in range(cores)]
    b = [tf.random.normal((n, n)) for _ in range(cores)]
    f = tf.function(lambda a, b: tf.add_n([tf.reduce_sum(tf.matmul(x, y)) for x, y in zip(a, b)]))
    f(a, b).numpy()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        f(a, b).numpy()
        best = min(best, time.perf_counter() - t0)
    return cores * 2 * n ** 3 / best


def engine_flops(k: int, steps: int, optimizer=None) -> float:
    rng = np.random.default_rng(0)
    net = E.MLP(SIZES, ("linear",) * 5)
    trainer = E.Trainer(net, E.init_params(net, k, E.GlorotUniform(), rng), optimizer or E.Adam(1e-3), "mse")
    x = rng.uniform(0, 1, (k, steps * BATCH, 2)).astype(np.float32)
    y = x.sum(axis=2, keepdims=True)
    trainer.fit(x, y, batch_size=BATCH)  # trace and compile for this shape outside the clock
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        trainer.fit(x, y, batch_size=BATCH)
        best = min(best, time.perf_counter() - t0)
    # forward + backward (input gradient and weight gradient) = 3x the forward multiply-adds
    return 3 * net.flops_per_example() * BATCH * steps * k / best


def layer_matmul_flops(k: int, repeats: int = 20) -> float:
    """The ceiling for this network's shapes: only its forward and backward batched matmuls, nothing else,
    for k members split over the cores like the engine does."""
    cores = min(os.cpu_count() or 1, k)
    per = k // cores
    shapes = list(zip(SIZES[:-1], SIZES[1:]))
    hs = [[tf.random.normal((per, BATCH, a)) for a, _ in shapes] for _ in range(cores)]
    ws = [[tf.random.normal((per, a, b)) for a, b in shapes] for _ in range(cores)]
    gs = [[tf.random.normal((per, BATCH, b)) for _, b in shapes] for _ in range(cores)]

    @tf.function
    def f():
        out = []
        for c in range(cores):
            for h, w, g in zip(hs[c], ws[c], gs[c]):
                out += [tf.reduce_sum(tf.matmul(h, w)), tf.reduce_sum(tf.matmul(h, g, transpose_a=True)),
                        tf.reduce_sum(tf.matmul(g, w, transpose_b=True))]
        return tf.add_n(out)

    f().numpy()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        f().numpy()
        best = min(best, time.perf_counter() - t0)
    flops = 3 * 2 * sum(a * b for a, b in shapes) * BATCH * per * cores
    return flops / best


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--members", type=int, nargs="+", default=[2, 4, 8, 16])
    ap.add_argument("--steps", type=int, default=100)
    args = ap.parse_args()
    peak = matmul_flops()
    print(f"float32 matmul, 1024^3 on every core (best of 20): {peak / 1e9:6.1f} GFLOP/s")
    print(f"{'K':>4} {'engine, Adam':>22} {'engine, SGD':>22} {'its matmul shapes alone':>26}")
    for k in args.members:
        adam = engine_flops(k, args.steps)
        sgd = engine_flops(k, args.steps, E.SGD(1e-3))
        ceiling = layer_matmul_flops(k)
        cells = [f"{v / 1e9:6.1f} GFLOP/s ({v / peak:4.0%})" for v in (adam, sgd, ceiling)]
        print(f"{k:>4} {cells[0]:>22} {cells[1]:>22} {cells[2]:>26}", flush=True)


if __name__ == "__main__":
    main()
