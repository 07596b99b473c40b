"""
==========================================================
Choosing alpha: CV minimum, one standard error, BIC
==========================================================

Three ways to pick the Lasso's ``alpha`` on the same data:

* the minimum of the cross-validated error (``alpha_rule='min'``, the
  default of :class:`~skreg.L1RegressorCV`, as scikit-learn's ``LassoCV``);
* the one-standard-error rule (``alpha_rule='1se'``, glmnet's
  ``lambda.1se``): the largest ``alpha`` whose CV error is within one
  standard error of the minimum, a sparser model that is statistically as
  good;
* the Bayesian information criterion over a single path
  (:class:`~skreg.L1RegressorIC`, scikit-learn's ``LassoLarsIC`` criterion
  without LARS): no cross-validation at all.

The data have 10 informative features among 200, so we can count how many
of each model's selected features are real.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import KFold

from skreg import L1RegressorCV, L1RegressorIC
from skreg.plot import RegularizationPathDisplay

rng = np.random.RandomState(3)
n_samples, n_features, n_informative = 150, 200, 10
X = rng.randn(n_samples, n_features)
true_coef = np.zeros(n_features)
true_coef[:n_informative] = rng.choice([-1, 1], n_informative) * rng.uniform(
    0.5, 2.0, n_informative
)
noise_sd = 1.5
y = X @ true_coef + noise_sd * rng.randn(n_samples)

# %%
# Cross-validation: one path per fold gives both rules
# ------------------------------------------------------
# ``alpha_1se_`` is always computed; ``alpha_rule`` only chooses which of the
# two alphas the final model is refitted at, from the same fold paths.
cv = KFold(5, shuffle=True, random_state=0)
cv_min = L1RegressorCV(cv=cv, alphas=60).fit(X, y)
cv_1se = L1RegressorCV(cv=cv, alphas=60, alpha_rule="1se").fit(X, y)

# %%
# BIC: one path, no folds
# -----------------------
# With more features than samples the noise variance cannot be estimated by
# least squares, so it is given (in practice: from a pilot fit or prior
# knowledge).
bic = L1RegressorIC(criterion="bic", noise_variance=noise_sd**2, alphas=60).fit(X, y)

# %%
# The selected models
# -------------------
# Every selection rule is an entry of this dictionary: the table and the
# coefficient plot below go over all of them.
models = {
    "CV minimum": cv_min,
    "CV one standard error": cv_1se,
    "BIC": bic,
}
informative = np.arange(n_features) < n_informative
print(f"{'rule':<24}{'alpha':>8}{'selected':>10}{'true':>6}{'false':>7}")
for name, model in models.items():
    selected = model.coef_ != 0
    print(
        f"{name:<24}{model.alpha_:>8.3f}{selected.sum():>10}"
        f"{(selected & informative).sum():>6}{(selected & ~informative).sum():>7}"
    )

# %%
# The curves the alphas are chosen on
# -----------------------------------
# Left, as glmnet's ``plot.cv.glmnet``: the mean CV error with error bars of
# one standard error, and vertical lines at the minimum and at the
# one-standard-error alpha.  Right, the BIC along the path.
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
RegularizationPathDisplay.from_estimator(cv_min, ax=axes[0], kind="cv")
RegularizationPathDisplay.from_estimator(bic, ax=axes[1], kind="criterion")
fig.tight_layout()

# %%
# The coefficients of each selected model
# ---------------------------------------
# The first ten features are the informative ones.  The CV minimum keeps
# the most noise features; the one-standard-error rule and BIC shrink
# more and keep fewer.
shown = np.arange(30)
fig, ax = plt.subplots(figsize=(11, 4))
ax.plot(shown, true_coef[shown], "k_", markersize=14, mew=2, label="true")
width = 0.8 / len(models)
for k, (name, model) in enumerate(models.items()):
    offset = (k - (len(models) - 1) / 2) * width
    ax.bar(shown + offset, model.coef_[shown], width, label=name)
ax.axvline(n_informative - 0.5, color="0.5", linestyle=":")
ax.set_xlabel("feature (the first 30 of 200)")
ax.set_ylabel("coefficient")
ax.legend(fontsize="small")
ax.set_title("Lasso coefficients at the alpha of each rule")
fig.tight_layout()
plt.show()
