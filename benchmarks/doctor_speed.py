"""How long nnfail.doctor takes, probe included, on each chapter's broken and fixed model (target: under
10 s on a model of the book's size), and its detection / false-alarm rates on the whole pair set.

Run: .venv/bin/python benchmarks/doctor_speed.py [--repeats R] [--probe-steps N]
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402

from nnfail import casebook, doctor  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--probe-steps", type=int, default=300)
    args = ap.parse_args()

    warm = casebook.coverage_case(False, np.random.default_rng(0), n=200)
    doctor.diagnose(warm.model, warm.X, warm.y, probe_steps=10, overfit_steps=10)  # TensorFlow start-up
    print(f"{'model':<40} {'params':>8} {'best s':>7} {'median s':>9}")
    for chapter, build in casebook.BUILDERS.items():
        for fixed in (False, True):
            case = build(fixed, np.random.default_rng(0))
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                doctor.diagnose(case.model, case.X, case.y, probe_steps=args.probe_steps)
                times.append(time.perf_counter() - start)
            name = f"{chapter} ({'fixed' if fixed else 'broken'})"
            print(f"{name:<40} {case.model.count_params():>8,} {min(times):>7.2f} {np.median(times):>9.2f}")

    start = time.perf_counter()
    outcomes = casebook.run_pairs(seed=0, probe_steps=args.probe_steps)
    rates = casebook.rates(outcomes)
    print(f"\n{len(outcomes)} pairs in {time.perf_counter() - start:.0f} s")
    for name, r in rates.items():
        print(f"  {name:<15} {r.failures}/{r.n} = {r.rate:.0%}  (95% Wilson {r.low:.0%} to {r.high:.0%})")
    for o in outcomes:
        if not o.detected or o.false_alarm:
            print(f"  ! {o.pair.name}: detected={o.detected} false_alarm={o.false_alarm}")


if __name__ == "__main__":
    main()
