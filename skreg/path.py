r"""Regularisation paths: ElasticNet / Lasso by warm-started CD, Ridge by one SVD.

:func:`enet_path` and :func:`lasso_path` have the signatures and return values
of scikit-learn's; the solutions for a decreasing grid of ``alpha`` are
computed by :func:`skreg.solvers.cd.enet_cd` on one :class:`Design` built once
per path, each solve warm-started from the previous one.  At large ``alpha``
gap-safe screening discards almost every feature after one gap evaluation and
the working set holds only the few active ones, so most columns are touched
once per alpha, not once per epoch.

:func:`ridge_path` returns the Ridge solutions for many ``alpha`` from a
single SVD (or eigendecomposition) of the centred, weighted design; the same
decomposition gives the leave-one-out errors used by
:class:`skreg.L2RegressorCV`.
"""

import sys
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import (
    Hidden,
    Interval,
    StrOptions,
    validate_params,
)

from skreg._alpha_grid import alpha_grid
from skreg._penalty_params import check_controls
from skreg._ridge_path import ridge_path
from skreg.solvers.enet import resolve_gram
from skreg.solvers.path_cd import solve_path

__all__ = ["alpha_grid", "enet_path", "lasso_path", "ridge_path"]


def _resolve_alphas(n_alphas, alphas):
    # scikit-learn 1.9 deprecations: `n_alphas` and `alphas=None` give way to
    # `alphas=int`; the same FutureWarnings keep user code portable.
    grid_size = 100
    if n_alphas != "deprecated":
        warnings.warn(
            "'n_alphas' was deprecated in 1.9 and will be removed in 1.11. "
            "'alphas' now accepts an integer value which removes the need to pass "
            "'n_alphas'. Pass an explicit value to 'alphas' and leave 'n_alphas' "
            "to its default value to silence this warning.",
            FutureWarning,
            stacklevel=3,
        )
        grid_size = n_alphas
    if isinstance(alphas, str):
        return grid_size
    if alphas is None:
        warnings.warn(
            "'alphas=None' is deprecated and will be removed in 1.11, at which "
            "point the default value will be set to 100. Set 'alphas=100' "
            "to silence this warning.",
            FutureWarning,
            stacklevel=3,
        )
        return grid_size
    return alphas


_PATH_CONSTRAINTS = {
    "X": ["array-like", "sparse matrix"],
    "y": ["array-like", "sparse matrix"],
    "eps": [Interval(Real, 0, None, closed="neither")],
    "n_alphas": [
        Interval(Integral, 1, None, closed="left"),
        Hidden(StrOptions({"deprecated"})),
    ],
    "alphas": [
        Interval(Integral, 1, None, closed="left"),
        "array-like",
        None,
        Hidden(StrOptions({"warn"})),
    ],
    "precompute": [StrOptions({"auto"}), "boolean", "array-like"],
    "Xy": ["array-like", None],
    "copy_X": ["boolean"],
    "coef_init": ["array-like", None],
    "verbose": ["verbose"],
    "return_n_iter": ["boolean"],
    "positive": ["boolean"],
}

_CONTROLS = ("penalty_factor", "lower_bounds", "upper_bounds")

_PATH_PARAMS = {
    "penalty_factor",
    "lower_bounds",
    "upper_bounds",
    "X_offset",
    "X_scale",
    "sample_weight",
    "tol",
    "max_iter",
    "random_state",
    "selection",
    "do_screening",
}


@validate_params(
    {
        **_PATH_CONSTRAINTS,
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "check_input": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def enet_path(
    X,
    y,
    *,
    l1_ratio=0.5,
    eps=1e-3,
    n_alphas="deprecated",
    alphas="warn",
    precompute="auto",
    Xy=None,
    copy_X=True,
    coef_init=None,
    verbose=False,
    return_n_iter=False,
    positive=False,
    check_input=True,
    **params,
):
    r"""Compute the ElasticNet path with warm-started coordinate descent.

    The objective, for each ``alpha`` of the path, is

    .. math::

        \frac{1}{2 n} \|y - Xw\|_2^2 + \alpha \rho \|w\|_1
        + \frac{\alpha (1 - \rho)}{2} \|w\|_2^2

    with :math:`\rho` = ``l1_ratio``.  As in scikit-learn, ``X`` and ``y``
    are used as given (no intercept): centre them first, or pass
    ``X_offset`` for sparse ``X`` (implicit centring, ``X`` is never
    densified).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.  Dense ``X`` is used in Fortran order, sparse as CSC.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Target values.  A 2-D ``y`` gives scikit-learn's multi-task path
        (as ``multi_task=True``, see ``**params``): the penalty
        ``alpha * l1_ratio * sum_j |W[:, j]|_2`` shares the support across
        targets (``positive`` not allowed).
    l1_ratio : float, default=0.5
        Mixing parameter, ``0 <= l1_ratio <= 1`` (1 is the Lasso).
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    n_alphas : int, default=100
        Number of alphas along the path.

        .. deprecated:: 1.9 (as in scikit-learn)
           Pass an integer to ``alphas`` instead.
    alphas : int or array-like, default=100
        Number of alphas on the automatic grid, or the alphas themselves
        (sorted in decreasing order before use).
    precompute : 'auto', bool or array-like of shape (n_features, n_features), \
            default='auto'
        Use a Gram matrix (``'auto'``: when ``n_samples > n_features``) with
        the covariance-update kernel.  Ignored for sparse ``X``.
    Xy : array-like of shape (n_features,), default=None
        Precomputed ``X^T y`` (used with a Gram matrix and for the grid).
    copy_X : bool, default=True
        Kept for compatibility: ``X`` is never modified.
    coef_init : array-like of shape (n_features,), default=None
        Starting coefficients for the first alpha.
    verbose : bool or int, default=False
        Amount of verbosity.
    return_n_iter : bool, default=False
        Whether to return the number of iterations.
    positive : bool, default=False
        Force the coefficients to be positive.
    check_input : bool, default=True
        Validate ``X`` and ``y``; skip only when they are known to be valid.
    **params : kwargs
        ``tol`` (default 1e-4), ``max_iter`` (default 1000), ``selection``
        ('cyclic' or 'random'), ``random_state``, ``do_screening`` and, for
        sparse ``X``, ``X_offset`` / ``X_scale`` (implicit centring
        ``X - X_offset / X_scale``) and ``sample_weight`` (as scikit-learn);
        ``penalty_factor``, ``lower_bounds`` and ``upper_bounds`` as in
        :class:`~skreg.ElasticNetRegressor` (the default grid's ``alpha_max``
        follows the factors; single-task paths only).
        ``multi_task=True`` computes scikit-learn's multi-task path instead
        (the L2,1 penalty of :class:`skreg.MultiTaskElasticNetRegressor`):
        ``y`` of shape (n_samples, n_targets), ``coef_init`` of shape
        (n_targets, n_features) and ``coefs`` of shape
        (n_targets, n_features, n_alphas).

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The alphas along the path where models are computed.
    coefs : ndarray of shape (n_features, n_alphas) or \
            (n_targets, n_features, n_alphas)
        Coefficients along the path.
    dual_gaps : ndarray of shape (n_alphas,)
        The dual gaps at the end of the optimisation for each alpha.
    n_iters : list of int
        Number of epochs run for each alpha (only when ``return_n_iter``).

    See Also
    --------
    lasso_path : The ``l1_ratio=1`` path.
    skreg.ElasticNetRegressorCV : Chooses ``alpha`` and ``l1_ratio`` by CV.
    sklearn.linear_model.enet_path : The scikit-learn function this mirrors.

    Notes
    -----
    Each solve stops when the duality gap falls below
    ``tol * ||y||^2`` (in coordinate-descent scaling), scikit-learn's rule,
    so the coefficients agree with scikit-learn's to the solver tolerance.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import enet_path
    >>> X = np.array([[1.0, 2.0], [2.0, 3.5], [3.0, 2.0], [4.0, 5.0]])
    >>> y = np.array([1.0, 2.0, 3.0, 4.5])
    >>> alphas, coefs, gaps = enet_path(X, y, alphas=3, l1_ratio=0.9)
    >>> alphas.shape, coefs.shape
    ((3,), (2, 3))
    >>> bool(np.all(coefs[:, 0] == 0))
    True
    """
    multi_task = params.pop("multi_task", False)
    if multi_task or (not sparse.issparse(y) and np.ndim(y) == 2):
        # the L2,1 (MultiTaskElasticNet) path: skreg._multitask_path, also
        # for any 2-d y, as scikit-learn's enet_path
        return _multitask_path(
            X, y, l1_ratio=l1_ratio, eps=eps, alphas=_resolve_alphas(n_alphas, alphas),
            Xy=Xy, coef_init=coef_init, verbose=verbose, return_n_iter=return_n_iter,
            positive=positive, check_input=check_input, **params,
        )  # fmt: skip
    unknown = set(params) - _PATH_PARAMS
    if unknown:
        raise ValueError("Unexpected parameters in params", sorted(unknown))
    grid = _resolve_alphas(n_alphas, alphas)
    selection = params.get("selection", "cyclic")
    if selection not in ("cyclic", "random"):
        raise ValueError(
            f"selection should be either 'random' or 'cyclic'; got {selection!r}."
        )
    X, y, xm, sw, gram, Xy = _path_data(X, y, precompute, Xy, params, check_input)
    factor, lower, upper = check_controls(
        X.shape[1], *(params.get(k) for k in _CONTROLS), positive
    )
    alphas = _path_grid(grid, X, y, Xy, l1_ratio, eps, positive, factor)
    if coef_init is not None:
        coef_init = np.asarray(coef_init, dtype=np.float64).ravel()
        if coef_init.shape != (X.shape[1],):
            raise ValueError(
                f"coef_init: expected shape {(X.shape[1],)}, got {coef_init.shape}."
            )
    random_state = (
        check_random_state(params.get("random_state"))
        if (selection == "random")
        else None
    )
    coefs, gaps, n_iters, converged = solve_path(
        X,
        y,
        alphas,
        l1_ratio,
        sample_weight=sw,
        X_offset=xm,
        gram=gram,
        Xy=Xy,
        coef_init=coef_init,
        max_iter=params.get("max_iter", 1000),
        tol=params.get("tol", 1e-4),
        positive=positive,
        random_state=random_state,
        screening=params.get("do_screening", True),
        penalty_factor=factor,
        lower=lower,
        upper=upper,
    )
    if verbose:
        for i in range(len(alphas)):
            if verbose > 1:
                print(f"Path: {i:03d} out of {len(alphas):03d}")
            else:
                sys.stderr.write(".")
    return _path_result(X, alphas, coefs, gaps, n_iters, converged, return_n_iter)


def _multitask_path(X, y, **kwargs):
    from skreg._multitask_path import multitask_enet_path

    if any(kwargs.get(k) is not None for k in _CONTROLS[1:]):
        raise ValueError(
            "lower_bounds and upper_bounds are not supported by the multi-task "
            "path (2-D y): the L2,1 penalty has no bounds; compute one path "
            "per target."
        )
    kwargs = {k: v for k, v in kwargs.items() if k not in _CONTROLS[1:]}
    return multitask_enet_path(X, y, **kwargs)


def _path_data(X, y, precompute, Xy, params, check_input):
    """``(X, y, X_offset, sample_weight, gram, Xy)`` of a single-task path:
    validated X (Fortran or sorted CSC), the implicit centring and weights
    of sparse X, the Gram matrix and ``X^T y`` when it is used."""
    if check_input:
        X = check_array(
            X,
            accept_sparse="csc",
            dtype=[np.float64, np.float32],
            order="F",
            accept_large_sparse=False,
        )
        y = check_array(y, dtype=X.dtype.type, ensure_2d=False)
    if sparse.issparse(X):
        X = X.tocsc()
        X.sort_indices()
        xm = None
        X_offset, X_scale = params.get("X_offset"), params.get("X_scale")
        if X_offset is not None:
            xm = np.asarray(X_offset, dtype=np.float64)
            if X_scale is not None:
                xm = xm / np.asarray(X_scale, dtype=np.float64)
        gram = None
        sample_weight = params.get("sample_weight")
        sw = None if sample_weight is None else np.asarray(sample_weight, np.float64)
    else:
        X = np.asfortranarray(X)
        xm, sw = None, None  # dense input is taken as already centred/weighted
        gram = resolve_gram(X, precompute, None, np.zeros(X.shape[1]), False)
    if Xy is not None:
        Xy = np.asarray(Xy, dtype=np.float64).ravel()
    elif gram is not None:
        Xy = X.T.astype(np.float64) @ y.astype(np.float64)
    return X, y, xm, sw, gram, Xy


def _path_grid(grid, X, y, Xy, l1_ratio, eps, positive, factor):
    """The decreasing alphas of a path: ``grid`` values on scikit-learn's
    automatic grid (the data taken as centred), or the given ones sorted."""
    if isinstance(grid, Integral):
        return alpha_grid(
            X,
            y,
            Xy=Xy,
            l1_ratio=l1_ratio,
            fit_intercept=False,
            eps=eps,
            n_alphas=int(grid),
            positive=positive,
            penalty_factor=factor,
        )
    alphas = np.asarray(grid, dtype=np.float64).ravel()
    return np.sort(alphas)[::-1] if alphas.size > 1 else alphas


def _path_result(X, alphas, coefs, gaps, n_iters, converged, return_n_iter):
    if not all(converged):
        k = converged.index(False)
        warnings.warn(
            "Objective did not converge. You might want to increase the number "
            f"of iterations. Duality gap: {gaps[k]:.3e} at alpha={alphas[k]:.3e}.",
            ConvergenceWarning,
            stacklevel=3,
        )
    coefs = coefs.astype(X.dtype, copy=False)
    if return_n_iter:
        return alphas, coefs, gaps, n_iters
    return alphas, coefs, gaps


@validate_params(_PATH_CONSTRAINTS, prefer_skip_nested_validation=True)
def lasso_path(
    X,
    y,
    *,
    eps=1e-3,
    n_alphas="deprecated",
    alphas="warn",
    precompute="auto",
    Xy=None,
    copy_X=True,
    coef_init=None,
    verbose=False,
    return_n_iter=False,
    positive=False,
    **params,
):
    r"""Compute the Lasso path with warm-started coordinate descent.

    The objective, for each ``alpha`` of the path, is

    .. math::

        \frac{1}{2 n} \|y - Xw\|_2^2 + \alpha \|w\|_1 .

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data (used as given: centre it first to model an intercept,
        or pass ``X_offset`` for sparse ``X``).
    y : array-like of shape (n_samples,)
        Target values.
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    n_alphas : int, default=100
        Number of alphas along the path.

        .. deprecated:: 1.9 (as in scikit-learn)
           Pass an integer to ``alphas`` instead.
    alphas : int or array-like, default=100
        Number of alphas on the automatic grid, or the alphas themselves.
    precompute : 'auto', bool or array-like of shape (n_features, n_features), \
            default='auto'
        Use a Gram matrix with the covariance-update kernel (dense ``X``).
    Xy : array-like of shape (n_features,), default=None
        Precomputed ``X^T y``.
    copy_X : bool, default=True
        Kept for compatibility: ``X`` is never modified.
    coef_init : array-like of shape (n_features,), default=None
        Starting coefficients for the first alpha.
    verbose : bool or int, default=False
        Amount of verbosity.
    return_n_iter : bool, default=False
        Whether to return the number of iterations.
    positive : bool, default=False
        Force the coefficients to be positive.
    **params : kwargs
        Passed to :func:`enet_path` (``tol``, ``max_iter``, ``selection``,
        ``multi_task``, ...).

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The alphas along the path where models are computed.
    coefs : ndarray of shape (n_features, n_alphas)
        Coefficients along the path.
    dual_gaps : ndarray of shape (n_alphas,)
        The dual gaps at the end of the optimisation for each alpha.
    n_iters : list of int
        Number of epochs run for each alpha (only when ``return_n_iter``).

    See Also
    --------
    enet_path : The ElasticNet path.
    skreg.L1RegressorCV : Chooses ``alpha`` by cross-validation.
    sklearn.linear_model.lasso_path : The scikit-learn function this mirrors.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import lasso_path
    >>> X = np.array([[1.0, 2.0, 3.1], [2.3, 5.4, 4.3]]).T
    >>> y = np.array([1.0, 2.0, 3.1])
    >>> alphas, coefs, _ = lasso_path(X, y, alphas=[5.0, 1.0, 0.5], tol=1e-10)
    >>> print(coefs.round(4))
    [[0.     0.     0.4692]
     [0.2159 0.4426 0.2367]]
    """
    return enet_path(
        X,
        y,
        l1_ratio=1.0,
        eps=eps,
        n_alphas=n_alphas,
        alphas=alphas,
        precompute=precompute,
        Xy=Xy,
        copy_X=copy_X,
        coef_init=coef_init,
        verbose=verbose,
        return_n_iter=return_n_iter,
        positive=positive,
        **params,
    )
