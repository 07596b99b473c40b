"""
=====================
Coefficient paths
=====================

How the weights move as the penalty weakens.  Along the Lasso path
(:func:`skreg.lasso_path`) features *enter* one at a time: each weight is
exactly zero until ``alpha`` drops below a threshold.  Along the Ridge path
(:func:`skreg.ridge_path`) every weight is non-zero for every ``alpha`` and
grows smoothly.  Both are computed on scikit-learn's diabetes data.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes

from skreg import lasso_path, ridge_path

data = load_diabetes()
X, y = data.data, data.target
X = X - X.mean(axis=0)  # paths take centred data (no intercept)
y = y - y.mean()

# %%
# The Lasso path is computed by warm-started coordinate descent on a
# decreasing grid of 100 alphas (from ``alpha_max``, where every weight is
# zero, down to ``1e-3 * alpha_max``).
alphas_l1, coefs_l1, _ = lasso_path(X, y, alphas=100, eps=1e-3)

# The Ridge path comes from one SVD of ``X``, read off for every alpha.
alphas_l2 = np.logspace(-3, 3, 100)
_, coefs_l2 = ridge_path(X, y, alphas=alphas_l2, fit_intercept=False)

for k in (0, 50, 99):
    print(
        f"Lasso alpha={alphas_l1[k]:8.3f}: "
        f"{np.count_nonzero(coefs_l1[:, k]):2d} non-zero weights"
    )

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
for j, name in enumerate(data.feature_names):
    ax1.plot(alphas_l1, coefs_l1[j], label=name)
    ax2.plot(alphas_l2, coefs_l2[j], label=name)
ax1.set_xscale("log")
ax1.invert_xaxis()
ax1.set_xlabel("alpha (Lasso scaling)")
ax1.set_ylabel("weight")
ax1.set_title("L1: features enter one at a time")
ax2.set_xscale("log")
ax2.invert_xaxis()
ax2.set_xlabel("alpha (Ridge scaling)")
ax2.set_title("L2: all weights shrink smoothly")
ax2.legend(fontsize="x-small", ncol=2)
fig.tight_layout()
plt.show()

# %%
# The same picture in one call
# ----------------------------
# :class:`skreg.plot.RegularizationPathDisplay` draws the coefficient paths
# of a fitted CV estimator next to its cross-validation error curve, with the
# chosen ``alpha_`` marked.
from skreg import L1RegressorCV  # noqa: E402
from skreg.plot import RegularizationPathDisplay  # noqa: E402

reg = L1RegressorCV(alphas=50, cv=5).fit(data.data, data.target)
disp = RegularizationPathDisplay.from_estimator(reg, data.data, data.target)
print(f"alpha_ chosen by 5-fold CV: {reg.alpha_:.4f}")
plt.show()
