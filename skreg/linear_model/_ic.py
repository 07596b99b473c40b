r"""Estimators that choose ``alpha`` by an information criterion (AIC or BIC).

:class:`L1RegressorIC` and :class:`ElasticNetRegressorIC` compute one
warm-started path along the ``alpha`` grid (the solver of the CV
estimators, on all the data) and keep the model minimising scikit-learn's
``LassoLarsIC`` criterion

.. math::

    n \log(2 \pi \sigma^2) + \frac{\mathrm{RSS}}{\sigma^2} + K \, \mathrm{df},

with :math:`K = 2` (AIC) or :math:`\log n` (BIC).  No cross-validation: one
path, so far cheaper than the CV estimators and than LARS on wide data.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import _check_sample_weight

from skreg.linear_model._base import (
    LinearRegressorBase,
    check_fit_data,
    check_weights,
    weighted_offsets,
)
from skreg.linear_model._cv_folds import centred_path, cv_alpha_grids

__all__ = ["ElasticNetRegressorIC", "L1RegressorIC"]


def degrees_of_freedom(X, sw, X_offset, coefs, alphas, l1_ratio):
    """Degrees of freedom of every model on the path (intercept not counted).

    The size of the active set for the Lasso (``l1_ratio=1``, as
    ``LassoLarsIC``); for the elastic net the trace of the hat matrix on the
    active set :math:`A`, :math:`\\sum_k d_k / (d_k + n \\alpha (1 - \\rho))`
    with :math:`d_k` the eigenvalues of :math:`Z_A^T S Z_A` (``Z`` the centred
    columns, ``S`` the weights summing to ``n``), Zou, Hastie and Tibshirani
    (2007).  A coefficient is active when ``|w_j| > eps``, ``LassoLarsIC``'s
    test.
    """
    active = np.abs(coefs) > np.finfo(np.float64).eps
    if l1_ratio == 1.0:
        return active.sum(axis=0).astype(np.float64)
    union = np.flatnonzero(active.any(axis=1))
    df = np.zeros(coefs.shape[1])
    if union.size == 0:
        return df
    # One Gram matrix of every column ever active; each model reads its block.
    Z = X[:, union]
    Z = Z.toarray() if sparse.issparse(Z) else np.asarray(Z)
    Z = Z.astype(np.float64) - X_offset[union]
    if sw is not None:
        Z *= np.sqrt(sw)[:, None]
    gram = Z.T @ Z
    ridge = X.shape[0] * (1.0 - l1_ratio) * np.asarray(alphas, dtype=np.float64)
    for i in range(coefs.shape[1]):
        idx = np.searchsorted(union, np.flatnonzero(active[:, i]))
        if idx.size:
            d = np.clip(np.linalg.eigvalsh(gram[np.ix_(idx, idx)]), 0.0, None)
            df[i] = np.sum(d / (d + ridge[i]))
    return df


# The parameters and attributes both estimators document (each docstring
# names them by a %(...)s field, filled in below the classes).
_IC_DOC = {
    "parameters": r"""criterion : {'aic', 'bic'}, default='aic'
        The criterion minimised: Akaike's (``K = 2``) or the Bayesian
        (``K = log n``) information criterion.
    fit_intercept : bool, default=True
        Whether to fit an intercept (``X`` is centred implicitly).  The
        intercept is not counted in the degrees of freedom (as
        ``LassoLarsIC``).
    alphas : int or array-like, default=100
        Number of alphas on the automatic grid (from ``alpha_max`` down to
        ``eps * alpha_max``, as the CV estimators), or the alphas themselves.
    eps : float, default=1e-3
        Length of the automatic path: ``alpha_min / alpha_max = eps``.
    noise_variance : float, default=None
        The noise variance :math:`\sigma^2` of the criterion.  ``None``: the
        residual variance of a least-squares fit, ``RSS / (n - p -
        fit_intercept)`` (as ``LassoLarsIC``), which needs ``n_samples >
        n_features + fit_intercept``.
    precompute : 'auto', bool or array-like, default='auto'
        Use a Gram matrix (``'auto'``: when ``n_samples > n_features``).
    max_iter : int, default=1000
        Maximum number of coordinate-descent epochs per alpha.
    tol : float, default=1e-4
        Duality-gap tolerance of each solve, relative to ``||y||^2 / n``.
    copy_X : bool, default=True
        Kept for compatibility: ``X`` is never modified.
    positive : bool, default=False
        Force the coefficients to be positive (also in the least-squares
        noise estimate).
    random_state : int, RandomState instance or None, default=None
        Seed of the coordinate draws when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit coordinates in order or at random.
""".rstrip(),
    "attributes": r"""alpha_ : float
        The alpha minimising the criterion.
    alphas_ : ndarray of shape (n_alphas,)
        The decreasing grid of alphas of the path.
    criterion_ : ndarray of shape (n_alphas,)
        The criterion of every model on the path.
    df_ : ndarray of shape (n_alphas,)
        The degrees of freedom of every model on the path.
    noise_variance_ : float
        The noise variance used by the criterion.
    coef_ : ndarray of shape (n_features,)
        Coefficients of the model at ``alpha_``.
    intercept_ : float
        Independent term of the model at ``alpha_``.
    n_iter_ : int
        Number of coordinate-descent epochs over the whole path.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.
""".rstrip(),
}


class _ICBase(LinearRegressorBase, BaseEstimator):
    """Shared fit of :class:`L1RegressorIC` and :class:`ElasticNetRegressorIC`."""

    _parameter_constraints: dict = {
        "criterion": [StrOptions({"aic", "bic"})],
        "fit_intercept": ["boolean"],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "eps": [Interval(Real, 0, None, closed="neither")],
        "noise_variance": [Interval(Real, 0, None, closed="neither"), None],
        "precompute": [StrOptions({"auto"}), "array-like", "boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "copy_X": ["boolean"],
        "positive": ["boolean"],
        "random_state": ["random_state"],
        "selection": [StrOptions({"cyclic", "random"})],
    }

    def __init__(
        self,
        criterion="aic",
        *,
        fit_intercept=True,
        alphas=100,
        eps=1e-3,
        noise_variance=None,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        copy_X=True,
        positive=False,
        random_state=None,
        selection="cyclic",
    ):
        self.criterion = criterion
        self.fit_intercept = fit_intercept
        self.alphas = alphas
        self.eps = eps
        self.noise_variance = noise_variance
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.copy_X = copy_X
        self.positive = positive
        self.random_state = random_state
        self.selection = selection

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the path and keep the model minimising the criterion.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.  Sparse input is used as CSC and never densified
            (except the active columns, for the elastic net's hat matrix).
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Frequency weights: the criterion counts ``n = sum(sample_weight)``
            samples and the weighted residual sum of squares, so integer
            weights are the same as repeated samples.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = check_fit_data(self, X, y)
        if y.ndim > 1 and y.shape[1] > 1:
            raise ValueError(
                f"y: {type(self).__name__} fits a single target; got y of shape "
                f"{y.shape}. Fit one model per target."
            )
        y = column_or_1d(y, warn=True)
        sw = check_weights(sample_weight, X)  # rescaled to sum to n_samples
        freq = None
        if sample_weight is not None:
            freq = _check_sample_weight(sample_weight, X, dtype=np.float64)
        n_eff = float(X.shape[0] if freq is None else freq.sum())
        l1_ratio = self._l1_ratio()
        if isinstance(self.alphas, Integral) and l1_ratio == 0:
            raise ValueError(
                "l1_ratio: the automatic alpha grid needs l1_ratio > 0; pass a "
                "list of alphas for l1_ratio=0."
            )
        (alphas,) = cv_alpha_grids(self, X, y, sw, [l1_ratio])
        seed = None
        if self.selection == "random":
            seed = check_random_state(self.random_state).randint(2**31 - 1)
        solve_kw = dict(
            max_iter=self.max_iter,
            tol=self.tol,
            positive=self.positive,
            random_state=seed,
        )
        coefs, intercepts, (_, n_iters, converged) = centred_path(
            X, y, sw, self.fit_intercept, alphas, l1_ratio, self.precompute, solve_kw
        )
        if not all(converged):
            k = converged.index(False)
            warnings.warn(
                f"Objective did not converge at alpha={alphas[k]:.3e}. You might "
                "want to increase the number of iterations.",
                ConvergenceWarning,
                stacklevel=2,
            )
        used = np.flatnonzero(np.any(coefs != 0, axis=1))
        pred = safe_sparse_dot(X[:, used], coefs[used], dense_output=True)
        resid = np.asarray(y, dtype=np.float64)[:, None] - (pred + intercepts)
        resid **= 2
        rss = resid.sum(axis=0) if freq is None else freq @ resid
        X_offset, _ = weighted_offsets(X, y, sw, self.fit_intercept)
        self.df_ = degrees_of_freedom(
            X, sw, X_offset.astype(np.float64), coefs, alphas, l1_ratio
        )
        if self.noise_variance is None:
            self.noise_variance_ = self._estimate_noise_variance(X, y, freq, n_eff)
        else:
            self.noise_variance_ = float(self.noise_variance)
        factor = 2.0 if self.criterion == "aic" else np.log(n_eff)
        self.criterion_ = (
            n_eff * np.log(2 * np.pi * self.noise_variance_)
            + rss / self.noise_variance_
            + factor * self.df_
        )
        best = int(np.argmin(self.criterion_))
        self.alphas_ = np.asarray(alphas, dtype=np.float64)
        self.alpha_ = float(alphas[best])
        self.coef_ = coefs[:, best].astype(X.dtype)
        self.intercept_ = float(intercepts[best]) if self.fit_intercept else 0.0
        self.n_iter_ = int(np.sum(n_iters))
        return self

    def _estimate_noise_variance(self, X, y, freq, n_eff):
        # LassoLarsIC's estimate: the residual variance of least squares,
        # here weighted (and with the intercept) the same way as the path.
        n_features = X.shape[1]
        if n_eff <= n_features + self.fit_intercept:
            raise ValueError(
                f"You are using {type(self).__name__} in the case where the "
                "number of samples is smaller than the number of features "
                f"(+1 with an intercept): n_samples={n_eff:g}, n_features="
                f"{n_features}. In this setting, getting a good estimate for the "
                "variance of the noise is not possible. Provide an estimate of "
                "the noise variance in the constructor (noise_variance)."
            )
        ols = LinearRegression(fit_intercept=self.fit_intercept, positive=self.positive)
        ols.fit(X, y, sample_weight=freq)
        resid = (np.asarray(y, np.float64) - ols.predict(X)) ** 2
        rss = resid.sum() if freq is None else freq @ resid
        variance = float(rss / (n_eff - n_features - self.fit_intercept))
        yc = np.asarray(y, np.float64) - (
            np.average(y, weights=freq) if self.fit_intercept else 0.0
        )
        tss = (yc**2).sum() if freq is None else freq @ yc**2
        # Noise-free data (R^2 = 1 to rounding): the residuals are rounding
        # errors.  A variance at rounding level keeps the criterion finite and
        # makes it prefer the exact fit, where LassoLarsIC divides by ~0.
        floor = max(np.finfo(np.float64).eps * tss / n_eff, np.finfo(np.float64).tiny)
        return max(variance, floor)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        return tags


class L1RegressorIC(_ICBase):
    r"""Lasso with ``alpha`` chosen by AIC or BIC over one path.

    scikit-learn's :class:`~sklearn.linear_model.LassoLarsIC` without LARS:
    the same criterion and noise-variance estimate, on the models of a
    warm-started coordinate-descent path (working sets, screening), far
    faster on wide data.  Given the same alphas and noise variance, the
    criterion equals ``LassoLarsIC``'s at those alphas.

    Parameters
    ----------
    %(parameters)s

    Attributes
    ----------
    %(attributes)s

    See Also
    --------
    ElasticNetRegressorIC : The same for the elastic net.
    L1RegressorCV : Chooses ``alpha`` by cross-validation.
    sklearn.linear_model.LassoLarsIC : The scikit-learn estimator this mirrors.

    Notes
    -----
    For each ``alpha`` the Lasso objective
    :math:`\frac{1}{2n} \|y - Xw - b\|_2^2 + \alpha \|w\|_1` is solved
    along the path, and the model minimising

    .. math::

        n \log(2 \pi \sigma^2) + \frac{\mathrm{RSS}}{\sigma^2}
        + K \, \mathrm{df}

    is kept, with :math:`K = 2` (AIC) or :math:`\log n` (BIC) and df the
    number of non-zero coefficients (Zou, Hastie and Tibshirani, 2007).

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skreg import L1RegressorIC
    >>> X, y = make_regression(n_features=20, n_informative=4, noise=1.0,
    ...                        random_state=0)
    >>> reg = L1RegressorIC(criterion="bic").fit(X, y)
    >>> int((reg.coef_ != 0).sum())
    4
    """

    def _l1_ratio(self):
        return 1.0


class ElasticNetRegressorIC(_ICBase):
    r"""ElasticNet with ``alpha`` chosen by AIC or BIC over one path.

    The criterion of :class:`L1RegressorIC` with the elastic net's degrees
    of freedom: the trace of the hat matrix on the active set.

    Parameters
    ----------
    l1_ratio : float, default=0.5
        The ElasticNet mixing parameter, ``0 <= l1_ratio <= 1`` (``0`` needs
        a list of ``alphas``).
    %(parameters)s

    Attributes
    ----------
    %(attributes)s

    See Also
    --------
    L1RegressorIC : The Lasso case, as ``LassoLarsIC``.
    ElasticNetRegressorCV : Chooses ``alpha`` by cross-validation.

    Notes
    -----
    With :math:`\rho` = ``l1_ratio`` and :math:`A` the active set of a model,
    its degrees of freedom are

    .. math::

        \mathrm{df} = \mathrm{tr}\left(S^{1/2} Z_A (Z_A^T S Z_A
        + n \alpha (1 - \rho) I)^{-1} Z_A^T S^{1/2}\right)

    with :math:`Z` the (weighted-)centred design and :math:`S` the sample
    weights summing to :math:`n` (Zou and Hastie, 2005; Tibshirani and
    Taylor, 2012); ``l1_ratio=1`` gives the size of the active set.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skreg import ElasticNetRegressorIC
    >>> X, y = make_regression(n_features=20, n_informative=4, noise=1.0,
    ...                        random_state=0)
    >>> reg = ElasticNetRegressorIC(l1_ratio=0.9, criterion="bic").fit(X, y)
    >>> reg.criterion_.shape
    (100,)
    """

    _parameter_constraints: dict = {
        **_ICBase._parameter_constraints,
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        criterion="aic",
        *,
        l1_ratio=0.5,
        fit_intercept=True,
        alphas=100,
        eps=1e-3,
        noise_variance=None,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        copy_X=True,
        positive=False,
        random_state=None,
        selection="cyclic",
    ):
        super().__init__(
            criterion,
            fit_intercept=fit_intercept,
            alphas=alphas,
            eps=eps,
            noise_variance=noise_variance,
            precompute=precompute,
            max_iter=max_iter,
            tol=tol,
            copy_X=copy_X,
            positive=positive,
            random_state=random_state,
            selection=selection,
        )
        self.l1_ratio = l1_ratio

    def _l1_ratio(self):
        return float(self.l1_ratio)


for _cls in (L1RegressorIC, ElasticNetRegressorIC):
    if _cls.__doc__:  # None under python -OO
        _cls.__doc__ %= _IC_DOC
del _cls
