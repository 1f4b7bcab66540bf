"""Scoring the doctor on the real programs, side by side with the four published tools.

A program counts as *diagnosed* when one of the doctor's **high** findings is a check that names one of the
fault types its repair fixed (``GROUND_TRUTH``), through :data:`FAULT_TYPES` below: the DeepFD authors'
criterion ("names at least one ground-truth fault type"), at the doctor's strongest severity. A *false
alarm* is any high finding on the repaired twin. A program the doctor refuses (``DoctorError``) or crashes
on is not diagnosed; both are recorded with their message.

:data:`FAULT_TYPES` was written once, from what each check measures, before the doctor was run on any of
these programs; it is not to be tuned to the results.
"""
from __future__ import annotations

import csv
import importlib
import json
import pkgutil
import time
import traceback
from importlib import resources

import numpy as np

# Each doctor check -> the DeepFD fault types (act, loss, lr, opt, epoch, init, batch_size, missing_prep,
# wrong_prep, missing_layers, redundant_layers, wrong_layers, model_type&properties) whose presence it
# reports. A check names a type when the fix it prints changes that part of the program.
FAULT_TYPES: dict[str, tuple[str, ...]] = {
    "input_scale": ("missing_prep", "wrong_prep"),  # fix: scale/standardize the inputs
    "target_scale": ("missing_prep", "wrong_prep"),  # fix: scale the targets
    "output_bias": ("init",),  # fix: start the output bias at the target mean
    "target_shape": ("loss", "wrong_layers"),  # fix: match the output layer / labels to the loss
    "nonlinearity": ("act", "missing_layers"),  # fix: activations between Dense layers
    "output_loss": ("act", "loss"),  # fix: the output activation or the loss
    "init_scale": ("init",),  # fix: a standard initializer
    "initial_loss": ("init", "loss"),  # the loss at init is far from its trivial value
    "dead_units": ("act", "init", "lr"),  # fix: leaky activation, smaller step, other init
    "kink_coverage": ("init",),  # fix: a start whose kinks cover the data
    "saturation": ("act", "init", "missing_prep"),  # fix: scale inputs, other init or activation
    "gradient_flow": ("act", "init"),  # vanishing/exploding gradients across layers
    "update_ratio": ("lr", "opt"),  # fix: the learning rate / optimizer
    "loss_curve": ("lr", "opt", "epoch"),  # diverging, oscillating or stalled loss
    "overfit_batch": ("model_type&properties", "missing_layers", "lr", "opt"),  # cannot fit one batch
    # checks added after the first run (first_run.json), mapped the same way before the second run:
    "labels": ("loss", "wrong_prep"),  # fix: encode the labels for the loss, or the loss for the labels
    "fit_error": (),  # Keras's own error, quoted: names no fault type by itself
    "learning_rate": ("lr", "opt"),  # fix: the learning rate
    "training_length": ("epoch",),  # fix: train longer / stop earlier (needs the reader's history)
    "architecture": ("act", "missing_layers", "redundant_layers", "wrong_layers", "model_type&properties"),
    "loss_target": ("loss",),  # fix: a loss the targets' sign allows
    "sentinel": ("missing_prep", "wrong_prep"),  # fix: impute the missing-value code
    "relation": ("missing_prep", "wrong_prep"),  # fix: pair the rows of X and y
    "regularization": ("model_type&properties",),  # fix: a smaller penalty
}
TOOLS = ("deepfd", "umlaut", "autotrainer", "deeplocalize")


def modules() -> list:
    """Every reconstructed program, by its row number."""
    pkg = importlib.import_module(__package__)
    found = [importlib.import_module(f"{__package__}.{m.name}") for m in pkgutil.iter_modules(pkg.__path__)
             if m.name.startswith("p") and m.name[1:].split("_")[0].isdigit()]
    return sorted(found, key=lambda m: m.NO)


def published() -> dict[int, dict]:
    """The published per-program outcomes of the four tools (the DeepFD authors' evaluation sheet)."""
    text = resources.files(__package__).joinpath("deepfd-evaluation.csv").read_text()
    return {int(r["no"]): r for r in csv.DictReader(text.splitlines())}


def ground_truth(row: dict) -> tuple[str, ...]:
    return tuple(t.strip() for t in row["ground_truth"].split(",") if t.strip())


def diagnose_program(module, fixed: bool, seed: int = 0, **kw) -> dict:
    """The doctor on one twin: its high and other findings, or why it refused or crashed (never raises)."""
    from nnfail import doctor

    t0 = time.perf_counter()
    try:
        case = module.build(fixed, np.random.default_rng([seed, module.NO]))
    except Exception as err:  # noqa: BLE001 - a reconstruction that cannot be built is reported, not hidden
        return dict(status="build failed", error=f"{type(err).__name__}: {err}", high=[], other=[], seconds=0.0)
    try:
        # what the reader knows about their own training: the epochs and batch size of the program's fit call
        fit = (getattr(module, "FIT_FIXED", None) if fixed else None) or getattr(module, "FIT", None) or {}
        schedule = dict(epochs=fit["epochs"], fit_batch_size=fit.get("batch_size", 32)) if "epochs" in fit else {}
        report = doctor.diagnose(case.model, case.X, case.y, seed=seed, **schedule, **kw)
    except doctor.DoctorError as err:
        return dict(status="refused", error=str(err), high=[], other=[], seconds=time.perf_counter() - t0)
    except Exception as err:  # noqa: BLE001 - the measurement records a crash; the doctor should never crash
        last = traceback.format_exception(err)[-1].strip()
        return dict(status="crashed", error=f"{type(err).__name__}: {str(err)[:300]}", where=last[:300], high=[],
                    other=[], seconds=time.perf_counter() - t0)
    return dict(status="diagnosed", error="", high=[r.check for r in report.findings if r.status == "high"],
                other=[f"{r.check} ({r.status})" for r in report.findings if r.status != "high"],
                seconds=report.seconds)


def score(module, broken: dict, fixed: dict, sheet: dict) -> dict:
    truth = ground_truth(sheet) if sheet else tuple(module.GROUND_TRUTH)
    named = sorted({t for c in broken["high"] for t in FAULT_TYPES.get(c, ()) if t in truth})
    return dict(no=module.NO, subject=module.SUBJECT, title=module.TITLE, ground_truth=list(truth),
                doctor=dict(broken=broken, fixed=fixed), diagnosed=bool(named), named=named,
                detected=bool(broken["high"]), false_alarm=bool(fixed["high"]),
                left_in_place=dict(getattr(module, "LEFT_IN_PLACE", {})),
                published={t: int(sheet[f"diagnose_{t}"]) for t in TOOLS} if sheet else {})


def run(seed: int = 0, only=None, echo=print, **kw) -> list[dict]:
    sheet = published()
    rows = []
    for m in modules():
        if only and m.NO not in only:
            continue
        b, f = diagnose_program(m, False, seed, **kw), diagnose_program(m, True, seed, **kw)
        rows.append(score(m, b, f, sheet.get(m.NO)))
        r = rows[-1]
        echo(f"p{m.NO:<3} {b['status']:<10} diagnosed={'yes' if r['diagnosed'] else 'no ':<3} "
             f"high={','.join(b['high']) or '-'} | fixed high={','.join(f['high']) or '-'}"
             + (f" | {b['error'][:90]}" if b["error"] else ""))
    return rows


def totals(rows: list[dict]) -> dict:
    """Diagnosed and false-alarm counts with Wilson intervals, the doctor's and each published tool's on the
    same programs."""
    from nnfail.stats import failure_rate

    out = {"n": len(rows)}
    r = failure_rate([x["diagnosed"] for x in rows])
    out["doctor"] = dict(count=r.failures, rate=r.rate, low=r.low, high=r.high)
    fa = failure_rate([x["false_alarm"] for x in rows])
    out["false_alarm"] = dict(count=fa.failures, rate=fa.rate, low=fa.low, high=fa.high)
    for status in ("refused", "crashed", "build failed"):
        out[status] = sum(x["doctor"]["broken"]["status"] == status or x["doctor"]["fixed"]["status"] == status
                          for x in rows)
    out.update(false_alarms(rows, load_run("effect")))
    for t in TOOLS:
        pr = failure_rate([bool(x["published"].get(t)) for x in rows])
        out[t] = dict(count=pr.failures, rate=pr.rate, low=pr.low, high=pr.high)
    return out


def false_alarms(rows: list[dict], effect: dict | None) -> dict:
    """False alarms as the doctor issue defines them: high findings on repaired twins that train measurably
    better than their broken version (``effect``: validation/realprograms_effect.py's committed output), with
    the twins whose repair leaves another fault in place (``LEFT_IN_PLACE``) reported apart, each with the
    findings it gets and whether they name that fault. Twins that do not train measurably better are neither."""
    from nnfail.stats import failure_rate

    if effect is None:
        return {}
    better = {p["no"] for p in effect["programs"] if p["better"]}
    clean = [x for x in rows if x["no"] in better and not x.get("left_in_place")]
    r = failure_rate([x["false_alarm"] for x in clean]) if clean else None
    apart = [dict(no=x["no"], left=x["left_in_place"], high=x["doctor"]["fixed"]["high"],
                  names_left=[c for c in x["doctor"]["fixed"]["high"] if c in x["left_in_place"]],
                  other=[c for c in x["doctor"]["fixed"]["high"] if c not in x["left_in_place"]])
             for x in rows if x["no"] in better and x.get("left_in_place")]
    return dict(better_twins=len([x for x in rows if x["no"] in better]),
                false_alarm_better=dict(count=r.failures, n=len(clean), rate=r.rate, low=r.low, high=r.high,
                                        programs=[x["no"] for x in clean if x["false_alarm"]]) if r else None,
                left_in_place=apart)


# ------------------------------------------------------------------ the committed runs, as the book shows them
RUNS = {  # file -> what it is (the words before the colon label the run in the totals table)
    "first_run": "held out: the doctor as it was before it met these programs",
    "second_heldout_run": "held out, programs added later: the revised doctor on programs it had not met",
    "revised_run": "after revisions made while looking at these programs (not held out)",
}


def load_run(name: str) -> dict | None:
    """A committed output of validation/doctor_realprograms.py, or None if it is not there."""
    try:
        return json.loads(resources.files(__package__).joinpath(f"{name}.json").read_text())
    except FileNotFoundError:
        return None


# doctor modules a benchmark run never executes: Watch is a callback for a reader's own fit; `diagnose` and the
# CLI do not use it, so a change to it leaves every run's results as they were
NOT_DIAGNOSIS = ("watch.py",)


def doctor_digest() -> str:
    """A hash of the doctor's diagnosis source (every module of nnfail.doctor but NOT_DIAGNOSIS): a run records
    it, so a page can say whether the doctor changed since."""
    import hashlib
    from pathlib import Path

    import nnfail.doctor as doctor_pkg

    h = hashlib.sha256()
    for path in sorted(Path(doctor_pkg.__file__).parent.glob("*.py")):
        if path.name in NOT_DIAGNOSIS:
            continue
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def glued(runs: dict[str, dict]) -> dict:
    """The numbers the checklist chapter glues from each committed run: per tool (the doctor and the four
    published ones) the programs with a ground-truth fault type named, with Wilson intervals; the doctor's
    false alarms, refusals and crashes; when and at which commit the run was made, and whether the
    doctor's source has changed since."""
    out = {}
    now = doctor_digest()
    for name, run in runs.items():
        t = run["totals"]
        out[f"{name}__n"] = t["n"]
        for who in ("doctor", "false_alarm") + TOOLS:
            for field in ("count", "rate", "low", "high"):
                out[f"{name}__{who}__{field}"] = t[who][field]
        fb = t.get("false_alarm_better")
        if fb:  # runs made after the false-alarm criterion was defined
            out.update({f"{name}__fa_better__{k}": fb[k] for k in ("count", "n", "rate", "low", "high")})
            out[f"{name}__better_twins"] = t["better_twins"]
            out[f"{name}__apart"] = len(t["left_in_place"])
            out[f"{name}__apart_other"] = sum(bool(x["other"]) for x in t["left_in_place"])
        out.update({f"{name}__refused": t["refused"], f"{name}__crashed": t["crashed"],
                    f"{name}__date": run["date"], f"{name}__commit": run["commit"],
                    f"{name}__current": "yes" if run.get("doctor_digest") == now else "no"})
    return out


def totals_table(runs: dict[str, dict]):
    """One row per tool: programs with a ground-truth fault type named, in each run; the four tools'
    published outcomes on the programs of the last run (the largest set)."""
    from nnfail import tables

    rows = [dict(who="nnfail doctor, " + RUNS[name].split(":")[0], t=run["totals"]["doctor"], n=run["totals"]["n"])
            for name, run in runs.items()]
    last = list(runs.values())[-1]
    rows += [dict(who=f"{tool} (published)", t=last["totals"][tool], n=last["totals"]["n"]) for tool in TOOLS]
    return tables.markdown(rows, [
        ("tool", lambda r: r["who"]),
        ("programs with a ground-truth fault type named", lambda r: f"{r['t']['count']} of {r['n']}"),
        ("rate (95% interval)", lambda r: f"{tables.pct(r['t']['rate'])} {tables.interval(r['t']['low'], r['t']['high'])}")])


def programs_table(run: dict):
    """One row per program of a run: the ground truth, the doctor's high findings, whether they name it,
    the published tools that did."""
    from nnfail import tables

    return tables.markdown(run["programs"], [
        ("program", lambda p: f"[{p['no']}](https://stackoverflow.com/questions/{p['subject']})"
         if p["subject"].isdigit() else f"{p['no']} ({p['subject']})"),
        ("ground truth", lambda p: ", ".join(p["ground_truth"])),
        ("doctor: high findings", lambda p: ", ".join(p["doctor"]["broken"]["high"]) or p["doctor"]["broken"]["status"]),
        ("names it", lambda p: "yes" if p["diagnosed"] else "no"),
        ("high on the repaired twin", lambda p: ", ".join(p["doctor"]["fixed"]["high"]) or "none"),
        ("published tools that named it", lambda p: ", ".join(t for t in TOOLS if p["published"].get(t)) or "none")])
