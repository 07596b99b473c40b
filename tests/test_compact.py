"""Inner solves on a compact copy of the working set's columns.

The copy (``Design.compact``) is taken only on large designs
(``skreg.solvers.cd._COMPACT_BYTES``); these tests lower the thresholds so
that small problems take it at every inner solve.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import ElasticNet

import skreg
import skreg.solvers.cd as cd_mod
from skreg._kernels._design import gather_columns
from skreg.solvers.cd import enet_cd
from skreg.solvers.design import Design
from tests._oracle import alpha_max, enet_objective, make_problem


def _ar1(n, p, rho=0.8, seed=0):
    rng = np.random.default_rng(seed)
    X = np.empty((n, p), order="F")
    X[:, 0] = rng.standard_normal(n)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    X += rng.uniform(0, 2, p)
    coef = np.zeros(p)
    coef[rng.choice(p, 20, replace=False)] = rng.standard_normal(20)
    y = X @ coef + 0.3 * rng.standard_normal(n)
    return X, y


def _always_compact(monkeypatch, low_precision):
    monkeypatch.setattr(cd_mod, "_COMPACT_BYTES", 0)
    monkeypatch.setattr(cd_mod, "_COMPACT_EPOCHS", 0)
    monkeypatch.setattr(cd_mod, "_COMPACT_SHARE", 1.0)
    if not low_precision:
        monkeypatch.setattr(cd_mod, "_LOW_PRECISION_TOL", np.inf)


def _never_compact(monkeypatch):
    monkeypatch.setattr(cd_mod, "_COMPACT_EPOCHS", 10**9)


def _spy_kernel(monkeypatch):
    # (dtype of the columns the kernel read, its tol, how many it read)
    calls = []
    kernel = cd_mod.cd_epochs

    def spy(*args):
        calls.append((args[0][0].dtype, args[11], args[0][0].shape[1]))
        return kernel(*args)

    monkeypatch.setattr(cd_mod, "cd_epochs", spy)
    return calls


def test_gather_copies_the_columns_and_reuses_the_last_gather():
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((7, 30)))
    cols = np.array([2, 5, 11, 17, 29])
    out = np.empty((7, 5), order="F")
    pos = np.full(30, -1, dtype=np.int64)
    gather_columns(X, cols, out, out, pos)
    assert_array_equal(out, X[:, cols])
    # columns 11 and 29 are found in prev (here marked by other values)
    prev = np.asfortranarray(rng.standard_normal((7, 3)))
    pos[[11, 29]] = [2, 0]
    out32 = np.empty((7, 5), dtype=np.float32, order="F")
    gather_columns(X, cols, out32, prev.astype(np.float32, order="F"), pos)
    expect = X[:, cols].astype(np.float32)
    expect[:, 2] = prev[:, 2]
    expect[:, 4] = prev[:, 0]
    assert_array_equal(out32, expect)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_design_compact_is_the_design_restricted_to_the_columns(dtype):
    X, _ = make_problem(40, 60, seed=1)
    X = np.asfortranarray(X)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, 40)
    d = Design(X, sw * 40 / sw.sum(), center=True)
    for cols in (np.array([3, 7, 8, 20, 41]), np.array([1, 7, 20, 41, 42, 59])):
        Z, norm2 = d.compact(cols, dtype)
        Xc, data, _, _, is_sparse, sw_c, has_sw, xm, colsum, sw_sum = Z
        assert Xc.dtype == dtype and data.dtype == dtype and not is_sparse
        assert Xc.flags.f_contiguous
        assert_array_equal(Xc, X[:, cols].astype(dtype))
        assert_array_equal(xm, d.xm[cols])
        assert_array_equal(colsum, d.colsum[cols])
        assert_array_equal(norm2, d.norm2[cols])
        assert has_sw and sw_c is d.sw and sw_sum == d.sw_sum


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_compact_float64_inner_solves_are_the_scattered_ones(
    monkeypatch, l1_ratio, use_sw, positive
):
    # the same columns in the same order: the same arithmetic, bit for bit
    X, y = _ar1(120, 900)
    sw = np.random.default_rng(2).uniform(0.2, 3.0, 120) if use_sw else None
    if use_sw:
        sw *= 120 / sw.sum()
    d = Design(X, sw, center=True)
    yc = y - np.average(y, weights=sw)
    lam = np.abs((X - d.xm).T @ ((sw if use_sw else 1) * yc)).max() / 30
    l1, l2 = lam * l1_ratio, lam * (1 - l1_ratio)
    calls = _spy_kernel(monkeypatch)
    fits = []
    for setup in (_never_compact, lambda mp: _always_compact(mp, False)):
        setup(monkeypatch)
        calls.clear()
        w = np.zeros(900)
        res = enet_cd(d, yc, w, l1, l2, tol=1e-8, positive=positive)
        assert res.converged
        fits.append((w, res.n_iter, [c[2] for c in calls]))
    (w_ref, it_ref, read_ref), (w_c, it_c, read_c) = fits
    # the compact calls read their working sets only
    assert max(read_ref) == 900 and max(read_c) < 900
    assert it_c == it_ref
    assert_array_equal(w_c, w_ref)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_float32_copies_only_for_loose_inner_solves(monkeypatch, l1_ratio):
    # the rounded columns serve inner solves aiming at a gap of at least
    # _LOW_PRECISION_TOL of |y|^2; the fit still reaches tol 1e-12 of the
    # float64 problem (by CD alone: no Newton polish to finish it)
    X, y = _ar1(150, 1200, seed=3)
    d = Design(X, None, center=True)
    yc = y - y.mean()
    lam = np.abs((X - d.xm).T @ yc).max() / 50
    l1, l2 = lam * l1_ratio, lam * (1 - l1_ratio)
    calls = _spy_kernel(monkeypatch)
    _always_compact(monkeypatch, True)
    w = np.zeros(1200)
    res = enet_cd(d, yc, w, l1, l2, tol=1e-12, newton=False)
    assert res.converged
    low = [tol for dt, tol, _ in calls if dt == np.float32]
    assert low, "no inner solve ran on float32 columns"
    assert min(low) >= cd_mod._LOW_PRECISION_TOL * (yc @ yc)
    assert any(dt == np.float64 for dt, *_ in calls)
    monkeypatch.undo()
    w_ref = np.zeros(1200)
    enet_cd(d, yc, w_ref, l1, l2, tol=1e-12)
    Z = X - d.xm

    def objective(v):
        r = yc - Z @ v
        return 0.5 * r @ r + l1 * np.abs(v).sum() + 0.5 * l2 * v @ v

    assert abs(objective(w) - objective(w_ref)) <= 1e-11 * (yc @ yc)
    assert_allclose(w, w_ref, atol=1e-7 * np.abs(w_ref).max())


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.7])
@pytest.mark.parametrize("ratio", [3, 30, 300])
@pytest.mark.parametrize("option", ["", "positive", "random"])
def test_compact_fits_match_scikit_learn(
    monkeypatch, fit_intercept, use_sw, l1_ratio, ratio, option
):
    # estimator level, every inner solve on a compact copy (float32 ones
    # included): scikit-learn's answer at tol 1e-10
    _always_compact(monkeypatch, True)
    X, y = _ar1(80, 400, seed=4)
    sw = np.random.default_rng(5).uniform(0.1, 2.0, 80) if use_sw else None
    kw = dict(fit_intercept=fit_intercept, tol=1e-10, positive=option == "positive")
    if option == "random":
        kw.update(selection="random", random_state=0)
    alpha = alpha_max(X, y, l1_ratio, fit_intercept, sw) / ratio
    kw.update(alpha=alpha, l1_ratio=l1_ratio)
    ours = skreg.ElasticNetRegressor(max_iter=100_000, **kw).fit(X, y, sw)
    ref = ElasticNet(max_iter=1_000_000, **kw).fit(X, y, sw)
    p_ours = enet_objective(X, y, ours.coef_, ours.intercept_, alpha, l1_ratio, sw)
    p_ref = enet_objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio, sw)
    # both solutions are within their gap bound (1e-10 |y|^2 / n) of P*
    assert abs(p_ours - p_ref) <= 2e-10 * (y @ y) / 80
    assert_allclose(ours.coef_, ref.coef_, atol=1e-5 * np.abs(ref.coef_).max())
    assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5 * abs(y).max())


@pytest.mark.parametrize("use_sw", [False, True])
def test_passes_after_float32_solves_read_the_true_residual(monkeypatch, use_sw):
    # the kernel's residual drifts from the true one over an inner solve on
    # rounded columns: every outer pass must compute its gap from y - Z w
    X, y = _ar1(150, 1200, seed=6)
    sw = np.random.default_rng(6).uniform(0.2, 3.0, 150) if use_sw else None
    if use_sw:
        sw *= 150 / sw.sum()
    d = Design(X, sw, center=True)
    yc = y - np.average(y, weights=sw)
    Z = X - d.xm
    lam = np.abs(Z.T @ ((sw if use_sw else 1) * yc)).max() / 50
    calls = _spy_kernel(monkeypatch)
    errors = []
    pass_products = cd_mod.primal_dual_from_products

    def spy(Zt, y_, rd, c, *args):
        w = args[3]
        errors.append(np.abs(rd + c - (y_ - Z @ w)).max())
        return pass_products(Zt, y_, rd, c, *args)

    monkeypatch.setattr(cd_mod, "primal_dual_from_products", spy)
    _always_compact(monkeypatch, True)
    res = enet_cd(d, yc, np.zeros(1200), lam, 0.0, tol=1e-8)
    assert res.converged
    assert any(dt == np.float32 for dt, *_ in calls) and len(errors) > 2
    assert max(errors) <= 1e-12 * np.abs(yc).max()
