"""The public skreg estimators and their scikit-learn counterparts.

Discovered from ``skreg.__all__`` so that estimators landing later (the CV
estimators) are covered by the ecosystem and bad-input tests without
editing them.
"""

import numpy as np
import sklearn.linear_model as sklm
from sklearn.base import BaseEstimator

import skreg

# skreg name -> scikit-learn class with the same objective and defaults.
COUNTERPARTS = {
    "L1Regressor": "Lasso",
    "ElasticNetRegressor": "ElasticNet",
    "L2Regressor": "Ridge",
    "L1RegressorCV": "LassoCV",
    "ElasticNetRegressorCV": "ElasticNetCV",
    "L2RegressorCV": "RidgeCV",
    "MultiTaskL1Regressor": "MultiTaskLasso",
    "MultiTaskElasticNetRegressor": "MultiTaskElasticNet",
    "MultiTaskL1RegressorCV": "MultiTaskLassoCV",
    "MultiTaskElasticNetRegressorCV": "MultiTaskElasticNetCV",
}


def all_estimators():
    """Every public estimator class of skreg, in ``__all__`` order."""
    classes = []
    for name in skreg.__all__:
        obj = getattr(skreg, name, None)
        if isinstance(obj, type) and issubclass(obj, BaseEstimator):
            classes.append(obj)
    return classes


def is_multitask(cls):
    """Estimators that need a 2-d ``y`` (scikit-learn's MultiTask* family)."""
    return not cls().__sklearn_tags__().target_tags.single_output


def public_estimators():
    """The public estimators that fit a 1-d ``y`` (the ecosystem and
    bad-input tests' subjects; the multi-task ones have their own tests)."""
    return [cls for cls in all_estimators() if not is_multitask(cls)]


# Public estimators without a scikit-learn counterpart that fits the same
# model: the information-criterion estimators choose alpha on a
# coordinate-descent grid, LassoLarsIC on its LARS kinks.  check_estimator
# covers them (tests/test_common.py), tests/test_ic.py compares them with
# LassoLarsIC, a direct computation and checks their input handling; the
# suites that compare every fit with its counterpart's leave them out.
NO_COUNTERPART = {"L1RegressorIC", "ElasticNetRegressorIC"}


def compared_estimators():
    """The 1-d-``y`` public estimators that have a scikit-learn counterpart."""
    return [c for c in public_estimators() if c.__name__ not in NO_COUNTERPART]


def multitask_estimators():
    """The public estimators that need a 2-d ``y``."""
    return [cls for cls in all_estimators() if is_multitask(cls)]


def is_cv(cls):
    return cls.__name__.endswith("CV")


def counterpart(cls):
    """The scikit-learn class mirrored by ``cls`` (None when unknown)."""
    name = COUNTERPARTS.get(cls.__name__)
    return getattr(sklm, name) if name else None


def _tight(est):
    params = est.get_params()
    if "tol" in params:
        est.set_params(tol=1e-10)
    if "max_iter" in params and params["max_iter"] is not None:
        est.set_params(max_iter=100_000)
    if "cv" in params:
        est.set_params(cv=3)
    return est


def make_pair(cls, **params):
    """``(skreg estimator, scikit-learn estimator or None)``, same params, tight tol."""
    ours = _tight(cls(**params))
    Ref = counterpart(cls)
    ref = _tight(Ref(**params)) if Ref is not None else None
    return ours, ref


def small_problem(n=30, p=5, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) + rng.rand(p)
    y = X @ rng.randn(p) + 0.3 * rng.randn(n) + 1.0
    return X, y
