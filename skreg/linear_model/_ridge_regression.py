"""ridge_regression: scikit-learn's Ridge function on L2Regressor's solvers."""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, validate_params

from skreg.linear_model._l2 import L2Regressor

__all__ = ["ridge_regression"]

# scikit-learn's names that cannot fit an intercept or a positive model in
# its ridge_regression; skreg's own solvers ('cd', 'gd', 'fista') can.
_NO_INTERCEPT = ("svd", "cholesky", "lsqr", "sparse_cg", "saga", "lbfgs")
_NO_POSITIVE = ("svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga")


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "sample_weight": [Real, "array-like", None],
        "solver": L2Regressor._parameter_constraints["solver"],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "positive": ["boolean"],
        "random_state": ["random_state"],
        "return_n_iter": ["boolean"],
        "return_intercept": ["boolean"],
        "check_input": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def ridge_regression(
    X,
    y,
    alpha,
    *,
    sample_weight=None,
    solver="auto",
    max_iter=None,
    tol=1e-4,
    verbose=0,
    positive=False,
    random_state=None,
    return_n_iter=False,
    return_intercept=False,
    check_input=True,
):
    r"""Solve the ridge equation by the method of normal equations.

    A drop-in replacement for :func:`sklearn.linear_model.ridge_regression`:
    it fits :class:`L2Regressor` (without intercept unless
    ``return_intercept``) and returns its coefficients.  The objective is

    .. math::

        \sum_i s_i (y_i - x_i^\top w - b)^2 + \alpha \|w\|_2^2

    with ``b = 0`` unless ``return_intercept=True``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Target values.
    alpha : float or array-like of shape (n_targets,)
        Constant that multiplies the L2 term, ``alpha >= 0``; an array gives
        one penalty per target.
    sample_weight : float or array-like of shape (n_samples,), default=None
        Individual weights for each sample (raw, not rescaled).
    solver : {'auto', 'svd', 'cholesky', 'lsqr', 'sparse_cg', 'sag', 'saga', \
            'lbfgs', 'cd', 'gd', 'fista'}, default='auto'
        Solver, as in :class:`L2Regressor` (``'sag'`` and ``'saga'`` run
        ``'lsqr'``).
    max_iter : int, default=None
        Maximum number of iterations of the iterative solvers.
    tol : float, default=1e-4
        Precision of the solution, with the meaning it has for ``solver``
        in :class:`L2Regressor`.
    verbose : int, default=0
        Verbosity of the gradient solvers.
    positive : bool, default=False
        Force the coefficients to be positive.  As in scikit-learn, of its
        solver names only ``'lbfgs'`` (and ``'auto'``) accept it; skreg's
        ``'cd'``, ``'gd'`` and ``'fista'`` do too.
    random_state : int, RandomState instance or None, default=None
        Unused, kept for compatibility.
    return_n_iter : bool, default=False
        Also return the number of iterations.
    return_intercept : bool, default=False
        Fit and return an intercept.  As in scikit-learn, of its solver
        names only ``'sag'`` and ``'auto'`` accept it; skreg's ``'cd'``,
        ``'gd'`` and ``'fista'`` do too.
    check_input : bool, default=True
        Kept for compatibility: the input is always checked.

    Returns
    -------
    coef : ndarray of shape (n_features,) or (n_targets, n_features)
        Weight vector(s).
    n_iter : ndarray of shape (n_targets,)
        Number of iterations per target (1 for the closed-form solvers).
        Only returned if ``return_n_iter``.
    intercept : float or ndarray of shape (n_targets,)
        The intercept.  Only returned if ``return_intercept``.

    See Also
    --------
    L2Regressor : The estimator form, with an intercept by default.
    sklearn.linear_model.ridge_regression : The function this mirrors.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import ridge_regression
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(100, 4)
    >>> y = 2.0 * X[:, 0] - 1.0 * X[:, 1] + 0.1 * rng.standard_normal(100)
    >>> coef, intercept = ridge_regression(X, y, alpha=1.0, return_intercept=True)
    >>> print(coef[:2].round(2), round(float(intercept), 4))
    [ 1.97 -1.  ] -0.0013
    """
    if positive and solver in _NO_POSITIVE:
        raise ValueError(
            "When positive=True, only 'lbfgs' solver can be used among "
            "scikit-learn's solvers (skreg's 'cd', 'gd' and 'fista' also "
            f"support it); got solver={solver!r}."
        )
    if return_intercept and solver in _NO_INTERCEPT:
        raise ValueError(
            "In Ridge, only 'sag' solver can directly fit the intercept among "
            "scikit-learn's solvers (skreg's 'cd', 'gd' and 'fista' can too). "
            "Please change solver or set return_intercept=False."
        )
    est = L2Regressor(
        alpha=alpha,
        fit_intercept=return_intercept,
        max_iter=max_iter,
        tol=tol,
        solver=solver,
        positive=positive,
        random_state=random_state,
        verbose=verbose,
    ).fit(X, y, sample_weight=sample_weight)
    out = (est.coef_,)
    if return_n_iter:
        out += (est.n_iter_,)
    if return_intercept:
        out += (est.intercept_,)
    return out[0] if len(out) == 1 else out
