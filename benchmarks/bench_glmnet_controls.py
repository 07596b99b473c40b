"""What penalty factors and bounds cost: the reference problems fitted plain,
with explicit factors of one (the per-feature route, same problem), with
inactive bounds (same problem), and, other problems for information, with
bounds clipping the largest coefficients, factors with zeros and infs, and
a realistic set of factors with active bounds.

Usage: python benchmarks/bench_glmnet_controls.py [--problems wide,tall,sparse]
       [--ratio 10] [--tol 1e-6] [--repeats 7]
Prints the median wall and CPU time of each variant and its ratios to the
plain fit (repeats interleaved across the variants), and the load average.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.bench_solvers import PROBLEMS, alpha_max  # noqa: E402
from skreg import ElasticNetRegressor

warnings.filterwarnings("ignore")


def variants(p, w_plain, seed=0):
    """The controls compared; the first three fit the plain problem."""
    rng = np.random.default_rng(seed)
    pf = rng.uniform(0.5, 2.0, p)
    pf[:3] = 0.0
    zeros_infs = np.ones(p)
    zeros_infs[:3] = 0.0
    zeros_infs[3:6] = np.inf
    # half the largest plain coefficient: the largest ones are clipped
    clip = 0.5 * float(np.max(np.abs(w_plain)))
    return {
        "plain": {},
        "factors=1": {"penalty_factor": np.ones(p)},
        "bounds, inactive": {"lower_bounds": -1e6, "upper_bounds": 1e6},
        "bounds, active": {"lower_bounds": -clip, "upper_bounds": clip},
        "factors 0/inf": {"penalty_factor": zeros_infs},
        "factors + active bounds": {
            "penalty_factor": pf,
            "lower_bounds": -0.1,
            "upper_bounds": 0.1,
        },
    }


def one_time(est, X, y):
    """Wall and CPU (all threads of the process) time of one fit."""
    t0, c0 = time.perf_counter(), time.process_time()
    est.fit(X, y)
    return time.perf_counter() - t0, time.process_time() - c0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--problems", default="wide,tall,sparse")
    ap.add_argument("--ratio", type=float, default=10.0)
    ap.add_argument("--l1", type=float, default=1.0)
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--repeats", type=int, default=7)
    a = ap.parse_args()
    print(f"load average before: {os.getloadavg()}", flush=True)
    for name in a.problems.split(","):
        X, y = PROBLEMS[name]()
        alpha = alpha_max(X, y, True, a.l1) / a.ratio

        def make(kw, alpha=alpha):
            return ElasticNetRegressor(alpha=alpha, l1_ratio=a.l1, tol=a.tol, **kw)

        w_plain = make({}).fit(X, y).coef_
        ests = {k: make(kw) for k, kw in variants(X.shape[1], w_plain).items()}
        times = {k: [] for k in ests}
        for est in ests.values():
            est.fit(X, y)  # warm-up (compile)
        # interleaved repeats: a change of the machine's load hits every variant
        for _ in range(a.repeats):
            for k, est in ests.items():
                times[k].append(one_time(est, X, y))
        base = np.median(times["plain"], axis=0)
        for k, est in ests.items():
            t, c = np.median(times[k], axis=0)
            print(
                f"{name:7s} a_max/{a.ratio:g} {k:24s} wall {t * 1e3:8.2f} ms"
                f" {t / base[0]:5.2f}x  cpu {c * 1e3:8.2f} ms {c / base[1]:5.2f}x"
                f"  n_iter {est.n_iter_:4d}  nnz {np.count_nonzero(est.coef_):5d}",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
