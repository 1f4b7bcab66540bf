"""The checklist chapter's experiments: seed 003's three examples, each over many seeds in one program.

1. capacity: one linear unit on y = 2x + 1 + noise, x in [0, 10], SGD, 100 epochs: is its error "poor"
   or the noise floor? The bigger model the answer recommends is trained at every SGD learning rate of a
   range (the answer names none for it), and its runs are split into those that collapse to a constant and
   those that train.
2. activations: XOR with a 2-unit sigmoid vs a 2-unit ReLU hidden layer, sigmoid output, binary
   cross-entropy, Adam; the post says ReLU typically does better after 100 epochs (judged on the share of
   seeds that solve XOR); and the gradient that reaches the first layer of deeper sigmoid stacks.
3. preprocessing: one linear unit on two features in the thousands and the tenths, raw vs standardized,
   trained until it converges (or a cap), not only for the posted 100 epochs.

Every run is the post's Keras model and settings (default Glorot-uniform kernels, zero biases, batch 32,
shuffled epochs), trained as members of :mod:`nnfail.engine`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnfail import engine as E
from nnfail import claims, replay, stats, tables

BATCH = 32  # Keras's default batch size, which the answer's examples use
CAP_EPOCHS = 100  # the answer's training length for its capacity example
SCALE_EPOCHS = 100  # ... and for its preprocessing example
XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
XOR_Y = np.array([[0], [1], [1], [0]], float)


@dataclass
class Budgets:
    """Per activation: loss and accuracy [len(budgets), K] after each training budget (epochs)."""

    budgets: list[int]
    loss: dict[str, np.ndarray]
    accuracy: dict[str, np.ndarray]


def xor_runs(P, rng: np.random.Generator, activations=("sigmoid", "relu")) -> Budgets:
    """Train ``P.n_seeds`` networks of ``P.units`` hidden units per activation on XOR with Adam(``P.lr``),
    recording loss and accuracy at each of ``P.budgets``."""
    budgets = sorted(int(b) for b in P.budgets)
    loss, acc = {}, {}
    for act in activations:
        net = E.MLP((2, P.units, 1), (act, "sigmoid"))
        trainer = E.Trainer(net, E.init_params(net, P.n_seeds, rng=rng), E.Adam(P.lr), loss="bce")
        done, rows_l, rows_a = 0, [], []
        for b in budgets:
            trainer.fit(XOR_X, XOR_Y, epochs=b - done, batch_size=BATCH)
            done = b
            rows_l.append(trainer.evaluate(XOR_X, XOR_Y))
            pred = trainer.predict(XOR_X)[..., 0]
            rows_a.append(((pred > 0.5) == XOR_Y[:, 0].astype(bool)).mean(axis=1))
        loss[act], acc[act] = np.array(rows_l), np.array(rows_a)
    return Budgets(budgets, loss, acc)


def xor_compare(res: Budgets, a: str = "relu", b: str = "sigmoid") -> list[dict]:
    """Per budget: median loss of each, the probability that a run of ``a`` ends with a lower loss than one
    of ``b`` (from Cliff's delta), mean accuracies, solved shares (all four points on the right side of one
    half) with Fisher's exact test between them, and the claims engine's verdict on "``a`` typically does
    better" judged on the solved shares (:data:`XOR_CLAIM`). The losses are shown, not judged: runs that
    have not learned XOR sit near the chance loss ln 2, so a ratio of their losses is compressed towards
    one however the accuracies differ."""
    rows = []
    for i, budget in enumerate(res.budgets):
        la, lb = res.loss[a][i], res.loss[b][i]
        v = XOR_CLAIM.judge_evidence(xor_evidence(res, i, a, b))
        p_better = (1 - stats.cliffs_delta(la, lb)) / 2  # P(loss_a < loss_b) + ties / 2
        acc_a, acc_b = float(res.accuracy[a][i].mean()), float(res.accuracy[b][i].mean())
        solved_a, solved_b = stats.failure_rate(res.accuracy[a][i] == 1), stats.failure_rate(res.accuracy[b][i] == 1)
        rows.append(dict(budget=budget, median_a=float(np.median(la)), median_b=float(np.median(lb)),
                         p_better=float(p_better), acc_a=acc_a, acc_b=acc_b, solved_a=solved_a.rate,
                         solved_a_low=solved_a.low, solved_a_high=solved_a.high, solved_b=solved_b.rate,
                         solved_b_low=solved_b.low, solved_b_high=solved_b.high,
                         p_solved=stats.fisher_exact(solved_a.failures, solved_a.n, solved_b.failures, solved_b.n),
                         verdict=v.outcome))
    return rows


def xor_evidence(res: Budgets, i: int, a: str = "relu", b: str = "sigmoid") -> claims.Evidence:
    """The XOR claim's evidence at budget index ``i``: the runs of ``a`` that did not solve XOR, against
    those of ``b``."""
    return claims.Evidence(res.accuracy[a][i] < 1, res.accuracy[b][i] < 1, f"after {res.budgets[i]:,} epochs, "
                           f"{a} solves XOR in {tables.pct(float(np.mean(res.accuracy[a][i] == 1)))} of runs, "
                           f"{b} in {tables.pct(float(np.mean(res.accuracy[b][i] == 1)))}")


XOR_COLUMNS = [  # the table of xor_compare's rows
    ("epochs", lambda r: f"{r['budget']:,}"),
    ("median loss relu / sigmoid", lambda r: f"{r['median_a']:.3f} / {r['median_b']:.3f}"),
    ("P(relu loss lower)", lambda r: tables.pct(r["p_better"])),
    ("mean accuracy relu / sigmoid", lambda r: f"{tables.pct(r['acc_a'])} / {tables.pct(r['acc_b'])}"),
    ("solved relu", lambda r: f"{tables.pct(r['solved_a'])} {tables.interval(r['solved_a_low'], r['solved_a_high'])}"),
    ("solved sigmoid",
     lambda r: f"{tables.pct(r['solved_b'])} {tables.interval(r['solved_b_low'], r['solved_b_high'])}"),
    ("p (solved)", lambda r: tables.pvalue(r["p_solved"])),
    ("verdict", lambda r: r["verdict"]),
]


DEPTHS = (2, 4, 8)  # hidden layers of the deeper XOR stacks ("deeper networks": the post's has one)


def xor_gradients(P, rng: np.random.Generator, depths=DEPTHS) -> dict:
    """At initialization (Keras defaults), on the four XOR points: the norm of the loss gradient reaching the
    first layer's kernel over the norm reaching the output layer's, per member, for stacks of ``P.units``-unit
    hidden layers, one (the post's network) and each of ``depths``; sigmoid and relu. Returns
    {activation: {depth: [n_seeds]}} (NaN where both gradients are zero: every unit dead)."""
    import tensorflow as tf

    n = P.n_seeds
    y = tf.constant(np.broadcast_to(XOR_Y, (n, *XOR_Y.shape)), tf.float32)
    x = tf.constant(XOR_X, tf.float32)
    out = {}
    for act in ("sigmoid", "relu"):
        out[act] = {}
        for depth in (1, *depths):
            net = E.MLP((2, *(P.units,) * depth, 1), (*(act,) * depth, "sigmoid"))
            params = [(tf.Variable(w), tf.Variable(b)) for w, b in E.init_params(net, n, rng=rng)]
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(E.member_loss(net, "bce", params, x, y))
            g = tape.gradient(loss, [w for w, _ in params])
            first, last = (np.sqrt(np.sum(np.square(g[j].numpy().astype(float)), axis=(1, 2))) for j in (0, -1))
            with np.errstate(invalid="ignore", divide="ignore"):
                out[act][depth] = first / last
    return out


def linear_data(rng: np.random.Generator, n: int = 100, noise: float = 1.0):
    x = np.linspace(0, 10, n)
    return x[:, None], (2 * x + 1 + rng.normal(0, noise, n))[:, None]


CAP_LRS = (0.01, 0.003, 0.001, 0.0003)  # SGD learning rates tried; Keras's default, the post's, first
COLLAPSED = 0.1  # a run has collapsed to a constant when its predictions spread less than this share of y's


def capacity_runs(P, rng: np.random.Generator, epochs: int = CAP_EPOCHS, lrs=CAP_LRS, noise: float = 1.0,
                  hidden: int = 64) -> dict:
    """Example 1: each of ``P.n_seeds`` seeds draws its own noisy line; a single linear unit (the post) and a
    relu network with one hidden layer of ``hidden`` units, both SGD for ``epochs`` epochs of batch 32, at
    every learning rate of ``lrs`` (the same lines at each; all rates of a model in one engine call).
    Per model, over members ordered learning rate after learning rate: training MSE, MSE on fresh data from
    the same line, and the spread (std) of its predictions over the training x as a share of y's; and the
    least-squares line's training MSE per seed."""
    n_seeds, lrs = P.n_seeds, tuple(lrs)
    data = [linear_data(rng, noise=noise) for _ in range(n_seeds)]
    X = np.stack([d[0] for d in data])
    Y = np.stack([d[1] for d in data])
    fresh = np.stack([linear_data(rng, noise=noise)[1] for _ in range(n_seeds)])
    ols = np.array([np.mean((np.polyval(np.polyfit(X[k, :, 0], Y[k, :, 0], 1), X[k, :, 0]) - Y[k, :, 0]) ** 2)
                    for k in range(n_seeds)])
    member = E.member_configs(len(lrs), n_seeds)
    Xk, Yk, Fk = (np.tile(a, (len(lrs), 1, 1)) for a in (X, Y, fresh))
    out = dict(ols_train=ols, y_var=Y[..., 0].var(axis=1), lrs=lrs, member=member)
    for name, net in (("single unit", E.MLP((1, 1), ("linear",))),
                      (f"relu {hidden}", E.MLP((1, hidden, 1), ("relu", "linear")))):
        trainer = E.Trainer(net, E.init_params(net, len(member), rng=rng), E.SGD(np.asarray(lrs)[member]),
                            loss="mse")
        trainer.fit(Xk, Yk, epochs=epochs, batch_size=BATCH, shuffle=True, rng=rng)
        spread = trainer.predict(Xk)[..., 0].std(axis=1) / Yk[..., 0].std(axis=1)
        out[name] = dict(train=trainer.evaluate(Xk, Yk), test=trainer.evaluate(Xk, Fk), spread=spread)
    return out


def _big(cap: dict) -> str:
    return next(k for k in cap if k.startswith("relu"))


def capacity_modes(cap: dict, model: str, i: int) -> dict:
    """One model at learning rate index ``i``: its runs split into those that collapsed to a constant
    (prediction spread below :data:`COLLAPSED`) and those that trained; the collapsed share with its Wilson
    interval and the median fresh-data MSE of each mode (NaN for an empty mode)."""
    at = cap["member"] == i
    test, spread = cap[model]["test"][at], cap[model]["spread"][at]
    collapsed = ~(spread >= COLLAPSED)  # a diverged run (NaN) counts as collapsed
    r = stats.failure_rate(collapsed)
    med = lambda v: float(np.median(v)) if v.size else float("nan")  # noqa: E731
    return dict(lr=cap["lrs"][i], collapsed=r.rate, collapsed_low=r.low, collapsed_high=r.high,
                n_collapsed=r.failures, n=r.n, test=float(np.nanmedian(test)), test_collapsed=med(test[collapsed]),
                test_trained=med(test[~collapsed]), diverged=int(np.sum(~np.isfinite(test))))


def capacity_summary(cap: dict) -> tuple[list[dict], dict]:
    """Example 1's table rows (the least-squares line first, then each model at each learning rate: median
    and IQR of training and fresh-data MSE, the share of runs collapsed to a constant, the fresh-data MSE
    of the runs that trained) and the numbers the prose quotes: the single unit at the post's rate (the
    first), the bigger model there and at the rate where it does best (lowest median fresh-data MSE)."""
    big = _big(cap)
    rows = [dict(model="least-squares line", lr=float("nan"), **_quartiles(cap["ols_train"], "train"),
                 **_quartiles(np.full(len(cap["ols_train"]), np.nan), "test"))]
    for i, lr in enumerate(cap["lrs"]):
        for name in ("single unit", big):
            at = cap["member"] == i
            rows.append(dict(model=name, **_quartiles(cap[name]["train"][at], "train"),
                             **_quartiles(cap[name]["test"][at], "test"), **capacity_modes(cap, name, i)))
    posted = cap["member"] == 0
    single_gap = float(np.median(cap["single unit"]["train"][posted] / cap["ols_train"]))
    best = int(np.argmin([capacity_modes(cap, big, i)["test"] for i in range(len(cap["lrs"]))]))
    facts = dict(cap_single_gap=single_gap, cap_single_test=float(np.median(cap["single unit"]["test"][posted])),
                 cap_big_name=big, cap_y_var=float(np.median(cap["y_var"])))
    for tag, i in (("posted", 0), ("best", best)):
        m = capacity_modes(cap, big, i)
        facts.update({f"cap_big_{tag}__{k}": v for k, v in m.items()})
        facts[f"cap_single_{tag}__test"] = capacity_modes(cap, "single unit", i)["test"]
    facts["cap_lr_low"], facts["cap_lr_high"] = min(cap["lrs"]), max(cap["lrs"])
    return rows, facts


def _quartiles(v, which: str) -> dict:
    v = np.asarray(v, float)
    q = np.nanpercentile(v, [50, 25, 75]) if np.isfinite(v).any() else [np.nan] * 3
    return {f"{which}_{k}": float(x) for k, x in zip(("m", "lo", "hi"), q)}


CAP_COLUMNS = [  # the table of capacity_summary's rows
    ("model", lambda r: r["model"]),
    ("SGD learning rate", lambda r: "" if r["lr"] != r["lr"] else f"{r['lr']:g}"),
    ("training MSE, median [IQR]",
     lambda r: f"{tables.num(r['train_m'])} [{tables.num(r['train_lo'])}, {tables.num(r['train_hi'])}]"),
    ("MSE on fresh data, median [IQR]", lambda r: "" if r["test_m"] != r["test_m"] else
     f"{tables.num(r['test_m'])} [{tables.num(r['test_lo'])}, {tables.num(r['test_hi'])}]"),
    ("collapsed to a constant", lambda r: "" if "collapsed" not in r else
     f"{tables.pct(r['collapsed'])} {tables.interval(r['collapsed_low'], r['collapsed_high'])}"),
    ("fresh MSE of the runs that trained", lambda r: "" if r.get("test_trained", float("nan")) != r.get(
        "test_trained", float("nan")) else tables.num(r["test_trained"])),
]


def keras_xor(act: str, P) -> dict:
    """The post's XOR network in Keras (``P.units`` hidden units of ``act``, sigmoid output, binary
    cross-entropy, Adam(``P.lr``), the first of ``P.budgets`` epochs) and its replay in the engine from the
    same weights: both final losses and the Keras model's accuracy."""
    import keras

    units, lr, epochs, seed = P.units, P.lr, sorted(P.budgets)[0], P.seed

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(units, activation=act),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy")
    start = [(w[None], b[None]) for w, b in zip(model.get_weights()[0::2], model.get_weights()[1::2])]
    # the post's fit(X, y, epochs=epochs) takes one full batch of the 4 rows per epoch; one epoch over the
    # rows repeated `epochs` times in batches of 4 is the same sequence of updates without Keras's
    # per-epoch overhead (~0.1 s an epoch here), up to the order of the 4 rows inside each batch's sum
    model.fit(np.tile(XOR_X, (epochs, 1)), np.tile(XOR_Y, (epochs, 1)), batch_size=len(XOR_X), epochs=1,
              shuffle=False, verbose=0)
    net = E.MLP((2, units, 1), (act, "sigmoid"))
    replay = E.Trainer(net, E.init_params(net, 1, kernel=E.Given(start)), E.Adam(lr), loss="bce")
    replay.fit(XOR_X, XOR_Y, epochs=epochs, batch_size=BATCH)
    return dict(keras=float(model.evaluate(XOR_X, XOR_Y, verbose=0)),
                engine=float(replay.evaluate(XOR_X, XOR_Y)[0]),
                accuracy=float(np.mean((model.predict(XOR_X, verbose=0) > 0.5) == XOR_Y)))


REPLAY_STEPS = 300  # steps of each Keras replay


def keras_replays(P) -> list:
    """The capacity and preprocessing examples' engine networks replayed in plain Keras from the same
    initial weights on the same batches, :data:`REPLAY_STEPS` steps each (30 in quick runs); XOR is replayed
    by :func:`keras_xor`."""
    lr = P.lr
    x, y = linear_data(np.random.default_rng([P.seed, 4]))
    common = dict(steps=30 if P.quick else REPLAY_STEPS, seed=P.seed)
    return [replay.keras_replay("capacity: single unit", (1, 1), ("linear",), x, y, batch_size=BATCH, lr=0.01,
                                optimizer="sgd", **common),
            replay.keras_replay("capacity: relu hidden layer", (1, 64, 1), ("relu", "linear"), x, y,
                                batch_size=BATCH, lr=0.01, optimizer="sgd", **common),
            replay.keras_replay("preprocessing: raw rows", (2, 1), ("linear",), SCALE_X, SCALE_Y,
                                batch_size=len(SCALE_X), lr=lr, **common)]


# ------------------------------------------------------------------------------------- claims
XOR_CLAIM = claims.Claim("xor", "answer", "ReLU typically shows better performance",
                         "two ReLU units typically solve XOR (all four points right), and more often than two "
                         "sigmoid units, after the same training", "XOR, relu hidden layer",
                         claims.RateRule("works"), against="sigmoid hidden layer")
CAP_OPEN = claims.Open("SGD learning rate", CAP_LRS, "its hyperparameters (e.g., learning rate, momentum)")
DEPTH_OPEN = claims.Open("hidden layers", DEPTHS, "particularly in deeper networks")
CLAIMS = (
    claims.Claim("struggles", "answer", "a single neuron struggles", "the single linear unit, trained as posted, "
                 "ends with a training error clearly above the best straight line's", "the single linear unit "
                 "(training MSE)", claims.Compare(higher=True), against="the least-squares line"),
    claims.Claim("capacity", "answer", "insufficient capacity", "the single unit's error is a lack of capacity: a "
                 "bigger model trained the same way does better on fresh data from the same line",
                 "a relu hidden layer (fresh-data MSE)", claims.Compare(), against="the single linear unit",
                 open=CAP_OPEN),
    XOR_CLAIM,
    claims.Claim("vanishing", "answer", "prone to vanishing gradients in deeper networks", "in a deeper stack of "
                 "the post's sigmoid layers, the gradient that reaches the first layer is a smaller share of the "
                 "output layer's than in the post's one-layer network", "deeper sigmoid stack (first-layer / "
                 "output-layer gradient norm at initialization)", claims.Compare(),
                 against="one sigmoid hidden layer", open=DEPTH_OPEN),
    claims.Claim("scaling", "answer", "faster convergence", "standardized features reach a converged loss in "
                 "fewer epochs than raw ones", "one linear unit, standardized rows (epochs to converge)",
                 claims.Compare(), against="raw rows"),
)


def claims_evidence(cap: dict, xor: Budgets, grads: dict, scaling: dict) -> dict:
    """Every claim's evidence, by claim id, for :func:`claims.judge_all`: the single unit against the
    least-squares line at the post's learning rate; the bigger model against the single unit at every
    learning rate (the runs that collapsed counted in the words); XOR at the answer's budget (the first);
    the first-layer gradient share of each deeper sigmoid stack against the one-layer network's; and the
    epochs each scaling run took to converge (a run that did not by the cap counts as converging at the cap:
    a lower bound on its epochs, so a ratio found above the band is one the full runs would show too)."""
    big, posted = _big(cap), cap["member"] == 0
    capacity = claims.by_point(
        CLAIMS[1], cap[big]["test"], cap["member"], against=cap["single unit"]["test"], against_point=cap["member"],
        text=lambda g: (lambda m: f"{m['n_collapsed']} of {m['n']} relu runs collapsed to a constant")(
            capacity_modes(cap, big, cap["lrs"].index(g["SGD learning rate"]))))
    vanishing = {d: claims.Evidence(grads["sigmoid"][d], grads["sigmoid"][1]) for d in DEPTHS}
    cap_epochs = scaling["cap"]
    n_capped, n_capped_std = (int(np.sum(~np.isfinite(scaling["converged"][k]))) for k in ("raw", "standardized"))
    return {"struggles": (cap["single unit"]["train"][posted], cap["ols_train"]),
            "capacity": capacity,
            "xor": xor_evidence(xor, 0),
            "vanishing": vanishing,
            "scaling": claims.Evidence(*(np.minimum(scaling["converged"][k], cap_epochs) for k in ("standardized", "raw")),
                                       f"epochs to converge; {n_capped} of {len(scaling['converged']['raw'])} raw "
                                       f"and {n_capped_std} standardized runs had not converged by epoch {cap_epochs:,} "
                                       f"and count as converging there, which can only understate the ratio")}


def judge_claims(cap: dict, xor: Budgets, grads: dict, scaling: dict) -> list[claims.Verdict]:
    """The answer's claims, judged in one loop over their evidence (:func:`claims_evidence`)."""
    return claims.judge_all(CLAIMS, claims_evidence(cap, xor, grads, scaling))


SCALE_X = np.array([[1000, 0.1], [2000, 0.2], [3000, 0.3]])
SCALE_Y = np.array([[1.0], [2.0], [3.0]])


def feature_ratio() -> float:
    """How many times larger the preprocessing example's first feature is than its second (median over rows)."""
    return float(np.median(SCALE_X[:, 0] / SCALE_X[:, 1]))


SCALE_CAP = 10_000  # epochs the scaling runs may take to converge (one Adam step each: three rows, batch 32)
SCALE_CHUNK = 100  # epochs between loss checkpoints (the first checkpoint is the posted SCALE_EPOCHS)
CONVERGED = 0.01  # converged: training MSE below this share of y's variance (the loss of predicting the mean)


def scaling_runs(P, rng: np.random.Generator, cap: int = SCALE_CAP, chunk: int = SCALE_CHUNK) -> dict:
    """Example 3: ``P.n_seeds`` single linear units with Adam(``P.lr``) on the three rows, raw and
    standardized side by side in one engine call, trained for ``cap`` epochs; the training MSE every ``chunk``
    epochs ([checkpoints, n_seeds] per variant), the checkpoint epochs, and per run the first checkpoint at
    which its MSE is below :data:`CONVERGED` of y's variance and stays below at every later one (inf if
    never)."""
    n = P.n_seeds
    variants = {"raw": SCALE_X, "standardized": stats.standardize(SCALE_X)}
    X = np.concatenate([np.broadcast_to(x, (n, *x.shape)) for x in variants.values()])
    net = E.MLP((2, 1), ("linear",))
    trainer = E.Trainer(net, E.init_params(net, len(X), rng=rng), E.Adam(P.lr), loss="mse")
    # one step per epoch (three rows in one batch, in order): `chunk` epochs are one pass over the rows
    # repeated `chunk` times in batches of three, the same updates in one compiled loop
    xs, ys = np.tile(X, (1, chunk, 1)), np.tile(SCALE_Y, (chunk, 1))
    steps = max(1, cap // chunk)
    loss = []
    for _ in range(steps):
        trainer.fit(xs, ys, epochs=1, batch_size=len(SCALE_X))
        loss.append(trainer.evaluate(X, SCALE_Y))
    loss = np.array(loss)
    epochs = chunk * np.arange(1, steps + 1)
    first = converged_at(loss, epochs, CONVERGED * float(SCALE_Y.var()))
    out = dict(epochs=epochs, cap=int(epochs[-1]), loss={}, converged={})
    for j, name in enumerate(variants):
        out["loss"][name] = loss[:, j * n:(j + 1) * n]
        out["converged"][name] = first[j * n:(j + 1) * n].astype(float)
    return out


def converged_at(loss: np.ndarray, epochs: np.ndarray, threshold: float) -> np.ndarray:
    """Per run (column of ``loss`` [checkpoints, K]): the first checkpoint epoch from which the loss stays
    below ``threshold`` at every later checkpoint; inf when it never does (a diverged run's NaN is not
    below)."""
    ok = np.asarray(loss) < threshold
    stays = np.flip(np.cumprod(np.flip(ok, 0), 0), 0).astype(bool)  # below here and at every later checkpoint
    return np.where(stays.any(0), np.asarray(epochs)[np.argmax(stays, 0)], np.inf).astype(float)


def remaining_findings(report) -> str:
    """What the doctor still says at high severity about the standardized example, in words."""
    high = [r.check for r in report.findings if r.status == "high"]
    if not high:
        return "none"
    said = {"learning_rate": "the learning-rate probe finds Adam's default step slow for one linear unit on three rows"}
    return "; ".join(said.get(c, c) for c in high)


# ------------------------------------------------------------------------ what the notebook glues and shows
def _dead(sample) -> float:
    """Share of ReLU stacks that pass no gradient to the first layer (zero, or not a number)."""
    sample = np.asarray(sample, dtype=float)
    return float(np.mean(~np.isfinite(sample) | (sample == 0)))


def gradient_summary(grads: dict):
    """The numbers the vanishing-gradient paragraph glues (per depth and at the deepest stack, and the
    shrink factor per added sigmoid layer: the geometric mean over depths) and its table."""
    rows = [dict(depth=d, **{a: grads[a][d] for a in grads}) for d in grads["sigmoid"]]
    out = {}
    for r in rows:
        for a in grads:
            out[f"grad__{a}__{r['depth']}"] = float(np.nanmedian(r[a]))
        out[f"grad__relu_dead__{r['depth']}"] = _dead(r["relu"])
    deepest = max(grads["sigmoid"])
    first, last = np.nanmedian(grads["sigmoid"][1]), np.nanmedian(grads["sigmoid"][deepest])
    out.update(grad_deepest=deepest, grad__sigmoid__deepest=float(last),
               grad__relu_dead__deepest=_dead(grads["relu"][deepest]),
               grad_per_layer=float((last / first) ** (1 / (deepest - 1))))
    table = tables.markdown(rows, [
        ("hidden layers", lambda r: f"{r['depth']}"),
        ("sigmoid: first / output layer gradient, median [IQR]", lambda r: f"{tables.num(np.nanmedian(r['sigmoid']))} "
         f"[{tables.num(np.nanpercentile(r['sigmoid'], 25))}, {tables.num(np.nanpercentile(r['sigmoid'], 75))}]"),
        ("relu: the same", lambda r: f"{tables.num(np.nanmedian(r['relu']))}"),
        ("relu: no gradient at the first layer (dead)", lambda r: tables.pct(_dead(r["relu"])))])
    return out, table


def scaling_summary(sc: dict, P) -> dict:
    """The numbers the scaling paragraph glues: per variant the median MSE at the answer's epochs, the share
    of runs that converge (and by the answer's epochs) and their median epoch; the comparison with
    predicting the mean, the bias's travel in steps, the raw/standardized ratio and the settings."""
    posted = int(np.searchsorted(sc["epochs"], SCALE_EPOCHS))
    trivial = float(SCALE_Y.var())
    out = {}
    for name, curve in sc["loss"].items():
        done = sc["converged"][name]
        out.update({f"scale_{name}__final": float(np.median(curve[posted])),
                    f"scale_{name}__converged": float(np.mean(np.isfinite(done))),
                    f"scale_{name}__epochs": float(np.median(done)),
                    f"scale_{name}__converged_posted": float(np.mean(curve[posted] < CONVERGED * trivial))})
    std, raw = np.median(sc["loss"]["standardized"][posted]), np.median(sc["loss"]["raw"][posted])
    out.update(scale_std_vs_trivial="worse" if std > trivial else "better",
               scale_bias_steps=float(SCALE_Y.mean() / P.lr), scale_ratio=float(raw / std), scale_trivial=trivial,
               scale_cap=sc["cap"], scale_converged=CONVERGED)
    return out


# ------------------------------------------------------- the page's bookkeeping: glued values and tables
# Each function takes the chapter's `glue` (and `glue_object` for tables another part of the page pastes),
# so the code cells a reader expands show the experiments and nothing else.
KEY_CLAIMS = ("capacity", "xor", "scaling")  # the claims the reader's question turns on: the answer's three examples
# the main flow's claims table: the claim, our evidence and the verdict (source and configuration are in the
# complete table, in a dropdown)
KEY_COLUMNS = [c for c in claims.TABLE_COLUMNS if c[0] in ("claim", "our evidence", "verdict")]


def glue_capacity(cap: dict, glue):
    """Example 1's numbers (see :func:`capacity_summary`) glued; returns its table."""
    rows, facts = capacity_summary(cap)
    for name, value in facts.items():
        glue(name, value)
    glue("cap_collapsed", COLLAPSED)
    return tables.markdown(rows, CAP_COLUMNS)


def glue_keras_xor(runs: dict, glue) -> None:
    """The posted XOR runs in Keras (per activation: final loss, accuracy) and the engine's largest gap."""
    for act, run in runs.items():
        glue(f"xor_keras__{act}", run["keras"])
        glue(f"xor_keras_acc__{act}", run["accuracy"])
    glue("xor_keras_gap", max(abs(r["keras"] - r["engine"]) for r in runs.values()))


XOR_GLUED = ("p_better", "acc_a", "acc_b", "solved_a", "solved_b", "verdict", "p_solved", "median_a", "median_b")


def glue_xor(xor_rows: list[dict], glue):
    """The XOR comparison at the first and the last budget glued (and how many budgets reproduce); returns
    the table of every budget."""
    for tag, row in (("first", xor_rows[0]), ("last", xor_rows[-1])):
        for name in XOR_GLUED:
            glue(f"xor_{tag}__{name}", row[name])
    glue("ln2", float(np.log(2)))
    glue("xor_n_reproduce", sum(r["verdict"] == claims.REPRODUCES for r in xor_rows))
    return tables.markdown(xor_rows, XOR_COLUMNS)


def glue_gradients(grads: dict, glue):
    """The vanishing-gradient numbers (:func:`gradient_summary`) glued; returns their table."""
    glued, table = gradient_summary(grads)
    for name, value in glued.items():
        glue(name, value)
    return table


def glue_scaling(sc: dict, P, glue) -> None:
    for name, value in scaling_summary(sc, P).items():
        glue(name, value)


def glue_replays(gaps: list, glue):
    """The Keras replays' length and largest deviation glued; returns their table."""
    glue("replay_steps", gaps[0].steps)
    glue("keras_replay_gap", replay.worst(gaps))
    return tables.markdown(gaps, replay.COLUMNS)


def glue_claims(verdicts: list, cap: dict, glue, glue_object) -> None:
    """Every verdict and the tally glued; the capacity claim's interval at the bigger model's best rate
    against the sameness band; and, as tables the page pastes, the claims the reader's question turns on
    (:data:`KEY_CLAIMS`, columns :data:`KEY_COLUMNS`), every claim, and the rules in words."""
    claims.glue_verdicts(verdicts, glue)
    best_lr = capacity_summary(cap)[1]["cap_big_best__lr"]
    best = dict(next(v for v in verdicts if v.claim.id == "capacity").points)[(best_lr,)]
    glue("cap_best__low", best.low)
    glue("cap_best__high", best.high)
    glue("cap_best__same", "inside" if 1 / claims.SAME <= best.low and best.high <= claims.SAME else "not inside")
    glue("claims_shown", len(KEY_CLAIMS))
    glue_object("claims_key_table", tables.as_html(tables.markdown(key_claims(verdicts), KEY_COLUMNS)))
    glue_object("claims_all_table", tables.as_html(claims.table(verdicts)))
    glue_object("claims_rules", claims.rules_text(verdicts))


def key_claims(verdicts: list) -> list:
    """The verdicts of :data:`KEY_CLAIMS`, in that order."""
    by_id = {v.claim.id: v for v in verdicts}
    return [by_id[k] for k in KEY_CLAIMS]


def high_findings(report) -> str:
    """The checks a report raised at high severity, by title, in words ("none" when there are none)."""
    return "; ".join(r.title for r in report.findings if r.status == "high") or "none"


def glue_doctor_demo(report_raw, report_std, glue, glue_object) -> None:
    """The doctor on the answer's third example, raw and standardized: high findings (how many, which, what
    remains after the fix), the slower diagnosis's seconds, and both reports for the page to paste."""
    glue("demo_raw_high", report_raw.severities()["high"])
    glue("demo_raw_named", high_findings(report_raw))
    glue("demo_std_high", report_std.severities()["high"])
    glue("demo_std_checks", remaining_findings(report_std))
    glue("demo_seconds", max(report_raw.seconds, report_std.seconds))
    glue_object("demo_report_raw", report_raw)
    glue_object("demo_report_std", report_std)


def glue_watch(model, watch, glue) -> None:
    """The Watch demonstration: the learning rate it was given and where the fit was stopped (0, 0 when the
    loss never became a non-number)."""
    glue("watch_lr", float(model.optimizer.learning_rate))
    glue("watch_epoch", watch.diverged[0] if watch.diverged else 0)
    glue("watch_batch", watch.diverged[1] if watch.diverged else 0)
