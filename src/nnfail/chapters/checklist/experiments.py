"""The checklist chapter's experiments: seed 003's three examples, each over many seeds in one program.

1. capacity: one linear unit on y = 2x + 1 + noise, x in [0, 10], SGD, 100 epochs: is its error "poor"
   or the noise floor?
2. activations: XOR with a 2-unit sigmoid vs a 2-unit ReLU hidden layer, sigmoid output, binary
   cross-entropy, Adam; the post says ReLU typically does better after 100 epochs.
3. preprocessing: one linear unit on two features in the thousands and the tenths, raw vs standardized.

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
    of ``b`` (from Cliff's delta), mean accuracies, solved shares, and the claims engine's verdict on "``a``
    typically does better" (its final loss lower than ``b``'s, as a ratio of medians with its interval)."""
    rows = []
    for i, budget in enumerate(res.budgets):
        la, lb = res.loss[a][i], res.loss[b][i]
        v = XOR_CLAIM.judge(la, lb)
        p_better = (1 - stats.cliffs_delta(la, lb)) / 2  # P(loss_a < loss_b) + ties / 2
        acc_a, acc_b = float(res.accuracy[a][i].mean()), float(res.accuracy[b][i].mean())
        solved_a, solved_b = stats.failure_rate(res.accuracy[a][i] == 1), stats.failure_rate(res.accuracy[b][i] == 1)
        rows.append(dict(budget=budget, median_a=float(np.median(la)), median_b=float(np.median(lb)), p=v.p,
                         ratio=v.value, ratio_low=v.low, ratio_high=v.high,
                         p_better=float(p_better), acc_a=acc_a, acc_b=acc_b, solved_a=solved_a.rate,
                         solved_a_low=solved_a.low, solved_a_high=solved_a.high, solved_b=solved_b.rate,
                         solved_b_low=solved_b.low, solved_b_high=solved_b.high,
                         p_solved=stats.fisher_exact(solved_a.failures, solved_a.n, solved_b.failures, solved_b.n),
                         verdict=v.outcome))
    return rows


XOR_COLUMNS = [  # the table of xor_compare's rows
    ("epochs", lambda r: f"{r['budget']:,}"),
    ("median loss relu / sigmoid", lambda r: f"{r['median_a']:.3f} / {r['median_b']:.3f}"),
    ("sigmoid / relu median loss [95% CI]", lambda r: f"{tables.num(r['ratio'])} "
                                                     f"{tables.interval(r['ratio_low'], r['ratio_high'], tables.num)}"),
    ("P(relu loss lower)", lambda r: tables.pct(r["p_better"])),
    ("p", lambda r: tables.pvalue(r["p"])),
    ("mean accuracy relu / sigmoid", lambda r: f"{tables.pct(r['acc_a'])} / {tables.pct(r['acc_b'])}"),
    ("solved relu", lambda r: f"{tables.pct(r['solved_a'])} {tables.interval(r['solved_a_low'], r['solved_a_high'])}"),
    ("solved sigmoid",
     lambda r: f"{tables.pct(r['solved_b'])} {tables.interval(r['solved_b_low'], r['solved_b_high'])}"),
    ("verdict", lambda r: r["verdict"]),
]


def linear_data(rng: np.random.Generator, n: int = 100, noise: float = 1.0):
    x = np.linspace(0, 10, n)
    return x[:, None], (2 * x + 1 + rng.normal(0, noise, n))[:, None]


def capacity_runs(P, rng: np.random.Generator, epochs: int = CAP_EPOCHS, lr: float = 0.01, noise: float = 1.0,
                  hidden: int = 64) -> dict:
    """Example 1: each of ``P.n_seeds`` seeds draws its own noisy line; a single linear unit (the post) and a
    relu network with one hidden layer of ``hidden`` units, both SGD(lr) for ``epochs`` epochs of batch 32
    (the answer's settings, not the chapter's parameters); training MSE and MSE on fresh data from the same
    line, against the least-squares line's training MSE."""
    n_seeds = P.n_seeds
    data = [linear_data(rng, noise=noise) for _ in range(n_seeds)]
    X = np.stack([d[0] for d in data])
    Y = np.stack([d[1] for d in data])
    fresh = np.stack([linear_data(rng, noise=noise)[1] for _ in range(n_seeds)])
    ols = np.array([np.mean((np.polyval(np.polyfit(X[k, :, 0], Y[k, :, 0], 1), X[k, :, 0]) - Y[k, :, 0]) ** 2)
                    for k in range(n_seeds)])
    out = dict(ols_train=ols)
    for name, net in (("single unit", E.MLP((1, 1), ("linear",))),
                      (f"relu {hidden}", E.MLP((1, hidden, 1), ("relu", "linear")))):
        trainer = E.Trainer(net, E.init_params(net, n_seeds, rng=rng), E.SGD(lr), loss="mse")
        trainer.fit(X, Y, epochs=epochs, batch_size=BATCH, shuffle=True, rng=rng)
        out[name] = dict(train=trainer.evaluate(X, Y), test=trainer.evaluate(X, fresh))
    return out


def capacity_summary(cap: dict) -> tuple[list[dict], dict]:
    """Example 1's table rows (median and IQR of training and fresh-data MSE per model, the least-squares
    line first) and the numbers the prose quotes (the verdict on the capacity claim is :func:`judge_claims`'s)."""
    big = [k for k in cap if k.startswith("relu")][0]
    models = [("least-squares line (training MSE)", cap["ols_train"], np.full(len(cap["ols_train"]), np.nan))]
    models += [(k, cap[k]["train"], cap[k]["test"]) for k in ("single unit", big)]
    rows = []
    for name, train, test in models:
        row = dict(model=name)
        for which, v in (("train", train), ("test", test)):
            q = np.nanpercentile(v, [50, 25, 75]) if np.isfinite(v).any() else [np.nan] * 3
            row.update({f"{which}_{k}": x for k, x in zip(("m", "lo", "hi"), q)})
        rows.append(row)
    single_gap = float(np.median(cap["single unit"]["train"] / cap["ols_train"]))
    facts = dict(cap_single_gap=single_gap, cap_single_test=float(np.median(cap["single unit"]["test"])),
                 cap_big_test=float(np.median(cap[big]["test"])), cap_big_name=big,
                 cap_big_diverged=int(np.sum(~np.isfinite(cap[big]["train"]))))
    return rows, facts


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
XOR_CLAIM = claims.Claim("xor", "answer", "ReLU typically", "two ReLU units end with a lower loss on XOR than two "
                         "sigmoid units after the same training", "XOR, relu hidden layer", claims.Compare(),
                         against="sigmoid hidden layer")
CLAIMS = (
    claims.Claim("capacity", "answer", "insufficient capacity", "the single unit's error is a lack of capacity: a "
                 "bigger model does better on fresh data from the same line", "a relu hidden layer (fresh-data MSE)",
                 claims.Compare(), against="the single linear unit"),
    XOR_CLAIM,
    claims.Claim("scaling", "answer", "scaling", "standardized features give a lower loss than raw ones after the "
                 "same epochs", "one linear unit, standardized rows (final MSE)", claims.Compare(),
                 against="raw rows"),
)


def judge_claims(cap: dict, xor: Budgets, scaling: dict) -> list[claims.Verdict]:
    """The answer's three examples: capacity on fresh-data MSE, XOR at the answer's budget (the first one),
    scaling on the final training MSE."""
    big = next(k for k in cap if k.startswith("relu"))
    evidence = {"capacity": (cap[big]["test"], cap["single unit"]["test"]),
                "xor": (xor.loss["relu"][0], xor.loss["sigmoid"][0], f"after {xor.budgets[0]:,} epochs"),
                "scaling": (scaling["standardized"][-1], scaling["raw"][-1])}
    return [c.judge(*evidence[c.id]) for c in CLAIMS]


SCALE_X = np.array([[1000, 0.1], [2000, 0.2], [3000, 0.3]])
SCALE_Y = np.array([[1.0], [2.0], [3.0]])


def feature_ratio() -> float:
    """How many times larger the preprocessing example's first feature is than its second (median over rows)."""
    return float(np.median(SCALE_X[:, 0] / SCALE_X[:, 1]))


def scaling_runs(P, rng: np.random.Generator, epochs: int = SCALE_EPOCHS) -> dict:
    """Example 3: ``P.n_seeds`` single linear units with Adam(``P.lr``) on the three rows, raw and standardized;
    MSE per epoch [epochs, K]."""
    n_seeds, lr = P.n_seeds, P.lr
    scaled = stats.standardize(SCALE_X)
    out = {}
    net = E.MLP((2, 1), ("linear",))
    for name, X in (("raw", SCALE_X), ("standardized", scaled)):
        trainer = E.Trainer(net, E.init_params(net, n_seeds, rng=rng), E.Adam(lr), loss="mse")
        out[name] = trainer.fit(X, SCALE_Y, epochs=epochs, batch_size=BATCH).array()
    return out


def remaining_findings(report) -> str:
    """What the doctor still says at high severity about the standardized example, in words."""
    high = [r.check for r in report.findings if r.status == "high"]
    if not high:
        return "none"
    said = {"learning_rate": "the learning-rate probe finds Adam's default step slow for one linear unit on three rows"}
    return "; ".join(said.get(c, c) for c in high)
