"""Per-feature penalties in the coordinate-descent solver: L1 and L2 weights
(zeros included), box constraints, against an independent optimum."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from skreg._kernels.penalty import make_penalty
from skreg.solvers.cd import enet_cd
from skreg.solvers.design import Design
from tests._oracle import prox_grad_optimum, sparsify


def _oracle(Z, y, s, l1, l2, lower, upper):
    return prox_grad_optimum(Z, y, s, l1, l2, lower, upper)


def _objective(Z, y, s, w, l1, l2):
    r = y - Z @ w
    return 0.5 * (s * r) @ r + l1 @ np.abs(w) + 0.5 * (l2 * w) @ w


def _case(layout, use_sw, seed=0, n=40, p=25):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 1:] += 0.5 * X[:, :-1]
    coef = np.zeros(p)
    coef[:6] = [3.0, -2.0, 1.5, -1.0, 2.5, 0.7]
    y = X @ coef + 0.3 * rng.standard_normal(n)
    s = rng.uniform(0.3, 2.0, n) if use_sw else np.ones(n)
    s *= n / s.sum()
    Xk = sparsify(np.asfortranarray(X), density=1.0) if layout == "csc" else X
    design = Design(
        np.asfortranarray(Xk) if layout == "dense" else Xk,
        s if use_sw else None,
        center=True,
    )
    y = y - s @ y / s.sum()
    Z = X - design.xm
    return design, Z, y, s


@pytest.mark.parametrize("layout", ["dense", "csc"])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("bounds", [False, True])
def test_per_feature_penalty_reaches_the_optimum(layout, use_sw, l1_ratio, bounds):
    design, Z, y, s = _case(layout, use_sw)
    p = Z.shape[1]
    lam = 0.1 * np.abs(Z.T @ (s * y)).max()
    factor = np.linspace(0.3, 2.0, p)
    factor[[0, 7]] = 0.0  # unpenalised
    l1 = lam * l1_ratio * factor
    l2 = lam * (1 - l1_ratio) * factor
    lower = np.full(p, -np.inf)
    upper = np.full(p, np.inf)
    if bounds:
        lower[1] = -0.5  # the free solution is about -2
        upper[0] = 1.0  # about 3
        upper[4] = 0.8
        lower[10:] = 0.0
    ref = _oracle(Z, y, s, l1, l2, lower, upper)
    w = np.zeros(p)
    tol = 1e-12
    res = enet_cd(design, y, w, l1, l2, lower=lower, upper=upper, tol=tol)
    assert res.converged
    assert np.all(w >= lower) and np.all(w <= upper)
    p_ref = _objective(Z, y, s, ref, l1, l2)
    p_got = _objective(Z, y, s, w, l1, l2)
    # within tol of the optimum (the gap bounds the suboptimality)
    assert p_got - p_ref <= tol * (s * y) @ y + 1e-12 * abs(p_ref)
    assert_allclose(w, ref, rtol=1e-5, atol=1e-7)
    # a coefficient the optimum holds at a bound is exactly on it
    at_bound = (np.abs(ref - lower) < 1e-9) | (np.abs(ref - upper) < 1e-9)
    assert_allclose(w[at_bound], ref[at_bound], rtol=0, atol=1e-15)
    assert at_bound.sum() >= (3 if bounds else 0)


def test_unpenalised_features_are_never_screened_and_the_gap_is_a_bound():
    design, Z, y, s = _case("dense", False, seed=3, p=60)
    p = Z.shape[1]
    lam = 0.5 * np.abs(Z.T @ y).max()
    l1 = np.full(p, lam)
    l1[[5, 40]] = 0.0  # a large penalty elsewhere zeroes almost everything
    ref = _oracle(Z, y, s, l1, np.zeros(p), -np.inf, np.inf)
    w = np.zeros(p)
    res = enet_cd(design, y, w, l1, 0.0, tol=1e-10)
    assert res.converged and w[5] != 0 and w[40] != 0
    assert_allclose(w, ref, rtol=1e-6, atol=1e-8)
    # a loose fit's gap still bounds its suboptimality
    w_loose = np.zeros(p)
    loose = enet_cd(design, y, w_loose, l1, 0.0, tol=1e-2, newton=False)
    gap_bound = _objective(Z, y, s, w_loose, l1, 0) - _objective(Z, y, s, ref, l1, 0)
    assert gap_bound <= loose.gap * (1 + 1e-9) + 1e-12


@pytest.mark.parametrize("tol", [1e-3, 1e-5, 1e-8])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize(
    "layout, cold, one_sided",
    [("dense", False, False), ("dense", True, True), ("csc", True, False)],
)
def test_free_features_gap_bounds_suboptimality(layout, cold, one_sided, tol, use_sw):
    # the residual is projected off the free columns before each pass, and
    # a cold start (correlations known, no pass) takes the dual's origin:
    # whichever dual point a pass keeps, the gap bounds the suboptimality
    design, Z, y, s = _case(layout, use_sw, seed=7, n=200, p=80)
    p = Z.shape[1]
    # a large penalty: the free columns carry most of the fit
    lam = 0.5 * np.abs(Z.T @ (s * y)).max()
    l1 = np.full(p, lam)
    l1[[0, 1, 50]] = 0.0
    lower, upper = np.full(p, -np.inf), np.full(p, np.inf)
    if one_sided:
        lower[1] = 0.0  # the free solution is about -2
    ref = _oracle(Z, y, s, l1, np.zeros(p), lower, upper)
    w = np.zeros(p)
    xty = Z.T @ (s * y) if cold else None
    res = enet_cd(
        design, y, w, l1, 0.0, lower=lower, upper=upper, tol=tol, newton=False, xty=xty
    )
    subopt = _objective(Z, y, s, w, l1, 0) - _objective(Z, y, s, ref, l1, 0)
    assert subopt <= res.gap * (1 + 1e-9) + 1e-12
    assert res.gap <= tol * (s * y) @ y


def test_excluded_features_stay_zero_and_scalars_match_arrays():
    design, Z, y, s = _case("dense", True, seed=1)
    p = Z.shape[1]
    lam = 0.05 * np.abs(Z.T @ (s * y)).max()
    w_scalar = np.zeros(p)
    enet_cd(design, y, w_scalar, lam, 0.3 * lam, tol=1e-12)
    w_array = np.zeros(p)
    enet_cd(design, y, w_array, np.full(p, lam), np.full(p, 0.3 * lam), tol=1e-12)
    assert_allclose(w_array, w_scalar, rtol=1e-12, atol=1e-14)
    # lower = upper = 0 leaves a feature out (a factor of inf)
    lower = np.full(p, -np.inf)
    upper = np.full(p, np.inf)
    lower[0] = upper[0] = 0.0
    w = np.zeros(p)
    enet_cd(design, y, w, lam, 0.0, lower=lower, upper=upper, tol=1e-12)
    ref = _oracle(Z, y, s, np.full(p, lam), np.zeros(p), lower, upper)
    assert w[0] == 0.0
    assert_allclose(w, ref, rtol=1e-5, atol=1e-7)


def test_penalty_checks_bounds_shape():
    pen = make_penalty(3, 1.0, 0.5, positive=True, upper=[1.0, 2.0, np.inf])
    assert_allclose(pen.lower, 0.0)
    assert_allclose(pen.upper, [1.0, 2.0, np.inf])
    with pytest.raises(ValueError):
        make_penalty(3, [1.0, 2.0], 0.0)


def test_box_dual_is_the_best_scaling_of_the_residual():
    # the dual at s times the residual, maximised over 0 <= s <= scale, is
    # at least its value on a fine grid of s (and both end points)
    from skreg._kernels.gap import box_dual, dual_value

    rng = np.random.default_rng(4)
    p = 30
    pen = make_penalty(
        p,
        rng.uniform(0.5, 1.5, p),
        rng.uniform(0.0, 0.2, p),
        lower=np.where(rng.random(p) < 0.5, -rng.uniform(0.1, 1e3, p), -np.inf),
        upper=np.where(rng.random(p) < 0.5, rng.uniform(0.1, 1e3, p), np.inf),
    )
    for _ in range(20):
        XtA = rng.standard_normal(p) * rng.uniform(0.5, 2.0)
        r_norm2, w_l2 = rng.uniform(1.0, 10.0), rng.uniform(0.0, 1.0)
        ry = r_norm2 + rng.uniform(0.0, 3.0)
        scale = 1.0
        for j in range(p):
            v, l1 = XtA[j], pen.l1[j]
            if (v > l1 and pen.upper[j] == np.inf) or (
                v < -l1 and pen.lower[j] == -np.inf
            ):
                scale = min(scale, l1 / abs(v))
        args = (XtA, pen.l1, pen.lower, pen.upper)
        dual, s = box_dual(r_norm2, ry, w_l2, scale, *args)
        assert 0.0 <= s <= scale
        grid = [
            dual_value(r_norm2, ry, w_l2, t, *args)
            for t in np.linspace(0.0, scale, 2001)
        ]
        assert dual >= max(grid) - 1e-9 * abs(max(grid))


@pytest.mark.parametrize("active", [False, True])
def test_a_loose_bounded_fit_gap_bounds_its_suboptimality(active):
    from skreg.solvers.gram import GramCD

    design, Z, y, s = _case("dense", True, seed=5, p=40)
    p = Z.shape[1]
    lam = 0.05 * np.abs(Z.T @ (s * y)).max()
    l1, l2 = np.full(p, lam), np.full(p, 0.1 * lam)
    bound = 0.5 if active else 1e6
    lower, upper = np.full(p, -bound), np.full(p, bound)
    ref = _oracle(Z, y, s, l1, l2, lower, upper)
    p_ref = _objective(Z, y, s, ref, l1, l2)
    assert np.any(np.abs(ref) == 0.5) == active
    eps = 1e-12 * p_ref
    for tol in [1e-2, 1e-4]:
        w = np.zeros(p)
        res = enet_cd(
            design, y, w, l1, l2, lower=lower, upper=upper, tol=tol, newton=False
        )
        sub = _objective(Z, y, s, w, l1, l2) - p_ref
        assert res.converged and -eps <= sub <= res.gap + eps
        G, q = Z.T @ (s[:, None] * Z), Z.T @ (s * y)
        gram = GramCD(G, q, float(s @ y**2), max_iter=1000, tol=tol)
        res = gram.solve((l1, l2, lower, upper))
        sub = _objective(Z, y, s, res.coef, l1, l2) - p_ref
        assert res.converged and -eps <= sub <= res.gap + eps


def test_active_bounds_converge_on_long_columns():
    # long columns: the inner solves are checked from the outer passes
    # (chunks), whose working-set dual must take the bounded features'
    # conjugates (a plain scaling stalled at a 2% gap for 1000 epochs)
    from skreg import ElasticNetRegressor
    from skreg.solvers.gram import GramCD

    rng = np.random.default_rng(0)
    n, p = 9000, 40
    X = rng.standard_normal((n, p))
    X[:, 1:] += 0.5 * X[:, :-1]
    coef = np.zeros(p)
    coef[:12] = rng.uniform(1.0, 3.0, 12) * rng.choice([-1, 1], 12)
    y = X @ coef + rng.standard_normal(n)
    alpha = 0.1 * np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / n
    kw = {"alpha": alpha, "l1_ratio": 1.0, "tol": 1e-6}
    kw.update(lower_bounds=-1.0, upper_bounds=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = ElasticNetRegressor(**kw).fit(X, y)
    assert est.n_iter_ < 100 and np.sum(np.abs(est.coef_) == 1.0) >= 5
    Z, yc = X - X.mean(0), y - y.mean()
    l1 = np.full(p, n * alpha)
    bounds = (np.full(p, -1.0), np.full(p, 1.0))
    ref = GramCD(Z.T @ Z, Z.T @ yc, yc @ yc, tol=1e-12).solve((l1, 0 * l1, *bounds))
    assert_allclose(est.coef_, ref.coef, rtol=1e-4, atol=1e-6)
