"""The ``python -m skreg`` demo: skreg next to scikit-learn, side by side.

The logic lives here, apart from ``skreg/__main__.py`` (argument parsing), so
that it can be imported and tested without going through a subprocess.
"""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

__all__ = ["DATASETS", "ESTIMATORS", "run_demo"]

DATASETS = ("diabetes", "synthetic")
ESTIMATORS = ("l1", "l2", "enet")

_LABELS = {"l1": "L1 (Lasso)", "l2": "L2 (Ridge)", "enet": "ElasticNet"}

# Lasso-scale alpha used when --alpha is not given: the synthetic problem has
# a larger signal, so it needs a larger alpha to prune the 15 noise features.
DEFAULT_ALPHA = {"diabetes": 0.1, "synthetic": 1.0}


@dataclass
class Dataset:
    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list
    true_coef: np.ndarray = None
    description: str = ""


@dataclass
class Comparison:
    key: str
    skreg_name: str
    sklearn_name: str
    coef: np.ndarray = None
    coef_ref: np.ndarray = None
    intercept_diff: float = float("nan")
    time_skreg: float = float("nan")
    time_sklearn: float = float("nan")
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def available(self):
        return self.coef is not None

    @property
    def max_diff(self):
        return float(np.max(np.abs(self.coef - self.coef_ref)))

    @property
    def rel_diff(self):
        scale = max(float(np.max(np.abs(self.coef_ref))), 1e-300)
        return self.max_diff / scale


def load_dataset(name):
    """Return one of the demo :class:`Dataset` objects by name."""
    if name == "diabetes":
        from sklearn.datasets import load_diabetes

        bunch = load_diabetes()
        return Dataset(
            "diabetes",
            np.asarray(bunch.data, dtype=np.float64),
            np.asarray(bunch.target, dtype=np.float64),
            list(bunch.feature_names),
            description="scikit-learn's bundled data, no download",
        )
    if name == "synthetic":
        from sklearn.datasets import make_regression

        X, y, coef = make_regression(
            n_samples=200,
            n_features=20,
            n_informative=5,
            noise=5.0,
            coef=True,
            random_state=0,
        )
        return Dataset(
            "synthetic",
            X,
            y,
            [f"x{j}" for j in range(X.shape[1])],
            true_coef=coef,
            description="make_regression: 5 informative of 20 features, "
            "noise=5, random_state=0",
        )
    raise ValueError(f"dataset must be one of {DATASETS}, got {name!r}")


def _pairs(key, alpha, l1_ratio, ridge_alpha, tol):
    """(skreg estimator, sklearn estimator) for ``key``; skreg may be None."""
    from sklearn.linear_model import ElasticNet, Lasso, Ridge

    import skreg

    if key == "l1":
        cls = getattr(skreg, "L1Regressor", None)
        est = cls(alpha=alpha, tol=tol) if cls else None
        return "L1Regressor", est, Lasso(alpha=alpha, tol=tol)
    if key == "enet":
        cls = getattr(skreg, "ElasticNetRegressor", None)
        est = cls(alpha=alpha, l1_ratio=l1_ratio, tol=tol) if cls else None
        return (
            "ElasticNetRegressor",
            est,
            ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=tol),
        )
    if key == "l2":
        cls = getattr(skreg, "L2Regressor", None)
        est = cls(alpha=ridge_alpha) if cls else None
        return "L2Regressor", est, Ridge(alpha=ridge_alpha)
    raise ValueError(f"estimator must be one of {ESTIMATORS}, got {key!r}")


def _best_time(est, X, y, repeat):
    """Fit ``repeat`` times and return the fastest wall-clock time (s)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        est.fit(X, y)
        best = min(best, time.perf_counter() - t0)
    return best


def compare(data, key, *, alpha, l1_ratio, ridge_alpha, tol, repeat):
    """Fit skreg's and scikit-learn's estimator ``key`` on ``data``."""
    name, ours, ref = _pairs(key, alpha, l1_ratio, ridge_alpha, tol)
    res = Comparison(key, name, type(ref).__name__)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning is reported below
        res.time_sklearn = _best_time(ref, data.X, data.y, repeat)
        res.coef_ref = np.asarray(ref.coef_, dtype=np.float64)
        if ours is None:
            res.note = f"skreg.{name} is not available in this build"
            return res
        # The first fit loads the cached Numba kernels (or compiles them on
        # a cold cache); it is reported apart from the steady-state time.
        t0 = time.perf_counter()
        ours.fit(data.X, data.y)
        res.extra["first_fit"] = time.perf_counter() - t0
        res.time_skreg = _best_time(ours, data.X, data.y, repeat)
    res.coef = np.asarray(ours.coef_, dtype=np.float64)
    res.intercept_diff = float(abs(ours.intercept_ - ref.intercept_))
    return res


def _fmt_weight(v):
    # Exact zeros are the point of L1: print them as a bare 0, never 0.000.
    return "0" if v == 0.0 else f"{v:.3f}"


def _table(header, rows, aligns=None):
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    aligns = aligns or ["<"] + [">"] * (len(header) - 1)
    fmt = "  ".join(f"{{:{a}{w}}}" for a, w in zip(aligns, widths, strict=True))
    lines = [fmt.format(*header), "  ".join("-" * w for w in widths)]
    lines += [fmt.format(*row) for row in rows]
    return "\n".join(lines)


def weights_table(data, results):
    """Feature-by-feature skreg weights of every estimator (+ truth)."""
    avail = [r for r in results if r.available]
    header = ["feature"]
    if data.true_coef is not None:
        header.append("true")
    header += [_LABELS[r.key] for r in avail]
    rows = []
    for j, fname in enumerate(data.feature_names):
        row = [fname]
        if data.true_coef is not None:
            row.append(_fmt_weight(data.true_coef[j]))
        row += [_fmt_weight(r.coef[j]) for r in avail]
        rows.append(row)
    nnz = ["nnz"]
    if data.true_coef is not None:
        nnz.append(str(int(np.count_nonzero(data.true_coef))))
    nnz += [str(int(np.count_nonzero(r.coef))) for r in avail]
    rows.append(nnz)
    return _table(header, rows)


def summary_table(results):
    """skreg vs scikit-learn: non-zeros, coefficient agreement, fit times."""
    header = [
        "estimator",
        "vs sklearn",
        "nnz skreg",
        "nnz sklearn",
        "max |coef diff|",
        "rel diff",
        "skreg fit ms",
        "sklearn fit ms",
    ]
    rows = []
    for r in results:
        if not r.available:
            rows.append(
                [
                    r.skreg_name,
                    r.sklearn_name,
                    "n/a",
                    str(int(np.count_nonzero(r.coef_ref))),
                    "n/a",
                    "n/a",
                    "n/a",
                    f"{1e3 * r.time_sklearn:.2f}",
                ]
            )
            continue
        rows.append(
            [
                r.skreg_name,
                r.sklearn_name,
                str(int(np.count_nonzero(r.coef))),
                str(int(np.count_nonzero(r.coef_ref))),
                f"{r.max_diff:.2e}",
                f"{r.rel_diff:.1e}",
                f"{1e3 * r.time_skreg:.2f}",
                f"{1e3 * r.time_sklearn:.2f}",
            ]
        )
    return _table(header, rows)


def gradient_log(data, keys, *, alpha, l1_ratio, ridge_alpha, epochs, out):
    """Refit with a gradient solver and ``verbose=1``: the loss per epoch."""
    import skreg

    specs = {
        "l1": ("L1Regressor", dict(alpha=alpha, solver="fista")),
        "l2": ("L2Regressor", dict(alpha=ridge_alpha, solver="gd")),
        "enet": (
            "ElasticNetRegressor",
            dict(alpha=alpha, l1_ratio=l1_ratio, solver="fista"),
        ),
    }
    for key in keys:
        name, params = specs[key]
        cls = getattr(skreg, name, None)
        call = ", ".join(f"{k}={v!r}" for k, v in params.items())
        out(f"\n-- {name}({call}, max_iter={epochs}, verbose=1) on {data.name}")
        if cls is None:
            out(f"   skreg.{name} is not available in this build")
            continue
        est = cls(**params, max_iter=epochs, verbose=1)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                est.fit(data.X, data.y)
        except (ImportError, NotImplementedError, ValueError) as exc:
            out(f"   solver {params['solver']!r} not available: {exc}")
            continue
        if any("converge" in str(w.message).lower() for w in caught):
            out(
                f"   (stopped at max_iter={epochs} before the tolerance: "
                "raise --epochs to run further)"
            )
        hist = getattr(est, "loss_history_", None)
        if hist is not None and len(hist) and len(np.ravel(hist[0])):
            h = np.ravel(hist[0])
            out(f"   loss_history_: {len(h)} epochs, loss {h[0]:.6g} -> {h[-1]:.6g}")


def run_demo(
    *,
    datasets=DATASETS,
    estimators=ESTIMATORS,
    alpha=None,
    l1_ratio=0.5,
    ridge_alpha=1.0,
    tol=1e-4,
    repeat=3,
    verbose=False,
    epochs=50,
    out=print,
):
    """Run the side-by-side comparison and print it through ``out``.

    Returns the list of ``(dataset, [Comparison, ...])`` that was printed.
    """
    import sklearn

    import skreg

    out(f"skreg {skreg.__version__} vs scikit-learn {sklearn.__version__}")
    alpha_txt = (
        ", ".join(f"{a:g} on {d}" for d, a in DEFAULT_ALPHA.items() if d in datasets)
        if alpha is None
        else f"{alpha:g}"
    )
    out(f"L1 (Lasso) and ElasticNet: alpha={alpha_txt}, l1_ratio={l1_ratio:g},")
    out("  objective 1/(2n) ||y - Xw||^2 + alpha * penalty(w).")
    if "l2" in estimators:
        out(f"L2 (Ridge): alpha={ridge_alpha:g} in Ridge's own scaling,")
        out("  objective ||y - Xw||^2 + alpha ||w||^2 (no 1/(2n)),")
        out(
            "  so Ridge's alpha is on another scale than the Lasso's "
            "(set it with --ridge-alpha)."
        )
    out(f"Fit times: fastest of {repeat} fits, after one warm-up fit.")
    out(
        f"Both libraries stop on the same duality-gap rule (tol={tol:g}), so "
        "rel diff = max |coef diff|\n  / max |coef| is of that order or below; "
        "--tol 1e-10 makes it vanish."
    )
    report = []
    for dname in datasets:
        data = load_dataset(dname)
        n, p = data.X.shape
        a = DEFAULT_ALPHA[dname] if alpha is None else alpha
        out("")
        out(f"== {data.name}: {n} samples, {p} features ({data.description})")
        out(f"   alpha={a:g} (L1, ElasticNet), ridge alpha={ridge_alpha:g} (L2)")
        results = [
            compare(
                data,
                key,
                alpha=a,
                l1_ratio=l1_ratio,
                ridge_alpha=ridge_alpha,
                tol=tol,
                repeat=repeat,
            )
            for key in estimators
        ]
        if any(r.available for r in results):
            out("")
            out("Weights fitted by skreg (0 = exact zero):")
            out(weights_table(data, results))
        out("")
        out("skreg vs scikit-learn:")
        out(summary_table(results))
        for r in results:
            if r.note:
                out(f"note: {r.note}")
        firsts = [r.extra["first_fit"] for r in results if r.available]
        if firsts:
            out(
                f"first skreg fit in this process: {1e3 * max(firsts):.1f} ms at "
                "most (it loads the Numba kernels from their disk cache, or "
                "compiles them once when the cache is empty)"
            )
        if verbose:
            out("")
            out("Gradient solvers, loss per epoch (--verbose):")
            gradient_log(
                data,
                estimators,
                alpha=a,
                l1_ratio=l1_ratio,
                ridge_alpha=ridge_alpha,
                epochs=epochs,
                out=out,
            )
        report.append((data, results))
    return report
