"""
==========================
skreg vs sklearn timing
==========================

Fit times of skreg's estimators and their scikit-learn counterparts on the
same problems, each the fastest of a few fits.  The problems are kept small
so that this example runs in seconds; the ``benchmarks/`` folder of the
repository has the full comparison (larger, sparse and ``p >> n`` problems,
paths and cross-validation).

The first skreg fit in a fresh process loads the Numba kernels from the
on-disk cache (or compiles them on a cold cache); it is excluded here.
"""

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_regression
from sklearn.linear_model import ElasticNet, Lasso, Ridge

from skreg import ElasticNetRegressor, L1Regressor, L2Regressor


def best_time(model, X, y, repeat=2):
    model.fit(X, y)  # warm-up: loads cached kernels
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - t0)
    return min(times), model.coef_


problems = {
    "n=500, p=200": make_regression(
        n_samples=500, n_features=200, n_informative=20, noise=5, random_state=0
    ),
    "n=200, p=1000": make_regression(
        n_samples=200, n_features=1000, n_informative=20, noise=5, random_state=0
    ),
}
pairs = {
    "L1 / Lasso": (L1Regressor(alpha=1.0), Lasso(alpha=1.0)),
    "EN / ElasticNet": (
        ElasticNetRegressor(alpha=1.0, l1_ratio=0.5),
        ElasticNet(alpha=1.0, l1_ratio=0.5),
    ),
    "L2 / Ridge": (L2Regressor(alpha=1.0), Ridge(alpha=1.0)),
}

rows = []
for pname, (X, y) in problems.items():
    for ename, (ours, ref) in pairs.items():
        t_ours, c_ours = best_time(ours, X, y)
        t_ref, c_ref = best_time(ref, X, y)
        rel = np.abs(c_ours - c_ref).max() / np.abs(c_ref).max()
        rows.append((pname, ename, t_ours, t_ref))
        print(
            f"{pname:>14} {ename:>16}: skreg {1e3 * t_ours:7.2f} ms  "
            f"sklearn {1e3 * t_ref:7.2f} ms  rel. coef diff {rel:.1e}"
        )

# %%
fig, ax = plt.subplots(figsize=(8, 4))
labels = [f"{e}\n{p}" for p, e, _, _ in rows]
x = np.arange(len(rows))
ax.bar(x - 0.2, [1e3 * r[2] for r in rows], 0.4, label="skreg")
ax.bar(x + 0.2, [1e3 * r[3] for r in rows], 0.4, label="scikit-learn")
ax.set_xticks(x, labels, fontsize="x-small")
ax.set_ylabel("fit time (ms)")
ax.set_yscale("log")
ax.legend()
ax.set_title("Fit time, fastest of 2 (smaller is better)")
fig.tight_layout()
plt.show()
