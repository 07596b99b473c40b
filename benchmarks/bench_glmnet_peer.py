"""skreg against glmnet itself with glmnet's controls: time to reach a
relative suboptimality of the same objective.

Both fit the reference problems with penalty factors (three of them 0, the
rest in [0.5, 2]) and bounds (the largest coefficients clipped), at
``alpha_max / ratio``, as the Lasso (``--l1 1``) or an elastic net.  glmnet
(python-glmnet, the Fortran code, ``standardize=False``, one lambda) gets
the mapped parameters of the user guide, so that both minimise

    P(w, b) = 1/(2n) ||y - Xw - b||^2
              + alpha sum_j pf_j (r |w_j| + (1 - r)/2 w_j^2),  lo <= w <= hi.

Each solver runs a ladder of tolerances (CPU time, median of repeats after
a warm-up fit); P* is the best objective reached, and "time to eps" the
first rung with (P - P*) / P* <= eps.  Pin BLAS, OpenMP and Numba to one
thread (OPENBLAS_NUM_THREADS=1 ... NUMBA_NUM_THREADS=1) for a
single-threaded comparison.

Usage: python benchmarks/bench_glmnet_peer.py [--problems wide,tall,sparse]
       [--l1 1.0] [--ratio 10] [--eps 1e-6] [--repeats 3]
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.bench_solvers import PROBLEMS, alpha_max  # noqa: E402
from skreg import ElasticNetRegressor  # noqa: E402

warnings.filterwarnings("ignore")
SKREG_TOLS = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10, 1e-12]
GLMNET_TOLS = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10, 1e-12, 1e-14]


def controls(X, y, alpha, l1_ratio, seed=0):
    """Factors (three 0) and bounds at half the largest coefficient."""
    p = X.shape[1]
    pf = np.random.default_rng(seed).uniform(0.5, 2.0, p)
    pf[:3] = 0.0
    w = ElasticNetRegressor(alpha=alpha, l1_ratio=l1_ratio, penalty_factor=pf)
    clip = 0.5 * float(np.abs(w.fit(X, y).coef_).max())
    return pf, np.full(p, -clip), np.full(p, clip)


def objective(X, y, coef, b, alpha, l1_ratio, pf):
    r = y - X @ coef - b
    return 0.5 * r @ r / len(y) + alpha * pf @ (
        l1_ratio * np.abs(coef) + 0.5 * (1 - l1_ratio) * coef**2
    )


def skreg_fit(X, y, alpha, l1_ratio, pf, lo, hi, ratio, tol):
    est = ElasticNetRegressor(
        alpha=alpha, l1_ratio=l1_ratio, penalty_factor=pf, lower_bounds=lo,
        upper_bounds=hi, tol=tol, max_iter=100_000,
    ).fit(X, y)  # fmt: skip
    return est.coef_, est.intercept_


def glmnet_fit(X, y, alpha, l1_ratio, pf, lo, hi, ratio, tol):
    import glmnet

    # inverse of the user guide's mapping: glmnet rescales the factors to
    # mean 1 and divides its L2 part by sd(y)
    sd, c = float(np.std(y)), float(np.mean(pf))
    a1, a2 = alpha * l1_ratio * c, alpha * (1 - l1_ratio) * c
    lam = a1 + a2 * sd
    # glmnet's own way to a small lambda: a path of warm starts down to it
    # (one lambda alone took 12.5 s on wide at alpha_max/100)
    peer = glmnet.ElasticNet(
        alpha=a1 / lam, lambda_path=lam * np.geomspace(ratio, 1.0, 20),
        standardize=False,
        lower_limits=lo, upper_limits=hi, n_splits=0, tol=tol, max_iter=10**7,
    ).fit(X, y, relative_penalties=pf)  # fmt: skip
    return peer.coef_path_[:, -1], float(peer.intercept_path_[-1])


def ladder(fit, tols, X, y, args, repeats):
    """``[(tol, cpu seconds, coef, intercept)]`` for each tolerance."""
    fit(X, y, *args, tols[0])  # warm-up: imports and compilation
    out = []
    for tol in tols:
        times = []
        for _ in range(repeats):
            t0 = time.process_time()
            coef, b = fit(X, y, *args, tol)
            times.append(time.process_time() - t0)
        out.append((tol, float(np.median(times)), coef, b))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--problems", default="wide,tall,sparse")
    ap.add_argument("--l1", type=float, default=1.0)
    ap.add_argument("--ratio", type=float, default=10.0)
    ap.add_argument("--eps", type=float, default=1e-6)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    print(f"load average before: {os.getloadavg()}", flush=True)
    for name in a.problems.split(","):
        X, y = PROBLEMS[name]()
        alpha = alpha_max(X, y, True, a.l1) / a.ratio
        pf, lo, hi = controls(X, y, alpha, a.l1)
        args = (alpha, a.l1, pf, lo, hi, a.ratio)
        runs = {
            "skreg": ladder(skreg_fit, SKREG_TOLS, X, y, args, a.repeats),
            "glmnet": ladder(glmnet_fit, GLMNET_TOLS, X, y, args, a.repeats),
        }
        objs = {
            k: [objective(X, y, c, b, alpha, a.l1, pf) for _, _, c, b in v]
            for k, v in runs.items()
        }
        best = min(min(v) for v in objs.values())
        reach = {}
        for k, v in runs.items():
            subopt = [(o - best) / best for o in objs[k]]
            hit = [t for (_, t, _, _), s in zip(v, subopt, strict=True) if s <= a.eps]
            reach[k] = hit[0] if hit else np.inf
            print(
                f"{name:7s} l1 {a.l1:g} a_max/{a.ratio:g} {k:6s} time to {a.eps:g}:"
                f" {reach[k] * 1e3:9.2f} ms  (best subopt {min(subopt):.1e})",
                flush=True,
            )
        print(
            f"{name:7s} glmnet / skreg: {reach['glmnet'] / reach['skreg']:.1f}x",
            flush=True,
        )
    print(f"load average after: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
