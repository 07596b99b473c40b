"""Fits on dask arrays larger than memory: skreg vs a read-only pass and dask-ml.

The data (``--rows`` x ``--features`` float64, 5e7 x 100 = 40 GB by
default) are generated block by block by a seeded function, so that nothing
is stored: reading a block means generating it.  On a LocalCluster
(``--workers`` processes, one thread each) the script times

- a pass that only reads the data (generates every block and sums it),
- ``L1Regressor``, ``L2Regressor`` and ``L1RegressorCV(cv=5)`` on dask input,
- dask-ml's ``LinearRegression(penalty='l1')`` (dask-glm's ``admm`` and
  ``proximal_grad``) on the same objective, on ``--daskml-rows`` rows,
- in-memory skreg on the largest slice that fits (``--memory-rows``, in a
  subprocess),

and reports wall times, GB/s, the peak resident memory of the client and of
each worker (``ru_maxrss``, over the whole run up to that line) and the
objectives.  The data have no intercept and centred features, and every
model is fitted without intercept: dask-glm penalises its intercept, so the
objectives are only the same that way.

Run ``python benchmarks/bench_dask.py --rows 2e6`` for a run of a few
minutes; see ``docs/dask.rst`` for the results.
"""

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

P_TRUE = 10


def true_coef(p, seed):
    rng = np.random.default_rng([seed, 10**6])
    w = np.zeros(p)
    w[:P_TRUE] = rng.uniform(0.5, 2.0, P_TRUE) * rng.choice([-1, 1], P_TRUE)
    return w


def gen_block(block_info=None, p=100, seed=0):
    """Rows of ``[X | y]``: the block at its place, from its own seed."""
    info = block_info[None]
    (r0, r1), _ = info["array-location"]
    i = info["chunk-location"][0]
    rng = np.random.default_rng([seed, i])
    A = np.empty((r1 - r0, p + 1))
    A[:, :p] = rng.standard_normal((r1 - r0, p))
    A[:, p] = A[:, :p] @ true_coef(p, seed) + rng.standard_normal(r1 - r0)
    return A


def dask_data(n, p, chunk, seed):
    import dask.array as da

    rows = (chunk,) * (n // chunk) + ((n % chunk,) if n % chunk else ())
    A = da.map_blocks(
        gen_block, p=p, seed=seed, chunks=(rows, (p + 1,)), dtype=np.float64
    )
    return A[:, :p], A[:, p]


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_peaks(client):
    return sorted(client.run(peak_mb).values())


def objective_fn(n, p, chunk, seed):
    """Lasso objective ``1/(2n) ||y - Xw||^2 + alpha ||w||_1`` from the
    uncentred statistics (one extra, untimed pass)."""
    from skreg.linear_model._dask import DaskData, reduce_stats
    from skreg.stats import gram_system

    X, y = dask_data(n, p, chunk, seed)
    stats = reduce_stats(DaskData(X, y))[0]
    G, Q, yy = gram_system(stats, fit_intercept=False)

    def objective(w, alpha):
        w = np.asarray(w, dtype=np.float64).ravel()
        sq = yy[0] - 2.0 * Q[:, 0] @ w + w @ G @ w
        return 0.5 * sq / n + alpha * np.abs(w).sum()

    return objective


def timed(label, fn, results, client, nbytes):
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    row = {
        "label": label,
        "seconds": dt,
        "GB/s": nbytes / dt / 1e9,
        "client_peak_MB": peak_mb(),
        "worker_peak_MB": worker_peaks(client),
    }
    results.append(row)
    print(
        f"{label:<34} {dt:8.2f} s {row['GB/s']:6.2f} GB/s  client "
        f"{row['client_peak_MB']:6.0f} MB  workers "
        + " ".join(f"{m:.0f}" for m in row["worker_peak_MB"])
        + " MB",
        flush=True,
    )
    return out


def daskml_fit(X, y, alpha, n, solver, max_iter):
    from dask_ml.linear_model import LinearRegression

    # dask-glm minimises sum_i (y_i - x_i w)^2 + lamduh ||w||_1 with
    # lamduh = 1 / C: the Lasso objective times 2n when C = 1 / (2 n alpha)
    model = LinearRegression(
        penalty="l1",
        C=1.0 / (2.0 * n * alpha),
        solver=solver,
        fit_intercept=False,
        max_iter=max_iter,
    )
    return model.fit(X, y)


def in_memory(rows, p, chunk, seed, alpha):
    """Fit in-memory skreg on the first ``rows`` rows in a fresh process."""
    code = f"""
import resource, time, numpy as np, dask
sys_path = {sys.path!r}
import sys; sys.path[:0] = sys_path
from bench_dask import dask_data
from skreg import L1Regressor, L1RegressorCV
X, y = dask_data({rows}, {p}, {chunk}, {seed})
with dask.config.set(scheduler="threads"):
    X, y = dask.compute(X, y)
X = np.asfortranarray(X)
L1Regressor(alpha={alpha}, fit_intercept=False).fit(X[:1000], y[:1000])
t0 = time.perf_counter()
m = L1Regressor(alpha={alpha}, fit_intercept=False).fit(X, y)
t1 = time.perf_counter()
cv = L1RegressorCV(cv=5, fit_intercept=False).fit(X, y)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=__file__.rsplit("/", 1)[0],
    )
    return [float(v) for v in out.stdout.split()[-3:]]


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=5e7)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--chunk", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--alpha", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--daskml-rows", type=float, default=1e6)
    parser.add_argument("--daskml-iter", type=int, default=100)
    parser.add_argument("--memory-rows", type=float, default=0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--fits", default="read,l1,l2,cv", help="which of read,l1,l2,cv to time"
    )
    parser.add_argument("--json", default=None)
    return parser.parse_args()


def _daskml_comparison(args, client, kw, results, obj):
    """skreg and dask-ml's solvers on ``--daskml-rows`` rows (persisted):
    their times go to ``results``, their objectives to ``obj``."""
    from skreg import L1Regressor

    p, chunk = args.features, args.chunk
    m = int(args.daskml_rows)
    Xm, ym = dask_data(m, p, chunk, args.seed)
    Xm, ym = client.persist([Xm, ym])  # dask-glm reads X at every iteration
    mbytes = m * p * 8
    sk = timed(
        f"skreg L1Regressor ({m} rows)",
        lambda: L1Regressor(alpha=args.alpha, **kw).fit(Xm, ym),
        results,
        client,
        mbytes,
    )
    coefs = {f"skreg L1Regressor ({m} rows)": sk.coef_}
    for solver in ("admm", "proximal_grad"):
        label = f"dask-ml {solver} ({m} rows)"
        model = timed(
            label,
            lambda s=solver: daskml_fit(Xm, ym, args.alpha, m, s, args.daskml_iter),
            results,
            client,
            mbytes,
        )
        coefs[label] = model.coef_
    obj_m = objective_fn(m, p, chunk, args.seed)
    for label, coef in coefs.items():
        obj[label] = obj_m(coef, args.alpha)


def main():
    args = _parse_args()
    n, p, chunk = int(args.rows), args.features, args.chunk
    nbytes = n * p * 8

    import logging

    from dask.distributed import Client, LocalCluster

    # dask-ml resubmits keys; the scheduler's warnings about it are noise here
    logging.getLogger("distributed").setLevel(logging.ERROR)

    from skreg import L1Regressor, L1RegressorCV, L2Regressor

    cluster = LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        memory_limit="4GB",
    )
    client = Client(cluster)
    print(
        f"X: {n} x {p} float64 = {nbytes / 1e9:.1f} GB in blocks of {chunk} "
        f"rows; {args.workers} worker processes x 1 thread",
        flush=True,
    )
    # warm-up: numba caches and imports on the client and the workers
    Xs, ys = dask_data(4 * chunk, p, chunk, args.seed + 1)
    L1RegressorCV(cv=5, fit_intercept=False).fit(Xs, ys)
    L2Regressor(fit_intercept=False).fit(Xs, ys)
    results = []
    X, y = dask_data(n, p, chunk, args.seed)
    kw = {"fit_intercept": False}
    runs = {
        "read only (generate + sum)": lambda: X.sum(axis=0).compute(),
        "skreg L1Regressor": lambda: L1Regressor(alpha=args.alpha, **kw).fit(X, y),
        "skreg L2Regressor": lambda: L2Regressor(alpha=1.0, **kw).fit(X, y),
        "skreg L1RegressorCV(cv=5)": lambda: L1RegressorCV(cv=5, **kw).fit(X, y),
    }
    keep = dict(zip(("read", "l1", "l2", "cv"), runs, strict=True))
    runs = {keep[k]: runs[keep[k]] for k in args.fits.split(",")}
    # interleaved repeats: the machine's load drifts, medians compare
    fitted = {}
    for _ in range(args.repeat):
        for label, fn in runs.items():
            fitted[label] = timed(label, fn, results, client, nbytes)
    medians = {
        label: float(np.median([r["seconds"] for r in results if r["label"] == label]))
        for label in runs
    }
    base = medians.get("read only (generate + sum)", np.nan)
    for label, t in medians.items():
        print(f"median {label:<34} {t:8.2f} s  {t / base:5.2f} x read-only pass")
    if "skreg L1RegressorCV(cv=5)" in fitted:
        cv = fitted["skreg L1RegressorCV(cv=5)"]
        print(f"  L1RegressorCV alpha_ = {cv.alpha_:.4g}", flush=True)
    obj = {}
    if "skreg L1Regressor" in fitted:
        objective = objective_fn(n, p, chunk, args.seed)  # untimed extra pass
        obj["skreg L1Regressor"] = objective(
            fitted["skreg L1Regressor"].coef_, args.alpha
        )
    summary = {
        "args": vars(args),
        "results": results,
        "medians": medians,
        "objectives": obj,
    }
    if args.daskml_rows > 0:
        _daskml_comparison(args, client, kw, results, obj)
    for label, value in obj.items():
        print(f"objective {label:<34} {value:.10g}")
    client.close()
    cluster.close()
    if args.memory_rows > 0:
        rows = int(args.memory_rows)
        t_fit, t_cv, mb = in_memory(rows, p, chunk, args.seed, args.alpha)
        gb = rows * p * 8 / 1e9
        print(
            f"in-memory skreg on {rows} rows ({gb:.1f} GB): L1Regressor {t_fit:.2f} s, "
            f"L1RegressorCV(cv=5) {t_cv:.2f} s, peak {mb:.0f} MB"
        )
        summary["in_memory"] = {"rows": rows, "fit": t_fit, "cv": t_cv, "peak_MB": mb}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1, default=float)


if __name__ == "__main__":
    main()
