"""L1RegressorIC and ElasticNetRegressorIC against LassoLarsIC and a direct
computation of the criterion."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from sklearn.datasets import make_regression
from sklearn.linear_model import ElasticNet, LassoLarsIC, LinearRegression, lars_path

from skreg import ElasticNetRegressorIC, L1RegressorIC
from tests._oracle import sparsify

TIGHT = dict(tol=1e-12, max_iter=100_000)


def _data(n, p, seed, noise=5.0):
    return make_regression(
        n_samples=n,
        n_features=p,
        n_informative=5,
        noise=noise,
        bias=3.0,
        random_state=seed,
    )


@pytest.mark.parametrize("criterion", ["aic", "bic"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_criterion_matches_lassolarsic(criterion, fit_intercept):
    X, y = _data(60, 15, seed=0)
    ref = LassoLarsIC(criterion=criterion, fit_intercept=fit_intercept).fit(X, y)
    kinks = ref.alphas_
    # Models just above each LARS kink: the kink's active set (the variable
    # entering there is still 0) and an RSS within 1e-9 of the kink's.  Not
    # at kinks where a variable leaves (LARS has it at 0 there, any model
    # just above keeps it) nor at alpha = 0.
    _, _, coefs = lars_path(*_centred(X, y, fit_intercept), method="lasso")
    nonzero = coefs != 0
    drops = np.r_[False, np.any(nonzero[:, :-1] & ~nonzero[:, 1:], axis=0)]
    kept = np.flatnonzero(~drops & (kinks > 0))
    assert kept.size > 0.8 * kinks.size
    ours = L1RegressorIC(
        criterion=criterion,
        fit_intercept=fit_intercept,
        alphas=kinks[kept] * (1 + 1e-9),
        **TIGHT,
    ).fit(X, y)
    assert_allclose(ours.noise_variance_, ref.noise_variance_, rtol=1e-10)
    assert_allclose(ours.criterion_, ref.criterion_[kept], rtol=1e-7)
    assert ref.alpha_ in kinks[kept]
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-8)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-6 * np.abs(ref.coef_).max())
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)


def _centred(X, y, fit_intercept):
    if not fit_intercept:
        return X, y
    return X - X.mean(axis=0), y - y.mean()


@pytest.mark.parametrize("criterion", ["aic", "bic"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_wide_criterion_matches_lars_path_models(criterion, fit_intercept):
    # Wide data (a given noise variance): between two kinks the Lasso
    # solution is LARS's linear interpolation, with a support far from any
    # kink; LassoLarsIC's formula on it is the oracle.
    X, y = _data(40, 120, seed=0)
    Xc, yc = _centred(X, y, fit_intercept)
    kinks, _, coefs = lars_path(Xc, yc, method="lasso")
    mids = np.sqrt(kinks[:-1] * kinks[1:])[kinks[1:] > 1e-3 * kinks[0]]
    exact = np.array([_interpolate(kinks, coefs, a) for a in mids]).T
    rss = ((yc[:, None] - Xc @ exact) ** 2).sum(axis=0)
    df = (np.abs(exact) > np.finfo(float).eps).sum(axis=0)
    k = 2.0 if criterion == "aic" else np.log(40)
    expected = 40 * np.log(2 * np.pi * 20.0) + rss / 20.0 + k * df
    ours = L1RegressorIC(
        criterion=criterion,
        fit_intercept=fit_intercept,
        noise_variance=20.0,
        alphas=mids,
        **TIGHT,
    ).fit(X, y)
    assert_allclose(ours.df_, df)
    assert_allclose(ours.criterion_, expected, rtol=1e-7)


def _interpolate(kinks, coefs, alpha):
    # kinks decrease: the segment [kinks[i + 1], kinks[i]] holds alpha
    i = np.searchsorted(-kinks, -alpha) - 1
    t = (kinks[i] - alpha) / (kinks[i] - kinks[i + 1])
    return (1 - t) * coefs[:, i] + t * coefs[:, i + 1]


def _direct_criterion(X, y, sw, alphas, l1_ratio, criterion, fit_intercept):
    """Criterion of sklearn's ElasticNet path, written out from the formulas."""
    Xd = X.toarray() if sparse.issparse(X) else X
    sw = np.ones(len(y)) if sw is None else sw
    n_eff, p = sw.sum(), X.shape[1]
    ols = LinearRegression(fit_intercept=fit_intercept).fit(Xd, y, sample_weight=sw)
    sigma2 = sw @ (y - ols.predict(Xd)) ** 2 / (n_eff - p - fit_intercept)
    xm = np.average(Xd, axis=0, weights=sw) if fit_intercept else np.zeros(p)
    s = sw * len(y) / n_eff  # the weights of the fit, summing to n
    out = []
    for a in alphas:
        m = ElasticNet(alpha=a, l1_ratio=l1_ratio, fit_intercept=fit_intercept, **TIGHT)
        m.fit(Xd, y, sample_weight=sw)
        rss = sw @ (y - m.predict(Xd)) ** 2
        A = np.abs(m.coef_) > np.finfo(float).eps
        Z = np.sqrt(s)[:, None] * (Xd[:, A] - xm[A])
        hat = Z @ np.linalg.inv(Z.T @ Z + len(y) * a * (1 - l1_ratio) * np.eye(A.sum()))
        df = np.trace(hat @ Z.T)
        k = 2.0 if criterion == "aic" else np.log(n_eff)
        out.append(n_eff * np.log(2 * np.pi * sigma2) + rss / sigma2 + k * df)
    return np.array(out), sigma2


@pytest.mark.parametrize("is_sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("l1_ratio", [0.5, 1.0])
def test_criterion_matches_direct_computation(is_sparse, weighted, l1_ratio):
    X, y = _data(50, 12, seed=1)
    Xi = sparse.csr_matrix(sparsify(X, density=0.6)) if is_sparse else X
    sw = np.random.RandomState(0).randint(1, 4, size=50) * 1.0 if weighted else None
    alphas = np.geomspace(5.0, 0.01, 9)
    ours = ElasticNetRegressorIC(
        criterion="bic", l1_ratio=l1_ratio, alphas=alphas, **TIGHT
    ).fit(Xi, y, sample_weight=sw)
    crit, sigma2 = _direct_criterion(Xi, y, sw, alphas, l1_ratio, "bic", True)
    assert ours.noise_variance_ == pytest.approx(sigma2, rel=1e-6)
    assert_allclose(ours.criterion_, crit, rtol=1e-7)
    assert ours.alpha_ == alphas[np.argmin(crit)]
    if l1_ratio < 1:
        assert np.any(ours.df_ % 1 != 0)  # the hat-matrix trace, not a count


def test_integer_weights_are_repeated_samples():
    X, y = _data(40, 8, seed=2)
    sw = np.random.RandomState(1).randint(0, 4, size=40)
    kw = dict(l1_ratio=0.7, alphas=20, **TIGHT)
    weighted = ElasticNetRegressorIC(**kw).fit(X, y, sample_weight=sw)
    repeated = ElasticNetRegressorIC(**kw).fit(X.repeat(sw, 0), y.repeat(sw))
    assert_allclose(weighted.alphas_, repeated.alphas_, rtol=1e-12)
    assert_allclose(weighted.noise_variance_, repeated.noise_variance_, rtol=1e-8)
    assert_allclose(weighted.criterion_, repeated.criterion_, rtol=1e-7)
    assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6, atol=1e-9)


def test_lasso_case_and_float32():
    X, y = _data(60, 20, seed=3)
    lasso = L1RegressorIC(criterion="bic").fit(X, y)
    enet = ElasticNetRegressorIC(criterion="bic", l1_ratio=1.0).fit(X, y)
    assert_allclose(enet.criterion_, lasso.criterion_)
    assert_allclose(lasso.df_, (np.abs(lasso_coefs(X, y, lasso)) > 0).sum(axis=0))
    assert lasso.alphas_.shape == lasso.criterion_.shape == (100,)
    assert lasso.n_iter_ >= 1 and lasso.coef_.dtype == np.float64
    single = L1RegressorIC(criterion="bic").fit(X.astype(np.float32), y)
    assert single.coef_.dtype == np.float32
    assert single.alpha_ == pytest.approx(lasso.alpha_, rel=1e-6)


def lasso_coefs(X, y, est):
    from skreg import lasso_path

    Xc, yc = X - X.mean(axis=0), y - y.mean()
    return lasso_path(Xc, yc, alphas=est.alphas_, tol=est.tol)[1]


def test_errors():
    X, y = _data(20, 30, seed=4)
    with pytest.raises(ValueError, match="n_samples=20, n_features=30"):
        L1RegressorIC().fit(X, y)
    with pytest.raises(ValueError, match="criterion"):
        L1RegressorIC(criterion="cic", noise_variance=1.0).fit(X, y)
    with pytest.raises(ValueError, match="noise_variance"):
        L1RegressorIC(noise_variance=0.0).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        ElasticNetRegressorIC(l1_ratio=0.0, noise_variance=1.0).fit(X, y)
    with pytest.raises(ValueError, match="single target"):
        L1RegressorIC(noise_variance=1.0).fit(X, np.c_[y, y])
    # Noise-free data: the least-squares residuals are rounding errors, the
    # criterion stays finite and prefers the least penalised models.
    Xs, ys = X[:, :3], X[:, :3] @ [1.0, 2.0, 3.0]
    exact = L1RegressorIC(alphas=10).fit(Xs, ys)
    assert np.all(np.isfinite(exact.criterion_)) and exact.alpha_ <= exact.alphas_[-3]
    constant = L1RegressorIC(alphas=10).fit(Xs, np.ones(20))
    assert np.all(np.isfinite(constant.criterion_)) and np.all(constant.coef_ == 0)
    # l1_ratio=0 (ridge) works on a given grid: df is the ridge's trace
    ridge = ElasticNetRegressorIC(l1_ratio=0.0, alphas=[10.0, 1.0], noise_variance=1.0)
    assert np.all(ridge.fit(X, y).df_ < 20)


@pytest.mark.parametrize("Est", [L1RegressorIC, ElasticNetRegressorIC])
def test_input_handling(Est):
    # What tests/test_bad_input.py and test_ecosystem.py check against a
    # scikit-learn counterpart, here against the estimator on plain arrays.
    X, y = _data(60, 8, seed=5)
    ref = Est(criterion="bic", **TIGHT).fit(X, y)
    for Xi in (
        sparse.csr_matrix(X),
        sparse.coo_matrix(X),
        np.ascontiguousarray(X),
        X.tolist(),
        X.astype(">f8"),
    ):
        est = Est(criterion="bic", **TIGHT).fit(Xi, y)
        assert est.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
        assert_allclose(est.coef_, ref.coef_, rtol=1e-7, atol=1e-10)
    Xbad = X.copy()
    Xbad[2, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Est().fit(Xbad, y)
    with pytest.raises(ValueError, match="n_samples=1"):
        Est().fit(X[:1], y[:1])


def test_in_pipelines_and_searches():
    pd = pytest.importorskip("pandas")
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _data(80, 10, seed=6)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(10)])
    est = L1RegressorIC(criterion="bic").fit(frame, y)
    assert list(est.feature_names_in_) == list(frame.columns)
    pipe = make_pipeline(StandardScaler(), L1RegressorIC())
    scores = cross_val_score(pipe, X, y, cv=3)
    assert np.all(scores > 0.9)
    search = GridSearchCV(
        ElasticNetRegressorIC(), {"criterion": ["aic", "bic"]}, cv=3, n_jobs=2
    ).fit(X, y)
    assert search.best_params_["criterion"] in ("aic", "bic")
