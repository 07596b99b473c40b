r"""Regularisation penalties as objects: value, (sub)gradient, prox, alpha_max.

The penalties use the scaling of scikit-learn's :class:`~sklearn.linear_model.Lasso`
and :class:`~sklearn.linear_model.ElasticNet`, whose objective is

.. math::

    \frac{1}{2 n} \|y - X w - b\|_2^2 + g(w),

with :math:`g` one of

.. math::

    g_{L1}(w) = \alpha \|w\|_1, \qquad
    g_{L2}(w) = \frac{\alpha}{2} \|w\|_2^2, \qquad
    g_{EN}(w) = \alpha \Big(\rho \|w\|_1 + \frac{1 - \rho}{2} \|w\|_2^2\Big).

All three are the elastic-net family :math:`\lambda_1 \|w\|_1 +
\tfrac{\lambda_2}{2} \|w\|_2^2` with :math:`(\lambda_1, \lambda_2) =
(\alpha, 0)`, :math:`(0, \alpha)` and :math:`(\alpha\rho, \alpha(1 - \rho))`
(see :meth:`ElasticNet.strengths`).  The proximal operator and the distance
to the subdifferential call the very Numba functions the solvers use
(:mod:`skreg._kernels.prox`, :mod:`skreg._kernels.gap`): one copy of each
formula.

Examples
--------
>>> import numpy as np
>>> from skreg.penalties import L1, L2, ElasticNet
>>> w = np.array([-2.0, 0.5, 0.0])
>>> L1(alpha=1.0).prox(w, step=1.0)  # soft-thresholding: exact zeros
array([-1.,  0.,  0.])
>>> L2(alpha=1.0).prox(w, step=1.0)  # shrinkage: no zeros
array([-1.  ,  0.25,  0.  ])
>>> ElasticNet(alpha=1.0, l1_ratio=0.5).value(w)
2.3125
"""

import numbers

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_array

from skreg._kernels.gap import subdiff_distance as _subdiff_distance
from skreg._kernels.penalty import make_penalty
from skreg._kernels.prox import enet_prox_array
from skreg._preprocess import check_weights, weighted_offsets

__all__ = ["ElasticNet", "L1", "L2"]


def _check_real(value, name, low=None, high=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number; got {value!r} "
            f"of type {type(value).__name__}."
        )
    value = float(value)
    if (
        not np.isfinite(value)
        or (low is not None and value < low)
        or (high is not None and value > high)
    ):
        bounds = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {bounds}; got {value!r}.")
    return value


def _as_float_array(w, name="w"):
    if np.iscomplexobj(w):
        raise TypeError(f"{name} must be real-valued; got a complex array.")
    try:
        a = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a number or an array-like of numbers; got "
            f"{type(w).__name__} ({exc})."
        ) from None
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must contain only finite values.")
    return a


class _ElasticNetFamily:
    """Shared maths of ``l1 |w|_1 + l2 / 2 |w|_2^2`` (see :meth:`strengths`)."""

    def strengths(self):
        """Return ``(l1, l2)`` such that the penalty is ``l1 |w|_1 + l2/2 |w|_2^2``.

        The solvers take these in coordinate-descent scaling, that is
        multiplied by ``n_samples``.

        Returns
        -------
        l1 : float
            Weight of the L1 norm.
        l2 : float
            Weight of half the squared L2 norm.
        """
        raise NotImplementedError

    def value(self, w):
        """Value of the penalty at ``w``.

        Parameters
        ----------
        w : array-like of shape (n_features,) or (n_targets, n_features)
            Coefficients (a scalar is accepted).

        Returns
        -------
        value : float
            The penalty, summed over every entry of ``w``.
        """
        w = _as_float_array(w)
        l1, l2 = self.strengths()
        return float(l1 * np.sum(np.abs(w)) + 0.5 * l2 * np.sum(w * w))

    def gradient(self, w):
        """Gradient of the penalty, the minimum-norm subgradient where ``w_j = 0``.

        Parameters
        ----------
        w : array-like of shape (n_features,)
            Coefficients (any shape; a scalar is accepted).

        Returns
        -------
        grad : ndarray of the shape of ``w``
            ``l1 sign(w) + l2 w``, with ``sign(0) = 0`` (see the class Notes).
        """
        w = _as_float_array(w)
        l1, l2 = self.strengths()
        return l1 * np.sign(w) + l2 * w

    def prox(self, w, step):
        """Proximal operator of ``step * penalty`` at ``w``, element-wise.

        Parameters
        ----------
        w : array-like of shape (n_features,)
            Point (any shape; a scalar is accepted).
        step : float
            Step size (non-negative).

        Returns
        -------
        prox : ndarray of the shape of ``w``
            :math:`\\arg\\min_u \\frac{1}{2}(u - w)^2 + \\mathrm{step}\\, g(u)`,
            soft-thresholding at ``step * l1`` followed by the scaling
            ``1 / (1 + step * l2)``.
        """
        step = _check_real(step, "step", low=0.0)
        w = _as_float_array(w)
        l1, l2 = self.strengths()
        flat = np.ascontiguousarray(w).reshape(-1)
        out = enet_prox_array(flat, step, l1, l2)
        return out[0] if w.ndim == 0 else out.reshape(w.shape)

    def subdiff_distance(self, w, grad):
        """Distance of ``-grad`` to the subdifferential of the penalty at ``w``.

        ``grad`` is the gradient of the data-fit term.  The distance is 0
        exactly at the coordinates that satisfy the optimality condition
        :math:`0 \\in \\nabla f(w) + \\partial g(w)`; the working-set
        solvers rank features by it.

        Parameters
        ----------
        w : array-like of shape (n_features,)
            Coefficients.
        grad : array-like of shape (n_features,)
            Gradient of the smooth part of the objective at ``w``.

        Returns
        -------
        dist : ndarray of shape (n_features,)
            ``max(|grad_j| - l1, 0)`` where ``w_j = 0`` and
            ``|grad_j + l1 sign(w_j) + l2 w_j|`` elsewhere.
        """
        w = np.ascontiguousarray(_as_float_array(w)).reshape(-1)
        grad = np.ascontiguousarray(_as_float_array(grad, "grad")).reshape(-1)
        if grad.shape != w.shape:
            raise ValueError(
                f"grad must have the shape of w {w.shape}; got {grad.shape}."
            )
        l1, l2 = self.strengths()
        # It takes XtA = -grad - l2 w, the quantity CD keeps at hand.
        XtA = -grad - l2 * w
        pen = make_penalty(w.shape[0], l1, l2)
        return _subdiff_distance(XtA, w, np.arange(w.shape[0]), pen)

    def _alpha_max_unit(self, X, y, fit_intercept, sample_weight):
        return _max_correlation(X, y, fit_intercept, sample_weight)


def _max_correlation(X, y, fit_intercept, sample_weight):
    """``max_j |z_j^T S y_c| / sum(s)``: the L1 weight above which ``w = 0``."""
    X = check_array(
        X, accept_sparse=["csc", "csr"], dtype=[np.float64, np.float32], input_name="X"
    )
    y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} samples but X has {X.shape[0]}.")
    X = X.astype(np.float64)
    sw = check_weights(sample_weight, X)
    X_offset, y_offset = weighted_offsets(X, y, sw, fit_intercept)
    Y = (y - y_offset).reshape(X.shape[0], -1)
    SY = Y if sw is None else sw[:, None] * Y
    ZtSY = np.asarray(safe_sparse_dot(X.T, SY, dense_output=True))
    ZtSY -= np.outer(X_offset, SY.sum(axis=0))
    return float(np.max(np.abs(ZtSY))) / X.shape[0]


class L1(_ElasticNetFamily):
    r"""The L1 (Lasso) penalty :math:`g(w) = \alpha \|w\|_1`.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularisation strength, in :class:`~sklearn.linear_model.Lasso`'s
        scaling (the data term is the squared error over ``2 n``).

    See Also
    --------
    L2 : Squared L2 norm.
    ElasticNet : Convex combination of both.
    skreg.L1Regressor : The estimator minimising this penalty plus squared error.

    Notes
    -----
    The proximal operator is soft-thresholding,

    .. math::

        \operatorname{prox}_{\eta g}(w)_j = \operatorname{sign}(w_j)
        \max(|w_j| - \eta\alpha, 0),

    which maps every :math:`|w_j| \le \eta\alpha` to exactly 0: the reason
    the Lasso gives sparse solutions.  :math:`|w_j|` is not differentiable
    at 0, where its subdifferential is :math:`[-\alpha, \alpha]`;
    :meth:`gradient` returns :math:`\alpha\,\operatorname{sign}(w)` with
    :math:`\operatorname{sign}(0) = 0`, the minimum-norm subgradient (the
    one the steepest-descent direction uses).

    Examples
    --------
    >>> from skreg.penalties import L1
    >>> pen = L1(alpha=0.5)
    >>> pen
    L1(alpha=0.5)
    >>> pen.gradient([-3.0, 0.0, 2.0])
    array([-0.5,  0. ,  0.5])
    >>> pen.prox([-3.0, 0.2, 2.0], step=1.0)
    array([-2.5,  0. ,  1.5])
    """

    def __init__(self, alpha=1.0):
        self.alpha = _check_real(alpha, "alpha", low=0.0)

    def strengths(self):
        return self.alpha, 0.0

    def alpha_max(self, X, y, fit_intercept=True, sample_weight=None):
        r"""Smallest ``alpha`` for which the Lasso solution is ``w = 0``.

        :math:`\alpha_{\max} = \|Z^\top S y_c\|_\infty / n` with ``Z`` and
        ``y_c`` centred when ``fit_intercept`` (``S`` the sample weights):
        for ``alpha >= alpha_max`` :class:`~sklearn.linear_model.Lasso`
        returns zeros, for any smaller value at least one coefficient is
        non-zero.  It is the first value of scikit-learn's alpha grid.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.  With several targets (fitted independently, as
            :class:`~sklearn.linear_model.Lasso` does) the largest value over
            the targets is returned, so that every target's coefficients are
            zero.
        fit_intercept : bool, default=True
            Whether the model fits an intercept (the data are then centred).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights (rescaled to sum to ``n_samples``, as in fitting).

        Returns
        -------
        alpha_max : float
            The critical regularisation strength.
        """
        return self._alpha_max_unit(X, y, fit_intercept, sample_weight)

    def __repr__(self):
        return f"L1(alpha={self.alpha!r})"


class L2(_ElasticNetFamily):
    r"""The squared L2 penalty :math:`g(w) = \frac{\alpha}{2} \|w\|_2^2`.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularisation strength, in the Lasso scaling (the data term is the
        squared error over ``2 n``).

    See Also
    --------
    L1 : The sparsity-inducing L1 norm.
    ElasticNet : Convex combination of both.
    skreg.L2Regressor : Ridge regression (different scaling, see Notes).

    Notes
    -----
    The gradient is :math:`\alpha w` ("weight decay") and the proximal
    operator a scaling,

    .. math::

        \operatorname{prox}_{\eta g}(w) = \frac{w}{1 + \eta\alpha},

    which shrinks every coefficient but never makes one exactly 0.

    :class:`~sklearn.linear_model.Ridge` (and ``skreg.L2Regressor``)
    minimise :math:`\|y - Xw\|_2^2 + \alpha_{ridge} \|w\|_2^2`: the sum, not
    the mean, of squared errors, and no factor 1/2.  Dividing by ``2 n``
    shows that Ridge's ``alpha_ridge`` is this penalty with
    ``alpha = alpha_ridge / n_samples`` (and ``ElasticNet(alpha, l1_ratio=0)``
    is the same as ``L2(alpha)``).

    There is no ``alpha_max``: the L2 penalty shrinks the coefficients
    towards 0 but reaches 0 only as ``alpha`` tends to infinity.

    Examples
    --------
    >>> from skreg.penalties import L2
    >>> pen = L2(alpha=2.0)
    >>> pen.value([1.0, -2.0])
    5.0
    >>> pen.prox([1.0, -2.0], step=0.5)
    array([ 0.5, -1. ])
    """

    def __init__(self, alpha=1.0):
        self.alpha = _check_real(alpha, "alpha", low=0.0)

    def strengths(self):
        return 0.0, self.alpha

    def alpha_max(self, X, y, fit_intercept=True, sample_weight=None):
        """Not defined for the L2 penalty: always raises ``ValueError``.

        The L2 solution is non-zero for every finite ``alpha`` (unless
        ``Z^T S y = 0``), so no finite ``alpha`` gives ``w = 0``.

        Raises
        ------
        ValueError
            Always.
        """
        raise ValueError(
            "alpha_max does not exist for the L2 penalty: ridge shrinks the "
            "coefficients but never sets them exactly to zero for a finite "
            "alpha. Use an L1 or ElasticNet penalty with l1_ratio > 0."
        )

    def __repr__(self):
        return f"L2(alpha={self.alpha!r})"


class ElasticNet(_ElasticNetFamily):
    r"""The elastic-net penalty, a mix of L1 and squared L2.

    .. math::

        g(w) = \alpha \Big(\rho \|w\|_1 + \frac{1 - \rho}{2} \|w\|_2^2\Big),
        \qquad \rho = \texttt{l1\_ratio}.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularisation strength, in
        :class:`~sklearn.linear_model.ElasticNet`'s scaling.
    l1_ratio : float, default=0.5
        Mixing parameter ``0 <= l1_ratio <= 1``: 1 is :class:`L1`, 0 is
        :class:`L2`.

    See Also
    --------
    L1 : ``l1_ratio = 1``.
    L2 : ``l1_ratio = 0``.
    skreg.ElasticNetRegressor : The corresponding estimator.

    Notes
    -----
    The proximal operator is soft-thresholding followed by a scaling,

    .. math::

        \operatorname{prox}_{\eta g}(w)_j =
        \frac{\operatorname{sign}(w_j) \max(|w_j| - \eta\alpha\rho, 0)}
             {1 + \eta\alpha(1 - \rho)},

    and :meth:`gradient` returns :math:`\alpha\rho\,\operatorname{sign}(w) +
    \alpha(1 - \rho) w` with :math:`\operatorname{sign}(0) = 0` (the
    minimum-norm subgradient).

    Examples
    --------
    >>> from skreg.penalties import ElasticNet
    >>> pen = ElasticNet(alpha=1.0, l1_ratio=0.5)
    >>> pen
    ElasticNet(alpha=1.0, l1_ratio=0.5)
    >>> pen.prox([3.0, 0.4], step=1.0)
    array([1.66666667, 0.        ])
    """

    def __init__(self, alpha=1.0, l1_ratio=0.5):
        self.alpha = _check_real(alpha, "alpha", low=0.0)
        self.l1_ratio = _check_real(l1_ratio, "l1_ratio", low=0.0, high=1.0)

    def strengths(self):
        return self.alpha * self.l1_ratio, self.alpha * (1.0 - self.l1_ratio)

    def alpha_max(self, X, y, fit_intercept=True, sample_weight=None):
        r"""Smallest ``alpha`` for which the ElasticNet solution is ``w = 0``.

        :math:`\alpha_{\max} = \|Z^\top S y_c\|_\infty / (n \rho)`, the first
        value of scikit-learn's alpha grid; it does not exist for
        ``l1_ratio = 0`` (``ValueError``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.  With several targets (fitted independently, as
            :class:`~sklearn.linear_model.Lasso` does) the largest value over
            the targets is returned, so that every target's coefficients are
            zero.
        fit_intercept : bool, default=True
            Whether the model fits an intercept (the data are then centred).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights (rescaled to sum to ``n_samples``, as in fitting).

        Returns
        -------
        alpha_max : float
            The critical regularisation strength.
        """
        if self.l1_ratio == 0.0:
            raise ValueError(
                "alpha_max does not exist for l1_ratio=0 (a pure L2 penalty "
                "never sets coefficients to zero); use l1_ratio > 0."
            )
        return self._alpha_max_unit(X, y, fit_intercept, sample_weight) / self.l1_ratio

    def __repr__(self):
        return f"ElasticNet(alpha={self.alpha!r}, l1_ratio={self.l1_ratio!r})"
