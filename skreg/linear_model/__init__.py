"""Estimators: thin scikit-learn glue over the solvers."""

from skreg.linear_model._l1 import ElasticNetRegressor, L1Regressor

__all__ = ["ElasticNetRegressor", "L1Regressor"]
