"""Train K independent small MLPs at the cost of one: every weight carries a leading member axis.

A *member* is one network with its own weights, data, learning rate and optimizer state; members share
an architecture. Each member behaves as the equivalent standalone ``keras.Sequential`` model fitted with
the same batches (tests/test_engine_equivalence.py checks weights step by step against Keras).

    net = MLP(sizes=(1, 15, 15, 15, 1), activations=("elu", "elu", "elu", "linear"))
    params = init_params(net, k=64, kernel=RandomNormal(0.05), rng=rng)
    trainer = Trainer(net, params, Adam(lr=1e-3), loss="mse")
    history = trainer.fit(X, Y, epochs=1, batch_size=128)   # X: [K, N, d] or shared [N, d]

A member whose loss or gradient becomes NaN/inf is marked diverged: it stops updating, its later
losses read NaN, and the other members are untouched.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Tiny tensors: single-threaded kernels, with the cores used by running member shards side by side
# (takes effect only if TensorFlow was not imported before this module).
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", str(min(os.cpu_count() or 1, 4)))
import tensorflow as tf  # noqa: E402

ACTIVATIONS = ("linear", "relu", "elu", "sigmoid", "tanh", "leaky_relu")
LOSSES = ("mse", "bce")


# ------------------------------------------------------------------------------------ architecture
@dataclass(frozen=True)
class MLP:
    """Dense layers: sizes = (inputs, hidden..., outputs); one activation per layer."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    leaky_alpha: float = 0.2  # Keras LeakyReLU default negative slope

    def __post_init__(self):
        if len(self.sizes) < 2 or any(int(s) != s or s < 1 for s in self.sizes):
            raise ValueError(f"sizes must be >= 2 positive ints, got {self.sizes}")
        if len(self.activations) != len(self.sizes) - 1:
            raise ValueError(f"need {len(self.sizes) - 1} activations, got {len(self.activations)}")
        bad = [a for a in self.activations if a not in ACTIVATIONS]
        if bad:
            raise ValueError(f"unknown activation(s) {bad}; allowed: {ACTIVATIONS}")

    @property
    def layers(self) -> list[tuple[int, int]]:
        return list(zip(self.sizes[:-1], self.sizes[1:]))

    def flops_per_example(self) -> int:
        """Multiply-adds x2 of one forward pass; a training step costs about 3x this."""
        return sum(2 * a * b for a, b in self.layers)


def activate(name: str, z, leaky_alpha: float = 0.2):
    if name == "linear":
        return z
    if name == "relu":
        return tf.nn.relu(z)
    if name == "elu":
        return tf.nn.elu(z)
    if name == "sigmoid":
        return tf.sigmoid(z)
    if name == "tanh":
        return tf.tanh(z)
    if name == "leaky_relu":
        return tf.nn.leaky_relu(z, alpha=leaky_alpha)
    raise ValueError(name)


# ------------------------------------------------------------------------------------ initializers
@dataclass(frozen=True)
class RandomNormal:
    """Keras RandomNormal(mean 0, stddev); std may be one value per member (shape [K])."""

    std: float | Sequence[float] = 0.05

    def sample(self, rng, k, fan_in, fan_out):
        std = np.broadcast_to(np.asarray(self.std, dtype=np.float64), (k,))
        return rng.standard_normal((k, fan_in, fan_out)) * std[:, None, None]


@dataclass(frozen=True)
class GlorotUniform:
    """Keras's default kernel initializer: U(-l, l), l = sqrt(6 / (fan_in + fan_out))."""

    def sample(self, rng, k, fan_in, fan_out):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, (k, fan_in, fan_out))


@dataclass(frozen=True)
class HeNormal:
    """Keras HeNormal: normal truncated at 2 std, std = sqrt(2 / fan_in) / 0.8796 before truncation."""

    def sample(self, rng, k, fan_in, fan_out):
        std = math.sqrt(2.0 / fan_in) / 0.87962566103423978
        out = rng.standard_normal((k, fan_in, fan_out))
        bad = np.abs(out) > 2
        while bad.any():
            out[bad] = rng.standard_normal(int(bad.sum()))
            bad = np.abs(out) > 2
        return out * std


@dataclass(frozen=True)
class Given:
    """Explicit weights: a list of (W [K, in, out], b [K, out]) arrays."""

    params: list


def init_params(net: MLP, k: int, kernel=GlorotUniform(), rng: np.random.Generator | None = None,
                bias: float | np.ndarray = 0.0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stacked initial weights for k members. ``bias`` may be a scalar or one value per member for the
    output layer only (e.g. the target mean); hidden biases start at zero as in Keras."""
    if isinstance(kernel, Given):
        return [(np.asarray(w, np.float32), np.asarray(b, np.float32)) for w, b in kernel.params]
    if rng is None:
        raise ValueError("init_params needs an explicit numpy Generator (rng)")
    params = []
    for i, (fan_in, fan_out) in enumerate(net.layers):
        w = kernel.sample(rng, k, fan_in, fan_out).astype(np.float32)
        b = np.zeros((k, fan_out), np.float32)
        if i == len(net.layers) - 1:
            b += np.broadcast_to(np.asarray(bias, np.float32).reshape(-1, 1) if np.ndim(bias) else bias, (k, fan_out))
        params.append((w, b))
    return params


# ------------------------------------------------------------------------------------ optimizers
@dataclass(frozen=True)
class Optimizer:
    """SGD (momentum 0), SGD with momentum, or Adam, as Keras 3 defines them.

    lr and decay_rate may be one value per member. The learning rate at update t (0-based) is
    lr * decay_rate ** (t / decay_steps), Keras's ExponentialDecay (decay_rate 1 = constant).
    """

    name: str = "adam"
    lr: float | Sequence[float] = 1e-3
    momentum: float = 0.0
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7
    decay_rate: float | Sequence[float] = 1.0
    decay_steps: int = 1000

    def __post_init__(self):
        if self.name not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be 'sgd' or 'adam', got {self.name!r}")
        if np.any(np.asarray(self.lr) <= 0):
            raise ValueError("learning rates must be positive")


def Adam(lr=1e-3, **kw) -> Optimizer:
    return Optimizer("adam", lr=lr, **kw)


def SGD(lr=1e-2, momentum=0.0, **kw) -> Optimizer:
    return Optimizer("sgd", lr=lr, momentum=momentum, **kw)


# ------------------------------------------------------------------------------------ forward, loss
def forward(net: MLP, params, x, logits: bool = False):
    """Outputs [K, N, out] for inputs [K, N, d] or shared [N, d]; with logits=True the last layer's
    pre-activation."""
    h = x
    last = len(params) - 1
    for i, ((w, b), act) in enumerate(zip(params, net.activations)):
        z = tf.matmul(h, w) + b[:, None, :]
        h = z if (i == last and logits) else activate(act, z, net.leaky_alpha)
    return h


def member_loss(net: MLP, loss: str, params, x, y):
    """Loss of each member on its batch: [K]."""
    if loss == "mse":
        out = forward(net, params, x)
        return tf.reduce_mean(tf.square(out - y), axis=[1, 2])
    if net.activations[-1] == "sigmoid":  # Keras takes the logits path after a sigmoid
        z = forward(net, params, x, logits=True)
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z), axis=[1, 2])
    eps = 1e-7
    p = tf.clip_by_value(forward(net, params, x), eps, 1 - eps)
    return -tf.reduce_mean(y * tf.math.log(p) + (1 - y) * tf.math.log(1 - p), axis=[1, 2])


# ------------------------------------------------------------------------------------ trainer
@dataclass
class History:
    """Per member and epoch: the mean training loss over the epoch's batches (NaN once diverged)."""

    loss: list = field(default_factory=list)  # list of [K] arrays, one per epoch

    def array(self) -> np.ndarray:
        """[epochs, K]."""
        return np.stack(self.loss) if self.loss else np.zeros((0, 0))


# The optimizer step: the divergence check, then Keras 3's update rules applied to live members only. The
# update of each variable is compiled by XLA into one fused loop (called from the regular graph it becomes an
# XLA cluster that writes the variable in place). While every member is alive, which is nearly always, the
# update needs no member mask: the masked form (a tf.where per tensor and slot) took ~3x as long on wide
# layers, so it runs only once a member has diverged. Both forms compute the same values for live members.
# The finite check stays in plain TensorFlow ops: XLA's reduction took several times longer here.
def _member_mask(alive, x):
    return tf.reshape(alive, [-1] + [1] * (len(x.shape) - 1))


def _finite_members(losses, grads):
    """[k]: which members have a finite loss and finite gradients (g * 0 is NaN exactly where g is not finite,
    so one multiply-and-sum per tensor finds them without overflow)."""
    finite = tf.math.is_finite(losses)
    for g in grads:
        finite &= tf.math.is_finite(tf.reduce_sum(g * 0, axis=list(range(1, len(g.shape)))))
    return finite


def _update(rule, p, m, v, g, alpha, hyper, alive=None):
    """One variable's update (rule: adam, momentum or sgd; alpha: per-member step sizes [k]); with ``alive``
    the members it marks False keep their weights and slots."""
    _, _, epsilon, momentum, one_minus_beta_1, one_minus_beta_2 = hyper
    lr_i = _member_mask(alpha, p)
    keep = None if alive is None else _member_mask(alive, p)
    if keep is not None:
        g = tf.where(keep, g, tf.zeros_like(g))

    def put(var, new):
        var.assign(new if keep is None else tf.where(keep, new, var))

    if rule == "adam":
        m_new = m + (g - m) * one_minus_beta_1
        v_new = v + (tf.square(g) - v) * one_minus_beta_2
        delta = -(m_new * lr_i) / (tf.sqrt(v_new) + epsilon)
        put(m, m_new)
        put(v, v_new)
    elif rule == "momentum":
        delta = m * momentum - g * lr_i
        put(m, delta)
    else:
        delta = -(g * lr_i)
    put(p, p + delta)


def _update_each(rule, ps, ms, vs, gs, alpha, hyper, alive=None):
    for p, m, v, g in zip(ps, ms, vs, gs):
        _update(rule, p, m, v, g, alpha, hyper, alive)


# unmasked, one variable per call (wide layers: each fused loop streams one tensor and its slots) or all
# variables in one call (small networks: one launch instead of one per variable); masked, all in one call.
# The engine's functions spell their control flow as tf.while_loop and tf.cond, and their Python ifs read Python
# values, so none goes through AutoGraph: it would re-parse their source at every trace (about 2 s the first time
# a process traces a loop, 0.2 s for each later wide network), and the graphs are the same without it.
_update_one = tf.function(_update, jit_compile=True, autograph=False)
_update_all = tf.function(_update_each, jit_compile=True, autograph=False)
_ONE_CALL_BELOW = 1 << 20  # weights per shard under which the unmasked update is one call


def _apply_updates(name, params, ms, vs, grads, alpha, hyper, alive=None):
    """Every variable's update through the compiled functions above (ms/vs: slots or Nones); with ``alive``,
    the masked call (benchmarks/roofline.py times the unmasked one alone)."""
    if alive is not None:
        _update_all(name, params, ms, vs, grads, alpha, hyper, alive)
    elif sum(p.shape.num_elements() for p in params) < _ONE_CALL_BELOW:
        _update_all(name, params, ms, vs, grads, alpha, hyper)
    else:
        for p, m, v, g in zip(params, ms, vs, grads):
            _update_one(name, p, m, v, g, alpha, hyper)


def _optimizer_step(name, params, slots_m, slots_v, grads, losses, alive, lr, step, hyper):
    """Update the variables in place; returns the new liveness [k]. hyper = (beta_1, beta_2, epsilon,
    momentum, 1 - beta_1, 1 - beta_2), scalar tensors."""
    beta_1, beta_2 = hyper[0], hyper[1]
    alive_new = alive & _finite_members(losses, grads)
    alive.assign(alive_new)
    # per-member step sizes, computed once per member (not per weight)
    alpha = lr * tf.sqrt(1 - tf.pow(beta_2, step)) / (1 - tf.pow(beta_1, step)) if name == "adam" else lr
    none = [None] * len(params)
    ms, vs = slots_m or none, slots_v or none

    def update(masked):
        _apply_updates(name, params, ms, vs, grads, alpha, hyper, alive_new if masked else None)
        return tf.constant(True)

    tf.cond(tf.reduce_all(alive_new), lambda: update(False), lambda: update(True))
    return alive_new


class _Shard:
    """The state of a contiguous block of members: per-layer weights with a leading member axis,
    optimizer slots, liveness, and per-member learning rates."""

    def __init__(self, params, lr: np.ndarray, decay: np.ndarray, slots: int):
        self.k = params[0][0].shape[0]
        self.vars = [tf.Variable(np.asarray(a, np.float32)) for wb in params for a in wb]
        self.m = [tf.Variable(tf.zeros_like(v)) for v in self.vars] if slots >= 1 else []
        self.v = [tf.Variable(tf.zeros_like(v)) for v in self.vars] if slots >= 2 else []
        self.alive = tf.Variable(tf.ones([self.k], tf.bool))
        self.lr = tf.constant(lr)
        self.decay = tf.constant(decay)

    def pairs(self):
        return list(zip(self.vars[0::2], self.vars[1::2]))

    def state(self):
        """What the shared step function reads and writes, as arguments (never captured)."""
        return (self.vars, self.m, self.v, self.alive, self.lr, self.decay)


# ------------------------------------------------------------------------------------ shared step functions
# Tracing a step loop and compiling it (XLA on the small-network path) costs about a second, far more than a
# quick run's training. The loop therefore reads everything that differs between trainers of one shape as
# arguments: the variables (weights, optimizer slots, liveness, update count) and the hyperparameters as
# tensors. Trainers with the same network, loss, update rule, member split, execution mode and decay period
# share one tf.function, which TensorFlow traces once for every batch shape (XLA compiles once per shape). Python
# floats computed the same way as a constant would be (1 - beta_1 in double precision, then rounded) keep
# every number identical to a loop that captured them. The decay period stays a constant of the trace: XLA
# turns a division by a constant into a multiplication by its reciprocal, which rounds differently from the
# division a tensor divisor gets (chapter 1's decaying learning rates moved in the 6th digit), and a chapter
# uses one or two periods at most.
_STEP_CACHE_SIZE = 64  # distinct (network, loss, rule, split, mode, decay period) keys kept; least recently used goes
_STEP_CACHE: "dict[tuple, tf.types.experimental.GenericFunction]" = {}
_STATS = {"trainers": 0, "step_functions": 0, "traces": 0, "trace_seconds": 0.0, "calls": 0, "call_seconds": 0.0}


def step_stats() -> dict:
    """Counters since the process started (or :func:`reset_step_stats`): trainers built, shared step
    functions made, traces of them (each a compile on the XLA path), seconds spent in the fits' calls that
    traced (tracing, compiling and running that call) and in all calls."""
    return dict(_STATS, cached=len(_STEP_CACHE))


def reset_step_stats() -> None:
    for key in _STATS:
        _STATS[key] = 0.0 if isinstance(_STATS[key], float) else 0


def _write_stats_at_exit(path: str) -> None:
    """benchmarks/chapter_profile.py sets NNFAIL_ENGINE_STATS: every process that trained appends its
    counters there as one JSON line when it ends."""
    import atexit
    import json

    @atexit.register
    def _write():
        if _STATS["trainers"]:
            with open(path, "a") as f:
                f.write(json.dumps(step_stats()) + "\n")


if os.environ.get("NNFAIL_ENGINE_STATS"):
    _write_stats_at_exit(os.environ["NNFAIL_ENGINE_STATS"])


def clear_step_cache() -> None:
    """Forget every shared step function (the next fit of each shape traces and compiles again)."""
    _STEP_CACHE.clear()


def _hyper_tensors(opt: Optimizer) -> tuple:
    """The optimizer's scalar hyperparameters as float32 tensors: beta_1, beta_2, 1 - beta_1, 1 - beta_2,
    epsilon, momentum (the differences taken in double precision, as Python constants were)."""
    return tuple(tf.constant(v, tf.float32) for v in (opt.beta_1, opt.beta_2, 1 - opt.beta_1, 1 - opt.beta_2,
                                                     opt.epsilon, opt.momentum))


def _step_function(net: MLP, loss: str, rule: str, bounds: tuple, jit: bool, decay_steps: int,
                   repeating: bool = False):
    """The shared, compiled step loop for one (network, loss, rule, member split, mode, decay period); with
    ``repeating``, the loop that passes over the same batches for several epochs (:func:`_make_epochs`)."""
    key = (net, loss, rule, bounds, jit, decay_steps, repeating)
    fn = _STEP_CACHE.pop(key, None)
    if fn is None:
        make = _make_epochs if repeating else _make_steps
        fn = tf.function(make(net, loss, rule, bounds, decay_steps), jit_compile=jit, autograph=False)
        _STATS["step_functions"] += 1
    _STEP_CACHE[key] = fn  # most recently used last
    while len(_STEP_CACHE) > _STEP_CACHE_SIZE:
        _STEP_CACHE.pop(next(iter(_STEP_CACHE)))
    return fn


def _make_steps(net: MLP, loss: str, rule: str, bounds: tuple, decay_steps: int):
    k, step = bounds[-1][1], _make_step(net, loss, rule, decay_steps)

    def steps(shards, iterations, hyper, xs, ys):
        """Consecutive updates on batches xs [S, K, b, .] (traced once for any S and b; XLA compiles each
        shape it is called with); returns the sum over steps of each member's batch loss times b: [K]."""
        _STATS["traces"] += 1  # runs only while TensorFlow traces
        total = _pass(step, shards, bounds, k, iterations, hyper, xs, ys)
        iterations.assign_add(tf.cast(tf.shape(xs)[0], tf.int64))
        return total

    return steps


# Epochs in one call. A fit over the same batches in the same order every epoch (no shuffling, and the data
# splits into whole batches or fits in one: chapter 4's full-batch runs, the checklist's XOR) would otherwise
# call the step loop once per epoch, and with a few small updates per epoch the call costs more than its
# arithmetic (1.2 ms per epoch against 0.2 ms inside a loop, 64 two-unit networks on 400 points). The repeating
# loop runs up to EPOCHS_PER_CALL epochs per call, each epoch exactly the single-epoch loop above (its pass over
# the batches, its loss total started from zero), and writes each epoch's total in a row of its
# [EPOCHS_PER_CALL, K] result. The count of epochs is an argument, so one trace serves every count.
EPOCHS_PER_CALL = 128


def _make_epochs(net: MLP, loss: str, rule: str, bounds: tuple, decay_steps: int):
    k, step = bounds[-1][1], _make_step(net, loss, rule, decay_steps)

    def epochs(shards, iterations, hyper, xs, ys, count):
        """``count`` (<= EPOCHS_PER_CALL) passes over batches xs [S, K, b, .]; returns [EPOCHS_PER_CALL, K],
        row e the sum over epoch e's steps of each member's batch loss times b, NaN for the members diverged by
        the epoch's end (rows from ``count`` on: 0)."""
        _STATS["traces"] += 1  # runs only while TensorFlow traces
        per_epoch = tf.cast(tf.shape(xs)[0], tf.int64)
        nan = tf.fill([k], float("nan"))

        def body(e, out):
            start = iterations + tf.cast(e, tf.int64) * per_epoch
            total = _pass(step, shards, bounds, k, start, hyper, xs, ys)
            alive = tf.concat([tf.convert_to_tensor(sh[3]) for sh in shards], 0)
            return e + 1, tf.tensor_scatter_nd_update(out, [[e]], tf.where(alive, total, nan)[None])

        _, out = tf.while_loop(lambda e, _: e < count, body,
                               (tf.constant(0), tf.zeros([EPOCHS_PER_CALL, k], tf.float32)))
        iterations.assign_add(tf.cast(count, tf.int64) * per_epoch)
        return out

    return epochs


def _pass(step, shards, bounds, k, start, hyper, xs, ys):
    """Updates on each batch of xs [S, K, b, .] in turn, the first counted as update ``start`` (int64); the sum
    of each member's batch losses times b: [K]."""
    b = tf.cast(tf.shape(xs)[2], tf.float32)

    def body(i, total):
        t = tf.cast(start, tf.float32) + tf.cast(i, tf.float32)
        parts = [step(sh, hyper, xs[i, lo:hi], ys[i, lo:hi], t) for sh, (lo, hi) in zip(shards, bounds)]
        return i + 1, tf.ensure_shape(total + tf.concat(parts, 0) * b, [k])

    n = tf.shape(xs)[0]
    _, total = tf.while_loop(lambda i, _: i < n, body, (tf.constant(0), tf.zeros([k], tf.float32)))
    return total


def _make_step(net: MLP, loss: str, rule: str, decay_steps: int):
    def step(shard, hyper, xb, yb, t):
        """One update of a shard's live members on their batches [k, b, .]; returns their losses [k]."""
        vars_, ms, vs, alive, lr0, decay = shard
        beta_1, beta_2, one_minus_beta_1, one_minus_beta_2, epsilon, momentum = hyper
        with tf.GradientTape() as tape:
            losses = member_loss(net, loss, list(zip(vars_[0::2], vars_[1::2])), xb, yb)
            total_loss = tf.reduce_sum(tf.where(alive, losses, tf.zeros_like(losses)))
        grads = tape.gradient(total_loss, vars_)
        lr = lr0 * tf.pow(decay, t / float(decay_steps))
        alive_new = _optimizer_step(rule, vars_, ms, vs, grads, losses, alive, lr, t + 1,
                                    (beta_1, beta_2, epsilon, momentum, one_minus_beta_1, one_minus_beta_2))
        return tf.where(alive_new, losses, tf.zeros_like(losses))

    return step


class Trainer:
    """Holds K members' weights and optimizer state; ``fit`` may be called repeatedly, like Keras.

    Members are split into ``shards`` blocks (default: one per CPU core, at most K) whose updates are
    independent chains in one graph, so TensorFlow runs them in parallel, each with single-threaded
    kernels: for tensors this small, that beats splitting every op across threads.
    """

    def __init__(self, net: MLP, params, optimizer: Optimizer = Optimizer(), loss: str = "mse",
                 shards: int | None = None, jit: bool | None = None):
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        self.net, self.optimizer, self.loss_name = net, optimizer, loss
        self.k = k = int(params[0][0].shape[0])
        for (w, b), (fi, fo) in zip(params, net.layers):
            if tuple(w.shape) != (k, fi, fo) or tuple(b.shape) != (k, fo):
                raise ValueError(f"weights of shape {w.shape}/{b.shape} do not fit layer {fi}->{fo} with K={k}")
        lr = np.broadcast_to(np.asarray(optimizer.lr, np.float32), (k,))
        decay = np.broadcast_to(np.asarray(optimizer.decay_rate, np.float32), (k,))
        if jit is None:  # XLA removes per-op overhead, which dominates when there is little arithmetic;
            jit = k * net.flops_per_example() < 20_000  # its batched matmuls are slower than TF's on CPU
        if jit and shards not in (None, 1):
            # XLA mishandles variables written by several independent chains in one compiled loop
            # (members of later shards drift: tests/test_engine.py checks every mode against one shard)
            raise ValueError("the XLA path (jit=True) trains all members in one shard; pass shards=1")
        if shards is None:
            shards = 1 if jit else min(os.cpu_count() or 1, 4, k)
        bounds = np.linspace(0, k, max(1, min(shards, k)) + 1).astype(int)
        self._bounds = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
        self._rule = "adam" if optimizer.name == "adam" else ("momentum" if optimizer.momentum else "sgd")
        slots = {"adam": 2, "momentum": 1, "sgd": 0}[self._rule]
        self._shards = [_Shard([(w[a:b], bb[a:b]) for w, bb in params], lr[a:b].copy(), decay[a:b].copy(), slots)
                        for a, b in self._bounds]
        self.iterations = tf.Variable(0, dtype=tf.int64)
        self.history = History()
        self._hyper = _hyper_tensors(optimizer)
        self._key = (net, loss, self._rule, tuple(self._bounds), bool(jit), int(optimizer.decay_steps))
        self._loops = {}  # the step loop and the repeating one, each fetched at the first fit that uses it
        _STATS["trainers"] += 1

    @property
    def params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The weights as (W [K, in, out], b [K, out]) numpy pairs."""
        return [(w.numpy(), b.numpy()) for w, b in self._pairs()]

    @property
    def diverged(self) -> np.ndarray:
        return ~np.concatenate([sh.alive.numpy() for sh in self._shards])

    def _pairs(self):
        """(W [K, in, out], b [K, out]) per layer, the shards' members joined in order."""
        per_shard = [sh.pairs() for sh in self._shards]
        return [(tf.concat([p[i][0] for p in per_shard], 0), tf.concat([p[i][1] for p in per_shard], 0))
                for i in range(len(self.net.layers))]

    def _epoch(self, x, y, batch_size: int) -> np.ndarray:
        """One pass over [K, N, .] data in order: full batches in one compiled loop, then the remainder
        batch (as Keras does). Returns the batch-size-weighted mean loss [K], NaN for diverged members."""
        n = x.shape[1]
        full = n // batch_size * batch_size
        total = np.zeros(self.k, np.float32)
        for lo, hi, b in ((0, full, batch_size), (full, n, n - full)):
            if hi > lo:
                total += self._call(self._loop(False), tf.constant(_batches(x, lo, hi, b)),
                                    tf.constant(_batches(y, lo, hi, b)))
        return np.where(self.diverged, np.nan, total / n)

    def _loop(self, repeating: bool):
        if repeating not in self._loops:
            self._loops[repeating] = _step_function(*self._key, repeating=repeating)
        return self._loops[repeating]

    def _call(self, fn, xs, ys, *rest) -> np.ndarray:
        """One call of a step loop on the shards' state, counted in step_stats()."""
        traces, t0 = _STATS["traces"], time.perf_counter()
        state = [sh.state() for sh in self._shards]
        if not getattr(fn, "_nnfail_any_batch_shape", False):
            # the first call traces for any number of batches and any batch size, so the remainder batch (and
            # any other data length) reuses this trace instead of tracing again (chapter 1: 12 traces of about
            # 1.2 s each in the quick run, two per loop); on the XLA path XLA still compiles once per shape
            loose = [tf.TensorSpec([None, self.k, None, a.shape[3]], tf.float32) for a in (xs, ys)]
            fn.get_concrete_function(state, self.iterations, self._hyper, *loose, *rest)
            fn._nnfail_any_batch_shape = True
        out = fn(state, self.iterations, self._hyper, xs, ys, *rest).numpy()
        seconds = time.perf_counter() - t0
        _STATS["calls"] += 1
        _STATS["call_seconds"] += seconds
        if _STATS["traces"] > traces:
            _STATS["trace_seconds"] += seconds
        return out

    def _repeated_epochs(self, x, y, batch_size: int, epochs: int, progress=None) -> None:
        """``epochs`` passes over [K, N, .] data that splits into whole batches, in order, EPOCHS_PER_CALL epochs
        per call of the repeating loop; the same updates and per-epoch losses as that many :meth:`_epoch`
        calls (tests/test_engine.py compares them array for array)."""
        n = x.shape[1]
        xs, ys = (tf.constant(_batches(a, 0, n, batch_size)) for a in (x, y))
        done = 0
        while done < epochs:
            count = min(EPOCHS_PER_CALL, epochs - done)
            totals = self._call(self._loop(True), xs, ys, tf.constant(count))[:count]
            self.history.loss.extend(totals / n)  # NaN from the epoch a member diverged in, as _epoch has it
            done += count
            if progress is not None:
                progress.update(count)

    def fit(self, x, y, epochs: int = 1, batch_size: int = 32, shuffle: bool = False,
            rng: np.random.Generator | None = None, progress=None) -> History:
        """Train on x [K, N, d] (or shared [N, d]) and y likewise; epochs over the same data in batches.

        shuffle=True draws a fresh order per member and epoch from ``rng`` (Keras shuffles each epoch).
        """
        x = _members(x, self.k, "x")
        y = _members(y, self.k, "y")
        if x.shape[1] != y.shape[1]:
            raise ValueError(f"x has {x.shape[1]} examples but y has {y.shape[1]}")
        if x.shape[2] != self.net.sizes[0] or y.shape[2] != self.net.sizes[-1]:
            raise ValueError(f"data shapes {x.shape[1:]} -> {y.shape[1:]} do not fit the network {self.net.sizes}")
        if shuffle and rng is None:
            raise ValueError("shuffle=True needs an explicit rng")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        batch = min(int(batch_size), x.shape[1])  # a batch size above N makes one batch of N, as in _epoch
        if not shuffle and x.shape[1] > 0 and x.shape[1] % batch == 0:  # (no rows: _epoch, as before)
            self._repeated_epochs(x, y, batch, epochs, progress)
            return self.history
        for _ in range(epochs):
            if shuffle:
                order = np.argsort(rng.random((self.k, x.shape[1])), axis=1)
                xe = np.take_along_axis(x, order[:, :, None], axis=1)
                ye = np.take_along_axis(y, order[:, :, None], axis=1)
            else:
                xe, ye = x, y
            self.history.loss.append(self._epoch(xe, ye, int(batch_size)))
            if progress is not None:
                progress.update(1)
        return self.history

    def predict(self, x, batch: int = 65536) -> np.ndarray:
        """Outputs [K, N, out]; NaN rows for diverged members."""
        x = np.asarray(x, np.float32)
        outs = []
        for lo in range(0, x.shape[-2], batch):
            outs.append(forward(self.net, self._pairs(), tf.constant(x[..., lo:lo + batch, :])).numpy())
        out = np.concatenate(outs, axis=1)
        out[self.diverged] = np.nan
        return out

    def evaluate(self, x, y) -> np.ndarray:
        """The loss of every member on the given data: [K] (NaN for diverged members)."""
        x = _members(x, self.k, "x")
        y = _members(y, self.k, "y")
        out = member_loss(self.net, self.loss_name, self._pairs(), tf.constant(x), tf.constant(y)).numpy()
        out[self.diverged] = np.nan
        return out


def member_configs(n_configs: int, n_seeds) -> np.ndarray:
    """[K] the configuration of each member when configurations train side by side, ``n_seeds`` members
    each (one count for all, or one per configuration), configuration after configuration."""
    return np.repeat(np.arange(n_configs), np.broadcast_to(n_seeds, n_configs))


def per_member(configs: Sequence, member: np.ndarray, field: str, dtype=np.float64) -> np.ndarray:
    """[K] one field of each member's configuration (``member`` from :func:`member_configs`)."""
    return np.array([getattr(configs[i], field) for i in member], dtype)


def _batches(a: np.ndarray, lo: int, hi: int, b: int) -> np.ndarray:
    """Rows lo..hi-1 of [K, N, .] data as consecutive batches of b rows (hi - lo a multiple of b): [S, K, b, .]."""
    return np.moveaxis(a[:, lo:hi].reshape(a.shape[0], (hi - lo) // b, b, -1), 1, 0)


def _members(a, k: int, name: str) -> np.ndarray:
    a = np.asarray(a, np.float32)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim == 2:
        a = np.broadcast_to(a, (k, *a.shape))
    if a.ndim != 3 or a.shape[0] != k:
        raise ValueError(f"{name} must be [N, d] or [K={k}, N, d], got shape {a.shape}")
    return np.ascontiguousarray(a)
