"""
====================================================
Feature selection with SelectFromModel in a Pipeline
====================================================

The exact zeros of the L1 penalty make :class:`~skreg.L1Regressor` a feature
selector: :class:`~sklearn.feature_selection.SelectFromModel` keeps the
features with a non-zero weight, and a second model is fitted on them only.
Here the selected features feed an :class:`~skreg.L2Regressor`, all inside
one :class:`~sklearn.pipeline.Pipeline` so that cross-validation selects the
features on each training fold only (no leakage).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_regression
from sklearn.feature_selection import SelectFromModel
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skreg import L1Regressor, L2Regressor

X, y, true_coef = make_regression(
    n_samples=120,
    n_features=200,
    n_informative=6,
    noise=10.0,
    coef=True,
    random_state=0,
)

selector = SelectFromModel(L1Regressor(alpha=2.0), threshold=1e-10)
pipe = make_pipeline(StandardScaler(), selector, L2Regressor(alpha=1.0))
pipe.fit(X, y)

support = pipe[1].get_support()
print(f"selected {support.sum()} of {X.shape[1]} features: {np.flatnonzero(support)}")
print(f"true informative features:       {np.flatnonzero(true_coef)}")

# %%
# Cross-validated R^2 of the pipeline against a plain Ridge on all 200
# features.
plain = make_pipeline(StandardScaler(), L2Regressor(alpha=1.0))
for name, model in [("L1 selection + L2", pipe), ("L2 on all features", plain)]:
    scores = cross_val_score(model, X, y, cv=5)
    print(f"{name:>20}: R^2 = {scores.mean():.3f} +/- {scores.std():.3f}")

# %%
coef_l1 = pipe[1].estimator_.coef_
fig, ax = plt.subplots(figsize=(9, 3.5))
ax.stem(
    np.flatnonzero(coef_l1),
    coef_l1[coef_l1 != 0],
    basefmt=" ",
    label="L1 weight (selected)",
)
ax.plot(
    np.flatnonzero(true_coef),
    np.zeros(np.count_nonzero(true_coef)),
    "r^",
    ms=9,
    label="truly informative",
)
ax.set_xlabel("feature index")
ax.set_ylabel("weight")
ax.set_xlim(-2, X.shape[1] + 2)
ax.legend(fontsize="small")
ax.set_title("Features kept by SelectFromModel(L1Regressor)")
fig.tight_layout()
plt.show()
