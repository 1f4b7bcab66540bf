"""How long nnfail.doctor takes, probe included, on each chapter's broken and fixed model and on chapter 2's
largest probed stack (the speed issue's target: at most 1.5 s a diagnosis on the book's models), and its
detection / false-alarm rates on the book's pair set and on the independent set.

Run: .venv/bin/python benchmarks/doctor_speed.py [--repeats R] [--probe-steps N]
"""
import argparse
import importlib
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402

from nnfail import doctor  # noqa: E402
from nnfail import chapters as registry  # noqa: E402
from nnfail.chapters.linear_stack import pair as linear_stack_pair  # noqa: E402
from nnfail.chapters.two_relu_coverage import pair as two_relu_coverage_pair  # noqa: E402
from nnfail_bench import independent, pairs  # noqa: E402


TARGET = 1.5  # seconds per diagnosis, probe included (issue 29)


def verdict(times) -> str:
    return f"{'within' if np.median(times) <= TARGET else 'OVER'} the {TARGET:g} s target"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--probe-steps", type=int, default=300)
    args = ap.parse_args()

    warm = two_relu_coverage_pair.doctor_case(False, np.random.default_rng(0), n=200)
    doctor.diagnose(warm.model, warm.X, warm.y, probe_steps=10, overfit_steps=10)  # TensorFlow start-up
    print(f"{'model':<40} {'params':>8} {'best s':>7} {'median s':>9}")
    for info in [c for c in registry.CHAPTERS if c.causes]:
        build = importlib.import_module(f"{info.package}.pair").doctor_case
        chapter = info.slug
        for fixed in (False, True):
            case = build(fixed, np.random.default_rng(0))
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                doctor.diagnose(case.model, case.X, case.y, probe_steps=args.probe_steps)
                times.append(time.perf_counter() - start)
            name = f"{chapter} ({'fixed' if fixed else 'broken'})"
            print(f"{name:<40} {case.model.count_params():>8,} {min(times):>7.2f} {np.median(times):>9.2f}  "
                  f"{verdict(times)}")

    # chapter 2's largest stack that the probe trains: the comment's relu network 20-100-1000-100-20-1 on the
    # post's inputs (the posted linear stack ends in Dense(100), which the shape check stops before the probe)
    comment = linear_stack_pair.doctor_case(False, np.random.default_rng(0), layers=(20, 100, 1000, 100, 20),
                                       linear=False, out=1)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        doctor.diagnose(comment.model, comment.X, comment.y, probe_steps=args.probe_steps)
        times.append(time.perf_counter() - start)
    print(f"{'linear_stack (the comment relu network)':<40} {comment.model.count_params():>8,} {min(times):>7.2f} "
          f"{np.median(times):>9.2f}  {verdict(times)}")

    start = time.perf_counter()
    outcomes = pairs.run_pairs(seed=0, probe_steps=args.probe_steps)
    rates = pairs.rates(outcomes)
    print(f"\n{len(outcomes)} pairs in {time.perf_counter() - start:.0f} s")
    for name, r in rates.items():
        print(f"  {name:<15} {r.failures}/{r.n} = {r.rate:.0%}  (95% Wilson {r.low:.0%} to {r.high:.0%})")
    for o in outcomes:
        if not o.detected or o.false_alarm:
            print(f"  ! {o.pair.name}: detected={o.detected} false_alarm={o.false_alarm}")

    start = time.perf_counter()
    found, well = independent.run(seed=0, probe_steps=args.probe_steps)
    print(f"\nindependent set: {len(found)} pairs and {len(well)} healthy models in {time.perf_counter() - start:.0f} s")
    for name, r in independent.rates(found, well).items():
        print(f"  {name:<15} {r.failures}/{r.n} = {r.rate:.0%}  (95% Wilson {r.low:.0%} to {r.high:.0%})")


if __name__ == "__main__":
    main()
