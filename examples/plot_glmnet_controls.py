"""
=======================================================
Penalty factors and box constraints (glmnet's controls)
=======================================================

Two controls that R users reach for in glmnet and that scikit-learn's
Lasso lacks:

- ``penalty_factor`` multiplies ``alpha`` per feature.  A factor of 0 keeps
  a feature unpenalised, in the model at every ``alpha``: the usual way to
  adjust for known confounders (age, sex, batch) while the Lasso selects
  among the candidate predictors.  ``np.inf`` leaves a feature out.
- ``lower_bounds`` and ``upper_bounds`` box the coefficients, here to
  proportions in ``[0, 1]``.

Both go through the same coordinate-descent kernels as a plain fit (the
penalty is per feature down to the kernels), with the duality gap, screening
and the default ``alpha`` grid following them.
"""

# %%
# Confounders kept in every model
# -------------------------------
# Two confounders drive the outcome and are correlated with the candidates.
# With a plain Lasso they leave the model at large ``alpha`` and the
# candidates correlated with them enter in their place; with a factor of 0
# they stay, and the path selects among the candidates only.
import matplotlib.pyplot as plt
import numpy as np

from skreg import L1Regressor, L1RegressorCV, lasso_path

rng = np.random.default_rng(0)
n, p = 200, 30
confounders = rng.standard_normal((n, 2))
candidates = rng.standard_normal((n, p)) + 0.8 * confounders[:, [0]]
X = np.column_stack([confounders, candidates])
coef = np.zeros(p + 2)
coef[:2] = [3.0, -2.0]
coef[2:6] = [1.5, -1.0, 1.0, 0.5]
y = X @ coef + rng.standard_normal(n)

factor = np.ones(p + 2)
factor[:2] = 0.0
Xc, yc = X - X.mean(0), y - y.mean()
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, pf, title in [
    (axes[0], None, "plain Lasso"),
    (axes[1], factor, "confounders unpenalised"),
]:
    alphas, coefs, _ = lasso_path(Xc, yc, penalty_factor=pf, alphas=60)
    ax.semilogx(alphas, coefs[2:].T, color="0.7", lw=0.8)
    ax.semilogx(alphas, coefs[:2].T, lw=2.5, label=["confounder 1", "confounder 2"])
    ax.invert_xaxis()
    ax.set(title=title, xlabel="alpha")
axes[0].set_ylabel("coefficient")
axes[0].legend()
fig.tight_layout()

cv = L1RegressorCV(cv=5, penalty_factor=factor).fit(X, y)
print(f"CV alpha: {cv.alpha_:.3g}; confounders {cv.coef_[:2].round(2)}")
print(f"selected candidates: {np.flatnonzero(cv.coef_[2:])}")

# %%
# Coefficients that are proportions
# ---------------------------------
# The outcome is a mixture of five sources with weights in [0, 1]; with
# few, noisy samples the unconstrained fit leaves the box, the bounded one
# cannot.
n, k = 40, 5
sources = rng.uniform(0, 1, (n, k))
weights = np.array([0.6, 0.3, 0.1, 0.0, 0.0])
mix = sources @ weights + 0.15 * rng.standard_normal(n)
free = L1Regressor(alpha=1e-3).fit(sources, mix)
boxed = L1Regressor(alpha=1e-3, lower_bounds=0.0, upper_bounds=1.0).fit(sources, mix)

fig, ax = plt.subplots(figsize=(6, 3.5))
x = np.arange(k)
ax.bar(x - 0.25, weights, 0.25, label="true")
ax.bar(x, free.coef_, 0.25, label="unconstrained")
ax.bar(x + 0.25, boxed.coef_, 0.25, label="bounds [0, 1]")
ax.axhline(0, color="k", lw=0.8)
ax.set(xlabel="source", ylabel="weight", xticks=x)
ax.legend()
fig.tight_layout()
plt.show()
