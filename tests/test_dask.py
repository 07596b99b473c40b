"""Dask input: statistics, one-pass fits and CV against in-memory skreg."""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.model_selection import KFold, PredefinedSplit

from skreg import (
    ElasticNetRegressor,
    ElasticNetRegressorCV,
    L1Regressor,
    L1RegressorCV,
    L2Regressor,
    L2RegressorCV,
    stats,
)
from skreg._kernels.block_stats import centre_block, merge_stats, subtract_stats
from skreg._kernels.gram_cd import gram_cd

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

# coefficients agree to 1e-6 (relative) when both solvers stop at tol 1e-8
TOL, RTOL = 1e-8, 1e-6


def _data(n=600, p=12, k=1, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 3, p) + rng.normal(5, 2, p)
    beta = np.zeros((p, k))
    beta[: min(5, p)] = rng.standard_normal((min(5, p), k)) * 3
    Y = X @ beta + rng.standard_normal((n, k)) + 4.0
    sw = rng.uniform(0.1, 2.0, n)
    return X, (Y[:, 0] if k == 1 else Y), sw


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def _centred_moments(X, Y, sw):
    w = np.ones(len(X)) if sw is None else sw
    xm = w @ X / w.sum()
    ym = w @ Y / w.sum()
    Z, V = X - xm, Y - ym
    return w.sum(), xm, ym, Z.T @ (w[:, None] * Z), Z.T @ (w[:, None] * V), (w @ V**2)


@pytest.mark.parametrize("weighted", [False, True])
def test_merged_statistics_equal_numpy(weighted):
    X, Y, sw = _data(n=500, k=2)
    X = X + 1e6  # large means: raw sums would lose every digit of the moments
    sw = sw if weighted else None
    edges = [0, 7, 130, 131, 300, 500]
    parts = [
        stats.compute(X[a:b], Y[a:b], None if sw is None else sw[a:b])
        for a, b in zip(edges[:-1], edges[1:], strict=True)
    ]
    whole = stats.merge_all(parts)
    ref = _centred_moments(X, Y, sw)
    assert whole.n_rows == 500
    for got, want in zip(whole[1:], ref, strict=True):
        assert_allclose(got, want, rtol=1e-9, atol=1e-9 * np.max(np.abs(want)))
    rest = stats.subtract(whole, parts[2])
    ref = _centred_moments(
        np.r_[X[:130], X[131:]],
        np.r_[Y[:130], Y[131:]],
        None if sw is None else np.r_[sw[:130], sw[131:]],
    )
    for got, want in zip(rest[1:], ref, strict=True):
        assert_allclose(got, want, rtol=1e-8, atol=1e-8 * np.max(np.abs(want)))


def test_kernels_run_as_python():
    # the pure-Python versions catch typing-only bugs and give coverage
    X, Y, sw = _data(n=40, p=3, k=2)
    parts = []
    for rows in (slice(0, 25), slice(25, 40)):
        weight, xm, ym, Z, V, yy = centre_block.py_func(
            X[rows], Y[rows], sw[rows], True
        )
        parts.append((weight, xm, ym, Z.T @ Z, Z.T @ V, yy))
    a, b = parts
    whole = merge_stats.py_func(*a, *b)
    for got, want in zip(whole, _centred_moments(X, Y, sw), strict=True):
        assert_allclose(got, want, rtol=1e-10)
    for got, want in zip(subtract_stats.py_func(*whole, *b), a, strict=True):
        assert_allclose(got, want, rtol=1e-8, atol=1e-10)
    s = stats.SuffStats(40.0, *whole)
    G, Q, yy = stats.gram_system(s)
    p = G.shape[0]
    inf = np.full(p, np.inf)
    penalty = (np.full(p, 1.0), np.zeros(p), -inf, inf)
    ws = []
    tol = 1e-12 * yy[0]
    for kernel, random in [(gram_cd.py_func, False), (gram_cd, False), (gram_cd, True)]:
        w = np.zeros(p)
        state = np.array([12345], dtype=np.uint64)
        q = Q[:, 0].copy()
        gap, n_iter = kernel(G, q, yy[0], w, G @ w, *penalty, 1000, tol, random, state)
        assert gap <= tol and n_iter > 0
        ws.append(w)
    assert_allclose(ws[0], ws[1], rtol=1e-8)
    assert_allclose(ws[0], ws[2], rtol=1e-5)


def _dask(X, y, sw, rows=130):
    Xd = da.from_array(X, chunks=(rows, 5))
    yd = da.from_array(y, chunks=(97,) + y.shape[1:])
    swd = None if sw is None else da.from_array(sw, chunks=rows)
    return Xd, yd, swd


ESTIMATORS = {
    "l1": lambda **kw: L1Regressor(alpha=0.05, tol=TOL, max_iter=10_000, **kw),
    "enet": lambda **kw: ElasticNetRegressor(
        alpha=0.05, l1_ratio=0.3, tol=TOL, max_iter=10_000, **kw
    ),
    "l2": lambda **kw: L2Regressor(alpha=30.0, tol=1e-10, max_iter=10_000, **kw),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("k", [1, 2])
def test_fit_equals_in_memory(name, fit_intercept, weighted, positive, k):
    X, y, sw = _data(k=k)
    sw = sw if weighted else None
    kw = {"fit_intercept": fit_intercept, "positive": positive}
    if name == "l2" and positive:
        kw["solver"] = "cd"
    ref = ESTIMATORS[name](**kw).fit(X, y, sample_weight=sw)
    est = ESTIMATORS[name](**kw).fit(*_dask(X, y, sw))
    scale = np.max(np.abs(ref.coef_))
    assert_allclose(est.coef_, ref.coef_, rtol=RTOL, atol=RTOL * scale)
    assert_allclose(est.intercept_, ref.intercept_, rtol=RTOL, atol=RTOL * scale)
    assert np.shape(est.coef_) == np.shape(ref.coef_)
    assert est.n_features_in_ == X.shape[1]
    if name != "l2":
        # the gap is in the objective's scale: at most tol times the
        # weighted mean of the (centred) squared targets, as in memory
        yc = y - np.average(y, axis=0, weights=sw) if fit_intercept else y
        bound = TOL * np.average(yc**2, axis=0, weights=sw)
        assert np.all(np.asarray(est.dual_gap_) <= bound * (1 + 1e-9))


def _controls(p, seed=1):
    """Factors with zeros and an inf, bounds that clip (both sides)."""
    rng = np.random.default_rng(seed)
    pf = rng.uniform(0.5, 2.0, p)
    pf[[0, 7]] = 0.0
    pf[3] = np.inf
    lower, upper = np.full(p, -np.inf), np.full(p, np.inf)
    upper[[1, 4]] = [0.5, 0.2]
    lower[2] = -0.3
    return {
        "factors": {"penalty_factor": pf},
        "bounds": {"lower_bounds": lower, "upper_bounds": upper},
        "both": {"penalty_factor": pf, "lower_bounds": lower, "upper_bounds": upper},
        "factors, positive": {"penalty_factor": pf, "positive": True},
    }


@pytest.mark.parametrize("name", ["l1", "enet"])
@pytest.mark.parametrize("controls", list(_controls(12)))
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_controls_equal_in_memory(name, controls, fit_intercept, weighted):
    X, y, sw = _data()
    sw = sw if weighted else None
    kw = {"fit_intercept": fit_intercept, **_controls(X.shape[1])[controls]}
    ref = ESTIMATORS[name](**kw).fit(X, y, sample_weight=sw)
    est = ESTIMATORS[name](**kw).fit(*_dask(X, y, sw))
    scale = np.max(np.abs(ref.coef_))
    assert_allclose(est.coef_, ref.coef_, rtol=RTOL, atol=RTOL * scale)
    assert_allclose(est.intercept_, ref.intercept_, rtol=RTOL, atol=RTOL * scale)
    if "penalty_factor" in kw:
        assert est.coef_[3] == 0.0
    yc = y - np.average(y, weights=sw) if fit_intercept else y
    assert est.dual_gap_ <= TOL * np.average(yc**2, weights=sw) * (1 + 1e-9)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_ridge_penalty_factor_equals_in_memory(weighted, positive):
    X, y, sw = _data(k=2)
    sw = sw if weighted else None
    pf = _controls(X.shape[1])["factors"]["penalty_factor"]
    kw = {"penalty_factor": pf, "positive": positive}
    # in memory, coordinate descent to a gap of 1e-13 |y|^2: an intercept
    # within 1e-6 (at 1e-10 it is within 2e-6, the objective within 1e-8)
    ref = L2Regressor(alpha=30.0, tol=1e-13, max_iter=10_000, **kw)
    ref.fit(X, y, sample_weight=sw)
    est = ESTIMATORS["l2"](**kw).fit(*_dask(X, y, sw))
    assert_allclose(
        est.coef_, ref.coef_, rtol=RTOL, atol=RTOL * np.abs(ref.coef_).max()
    )
    assert_allclose(est.intercept_, ref.intercept_, rtol=RTOL)
    assert np.all(est.coef_[:, 3] == 0.0)


@pytest.mark.parametrize("controls", ["factors", "both"])
def test_cv_with_controls_equals_in_memory(controls):
    # per-fold statistics, and the alpha grid following the factors (the
    # unpenalised columns projected out of alpha_max)
    X, y, sw = _data(n=500)
    Xd, yd, swd = _dask(X, y, sw)
    kw = {"tol": TOL, "max_iter": 10_000, "cv": 4, **_controls(X.shape[1])[controls]}
    ref = L1RegressorCV(**kw).fit(X, y, sample_weight=sw)
    est = L1RegressorCV(**kw).fit(Xd, yd, sample_weight=swd)
    assert_allclose(est.alphas_, ref.alphas_, rtol=1e-10)
    assert est.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    assert_allclose(est.mse_path_, ref.mse_path_, rtol=1e-4)
    assert_allclose(
        est.coef_, ref.coef_, rtol=RTOL, atol=RTOL * np.abs(ref.coef_).max()
    )
    kw["l1_ratio"] = [0.5, 1.0]
    ref = ElasticNetRegressorCV(fit_intercept=False, **kw).fit(X, y)
    est = ElasticNetRegressorCV(fit_intercept=False, **kw).fit(Xd, yd)
    assert (est.alpha_, est.l1_ratio_) == pytest.approx((ref.alpha_, ref.l1_ratio_))
    assert_allclose(est.mse_path_, ref.mse_path_, rtol=1e-4)


def test_dataframe_input_and_predict_is_lazy():
    X, y, sw = _data()
    cols = [f"f{j}" for j in range(X.shape[1])]
    import pandas as pd

    df = dd.from_pandas(pd.DataFrame(X, columns=cols), npartitions=4)
    ys = dd.from_pandas(pd.Series(y), npartitions=4)
    ws = dd.from_pandas(pd.Series(sw), npartitions=4)
    est = L1Regressor(alpha=0.05, tol=TOL).fit(df, ys, sample_weight=ws)
    ref = L1Regressor(alpha=0.05, tol=TOL).fit(pd.DataFrame(X, columns=cols), y, sw)
    assert_allclose(est.coef_, ref.coef_, rtol=RTOL, atol=1e-9)
    assert list(est.feature_names_in_) == cols
    pred = est.predict(df)
    assert isinstance(pred, da.Array)
    assert_allclose(pred.compute(), est.predict(pd.DataFrame(X, columns=cols)))
    Xd = da.from_array(X, chunks=(100, 4))
    Y2 = np.c_[y, -y]
    multi = L2Regressor(alpha=1.0).fit(Xd, da.from_array(Y2, chunks=(100, 1)))
    pred = multi.predict(Xd)
    assert isinstance(pred, da.Array) and pred.shape == (len(X), 2)
    assert_allclose(pred.compute(), X @ multi.coef_.T + multi.intercept_)


def _cv_ids(n, n_folds, seed=0):
    return np.random.default_rng(seed).integers(0, n_folds, n)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_cv_alpha_equals_in_memory(weighted, fit_intercept):
    X, y, sw = _data(n=500)
    sw = sw if weighted else None
    Xd, yd, swd = _dask(X, y, sw)
    kw = {"tol": TOL, "max_iter": 10_000, "fit_intercept": fit_intercept}
    ids = _cv_ids(len(X), 4)
    for cv_mem, cv_dask in [
        (5, 5),
        (KFold(3), KFold(3)),
        (PredefinedSplit(ids), da.from_array(ids, chunks=77)),
    ]:
        ref = L1RegressorCV(cv=cv_mem, **kw).fit(X, y, sample_weight=sw)
        est = L1RegressorCV(cv=cv_dask, **kw).fit(Xd, yd, sample_weight=swd)
        assert est.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
        assert_allclose(est.alphas_, ref.alphas_, rtol=1e-10)
        assert_allclose(est.mse_path_, ref.mse_path_, rtol=1e-4)
        assert_allclose(est.coef_, ref.coef_, rtol=RTOL, atol=1e-9)
    ref = ElasticNetRegressorCV(l1_ratio=[0.3, 0.9], cv=4, **kw).fit(X, y, sw)
    est = ElasticNetRegressorCV(l1_ratio=[0.3, 0.9], cv=4, **kw).fit(Xd, yd, swd)
    assert (est.alpha_, est.l1_ratio_) == pytest.approx((ref.alpha_, ref.l1_ratio_))
    assert_allclose(est.mse_path_, ref.mse_path_, rtol=1e-4)


def test_cv_one_standard_error_rule_equals_in_memory():
    X, y, sw = _data(n=500)
    Xd, yd, swd = _dask(X, y, sw)
    kw = {"tol": TOL, "max_iter": 10_000, "cv": 4, "alpha_rule": "1se"}
    ref = L1RegressorCV(**kw).fit(X, y, sample_weight=sw)
    est = L1RegressorCV(**kw).fit(Xd, yd, sample_weight=swd)
    assert est.alpha_min_ == pytest.approx(ref.alpha_min_, rel=1e-12)
    assert est.alpha_ == est.alpha_1se_ == pytest.approx(ref.alpha_1se_, rel=1e-12)
    assert_allclose(est.coef_, ref.coef_, rtol=RTOL, atol=1e-9)
    with pytest.raises(ValueError, match="scoring"):
        L1RegressorCV(cv=4, scoring="r2").fit(Xd, yd)


def test_ridge_cv_equals_in_memory():
    X, y, _ = _data(n=400)
    Xd, yd, _ = _dask(X, y, None)
    alphas = [0.1, 10.0, 300.0, 1e4]
    for scoring in [None, "neg_mean_squared_error"]:
        ref = L2RegressorCV(alphas=alphas, cv=5, scoring=scoring).fit(X, y)
        est = L2RegressorCV(alphas=alphas, cv=5, scoring=scoring).fit(Xd, yd)
        assert est.alpha_ == ref.alpha_
        assert est.best_score_ == pytest.approx(ref.best_score_, rel=1e-9)
        assert_allclose(est.coef_, ref.coef_, rtol=1e-8)


def test_ridge_cv_with_factors_equals_in_memory():
    # positive factors and an inf: the in-memory folds are direct solves
    X, y, _ = _data(n=400)
    Xd, yd, _ = _dask(X, y, None)
    pf = np.linspace(0.2, 3.0, X.shape[1])
    pf[3] = np.inf
    kw = {"alphas": [0.1, 10.0, 300.0, 1e4], "cv": 5, "penalty_factor": pf}
    ref = L2RegressorCV(**kw).fit(X, y)
    est = L2RegressorCV(**kw).fit(Xd, yd)
    assert est.alpha_ == ref.alpha_
    assert est.best_score_ == pytest.approx(ref.best_score_, rel=1e-9)
    assert_allclose(est.coef_, ref.coef_, rtol=1e-8)
    assert est.coef_[3] == 0


def _counted(X, y):
    """dask arrays whose blocks count how often they are produced."""
    calls = []
    A = np.c_[X, y]

    def block(block_info=None):
        (r0, r1), (c0, c1) = block_info[None]["array-location"]
        calls.append(r0)
        return A[r0:r1, c0:c1]

    n, p = X.shape
    rows = (100,) * (n // 100) + ((n % 100,) if n % 100 else ())
    Ad = da.map_blocks(block, chunks=(rows, (p + 1,)), dtype=np.float64)
    return Ad[:, :p], Ad[:, p], calls


@pytest.mark.parametrize(
    "make",
    [
        lambda: L1Regressor(alpha=0.1),
        lambda: L2Regressor(alpha=1.0),
        lambda: L1RegressorCV(cv=5),
        lambda: ElasticNetRegressorCV(l1_ratio=[0.5, 1.0], cv=3),
        lambda: L2RegressorCV(cv=4),
    ],
)
def test_one_pass_over_the_data(make):
    X, y, _ = _data(n=650)
    Xd, yd, calls = _counted(X, y)
    make().fit(Xd, yd)
    assert sorted(calls) == list(range(0, 650, 100))


def test_distributed_cluster(client):
    X, y, sw = _data(n=500)
    Xd, yd, swd = (client.persist(a) for a in _dask(X, y, sw))
    est = L1RegressorCV(cv=4, tol=TOL).fit(Xd, yd, sample_weight=swd)
    ref = L1RegressorCV(cv=4, tol=TOL).fit(X, y, sample_weight=sw)
    assert est.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    assert_allclose(est.coef_, ref.coef_, rtol=RTOL, atol=1e-9)
    pred = est.predict(Xd)
    assert isinstance(pred, da.Array)
    assert_allclose(pred.compute(), ref.predict(X), rtol=1e-6)
    l2 = L2Regressor(alpha=2.0).fit(Xd, yd, sample_weight=swd)
    assert_allclose(l2.coef_, L2Regressor(alpha=2.0).fit(X, y, sw).coef_, rtol=1e-8)


def test_joblib_dask_backend_runs_cv_folds(client):
    import joblib

    X, y, _ = _data(n=200)
    ref = L1RegressorCV(cv=3).fit(X, y)
    with joblib.parallel_backend("dask"):
        est = L1RegressorCV(cv=3, n_jobs=2).fit(X, y)
    assert est.alpha_ == ref.alpha_
    assert_allclose(est.coef_, ref.coef_)


def test_too_many_features_says_how_much_memory():
    X, y, _ = _data(n=50, p=40)
    previous = stats.set_stats_memory_limit(10_000)
    try:
        with pytest.raises(ValueError, match=r"GiB.*set_stats_memory_limit"):
            L1Regressor().fit(*_dask(X, y, None))
    finally:
        stats.set_stats_memory_limit(previous)
    assert stats.get_stats_memory_limit() == previous
    with pytest.raises(ValueError, match="positive number of bytes"):
        stats.set_stats_memory_limit(0)


def test_bad_dask_input():
    X, y, sw = _data(n=300)
    Xd, yd, swd = _dask(X, y, sw)
    with pytest.raises(ValueError, match="penalty_factor must be >= 0"):
        L1Regressor(penalty_factor=-np.ones(X.shape[1])).fit(Xd, yd)
    with pytest.raises(ValueError, match="upper_bounds must be >= 0"):
        L1RegressorCV(upper_bounds=-1.0).fit(Xd, yd)
    with pytest.raises(ValueError, match="shuffle"):
        L1RegressorCV(cv=KFold(3, shuffle=True, random_state=0)).fit(Xd, yd)
    with pytest.raises(ValueError, match="leave-one-out"):
        L2RegressorCV().fit(Xd, yd)
    with pytest.raises(ValueError, match="rows"):
        L1Regressor().fit(Xd, y[:-1])
    with pytest.raises(ValueError, match="NaN"):
        L1Regressor().fit(da.where(Xd > 7, np.nan, Xd), yd)
    with pytest.raises(ValueError, match="sample_weight"):
        L1Regressor().fit(Xd, yd, sample_weight=-swd)
    with pytest.raises(ValueError, match="fold ids"):
        L1RegressorCV(cv=da.from_array(np.full(300, 0.5), chunks=100)).fit(Xd, yd)
    with pytest.raises(ValueError, match="single target"):
        L1RegressorCV().fit(Xd, da.stack([yd, yd], axis=1))
    import pandas as pd

    df = dd.from_pandas(pd.DataFrame(X), npartitions=3)
    with pytest.raises(ValueError, match="known chunks"):
        L1RegressorCV(cv=3).fit(df, dd.from_pandas(pd.Series(y), npartitions=3))


def test_skreg_imports_and_fits_without_dask():
    code = (
        "import sys; sys.modules['dask'] = None\n"
        "import numpy as np, skreg\n"
        "X = np.random.rand(20, 3); y = X @ [1.0, 2.0, 0.0]\n"
        "print(skreg.L1Regressor(alpha=0.01).fit(X, y).coef_.round(1))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("[")
