"""Multi-task Lasso: time to a relative suboptimality, skreg against its peers.

Every solver minimises scikit-learn's MultiTaskLasso objective

    P(W, b) = 1/(2n) ||Y - XW - b||_F^2 + alpha ||W||_21

(celer's MultiTaskLasso has the same scaling) and is run at each tolerance
of a ladder.  A rung records the fit time (median of repeats, after one
warm-up fit that pays imports and JIT compilation) and the objective it
reached.  P* is the best objective any solver reached; "time to eps" is the
time of the first rung whose (P - P*) / P* <= eps.  All solvers are timed
side by side in one run (the machine's noise hits them alike).

Times are process CPU seconds by default (``--clock cpu``): every solver
here runs on one thread (skreg's BLAS products are limited to one), so on
a shared machine CPU time is the measure least disturbed by other
processes; ``--clock wall`` gives elapsed time.

A second part times the CV estimators, MultiTaskL1RegressorCV against
scikit-learn's MultiTaskLassoCV on the same folds and grid, and checks that
both choose the same ``alpha_``.

Examples
--------
    python benchmarks/bench_multitask.py
    python benchmarks/bench_multitask.py --n 500 --p 5000 --tasks 10 --ratio 10
    python benchmarks/bench_multitask.py --ratio --cv-alphas 100 --cv-repeats 3
"""

import argparse
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

# half-decade rungs: with decade rungs a solver whose gap certificate is
# tighter stops closer to each tol and can need the next, 10 times
# smaller, rung; a finer ladder measures every solver closer to eps
TOLS = [a * 10.0**-k for k in range(2, 9) for a in (1.0, 0.3)][:-1]
CLOCK = [time.process_time]
# OpenBLAS's worker threads spin for about 0.1 s after a multi-threaded
# call, and process CPU time counts them: the objectives are computed on
# one thread and each rung starts after a pause, so that no solver's timed
# fits pay for the script's own products
SETTLE = 0.3


def problem(n, p, T, rho=0.6, n_signal=20, snr=3.0, seed=0):
    """AR(1)-correlated Gaussian columns, a row-sparse true W."""
    rng = np.random.default_rng(seed)
    X = np.empty((n, p), order="F")
    X[:, 0] = rng.standard_normal(n)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    W = np.zeros((p, T))
    W[rng.choice(p, n_signal, replace=False)] = rng.standard_normal((n_signal, T))
    Y = X @ W
    return X, Y + rng.standard_normal((n, T)) * Y.std() / snr


def alpha_max(X, Y):
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    return np.sqrt(((Xc.T @ Yc) ** 2).sum(1)).max() / len(X)


def objective(X, Y, coef, intercept, alpha):
    R = Y - X @ coef.T - intercept
    return 0.5 / len(X) * (R**2).sum() + alpha * np.sqrt((coef**2).sum(0)).sum()


def make(name, alpha, tol):
    if name == "skreg":
        from skreg import MultiTaskL1Regressor

        return MultiTaskL1Regressor(alpha=alpha, tol=tol, max_iter=100_000)
    if name == "sklearn":
        from sklearn.linear_model import MultiTaskLasso

        return MultiTaskLasso(alpha=alpha, tol=tol, max_iter=100_000)
    return _Celer(alpha, tol)


class _Celer:
    """celer's MultiTaskLasso fit (its estimator calls ``_validate_data``,
    gone in scikit-learn 1.9): centre, ``mtl_path`` at one alpha, intercept."""

    def __init__(self, alpha, tol):
        self.alpha, self.tol = alpha, tol

    def fit(self, X, Y):
        from celer.homotopy import mtl_path

        xm, ym = X.mean(0), Y.mean(0)
        Xc, Yc = np.asfortranarray(X - xm), np.asfortranarray(Y - ym)
        _, coefs, _ = mtl_path(
            Xc, Yc, alphas=[self.alpha], tol=self.tol, max_iter=1000,
            max_epochs=100_000,
        )  # fmt: skip
        # mtl_path returns (n_tasks, n_features, n_alphas)
        self.coef_ = coefs[:, :, 0]
        self.intercept_ = ym - xm @ self.coef_.T
        return self


def ladder(name, X, Y, alpha, repeats, budget):
    """(tol, median seconds, objective) per rung, until a rung takes longer
    than budget seconds."""
    warnings.simplefilter("ignore")
    # warm-up: imports and JIT (a tight tol reaches every kernel)
    make(name, alpha, 1e-6).fit(X, Y)
    rungs = []
    for tol in TOLS:
        times = []
        time.sleep(SETTLE)
        for _ in range(repeats):
            est = make(name, alpha, tol)
            t0 = CLOCK[0]()
            est.fit(X, Y)
            times.append(CLOCK[0]() - t0)
        with threadpool_limits(1):
            obj = objective(X, Y, est.coef_, est.intercept_, alpha)
        rungs.append((tol, float(np.median(times)), obj))
        if rungs[-1][1] > budget:
            break
    return rungs


def time_to(rungs, p_star, eps):
    for _, t, obj in rungs:
        if (obj - p_star) / p_star <= eps:
            return t
    return np.inf


def single_fits(X, Y, ratio, repeats, budget, eps):
    alpha = alpha_max(X, Y) / ratio
    runs = {
        name: ladder(name, X, Y, alpha, repeats, budget)
        for name in ("skreg", "celer", "sklearn")
    }
    p_star = min(obj for rungs in runs.values() for _, _, obj in rungs)
    times = {name: time_to(rungs, p_star, eps) for name, rungs in runs.items()}
    print(
        f"alpha_max / {ratio:g}: time to {eps:g} relative suboptimality "
        f"(median of {repeats})"
    )
    for name, t in times.items():
        print(f"  {name:8s} {t * 1e3:9.1f} ms")
    ours = times["skreg"]
    print(
        f"  skreg / sklearn = {ours / times['sklearn']:.3f}, "
        f"skreg / celer = {ours / times['celer']:.3f}"
    )
    return times


def cv_fits(X, Y, repeats, n_alphas, cv, n_jobs=None):
    from sklearn.linear_model import MultiTaskLassoCV
    from sklearn.model_selection import KFold

    from skreg import MultiTaskL1RegressorCV

    folds = list(KFold(cv).split(X))
    MultiTaskL1RegressorCV(alphas=20, cv=folds).fit(X, Y)  # warm-up
    out = {}
    for name, cls in (("skreg", MultiTaskL1RegressorCV), ("sklearn", MultiTaskLassoCV)):
        times = []
        for _ in range(repeats):
            est = cls(alphas=n_alphas, cv=folds, n_jobs=n_jobs)
            time.sleep(SETTLE)
            t0 = CLOCK[0]()
            est.fit(X, Y)
            times.append(CLOCK[0]() - t0)
        out[name] = (float(np.median(times)), est.alpha_)
    print(
        f"CV, {cv} folds, {n_alphas} alphas, default tol, n_jobs={n_jobs} "
        f"(median of {repeats})"
    )
    for name, (t, a) in out.items():
        print(f"  {name:8s} {t:8.2f} s   alpha_ = {a:.6g}")
    same = np.isclose(out["skreg"][1], out["sklearn"][1], rtol=1e-10)
    speedup = out["sklearn"][0] / out["skreg"][0]
    print(f"  sklearn / skreg = {speedup:.1f}x, same alpha_: {same}")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--p", type=int, default=2000)
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument(
        "--ratio",
        type=float,
        nargs="*",
        default=[10.0, 30.0],
        help="alpha_max / alpha of the single fits (none: CV only)",
    )
    parser.add_argument("--eps", type=float, default=1e-6)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--budget", type=float, default=30.0)
    parser.add_argument("--cv", type=int, default=5, help="0 skips the CV part")
    parser.add_argument("--cv-alphas", type=int, default=30)
    parser.add_argument("--cv-repeats", type=int, default=1)
    parser.add_argument("--cv-jobs", type=int, default=None, help="n_jobs of both")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu")
    args = parser.parse_args(argv)
    CLOCK[0] = time.process_time if args.clock == "cpu" else time.perf_counter
    X, Y = problem(args.n, args.p, args.tasks)
    print(
        f"X {args.n} x {args.p} (AR(1) rho 0.6), {args.tasks} tasks, intercept "
        f"fitted; {args.clock} time"
    )
    for ratio in args.ratio:
        single_fits(X, Y, ratio, args.repeats, args.budget, args.eps)
    if args.cv:
        cv_fits(X, Y, args.cv_repeats, args.cv_alphas, args.cv, args.cv_jobs)


if __name__ == "__main__":
    main()
