"""Time to reach a relative suboptimality, skreg against its peers.

Every solver minimises the same scikit-learn-scaled ElasticNet objective

    P(w, b) = 1/(2n) ||y - Xw - b||^2 + alpha (r ||w||_1 + (1 - r)/2 ||w||^2)

and is run at each tolerance of a ladder.  A rung records the fit time
(median of repeats after one warm-up fit that pays imports and JIT
compilation) and the objective reached.  P* is the best objective any solver
reached on the case; "time to eps" is the time of the first rung whose
(P - P*) / P* <= eps.  Solvers whose package is missing are skipped.

Examples
--------
    python benchmarks/bench_solvers.py                       # all problems, Lasso
    python benchmarks/bench_solvers.py --l1 0.5 --ratios 10  # ElasticNet
    python benchmarks/bench_solvers.py --problems wide --json out.json
"""

import argparse
import importlib
import json
import platform
import time
import warnings

import numpy as np
from scipy import sparse

TOLS = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]


def ar1_design(n, p, rho=0.5, n_signal=50, snr=3.0, seed=0):
    """Gaussian AR(1)-correlated columns and a sparse true signal."""
    rng = np.random.default_rng(seed)
    X = np.empty((n, p), order="F")
    X[:, 0] = rng.standard_normal(n)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    coef = np.zeros(p)
    support = rng.choice(p, size=min(n_signal, p), replace=False)
    coef[support] = rng.standard_normal(support.size)
    y = X @ coef
    return X, y + rng.standard_normal(n) * np.std(y) / snr


def random_sparse(n, p, density, n_signal=100, seed=0):
    """Uniform random CSC design with a sparse true signal."""
    rng = np.random.default_rng(seed)
    X = sparse.random(n, p, density=density, format="csc", random_state=seed)
    coef = np.zeros(p)
    coef[rng.choice(p, n_signal, replace=False)] = rng.standard_normal(n_signal)
    return X, X @ coef + 0.1 * rng.standard_normal(n)


def diabetes():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    return np.asfortranarray(X), y


PROBLEMS = {
    "diabetes": diabetes,
    "wide": lambda: ar1_design(500, 5000),
    "tall": lambda: ar1_design(20000, 500, n_signal=100),
    "sparse": lambda: random_sparse(10000, 50000, 1e-3),
}


def alpha_max(X, y, fit_intercept, l1_ratio):
    yc = y - y.mean() if fit_intercept else y
    Xty = X.T @ yc
    if fit_intercept:
        Xty = Xty - np.asarray(X.mean(axis=0)).ravel() * yc.sum()
    return np.max(np.abs(Xty)) / (len(y) * l1_ratio)


def objective(X, y, coef, intercept, alpha, l1_ratio):
    r = y - X @ coef - intercept
    return r @ r / (2 * len(y)) + alpha * (
        l1_ratio * np.abs(coef).sum() + 0.5 * (1 - l1_ratio) * coef @ coef
    )


def _fit(module, lasso, enet, X, y, alpha, l1_ratio, tol, fit_intercept, max_iter):
    mod = importlib.import_module(module)
    if l1_ratio == 1.0:
        est = getattr(mod, lasso)(
            alpha=alpha, tol=tol, fit_intercept=fit_intercept, max_iter=max_iter
        )
    else:
        est = getattr(mod, enet)(
            alpha=alpha,
            l1_ratio=l1_ratio,
            tol=tol,
            fit_intercept=fit_intercept,
            max_iter=max_iter,
        )
    est.fit(X, y)
    return np.ravel(est.coef_), float(np.ravel([est.intercept_])[0])


# name: (module, Lasso class, ElasticNet class, max_iter)
SOLVERS = {
    "sklearn": ("sklearn.linear_model", "Lasso", "ElasticNet", 1_000_000),
    "skglm": ("skglm", "Lasso", "ElasticNet", 1000),
    "celer": ("celer", "Lasso", "ElasticNet", 1000),
    "skreg": ("skreg", "L1Regressor", "ElasticNetRegressor", 1_000_000),
}


def installed(name):
    try:
        importlib.import_module(SOLVERS[name][0])
    except Exception:
        return False
    return True


def run_solver(name, X, y, alpha, l1_ratio, fit_intercept, repeats, budget):
    module, lasso, enet, max_iter = SOLVERS[name]

    def fit(tol):
        return _fit(
            module, lasso, enet, X, y, alpha, l1_ratio, tol, fit_intercept, max_iter
        )

    fit(1e-2)  # warm-up: imports and JIT compilation are not timed
    curve = []
    for tol in TOLS:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            coef, intercept = fit(tol)
            times.append(time.perf_counter() - t0)
            if sum(times) > budget:
                break
        t = float(np.median(times))
        curve.append((tol, t, objective(X, y, coef, intercept, alpha, l1_ratio)))
        if t > budget:
            break
    return curve


def settle(seconds=0.3):
    """Sleep ``seconds`` so that the BLAS and OpenMP worker threads of the
    previous solver, which spin for about 0.1 s after their last call, are
    idle before the next solver's warm-up."""
    time.sleep(seconds)
    return seconds


def run_case(
    pname,
    X,
    y,
    ratio,
    l1_ratio,
    fit_intercept,
    solvers,
    eps_list,
    repeats,
    budget,
    settle_first=False,
):
    alpha = alpha_max(X, y, fit_intercept, l1_ratio) / ratio
    curves = {}
    for s in solvers:
        if settle_first:
            settle()
        curves[s] = run_solver(s, X, y, alpha, l1_ratio, fit_intercept, repeats, budget)
    pstar = min(obj for curve in curves.values() for _, _, obj in curve)
    out = {
        "problem": pname,
        "alpha_ratio": ratio,
        "l1_ratio": l1_ratio,
        "fit_intercept": fit_intercept,
        "pstar": pstar,
        "solvers": {},
    }
    for s, curve in curves.items():
        subopt = [(tol, t, (obj - pstar) / abs(pstar)) for tol, t, obj in curve]
        row = {
            f"{eps:g}": next((t for _, t, so in subopt if so <= eps), None)
            for eps in eps_list
        }
        row["curve"] = subopt
        out["solvers"][s] = row
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--problems", default="diabetes,wide,tall,sparse")
    ap.add_argument("--solvers", default="sklearn,skglm,celer,skreg")
    ap.add_argument("--ratios", default="10,100", help="alpha = alpha_max / ratio")
    ap.add_argument("--l1", default="1.0", help="l1_ratio values, comma separated")
    ap.add_argument("--intercept", default="1", help="fit_intercept values: 0,1")
    ap.add_argument("--eps", default="1e-4,1e-6")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--budget", type=float, default=30.0)
    ap.add_argument("--json", default=None, help="write all curves to this file")
    ap.add_argument(
        "--settle",
        action="store_true",
        help="before each solver's warm-up, wait until the previous solver's "
        "BLAS/OpenMP threads stop spinning (the reference script does not)",
    )
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    solvers = [s for s in args.solvers.split(",") if installed(s)]
    eps_list = [float(e) for e in args.eps.split(",")]
    versions = {
        s: getattr(
            importlib.import_module(SOLVERS[s][0].split(".")[0]), "__version__", "?"
        )
        for s in solvers
    }
    print(
        f"# {platform.processor() or platform.machine()}, python "
        f"{platform.python_version()}, "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
    )
    print(
        f"# seconds to reach relative suboptimality {' / '.join(args.eps.split(','))}"
        " ('-': not reached); ratio = best peer / skreg"
    )
    results = []
    for pname in args.problems.split(","):
        X, y = PROBLEMS[pname]()
        for ratio in map(float, args.ratios.split(",")):
            for l1_ratio in map(float, args.l1.split(",")):
                for fi in (bool(int(v)) for v in args.intercept.split(",")):
                    res = run_case(
                        pname,
                        X,
                        y,
                        ratio,
                        l1_ratio,
                        fi,
                        solvers,
                        eps_list,
                        args.repeats,
                        args.budget,
                        settle_first=args.settle,
                    )
                    results.append(res)
                    cells = []
                    for s in solvers:
                        v = res["solvers"][s]
                        cells.append(
                            s
                            + "="
                            + "/".join(
                                "-" if v[f"{e:g}"] is None else f"{v[f'{e:g}']:.3f}"
                                for e in eps_list
                            )
                        )
                    last = f"{eps_list[-1]:g}"
                    peers = [res["solvers"][s][last] for s in solvers if s != "skreg"]
                    peers = [t for t in peers if t is not None]
                    ours = res["solvers"].get("skreg", {}).get(last)
                    ratio_txt = (
                        f"  ratio={min(peers) / ours:.1f}x" if peers and ours else ""
                    )
                    print(
                        f"{pname:9s} a_max/{ratio:<4g} l1={l1_ratio:g} fi={int(fi)}  "
                        + "  ".join(cells)
                        + ratio_txt,
                        flush=True,
                    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
