"""L1RegressorIC vs scikit-learn's LassoLarsIC, same criterion and noise variance.

Wide Gaussian design (500 x 5000 by default, 20 true features), the noise
variance given to both (the true one, as an estimate is impossible when
``n_samples < n_features``).  LassoLarsIC computes the whole LARS path (its
kinks); L1RegressorIC a 100-alpha coordinate-descent path down to
``alpha_max / 1000`` at ``tol=1e-4``.  The table gives the median wall time
of ``--repeat`` runs (each library timed in turn within one process), the
ratio to LassoLarsIC, the chosen alpha, its support size and the criterion
there.  Run with ``python benchmarks/bench_ic.py [--repeat 5]``.

Kernels are compiled (or loaded from the numba cache) by a warm-up fit on a
tiny problem before timing.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LassoLarsIC

from skreg import L1RegressorIC


def wide_problem(n, p, seed=0, snr=5.0):
    """Gaussian design, 20 true features; returns X, y and the noise variance."""
    rng = np.random.RandomState(seed)
    X = np.asfortranarray(rng.randn(n, p))
    w = np.zeros(p)
    w[rng.choice(p, 20, replace=False)] = rng.randn(20)
    signal = X @ w
    sigma = signal.std() / np.sqrt(snr)
    return X, signal + sigma * rng.randn(n), sigma**2


def timed(make, X, y, repeat):
    times = []
    for _ in range(repeat):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t0 = time.perf_counter()
            est = make().fit(X, y)
            times.append(time.perf_counter() - t0)
    return float(np.median(times)), est


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--p", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--criterion", choices=["aic", "bic"], default="bic")
    args = parser.parse_args()
    Xw, yw, _ = wide_problem(30, 60)
    L1RegressorIC(noise_variance=1.0).fit(Xw, yw)  # compile / load the kernels
    X, y, noise = wide_problem(args.n, args.p)
    kw = {"criterion": args.criterion, "noise_variance": noise}
    print(
        f"X {X.shape} dense, criterion={args.criterion}, noise_variance={noise:.4g}"
        f" (given to both), median of {args.repeat} runs"
    )
    rows = []
    for name, make in (
        ("sklearn LassoLarsIC", lambda: LassoLarsIC(**kw)),
        ("skreg L1RegressorIC", lambda: L1RegressorIC(**kw)),
    ):
        t, est = timed(make, X, y, args.repeat)
        crit = float(np.min(est.criterion_))
        rows.append((name, t, est.alpha_, int(np.count_nonzero(est.coef_)), crit))
    t_ref = rows[0][1]
    print(
        f"  {'estimator':<22}{'time [s]':>10}{'speed-up':>10}"
        "  alpha_  support  min criterion"
    )
    for name, t, alpha, nnz, crit in rows:
        print(
            f"  {name:<22}{t:>10.3f}{t_ref / t:>9.1f}x  {alpha:.4g}"
            f"  {nnz:>5}  {crit:.6g}"
        )


if __name__ == "__main__":
    main()
