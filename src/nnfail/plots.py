"""One figure style for the whole book: titled, labelled, colour-blind safe, seeds shown as bands."""
from __future__ import annotations

import numpy as np

# Okabe & Ito's colour-blind safe palette
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def style():
    """Apply the book's matplotlib style (call once per chapter)."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 100, "figure.figsize": (7.5, 4.0),
        "axes.prop_cycle": cycler(color=PALETTE), "axes.grid": True, "grid.alpha": 0.3,
        "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 11,
        "legend.fontsize": 8, "legend.frameon": False, "image.cmap": "viridis",
    })


def band(ax, x, runs, label: str, color=None, log: bool = False):
    """Median over runs (columns) with the interquartile range shaded; NaN runs are skipped."""
    runs = np.asarray(runs, float)
    if log:
        runs = np.where(runs > 0, runs, np.nan)
    finite = np.isfinite(runs).any(axis=0)
    if not finite.any():
        return
    r = runs[:, finite]
    q1, med, q3 = np.full((3, r.shape[0]), np.nan)
    rows = np.isfinite(r).any(axis=1)  # points where every run has stopped or diverged stay empty
    q1[rows], med[rows], q3[rows] = np.nanpercentile(r[rows], [25, 50, 75], axis=1)
    (line,) = ax.plot(x, med, label=f"{label} (median of {r.shape[1]})", color=color)
    ax.fill_between(x, q1, q3, color=line.get_color(), alpha=0.2, linewidth=0)
    if log:
        ax.set_yscale("log")


def heatmap(ax, z, xticks, yticks, xlabel: str, ylabel: str, title: str, cbar_label: str,
            vmin: float = 0.0, vmax: float = 1.0, fmt: str = "{:.0%}"):
    """z[i, j] drawn at row yticks[i], column xticks[j], each cell annotated with its value."""
    z = np.asarray(z, float)
    im = ax.imshow(z, origin="lower", vmin=vmin, vmax=vmax, aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(xticks)), [str(t) for t in xticks])
    ax.set_yticks(range(len(yticks)), [str(t) for t in yticks])
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(False)
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            v = z[i, j]
            ax.text(j, i, fmt.format(v) if np.isfinite(v) else "n/a", ha="center", va="center",
                    color="white" if v < (vmin + vmax) / 2 else "black", fontsize=8)
    ax.figure.colorbar(im, ax=ax, label=cbar_label)
    return im


def rate_bars(ax, rows, title: str, xlabel: str = "failure rate (95% Wilson interval)"):
    """Horizontal bars of failure rates with their intervals; rows from stats.compare_rates."""
    names = [r["group"] for r in rows]
    rate = np.array([r["rate"] for r in rows])
    err = np.array([[r["rate"] - r["low"] for r in rows], [r["high"] - r["rate"] for r in rows]])
    y = np.arange(len(rows))[::-1]
    ax.barh(y, rate, xerr=err, color=PALETTE[0], alpha=0.8, capsize=3)
    ax.set_yticks(y, names)
    ax.set(xlim=(0, 1), xlabel=xlabel, title=title)


def ranges(ax, names, mid, low, high, title: str, xlabel: str, log: bool = False, marker_label: str = "median"):
    """One horizontal line per row: a point at mid and a bar from low to high (e.g. median and IQR)."""
    y = np.arange(len(names))[::-1]
    mid, low, high = (np.asarray(v, float) for v in (mid, low, high))
    ax.hlines(y, low, high, color=PALETTE[0], lw=3, alpha=0.6)
    ax.plot(mid, y, "o", color=PALETTE[3], label=marker_label)
    ax.set_yticks(y, names)
    ax.set(title=title, xlabel=xlabel)
    if log:
        ax.set_xscale("log")


def animation_html(anim, alt: str, embed_limit_mb: float = 5.0) -> str:
    """The animation as a self-contained JavaScript player (frames embedded in the page), its frame
    image carrying alt text."""
    import matplotlib as mpl

    with mpl.rc_context({"animation.embed_limit": embed_limit_mb}):
        html = anim.to_jshtml(default_mode="once")
    alt = alt.replace('"', "&quot;")
    return html.replace("<img id=", f'<img alt="{alt}" id=', 1)
