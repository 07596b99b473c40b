"""Lasso/ElasticNet as a drop-in: check_input, exactness at tight tol, messages.

Fast oracles of the scikit-learn tests that ``benchmarks/sklearn_dropin.py``
runs against skreg; every case compares with scikit-learn.
"""

import warnings

import numpy as np
import pytest
import sklearn.linear_model as sklm
from scipy import sparse
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning

from skreg import ElasticNetRegressor, L1Regressor, L1RegressorCV, lasso_path
from tests._oracle import make_problem


def _ill_conditioned(seed=0, n=120, p=40, noise=0.0):
    rng = np.random.RandomState(seed)
    X, y = make_regression(
        n_samples=n,
        n_features=p,
        effective_rank=5,
        n_informative=20,
        noise=noise,
        random_state=rng,
    )
    return X, y, rng.uniform(0.01, 10, n)


@pytest.mark.parametrize("precompute", [False, True])
@pytest.mark.parametrize("noise", [0.0, 1.0])
def test_alpha0_tight_tol_is_ols(precompute, noise):
    # CD alone stops far from the OLS solution on an ill-conditioned design;
    # the exact finish solves it (scikit-learn reaches it by many epochs)
    X, y, sw = _ill_conditioned(noise=noise)
    ols = sklm.LinearRegression().fit(X, y, sample_weight=sw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # alpha=0 advice, gap of noisy OLS
        ours = ElasticNetRegressor(alpha=0, precompute=precompute, tol=1e-15)
        ours.fit(X, y, sample_weight=sw)
    scale = np.abs(ols.coef_).max()
    np.testing.assert_allclose(ours.coef_, ols.coef_, atol=1e-9 * scale)
    np.testing.assert_allclose(ours.intercept_, ols.intercept_, atol=1e-9 * scale)


@pytest.mark.parametrize("precompute", [False, True])
@pytest.mark.parametrize("ridge_alpha", [1e-4, 1.0, 1e3])
def test_l1_ratio0_tight_tol_is_ridge(precompute, ridge_alpha):
    X, y, sw = _ill_conditioned(seed=1, noise=1.0)
    ridge = sklm.Ridge(alpha=ridge_alpha, solver="svd").fit(X, y, sample_weight=sw)
    ours = ElasticNetRegressor(
        alpha=ridge_alpha / sw.sum(), l1_ratio=0, precompute=precompute, tol=1e-11
    ).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ridge.coef_, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("is_sparse", [False, True])
def test_tight_tol_lasso_enet_match_sklearn(l1_ratio, is_sparse):
    X, y = make_problem(80, 30, seed=3)
    sw = np.random.RandomState(3).uniform(0.2, 3.0, 80)
    Xf = sparse.csc_matrix(X) if is_sparse else X
    kw = dict(alpha=0.05, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000)
    ours = ElasticNetRegressor(**kw).fit(Xf, y, sample_weight=sw)
    ref = sklm.ElasticNet(**kw).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-10)
    assert ours.dual_gap_ <= 1e-12 * np.average(y**2, weights=sw) * 10


def test_precomputed_gram_fit_equals_plain_fit():
    # the Gram kernel gets the exact finish at any tol: with sample weights
    # and a user Gram matrix it gives the plain CD answer (as scikit-learn)
    X, y = make_problem(60, 12, seed=4)
    sw = np.random.RandomState(4).lognormal(size=60)
    w = sw * 60 / sw.sum()
    Xc = X - np.average(X, axis=0, weights=w)
    Xr = Xc * np.sqrt(w)[:, None]
    ours = ElasticNetRegressor(alpha=0.01, precompute=Xr.T @ Xr).fit(
        Xc, y, sample_weight=sw
    )
    plain = ElasticNetRegressor(alpha=0.01).fit(Xc, y, sample_weight=sw)
    ref = sklm.ElasticNet(alpha=0.01, tol=1e-14).fit(Xc, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7)
    np.testing.assert_allclose(plain.coef_, ref.coef_, rtol=1e-7)


def test_incorrect_gram_raises_as_sklearn():
    X, y = make_problem(50, 8, seed=5)
    Xc = X - X.mean(axis=0)
    garbage = np.random.RandomState(0).standard_normal(X.shape)
    for est in (ElasticNetRegressor, sklm.ElasticNet):
        with pytest.raises(ValueError, match="Gram matrix.*did not pass validation"):
            est(alpha=0.01, precompute=garbage.T @ garbage).fit(Xc, y)


def test_check_input_false_as_sklearn():
    X, y = make_problem(30, 6, seed=6)
    XF = np.asfortranarray(X)
    for est in (ElasticNetRegressor, sklm.ElasticNet):
        a = est(tol=1e-10).fit(XF, y, check_input=False)
        b = est(tol=1e-10).fit(XF, y)
        np.testing.assert_array_equal(a.coef_, b.coef_)
        with pytest.raises(ValueError):
            est().fit(np.ascontiguousarray(X), y, check_input=False)
        # sample weights make scikit-learn rescale a Fortran copy: accepted
        est().fit(np.ascontiguousarray(X), y, np.ones(30), check_input=False)
    ours = ElasticNetRegressor(tol=1e-10).fit(XF, y, check_input=False)
    ref = sklm.ElasticNet(tol=1e-10).fit(XF, y, check_input=False)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6)


def test_messages_as_sklearn():
    rng = np.random.RandomState(0)
    X = np.finfo(np.float64).max * rng.uniform(size=(10, 2))
    y = rng.randint(0, 2, size=10)
    msg = "Coordinate descent iterations resulted in non-finite parameter values"
    for est in (ElasticNetRegressor, sklm.ElasticNet):
        with pytest.raises(ValueError, match=msg), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est(alpha=0.1).fit(X, y)
    X, y = make_problem(10, 3, seed=7)
    messages = []
    for est in (L1RegressorCV, sklm.LassoCV):
        with pytest.raises(TypeError) as info:
            est(alphas=(1, 1.0, "1")).fit(X, y)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    grid = "Automatic alpha grid generation is not supported for l1_ratio=0"
    for est in (sklm.ElasticNetCV, __import__("skreg").ElasticNetRegressorCV):
        with pytest.raises(ValueError, match=grid):
            est(l1_ratio=0).fit(X, y)


@pytest.mark.parametrize("est", [L1RegressorCV, sklm.LassoCV])
def test_cv_folds_warn_at_max_iter(est):
    X, y = make_problem(50, 25, seed=8)
    Xs = sparse.csr_matrix(X, dtype=np.float32)
    with pytest.warns(ConvergenceWarning):
        est(max_iter=1, tol=0).fit(Xs, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est().fit(Xs, y)


def _fit_warns(est, X, y):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always", ConvergenceWarning)
        est.fit(X, y)
    return any(issubclass(w.category, ConvergenceWarning) for w in rec)


@pytest.mark.parametrize("is_sparse", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_tol_zero_as_sklearn(is_sparse, l1_ratio):
    # tol=0: only a gap <= 0 is within tol, so a fit runs to max_iter and
    # warns, unless it reaches the exact optimum (gap 0 up to rounding)
    X, y = make_problem(40, 20, seed=9)
    Xi = sparse.csc_matrix(X) if is_sparse else X
    kw = dict(alpha=0.01, l1_ratio=l1_ratio, tol=0)
    ours, ref = ElasticNetRegressor(max_iter=2, **kw), sklm.ElasticNet(max_iter=2, **kw)
    assert _fit_warns(ours, Xi, y) and _fit_warns(ref, Xi, y)
    assert ours.n_iter_ == ref.n_iter_ == 2
    ours = ElasticNetRegressor(max_iter=500, **kw)
    ref = sklm.ElasticNet(max_iter=500, **kw)
    # a warning when the fit ran out of epochs, none when it stopped before:
    # only a gap rounded to <= 0 stops it (at the last epoch too, as in
    # sklearn; the reported gap is the exact finish's, rounding above 0)
    warned = _fit_warns(ours, Xi, y)
    assert not warned or ours.n_iter_ == 500
    if ours.n_iter_ < 500:
        assert not warned
    _fit_warns(ref, Xi, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    # above alpha_max w = 0 is exact: no epoch, no warning
    big = dict(kw, alpha=1e3)
    ours, ref = ElasticNetRegressor(**big), sklm.ElasticNet(**big)
    assert not _fit_warns(ours, Xi, y) and not _fit_warns(ref, Xi, y)
    assert ours.n_iter_ == ref.n_iter_ == 0 and not np.any(ours.coef_)


@pytest.mark.parametrize("is_sparse", [False, True])
def test_tol_zero_path_runs_max_iter(is_sparse):
    X, y = make_problem(40, 20, seed=9)
    Xc = X - X.mean(axis=0)
    Xi = sparse.csc_matrix(Xc) if is_sparse else Xc
    alphas = np.geomspace(0.5, 0.005, 5) * np.abs(Xc.T @ (y - y.mean())).max() / 40
    with pytest.warns(ConvergenceWarning):
        _, coefs, gaps, n_iters = lasso_path(
            Xi, y - y.mean(), alphas=alphas, tol=0, max_iter=3, return_n_iter=True
        )
    _, _, _, ref_iters = sklm.lasso_path(
        Xi, y - y.mean(), alphas=alphas, tol=0, max_iter=3, return_n_iter=True
    )
    assert np.all(np.isfinite(coefs)) and np.all(np.isfinite(gaps))
    assert list(n_iters) == list(ref_iters) == [3] * 5
    with pytest.warns(ConvergenceWarning):
        L1Regressor(alpha=0.01, tol=0, max_iter=2).fit(X, y)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("is_sparse", [False, True])
def test_multitask_path_matches_sklearn(l1_ratio, is_sparse):
    # 2-D y: scikit-learn's multi-task (l2,1) path, dense or sparse X with
    # implicit centring and sample weights (sparse only, as scikit-learn)
    X, Y = make_problem(40, 15, n_targets=3, seed=10)
    Xf = sparse.csc_matrix(X) if is_sparse else X - X.mean(axis=0)
    kw = dict(l1_ratio=l1_ratio, alphas=8, eps=1e-2, tol=1e-10)
    if is_sparse:
        sw = np.random.RandomState(10).uniform(0.5, 2.0, 40)
        sw *= 40 / sw.sum()
        xm = np.average(X, axis=0, weights=sw)
        Yc = Y - np.average(Y, axis=0, weights=sw)
        kw.update(X_offset=xm, X_scale=np.ones(15), sample_weight=sw)
    else:
        Yc = Y - Y.mean(axis=0)
    alphas, coefs, _ = __import__("skreg").enet_path(Xf, Yc, **kw)
    ref_alphas, ref, _ = sklm.enet_path(Xf, Yc, **kw)
    assert coefs.shape == ref.shape == (3, 15, 8)
    np.testing.assert_allclose(alphas, ref_alphas, rtol=1e-12)
    np.testing.assert_allclose(coefs, ref, rtol=1e-6, atol=1e-8)
    for func in (lasso_path, sklm.lasso_path):
        with pytest.raises(ValueError, match="positive"):
            func(Xf, Yc, positive=True)
    one = lasso_path(Xf, Yc[:, :1], alphas=3)[1]
    assert one.shape == sklm.lasso_path(Xf, Yc[:, :1], alphas=3)[1].shape
