"""MultiTaskL1Regressor / MultiTaskElasticNetRegressor against scikit-learn.

At ``tol=1e-10`` both solvers stop within ``1e-10 ||Y||^2`` of the same
strictly convex objective (``l1_ratio < 1``) or of one with a unique
solution (generic data), so the coefficients agree to about
``sqrt(1e-10) ~ 1e-5`` absolutely in the worst case and much closer in
practice; the matrix asserts 1e-6 relative to the largest coefficient.
"""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import MultiTaskElasticNet, MultiTaskLasso

from skreg import MultiTaskElasticNetRegressor, MultiTaskL1Regressor
from skreg._kernels import multitask_bcd as mtb
from skreg._kernels import multitask_rows as mtr
from skreg._kernels.cd import EpochRun, History
from skreg.solvers import _multitask_inner as mti
from skreg.solvers.design import Design


def _problem(n, p, T=3, seed=0, rho=0.5):
    rng = np.random.RandomState(seed)
    # correlated columns (AR(1) with rho) and a sparse row support
    X = rng.randn(n, p)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * X[:, j]
    X += rng.rand(p)
    W = np.zeros((p, T))
    W[rng.choice(p, 4, replace=False)] = rng.randn(4, T)
    Y = X @ W + 0.5 * rng.randn(n, T) + 2.0
    return X, Y


def _alpha_max(X, Y, l1_ratio, fit_intercept):
    Xc = X - X.mean(0) if fit_intercept else X
    Yc = Y - Y.mean(0) if fit_intercept else Y
    return np.sqrt(((Xc.T @ Yc) ** 2).sum(1)).max() / (len(X) * l1_ratio)


def _pair(l1_ratio, **kw):
    kw = {"tol": 1e-10, "max_iter": 100_000, **kw}
    if l1_ratio == 1.0:
        return MultiTaskL1Regressor(**kw), MultiTaskLasso(**kw)
    return (
        MultiTaskElasticNetRegressor(l1_ratio=l1_ratio, **kw),
        MultiTaskElasticNet(l1_ratio=l1_ratio, **kw),
    )


def _assert_close(ours, ref, rtol=1e-6):
    scale = max(np.abs(ref.coef_).max(), 1e-12)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=rtol * scale)
    iscale = max(np.abs(ref.intercept_).max(), 1.0)
    np.testing.assert_allclose(
        ours.intercept_, ref.intercept_, rtol=0, atol=rtol * iscale
    )


CASES = [
    pytest.param(
        l1_ratio,
        fit_intercept,
        shape,
        level,
        id=f"{l1_ratio}-{fit_intercept}-{shape}-{level}",
    )
    for l1_ratio in (1.0, 0.5, 0.2)
    for fit_intercept in (True, False)
    for shape in ((60, 20), (30, 120))
    for level in (0.3, 0.02)
]


@pytest.mark.parametrize("l1_ratio, fit_intercept, shape, level", CASES)
def test_matches_sklearn(l1_ratio, fit_intercept, shape, level):
    X, Y = _problem(*shape, seed=shape[1])
    alpha = level * _alpha_max(X, Y, l1_ratio, fit_intercept)
    ours, ref = _pair(l1_ratio, alpha=alpha, fit_intercept=fit_intercept)
    ours.fit(X, Y)
    ref.fit(X, Y)
    _assert_close(ours, ref)
    assert ours.coef_.shape == ref.coef_.shape == (Y.shape[1], X.shape[1])
    assert ours.dual_gap_ <= ours.eps_ / len(X)
    np.testing.assert_allclose(ours.eps_, ref.eps_, rtol=1e-12)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sparse_and_sample_weight(l1_ratio, fit_intercept):
    X, Y = _problem(40, 60, seed=3)
    X[np.abs(X - X.mean(0)) < 0.8] = 0.0
    Xs = sparse.csc_matrix(X)
    sw = np.random.RandomState(1).rand(40) * 3
    alpha = 0.1 * _alpha_max(X, Y, l1_ratio, fit_intercept)
    for data, weights in ((Xs, None), (X, sw), (Xs, sw)):
        ours, ref = _pair(l1_ratio, alpha=alpha, fit_intercept=fit_intercept)
        ours.fit(data, Y, sample_weight=weights)
        ref.fit(data, Y, sample_weight=weights)
        _assert_close(ours, ref)
        np.testing.assert_allclose(ours.eps_, ref.eps_, rtol=1e-10)


def test_float32_kept():
    X, Y = _problem(50, 30, seed=4)
    X, Y = X.astype(np.float32), Y.astype(np.float32)
    alpha = 0.1 * _alpha_max(X, Y, 1.0, True)
    ours, ref = _pair(1.0, alpha=alpha, tol=1e-6)
    ours.fit(X, Y)
    ref.fit(X, Y)
    assert ours.coef_.dtype == np.float32
    assert ours.predict(X).dtype == np.float32
    # scikit-learn iterates in float32 (relative rounding ~1e-7 per step,
    # accumulated over the residual updates): agreement to 1e-4
    _assert_close(ours, ref, rtol=1e-4)


def test_random_selection_matches():
    X, Y = _problem(40, 80, seed=5)
    alpha = 0.05 * _alpha_max(X, Y, 0.5, True)
    ours, ref = _pair(0.5, alpha=alpha, selection="random", random_state=0)
    ours.fit(X, Y)
    ref.fit(X, Y)
    _assert_close(ours, ref)


def test_gap_and_n_iter_semantics():
    X, Y = _problem(40, 50, seed=6)
    alpha = 0.05 * _alpha_max(X, Y, 1.0, True)
    est = MultiTaskL1Regressor(alpha=alpha, tol=1e-8).fit(X, Y)
    n = len(X)
    Yc = Y - Y.mean(0)
    np.testing.assert_allclose(est.eps_, 1e-8 * (Yc**2).sum())
    assert 0 <= est.dual_gap_ <= est.eps_ / n
    assert 0 < est.n_iter_ <= est.max_iter
    # the gap is a bound on suboptimality, in the objective's scale
    ref = MultiTaskLasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, Y)

    def objective(m):
        R = Y - X @ m.coef_.T - m.intercept_
        return 0.5 / n * (R**2).sum() + alpha * np.sqrt((m.coef_**2).sum(0)).sum()

    assert objective(est) - objective(ref) <= est.dual_gap_ + 1e-12
    # too few epochs: ConvergenceWarning, n_iter_ == max_iter, gap above eps
    with pytest.warns(ConvergenceWarning, match="Duality gap"):
        short = MultiTaskL1Regressor(alpha=alpha, tol=1e-12, max_iter=2).fit(X, Y)
    assert short.n_iter_ == 2
    assert short.dual_gap_ > short.eps_ / n


def test_warm_start():
    X, Y = _problem(40, 50, seed=7)
    alpha = 0.05 * _alpha_max(X, Y, 0.5, True)
    est = MultiTaskElasticNetRegressor(alpha=alpha, tol=1e-8, warm_start=True)
    est.fit(X, Y)
    first = est.coef_.copy()
    # refitting from the optimum: converged before the first epoch
    est.fit(X, Y)
    assert est.n_iter_ == 0
    np.testing.assert_array_equal(est.coef_, first)
    # a warm start at a nearby alpha takes fewer epochs than a cold one
    est.set_params(alpha=0.9 * alpha).fit(X, Y)
    cold = MultiTaskElasticNetRegressor(alpha=0.9 * alpha, tol=1e-8).fit(X, Y)
    assert est.n_iter_ <= cold.n_iter_
    _assert_close(est, cold, rtol=1e-3)
    with pytest.raises(ValueError, match="warm_start"):
        est.fit(X, Y[:, :2])


def test_zero_solution_and_constant_columns():
    X, Y = _problem(30, 10, seed=8)
    X[:, 3] = 1.5  # constant: zero centred norm
    big = 2 * _alpha_max(np.delete(X, 3, 1), Y, 1.0, True)
    est = MultiTaskL1Regressor(alpha=big).fit(X, Y)
    assert not np.any(est.coef_)
    np.testing.assert_allclose(est.intercept_, Y.mean(0))
    ours, ref = _pair(0.5, alpha=0.01)
    _assert_close(ours.fit(X, Y), ref.fit(X, Y))


@pytest.mark.parametrize("cls", [MultiTaskL1Regressor, MultiTaskElasticNetRegressor])
def test_bad_input(cls):
    X, Y = _problem(20, 5, seed=9)
    with pytest.raises(ValueError, match="y: .*1-d y"):
        cls().fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="alpha"):
        cls(alpha=-1.0).fit(X, Y)
    with pytest.raises(ValueError, match="selection"):
        cls(selection="bogus").fit(X, Y)
    with pytest.raises(ValueError, match="sample_weight"):
        cls().fit(X, Y, sample_weight=-np.ones(20))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        cls().fit(X, Y[:-1])
    with pytest.raises(ValueError, match="NaN"):
        Xn = X.copy()
        Xn[0, 0] = np.nan
        cls().fit(Xn, Y)
    with pytest.raises(TypeError, match="sparse y"):
        cls().fit(X, sparse.csr_matrix(Y))
    if cls is MultiTaskElasticNetRegressor:
        with pytest.raises(ValueError, match="l1_ratio"):
            cls(l1_ratio=1.5).fit(X, Y)


def test_ridge_and_least_squares_gaps():
    # l1_ratio=0 (formulation B) and alpha=0 (gradient norm), as scikit-learn
    X, Y = _problem(40, 8, seed=10)
    for alpha, l1_ratio in ((0.5, 0.0), (0.0, 0.5)):
        ours, ref = _pair(l1_ratio, alpha=alpha, tol=1e-12)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours.fit(X, Y)
            ref.fit(X, Y)
        _assert_close(ours, ref, rtol=1e-6)


def test_kernels_as_python():
    # the epochs kernel's Python body (typing-free bugs, coverage), then the
    # inner solve to a tiny gap
    rng = np.random.RandomState(0)
    n, p, T = 12, 6, 2
    X = np.asfortranarray(rng.randn(n, p))
    Y = rng.randn(n, T)
    W = np.zeros((p, T))
    W[1] = [0.3, -0.2]
    xm = X.mean(0)
    design = Design(X, None, center=True)
    rd, c, S = np.empty((T, n)), np.zeros(T), np.zeros(T)
    YT = np.ascontiguousarray(Y.T)
    mti.mt_residual(design, YT, W, rd, c, S)
    np.testing.assert_allclose(rd.T + c, Y - (X - xm) @ W)
    G = np.zeros((p, T))
    feats = np.arange(p)
    mtr.row_products.py_func(design.Z, rd, c, S, feats, G)
    np.testing.assert_allclose(G, (X - xm).T @ (rd.T + c))
    l1, l2 = np.full(p, 2.0), np.full(p, 0.5)
    # four epochs, the last three recorded in a three-row history
    hist = History(np.zeros((3, p * T)), np.zeros((3, T * n)))
    active = np.empty(p, dtype=np.int64)
    run = EpochRun(4, 0, 2, 0, False, True, 0)
    n_sweep = mtb.bcd_epochs.py_func(
        design.Z, design.norm2, W, rd, c, S, feats, l1, l2, run, active,
        np.ones(1, dtype=np.uint64), hist,
    )  # fmt: skip
    assert 0 < n_sweep <= p
    np.testing.assert_array_equal(active[:n_sweep], np.flatnonzero(W.any(axis=1)))
    np.testing.assert_allclose(hist.w[0], W.ravel())
    np.testing.assert_allclose(hist.r[0], (rd + c[:, None]).ravel())
    np.testing.assert_allclose(rd.T + c, Y - (X - xm) @ W, atol=1e-12)
    # first check after 2 epochs, then every 5; Anderson on 3 iterates
    inner = mti.InnerBCD(design, YT, 3, 2, False, np.ones(1, dtype=np.uint64))
    mem = (np.zeros((T, n)), np.zeros((p, T)), np.zeros((p, T)), np.full(1, -np.inf))
    acc = (np.zeros((T, n)), np.zeros((p, T)))
    ep, gap, _ = inner.run((W, rd, c, S, G), feats, l1, l2, acc, mem, 200, 1e-12, 2, 5)
    assert gap <= 1e-12 and ep <= 200
    # optimality: |G_j - l2 W_j| <= l1 on zero rows, = l1 W_j/|W_j| otherwise
    R = Y - (X - xm) @ W
    A = (X - xm).T @ R - l2[:, None] * W
    for j in range(p):
        nw = np.linalg.norm(W[j])
        if nw == 0:
            assert np.linalg.norm(A[j]) <= l1[j] + 1e-5
        else:
            np.testing.assert_allclose(A[j], l1[j] * W[j] / nw, atol=1e-5)


def test_ecosystem():
    # pipelines, grid search, pickling and feature names with a 2-d y
    import pickle

    import pandas as pd
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, Y = _problem(40, 12, seed=11)
    pipe = make_pipeline(StandardScaler(), MultiTaskL1Regressor())
    grid = GridSearchCV(pipe, {"multitaskl1regressor__alpha": [0.01, 0.1]}, cv=3)
    grid.fit(X, Y)
    assert grid.best_estimator_.predict(X).shape == Y.shape
    assert cross_val_score(
        MultiTaskElasticNetRegressor(alpha=0.1), X, Y, cv=3
    ).shape == (3,)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(12)])
    est = MultiTaskElasticNetRegressor(alpha=0.1).fit(frame, Y)
    assert list(est.feature_names_in_) == [f"f{j}" for j in range(12)]
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(frame), est.predict(frame))
    assert est.sparse_coef_.shape == (3, 12)


@pytest.mark.parametrize("l2", [0.0, 0.5])
def test_dual_memory_kernel(l2):
    # absorb keeps a feasible dual point whose value never decreases and is
    # what its arrays say; the value bounds the optimum from below
    from skreg._kernels import multitask_dual as mtd

    X, Y = _problem(25, 40, T=3, seed=8)
    n, p, T = 25, 40, 3
    xm = X.mean(0)
    design = Design(np.asfortranarray(X), None, center=True)
    Z = design.Z
    Zc = X - xm
    YT = np.ascontiguousarray((Y - Y.mean(0)).T)
    l1, l2v = np.full(p, 0.2 * np.abs(Zc.T @ YT.T).max()), np.full(p, l2)
    mem = (np.zeros((T, n)), np.zeros((p, T)), np.zeros((p, T)), np.full(1, -np.inf))
    W = np.zeros((p, T))
    rd, c, S, G = np.empty((T, n)), np.zeros(T), np.zeros(T), np.zeros((p, T))
    feats = np.arange(p)
    values = []
    for _ in range(8):
        mti.mt_residual(design, YT, W, rd, c, S)
        mtr.row_products(Z, rd, c, S, feats, G)
        values.append(
            mtd.absorb(mem, rd, c, G, W, feats, l1, l2v, YT, np.ones(1), False)
        )
        th, xi, H, val = mem
        np.testing.assert_allclose(H, Zc.T @ th.T + np.sqrt(l2v)[:, None] * xi)
        assert np.all(np.linalg.norm(H, axis=1) <= l1 * (1 + 1e-12))
        D = (th * YT).sum() - 0.5 * ((th**2).sum() + (xi**2).sum())
        np.testing.assert_allclose(val[0], D, rtol=1e-10)
        g, d = np.empty(T), np.empty(T)
        mtr.sweep.py_func(
            Z, (Zc**2).sum(0), W, rd, c, S, feats, l1, l2v, False,
            np.ones(1, dtype=np.uint64), g, d,
        )  # fmt: skip
    assert np.all(np.diff(values) >= -1e-12 * abs(values[-1]))
    R = YT.T - Zc @ W
    primal = 0.5 * (R**2).sum() + (l1 * np.linalg.norm(W, axis=1)).sum()
    primal += 0.5 * l2 * (W**2).sum()
    assert values[-1] <= primal
