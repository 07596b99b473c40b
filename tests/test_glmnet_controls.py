"""glmnet's controls in the estimators: penalty factors and box constraints,
against an independent optimum of the same objective."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse

from skreg import (
    ElasticNetRegressor,
    ElasticNetRegressorCV,
    L1Regressor,
    L1RegressorCV,
    L2Regressor,
    lasso_path,
)
from tests._oracle import prox_grad_optimum


def _data(seed=0, n=50, p=12):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(0, 2, p)
    X[:, 1:] += 0.4 * X[:, :-1]
    coef = np.zeros(p)
    coef[:5] = [3.0, -2.0, 1.5, -1.0, 2.5]
    y = X @ coef + 0.5 * rng.standard_normal(n) + 4.0
    return X, y


def _objective(X, y, s, coef, b, alpha, l1_ratio, pf):
    """scikit-learn's objective with per-feature factors (weights sum to n)."""
    r = y - X @ coef - b
    pen = np.where(np.isinf(pf), 0.0, pf)
    return (0.5 * (s * r) @ r / len(y)) + alpha * (
        l1_ratio * pen @ np.abs(coef) + 0.5 * (1 - l1_ratio) * (pen * coef) @ coef
    )


def _optimum(X, y, s, alpha, l1_ratio, pf, lower, upper, fit_intercept):
    """The same problem with the intercept as an unpenalised, unbounded
    column of ones, solved by accelerated proximal gradient."""
    n, p = X.shape
    out = np.isinf(pf)
    f = np.where(out, 0.0, pf)
    lo, hi = np.where(out, 0.0, lower), np.where(out, 0.0, upper)
    l1, l2 = n * alpha * l1_ratio * f, n * alpha * (1 - l1_ratio) * f
    if fit_intercept:
        X = np.column_stack([X, np.ones(n)])
        l1, l2 = np.append(l1, 0.0), np.append(l2, 0.0)
        lo, hi = np.append(lo, -np.inf), np.append(hi, np.inf)
    w = prox_grad_optimum(X, y, s, l1, l2, lo, hi, n_iter=30_000)
    return (w[:p], w[p]) if fit_intercept else (w, 0.0)


@pytest.mark.parametrize("layout", ["dense", "csc"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_factors_and_bounds_reach_the_optimum(layout, fit_intercept, use_sw, l1_ratio):
    X, y = _data(seed=1)
    n, p = X.shape
    rng = np.random.default_rng(2)
    sw = rng.uniform(0.3, 3.0, n) if use_sw else None
    s = np.ones(n) if sw is None else sw * n / sw.sum()
    pf = np.linspace(0.5, 2.0, p)
    pf[[0, 6]] = 0.0  # unpenalised (a known confounder)
    pf[9] = np.inf  # left out
    lower = np.full(p, -np.inf)
    upper = np.full(p, np.inf)
    lower[1] = -0.8  # the unbounded fit is about -2
    upper[4] = 1.0  # about 2.5
    lower[7:] = 0.0
    alpha = 0.05
    Xk = sparse.csc_matrix(X) if layout == "csc" else X
    tol = 1e-10
    est = ElasticNetRegressor(
        alpha=alpha,
        l1_ratio=l1_ratio,
        fit_intercept=fit_intercept,
        tol=tol,
        max_iter=100_000,
        penalty_factor=pf,
        lower_bounds=lower,
        upper_bounds=upper,
    ).fit(Xk, y, sample_weight=sw)
    coef, b = est.coef_, est.intercept_
    assert np.all(coef >= lower) and np.all(coef <= upper) and coef[9] == 0
    ref, b_ref = _optimum(X, y, s, alpha, l1_ratio, pf, lower, upper, fit_intercept)
    p_got = _objective(X, y, s, coef, b, alpha, l1_ratio, pf)
    p_ref = _objective(X, y, s, ref, b_ref, alpha, l1_ratio, pf)
    yc = y - (np.average(y, weights=s) if fit_intercept else 0.0)
    # the duality gap bounds the suboptimality: within tol of the optimum
    assert p_got - p_ref <= tol * (s * yc) @ yc / n + 1e-12 * abs(p_ref)
    assert_allclose(coef, ref, rtol=1e-5, atol=1e-6)
    assert_allclose(b, b_ref, rtol=1e-6, atol=1e-6)
    # bounds active at the optimum hold exactly
    at_lower = (np.abs(ref - lower) < 1e-9) & (lower != 0)
    at_upper = (np.abs(ref - upper) < 1e-9) & (upper != 0)
    assert_allclose(coef[at_lower], lower[at_lower], rtol=0, atol=1e-12)
    assert_allclose(coef[at_upper], upper[at_upper], rtol=0, atol=1e-12)


def test_factors_of_one_are_the_plain_fit_and_positive_is_lower_zero():
    X, y = _data(seed=3)
    p = X.shape[1]
    plain = L1Regressor(alpha=0.1, tol=1e-10).fit(X, y)
    ones = L1Regressor(alpha=0.1, tol=1e-10, penalty_factor=np.ones(p)).fit(X, y)
    assert_allclose(ones.coef_, plain.coef_, rtol=1e-10, atol=1e-12)
    pos = ElasticNetRegressor(alpha=0.05, positive=True, tol=1e-10).fit(X, y)
    low = ElasticNetRegressor(alpha=0.05, lower_bounds=0.0, tol=1e-10).fit(X, y)
    assert_allclose(low.coef_, pos.coef_, rtol=1e-9, atol=1e-12)


def test_alpha_max_follows_the_factors():
    X, y = _data(seed=4)
    p = X.shape[1]
    pf = np.full(p, 1.0)
    pf[0] = 0.0
    pf[2] = 3.0
    alphas, coefs, _ = lasso_path(
        X - X.mean(0), y - y.mean(), penalty_factor=pf, alphas=5, eps=0.5
    )
    penalised = pf > 0
    # at alpha_max only the unpenalised feature is in the model...
    assert np.all(coefs[penalised, 0] == 0) and coefs[0, 0] != 0
    # ...and just below it a penalised one enters
    est = L1Regressor(alpha=0.98 * alphas[0], penalty_factor=pf, tol=1e-10)
    est.fit(X, y)
    assert np.count_nonzero(est.coef_[penalised]) >= 1
    cv = L1RegressorCV(alphas=6, cv=3, penalty_factor=pf).fit(X, y)
    assert_allclose(cv.alphas_[0], alphas[0], rtol=1e-10)


def test_cv_estimators_refit_with_the_controls():
    X, y = _data(seed=5, n=80)
    p = X.shape[1]
    pf = np.ones(p)
    pf[0] = 0.0
    pf[3] = np.inf
    cv = ElasticNetRegressorCV(
        l1_ratio=[0.5, 1.0], cv=3, alphas=8, penalty_factor=pf, upper_bounds=1.0
    ).fit(X, y)
    assert cv.coef_[3] == 0 and cv.coef_[0] != 0
    assert np.all(cv.coef_ <= 1.0)
    ref = ElasticNetRegressor(
        alpha=cv.alpha_, l1_ratio=cv.l1_ratio_, penalty_factor=pf, upper_bounds=1.0
    ).fit(X, y)
    assert_allclose(cv.coef_, ref.coef_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_ridge_penalty_factor_is_a_per_feature_ridge(layout):
    X, y = _data(seed=6)
    n, p = X.shape
    Z = X - X.mean(0)
    yc = y - y.mean()
    Xk = sparse.csr_matrix(X) if layout == "csr" else X
    pf = np.linspace(0.2, 3.0, p)
    ref = np.linalg.solve(Z.T @ Z + 2.0 * np.diag(pf), Z.T @ yc)
    for solver in (
        ("auto", "cholesky", "lsqr", "svd") if layout == "dense" else ("auto", "lsqr")
    ):
        est = L2Regressor(alpha=2.0, penalty_factor=pf, solver=solver, tol=1e-12)
        est.fit(Xk, y)
        assert_allclose(est.coef_, ref, rtol=1e-6)
        assert_allclose(est.intercept_, y.mean() - X.mean(0) @ ref, rtol=1e-6)
    # 0 leaves a feature unpenalised, inf out of the model
    pf[0], pf[5] = 0.0, np.inf
    keep = np.arange(p) != 5
    ref = np.zeros(p)
    ref[keep] = np.linalg.solve(
        Z[:, keep].T @ Z[:, keep] + 2.0 * np.diag(pf[keep]), Z[:, keep].T @ yc
    )
    est = L2Regressor(alpha=2.0, penalty_factor=pf, tol=1e-12, max_iter=10_000)
    est.fit(Xk, y)
    assert est.coef_[5] == 0
    assert_allclose(est.coef_, ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"penalty_factor": [1.0, 2.0]}, "penalty_factor"),
        ({"penalty_factor": -np.ones(12)}, "penalty_factor"),
        ({"penalty_factor": np.full(12, np.nan)}, "penalty_factor"),
        ({"lower_bounds": 0.5}, "lower_bounds"),
        ({"upper_bounds": -np.ones(12)}, "upper_bounds"),
        ({"upper_bounds": np.ones(3)}, "upper_bounds"),
    ],
)
def test_bad_controls_name_the_parameter(params, match):
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        ElasticNetRegressor(**params).fit(X, y)
    with pytest.raises(ValueError, match=match):
        L1RegressorCV(cv=3, alphas=3, **params).fit(X, y)


PEER_CASES = pytest.mark.parametrize(
    "layout, fit_intercept, use_sw, l1_ratio",
    [
        ("dense", True, False, 1.0),
        ("dense", False, True, 0.5),
        ("dense", True, True, 0.5),
        ("csc", True, True, 1.0),
        ("csc", False, False, 0.5),
    ],
)


def _peer_problem(seed, layout, use_sw):
    """A problem for the peers: weights, factors with zeros, bounds of
    which one binds (coefficient 4 at 0.2)."""
    rng = np.random.default_rng(seed)
    X, y = _data(seed=seed, n=80, p=15)
    p = X.shape[1]
    sw = rng.uniform(0.5, 2.0, len(y)) if use_sw else None
    pf = rng.uniform(0.5, 2.0, p)
    pf[[0, 7]] = 0.0
    lower, upper = np.full(p, -np.inf), np.full(p, np.inf)
    upper[[1, 4]] = [0.5, 0.2]
    lower[2] = -0.3
    Xk = sparse.csc_matrix(X) if layout == "csc" else X
    return X, Xk, y, sw, pf, lower, upper


@PEER_CASES
def test_glum_reaches_the_same_coefficients(layout, fit_intercept, use_sw, l1_ratio):
    # An independent peer with the same objective: glum minimises
    # 1/(2 sum(s)) sum_i s_i r_i^2 + alpha l1_ratio |P1 w|_1
    # + alpha (1 - l1_ratio)/2 w^T diag(P2) w, i.e. skreg's objective with
    # P1 = P2 = penalty_factor (glum has no inf factor: bounds 0 instead)
    glum = pytest.importorskip("glum")
    X, Xk, y, sw, pf, lower, upper = _peer_problem(7, layout, use_sw)
    pf[5] = np.inf
    est = ElasticNetRegressor(
        alpha=0.05, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
        penalty_factor=pf, lower_bounds=lower, upper_bounds=upper,
        tol=1e-12, max_iter=100_000,
    ).fit(Xk, y, sample_weight=sw)  # fmt: skip
    out = np.isinf(pf)
    peer = glum.GeneralizedLinearRegressor(
        family="normal", alpha=0.05, l1_ratio=l1_ratio,
        P1=np.where(out, 0.0, pf), P2=np.where(out, 0.0, pf),
        lower_bounds=np.where(out, 0.0, lower),
        upper_bounds=np.where(out, 0.0, upper),
        fit_intercept=fit_intercept, gradient_tol=1e-12, max_iter=1000,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glum's notes on bounds and solvers
        peer.fit(X, y, sample_weight=sw)
    scale = np.abs(est.coef_).max()
    assert est.coef_[5] == 0.0 and est.coef_[4] == pytest.approx(0.2, abs=1e-12)
    assert_allclose(est.coef_, peer.coef_, rtol=1e-8, atol=1e-9 * scale)
    assert est.intercept_ == pytest.approx(peer.intercept_, rel=1e-8, abs=1e-9)


def _glmnet_to_skreg(lam, mix, y, sw, relative_penalties):
    """skreg's ``(alpha, l1_ratio, penalty_factor)`` for glmnet's gaussian
    fit at ``lambda = lam``, ``alpha = mix``: glmnet rescales the factors to
    sum to ``p`` and standardises ``y`` inside, which divides its L2 part
    by the (weighted, centred) standard deviation of ``y``."""
    w = np.ones(len(y)) if sw is None else sw
    w = w / w.sum()
    sd = np.sqrt(w @ (y - w @ y) ** 2)
    a1, a2 = lam * mix, lam * (1 - mix) / sd
    pf = relative_penalties * len(relative_penalties) / relative_penalties.sum()
    return a1 + a2, a1 / (a1 + a2), pf


@PEER_CASES
def test_glmnet_reaches_the_same_coefficients(layout, fit_intercept, use_sw, l1_ratio):
    # glmnet itself (python-glmnet, standardize=False, relative_penalties,
    # lower/upper limits, a path down to lambda) through the mapping the
    # user guide documents; glmnet's own tolerance limits the agreement
    glmnet = pytest.importorskip("glmnet")
    X, Xk, y, sw, rp, lower, upper = _peer_problem(11, layout, use_sw)
    lam = 0.05
    peer = glmnet.ElasticNet(
        alpha=l1_ratio, lambda_path=np.geomspace(5.0, lam, 30), standardize=False,
        fit_intercept=fit_intercept, lower_limits=lower, upper_limits=upper,
        n_splits=0, tol=1e-14, max_iter=1_000_000,
    ).fit(Xk, y, sample_weight=sw, relative_penalties=rp)  # fmt: skip
    alpha, ratio, pf = _glmnet_to_skreg(lam, l1_ratio, y, sw, rp)
    est = ElasticNetRegressor(
        alpha=alpha, l1_ratio=ratio, fit_intercept=fit_intercept,
        penalty_factor=pf, lower_bounds=lower, upper_bounds=upper,
        tol=1e-14, max_iter=100_000,
    ).fit(Xk, y, sample_weight=sw)  # fmt: skip
    assert peer.lambda_path_[-1] == pytest.approx(lam)
    scale = np.abs(est.coef_).max()
    assert_allclose(est.coef_, peer.coef_path_[:, -1], rtol=0, atol=2e-6 * scale)
    assert_allclose(est.intercept_, peer.intercept_path_[-1], rtol=0, atol=2e-6 * scale)
    # a bound binds, and the unpenalised features are in the model
    assert est.coef_[4] == pytest.approx(0.2)
    assert est.coef_[0] != 0 and est.coef_[7] != 0
