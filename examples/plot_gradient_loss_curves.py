"""
=====================================
Gradient-descent loss curves
=====================================

Besides coordinate descent, every skreg estimator can be fitted by
*proximal gradient descent* (``solver="gd"``) or by its accelerated version
FISTA (``solver="fista"``, Nesterov momentum with adaptive restart).  Each
epoch takes one gradient step on the squared error and then applies the
penalty's proximal operator (soft-thresholding for L1, scaling for L2).

The objective after every epoch is kept in the fitted attribute
``loss_history_`` (one array per target).  With ``verbose=1`` the same
numbers are printed as ``epoch k/N  loss ...  gap ...`` lines.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skreg import ElasticNetRegressor, L1Regressor, L2Regressor

X, y = make_regression(
    n_samples=300,
    n_features=60,
    n_informative=10,
    noise=5.0,
    effective_rank=20,
    random_state=0,
)
X = StandardScaler().fit_transform(X)

# %%
# A few epochs with ``verbose=1`` (5 epochs are too few to converge, hence
# the silenced ConvergenceWarning):
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    L1Regressor(alpha=0.1, solver="fista", max_iter=5, verbose=1).fit(X, y)

# %%
# Loss curves
# -----------
# The y-axis shows the objective minus its minimum (reached by coordinate
# descent with a tight tolerance), on a log scale.  FISTA needs far fewer
# epochs than plain gradient descent; its curve is not monotone because of
# the momentum, and the restarts bring it back down.
models = {
    "L1": lambda s: L1Regressor(alpha=0.1, solver=s, tol=1e-8, max_iter=3000),
    "ElasticNet": lambda s: ElasticNetRegressor(
        alpha=0.1, l1_ratio=0.5, solver=s, tol=1e-8, max_iter=3000
    ),
    "L2": lambda s: L2Regressor(alpha=10.0, solver=s, tol=1e-8, max_iter=3000),
}

fig, axes = plt.subplots(1, 3, figsize=(13, 4))
for ax, (name, make) in zip(axes, models.items(), strict=True):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        curves = {
            s: np.ravel(make(s).fit(X, y).loss_history_[0]) for s in ("gd", "fista")
        }
    best = min(c.min() for c in curves.values())
    for solver, curve in curves.items():
        gap = np.maximum(curve - best, 1e-12 * abs(best))
        ax.semilogy(np.arange(1, len(curve) + 1), gap, label=solver)
    ax.set_title(f"{name}")
    ax.set_xlabel("epoch")
    ax.legend()
axes[0].set_ylabel("loss - min loss")
fig.tight_layout()
plt.show()
