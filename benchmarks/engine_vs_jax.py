"""Seconds per member-step on chapter 1's network: K engine members against the same work written the way a
JAX user would, jax.vmap over members of a lax.scan of optax Adam steps, jit-compiled (the issue-17 peer).

Run: .venv/bin/pip install -e '.[bench]' && .venv/bin/python benchmarks/engine_vs_jax.py [--steps N]
Both sides train K members of the 1-15-15-15-1 elu network (RandomNormal(0.05) kernels, Adam 1e-3, MSE,
batch 128) on their own batches, for the same number of steps, in one process; each side is compiled and
run once outside the clock, then timed on a second run; the ratio for each K is taken in the same run.
The last column is the engine's achieved float32 rate (3 x 2 x the multiply-adds of one forward pass per
example) as a share of this machine's matmul rate, measured at the start of the same run (issue 17's target
at K = 512: at least 15%).
"""
import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from nnfail import engine as E  # noqa: E402  (first: it sets TensorFlow's thread pools)
import numpy as np  # noqa: E402

from engine_flops import matmul_flops  # noqa: E402

BATCH = 128
SIZES = (1, 15, 15, 15, 1)


def engine_seconds(x: np.ndarray) -> float:
    """x: [K, steps * BATCH, 1]; seconds of a second fit (the first traces and compiles)."""
    k = x.shape[0]
    net = E.MLP(SIZES, ("elu", "elu", "elu", "linear"))
    trainer = E.Trainer(net, E.init_params(net, k, E.RandomNormal(0.05), np.random.default_rng(0)), E.Adam(1e-3),
                        "mse")
    trainer.fit(x, x ** 2, batch_size=BATCH)
    t0 = time.perf_counter()
    trainer.fit(x, x ** 2, batch_size=BATCH)
    return time.perf_counter() - t0


def jax_seconds(x: np.ndarray) -> float:
    """The JAX peer on the same data: x [K, steps * BATCH, 1] cut into [K, steps, BATCH, 1] batches."""
    import jax
    import jax.numpy as jnp
    import optax

    k, n, _ = x.shape
    xs = jnp.asarray(x.reshape(k, n // BATCH, BATCH, 1))
    ys = xs ** 2
    opt = optax.adam(1e-3)

    def forward(p, h):
        for i, (w, b) in enumerate(p):
            h = h @ w + b
            if i < len(p) - 1:
                h = jax.nn.elu(h)
        return h

    def loss(p, xb, yb):
        return jnp.mean((forward(p, xb) - yb) ** 2)

    def step(carry, batch):
        p, s = carry
        g = jax.grad(loss)(p, *batch)
        u, s = opt.update(g, s, p)
        return (optax.apply_updates(p, u), s), None

    def train(p, s, xb, yb):
        (p, s), _ = jax.lax.scan(step, (p, s), (xb, yb))
        return p, s

    keys = jax.random.split(jax.random.PRNGKey(0), len(SIZES) - 1)
    params = [(0.05 * jax.random.normal(key, (k, a, b)), jnp.zeros((k, b)))
              for key, a, b in zip(keys, SIZES[:-1], SIZES[1:])]
    state = jax.vmap(opt.init)(params)
    run = jax.jit(jax.vmap(train))
    jax.block_until_ready(run(params, state, xs, ys))  # compile outside the clock
    t0 = time.perf_counter()
    jax.block_until_ready(run(params, state, xs, ys))
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=200, help="training steps per member")
    ap.add_argument("--members", default="32,128,512", help="values of K")
    args = ap.parse_args()
    try:
        import jax  # noqa: F401
        import optax  # noqa: F401
    except ImportError:
        print("engine_vs_jax: needs the optional `bench` extra (pip install -e '.[bench]'); skipped")
        sys.exit(0)
    rate = matmul_flops()
    flops = 3 * E.MLP(SIZES, ("elu", "elu", "elu", "linear")).flops_per_example() * BATCH  # one member-step
    print(f"float32 matmul rate (1024^3 on every core): {rate / 1e9:.1f} GFLOP/s; one member-step: "
          f"{flops / 1e6:.2f} MFLOP")
    print(f"{'K':>5} {'engine us/member-step':>22} {'JAX us/member-step':>19} {'JAX / engine':>13} "
          f"{'engine / matmul rate':>21}")
    for k in (int(v) for v in args.members.split(",")):
        x = np.random.default_rng(k).uniform(0, 1, (k, args.steps * BATCH, 1)).astype(np.float32)
        e = engine_seconds(x) / (k * args.steps)
        j = jax_seconds(x) / (k * args.steps)
        print(f"{k:>5} {e * 1e6:>22.1f} {j * 1e6:>19.1f} {j / e:>12.1f}x {flops / e / rate:>20.0%}", flush=True)


if __name__ == "__main__":
    main()
