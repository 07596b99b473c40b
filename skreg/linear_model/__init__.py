"""Estimators: thin scikit-learn glue over the solvers."""

from skreg.linear_model._cv import (
    ElasticNetRegressorCV,
    L1RegressorCV,
    L2RegressorCV,
)
from skreg.linear_model._l1 import ElasticNetRegressor, L1Regressor
from skreg.linear_model._l2 import L2Regressor

__all__ = [
    "ElasticNetRegressor",
    "ElasticNetRegressorCV",
    "L1Regressor",
    "L1RegressorCV",
    "L2Regressor",
    "L2RegressorCV",
]
