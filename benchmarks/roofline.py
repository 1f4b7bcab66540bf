"""The engine on chapter 2's compute-bound stack with Adam against a roofline bound measured in the same run.

Run: .venv/bin/python benchmarks/roofline.py [--members K ...] [--steps N]

The network is the comment's nonlinear stack of chapter 2 (1-20-100-1000-100-20-1, relu, batch 100, Adam,
MSE); K = 32 is the chapter's default run (20 + 6 + 6 members). For one training step of K members:

- FLOPs: forward, input gradient and weight gradient, each 2 x the multiply-adds (3 x 2 x sum(in x out) per
  example), divided by this machine's float32 matmul rate (1024^3 matmuls, one per core, side by side);
- bytes the step must move: the weights, both Adam slots read and written, the gradient written and read
  (8 x 4 bytes per parameter), plus every layer's output written in the forward pass and read in the
  backward pass (2 x 4 bytes per activation), divided by this machine's copy bandwidth (numpy copies of
  arrays far larger than the caches, one per core, side by side: bytes read + bytes written per second).

The bound is the larger of the two times: no engine can take less than either. The ratio is the engine's
time per step (best of three fits) over that bound; the issue's target is <= 1.5.
"""
import argparse
import os
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from nnfail import engine as E  # noqa: E402  (first: it sets TensorFlow's thread pools)
import numpy as np  # noqa: E402

from engine_flops import matmul_flops  # noqa: E402

SIZES = (1, 20, 100, 1000, 100, 20, 1)
ACTS = ("relu",) * 5 + ("linear",)
BATCH = 100


def copy_bandwidth(mb: int = 256, repeats: int = 10) -> float:
    """Bytes per second (read + written) of numpy copies, one thread per core, each on its own arrays."""
    cores = os.cpu_count() or 1
    n = mb * 2 ** 20 // 4
    src = [np.ones(n, np.float32) for _ in range(cores)]
    dst = [np.empty_like(a) for a in src]
    best = float("inf")
    for _ in range(repeats):
        threads = [threading.Thread(target=np.copyto, args=(d, s)) for d, s in zip(dst, src)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        best = min(best, time.perf_counter() - t0)
    return cores * 2 * n * 4 / best


def step_work(k: int) -> tuple[float, float]:
    """(FLOPs, bytes) of one training step of k members."""
    net = E.MLP(SIZES, ACTS)
    params = sum(a * b + b for a, b in net.layers)
    flops = 3 * net.flops_per_example() * BATCH * k
    activations = BATCH * sum(SIZES[1:])
    return flops, k * (8 * 4 * params + 2 * 4 * activations)


def engine_step_seconds(k: int, steps: int) -> float:
    rng = np.random.default_rng(0)
    net = E.MLP(SIZES, ACTS)
    trainer = E.Trainer(net, E.init_params(net, k, E.GlorotUniform(), rng), E.Adam(1e-3), "mse")
    x = rng.uniform(0, 1, (k, steps * BATCH, 1)).astype(np.float32)
    y = x ** 2
    trainer.fit(x[:, :BATCH], y[:, :BATCH], batch_size=BATCH)  # trace and compile outside the clock
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        trainer.fit(x, y, batch_size=BATCH)
        best = min(best, time.perf_counter() - t0)
    return best / steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--members", type=int, nargs="+", default=[32], help="values of K (the chapter: 32)")
    ap.add_argument("--steps", type=int, default=50, help="steps per timed fit")
    args = ap.parse_args()
    rate = matmul_flops()
    bandwidth = copy_bandwidth()
    print(f"float32 matmul rate (1024^3 on every core): {rate / 1e9:7.1f} GFLOP/s")
    print(f"copy bandwidth (256 MB arrays, every core):   {bandwidth / 1e9:7.1f} GB/s (read + written)")
    print(f"{'K':>4} {'GFLOP/step':>11} {'MB/step':>8} {'compute ms':>11} {'memory ms':>10} {'bound ms':>9} "
          f"{'engine ms':>10} {'engine / bound':>15}")
    for k in args.members:
        flops, nbytes = step_work(k)
        t_compute, t_memory = flops / rate, nbytes / bandwidth
        bound = max(t_compute, t_memory)
        achieved = engine_step_seconds(k, args.steps)
        print(f"{k:>4} {flops / 1e9:>11.2f} {nbytes / 1e6:>8.0f} {t_compute * 1e3:>11.1f} {t_memory * 1e3:>10.1f} "
              f"{bound * 1e3:>9.1f} {achieved * 1e3:>10.1f} {achieved / bound:>14.2f}x", flush=True)


if __name__ == "__main__":
    main()
