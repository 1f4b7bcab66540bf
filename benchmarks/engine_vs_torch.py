"""The engine against the same training written as a PyTorch user who knows CPU performance would write it,
measured in one run: chapter 1's network at several K (microseconds per member-step) and chapter 2's stack at
K = 32 (milliseconds per step).

Run (in an environment with the optional peers, never the book's):
    pip install -e '.[bench,cpu]' && python benchmarks/engine_vs_torch.py [--members 32,128,512] [--steps N]

Every side trains K members of one architecture, each on its own batches, with Adam (lr 1e-3) and MSE, for
the same number of steps; each is compiled and run once outside the clock, then timed on the best of
``--repeats`` further runs. The PyTorch variants:

- bmm:      the members' weights stacked [K, in, out], one ``torch.baddbmm`` per layer, the per-member mean
            losses summed (so each member gets its own gradient), ``torch.optim.Adam(fused=True)``;
- compiled: the same loss and gradient under ``torch.compile`` (Inductor's C++ kernels), fused Adam;
- vmap:     one member's loss written plainly, ``torch.func.vmap(torch.func.grad(...))`` over the members,
            fused Adam on the stacked weights;
- 2 procs:  the members split between two processes of one thread each (the bmm variant, or the compiled one
            where it was faster), started together; the time is from the first start to the last finish.

Single-process PyTorch uses 2 threads (``torch.set_num_threads``). The engine runs as the book runs it
(its own member shards side by side in one process) and, as the two-process peer does, with its members
split between two one-thread processes. Ratios above 1 mean the engine is faster.
"""
import argparse
import multiprocessing as mp
import os
import sys
import time

import numpy as np

CH1 = dict(sizes=(1, 15, 15, 15, 1), acts=("elu", "elu", "elu", "linear"), batch=128, init="normal")
CH2 = dict(sizes=(1, 20, 100, 1000, 100, 20, 1), acts=("relu",) * 5 + ("linear",), batch=100, init="glorot")
LR = 1e-3


def make_data(k: int, steps: int, batch: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(seed).uniform(0, 1, (k, steps * batch, 1)).astype(np.float32)
    return x, x ** 2


def init_weights(net: dict, k: int, seed: int) -> list:
    """[(W [k, in, out], b [k, out])]: RandomNormal(0.05) for chapter 1, Glorot uniform for chapter 2."""
    rng = np.random.default_rng(seed)
    out = []
    for a, b in zip(net["sizes"][:-1], net["sizes"][1:]):
        if net["init"] == "normal":
            w = rng.standard_normal((k, a, b)) * 0.05
        else:
            limit = np.sqrt(6 / (a + b))
            w = rng.uniform(-limit, limit, (k, a, b))
        out.append((w.astype(np.float32), np.zeros((k, b), np.float32)))
    return out


# ------------------------------------------------------------------------------------ the engine
def engine_seconds(net: dict, k: int, steps: int, repeats: int, seed: int = 0, shards=None) -> float:
    """Seconds of one fit of ``steps`` steps (best of ``repeats``, after one that traces and compiles)."""
    from nnfail import engine as E

    mlp = E.MLP(net["sizes"], net["acts"])
    trainer = E.Trainer(mlp, E.init_params(mlp, k, E.Given(init_weights(net, k, seed))), E.Adam(LR), "mse",
                        **({} if shards is None else {"shards": shards}))
    x, y = make_data(k, steps, net["batch"], seed)
    trainer.fit(x, y, batch_size=net["batch"])
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        trainer.fit(x, y, batch_size=net["batch"])
        best = min(best, time.perf_counter() - t0)
    return best


# ------------------------------------------------------------------------------------ PyTorch
def torch_trainer(variant: str, net: dict, k: int, steps: int, seed: int = 0, threads: int = 2):
    """A function that runs ``steps`` training steps of k members (the first call also compiles)."""
    import torch

    torch.set_num_threads(threads)
    acts = {"elu": torch.nn.functional.elu, "relu": torch.relu, "linear": lambda h: h}
    fns = [acts[a] for a in net["acts"]]
    params = []
    for w, b in init_weights(net, k, seed):
        params += [torch.tensor(w, requires_grad=True), torch.tensor(b[:, None, :], requires_grad=True)]
    opt = torch.optim.Adam(params, lr=LR, eps=1e-7, fused=True)
    x, y = make_data(k, steps, net["batch"], seed)
    xs = torch.from_numpy(x).reshape(k, steps, net["batch"], 1).transpose(0, 1).contiguous()  # [S, K, b, 1]
    ys = xs ** 2

    def loss_stacked(ps, xb, yb):
        h = xb
        for i, f in enumerate(fns):
            h = f(torch.baddbmm(ps[2 * i + 1], h, ps[2 * i]))
        return ((h - yb) ** 2).mean(dim=(1, 2)).sum()  # each member's own mean: its own gradient

    if variant in ("bmm", "compiled"):
        loss_fn = torch.compile(loss_stacked, dynamic=False) if variant == "compiled" else loss_stacked

        def step(xb, yb):
            opt.zero_grad(set_to_none=True)
            loss_fn(params, xb, yb).backward()
            opt.step()
    elif variant == "vmap":
        from torch.func import grad, vmap

        def loss_one(ps, xb, yb):  # one member: ps are [in, out] and [1, out]
            h = xb
            for i, f in enumerate(fns):
                h = f(h @ ps[2 * i] + ps[2 * i + 1])
            return ((h - yb) ** 2).mean()

        grads_of = vmap(grad(loss_one))
        plain = [p.detach() for p in params]

        def step(xb, yb):
            for p, g in zip(params, grads_of(plain, xb, yb)):
                p.grad = g
            opt.step()
    else:
        raise ValueError(variant)

    def run():
        for s in range(steps):
            step(xs[s], ys[s])

    return run


def torch_seconds(variant: str, net: dict, k: int, steps: int, repeats: int, seed: int = 0) -> float:
    run = torch_trainer(variant, net, k, steps, seed)
    run()  # compiles (torch.compile) and warms the allocator outside the clock
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
    return best


# ------------------------------------------------------------------------------------ two processes
def _split_worker(side, variant, net, k, steps, seed, ready, go, out):
    """One half of the members in a one-thread process: warm up, wait for the common start, run once."""
    if side == "engine":
        os.environ["TF_NUM_INTRAOP_THREADS"] = "1"
        os.environ["TF_NUM_INTEROP_THREADS"] = "1"
        from nnfail import engine as E

        mlp = E.MLP(net["sizes"], net["acts"])
        trainer = E.Trainer(mlp, E.init_params(mlp, k, E.Given(init_weights(net, k, seed))), E.Adam(LR), "mse",
                            shards=1)
        x, y = make_data(k, steps, net["batch"], seed)
        trainer.fit(x, y, batch_size=net["batch"])

        def run():
            trainer.fit(x, y, batch_size=net["batch"])
    else:
        run = torch_trainer(variant, net, k, steps, seed, threads=1)
        run()  # compiles and warms outside the clock
    ready.wait()
    go.wait()
    t0 = time.monotonic()
    run()
    out.put((t0, time.monotonic()))


def split_seconds(side: str, variant: str, net: dict, k: int, steps: int, repeats: int) -> float:
    """The members split between two one-thread processes, started together: first start to last finish."""
    ctx = mp.get_context("spawn")
    best = float("inf")
    for r in range(repeats):
        ready, go, out = ctx.Barrier(3), ctx.Barrier(3), ctx.Queue()
        halves = [k // 2, k - k // 2]
        procs = [ctx.Process(target=_split_worker, args=(side, variant, net, h, steps, 10 * r + i, ready, go, out))
                 for i, h in enumerate(halves)]
        for p in procs:
            p.start()
        ready.wait()
        go.wait()
        spans = [out.get() for _ in procs]
        for p in procs:
            p.join()
        best = min(best, max(b for _, b in spans) - min(a for a, _ in spans))
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--members", default="32,128,512", help="values of K for chapter 1's network")
    ap.add_argument("--steps", type=int, default=200, help="training steps per member (chapter 1)")
    ap.add_argument("--ch2-steps", type=int, default=20, help="training steps (chapter 2's stack, K = 32)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-compile", action="store_true", help="skip the torch.compile variant")
    args = ap.parse_args()
    try:
        import torch
    except ImportError:
        print("engine_vs_torch: needs the optional `bench` extra (pip install -e '.[bench,cpu]'); skipped")
        sys.exit(0)
    from nnfail import engine as E  # noqa: F401  (TensorFlow's thread pools set before anything runs)

    variants = ["bmm", "vmap"] + ([] if args.no_compile else ["compiled"])
    print(f"torch {torch.__version__}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the start")
    cases = [("chapter 1", CH1, int(v), args.steps) for v in args.members.split(",")]
    cases.append(("chapter 2", CH2, 32, args.ch2_steps))
    head = ["engine", "engine 2 procs"] + [f"torch {v}" for v in variants] + ["torch 2 procs"]
    print(f"{'network':<10} {'K':>4} {'unit':>5} " + " ".join(f"{h:>14}" for h in head)
          + f" {'best torch / engine':>20}")
    for name, net, k, steps in cases:
        unit, scale = ("us", 1e6 / (k * steps)) if name == "chapter 1" else ("ms", 1e3 / steps)
        row = {"engine": engine_seconds(net, k, steps, args.repeats),
               "engine 2 procs": split_seconds("engine", "", net, k, steps, args.repeats)}
        for v in variants:
            row[f"torch {v}"] = torch_seconds(v, net, k, steps, args.repeats)
        fastest = min(("bmm", "compiled") if "compiled" in variants else ("bmm",), key=lambda v: row[f"torch {v}"])
        row["torch 2 procs"] = split_seconds("torch", fastest, net, k, steps, args.repeats)
        best_engine = min(row["engine"], row["engine 2 procs"])
        best_torch = min(v for h, v in row.items() if h.startswith("torch"))
        print(f"{name:<10} {k:>4} {unit:>5} " + " ".join(f"{row[h] * scale:>14.1f}" for h in head)
              + f" {best_torch / best_engine:>19.2f}x", flush=True)
    print(f"load {os.getloadavg()[0]:.1f} at the end; torch 2 procs ran the faster of bmm/compiled in one process")


if __name__ == "__main__":
    main()
