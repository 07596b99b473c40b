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
    """Coefficient paths, cross-validation error or criterion against ``alpha``.

    Draws, on a log ``alpha`` axis, one line per coefficient along the
    regularisation path and/or the curve ``alpha`` was chosen on: the mean
    cross-validated error with error bars of one standard error and two
    vertical lines at the minimum and at the one-standard-error alpha (as
    glmnet's ``plot.cv.glmnet``), or the information criterion of an IC
    estimator.  Create it with :meth:`from_estimator` or :meth:`from_path`;
    the constructor only stores data.

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
        Cross-validated error (or score, see ``cv_label``) of every alpha on
        every fold.
    alpha_ : float, default=None
        The chosen alpha, marked with a vertical line on the coefficient and
        criterion panels.
    alpha_min : float, default=None
        The alpha of the smallest mean CV error, marked on the CV panel
        (``None``: read off ``mse_path`` as an error, lower is better).
    alpha_1se : float, default=None
        The one-standard-error alpha, marked on the CV panel (``None``: read
        off ``mse_path`` as for ``alpha_min``).
    criterion : ndarray of shape (n_alphas,), default=None
        Information criterion of every alpha (e.g. ``L1RegressorIC``'s
        ``criterion_``).
    cv_label : str, default=None
        Label of the CV axis (``None``: "CV mean squared error").
    criterion_label : str, default=None
        Label of the criterion axis (``None``: "criterion").
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
    cv_errorbar_ : matplotlib ErrorbarContainer or None
        Its error bars (one standard error, ``std(ddof=1) / sqrt(n_folds)``).
    criterion_line_ : matplotlib Line2D or None
        The criterion curve.

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
        alpha_min=None,
        alpha_1se=None,
        criterion=None,
        cv_label=None,
        criterion_label=None,
    ):
        self.alphas = alphas
        self.coefs = coefs
        self.mse_path = mse_path
        self.alpha_ = alpha_
        self.feature_names = feature_names
        self.estimator_name = estimator_name
        self.alpha_min = alpha_min
        self.alpha_1se = alpha_1se
        self.criterion = criterion
        self.cv_label = cv_label
        self.criterion_label = criterion_label

    def plot(self, ax=None, *, kind="auto", coef_kw=None, cv_kw=None):
        """Draw the coefficient paths and/or the CV error or criterion curve.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of two Axes, default=None
            Where to draw; two axes when both panels are drawn.  ``None``
            creates a new figure.
        kind : {'auto', 'coef', 'cv', 'criterion', 'both'}, default='auto'
            Which panels: ``'both'`` the coefficients and the curve alpha is
            chosen on (CV error or criterion); ``'auto'`` whatever data the
            display holds.
        coef_kw : dict, default=None
            Keyword arguments of the coefficient lines (``ax.plot``).
        cv_kw : dict, default=None
            Keyword arguments of the mean CV error (or criterion) line.

        Returns
        -------
        display : RegularizationPathDisplay
            Object storing the drawn artists.
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        kinds = ("auto", "coef", "cv", "criterion", "both")
        if kind not in kinds:
            raise ValueError(f"kind must be one of {kinds}; got {kind!r}.")
        has_coef = self.coefs is not None
        curve = "cv" if self.mse_path is not None else None
        if curve is None and self.criterion is not None:
            curve = "criterion"
        if kind == "auto":
            kind = "both" if has_coef and curve else ("coef" if has_coef else curve)
            kind = kind or "coef"
        missing = {
            "coef": None if has_coef else "coefficient paths (coefs)",
            "cv": None if self.mse_path is not None else "CV errors (mse_path)",
            "criterion": None if self.criterion is not None else "a criterion",
            "both": None
            if has_coef and curve
            else "coefficient paths (coefs) and CV errors (mse_path) or a criterion",
        }[kind]
        if missing:
            raise ValueError(f"kind={kind!r} needs {missing}.")
        if kind == "both":
            kind = ("coef", curve)
        else:
            kind = (kind,)
        if ax is None:
            fig, ax = plt.subplots(
                1, len(kind), figsize=(5 * len(kind), 4), squeeze=False
            )
            ax = ax[0] if len(kind) == 2 else ax[0, 0]
        axes = list(np.ravel(ax)) if len(kind) == 2 else [ax]
        if len(axes) != len(kind) or (len(kind) == 1 and isinstance(ax, np.ndarray)):
            raise ValueError(f"ax: expected {len(kind)} Axes for kind={kind!r}.")
        self.coef_lines_, self.cv_line_, self.cv_errorbar_ = [], None, None
        self.criterion_line_ = None
        for a, panel in zip(axes, kind, strict=True):
            getattr(self, f"_plot_{panel}")(a, coef_kw or {}, cv_kw or {})
            a.set_xscale("log")
            a.set_xlabel("alpha")
        self.ax_ = np.asarray(axes, dtype=object) if len(kind) == 2 else axes[0]
        self.figure_ = axes[0].figure
        return self

    def _title(self, what):
        name = f"{self.estimator_name}: " if self.estimator_name else ""
        return f"{name}{what}"

    def _plot_coef(self, a, coef_kw, cv_kw):
        alphas = np.asarray(self.alphas, dtype=float)
        coefs = np.atleast_2d(np.asarray(self.coefs, dtype=float))
        ylabel = "coefficients"
        if coefs.ndim == 3:
            coefs = np.linalg.norm(coefs, axis=0)
            ylabel = "coefficient row norms (over targets)"
        labels = self.feature_names
        if labels is None:
            labels = [f"x{j}" for j in range(coefs.shape[0])]
        for j, c in enumerate(coefs):
            self.coef_lines_ += a.plot(alphas, c, label=str(labels[j]), **coef_kw)
        a.set_ylabel(ylabel)
        a.set_title(self._title("regularisation path"))
        if coefs.shape[0] <= 20:
            a.legend(fontsize="small")
        self._mark_alpha(a)

    def _plot_cv(self, a, coef_kw, cv_kw):
        from skreg.linear_model._cv_select import one_se_index

        alphas = np.asarray(self.alphas, dtype=float)
        mse = np.asarray(self.mse_path, dtype=float)
        if mse.ndim == 1:
            mse = mse[:, None]
        mean = mse.mean(axis=1)
        n_folds = mse.shape[1]
        se = np.zeros_like(mean)
        if n_folds > 1:
            se = mse.std(axis=1, ddof=1) / np.sqrt(n_folds)
        self.cv_errorbar_ = a.errorbar(
            alphas,
            mean,
            yerr=se,
            fmt="none",
            ecolor="0.6",
            capsize=2,
            label="± 1 standard error",
        )
        (self.cv_line_,) = a.plot(
            alphas,
            mean,
            "o",
            color="tab:red",
            markersize=3,
            label="mean over folds",
            **cv_kw,
        )
        alpha_min, alpha_1se = self.alpha_min, self.alpha_1se
        if alpha_min is None or alpha_1se is None:
            order = np.argsort(-alphas)
            i_min, i_1se = one_se_index(mse[order])
            alpha_min = alphas[order][i_min] if alpha_min is None else alpha_min
            alpha_1se = alphas[order][i_1se] if alpha_1se is None else alpha_1se
        a.axvline(
            float(alpha_min),
            linestyle="--",
            color="k",
            label=f"alpha_min = {float(alpha_min):.3g}",
        )
        a.axvline(
            float(alpha_1se),
            linestyle=":",
            color="k",
            label=f"alpha_1se = {float(alpha_1se):.3g}",
        )
        a.set_ylabel(self.cv_label or "CV mean squared error")
        a.set_title(self._title("cross-validation"))
        a.legend(fontsize="small")

    def _plot_criterion(self, a, coef_kw, cv_kw):
        alphas = np.asarray(self.alphas, dtype=float)
        (self.criterion_line_,) = a.plot(
            alphas,
            np.asarray(self.criterion, dtype=float),
            color="k",
            label=self.criterion_label or "criterion",
            **cv_kw,
        )
        a.set_ylabel(self.criterion_label or "criterion")
        a.set_title(self._title("information criterion"))
        self._mark_alpha(a)
        a.legend(fontsize="small")

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
        criterion=None,
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
            Cross-validated errors (lower is better): the CV panel marks the
            minimum and the one-standard-error alpha.
        alpha_ : float, default=None
            Alpha to mark on the coefficient and criterion panels.
        feature_names : array-like of str, default=None
            Labels of the coefficient lines.
        ax : matplotlib Axes, default=None
            Where to draw.
        kind : {'auto', 'coef', 'cv', 'criterion', 'both'}, default='auto'
            Which panels to draw.
        criterion : ndarray of shape (n_alphas,), default=None
            An information criterion along the path.
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
        if criterion is not None:
            criterion = np.asarray(criterion, dtype=float)
            if criterion.shape != alphas.shape:
                raise ValueError(
                    f"criterion: expected shape {alphas.shape} (one per alpha), got "
                    f"{criterion.shape}."
                )
        disp = cls(
            alphas,
            coefs,
            mse_path=mse_path,
            alpha_=alpha_,
            feature_names=feature_names,
            criterion=criterion,
        )
        return disp.plot(ax=ax, kind=kind, **kwargs)

    @classmethod
    def from_estimator(
        cls, estimator, X=None, y=None, *, ax=None, kind="auto", **kwargs
    ):
        """Plot the path and the CV or criterion curve of a fitted estimator.

        Parameters
        ----------
        estimator : a skreg ``*CV`` or ``*IC`` estimator
            A fitted :class:`~skreg.L1RegressorCV`,
            :class:`~skreg.ElasticNetRegressorCV`, :class:`~skreg.L2RegressorCV`,
            a multi-task CV estimator, :class:`~skreg.L1RegressorIC` or
            :class:`~skreg.ElasticNetRegressorIC`.
            Its ``alphas_`` / ``mse_path_`` (or ``score_path_``) give the CV
            curve, marked at ``alpha_min_`` and ``alpha_1se_`` (for
            ``L2RegressorCV``: the stored ``cv_results_`` squared errors, when
            ``store_cv_results=True``); an IC estimator's ``criterion_`` the
            criterion curve, marked at ``alpha_``.
        X : {array-like, sparse matrix} of shape (n_samples, n_features), default=None
            Data to compute the coefficient paths on (the estimator's
            training data); without it only the CV curve is drawn.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), \
                default=None
            Targets matching ``X`` (2-d for the multi-task estimators).
        ax : matplotlib Axes or array of two Axes, default=None
            Where to draw.
        kind : {'auto', 'coef', 'cv', 'criterion', 'both'}, default='auto'
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
        from skreg.linear_model._ic import _ICBase
        from skreg.linear_model._multitask_cv import _MultiTaskCVBase
        from skreg.linear_model._ridge_cv import L2RegressorCV
        from skreg.path import enet_path, ridge_path

        selectors = (_EnetCVBase, L2RegressorCV, _MultiTaskCVBase, _ICBase)
        if not isinstance(estimator, selectors):
            raise TypeError(
                "estimator must be a skreg L1RegressorCV, ElasticNetRegressorCV, "
                "L2RegressorCV, multi-task CV estimator, L1RegressorIC or "
                f"ElasticNetRegressorIC; got {type(estimator).__name__}."
            )
        check_is_fitted(estimator, "alpha_")
        if (X is None) != (y is None):
            raise ValueError("X and y must be given together (or both omitted).")
        kw = dict(
            feature_names=getattr(estimator, "feature_names_in_", None),
            estimator_name=type(estimator).__name__,
        )
        coefs = None
        if isinstance(estimator, L2RegressorCV):
            alphas = np.atleast_1d(np.asarray(estimator.alphas, dtype=float))
            order = np.argsort(alphas)
            alphas = alphas[order]
            if hasattr(estimator, "cv_results_") and estimator.scoring is None:
                # leave-one-out: one "fold" per sample
                res = estimator.cv_results_
                res = res.reshape(res.shape[0], -1, res.shape[-1]).mean(axis=1)
                kw["mse_path"] = res.T[order]
            if X is not None:
                _, coefs = ridge_path(
                    X, y, alphas=alphas, fit_intercept=estimator.fit_intercept
                )
                if coefs.ndim == 3:
                    raise ValueError("y: coefficient paths need a single target.")
            kw["alpha_"] = estimator.alpha_ if np.ndim(estimator.alpha_) == 0 else None
            l1_ratio = None
        elif isinstance(estimator, _ICBase):
            alphas = estimator.alphas_
            l1_ratio = getattr(estimator, "l1_ratio", 1.0)
            kw.update(
                alpha_=estimator.alpha_,
                criterion=estimator.criterion_,
                criterion_label=estimator.criterion.upper(),
            )
        else:
            alphas, l1_ratio = _cv_curve(estimator, kw)
        if X is not None and l1_ratio is not None:
            coefs = _centred_enet_path(enet_path, estimator, X, y, alphas, l1_ratio)
        disp = cls(alphas, coefs, **kw)
        return disp.plot(ax=ax, kind=kind, **kwargs)


def _cv_curve(est, kw):
    """The grid and CV curve of an ElasticNet/Lasso CV estimator (at the
    chosen ``l1_ratio``), stored in the display's keyword arguments ``kw``."""
    alphas = np.asarray(est.alphas_, dtype=float)
    scored = hasattr(est, "score_path_")
    curve = est.score_path_ if scored else est.mse_path_
    l1_ratio = getattr(est, "l1_ratio_", 1.0)
    if curve.ndim == 3:  # several l1_ratio: show the chosen one
        k = int(np.flatnonzero(np.atleast_1d(est.l1_ratio) == l1_ratio)[0])
        curve = curve[k]
        alphas = alphas[k] if alphas.ndim == 2 else alphas
    kw.update(
        mse_path=curve,
        alpha_=est.alpha_,
        # (multi-task CV estimators have no rule attributes: read off the curve)
        alpha_min=getattr(est, "alpha_min_", None),
        alpha_1se=getattr(est, "alpha_1se_", None),
        cv_label=f"CV score ({est.scoring})" if scored else None,
    )
    return alphas, l1_ratio


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
