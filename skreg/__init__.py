"""skreg: scikit-learn compatible regularised linear regressors.

``L1Regressor`` (Lasso), ``L2Regressor`` (Ridge) and ``ElasticNetRegressor``
fit with Numba-jitted coordinate-descent and gradient kernels and give the
same answers as their scikit-learn counterparts.
"""

from skreg._config import ensure_cache_dir

ensure_cache_dir()

from skreg import penalties, stats  # noqa: E402
from skreg.linear_model import (  # noqa: E402
    ElasticNetRegressor,
    ElasticNetRegressorCV,
    ElasticNetRegressorIC,
    L1Regressor,
    L1RegressorCV,
    L1RegressorIC,
    L2Regressor,
    L2RegressorCV,
    MultiTaskElasticNetRegressor,
    MultiTaskElasticNetRegressorCV,
    MultiTaskL1Regressor,
    MultiTaskL1RegressorCV,
    ridge_regression,
)
from skreg.path import enet_path, lasso_path, ridge_path  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "ElasticNetRegressor",
    "ElasticNetRegressorCV",
    "ElasticNetRegressorIC",
    "L1Regressor",
    "L1RegressorCV",
    "L1RegressorIC",
    "L2Regressor",
    "L2RegressorCV",
    "MultiTaskElasticNetRegressor",
    "MultiTaskElasticNetRegressorCV",
    "MultiTaskL1Regressor",
    "MultiTaskL1RegressorCV",
    "__version__",
    "enet_path",
    "lasso_path",
    "penalties",
    "ridge_path",
    "ridge_regression",
    "stats",
]
