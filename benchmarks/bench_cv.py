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


def dense_problem(n, p, seed=0):
    rng = np.random.RandomState(seed)
    X = np.asfortranarray(rng.randn(n, p))
    w = np.zeros(p)
    w[rng.choice(p, 20, replace=False)] = rng.randn(20)
    y = X @ w + 0.5 * rng.randn(n)
    return X, y


def sparse_problem(n, p, density, seed=0):
    rng = np.random.RandomState(seed)
    X = sparse.random(n, p, density=density, format="csc", random_state=rng)
    w = np.zeros(p)
    w[rng.choice(p, 30, replace=False)] = 3 * rng.randn(30)
    y = X @ w + 0.1 * rng.randn(n)
    return X, y


def competitors():
    out = {"sklearn LassoCV": lambda **kw: LassoCV(**kw)}
    try:
        from celer import LassoCV as CelerLassoCV

        out["celer LassoCV"] = lambda **kw: CelerLassoCV(**kw)
    except Exception:  # noqa: BLE001 - optional, any import failure means skip
        pass
    # skglm offers no Lasso-specific CV estimator; GeneralizedLinearEstimatorCV
    # appeared only in recent versions and is tried when present.
    try:
        from skglm.cv import GeneralizedLinearEstimatorCV  # noqa: F401
    except Exception:  # noqa: BLE001
        pass
    return out


def run(name, make, X, y, kw, repeat):
    best = np.inf
    for _ in range(repeat):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t0 = time.perf_counter()
            est = make(**kw).fit(X, y)
            best = min(best, time.perf_counter() - t0)
    return best, est


def bench(title, X, y, n_alphas, repeat):
    cv = KFold(5, shuffle=True, random_state=0)
    kw = {"cv": cv, "alphas": n_alphas}
    print(f"\n{title}: X {X.shape}, {'sparse' if sparse.issparse(X) else 'dense'}"
          f", {n_alphas} alphas, 5 folds")
    t_sk, ref = run("sklearn", LassoCV, X, y, kw, repeat)
    rows = [("sklearn LassoCV", t_sk, ref.alpha_)]
    t_sr, ours = run("skreg", L1RegressorCV, X, y, kw, repeat)
    rows.append(("skreg L1RegressorCV", t_sr, ours.alpha_))
    for name, make in competitors().items():
        if name == "sklearn LassoCV":
            continue
        try:
            kw_c = {"cv": cv, "n_alphas": n_alphas} if name.startswith("celer") else kw
            t, est = run(name, make, X, y, kw_c, repeat)
            rows.append((name, t, est.alpha_))
        except Exception as exc:  # noqa: BLE001
            print(f"  {name}: skipped ({type(exc).__name__}: {exc})")
    print(f"  {'estimator':<22}{'time [s]':>10}{'vs LassoCV':>12}  alpha_ (same?)")
    for name, t, a in rows:
        same = np.isclose(a, ref.alpha_, rtol=1e-10)
        print(f"  {name:<22}{t:>10.3f}{t_sk / t:>11.1f}x  {a:.6g} ({same})")
    coef_err = np.max(np.abs(ours.coef_ - ref.coef_))
    print(f"  max |coef_ skreg - sklearn| = {coef_err:.2e}; "
          f"mse_path_ rel. diff = "
          f"{np.max(np.abs(ours.mse_path_ - ref.mse_path_)) / ref.mse_path_.max():.1e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller problems")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    # Warm-up: compile or load the cached kernels outside the timings.
    Xw, yw = dense_problem(30, 40)
    L1RegressorCV(cv=3, alphas=5).fit(Xw, yw)
    L1RegressorCV(cv=3, alphas=5).fit(sparse.csc_matrix(Xw), yw)
    scale = 0.4 if args.quick else 1.0
    X, y = dense_problem(int(200 * scale), int(10000 * scale))
    bench("p >> n", X, y, 100, args.repeat)
    X, y = sparse_problem(int(5000 * scale), int(20000 * scale), 0.002)
    bench("sparse", X, y, 100, args.repeat)


if __name__ == "__main__":
    main()
