"""Per-feature ridge (``penalty_factor``) in L2Regressor and L2RegressorCV:
against closed forms, leave-one-out refits and the grid search."""

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from sklearn.model_selection import GridSearchCV, KFold

from skreg import L2Regressor, L2RegressorCV


def _data(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(0, 2, p)
    y = X[:, :3] @ [2.0, -1.0, 0.5] + rng.standard_normal(n) + 3.0
    pf = np.linspace(0.5, 2.0, p)
    pf[[1, 6]] = 0.0  # unpenalised
    pf[4] = np.inf  # left out
    return X, y, rng.uniform(0.5, 2.0, n), pf


def _exact(X, y, s, alpha, pf, fit_intercept):
    """``argmin sum s (y - Xw - b)^2 + alpha sum pf w^2`` in closed form."""
    keep = np.isfinite(pf)
    xm = s @ X / s.sum() if fit_intercept else np.zeros(X.shape[1])
    ym = s @ y / s.sum() if fit_intercept else 0.0
    Z = X[:, keep] - xm[keep]
    A = Z.T @ (s[:, None] * Z) + alpha * np.diag(pf[keep])
    w = np.zeros(X.shape[1])
    w[keep] = np.linalg.lstsq(A, Z.T @ (s * (y - ym)), rcond=None)[0]
    return w, ym - xm @ w


def _loo_errors(X, y, s, alpha, pf, fit_intercept):
    """Weighted squared leave-one-out errors from n refits."""
    errs = np.empty(len(y))
    for i in range(len(y)):
        m = np.arange(len(y)) != i
        w, b = _exact(X[m], y[m], s[m], alpha, pf, fit_intercept)
        errs[i] = s[i] * (y[i] - X[i] @ w - b) ** 2
    return errs


CASES = [
    (n, p, fi, sw, layout, mode)
    for (n, p), fi, sw, layout, mode in itertools.product(
        [(30, 8), (12, 20)],
        [True, False],
        [False, True],
        ["dense", "csr"],
        ["svd", "eigen"],
    )
    if not (layout == "csr" and mode == "svd")
]


@pytest.mark.parametrize("n, p, fit_intercept, use_sw, layout, mode", CASES)
def test_gcv_with_factors_is_exact_leave_one_out(
    n, p, fit_intercept, use_sw, layout, mode
):
    # unpenalised columns are projected out as the intercept is: the
    # leave-one-out errors are those of n refits, wide and tall
    X, y, s, pf = _data(n, p)
    s = s if use_sw else np.ones(n)
    alphas = [0.01, 0.3, 3.0]
    Xk = sparse.csr_matrix(X) if layout == "csr" else X
    est = L2RegressorCV(
        alphas=alphas, fit_intercept=fit_intercept, penalty_factor=pf,
        gcv_mode=mode, store_cv_results=True,
    ).fit(Xk, y, sample_weight=s if use_sw else None)  # fmt: skip
    ref = np.array([_loo_errors(X, y, s, a, pf, fit_intercept) for a in alphas])
    assert_allclose(est.cv_results_.T, ref, rtol=1e-8, atol=1e-12)
    assert est.alpha_ == alphas[int(np.argmin(ref.mean(axis=1)))]
    w, b = _exact(X, y, s, est.alpha_, pf, fit_intercept)
    assert_allclose(est.coef_, w, rtol=1e-8, atol=1e-12)
    assert_allclose(est.intercept_, b, rtol=1e-8, atol=1e-10)
    assert est.coef_[4] == 0


def test_cv_splitter_with_factors_is_the_grid_search():
    X, y, _, pf = _data(60, 10, seed=3)
    pf[[1, 6]] = 0.3  # positive factors: the inner fits are direct solves
    alphas = [0.1, 1.0, 10.0]
    cv = KFold(4, shuffle=True, random_state=0)
    est = L2RegressorCV(alphas=alphas, cv=cv, penalty_factor=pf).fit(X, y)
    grid = GridSearchCV(L2Regressor(penalty_factor=pf), {"alpha": alphas}, cv=cv).fit(
        X, y
    )
    assert est.alpha_ == grid.best_params_["alpha"]
    assert_allclose(est.coef_, grid.best_estimator_.coef_, rtol=1e-10)


@pytest.mark.parametrize("alpha", [0.01, 1.0])
@pytest.mark.parametrize("tol", [1e-4, 1e-8])
def test_ridge_with_unpenalised_features_gap_bounds_suboptimality(alpha, tol):
    # wide and ill-conditioned: a gradient norm would stop far from the
    # optimum; the dual at the projected residual bounds the suboptimality
    X, y, s, pf = _data(12, 20, seed=5)
    est = L2Regressor(
        alpha=alpha, penalty_factor=pf, solver="cd", tol=tol, max_iter=100_000
    )
    est.fit(X, y)
    w, b = _exact(X, y, np.ones(12), alpha, pf, True)
    q = np.where(np.isinf(pf), 0.0, pf)

    def objective(coef, intercept):
        r = y - X @ coef - intercept
        return r @ r + alpha * q @ (coef * coef)

    yc = y - y.mean()
    # Ridge's objective is twice the solver's, whose gap is within tol |y|^2
    assert objective(est.coef_, est.intercept_) - objective(w, b) <= 2 * tol * yc @ yc


@pytest.mark.parametrize("solver", ["auto", "cholesky", "svd"])
@pytest.mark.parametrize("n, p", [(12, 20), (40, 8)])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("use_sw", [False, True])
def test_direct_solvers_with_unpenalised_features_are_exact(
    solver, n, p, fit_intercept, use_sw
):
    # the free columns are projected out of one decomposition: the closed
    # form to rounding, ill-conditioned wide data included, in X's dtype
    X, y, s, pf = _data(n, p, seed=5)
    s = s if use_sw else np.ones(n)
    Y = np.c_[y, 2.0 * y + 1.0]
    est = L2Regressor(
        alpha=[0.01, 1.0], penalty_factor=pf, solver=solver, fit_intercept=fit_intercept
    ).fit(X, Y, sample_weight=s if use_sw else None)
    assert est.solver_ == ("cholesky" if solver == "auto" else solver)
    for k, alpha in enumerate([0.01, 1.0]):
        w, b = _exact(X, Y[:, k], s, alpha, pf, fit_intercept)
        assert_allclose(est.coef_[k], w, rtol=1e-9, atol=1e-11 * np.abs(w).max())
        b_est = np.broadcast_to(est.intercept_, 2)[k]
        assert_allclose(b_est, b, rtol=1e-9, atol=1e-10)
    assert np.all(est.coef_[:, 4] == 0)
    est32 = L2Regressor(alpha=0.01, penalty_factor=pf, solver=solver)
    assert est32.fit(X.astype(np.float32), y).coef_.dtype == np.float32
