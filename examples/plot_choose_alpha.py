"""
==========================================================
Choosing alpha: train vs validation error
==========================================================

Too little regularisation overfits (small training error, large validation
error); too much underfits (both errors large).  The validation error is
smallest in between.  Here ``alpha`` is chosen two ways:

* with :class:`~sklearn.model_selection.GridSearchCV` around
  :class:`~skreg.L1Regressor`, which also records the training error;
* with :class:`~skreg.L1RegressorCV`, which computes the whole
  regularisation path once per fold (warm starts, screening) and is much
  faster than refitting for each alpha.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_regression
from sklearn.model_selection import GridSearchCV, KFold

from skreg import L1Regressor, L1RegressorCV

# Few samples for many features: 60 samples (48 per training fold), 40
# features, only 5 of them informative, and a lot of noise.  With little
# regularisation the fit is close to least squares and chases the noise.
X, y = make_regression(
    n_samples=60, n_features=40, n_informative=5, noise=20.0, random_state=1
)
cv = KFold(n_splits=5, shuffle=True, random_state=0)
alphas = np.logspace(-3, 1.5, 20)

# %%
# Grid search
# -----------
search = GridSearchCV(
    L1Regressor(max_iter=5000),
    {"alpha": alphas},
    cv=cv,
    scoring="neg_mean_squared_error",
    return_train_score=True,
).fit(X, y)
train_mse = -search.cv_results_["mean_train_score"]
valid_mse = -search.cv_results_["mean_test_score"]
print(f"GridSearchCV best alpha:  {search.best_params_['alpha']:.4f}")

# %%
# The CV estimator
# ----------------
# ``mse_path_`` holds the validation error of every alpha on every fold.
model = L1RegressorCV(alphas=alphas, cv=cv, max_iter=5000).fit(X, y)
print(f"L1RegressorCV alpha_:     {model.alpha_:.4f}")
print(f"non-zero weights at alpha_: {np.count_nonzero(model.coef_)}")

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
ax.semilogx(alphas, train_mse, "o-", ms=3, label="train (GridSearchCV)")
ax.semilogx(alphas, valid_mse, "o-", ms=3, label="validation (GridSearchCV)")
ax.semilogx(
    model.alphas_,
    model.mse_path_.mean(axis=-1),
    "--",
    label="validation (L1RegressorCV)",
)
ax.axvline(model.alpha_, color="k", ls=":", label=f"alpha_ = {model.alpha_:.3g}")
ax.set_xlabel("alpha")
ax.set_ylabel("mean squared error")
ax.set_yscale("log")
ax.annotate(
    "overfitting",
    xy=(alphas[1], valid_mse[1]),
    xytext=(0.02, 0.9),
    textcoords="axes fraction",
)
ax.annotate(
    "underfitting",
    xy=(alphas[-2], valid_mse[-2]),
    xytext=(0.75, 0.9),
    textcoords="axes fraction",
)
ax.legend(fontsize="small", loc="lower right")
ax.set_title("Lasso: training and validation error against alpha")
fig.tight_layout()
plt.show()

# %%
# The same for Ridge
# ------------------
# :class:`~skreg.L2RegressorCV` (like scikit-learn's ``RidgeCV``) scores
# every ``alpha`` by leave-one-out, computed in closed form from a single
# decomposition of ``X``: no refits at all.  Note the different scale of
# Ridge's ``alpha`` (see the user guide).
from skreg import L2RegressorCV  # noqa: E402

ridge = L2RegressorCV(alphas=np.logspace(-2, 4, 30)).fit(X, y)
print(f"L2RegressorCV alpha_ (leave-one-out): {ridge.alpha_:.3g}")
