"""Plots of regularisation paths and CV curves, in scikit-learn's Display style.

matplotlib is an optional dependency (``pip install "skreg[plot]"``); it is
imported only when something is drawn, so this module imports without it.
"""

import numpy as np
from scipy import sparse

__all__ = ["RegularizationPathDisplay"]


def _pyplot(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires matplotlib, which is not installed. "
            'Install it with `pip install "skreg[plot]"` (or `pip install matplotlib`).'
        ) from exc
    return plt


class RegularizationPathDisplay:
    """Coefficient paths and cross-validation error against ``alpha``.

    Draws, on a log ``alpha`` axis, one line per coefficient along the
    regularisation path and/or the mean cross-validated error with its spread
    (one standard deviation over folds) and the chosen ``alpha_``.  Create it
    with :meth:`from_estimator` or :meth:`from_path`; the constructor only
    stores data.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
        Regularisation strengths.
    coefs : ndarray of shape (n_features, n_alphas) or \
            (n_targets, n_features, n_alphas), default=None
        Coefficients along the path.  A multi-task path (3-d) is drawn as
        one line per feature: the norm of its row of coefficients over the
        targets, the quantity the L2,1 penalty selects on.
    mse_path : ndarray of shape (n_alphas, n_folds), default=None
        Cross-validated error of every alpha on every fold.
    alpha_ : float, default=None
        The chosen alpha, marked with a vertical line.
    feature_names : array-like of str, default=None
        Labels of the coefficient lines (shown in a legend when at most 20).
    estimator_name : str, default=None
        Name used in the titles.

    Attributes
    ----------
    ax_ : matplotlib Axes or ndarray of Axes
        The axes drawn on (two when both panels are drawn).
    figure_ : matplotlib Figure
        The figure holding the axes.
    coef_lines_ : list of matplotlib Line2D
        One line per coefficient (empty without ``coefs``).
    cv_line_ : matplotlib Line2D or None
        The mean CV error curve.

    See Also
    --------
    skreg.lasso_path : Computes the coefficient paths.
    skreg.L1RegressorCV : Provides ``mse_path_`` and ``alpha_``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from skreg import L1RegressorCV
    >>> from skreg.plot import RegularizationPathDisplay
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = L1RegressorCV(cv=5, alphas=30).fit(X, y)
    >>> disp = RegularizationPathDisplay.from_estimator(reg, X, y)
    >>> len(disp.coef_lines_)
    10
    """

    def __init__(
        self,
        alphas,
        coefs=None,
        *,
        mse_path=None,
        alpha_=None,
        feature_names=None,
        estimator_name=None,
    ):
        self.alphas = alphas
        self.coefs = coefs
        self.mse_path = mse_path
        self.alpha_ = alpha_
        self.feature_names = feature_names
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, kind="auto", coef_kw=None, cv_kw=None):
        """Draw the coefficient paths and/or the CV error curve.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of two Axes, default=None
            Where to draw; two axes when both panels are drawn.  ``None``
            creates a new figure.
        kind : {'auto', 'coef', 'cv', 'both'}, default='auto'
            Which panels: ``'auto'`` draws whatever data the display holds.
        coef_kw : dict, default=None
            Keyword arguments of the coefficient lines (``ax.plot``).
        cv_kw : dict, default=None
            Keyword arguments of the mean CV error line.

        Returns
        -------
        display : RegularizationPathDisplay
            Object storing the drawn artists.
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        if kind not in ("auto", "coef", "cv", "both"):
            raise ValueError(
                f"kind must be 'auto', 'coef', 'cv' or 'both'; got {kind!r}."
            )
        has_coef, has_cv = self.coefs is not None, self.mse_path is not None
        if kind == "auto":
            kind = "both" if has_coef and has_cv else ("coef" if has_coef else "cv")
        if kind in ("coef", "both") and not has_coef:
            raise ValueError(f"kind={kind!r} needs coefficient paths (coefs).")
        if kind in ("cv", "both") and not has_cv:
            raise ValueError(f"kind={kind!r} needs cross-validation errors (mse_path).")
        n_panels = 2 if kind == "both" else 1
        if ax is None:
            fig, ax = plt.subplots(
                1, n_panels, figsize=(5 * n_panels, 4), squeeze=False
            )
            ax = ax[0] if n_panels == 2 else ax[0, 0]
        axes = list(np.ravel(ax)) if n_panels == 2 else [ax]
        if len(axes) != n_panels or (n_panels == 1 and isinstance(ax, np.ndarray)):
            raise ValueError(f"ax: expected {n_panels} Axes for kind={kind!r}.")
        alphas = np.asarray(self.alphas, dtype=float)
        name = f"{self.estimator_name}: " if self.estimator_name else ""
        self.coef_lines_, self.cv_line_ = [], None
        panels = iter(axes)
        if kind in ("coef", "both"):
            a = next(panels)
            coefs = np.atleast_2d(np.asarray(self.coefs, dtype=float))
            ylabel = "coefficients"
            if coefs.ndim == 3:
                coefs = np.linalg.norm(coefs, axis=0)
                ylabel = "coefficient row norms (over targets)"
            labels = self.feature_names
            if labels is None:
                labels = [f"x{j}" for j in range(coefs.shape[0])]
            for j, c in enumerate(coefs):
                self.coef_lines_ += a.plot(
                    alphas, c, label=str(labels[j]), **(coef_kw or {})
                )
            a.set_xscale("log")
            a.set_xlabel("alpha")
            a.set_ylabel(ylabel)
            a.set_title(f"{name}regularisation path")
            if coefs.shape[0] <= 20:
                a.legend(fontsize="small")
            self._mark_alpha(a)
        if kind in ("cv", "both"):
            a = next(panels)
            mse = np.asarray(self.mse_path, dtype=float)
            if mse.ndim == 1:
                mse = mse[:, None]
            mean, std = mse.mean(axis=1), mse.std(axis=1)
            for fold in mse.T:
                a.plot(alphas, fold, ":", color="0.6", linewidth=0.8)
            (self.cv_line_,) = a.plot(
                alphas, mean, color="k", label="mean over folds", **(cv_kw or {})
            )
            a.fill_between(
                alphas, mean - std, mean + std, color="0.8", alpha=0.5, label="± 1 std"
            )
            a.set_xscale("log")
            a.set_xlabel("alpha")
            a.set_ylabel("CV mean squared error")
            a.set_title(f"{name}cross-validation")
            self._mark_alpha(a)
            a.legend(fontsize="small")
        self.ax_ = np.asarray(axes, dtype=object) if n_panels == 2 else axes[0]
        self.figure_ = axes[0].figure
        return self

    def _mark_alpha(self, a):
        if self.alpha_ is not None:
            a.axvline(
                float(self.alpha_),
                linestyle="--",
                color="k",
                label=f"alpha_ = {float(self.alpha_):.3g}",
            )

    @classmethod
    def from_path(
        cls,
        alphas,
        coefs=None,
        *,
        mse_path=None,
        alpha_=None,
        feature_names=None,
        ax=None,
        kind="auto",
        **kwargs,
    ):
        """Plot precomputed paths, e.g. the output of :func:`skreg.lasso_path`.

        Parameters
        ----------
        alphas : ndarray of shape (n_alphas,)
            Regularisation strengths.
        coefs : ndarray of shape (n_features, n_alphas) or \
                (n_targets, n_features, n_alphas), default=None
            Coefficients along the path (3-d: a multi-task path, drawn as
            the norms of the features' rows).
        mse_path : ndarray of shape (n_alphas, n_folds), default=None
            Cross-validated errors.
        alpha_ : float, default=None
            Alpha to mark.
        feature_names : array-like of str, default=None
            Labels of the coefficient lines.
        ax : matplotlib Axes, default=None
            Where to draw.
        kind : {'auto', 'coef', 'cv', 'both'}, default='auto'
            Which panels to draw.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : RegularizationPathDisplay
        """
        _pyplot(f"{cls.__name__}.from_path")
        alphas = np.asarray(alphas, dtype=float).ravel()
        if coefs is not None:
            coefs = np.asarray(coefs)
            if coefs.ndim not in (2, 3) or coefs.shape[-1] != alphas.size:
                raise ValueError(
                    f"coefs: expected shape (n_features, {alphas.size}) or "
                    f"(n_targets, n_features, {alphas.size}), got {coefs.shape}."
                )
        if mse_path is not None:
            mse_path = np.asarray(mse_path)
            if mse_path.shape[0] != alphas.size:
                raise ValueError(
                    f"mse_path: expected {alphas.size} rows (one per alpha), got "
                    f"shape {mse_path.shape}."
                )
        disp = cls(
            alphas, coefs, mse_path=mse_path, alpha_=alpha_, feature_names=feature_names
        )
        return disp.plot(ax=ax, kind=kind, **kwargs)

    @classmethod
    def from_estimator(
        cls, estimator, X=None, y=None, *, ax=None, kind="auto", **kwargs
    ):
        """Plot the path and CV curve of a fitted skreg CV estimator.

        Parameters
        ----------
        estimator : L1RegressorCV, ElasticNetRegressorCV, L2RegressorCV or a \
                multi-task CV estimator
            A fitted estimator.  Its ``alphas_`` / ``mse_path_`` / ``alpha_``
            give the CV curve (for ``L2RegressorCV``: the stored
            ``cv_results_`` squared errors, when ``store_cv_results=True``).
        X : {array-like, sparse matrix} of shape (n_samples, n_features), default=None
            Data to compute the coefficient paths on (the estimator's
            training data); without it only the CV curve is drawn.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), \
                default=None
            Targets matching ``X`` (2-d for the multi-task estimators).
        ax : matplotlib Axes or array of two Axes, default=None
            Where to draw.
        kind : {'auto', 'coef', 'cv', 'both'}, default='auto'
            Which panels to draw.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : RegularizationPathDisplay
        """
        _pyplot(f"{cls.__name__}.from_estimator")
        from sklearn.utils.validation import check_is_fitted

        from skreg.linear_model._cv import _EnetCVBase
        from skreg.linear_model._multitask_cv import _MultiTaskCVBase
        from skreg.linear_model._ridge_cv import L2RegressorCV
        from skreg.path import enet_path, ridge_path

        if not isinstance(estimator, (_EnetCVBase, L2RegressorCV, _MultiTaskCVBase)):
            raise TypeError(
                "estimator must be a skreg L1RegressorCV, ElasticNetRegressorCV, "
                "L2RegressorCV or multi-task CV estimator; got "
                f"{type(estimator).__name__}."
            )
        check_is_fitted(estimator, "alpha_")
        if (X is None) != (y is None):
            raise ValueError("X and y must be given together (or both omitted).")
        names = getattr(estimator, "feature_names_in_", None)
        coefs = mse = None
        if isinstance(estimator, L2RegressorCV):
            alphas = np.atleast_1d(np.asarray(estimator.alphas, dtype=float))
            order = np.argsort(alphas)
            alphas = alphas[order]
            if hasattr(estimator, "cv_results_") and estimator.scoring is None:
                res = estimator.cv_results_
                mse = res.reshape(res.shape[0], -1, res.shape[-1]).mean(axis=1).T[order]
            if X is not None:
                _, coefs = ridge_path(
                    X, y, alphas=alphas, fit_intercept=estimator.fit_intercept
                )
                if coefs.ndim == 3:
                    raise ValueError("y: coefficient paths need a single target.")
            alpha_ = estimator.alpha_ if np.ndim(estimator.alpha_) == 0 else None
        else:
            alphas = np.asarray(estimator.alphas_, dtype=float)
            mse = estimator.mse_path_
            l1_ratio = getattr(estimator, "l1_ratio_", 1.0)
            if mse.ndim == 3:  # several l1_ratio: show the chosen one
                k = int(
                    np.flatnonzero(np.atleast_1d(estimator.l1_ratio) == l1_ratio)[0]
                )
                mse = mse[k]
                alphas = alphas[k] if alphas.ndim == 2 else alphas
            alpha_ = estimator.alpha_
            if X is not None:
                coefs = _centred_enet_path(enet_path, estimator, X, y, alphas, l1_ratio)
        disp = cls(
            alphas,
            coefs,
            mse_path=mse,
            alpha_=alpha_,
            feature_names=names,
            estimator_name=type(estimator).__name__,
        )
        return disp.plot(ax=ax, kind=kind, **kwargs)


def _centred_enet_path(enet_path, est, X, y, alphas, l1_ratio):
    # Mirror the CV estimator: intercept by (implicit, for sparse) centring.
    from sklearn.utils import check_array

    X = check_array(X, accept_sparse="csc", dtype=[np.float64, np.float32], order="F")
    kw = dict(l1_ratio=l1_ratio, alphas=alphas, tol=est.tol, max_iter=est.max_iter)
    if est.__sklearn_tags__().target_tags.single_output:
        y = np.asarray(y, dtype=np.float64).ravel()
        kw.update(positive=est.positive, precompute=False)
    else:
        y = np.asarray(y, dtype=np.float64)
        kw.update(multi_task=True)
    if est.fit_intercept:
        xm = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
        y = y - y.mean(axis=0)
        if sparse.issparse(X):
            kw["X_offset"] = xm
        else:
            X = np.asfortranarray(X - xm)
    return enet_path(X, y, **kw)[1]
