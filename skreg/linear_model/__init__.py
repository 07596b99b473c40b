"""Estimators: thin scikit-learn glue over the solvers."""

from skreg.linear_model._cv import ElasticNetRegressorCV, L1RegressorCV
from skreg.linear_model._ic import ElasticNetRegressorIC, L1RegressorIC
from skreg.linear_model._l1 import ElasticNetRegressor, L1Regressor
from skreg.linear_model._l2 import L2Regressor
from skreg.linear_model._multitask import (
    MultiTaskElasticNetRegressor,
    MultiTaskL1Regressor,
)
from skreg.linear_model._multitask_cv import (
    MultiTaskElasticNetRegressorCV,
    MultiTaskL1RegressorCV,
)
from skreg.linear_model._ridge_cv import L2RegressorCV
from skreg.linear_model._ridge_regression import ridge_regression

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
    "ridge_regression",
]
