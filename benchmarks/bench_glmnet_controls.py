"""What penalty factors and bounds cost: the reference problems fitted plain,
with explicit factors of one (the per-feature route, same problem), with
inactive bounds (same problem), and with a realistic set of factors and
active bounds (another problem, for information).

Usage: python benchmarks/bench_glmnet_controls.py [--problems wide,tall,sparse]
       [--ratio 10] [--tol 1e-6] [--repeats 7]
Prints the median fit time of each variant and its ratio to the plain fit.
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


def variants(p, seed=0):
    rng = np.random.default_rng(seed)
    pf = rng.uniform(0.5, 2.0, p)
    pf[:3] = 0.0
    return {
        "plain": {},
        "factors=1": {"penalty_factor": np.ones(p)},
        "bounds, inactive": {"lower_bounds": -1e6, "upper_bounds": 1e6},
        "factors + active bounds": {
            "penalty_factor": pf,
            "lower_bounds": -0.1,
            "upper_bounds": 0.1,
        },
    }


def median_time(est, X, y, repeats):
    est.fit(X, y)  # warm-up (compile)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        est.fit(X, y)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--problems", default="wide,tall,sparse")
    ap.add_argument("--ratio", type=float, default=10.0)
    ap.add_argument("--l1", type=float, default=1.0)
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--repeats", type=int, default=7)
    a = ap.parse_args()
    for name in a.problems.split(","):
        X, y = PROBLEMS[name]()
        alpha = alpha_max(X, y, True, a.l1) / a.ratio
        base = None
        for label, kw in variants(X.shape[1]).items():
            est = ElasticNetRegressor(alpha=alpha, l1_ratio=a.l1, tol=a.tol, **kw)
            t = median_time(est, X, y, a.repeats)
            base = t if base is None else base
            print(
                f"{name:7s} a_max/{a.ratio:g} {label:24s} {t * 1e3:8.2f} ms"
                f"  {t / base:5.2f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
