"""Chapter 3, the unnormalized sigmoid network: ten iris rows, a hand-written 2-3-1 network, and the
iteration counts the post and its answer report.

Every configuration (labels, input scaling, loss, learning rate, optimizer, bias update) is a block of
members in one ``sigmoid_net.train_many`` run.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from nnfail import sigmoid_net as S
from nnfail import stats, tables
from nnfail.models import Case, mlp

# The post's ten rows: (sepal length, petal length) in cm.
ROWS = np.array([[7.0, 4.7], [6.3, 6.0], [6.9, 4.9], [6.4, 5.3], [5.8, 5.1],
                 [5.5, 4.0], [7.1, 5.9], [6.3, 5.6], [6.4, 4.5], [7.7, 6.7]])
# The label vector carried by a public script with the identical rows (see the book's seeds README).
ALTERNATIVE_LABELS = np.array([0, 1, 0, 1, 1, 0, 0, 1, 0, 1])


def iris_matches():
    """For each post row, the iris rows with the same sepal and petal length and their species."""
    from sklearn.datasets import load_iris

    iris = load_iris()
    feats = iris.data[:, [0, 2]]
    out = []
    for r in ROWS:
        idx = np.where(np.isclose(feats[:, 0], r[0]) & np.isclose(feats[:, 1], r[1]))[0]
        out.append([(int(i), str(iris.target_names[iris.target[i]])) for i in idx])
    return out


def iris_labels() -> np.ndarray:
    """1 for virginica, 0 for versicolor, from the iris data bundled with scikit-learn; refuses rows
    whose matches disagree or that are not versicolor/virginica."""
    labels = []
    for r, matches in zip(ROWS, iris_matches()):
        species = {s for _, s in matches}
        if not matches or len(species) != 1 or not species <= {"versicolor", "virginica"}:
            raise ValueError(f"row {r.tolist()} has no unambiguous versicolor/virginica match: {matches}")
        labels.append(int(species == {"virginica"}))
    return np.array(labels)


def label_vector(name: str) -> np.ndarray:
    return iris_labels() if name == "iris" else ALTERNATIVE_LABELS.copy()


def label_facts() -> dict:
    """How the post's rows match the iris data and where the two label vectors differ (for the prose)."""
    matches, y_iris, y_alt = iris_matches(), iris_labels(), ALTERNATIVE_LABELS
    differ = np.flatnonzero(y_iris != y_alt)
    return dict(n_rows=len(ROWS), n_rows_matched=sum(len({s for _, s in m}) == 1 for m in matches),
                n_label_differences=int(differ.size),
                differing_row=", ".join(str(ROWS[i].tolist()) for i in differ),
                iris_labels=",".join(map(str, y_iris)), alternative_labels=",".join(map(str, y_alt)))


def label_rows() -> list[dict]:
    """One row per post row: its values, the iris rows and species it matches, both labels."""
    return [dict(i=i, row=r, m=m, yi=a, ya=b) for i, (r, m, a, b)
            in enumerate(zip(ROWS, iris_matches(), iris_labels(), ALTERNATIVE_LABELS))]


def legacy_init(seed: int) -> S.Weights:
    """The post's initialization under ``numpy.random.seed(seed)`` (the legacy global generator)."""
    r = np.random.RandomState(seed)
    W1 = 2 * r.random_sample((2, 3)) - 1
    W2 = 2 * r.random_sample((3, 1)) - 1
    b1 = 2 * r.random_sample(3) - 1
    b2 = 2 * r.random_sample(1) - 1
    return S.Weights(W1, b1, W2, b2)


@dataclass(frozen=True)
class Config:
    name: str
    labels: str = "alt"
    scaling: str = "raw"  # raw | standardized
    loss: str = "sse"
    alpha: float = 0.5
    optimizer: str = "gd"
    momentum: float = 0.9
    bias: str = "per_unit"


def configs(base: Config) -> list[Config]:
    """One-change-at-a-time variations of the baseline, each named after what it tests, for both label
    vectors."""
    out = []
    for lab in ("alt", "iris"):
        b = replace(base, labels=lab)
        rows = [
            replace(b, name="as posted"),
            replace(b, name="shared bias update", bias="shared"),
            replace(b, name="standardized inputs", scaling="standardized"),
            replace(b, name="log-loss, alpha 0.5", loss="logloss", alpha=0.5),
            replace(b, name="log-loss, alpha 0.05", loss="logloss", alpha=0.05),
            replace(b, name="log-loss, alpha 0.01", loss="logloss", alpha=0.01),
            replace(b, name="log-loss, alpha 0.05, standardized", loss="logloss", alpha=0.05, scaling="standardized"),
            replace(b, name="log-loss, alpha 0.01, standardized", loss="logloss", alpha=0.01, scaling="standardized"),
            replace(b, name="alpha 1.0", alpha=1.0),
            replace(b, name="alpha 1.0, standardized", alpha=1.0, scaling="standardized"),
            replace(b, name="momentum 0.9, alpha 0.05", optimizer="momentum", alpha=0.05),
            replace(b, name="Adam, alpha 0.01", optimizer="adam", alpha=0.01),
            replace(b, name="Adam, alpha 0.01, standardized", optimizer="adam", alpha=0.01, scaling="standardized"),
        ]
        out += [replace(c, name=f"{lab} | {c.name}") for c in rows]
    return out


@dataclass
class Sweep:
    configs: list[Config]
    member_config: np.ndarray
    run: S.Run
    seeds: np.ndarray
    inits: S.Weights  # [n_seeds] the initial weights every configuration starts from
    X: np.ndarray  # [M, 10, 2] inputs each member saw
    Y: np.ndarray  # [M, 10, 1]
    cap: int

    def of(self, name: str) -> np.ndarray:
        i = next(j for j, c in enumerate(self.configs) if c.name == name)
        return self.member_config == i


def run_sweep(cfgs: list[Config], n_seeds: int, rng: np.random.Generator, max_iter: int, target: float,
              record_every: int = 100, progress=None) -> Sweep:
    """Every configuration with the same n_seeds initial weights (drawn once from rng), in one program."""
    inits = S.init(rng, members=n_seeds)
    member = np.repeat(np.arange(len(cfgs)), n_seeds)
    seed_of = np.tile(np.arange(n_seeds), len(cfgs))
    w = S.Weights(*[a[seed_of] for a in inits.arrays()])
    col = lambda f: np.array([getattr(cfgs[i], f) for i in member])  # noqa: E731
    X = np.stack([stats.standardize(ROWS) if s == "standardized" else ROWS for s in col("scaling")])
    Y = np.stack([label_vector(lab)[:, None].astype(float) for lab in col("labels")])
    cfg = S.Members(alpha=col("alpha").astype(float), logloss=col("loss") == "logloss",
                    shared_bias=col("bias") == "shared",
                    optimizer=np.array([S.OPTIMIZERS.index(o) for o in col("optimizer")]),
                    momentum=col("momentum").astype(float))
    run = S.train_many(w, X, Y, cfg, target=target, max_iter=max_iter, record_every=record_every, progress=progress)
    return Sweep(list(cfgs), member, run, seed_of, inits, X, Y, max_iter)


def summarize(sw: Sweep, rng: np.random.Generator) -> list[dict]:
    """Per configuration: iterations to the target (median, IQR, range over converged seeds, bootstrap CI
    of the median with capped seeds counted at the cap) and the share that never converged."""
    rows = []
    for i, c in enumerate(sw.configs):
        it = sw.run.iterations[sw.member_config == i].astype(float)
        ok = it >= 0
        conv = it[ok]
        capped = np.where(ok, it, sw.cap)
        s = stats.median_iqr(capped)
        lo, hi = stats.bootstrap_median_ci(capped, rng)
        nc = stats.failure_rate(~ok)
        rows.append(dict(config=c.name, labels=c.labels, n=int(ok.size), converged=int(ok.sum()),
                         median=s.median, q1=s.q1, q3=s.q3, ci_low=lo, ci_high=hi,
                         min=float(conv.min()) if conv.size else float("nan"),
                         max=float(conv.max()) if conv.size else float("nan"),
                         never=nc.rate, never_low=nc.low, never_high=nc.high,
                         median_capped=bool(s.median >= sw.cap)))
    return rows


SUMMARY_COLUMNS = [  # the table of summarize's rows (one label vector at a time)
    ("configuration", lambda r: r["config"].split(" | ")[1]),
    ("median iterations [IQR]",
     lambda r: f"{tables.num(r['median'], 6)} [{tables.num(r['q1'], 6)}, {tables.num(r['q3'], 6)}]"),
    ("range (converged)", lambda r: f"{tables.num(r['min'], 6)} to {tables.num(r['max'], 6)}"),
    ("never converged", lambda r: f"{tables.pct(r['never'])} {tables.interval(r['never_low'], r['never_high'])}"),
]


def iterations(sw: Sweep, name: str) -> np.ndarray:
    """Iterations each seed of configuration ``name`` needed, seeds that never converged counted at the cap."""
    it = sw.run.iterations[sw.of(name)]
    return np.where(it >= 0, it, sw.cap).astype(float)


POST_ITERATIONS = 32000  # the post: "about 32,000 iterations on average"


def identify_labels(sw: Sweep) -> tuple[str, dict[str, tuple[float, str]]]:
    """Which label vector the post's iteration count comes from: for each, (ratio of our median to the
    post's figure, verdict); the label vector whose ratio is closest to 1."""
    judged = {lab: stats.about(POST_ITERATIONS, float(np.median(iterations(sw, f"{lab} | as posted"))))
              for lab in ("alt", "iris")}
    return min(judged, key=lambda lab: abs(np.log(judged[lab][0]))), judged


# (id, source, claim, kind, configuration, reported value or contrast configuration)
CLAIMS = (
    ("post_32000", "post", "about 32,000 iterations on average as posted", "about", "as posted", POST_ITERATIONS),
    ("comment_209237", "comment", "about 209,000 iterations without scaling (209,237 reported)", "locate",
     "as posted", 209237),
    ("scaling", "answer", "standardized inputs converge much faster", "faster", "standardized inputs", "as posted"),
    ("bias_fix", "answer", "the shared bias update is a bug worth fixing", "faster", "as posted",
     "shared bias update"),
    ("logloss_stuck", "comment", "log-loss at alpha 0.5 gets stuck (at 0.693)", "stuck", "log-loss, alpha 0.5", None),
    ("logloss_33345", "comment", "log-loss at alpha 0.05: 33,345 iterations", "locate", "log-loss, alpha 0.05",
     33345),
    ("logloss_64331", "comment", "log-loss without scaling: 64,331 iterations (alpha 0.01)", "locate",
     "log-loss, alpha 0.01", 64331),
    ("logloss_scaled_1000", "comment", "log-loss with scaling: under 1,000 iterations (alpha 0.01)", "under",
     "log-loss, alpha 0.01, standardized", 1000),
    ("alpha1_scaled_10000", "comment", "alpha 1.0 with scaling: under 10,000 iterations", "under",
     "alpha 1.0, standardized", 10000),
    ("momentum", "answer", "momentum speeds up plain descent", "faster", "momentum 0.9, alpha 0.05", "as posted"),
    ("adam", "answer", "Adam is faster than plain descent", "faster", "Adam, alpha 0.01", "as posted"),
)


def judge_claim(kind: str, c: np.ndarray, ref, other: np.ndarray | None, cap: int) -> tuple[str, str, float]:
    """(verdict, evidence text, p-value or NaN) of one claim on the iteration counts ``c`` (capped seeds at
    ``cap``); ``other`` holds the counts of the contrast configuration of a "faster" claim."""
    p = float("nan")
    if kind == "about":
        ratio, v = stats.about(ref, float(np.median(c)))
        return v, f"our median {tables.num(np.median(c), 6)} ({ratio:.2f}x the figure)", p
    if kind == "locate":
        share, v = stats.locate(ref, c)
        return v, f"{tables.pct(share)} of seeds needed fewer; median {tables.num(np.median(c), 6)}", p
    if kind == "faster":
        _, p = stats.mann_whitney(c, other)
        ratio = np.median(other) / np.median(c)
        v = stats.REPRODUCES if (p < 0.05 and ratio > 1) else (stats.PARTLY if ratio > 1 else stats.DOES_NOT)
        return v, f"median {tables.num(np.median(c), 6)} vs {tables.num(np.median(other), 6)} ({ratio:.2g}x)", p
    if kind == "stuck":
        rate = stats.failure_rate(c >= cap)
        return (stats.verdict("fails", rate.rate),
                f"{tables.pct(rate.rate)} never converged {tables.interval(rate.low, rate.high)}", p)
    if kind == "under":
        rate = stats.failure_rate(c >= ref)
        return (stats.verdict("works", rate.rate),
                f"{tables.pct(1 - rate.rate)} of seeds under {ref:,}; median {tables.num(np.median(c), 6)}", p)
    raise ValueError(f"unknown claim kind {kind!r}")


def judge_claims(sw: Sweep, labels: str) -> list[dict]:
    """Every claim of the thread judged on the sweep's ``labels`` rows."""
    verdicts = []
    for cid, who, text, kind, cfg, ref in CLAIMS:
        other = iterations(sw, f"{labels} | {ref}") if kind == "faster" else None
        v, evidence, p = judge_claim(kind, iterations(sw, f"{labels} | {cfg}"), ref, other, sw.cap)
        verdicts.append(dict(id=cid, who=who, claim=text, evidence=evidence, p=p, verdict=v))
    return verdicts


# ------------------------------------------------------------------------------------- mechanism
def hessian_condition(w: S.Weights, X, Y, loss: str = "sse", h: float = 1e-5) -> float:
    """Condition number of the Hessian of the loss in all 13 weights, by central differences of the
    exact gradient (largest over smallest absolute eigenvalue)."""
    flat0 = np.concatenate([a.ravel() for a in w.arrays()])
    shapes = [a.shape for a in w.arrays()]

    def grad(flat):
        parts, at = [], 0
        for shp in shapes:
            n = int(np.prod(shp))
            parts.append(flat[at:at + n].reshape(shp))
            at += n
        ww = S.Weights(*parts)
        hid, out = S.forward(ww, X)
        return np.concatenate([g.ravel() for g in S.gradients(ww, X, Y, hid, out, loss)])

    H = np.empty((flat0.size, flat0.size))
    for j in range(flat0.size):
        e = np.zeros_like(flat0)
        e[j] = h
        H[:, j] = (grad(flat0 + e) - grad(flat0 - e)) / (2 * h)
    ev = np.abs(np.linalg.eigvalsh((H + H.T) / 2))
    return float(ev.max() / max(ev.min(), 1e-300))


def decision_grid(w: S.Weights, scaling: str, n: int = 120):
    """Network output over a grid of the original feature plane (for boundary figures)."""
    x0 = np.linspace(5.2, 8.0, n)
    x1 = np.linspace(3.7, 7.0, n)
    g0, g1 = np.meshgrid(x0, x1)
    pts = np.column_stack([g0.ravel(), g1.ravel()])
    if scaling == "standardized":
        pts = stats.standardize(pts, like=ROWS)
    _, out = S.forward(w, pts)
    return x0, x1, out.reshape(n, n)


def draw_boundary(ax, w: S.Weights, scaling: str, y: np.ndarray, title: str):
    """Filled contours of a trained network's output over the feature plane, its 0.5 boundary, and the
    ten rows marked by label; returns the contour set (for a colour bar)."""
    x0, x1, z = decision_grid(w, scaling)
    cs = ax.contourf(x0, x1, z, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.7)
    ax.contour(x0, x1, z, levels=[0.5], colors="black", linewidths=1.5)
    for cls, marker in ((0, "o"), (1, "^")):
        pts = ROWS[y == cls]
        ax.scatter(pts[:, 0], pts[:, 1], marker=marker, edgecolor="black", facecolor="white", s=60,
                   label=f"label {cls}")
    ax.set(title=title, xlabel="sepal length (cm)")
    return cs


# ------------------------------------------------------------------------------------- scikit-learn
def sklearn_runs(y: np.ndarray, n_seeds: int, max_iter: int, seed: int, early_stop: bool = True) -> list[dict]:
    """MLPClassifier with the same hidden size and activation, full batch, no L2 penalty, its own Adam at
    its default rate; with early_stop its own stopping rule (loss improvement below tol for 10 epochs),
    otherwise exactly max_iter iterations. SSE of predict_proba at the end, as the post measures."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    rows = []
    for scaling in ("raw", "standardized"):
        X = stats.standardize(ROWS) if scaling == "standardized" else ROWS
        for s in range(n_seeds):
            clf = MLPClassifier(hidden_layer_sizes=(3,), activation="logistic", solver="adam", alpha=0.0,
                                batch_size=len(X), max_iter=max_iter, random_state=seed + s,
                                **({} if early_stop else dict(tol=0.0, n_iter_no_change=max_iter + 1)))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(X, y)
            p = clf.predict_proba(X)[:, 1]
            rows.append(dict(scaling=scaling, n_iter=int(clf.n_iter_), loss=float(clf.loss_),
                             sse=float(np.sum((y - p) ** 2)), accuracy=float(np.mean(clf.predict(X) == y))))
    return rows


def sklearn_comparison(y: np.ndarray, n_seeds: int, fixed_iters: int, seed: int) -> list[dict]:
    """MLPClassifier with its own stopping rule and with a fixed length, raw and standardized inputs: median
    iterations, median and best SSE, median accuracy over ``n_seeds`` seeds."""
    runs = {"own stopping rule": sklearn_runs(y, n_seeds, max_iter=200000, seed=seed),
            "fixed length": sklearn_runs(y, n_seeds, max_iter=fixed_iters, seed=seed, early_stop=False)}
    rows = []
    for how, rr in runs.items():
        for sc in ("raw", "standardized"):
            mine = [r for r in rr if r["scaling"] == sc]
            rows.append(dict(how=how, scaling=sc, n_iter=np.median([r["n_iter"] for r in mine]),
                             sse=np.median([r["sse"] for r in mine]), sse_min=min(r["sse"] for r in mine),
                             acc=np.median([r["accuracy"] for r in mine])))
    return rows


# ------------------------------------------------------------------ the doctor's broken/fixed pair
def doctor_case(fixed: bool, rng, labels="alt", alpha=0.5, activation="sigmoid") -> Case:
    """Chapter 3: the post's 2-3-1 sigmoid network on the ten iris rows, plain gradient descent at alpha,
    squared error, weights uniform in [-1, 1] as in the post; fixed: standardized inputs."""
    import keras

    w = S.init(rng)
    model = mlp(2, (3,), activation, out_activation="sigmoid", loss="mse",
                optimizer=keras.optimizers.SGD(alpha), rng=rng)
    model.set_weights([w.W1, w.b1, w.W2, w.b2])
    X = stats.standardize(ROWS) if fixed else ROWS.copy()
    return Case(model, X, label_vector(labels).astype(float))
