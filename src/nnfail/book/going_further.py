"""The sweep the book runs while it is built, shown in the checklist chapter's "Going further" section.

Chapter 1 at smoke-test size, its as-posted square (X scaled, y not) at several input scales, on a local Dask
cluster of two workers (about two quick chapter executions side by side, inside the checklist's budget); and
the full-size sweep a reader would run. It uses the book's machinery (the runner and ``nnfail sweep``), so it
lives here, in the book layer, and the chapter calls it.
"""
from __future__ import annotations

from nnfail.book import sweep as sw
from nnfail.book.runner import NoBook
from nnfail.chapters import chapter

# The sweep this chapter runs while the book is built: chapter 1 at smoke-test size, its as-posted square
# (X scaled, y not) at several input scales, on a local Dask cluster of two workers (about two quick chapter
# executions side by side, inside this chapter's budget); and the full-size sweep a reader would run.
SWEEP_CHAPTER = "1"
SWEEP_PARAM = "input_scale"
SWEEP_VALUES = "0.1,10"
SWEEP_WORKERS = 2
SWEEP_RESULT = "square__scaled_x__as_posted"  # the row of chapter 1's table whose failure rate is shown
SWEEP_FULL = (("input_scale", "0.001,0.01,0.1,1,10"), ("hidden", "[15, 15, 15],[64, 64, 64]"))


def run_sweep(quick: bool) -> dict:
    """Run the chapter's small sweep (not in quick runs: a quick build executes no sweeps); returns what
    the section shows: the command, one row per point, the figure with its alt text, and the full-size
    command with its estimated execution time from chapter 1's own cost model."""
    info = chapter("scaling_disaster")
    spec = info.spec
    full_points = sw.points(info, SWEEP_FULL)  # the grid `nnfail sweep` would run
    full_seconds = sum(spec.cost(spec.validate(p, allow_expensive=True)) for p in full_points)
    full_command = ("nnfail sweep " + SWEEP_CHAPTER + "".join(f" -p {n} '{v}'" for n, v in SWEEP_FULL)
                    + " --scheduler tcp://SCHEDULER:8786 --allow-expensive")
    out = {"ran": False, "why": "", "command": "", "rows": [], "png": None, "alt": "", "seconds": float("nan"),
           "seeds": float("nan"),
           "points": len(sw.split_values(SWEEP_VALUES)), "workers": SWEEP_WORKERS, "full_command": full_command,
           "full_points": len(full_points), "full_minutes": full_seconds / 60,
           "full_seeds": spec.by_name["n_seeds"].default,
           "full_scales": ", ".join(sw.split_values(dict(SWEEP_FULL)["input_scale"])),
           "full_hidden": " and ".join(sw.split_values(dict(SWEEP_FULL)["hidden"]))}
    if quick:
        out["why"] = "skipped at smoke-test size: quick builds run no sweeps"
        return out
    try:
        res = sw.in_chapter(SWEEP_CHAPTER, [(SWEEP_PARAM, SWEEP_VALUES)], quick=True, workers=SWEEP_WORKERS,
                            y=SWEEP_RESULT + "__rate")
    except NoBook:
        out["why"] = "skipped: a sweep needs the book's checkout (Binder or a clone), not a lone notebook"
        return out
    if res.returncode != 0 or not res.rows:
        raise RuntimeError(f"the chapter's sweep `{res.command}` failed: {res.error or res.returncode}")
    rows = []
    for r in res.rows:
        rows.append({SWEEP_PARAM: float(r[SWEEP_PARAM]), "status": r["status"],
                     "rate": float(r[SWEEP_RESULT + "__rate"]), "low": float(r[SWEEP_RESULT + "__low"]),
                     "high": float(r[SWEEP_RESULT + "__high"]), "seeds": int(r["n_seeds__result"])})
    out.update(ran=True, command=res.command, rows=rows, png=res.figure_png, alt=res.alt,
               seconds=max(p["seconds"] for p in res.record["points"]), seeds=rows[0]["seeds"])
    return out


GLUED = ("points", "workers", "seconds", "seeds", "full_points", "full_minutes", "full_seeds", "full_scales",
               "full_hidden")


def outputs(demo: dict) -> list:
    """What the section displays: the command, the table of points and the figure (with its alt text),
    or why the sweep did not run."""
    from IPython.display import HTML, Markdown

    from nnfail import claims, tables

    if not demo["ran"]:
        return [Markdown(f"*The sweep was {demo['why']}.*")]
    table = tables.markdown(demo["rows"], [
        (SWEEP_PARAM, lambda r: f"{r[SWEEP_PARAM]:g}"),
        ("runs per configuration", lambda r: str(r["seeds"])),
        ("failure rate of the as-posted square", lambda r: tables.pct(r["rate"])),
        (f"{claims.LEVEL:.0%} interval", lambda r: tables.interval(r["low"], r["high"])),
    ])
    return [Markdown(f"```\n{demo['command']}\n```"), table, HTML(figure_html(demo["png"], demo["alt"]))]


def glued_outputs(demo: dict) -> dict:
    """The same outputs as HTML under fixed names, for the "Going further" page to paste from the executed
    checklist notebook (myst-nb pastes text, HTML and images across documents): the command, the table of
    points and the figure (empty where the sweep did not run), and the full-size command."""
    import html

    from IPython.display import HTML

    from nnfail import tables

    shown = outputs(demo)
    out = dict(sweep_command_html=HTML(f"<pre><code>{html.escape(demo['command'])}</code></pre>") if demo["ran"]
               else HTML(f"<p><em>{html.escape(shown[0].data.strip('*'))}</em></p>"),
               sweep_table_html=tables.as_html(shown[1]) if demo["ran"] else HTML(""),
               sweep_figure_html=shown[2] if demo["ran"] else HTML(""))
    out["sweep_full_command_html"] = HTML(f"<pre><code>{html.escape(demo['full_command'])}</code></pre>")
    return out


def figure_html(png: bytes, alt: str) -> str:
    import base64
    import html

    return (f'<img alt="{html.escape(alt, quote=True)}" style="max-width:100%" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode()}">')
