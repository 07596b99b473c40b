"""The glmnet-style penalty parameters: per-feature factors and bounds.

``penalty_factor`` multiplies the penalty of each feature (0 leaves it
unpenalised, ``inf`` leaves it out of the model); ``lower_bounds`` and
``upper_bounds`` box the coefficients.  As glmnet's ``lower.limits`` and
``upper.limits``, the box must contain 0: the all-zero model is then
feasible at every ``alpha``, so ``alpha_max`` and the warm-started paths
keep their meaning.
"""

from numbers import Real

import numpy as np

__all__ = [
    "PENALTY_CONSTRAINTS",
    "check_controls",
    "check_penalty_params",
    "ridge_column_scale",
]

PENALTY_CONSTRAINTS = {
    "penalty_factor": ["array-like", None],
    "lower_bounds": ["array-like", Real, None],
    "upper_bounds": ["array-like", Real, None],
}


def _per_feature(value, name, n_features):
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n_features, float(arr))
    if arr.shape != (n_features,):
        raise ValueError(
            f"{name} must be a scalar or have shape ({n_features},) (one value "
            f"per feature); got shape {arr.shape}."
        )
    if np.any(np.isnan(arr)):
        raise ValueError(f"{name} must not contain NaN.")
    return arr


def check_penalty_params(est, n_features):
    """:func:`check_controls` of an estimator's parameters (those it lacks
    count as unset)."""
    return check_controls(
        n_features,
        getattr(est, "penalty_factor", None),
        getattr(est, "lower_bounds", None),
        getattr(est, "upper_bounds", None),
        getattr(est, "positive", False),
    )


def check_controls(
    n_features,
    penalty_factor=None,
    lower_bounds=None,
    upper_bounds=None,
    positive=False,
):
    """Validated ``(penalty_factor, lower, upper)``: float64 arrays of shape
    ``(n_features,)``, or None where the parameter is unset (bounds stay None
    when ``positive`` alone constrains the signs)."""
    factor = penalty_factor
    if factor is not None:
        if np.ndim(factor) != 1:
            raise ValueError(
                "penalty_factor must be a 1-d array of shape (n_features,); got "
                f"{np.ndim(factor)} dimensions."
            )
        factor = _per_feature(factor, "penalty_factor", n_features)
        if np.any(factor < 0):
            raise ValueError("penalty_factor must be >= 0 (inf leaves a feature out).")
    lower, upper = lower_bounds, upper_bounds
    if lower is not None:
        lower = _per_feature(lower, "lower_bounds", n_features)
        if np.any(lower > 0):
            raise ValueError(
                "lower_bounds must be <= 0: the bounds must contain 0, as "
                "glmnet's lower.limits."
            )
    if upper is not None:
        upper = _per_feature(upper, "upper_bounds", n_features)
        if np.any(upper < 0):
            raise ValueError(
                "upper_bounds must be >= 0: the bounds must contain 0, as "
                "glmnet's upper.limits."
            )
    if positive and lower is not None:
        lower = np.maximum(lower, 0.0)
    return factor, lower, upper


def ridge_column_scale(factor):
    """Column scales that turn a per-feature Ridge into a plain one:
    ``1 / sqrt(pf)`` for a positive factor, 0 for an infinite one (the
    feature left out) and 1 for a factor of 0 (an unpenalised column, which
    the caller handles apart)."""
    scale = np.ones(factor.shape[0])
    pos = factor > 0
    scale[pos] = np.where(np.isinf(factor[pos]), 0.0, 1.0 / np.sqrt(factor[pos]))
    return scale
