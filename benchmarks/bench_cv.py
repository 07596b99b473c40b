"""L1RegressorCV vs scikit-learn's LassoCV (and skglm / celer when installed).

Every library gets the same folds (a fixed ``KFold``) and the same alpha grid
size; the table shows wall time, the ratio to LassoCV and whether ``alpha_``
equals LassoCV's.  Run with ``python benchmarks/bench_cv.py [--quick]``.

Kernels are compiled (or loaded from the numba cache) by a warm-up fit on a
tiny problem before timing, so the times are those of a long-running process.
"""

import argparse
import time
import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LassoCV
from sklearn.model_selection import KFold

from skreg import L1RegressorCV


def dense_problem(n, p, seed=0, snr=5.0):
    """Gaussian design, 20 true features, noise at the given signal-to-noise ratio."""
    rng = np.random.RandomState(seed)
    X = np.asfortranarray(rng.randn(n, p))
    w = np.zeros(p)
    w[rng.choice(p, 20, replace=False)] = rng.randn(20)
    signal = X @ w
    return X, signal + signal.std() / np.sqrt(snr) * rng.randn(n)


def sparse_problem(n, p, density, seed=0, snr=4.0):
    """Uniform sparse CSC design, 30 true features, noise at the given SNR."""
    rng = np.random.RandomState(seed)
    X = sparse.random(n, p, density=density, format="csc", random_state=rng)
    w = np.zeros(p)
    w[rng.choice(p, 30, replace=False)] = 3 * rng.randn(30)
    signal = X @ w
    return X, signal + signal.std() / np.sqrt(snr) * rng.randn(n)


def others(alphas):
    """Other libraries' CV estimators: name -> factory(cv_seed) or a skip reason."""
    out = {}
    try:
        from skglm.cv import GeneralizedLinearEstimatorCV
        from skglm.datafits import Quadratic
        from skglm.penalties import L1
        from skglm.solvers import AndersonCD

        # skglm draws KFold(cv, shuffle=True, random_state) itself: the same
        # folds as ours with cv=5, random_state=0; same alpha grid passed in.
        out["skglm GLECV"] = lambda: GeneralizedLinearEstimatorCV(
            Quadratic(),
            L1(1.0),
            AndersonCD(fit_intercept=True, tol=1e-4),
            alphas=alphas,
            cv=5,
            random_state=0,
        )
    except ImportError as exc:
        out["skglm GLECV"] = f"not installed ({exc})"
    try:
        from celer import LassoCV as CelerLassoCV

        cv = KFold(5, shuffle=True, random_state=0)
        out["celer LassoCV"] = lambda: CelerLassoCV(cv=cv, alphas=alphas)
    except ImportError as exc:
        out["celer LassoCV"] = f"not installed ({exc})"
    return out


def run(make, X, y, repeat):
    best = np.inf
    for _ in range(repeat):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t0 = time.perf_counter()
            est = make().fit(X, y)
            best = min(best, time.perf_counter() - t0)
    return best, est


def bench(title, X, y, n_alphas, repeat, exact):
    cv = KFold(5, shuffle=True, random_state=0)
    kw = {"cv": cv, "alphas": n_alphas}
    print(
        f"\n{title}: X {X.shape}, {'sparse' if sparse.issparse(X) else 'dense'}"
        f", {n_alphas} alphas, 5 folds (KFold shuffle, seed 0), tol=1e-4"
    )
    t_sk, ref = run(lambda: LassoCV(**kw), X, y, repeat)
    rows = [("sklearn LassoCV", t_sk, ref.alpha_)]
    t_sr, ours = run(lambda: L1RegressorCV(**kw), X, y, repeat)
    rows.append(("skreg L1RegressorCV", t_sr, ours.alpha_))
    for name, make in others(ref.alphas_).items():
        if isinstance(make, str):
            print(f"  {name}: skipped, {make}")
            continue
        try:
            t, est = run(make, X, y, repeat)
            rows.append((name, t, est.alpha_))
        except Exception as exc:  # noqa: BLE001 - report and go on
            print(f"  {name}: skipped, fails here ({type(exc).__name__}: {exc})")
    ref_alpha = ref.alpha_
    if exact:
        _, tight = run(lambda: L1RegressorCV(**kw, tol=1e-8, max_iter=100000), X, y, 1)
        ref_alpha = tight.alpha_
        print(f"  exact CV choice (skreg, tol=1e-8): alpha_ = {ref_alpha:.6g}")
    print(
        f"  {'estimator':<22}{'time [s]':>10}{'vs LassoCV':>12}  alpha_ (same as "
        f"{'exact' if exact else 'LassoCV'}?)"
    )
    for name, t, a in rows:
        same = bool(np.isclose(a, ref_alpha, rtol=1e-10))
        print(f"  {name:<22}{t:>10.3f}{t_sk / t:>11.1f}x  {a:.6g} ({same})")
    coef_err = np.max(np.abs(ours.coef_ - ref.coef_)) / max(
        np.max(np.abs(ref.coef_)), 1e-300
    )
    mse_err = np.max(np.abs(ours.mse_path_ - ref.mse_path_)) / ref.mse_path_.min()
    print(
        f"  skreg vs sklearn: max rel. coef_ diff {coef_err:.1e}, "
        f"max rel. mse_path_ diff {mse_err:.1e} (both inexact at tol=1e-4)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller problems")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--exact",
        action="store_true",
        help="also compute the exact CV choice (skreg at tol=1e-8)",
    )
    args = parser.parse_args()
    # Warm-up: compile or load the cached kernels outside the timings.
    Xw, yw = dense_problem(30, 40)
    L1RegressorCV(cv=3, alphas=5).fit(Xw, yw)
    L1RegressorCV(cv=3, alphas=5).fit(sparse.csc_matrix(Xw), yw)
    for make in others(np.geomspace(1, 0.1, 3)).values():
        if not isinstance(make, str):
            try:
                make().fit(Xw, yw)
            except Exception:  # noqa: BLE001, S110 - reported by bench()
                pass
    scale = 0.4 if args.quick else 1.0
    X, y = dense_problem(int(200 * scale), int(10000 * scale))
    bench("p >> n", X, y, 100, args.repeat, args.exact)
    X, y = sparse_problem(int(5000 * scale), int(20000 * scale), 0.002)
    bench("sparse", X, y, 100, args.repeat, args.exact)


if __name__ == "__main__":
    main()
