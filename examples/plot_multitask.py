"""
=====================================================
Joint feature selection across targets (multi-task)
=====================================================

Several related targets often depend on the same few features.  Fitting a
Lasso per target (:class:`skreg.L1Regressor` with a 2-d ``y``) selects
features for each target on its own: with noise, each target keeps a
different set, with spurious features here and there and true ones missed.

:class:`skreg.MultiTaskL1Regressor` penalises the norm of each feature's row
of coefficients (the L2,1 norm), so a feature is kept for all targets or
dropped for all: the targets pool their evidence about which features
matter.  (:class:`skreg.MultiTaskL1RegressorCV` chooses its ``alpha`` by
cross-validation; fixed values keep this example short.)
"""

# %%
# Targets sharing a support
# -------------------------
# 40 tasks observed on 100 samples of 30 features; 5 features drive every
# task, with coefficients that vary smoothly from task to task.
import matplotlib.pyplot as plt
import numpy as np

from skreg import L1Regressor, MultiTaskL1Regressor, lasso_path
from skreg.plot import RegularizationPathDisplay

rng = np.random.RandomState(42)
n_samples, n_features, n_tasks, n_relevant = 100, 30, 40, 5
times = np.linspace(0, 2 * np.pi, n_tasks)
coef = np.zeros((n_tasks, n_features))
for k in range(n_relevant):
    coef[:, k] = np.sin((1.0 + rng.randn(1)) * times + 3 * rng.randn(1))
X = rng.randn(n_samples, n_features)
Y = X @ coef.T + rng.randn(n_samples, n_tasks)

# %%
# Per-target Lasso against the multi-task Lasso
# ---------------------------------------------
# a 2-d y: one independent Lasso per target
per_target = L1Regressor(alpha=0.2).fit(X, Y).coef_
mt = MultiTaskL1Regressor(alpha=1.0).fit(X, Y)


for name, c in (("per-target Lasso", per_target), ("multi-task Lasso", mt.coef_)):
    # (task, feature) pairs: true ones missed, spurious ones kept
    missed = np.count_nonzero((coef != 0) & (c == 0))
    spurious = np.count_nonzero((coef == 0) & (c != 0))
    error = np.linalg.norm(c - coef)
    print(f"{name}: {missed} missed, {spurious} spurious, error {error:.2f}")

fig, axes = plt.subplots(1, 3, figsize=(12, 4))
for ax, c, title in (
    (axes[0], coef, "true coefficients"),
    (axes[1], per_target, "Lasso per target"),
    (axes[2], mt.coef_, "MultiTaskL1Regressor"),
):
    ax.spy(c.T, aspect="auto", markersize=2)
    ax.set_xlabel("task")
    ax.set_ylabel("feature")
    ax.set_title(title)
fig.suptitle("Supports: joint selection keeps or drops whole rows")
fig.tight_layout()

# %%
# The multi-task path
# -------------------
# Along the multi-task path each feature enters for every task at once; the
# display draws the norm of each feature's row of coefficients.
Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
alphas, coefs, _ = lasso_path(Xc, Yc, alphas=40, multi_task=True)
RegularizationPathDisplay.from_path(alphas, coefs, alpha_=mt.alpha)
plt.show()
