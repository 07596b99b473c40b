"""Does a fit respect the user's thread limits, and leave nothing running?

Fits the reference tall problem (20000 x 500, Lasso at alpha_max / 10 and
/ 100, tol 1e-6) under ``numba.set_num_threads(1)`` and
``threadpoolctl.threadpool_limits(1)``, and reports the process's CPU time
over the wall time of each fit (1.0: one core), then the CPU time the
process uses between 0.3 and 1.3 s after the fit returned (0: idle).

Usage: python benchmarks/bench_threads.py [--problem tall] [--repeats 5]
"""

import argparse
import os
import sys
import time

import numba
import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.bench_solvers import PROBLEMS, alpha_max  # noqa: E402
from skreg import L1Regressor


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--problem", default="tall")
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    X, y = PROBLEMS[a.problem]()
    numba.set_num_threads(1)
    with threadpool_limits(limits=1):
        for ratio in (10.0, 100.0):
            est = L1Regressor(alpha=alpha_max(X, y, True, 1.0) / ratio, tol=1e-6)
            est.fit(X, y)  # warm-up
            ratios, idle = [], []
            for _ in range(a.repeats):
                w0, c0 = time.perf_counter(), time.process_time()
                est.fit(X, y)
                w1, c1 = time.perf_counter(), time.process_time()
                ratios.append((c1 - c0) / (w1 - w0))
                time.sleep(0.3)
                c2 = time.process_time()
                time.sleep(1.0)
                idle.append(time.process_time() - c2)
            print(
                f"{a.problem} a_max/{ratio:g}: CPU/wall {np.median(ratios):.2f} "
                f"(max {max(ratios):.2f}); CPU seconds in [0.3, 1.3] s after "
                f"fit: {np.median(idle):.3f} (max {max(idle):.3f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
