"""L2Regressor against scikit-learn's Ridge.

Tolerance rationale (``F(w) = sum_i s_i (y_i - z_i^T w)^2 + alpha |w|^2``,
``g(w) = Z^T S (y - Z w) - alpha w`` = -grad F / 2, ``w*`` the optimum):

* closed forms (``cholesky``, ``svd``) compute the same matrix functions as
  scikit-learn in float64: ``rtol=1e-8``.  In float32 they work on the
  float32 Gram/SVD (as scikit-learn does) and are compared with the float64
  solution of the same data at ``rtol=1e-4``.
* ``cd`` stops when the Ridge duality gap is ``<= tol * F(w)``, so
  ``F(w) - F(w*) <= tol * F(w)`` and, ``F`` being ``2 alpha``-strongly
  convex, ``|w - w*|^2 <= tol * F(w) / alpha``.
* ``gd``/``fista`` stop when ``|g(w)| <= tol |g(0)|``; since
  ``g(w) = -(Z^T S Z + alpha I)(w - w*)``, ``|w - w*| <= tol |Z^T S y_c| / alpha``.
  The same bound holds for ``sparse_cg`` in its primal form (CG's ``rtol`` is
  the relative residual of the normal equations).
* ``lsqr``/``lbfgs``/kernel-form ``sparse_cg`` have no clean a-priori bound;
  with ``tol=1e-12`` they are compared at ``rtol=1e-6``.
"""

import functools
import itertools
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from skreg import ElasticNetRegressor, L2Regressor
from tests._oracle import make_problem, sparsify

SHAPES = {"tall": (40, 12), "wide": (25, 60), "xwide": (20, 300)}
ALPHAS = [1e-6, 1e-2, 1.0, 1e2, 1e6]
TARGETS = ["1d", "2d", "2d_alphas"]


def _data(shape, targets, layout, use_sw, dtype, seed=0):
    n, p = SHAPES[shape]
    n_targets = 1 if targets == "1d" else 2
    X, y = make_problem(n, p, n_targets=n_targets, seed=n + p + seed, dtype=dtype)
    if layout == "sparse":
        X = sparsify(X)
    sw = None
    if use_sw:
        sw = np.random.RandomState(3).uniform(0.2, 3.0, size=n).astype(dtype)
    return X, y, sw


def _alpha(alpha, targets):
    return np.array([alpha, 10 * alpha]) if targets == "2d_alphas" else alpha


def _dense64(X, y, sw):
    Xd = X.toarray() if sparse.issparse(X) else X
    return (
        np.asarray(Xd, dtype=np.float64),
        np.asarray(y, dtype=np.float64),
        None if sw is None else np.asarray(sw, dtype=np.float64),
    )


def _reference(X, y, sw, alpha, fit_intercept, solver="svd", **kw):
    Xd, yd, swd = _dense64(X, y, sw)
    return Ridge(alpha=alpha, fit_intercept=fit_intercept, solver=solver, **kw).fit(
        Xd, yd, sample_weight=swd
    )


def _centred(X, y, sw, fit_intercept):
    """Dense float64 ``Z``, ``Y_c`` (2-D) and weights ``s`` of the problem."""
    Xd, yd, swd = _dense64(X, y, sw)
    s = np.ones(len(yd)) if swd is None else swd
    Y = yd.reshape(len(yd), -1)
    if fit_intercept:
        Xd = Xd - np.average(Xd, axis=0, weights=s)
        Y = Y - np.average(Y, axis=0, weights=s)
    return Xd, Y, s


def _scale(ref):
    return np.max(np.abs(ref.coef_))


# ---------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------

DIRECT_CASES = [
    c
    for c in itertools.product(
        ["cholesky", "svd"],
        ["dense", "sparse"],
        [True, False],
        [False, True],
        ["tall", "wide", "xwide"],
        TARGETS,
        ALPHAS,
    )
    if not (c[0] == "svd" and c[1] == "sparse")
    # p >> n: the kernel form, once with two targets and per-target alphas.
    and not (c[4] == "xwide" and c[5] != "2d_alphas")
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "solver,layout,fit_intercept,use_sw,shape,targets,alpha", DIRECT_CASES
)
def test_direct_matches_sklearn(
    solver, layout, fit_intercept, use_sw, shape, targets, alpha, dtype
):
    X, y, sw = _data(shape, targets, layout, use_sw, dtype)
    alpha = _alpha(alpha, targets)
    ours = L2Regressor(alpha=alpha, fit_intercept=fit_intercept, solver=solver).fit(
        X, y, sample_weight=sw
    )
    ref = _reference(X, y, sw, alpha, fit_intercept, solver=solver)
    if dtype == np.float64:
        assert ours.solver_ == solver
    else:
        # A centred wide design has a singular kernel matrix; with alpha=1e-6
        # float32 rounding can make K + alpha I indefinite: SVD fallback.
        assert ours.solver_ in (solver, "svd")
    assert ours.coef_.dtype == dtype
    assert ours.coef_.shape == ref.coef_.shape
    assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
    if dtype == np.float64:
        rtol, atol = 1e-8, 1e-12 * _scale(ref)
        iatol = 1e-10 * (1 + np.max(np.abs(y)))
    else:
        rtol, atol = 1e-4, 1e-5 * _scale(ref)
        iatol = 1e-4 * (1 + np.max(np.abs(y)))
    assert_allclose(ours.coef_, ref.coef_, rtol=rtol, atol=atol)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=rtol, atol=iatol)


# ---------------------------------------------------------------------------
# Iterative solvers
# ---------------------------------------------------------------------------

ITER_SOLVERS = ["lsqr", "sparse_cg", "cd", "gd", "fista"]
ITER_ALPHAS = [1e-6, 1e-1, 10.0, 1e6]
ITER_CASES = [
    (solver, layout, fi, sw, shape, targets, alpha)
    for solver, layout, (fi, sw), shape, targets, alpha in itertools.product(
        ITER_SOLVERS,
        ["dense", "sparse"],
        [(True, False), (True, True), (False, True)],
        ["tall", "wide"],
        ["1d", "2d_alphas"],
        ITER_ALPHAS,
    )
    # Primal CD on a wide design with alpha -> 0 converges at the rate of
    # the smallest eigenvalue of Z^T Z + alpha I (= alpha): not a test case.
    if not (solver == "cd" and shape == "wide" and alpha < 1e-1)
]


def _check_iterative(
    ours, X, y, sw, alpha, fit_intercept, solver, tol, ref, extra_rtol, grad_rtol=1e-6
):
    Z, Yc, s = _centred(X, y, sw, fit_intercept)
    W = np.atleast_2d(ours.coef_).astype(np.float64)
    Wref = np.atleast_2d(ref.coef_)
    alphas = np.broadcast_to(np.asarray(alpha, dtype=np.float64), (Yc.shape[1],))
    slack = extra_rtol * _scale(ref)
    tall = Z.shape[0] >= Z.shape[1]
    for k in range(Yc.shape[1]):
        err = np.linalg.norm(W[k] - Wref[k])
        if solver == "cd":

            def F(w, k=k):
                r = Yc[:, k] - Z @ w
                return float(s @ r**2 + alphas[k] * w @ w)

            Fw = F(W[k])
            bound = np.sqrt(tol * Fw / alphas[k])
            assert Fw - F(Wref[k]) <= tol * Fw + 1e-12 * Fw
        elif solver in ("gd", "fista") or (
            solver == "sparse_cg" and tall and grad_rtol <= 1e-6
        ):
            bound = tol * np.linalg.norm(Z.T @ (s * Yc[:, k])) / alphas[k]
        else:
            # No a-priori bound from tol: check the gradient a posteriori
            # (relative norm <= grad_rtol) and bound the error by |g(w)| / alpha.
            g = Z.T @ (s * (Yc[:, k] - Z @ W[k])) - alphas[k] * W[k]
            g0 = np.linalg.norm(Z.T @ (s * Yc[:, k]))
            assert np.linalg.norm(g) <= grad_rtol * g0
            bound = np.linalg.norm(g) / alphas[k]
        assert err <= bound + slack * np.sqrt(len(W[k])), (err, bound)
    # The intercept follows from the coefficients: b = y_mean - m^T w.
    Xd, yd, swd = _dense64(X, y, sw)
    if fit_intercept:
        m = np.average(Xd, axis=0, weights=s)
        ib = np.linalg.norm(m) * np.linalg.norm(W - Wref, axis=1)
        assert np.all(
            np.abs(np.atleast_1d(ours.intercept_) - ref.intercept_)
            <= ib + 1e-6 * (1 + np.abs(ref.intercept_))
        )
    else:
        assert ours.intercept_ == 0.0


@pytest.mark.parametrize(
    "solver,layout,fit_intercept,use_sw,shape,targets,alpha", ITER_CASES
)
def test_iterative_matches_sklearn(
    solver, layout, fit_intercept, use_sw, shape, targets, alpha
):
    X, y, sw = _data(shape, targets, layout, use_sw, np.float64)
    alpha = _alpha(alpha, targets)
    tol = 1e-12 if solver in ("lsqr", "sparse_cg", "lbfgs") else 1e-10
    ours = L2Regressor(
        alpha=alpha,
        fit_intercept=fit_intercept,
        solver=solver,
        tol=tol,
        max_iter=200_000,
    ).fit(X, y, sample_weight=sw)
    ref = _reference(X, y, sw, alpha, fit_intercept)
    assert ours.solver_ == solver
    assert ours.coef_.shape == ref.coef_.shape
    assert np.all(np.asarray(ours.n_iter_) >= 1)
    _check_iterative(ours, X, y, sw, alpha, fit_intercept, solver, tol, ref, 1e-12)


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("shape", ["tall", "wide"])
@pytest.mark.parametrize("alpha", [1e-2, 1.0, 1e3])
def test_lbfgs_unconstrained(layout, fit_intercept, shape, alpha):
    # L-BFGS-B (scikit-learn's positive-only solver), here also without bounds.
    X, y, sw = _data(shape, "2d_alphas", layout, True, np.float64)
    alpha = _alpha(alpha, "2d_alphas")
    ours = L2Regressor(
        alpha=alpha, fit_intercept=fit_intercept, solver="lbfgs", tol=1e-12
    ).fit(X, y, sample_weight=sw)
    ref = _reference(X, y, sw, alpha, fit_intercept)
    assert ours.solver_ == "lbfgs"
    _check_iterative(ours, X, y, sw, alpha, fit_intercept, "lbfgs", 1e-12, ref, 1e-12)


@pytest.mark.parametrize("solver", ITER_SOLVERS + ["lbfgs"])
@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("shape", ["tall", "wide"])
def test_iterative_float32(solver, layout, shape):
    X, y, sw = _data(shape, "2d_alphas", layout, True, np.float32)
    alpha = _alpha(1.0, "2d_alphas")
    scipy_solver = solver in ("lsqr", "sparse_cg", "lbfgs")
    # L-BFGS-B's tol is its relative objective decrease: tighter needed.
    tol = {"lsqr": 1e-6, "sparse_cg": 1e-6, "lbfgs": 1e-10}.get(solver, 1e-10)
    with warnings.catch_warnings():
        # float32 products: L-BFGS-B's line search may end on rounding noise.
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = L2Regressor(alpha=alpha, solver=solver, tol=tol, max_iter=200_000).fit(
            X, y, sample_weight=sw
        )
    assert ours.coef_.dtype == np.float32
    # Compared with the float64 optimum of the same (float32) data.  The
    # Numba solvers keep float64 iterates: exact up to rounding the result to
    # float32.  The scipy solvers take their products with X in float32 (as
    # scikit-learn does): gradient accurate to ~1e-5 relative.
    ref = _reference(X, y, sw, alpha, True)
    _check_iterative(
        ours,
        X,
        y,
        sw,
        alpha,
        True,
        solver,
        tol,
        ref,
        1e-6,
        grad_rtol=1e-4 if scipy_solver else 1e-6,
    )


# ---------------------------------------------------------------------------
# positive=True
# ---------------------------------------------------------------------------


@functools.cache
def _positive_reference(layout, shape, use_sw, fit_intercept, alpha):
    X, y, sw = _data(shape, "1d", layout, use_sw, np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _reference(
            X,
            y,
            sw,
            alpha,
            fit_intercept,
            solver="lbfgs",
            positive=True,
            tol=1e-10,
            max_iter=100_000,
        )


@pytest.mark.parametrize("solver", ["cd", "gd", "fista", "lbfgs"])
@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("fit_intercept,use_sw", [(True, True), (False, False)])
@pytest.mark.parametrize("shape", ["tall", "wide"])
@pytest.mark.parametrize(
    "alpha", [pytest.param(0.1, marks=pytest.mark.slow), 1.0, 10.0]
)
def test_positive_matches_sklearn_lbfgs(
    solver, layout, fit_intercept, use_sw, shape, alpha
):
    X, y, sw = _data(shape, "1d", layout, use_sw, np.float64)
    tol = 1e-10 if solver == "lbfgs" else 1e-12
    ours = L2Regressor(
        alpha=alpha,
        positive=True,
        solver=solver,
        tol=tol,
        fit_intercept=fit_intercept,
        max_iter=200_000,
    ).fit(X, y, sample_weight=sw)
    ref = _positive_reference(layout, shape, use_sw, fit_intercept, alpha)
    assert ours.solver_ == solver
    assert np.all(ours.coef_ >= 0)
    # scikit-learn's L-BFGS-B stops on its own rule (ftol): at tol=1e-10 its
    # solution is up to ~2e-5 (relative to max |coef|) away from the optimum
    # on these cases, where cd/gd/fista agree with each other to ~1e-7.
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-4, atol=1e-4 * _scale(ref))
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-4, atol=1e-4)
    Z, Yc, s = _centred(X, y, sw, fit_intercept)

    def F(w):
        r = Yc[:, 0] - Z @ w
        return s @ r**2 + alpha * w @ w

    # Never worse than scikit-learn's solution, up to our own tolerance.
    assert F(ours.coef_) <= F(ref.coef_) + 1e-10 * F(ref.coef_)
    # KKT conditions of the bound-constrained problem at our solution.
    g = Z.T @ (s * (Yc[:, 0] - Z @ ours.coef_)) - alpha * ours.coef_
    gscale = np.linalg.norm(Z.T @ (s * Yc[:, 0]))
    active = ours.coef_ > 0
    assert np.all(np.abs(g[active]) <= 1e-5 * gscale)
    assert np.all(g[~active] <= 1e-5 * gscale)


# ---------------------------------------------------------------------------
# solver selection, shapes, dtypes, memory layout
# ---------------------------------------------------------------------------


def test_auto_solver():
    X, y = make_problem(40, 12)
    assert L2Regressor().fit(X, y).solver_ == "cholesky"
    assert L2Regressor().fit(sparsify(X), y).solver_ == "sparse_cg"
    assert L2Regressor(positive=True).fit(X, y).solver_ == "cd"
    assert_allclose(L2Regressor().fit(X, y).coef_, Ridge().fit(X, y).coef_, rtol=1e-10)
    # scikit-learn's 'auto' is sparse_cg on sparse X as well: same iterates,
    # so even at the default tol=1e-4 both agree far below tol.
    for sw in [None, np.random.RandomState(0).uniform(0.5, 2, size=40)]:
        ours = L2Regressor().fit(sparsify(X), y, sample_weight=sw)
        ref = Ridge().fit(sparsify(X), y, sample_weight=sw)
        assert ref.solver_ == "sparse_cg"
        assert_allclose(ours.coef_, ref.coef_, rtol=1e-8)
        assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-8)


def test_singular_falls_back():
    X, y = make_problem(30, 6, seed=4)
    X[:, 2] = 0.0
    ours = L2Regressor(alpha=0.0, fit_intercept=False, solver="cholesky").fit(X, y)
    ref = Ridge(alpha=0.0, fit_intercept=False, solver="cholesky").fit(X, y)
    assert ours.solver_ == ref.solver_ == "svd"
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-12)
    # Sparse X is never densified: the singular system goes to lsqr.
    ours = L2Regressor(alpha=0.0, fit_intercept=False, solver="cholesky").fit(
        sparse.csr_matrix(X), y
    )
    assert ours.solver_ == "lsqr"
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-10)


def test_column_vector_target_like_sklearn():
    X, y = make_problem(30, 5)
    y = y.reshape(-1, 1)
    for solver in ["cholesky", "lsqr", "cd"]:
        ours = L2Regressor(solver=solver, tol=1e-12).fit(X, y)
        ref = Ridge(solver=solver if solver != "cd" else "svd").fit(X, y)
        assert ours.coef_.shape == ref.coef_.shape == (5,)
        assert np.shape(ours.intercept_) == np.shape(ref.intercept_) == (1,)
        assert_allclose(
            ours.predict(X),
            ref.predict(X),
            rtol=1e-6,
            atol=1e-5 * np.max(np.abs(ref.predict(X))),
        )


@pytest.mark.parametrize("weight", [2.5, 1.0])
def test_scalar_sample_weight_like_sklearn(weight):
    # Ridge's weights are raw: a scalar weight scales the data term.
    X, y = make_problem(30, 5)
    ours = L2Regressor(alpha=10.0).fit(X, y, sample_weight=weight)
    ref = Ridge(alpha=10.0).fit(X, y, sample_weight=weight)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-10)


@pytest.mark.parametrize("solver", ["cholesky", "svd", "lsqr", "cd", "fista"])
def test_memory_order_and_no_mutation(solver):
    X, y = make_problem(40, 8)
    Xc, Xf = np.ascontiguousarray(X), np.asfortranarray(X)
    Xc0 = Xc.copy()
    a = L2Regressor(solver=solver, tol=1e-12).fit(Xc, y)
    b = L2Regressor(solver=solver, tol=1e-12).fit(Xf, y)
    assert_array_equal(Xc, Xc0)
    assert_array_equal(Xf, Xc0)
    assert_allclose(a.coef_, b.coef_, rtol=1e-9)


def test_copy_X_false_centres_in_place_but_fits_the_same():
    X, y = make_problem(40, 8)
    ref = L2Regressor().fit(X, y)
    X2 = X.copy()
    ours = L2Regressor(copy_X=False).fit(X2, y)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-12)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-12)


def test_matches_elasticnet_with_l1_ratio_zero():
    # ||y - Xw||^2 + a |w|^2 = 2 n (1/(2n) ||y - Xw||^2 + (a/n)/2 |w|^2).
    X, y = make_problem(40, 8)
    n = X.shape[0]
    ours = L2Regressor(alpha=3.0).fit(X, y)
    enet = ElasticNetRegressor(
        alpha=3.0 / n, l1_ratio=0.0, tol=1e-14, max_iter=100_000
    ).fit(X, y)
    assert_allclose(ours.coef_, enet.coef_, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------
# gradient solvers: verbose and loss history
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["gd", "fista"])
def test_loss_history_and_verbose(solver, capsys):
    X, y, sw = _data("tall", "1d", "dense", True, np.float64)
    ours = L2Regressor(alpha=1.0, solver=solver, verbose=1, tol=1e-8).fit(
        X, y, sample_weight=sw
    )
    out = capsys.readouterr().out
    hist = ours.loss_history_[0]
    assert len(hist) == ours.n_iter_[0]
    assert len([ln for ln in out.splitlines() if ln.strip()]) >= ours.n_iter_[0]
    if solver == "gd":
        assert np.all(np.diff(hist) <= 1e-12 * hist[0])
    Z, Yc, s = _centred(X, y, sw, True)
    r = Yc[:, 0] - Z @ ours.coef_
    assert_allclose(hist[-1], s @ r**2 + ours.coef_ @ ours.coef_, rtol=1e-8)
    quiet = L2Regressor(alpha=1.0, solver=solver, tol=1e-8).fit(X, y, sample_weight=sw)
    assert capsys.readouterr().out == ""
    assert_allclose(quiet.coef_, ours.coef_)


def test_cd_convergence_warning():
    X, y = make_problem(25, 60)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        L2Regressor(alpha=1e-4, solver="cd", max_iter=2, tol=1e-12).fit(X, y)


# ---------------------------------------------------------------------------
# input validation
# ---------------------------------------------------------------------------


def test_bad_inputs():
    X, y = make_problem(20, 4, n_targets=2)
    with pytest.raises(ValueError, match="alpha"):
        L2Regressor(alpha=[1.0, 2.0, 3.0]).fit(X, y)
    with pytest.raises(ValueError, match="alpha"):
        L2Regressor(alpha=[1.0, -2.0]).fit(X, y)
    with pytest.raises(ValueError, match="alpha"):
        L2Regressor(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="positive"):
        L2Regressor(positive=True, solver="cholesky").fit(X, y)
    with pytest.raises(ValueError, match="svd"):
        L2Regressor(solver="svd").fit(sparse.csr_matrix(X), y)
    with pytest.raises(TypeError, match="svd"):
        L2Regressor(solver="svd", fit_intercept=False).fit(sparse.csr_matrix(X), y)
    with pytest.raises(ValueError, match="solver"):
        L2Regressor(solver="newton").fit(X, y)
    with pytest.raises(ValueError, match="sample_weight|negative"):
        L2Regressor().fit(X, y, sample_weight=-np.ones(20))
    with pytest.raises(ValueError, match="(?i)sample.weight"):
        L2Regressor().fit(X, y, sample_weight=np.zeros(20))
    with pytest.raises(ValueError, match="too large"):
        L2Regressor().fit(X * 1e300, y)
    for bad in [np.inf, np.nan, 0.0, -1.0]:
        with pytest.raises(ValueError, match="sample_weight"):
            L2Regressor().fit(X, y, sample_weight=bad)
    with pytest.raises(TypeError, match="sparse"):
        L2Regressor().fit(X, sparse.csr_matrix(y))
    with pytest.raises(ValueError, match="max_iter"):
        L2Regressor(max_iter=0, solver="cd").fit(X, y)


@parametrize_with_checks(
    [L2Regressor()]
    + [
        L2Regressor(solver=s)
        for s in ["cholesky", "svd", "lsqr", "sparse_cg", "lbfgs", "cd", "gd", "fista"]
    ]
    + [L2Regressor(positive=True)]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
