"""
=========================================
L1 vs L2 weights: sparsity vs shrinkage
=========================================

The same data, three penalties.  The L1 penalty (:class:`~skreg.L1Regressor`,
the Lasso) sets most weights *exactly* to zero; the L2 penalty
(:class:`~skreg.L2Regressor`, Ridge) only shrinks them towards zero, so every
feature keeps a small non-zero weight; the elastic net
(:class:`~skreg.ElasticNetRegressor`) sits in between.

The data have 30 features of which only 5 carry signal.
"""

# %%
# Data with a sparse ground truth
# -------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_regression

from skreg import ElasticNetRegressor, L1Regressor, L2Regressor

X, y, true_coef = make_regression(
    n_samples=100,
    n_features=30,
    n_informative=5,
    noise=10.0,
    coef=True,
    random_state=0,
)

# %%
# Fit the three estimators
# ------------------------
# ``L1Regressor`` and ``ElasticNetRegressor`` use the Lasso's scaling
# (squared error divided by ``2 n``); ``L2Regressor`` uses Ridge's (plain sum
# of squares), so its ``alpha`` is on a different scale: see the user guide.
l1 = L1Regressor(alpha=2.0).fit(X, y)
l2 = L2Regressor(alpha=20.0).fit(X, y)
enet = ElasticNetRegressor(alpha=2.0, l1_ratio=0.5).fit(X, y)

for name, model in [("L1", l1), ("L2", l2), ("ElasticNet", enet)]:
    print(
        f"{name:>10}: {np.count_nonzero(model.coef_):2d} non-zero weights of "
        f"{X.shape[1]}, smallest |w| = {np.abs(model.coef_).min():.3g}"
    )

# %%
# Weights side by side
# --------------------
# Markers on the zero line are exact zeros.
idx = np.arange(X.shape[1])
fig, ax = plt.subplots(figsize=(9, 4))
ax.axhline(0, color="grey", lw=0.8)
ax.plot(idx, true_coef, "k*", ms=10, label="true weights")
ax.plot(idx - 0.2, l1.coef_, "o", label=f"L1 (nnz={np.count_nonzero(l1.coef_)})")
ax.plot(idx, enet.coef_, "^", label=f"ElasticNet (nnz={np.count_nonzero(enet.coef_)})")
ax.plot(idx + 0.2, l2.coef_, "s", label=f"L2 (nnz={np.count_nonzero(l2.coef_)})")
ax.set_xlabel("feature index")
ax.set_ylabel("weight")
ax.set_title("L1 zeros out noise features, L2 only shrinks them")
ax.legend(loc="upper right", fontsize="small")
fig.tight_layout()

# %%
# A closer look at the 25 noise features: L1's are all (or nearly all)
# exactly zero, L2's are small but non-zero.
noise = true_coef == 0
fig, ax = plt.subplots(figsize=(9, 3))
ax.axhline(0, color="grey", lw=0.8)
ax.plot(idx[noise] - 0.2, l1.coef_[noise], "o", label="L1")
ax.plot(idx[noise] + 0.2, l2.coef_[noise], "s", color="C2", label="L2")
ax.set_xlabel("noise feature index")
ax.set_ylabel("weight")
ax.legend(fontsize="small")
fig.tight_layout()
plt.show()
