"""skreg: scikit-learn compatible regularised linear regressors.

``L1Regressor`` (Lasso), ``L2Regressor`` (Ridge) and ``ElasticNetRegressor``
fit with Numba-jitted coordinate-descent and gradient kernels and give the
same answers as their scikit-learn counterparts.
"""

from skreg._config import ensure_cache_dir

ensure_cache_dir()

from skreg.linear_model import (  # noqa: E402
    ElasticNetRegressor,
    L1Regressor,
    L2Regressor,
)
from skreg import penalties  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "ElasticNetRegressor",
    "L1Regressor",
    "L2Regressor",
    "__version__",
    "penalties",
]
