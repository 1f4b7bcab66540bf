"""The engine on chapter 2's compute-bound stack with Adam against a roofline bound measured in the same run.

Run: .venv/bin/python benchmarks/roofline.py [--members K ...] [--steps N]

The network is the comment's nonlinear stack of chapter 2 (1-20-100-1000-100-20-1, relu, batch 100, Adam,
MSE); K = 32 is the chapter's default run (20 + 6 + 6 members). ``--network scaling`` takes chapter 1's
1-15-15-15-1 elu network at batch 128 instead (``--members 512``: issue 17's share of the matmul rate, the
last column). For one training step of K members:

- FLOPs: forward, input gradient and weight gradient, each 2 x the multiply-adds (3 x 2 x sum(in x out) per
  example), divided by this machine's float32 matmul rate (1024^3 matmuls, one per core, side by side);
- bytes the step must move: the weights, both Adam slots read and written, the gradient written and read
  (8 x 4 bytes per parameter), plus every layer's output written in the forward pass and read in the
  backward pass (2 x 4 bytes per activation), divided by this machine's copy bandwidth (numpy copies of
  arrays far larger than the caches, one per core, side by side: bytes read + bytes written per second).

The bound is the larger of the two times: no engine can take less than either. The ratio is the engine's
time per step (best of three fits) over that bound; the issue's target is <= 1.5.

Then where the engine's step goes, each part timed alone on the engine's split (one shard per core, side by side):
- "TF matmuls": the step's 18 batched matmuls (forward, input and weight gradients of six layers) as TensorFlow
  runs them for one shard of these shapes, the kernel whose summation order every number of chapter 2 carries;
- "Adam": the engine's own update of every variable of a shard (its compiled update functions), which must read
  the gradient, the weight and both slots and write the last three;
- the engine's step over their sum: what is left for everything else (activations, loss, finite check, loop).
"""
import argparse
import os
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from nnfail import engine as E  # noqa: E402  (first: it sets TensorFlow's thread pools)
import numpy as np  # noqa: E402

from engine_flops import matmul_flops  # noqa: E402

# network -> (layer sizes, activations, batch size, what it is); --network picks one (module globals below)
NETWORKS = {
    "stack": ((1, 20, 100, 1000, 100, 20, 1), ("relu",) * 5 + ("linear",), 100,
              "chapter 2's comment network (the chapter: K = 32)"),
    "scaling": ((1, 15, 15, 15, 1), ("elu",) * 3 + ("linear",), 128,
                "chapter 1's network (issue 17's share of the matmul rate: K = 512)"),
}
SIZES, ACTS, BATCH, _ = NETWORKS["stack"]


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


def _timed(fn, args, repeats: int = 3, n: int = 30) -> float:
    """Seconds per call of the compiled fn(args) (best of ``repeats`` runs of n calls, after one untimed)."""
    fn(args)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn(args)
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def shard_sizes(k: int) -> list[int]:
    """Members per shard as the engine splits k members of this network by default."""
    net = E.MLP(SIZES, ACTS)
    bounds = E.Trainer(net, E.init_params(net, k, E.GlorotUniform(), np.random.default_rng(0)))._bounds
    return [b - a for a, b in bounds]


def _layer_shapes(m: int) -> list[tuple]:
    return [s for a, b in zip(SIZES[:-1], SIZES[1:]) for s in ((m, a, b), (m, b))]


def matmul_part(k: int) -> float:
    """Seconds per step of the step's 18 batched matmuls alone: one graph whose shards are independent chains,
    which TensorFlow runs side by side as it runs the engine's."""
    import tensorflow as tf

    rng = np.random.default_rng(1)

    def arrays(m):
        return [[tf.constant(rng.normal(size=s).astype(np.float32)) for s in shapes] for shapes in (
            [(m, a, b) for a, b in zip(SIZES[:-1], SIZES[1:])], [(m, BATCH, a) for a in SIZES[:-1]],
            [(m, BATCH, b) for b in SIZES[1:]])]

    @tf.function
    def matmuls(shards):
        out = []
        for ws, xs, ds in shards:
            for w, x, d in zip(ws, xs, ds):
                out += [tf.matmul(x, w), tf.matmul(d, w, transpose_b=True), tf.matmul(x, d, transpose_a=True)]
        return [o[0, 0, 0] for o in out]  # keeps every product without another pass over it

    return _timed(matmuls, [arrays(m) for m in shard_sizes(k)])


def adam_part(k: int) -> float:
    """Seconds per step of the engine's own Adam update of every variable alone (its compiled update functions,
    called as an unmasked step calls them), the shards side by side in one graph."""
    import tensorflow as tf

    rng = np.random.default_rng(2)
    b1, b2, omb1, omb2, eps, mom = E._hyper_tensors(E.Adam(1e-3))
    hyper = (b1, b2, eps, mom, omb1, omb2)  # the order the update reads

    def state(m):
        ps, ms, vs = ([tf.Variable(rng.normal(size=s).astype(np.float32)) for s in _layer_shapes(m)]
                      for _ in range(3))
        gs = [tf.constant(rng.normal(size=s).astype(np.float32)) for s in _layer_shapes(m)]
        return ps, ms, vs, gs, tf.constant(np.full(m, 1e-3, np.float32))

    @tf.function
    def update(shards):
        for ps, ms, vs, gs, alpha in shards:
            E._apply_updates("adam", ps, ms, vs, gs, alpha, hyper)

    return _timed(update, [state(m) for m in shard_sizes(k)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--members", type=int, nargs="+", default=[32], help="values of K (the chapter: 32)")
    ap.add_argument("--steps", type=int, default=50, help="steps per timed fit")
    ap.add_argument("--network", choices=sorted(NETWORKS), default="stack", help="which chapter's network")
    args = ap.parse_args()
    global SIZES, ACTS, BATCH
    SIZES, ACTS, BATCH, what = NETWORKS[args.network]
    print(f"{what}: {'-'.join(map(str, SIZES))}, batch {BATCH}, Adam")
    rate = matmul_flops()
    bandwidth = copy_bandwidth()
    print(f"float32 matmul rate (1024^3 on every core): {rate / 1e9:7.1f} GFLOP/s")
    print(f"copy bandwidth (256 MB arrays, every core):   {bandwidth / 1e9:7.1f} GB/s (read + written)")
    print(f"{'K':>4} {'GFLOP/step':>11} {'MB/step':>8} {'compute ms':>11} {'memory ms':>10} {'bound ms':>9} "
          f"{'engine ms':>10} {'engine / bound':>15}")
    parts = {}
    for k in args.members:
        flops, nbytes = step_work(k)
        t_compute, t_memory = flops / rate, nbytes / bandwidth
        bound = max(t_compute, t_memory)
        achieved = engine_step_seconds(k, args.steps)
        print(f"{k:>4} {flops / 1e9:>11.2f} {nbytes / 1e6:>8.0f} {t_compute * 1e3:>11.1f} {t_memory * 1e3:>10.1f} "
              f"{bound * 1e3:>9.1f} {achieved * 1e3:>10.1f} {achieved / bound:>14.2f}x", flush=True)
        parts[k] = (flops, matmul_part(k), adam_part(k), achieved)
    print(f"\n{'K':>4} {'TF matmuls ms':>14} {'GFLOP/s':>8} {'Adam ms':>8} {'engine ms':>10} "
          f"{'engine / (matmuls + Adam)':>26} {'engine / matmul rate':>21}")
    for k, (flops, t_mm, t_adam, achieved) in parts.items():
        print(f"{k:>4} {t_mm * 1e3:>14.2f} {flops / t_mm / 1e9:>8.1f} {t_adam * 1e3:>8.2f} "
              f"{achieved * 1e3:>10.2f} {achieved / (t_mm + t_adam):>25.2f}x {flops / achieved / rate:>20.1%}",
              flush=True)


if __name__ == "__main__":
    main()
