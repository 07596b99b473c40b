"""Semi-smooth dual Newton for (non-negative) Ridge on wide designs."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import nnls
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge

from skreg import L2Regressor
from skreg.solvers.design import Design
from skreg.solvers.ridge_dual import ridge_dual_newton, use_dual_newton
from tests._oracle import make_problem, sparsify


def _problem(layout, use_sw, fit_intercept, n=30, p=90, seed=0, rho=0.0):
    X, y = make_problem(n, p, seed=seed)
    if rho:
        # strongly correlated neighbours: an ill-conditioned Z^T Z
        for j in range(1, p):
            X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * X[:, j]
    X = np.asfortranarray(X)
    s = np.ones(n)
    sw = None
    if use_sw:
        sw = np.random.RandomState(seed + 5).uniform(0.2, 3.0, size=n)
        s = sw
    Xk = sparsify(X, density=0.5) if layout == "sparse" else X
    Xd = Xk.toarray() if layout == "sparse" else X
    m = np.average(Xd, axis=0, weights=s) if fit_intercept else np.zeros(p)
    yc = y - np.average(y, weights=s) if fit_intercept else y.copy()
    design = Design(Xk, sw, m)
    Z = Xd - m
    return design, Z, yc, s


def _kkt(Z, y, s, w, alpha, positive):
    # gradient of the CD-scaled objective: zero on the support, <= 0 at a
    # zero coefficient of the non-negative problem
    g = Z.T @ (s * (y - Z @ w)) - alpha * w
    scale = np.linalg.norm(Z.T @ (s * y))
    if not positive:
        return np.max(np.abs(g)) / scale
    active = w > 0
    worst = max(np.max(np.abs(g[active]), initial=0.0), np.max(g[~active], initial=0.0))
    return worst / scale


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [1e-3, 1.0, 100.0])
def test_unconstrained_is_the_kernel_solution_in_one_step(
    layout, use_sw, fit_intercept, alpha
):
    design, Z, y, s = _problem(layout, use_sw, fit_intercept)
    w = np.zeros(Z.shape[1])
    assert ridge_dual_newton(design, y, w, alpha, False) == 1
    # the kernel form on an explicitly centred, weighted copy
    Zt = np.sqrt(s)[:, None] * Z
    u = np.linalg.solve(Zt @ Zt.T + alpha * np.eye(len(y)), np.sqrt(s) * y)
    # both solves round with the conditioning of Z~ Z~^T + alpha I (1e6 at
    # alpha = 1e-3)
    assert_allclose(w, Zt.T @ u, rtol=1e-8, atol=1e-9 * np.abs(w).max())


def _nnls_ridge(Z, y, s, alpha):
    # an independent oracle: the non-negative Ridge problem as NNLS on the
    # augmented system [Z~; sqrt(alpha) I] w = [y~; 0] (Lawson-Hanson)
    p = Z.shape[1]
    A = np.vstack([np.sqrt(s)[:, None] * Z, np.sqrt(alpha) * np.eye(p)])
    b = np.concatenate([np.sqrt(s) * y, np.zeros(p)])
    return nnls(A, b, maxiter=50 * p)[0]


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("alpha", [1.0, 100.0])
@pytest.mark.parametrize("p", [90, 300])
def test_positive_newton_solves_a_wide_problem(layout, use_sw, alpha, p):
    # the solution keeps about as many features as samples or more: a few
    # steps land on it exactly (3 to 6 here; without an intercept, where
    # the uncentred target leaves 25-40 features, up to 10)
    design, Z, y, s = _problem(layout, use_sw, True, p=p)
    w = np.zeros(Z.shape[1])
    steps = ridge_dual_newton(design, y, w, alpha, True)
    assert 1 <= steps < 10
    assert np.all(w >= 0) and 0 < np.count_nonzero(w) < w.size
    assert _kkt(Z, y, s, w, alpha, True) <= 1e-12
    ref = _nnls_ridge(Z, y, s, alpha)
    assert_allclose(w, ref, rtol=1e-8, atol=1e-10 * np.abs(ref).max())


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [1e-2, 1.0, 100.0])
@pytest.mark.parametrize("rho", [0.0, 0.9])
def test_positive_cd_solver_matches_nnls(layout, use_sw, fit_intercept, alpha, rho):
    # through the estimator: CD epochs, Newton steps (at most 10), and CD
    # again where the steps did not finish (a small alpha and support)
    design, Z, y, s = _problem(layout, use_sw, fit_intercept, rho=rho)
    X = design.sparse_X if layout == "sparse" else design.X
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        # (Ridge's alpha is the CD-scale one: both objectives double)
        est = L2Regressor(
            alpha=alpha,
            positive=True,
            fit_intercept=fit_intercept,
            tol=1e-12,
            max_iter=100_000,
        ).fit(X, y + fit_intercept, sample_weight=s if use_sw else None)
    ref = _nnls_ridge(Z, y, s, alpha)
    # tol = 1e-12 bounds the objective's relative error, the coefficients'
    # by about its square root (times the conditioning)
    assert_allclose(est.coef_, ref, rtol=1e-4, atol=1e-5 * np.abs(ref).max())
    assert _kkt(Z, y, s, est.coef_, alpha, True) <= 1e-5


def test_warm_start_from_the_solution_takes_one_step():
    design, Z, y, s = _problem("dense", True, True, rho=0.9)
    w = np.zeros(Z.shape[1])
    ridge_dual_newton(design, y, w, 1.0, True)
    w2 = w.copy()
    assert ridge_dual_newton(design, y, w2, 1.0, True) == 1
    assert_allclose(w2, w, rtol=1e-9, atol=1e-12)


def test_a_failed_factor_leaves_the_start_unchanged(monkeypatch):
    # no step taken: the caller's point is kept, not the point its residual
    # induces (which differs from it away from the optimum)
    import skreg.solvers.ridge_dual as rd

    design, Z, y, s = _problem("dense", False, True, rho=0.9)
    w = np.zeros(Z.shape[1])
    w[:10] = 0.5
    start = w.copy()
    monkeypatch.setattr(rd, "dpotrf", lambda M, **kw: (M, 1))
    assert ridge_dual_newton(design, y, w, 1.0, True) == 0
    assert np.array_equal(w, start)


def test_applies_to_wide_designs_only():
    assert use_dual_newton(Design(np.asfortranarray(np.ones((10, 30)))), 1.0)
    # tall: primal coordinate descent converges well; no alpha: singular
    assert not use_dual_newton(Design(np.asfortranarray(np.ones((30, 10)))), 1.0)
    assert not use_dual_newton(Design(np.asfortranarray(np.ones((10, 30)))), 0.0)
    # the n x n kernel matrix would be too large
    assert not use_dual_newton(Design(np.asfortranarray(np.ones((3001, 3002)))), 1.0)


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_positive_wide_ridge_beats_sklearn_and_converges(layout, fit_intercept):
    # Primal coordinate descent did not converge here in 1000 epochs (an
    # ill-conditioned Z^T Z + alpha I); scikit-learn's L-BFGS-B stops short
    # of the optimum.  The dual Newton converges without a warning to the
    # KKT point, with an objective at most scikit-learn's.
    design, Z, y, s = _problem(layout, True, fit_intercept, n=60, p=400, rho=0.95)
    rng = np.random.RandomState(0)
    X = design.sparse_X if layout == "sparse" else design.X
    sw = rng.uniform(0.5, 2.0, size=60)
    y_raw = y + 3.0 * fit_intercept
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = L2Regressor(alpha=0.1, positive=True, fit_intercept=fit_intercept).fit(
            X, y_raw, sample_weight=sw
        )
    assert ours.solver_ == "cd"
    assert ours.n_iter_[0] < 30
    Xd = X.toarray() if layout == "sparse" else X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = Ridge(alpha=0.1, positive=True, fit_intercept=fit_intercept).fit(
            Xd, y_raw, sample_weight=sw
        )

    def objective(est):
        r = y_raw - Xd @ est.coef_ - est.intercept_
        return sw @ r**2 + 0.1 * est.coef_ @ est.coef_

    assert objective(ours) <= objective(ref) * (1 + 1e-12)
    m = np.average(Xd, axis=0, weights=sw) if fit_intercept else np.zeros(Xd.shape[1])
    yc = y_raw - np.average(y_raw, weights=sw) if fit_intercept else y_raw
    # at the default tol (1e-4 of the objective)
    assert _kkt(Xd - m, yc, sw, ours.coef_, 0.1, True) <= 1e-3


def test_cd_solver_on_wide_data_matches_cholesky():
    X, y = make_problem(40, 300, n_targets=2, seed=3)
    cd = L2Regressor(alpha=[0.5, 5.0], solver="cd", tol=1e-10).fit(X, y)
    ch = L2Regressor(alpha=[0.5, 5.0], solver="cholesky").fit(X, y)
    assert_allclose(cd.coef_, ch.coef_, rtol=1e-8, atol=1e-10)
    assert_allclose(cd.intercept_, ch.intercept_, rtol=1e-8, atol=1e-10)
    # one Newton step each, then a few CD epochs for the rounding at tol=1e-10
    assert np.all(cd.n_iter_ <= 5)


def test_newton_steps_count_against_max_iter():
    design, Z, y, s = _problem("dense", False, True, rho=0.95)
    X = design.X
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        est = L2Regressor(alpha=0.01, positive=True, max_iter=1, tol=1e-12).fit(
            X, y + 1.0
        )
    assert est.n_iter_[0] == 1
