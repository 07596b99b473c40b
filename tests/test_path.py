"""lasso_path / enet_path / alpha_grid / ridge_path against scikit-learn."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from sklearn.linear_model import Ridge
from sklearn.linear_model import enet_path as sk_enet_path
from sklearn.linear_model import lasso_path as sk_lasso_path
from sklearn.linear_model._coordinate_descent import _alpha_grid

from skreg import enet_path, lasso_path, ridge_path
from skreg.path import alpha_grid
from tests._oracle import make_problem, sparsify

TIGHT = 1e-10  # both solvers then agree to ~1e-7 on these well-scaled problems


def _centred(X, y):
    return np.asfortranarray(X - X.mean(0)), y - y.mean()


@pytest.mark.parametrize("precompute", [False, "auto", True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1])
@pytest.mark.parametrize("shape", [(40, 60), (80, 10)])
def test_enet_path_matches_sklearn_dense(precompute, l1_ratio, shape):
    X, y = _centred(*make_problem(*shape, seed=1))
    kw = dict(
        l1_ratio=l1_ratio,
        alphas=20,
        eps=1e-2,
        tol=TIGHT,
        precompute=precompute,
        max_iter=100000,
    )
    a1, c1, g1, n1 = enet_path(X, y, return_n_iter=True, **kw)
    a2, c2, g2 = sk_enet_path(X, y, **kw)
    assert_allclose(a1, a2, rtol=1e-12)
    assert c1.shape == c2.shape == (shape[1], 20)
    assert_allclose(c1, c2, atol=1e-6 * np.abs(c2).max())
    assert g1.shape == (20,) and len(n1) == 20
    assert np.all(g1 <= TIGHT * y @ y / len(y) * 1.0001)
    # The first alpha of the automatic grid is alpha_max: all zeros.
    assert np.all(c1[:, 0] == 0) and np.any(c1[:, -1] != 0)


@pytest.mark.parametrize("positive", [False, True])
def test_lasso_path_sparse_with_offset_matches_sklearn(positive):
    X, y = make_problem(60, 30, seed=2)
    Xs = sparsify(X, density=0.4)
    xm = np.asarray(Xs.mean(axis=0)).ravel()
    yc = y - y.mean()
    alphas = np.geomspace(1.0, 0.01, 15)
    kw = dict(
        alphas=alphas,
        tol=TIGHT,
        positive=positive,
        max_iter=100000,
        X_offset=xm,
        X_scale=np.ones(30),
    )
    a1, c1, _ = lasso_path(Xs, yc, **kw)
    a2, c2, _ = sk_lasso_path(Xs, yc, **kw)
    assert_allclose(a1, a2)
    assert_allclose(c1, c2, atol=1e-6 * max(np.abs(c2).max(), 1))
    # Implicit centring = explicit centring of a dense copy.
    a3, c3, _ = lasso_path(
        np.asfortranarray(Xs.toarray() - xm),
        yc,
        alphas=alphas,
        tol=TIGHT,
        positive=positive,
        max_iter=100000,
    )
    assert_allclose(c1, c3, atol=1e-6 * max(np.abs(c3).max(), 1))
    if positive:
        assert np.all(c1 >= 0)


def test_path_alphas_sorted_and_default_tolerance():
    X, y = _centred(*make_problem(30, 50, seed=3))
    alphas = [0.01, 1.0, 0.1]
    a1, c1, g1 = lasso_path(X, y, alphas=alphas)
    a2, c2, _ = sk_lasso_path(X, y, alphas=alphas)
    assert_allclose(a1, [1.0, 0.1, 0.01])
    # Default tol: both stop once the gap is below tol * ||y||^2 / n.
    assert np.all(g1 <= 1e-4 * (y @ y) / len(y))
    assert_allclose(c1, c2, atol=0.05 * np.abs(c2).max())


def test_path_float32_keeps_dtype():
    X, y = _centred(*make_problem(30, 20, seed=4, dtype=np.float32))
    _, coefs, _ = enet_path(X, y, alphas=5)
    assert coefs.dtype == np.float32


def test_path_deprecations_and_errors():
    X, y = _centred(*make_problem(20, 8, seed=5))
    with pytest.warns(FutureWarning, match="n_alphas"):
        alphas, _, _ = lasso_path(X, y, n_alphas=4)
    assert alphas.shape == (4,)
    with pytest.warns(FutureWarning, match="alphas=None"):
        alphas, _, _ = lasso_path(X, y, alphas=None)
    assert alphas.shape == (100,)
    with pytest.raises(ValueError, match="positive"):
        lasso_path(X, np.c_[y, y], positive=True)
    with pytest.raises(ValueError, match="Unexpected parameters"):
        lasso_path(X, y, foo=1)
    with pytest.raises(ValueError, match="l1_ratio"):
        enet_path(X, y, l1_ratio=0.0, alphas=5)
    with pytest.raises(ValueError, match="coef_init"):
        lasso_path(X, y, coef_init=np.zeros(3))
    with pytest.raises(ValueError, match="selection"):
        lasso_path(X, y, selection="bogus")
    with pytest.raises(ValueError, match="eps"):
        lasso_path(X, y, eps=-1.0)


def test_path_coef_init_and_random_selection():
    X, y = _centred(*make_problem(30, 40, seed=6))
    _, c_ref, _ = lasso_path(X, y, alphas=[0.05], tol=TIGHT)
    _, c1, _, n1 = lasso_path(
        X, y, alphas=[0.05], tol=TIGHT, coef_init=c_ref[:, 0], return_n_iter=True
    )
    assert n1[0] == 0
    assert_allclose(c1, c_ref, atol=1e-8)
    _, c2, _ = lasso_path(
        X,
        y,
        alphas=[0.05],
        tol=TIGHT,
        selection="random",
        random_state=0,
        max_iter=100000,
    )
    assert_allclose(c2, c_ref, atol=1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("is_sparse", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_alpha_grid_matches_sklearn(fit_intercept, weighted, is_sparse, positive):
    X, y = make_problem(25, 12, seed=7)
    sw = np.random.RandomState(0).rand(25) if weighted else None
    Xi = sparsify(X) if is_sparse else X
    kw = dict(
        l1_ratio=0.7,
        fit_intercept=fit_intercept,
        eps=1e-2,
        n_alphas=9,
        sample_weight=sw,
        positive=positive,
    )
    assert_allclose(alpha_grid(Xi, y, **kw), _alpha_grid(Xi, y, **kw), rtol=1e-10)


def test_alpha_grid_degenerate_target():
    X, _ = make_problem(10, 4, seed=8)
    grid = alpha_grid(X, np.ones(10), n_alphas=3)
    assert_allclose(grid, np.finfo(np.float64).resolution)


@pytest.mark.parametrize("method", ["auto", "svd", "eigen"])
@pytest.mark.parametrize("shape", [(30, 8), (10, 25)])
@pytest.mark.parametrize("is_sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_path_matches_ridge(method, shape, is_sparse, weighted):
    X, Y = make_problem(*shape, n_targets=2, seed=9)
    sw = np.random.RandomState(1).rand(shape[0]) + 0.1 if weighted else None
    Xi = sparsify(X) if is_sparse else X
    X = Xi.toarray() if is_sparse else X
    alphas = [1e-3, 0.3, 10.0]
    # svd would densify a sparse design: it falls back to eigen, with a
    # warning, and must still give Ridge's answer
    fallback = is_sparse and method == "svd"
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        a, coefs, icpts = ridge_path(
            Xi,
            Y,
            alphas=alphas,
            sample_weight=sw,
            method=method,
            return_intercept=True,
        )
    assert any("svd" in str(w.message) for w in rec) == fallback
    assert coefs.shape == (2, shape[1], 3) and icpts.shape == (2, 3)
    for k, alpha in enumerate(alphas):
        ref = Ridge(alpha=alpha, solver="svd").fit(X, Y, sample_weight=sw)
        assert_allclose(coefs[..., k], ref.coef_, rtol=1e-7, atol=1e-8)
        assert_allclose(icpts[:, k], ref.intercept_, rtol=1e-7, atol=1e-8)
    _, c1 = ridge_path(Xi, Y[:, 0], alphas=alphas, fit_intercept=False, method=method)
    for k, alpha in enumerate(alphas):
        ref = Ridge(alpha=alpha, fit_intercept=False, solver="svd").fit(X, Y[:, 0])
        assert_allclose(c1[:, k], ref.coef_, rtol=1e-7, atol=1e-8)


def test_ridge_path_errors():
    X, y = make_problem(10, 3, seed=10)
    with pytest.raises(ValueError, match="alphas"):
        ridge_path(X, y, alphas=[1.0, -1.0])
    with pytest.raises(ValueError, match="method"):
        ridge_path(X, y, method="qr")
    with pytest.raises(ValueError, match="sample_weight"):
        ridge_path(X, y, sample_weight=-np.ones(10))
    with pytest.raises(ValueError, match="y"):
        ridge_path(X, y[:5])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ridge_path(sparse.csr_matrix(X), y, method="svd")
    assert any("svd" in str(w.message) for w in rec)


@pytest.mark.parametrize("is_sparse", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.6])
@pytest.mark.parametrize("positive", [False, True])
def test_strong_rule_path_equals_full_design_path(is_sparse, l1_ratio, positive):
    # Strong rules with KKT checks must give the same solutions (and full
    # duality gaps within tol) as working-set CD on every column.
    from skreg.solvers.path_cd import solve_path

    X, y = make_problem(40, 150, seed=11, nnz=15)
    Xi = sparsify(X, density=0.5) if is_sparse else np.asfortranarray(X)
    xm = np.asarray(Xi.mean(axis=0)).ravel()
    yc = y - y.mean()
    # A coarse grid (few alphas, big steps) makes the strong rule miss
    # features, so the KKT-check-and-resume branch runs too.
    alphas = alpha_grid(
        Xi, y, l1_ratio=l1_ratio, n_alphas=6, eps=1e-3, positive=positive
    )
    kw = dict(X_offset=xm, tol=1e-10, max_iter=100000, positive=positive)
    c1, g1, n1, ok1 = solve_path(Xi, yc, alphas, l1_ratio, strong_rules=True, **kw)
    c2, g2, n2, ok2 = solve_path(Xi, yc, alphas, l1_ratio, strong_rules=False, **kw)
    assert all(ok1) and all(ok2)
    assert_allclose(c1, c2, atol=1e-6 * np.abs(c2).max())
    assert np.all(g1 <= 1e-10 * (yc @ yc) / len(yc) * 1.0001)
    # Recompute the full problem's gap from scratch (no screening history):
    # the strong-rule solutions are as optimal as the full-design ones.
    from skreg.solvers.cd import enet_cd
    from skreg.solvers.design import Design
    from skreg.solvers.enet import penalty_strengths

    design = Design(Xi, None, xm)
    tol_abs = 1e-10 * (yc @ yc)
    for k in range(len(alphas)):
        l1, l2 = penalty_strengths(alphas[k], l1_ratio, len(yc))
        gaps = [
            enet_cd(
                design,
                yc,
                c[:, k].copy(),
                l1,
                l2,
                tol=1e-10,
                max_iter=0,
                positive=positive,
            ).gap
            for c in (c1, c2)
        ]
        assert gaps[0] <= max(2 * gaps[1], tol_abs)


def test_strong_rule_path_with_weights_and_warm_start():
    from skreg.solvers.path_cd import solve_path

    X, y = make_problem(30, 80, seed=12, nnz=8)
    X = np.asfortranarray(X)
    sw = np.random.RandomState(0).rand(30) + 0.5
    sw *= 30 / sw.sum()
    xm = sw @ X / sw.sum()
    yc = y - sw @ y / sw.sum()
    alphas = alpha_grid(X, y, n_alphas=8, sample_weight=sw)
    kw = dict(sample_weight=sw, X_offset=xm, tol=1e-10, max_iter=100000)
    c1, _, _, _ = solve_path(X, yc, alphas, 1.0, **kw)
    c2, _, _, _ = solve_path(X, yc, alphas, 1.0, strong_rules=False, **kw)
    assert_allclose(c1, c2, atol=1e-6 * np.abs(c2).max())
    # Warm start from the last solution: the first KKT check passes at once.
    c3, _, n3, _ = solve_path(X, yc, alphas[-1:], 1.0, coef_init=c1[:, -1], **kw)
    assert n3 == [0]
    assert_allclose(c3[:, 0], c1[:, -1])


@pytest.mark.parametrize("is_sparse", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_kkt_check_matches_brute_force(is_sparse, positive):
    from skreg.solvers.path_cd import _KKTCheck

    rng = np.random.RandomState(0)
    X, y = make_problem(30, 200, seed=13)
    Xi = sparsify(X, density=0.5) if is_sparse else np.asfortranarray(X)
    Xd = Xi.toarray() if is_sparse else Xi
    sw = rng.rand(30) + 0.5
    xm = sw @ Xd / sw.sum()
    Z = (Xd - xm) * sw[:, None]
    Xt = Xi.T.tocsr() if is_sparse else Xi.T
    kkt = _KKTCheck(Xi, Xt, sw, xm, positive)
    r0 = rng.randn(30)
    kkt.refresh(r0)
    cand = rng.rand(200) < 0.3
    # Small moves (few features unsure: exact products on those only) and
    # large ones (many unsure: a full refresh) must both be exact.
    for step in (1e-3, 1e-1, 3.0):
        r = r0 + step * rng.randn(30)
        g = Z.T @ r
        score = g if positive else np.abs(g)
        assert np.all(kkt.upper(r) >= score - 1e-9)
        l1 = np.quantile(score, 0.8)
        expect = ~cand & (score > l1 * (1 + 1e-12))
        assert_allclose(kkt.violations(r, cand, l1), expect)


def test_path_recovers_from_strong_rule_misses(monkeypatch):
    # Make the strong rule keep nothing but the ever-active features: every
    # new feature must then enter through the KKT check, and the path must
    # still equal the full-design one.
    import skreg.solvers.path_cd as pc

    X, y = make_problem(40, 120, seed=14, nnz=12)
    X = np.asfortranarray(X)
    xm, yc = X.mean(0), y - y.mean()
    alphas = alpha_grid(X, y, n_alphas=12, eps=1e-2)
    kw = dict(X_offset=xm, tol=1e-10, max_iter=100000)
    c_ref, _, _, _ = pc.solve_path(X, yc, alphas, 0.8, strong_rules=False, **kw)
    calls = {"viol": 0}
    orig = pc._KKTCheck.violations

    def counting(self, r, cand, l1):
        out = orig(self, r, cand, l1)
        calls["viol"] += int(out.any())
        return out

    monkeypatch.setattr(pc._KKTCheck, "strong_scores", lambda self, r: np.zeros(self.p))
    monkeypatch.setattr(pc._KKTCheck, "violations", counting)
    c, _, _, ok = pc.solve_path(X, yc, alphas, 0.8, **kw)
    assert calls["viol"] > 0 and all(ok)
    assert_allclose(c, c_ref, atol=1e-6 * np.abs(c_ref).max())
