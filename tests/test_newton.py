"""The support Newton step: bordered solves and the active-set polish."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skreg._kernels.penalty import make_penalty
from skreg.solvers._newton import kkt_violators
from skreg.solvers._support_solver import (
    SupportSolver,
    _centred_gram,
    _weighted_columns,
)
from skreg.solvers.cd import enet_cd
from skreg.solvers.design import Design
from tests._oracle import make_problem, record_calls, sparsify


def _design(layout, use_sw, n=40, p=25, seed=0):
    X, y = make_problem(n, p, seed=seed)
    X = np.asfortranarray(X)
    if layout == "sparse":
        X = sparsify(X, density=0.6)
    sw = None
    if use_sw:
        sw = np.random.RandomState(seed + 7).uniform(0.2, 3.0, size=n)
        sw *= n / sw.sum()
    design = Design(X, sw, center=True)
    s = np.ones(n) if sw is None else sw
    y = y - np.dot(s, y) / s.sum()
    return design, X, y, s


def _direct(X, y, s, cols, signs, l1, l2):
    # the Newton system written out on an explicitly centred copy of X
    Xd = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    Z = Xd - (s @ Xd) / s.sum()
    ZA = Z[:, cols]
    G = ZA.T @ (s[:, None] * ZA) + l2 * np.eye(cols.size)
    return np.linalg.solve(G, ZA.T @ (s * y) - l1 * signs)


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("use_sw", [False, True])
def test_centred_gram_lower_triangle(layout, use_sw):
    # the rank-2 centring update writes the lower triangle of Z_A^T S Z_A
    design, X, _, s = _design(layout, use_sw)
    cols = np.array([0, 3, 4, 9, 17, 24])
    XA, XAw = _weighted_columns(design, cols)
    G = _centred_gram(design, XA, XAw, cols)
    Xd = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    ZA = (Xd - (s @ Xd) / s.sum())[:, cols]
    expected = ZA.T @ (s[:, None] * ZA)
    assert np.any(design.xm[cols] != 0)
    assert_allclose(np.tril(G), np.tril(expected), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("l2", [0.0, 3.0])
@pytest.mark.parametrize("drop, add", [(0, 0), (3, 0), (0, 4), (2, 3), (6, 6)], ids=str)
def test_bordered_solve_matches_direct(layout, use_sw, l2, drop, add):
    design, X, y, s = _design(layout, use_sw)
    rng = np.random.RandomState(drop * 10 + add)
    cols0 = np.sort(rng.choice(25, 12, replace=False))
    solver = SupportSolver(design, y, cols0, make_penalty(25, 0.7, l2))
    assert solver.ok
    others = np.setdiff1d(np.arange(25), cols0)
    cols = np.concatenate(
        [rng.permutation(cols0)[drop:], rng.choice(others, add, replace=False)]
    )
    signs = rng.choice([-1.0, 1.0], cols.size)
    l1 = 0.7
    x = solver.solve(cols, signs)
    assert solver.n_changed(cols) == drop + add
    assert_allclose(x, _direct(X, y, s, cols, signs, l1, l2), rtol=1e-8, atol=1e-10)
    # a second solve reuses the cached bordering columns and agrees
    assert_allclose(solver.solve(cols, signs), x, rtol=1e-12, atol=1e-14)


def test_kkt_violators_order_and_filters():
    XtA = np.array([0.5, -2.0, 1.5, 3.0, -1.2, 1.0 + 1e-13, 2.5])
    w = np.array([0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0])
    feats = np.array([0, 1, 2, 3, 4, 5])  # feature 6 was screened out
    # 3 is in the support, 5's excess is rounding, 6 is not a candidate
    pen = make_penalty(7, 1.0, 0.0)
    assert list(kkt_violators(XtA, w, feats, pen, 10)) == [1, 2, 4]
    assert list(kkt_violators(XtA, w, feats, pen, 2)) == [1, 2]
    pen_pos = make_penalty(7, 1.0, 0.0, positive=True)
    assert list(kkt_violators(XtA, w, feats, pen_pos, 10)) == [2]
    # per feature: a weight of 2.5 on feature 1 takes it out, a lower bound
    # of 0 on feature 4 too
    pen_j = make_penalty(
        7,
        np.where(np.arange(7) == 1, 2.5, 1.0),
        0.0,
        lower=np.where(np.arange(7) == 4, 0.0, -np.inf),
    )
    assert list(kkt_violators(XtA, w, feats, pen_j, 10)) == [2]


def _objective(design, y, s, X, w, l1, l2):
    Xd = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    r = y - (Xd - (s @ Xd) / s.sum()) @ w
    return 0.5 * np.dot(s * r, r) + l1 * np.abs(w).sum() + 0.5 * l2 * w @ w


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.7])
@pytest.mark.parametrize("positive", [False, True])
def test_polish_makes_loose_fits_exact(layout, use_sw, l1_ratio, positive):
    # wide and correlated, with a large support: CD stopped at a loose tol is
    # measurably off the optimum; the active-set polish lands on it exactly
    # (an ElasticNet support may exceed n_samples: the l2 term keeps the
    # Newton system regular)
    design, X, y, s = _design(layout, use_sw, n=50, p=200, seed=3)
    l1_max = np.abs(design_corr(design, X, y, s)).max() / l1_ratio
    lam = l1_max / 50
    l1, l2 = lam * l1_ratio, lam * (1 - l1_ratio)

    def solve(tol, newton):
        w = np.zeros(200)
        res = enet_cd(
            design,
            y,
            w,
            l1,
            l2,
            tol=tol,
            max_iter=100_000,
            newton=newton,
            positive=positive,
        )
        return _objective(design, y, s, X, res.coef, l1, l2)

    p_star = solve(1e-13, True)
    # positive fits are easier for CD: a looser tol keeps the case telling
    loose = 1e-3 if positive else 1e-4
    loose_plain = (solve(loose, False) - p_star) / p_star
    loose_polished = (solve(loose, True) - p_star) / p_star
    # the case discriminates: without Newton the loose fit is not exact (by
    # at least three orders of magnitude more than the polished one)
    assert loose_plain > 1e-10
    assert loose_polished < 1e-13


def design_corr(design, X, y, s):
    Xd = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    return (Xd - (s @ Xd) / s.sum()).T @ (s * y)


def _wrong_signs(design, X, y, s, n_bad, seed, ratio=30):
    # the Lasso optimum at alpha_max / ratio with n_bad of its zero features
    # set to a small value of the wrong sign; returns (l1, w, support,
    # signs, objective)
    corr = design_corr(design, X, y, s)
    lam = np.abs(corr).max() / ratio
    p = corr.size
    w = enet_cd(design, y, np.zeros(p), lam, 0.0, tol=1e-13).coef.copy()
    rng = np.random.RandomState(seed)
    bad = rng.choice(np.flatnonzero(w == 0), n_bad, replace=False)
    w[bad] = -np.sign(corr[bad]) * 1e-3
    cols = np.flatnonzero(w)

    def objective(v):
        return _objective(design, y, s, X, v, lam, 0.0)

    return lam, w, cols, np.sign(w[cols]), objective


@pytest.mark.parametrize("layout", ["dense", "csc"])
@pytest.mark.parametrize("seed", [1, 2])
def test_dropping_the_flipped_features_at_once(layout, seed):
    # features that the optimum keeps at zero enter with the wrong sign: the
    # Newton solution flips them, and dropping them all at once lands on
    # the exact minimiser of a sign pattern, below the starting objective
    from skreg.solvers._newton import _drop_flipped

    design, X, y, s = _design("dense", False, n=50, p=200, seed=seed)
    if layout == "csc":
        # the same numbers stored as CSC
        X = sparsify(X, density=1.0)
        design = Design(X, center=True)
    lam, w, cols, signs, objective = _wrong_signs(design, X, y, s, 6, seed)
    primal = objective(w)
    pen = make_penalty(design.n_features, lam, 0.0)
    solver = SupportSolver(design, y, cols, pen)
    first = solver.solve(cols, signs)
    flips = np.sign(first) != signs
    assert np.any(flips)
    w0 = w.copy()
    # a candidate that must beat an unbeatable objective is not taken
    assert (
        _drop_flipped(
            solver,
            w,
            cols,
            signs,
            np.flatnonzero(~flips),
            pen,
            -np.inf,
            objective,
        )
        == 0
    )
    assert np.array_equal(w, w0)
    outcome = _drop_flipped(
        solver, w, cols, signs, np.flatnonzero(~flips), pen, primal, objective
    )
    assert outcome == 2
    assert objective(w) < primal
    support = np.flatnonzero(w)
    assert np.all(np.isin(support, cols)) and support.size < cols.size
    assert_allclose(
        w[support],
        _direct(X, y, s, support, np.sign(w[support]), lam, 0.0),
        rtol=1e-8,
        atol=1e-10,
    )


def test_prefetch_batches_the_bordering_columns(monkeypatch):
    import skreg.solvers._support_solver as support_solver

    design, X, y, s = _design("dense", True)
    cols0 = np.arange(0, 20)
    solver = SupportSolver(design, y, cols0, make_penalty(25, 0.3, 0.5))
    # grow one extra feature, so that its bordering column can be prefetched
    solver.solve(np.concatenate([cols0, [22]]), np.ones(21))
    calls = []
    real = support_solver._cho_solve

    def counting(factor, b):
        calls.append(b.shape)
        return real(factor, b)

    monkeypatch.setattr(support_solver, "_cho_solve", counting)
    # feature 24 is unknown to the solver: nothing to prefetch for it
    solver.prefetch(np.array([3, 7, 11, 22, 24]))
    # (22's column was computed by the solve that grew it)
    assert calls == [(20, 3)]
    signs = np.where(np.arange(25) % 3 == 0, -1.0, 1.0)
    for drop in ([3], [3, 7], [3, 7, 11]):
        cols = np.concatenate([np.setdiff1d(cols0, drop), [22]])
        x = solver.solve(cols, signs[cols])
        assert_allclose(
            x, _direct(X, y, s, cols, signs[cols], 0.3, 0.5), rtol=1e-8, atol=1e-10
        )
    # the walk's solves found every bordering column cached (only base
    # solutions for new sign patterns, single right-hand sides, were solved)
    assert all(len(shape) == 1 for shape in calls[1:])


@pytest.mark.parametrize("n_bad, shortcut", [(3, True), (8, False)])
def test_walk_shortcut_only_for_few_flips(monkeypatch, n_bad, shortcut):
    # with many flipped features the walk goes one sign change at a time
    # (no shortcut), downhill; with few the shortcut lands on the exact
    # minimiser of a sign pattern below the start
    import skreg.solvers._newton as newton

    design, X, y, s = _design("dense", False, n=50, p=200, seed=2)
    lam, w, cols, signs, objective = _wrong_signs(design, X, y, s, n_bad, 0)
    primal = objective(w)
    called = record_calls(monkeypatch, newton, "_drop_flipped")
    pen = make_penalty(design.n_features, lam, 0.0)
    solver = SupportSolver(design, y, cols, pen)
    outcome = newton._try_step(solver, w, cols, signs, pen, primal, objective)
    assert bool(called) == shortcut
    # the walk only goes downhill; out of solves it keeps its partial path
    assert outcome in ((2,) if shortcut else (1, 2))
    assert objective(w) < primal
    if outcome == 2:
        support = np.flatnonzero(w)
        assert_allclose(
            w[support],
            _direct(X, y, s, support, np.sign(w[support]), lam, 0.0),
            rtol=1e-8,
            atol=1e-10,
        )


def test_cd_work_left_extrapolates_the_gap_decrease():
    from skreg.solvers._polish import cd_work_left

    # the gap halved in 10 epochs: from 8 tol to tol takes 30 more
    assert_allclose(cd_work_left(8.0, 1.0, 16.0, 10, 100.0), 3000.0)
    # nothing to extrapolate from, or nothing left to do
    assert cd_work_left(8.0, 1.0, 8.0, 10, 100.0) == 0.0
    assert cd_work_left(8.0, 1.0, 16.0, 0, 100.0) == 0.0
    assert cd_work_left(1.0, 1.0, 16.0, 10, 100.0) == 0.0
    assert cd_work_left(8.0, 1.0, np.inf, 10, 100.0) == 0.0


def test_early_polish_on_an_ill_conditioned_support(monkeypatch):
    # 500 x 5000 at alpha_max / 100: a support of about 460 features, on
    # which CD's last decade of the gap takes about 100 epochs; the polish
    # starts once the gap is within 10 tol and saves them, and lands on the
    # optimum the late polish reaches
    import skreg.solvers._polish as polish
    from benchmarks.bench_solvers import PROBLEMS
    from skreg import L1Regressor

    # the reference benchmark's wide design
    X, y = PROBLEMS["wide"]()
    yc = y - y.mean()
    alpha = np.abs((X - X.mean(0)).T @ yc).max() / len(y) / 100
    early = L1Regressor(alpha=alpha, tol=1e-4).fit(X, y)
    monkeypatch.setattr(polish, "_EARLY_POLISH_GAP", 1.0)
    late = L1Regressor(alpha=alpha, tol=1e-4).fit(X, y)
    assert early.n_iter_ < 0.8 * late.n_iter_
    # both exact: the gap of each is far below tol
    tol_abs = 1e-4 * np.dot(yc, yc) / len(y)
    assert early.dual_gap_ < 1e-6 * tol_abs
    assert late.dual_gap_ < 1e-6 * tol_abs
    assert_allclose(early.coef_, late.coef_, rtol=1e-7, atol=1e-10)
    assert_allclose(early.intercept_, late.intercept_, rtol=1e-9)


def test_tight_tol_polishes_where_the_default_tol_does(monkeypatch):
    # the same problem to tol 1e-8: the support settles at the gap it does
    # at tol 1e-4, so the polish starts there too instead of after CD's
    # extra decades of the gap, and the fit takes the epochs of the tol 1e-4
    # fit (both land on the exact optimum)
    import skreg.solvers._polish as polish
    from benchmarks.bench_solvers import PROBLEMS
    from skreg import L1Regressor

    X, y = PROBLEMS["wide"]()
    yc = y - y.mean()
    alpha = np.abs((X - X.mean(0)).T @ yc).max() / len(y) / 100
    default = L1Regressor(alpha=alpha, tol=1e-4).fit(X, y)
    tight = L1Regressor(alpha=alpha, tol=1e-8).fit(X, y)
    # the floor off: the polish waits for the gap to reach 10 tol
    monkeypatch.setattr(polish, "_EARLY_POLISH_TOL", 0.0)
    waits = L1Regressor(alpha=alpha, tol=1e-8).fit(X, y)
    # (equal here; a little slack for other BLAS builds' rounding)
    assert tight.n_iter_ <= 1.1 * default.n_iter_
    assert waits.n_iter_ > 1.5 * tight.n_iter_
    assert tight.dual_gap_ <= 1e-8 * np.dot(yc, yc) / len(y)
    assert_allclose(tight.coef_, waits.coef_, rtol=1e-7, atol=1e-10)
    assert_allclose(tight.intercept_, waits.intercept_, rtol=1e-9)


def test_early_polish_gap_floor_only_within_the_design_rank():
    # below the default tol, an early polish may start at 10 x 1e-4 of
    # sum s y^2, on supports of at most n_samples features; wider ones wait
    # for 10 tol
    from types import SimpleNamespace

    from skreg.solvers._polish import Polish

    design = SimpleNamespace(n_samples=4, nnz=400, n_features=100, is_sparse=False)
    y_norm2, tol_abs = 1e4, 1e-4
    # the gap fell 10x in 10 epochs of 1e7 entries: 1e8 entries per decade
    # of the 9 left, far above the step's cost
    args = (5.0, tol_abs, 50.0, 10, 1e7, 1e8)
    narrow = np.array([1.0, -1.0, 2.0, 0.0, 0.0])
    wide = np.array([1.0, -1.0, 2.0, 3.0, 1.0])
    for w, l2, starts in [(narrow, 0.0, True), (wide, 1.0, False)]:
        polish = Polish(True, design, max_iter=100, y_norm2=y_norm2)
        polish.consider_early(w, np.full(w.size, l2), *args)
        assert polish.early is starts
        # within 10 tol, both start
        polish = Polish(True, design, max_iter=100, y_norm2=y_norm2)
        polish.consider_early(w, np.full(w.size, l2), 5e-4, tol_abs, 5e-3, 10, 1e7, 1e8)
        assert polish.early
    # without the scale (y_norm2=0) the narrow support waits too
    polish = Polish(True, design, max_iter=100)
    polish.consider_early(narrow, np.zeros(5), *args)
    assert not polish.early


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.7])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("tol", [1e-4, 1e-8])
def test_forced_early_polish_keeps_the_answer(
    monkeypatch, layout, use_sw, l1_ratio, positive, tol
):
    # the early polish on every fit that allows it (its work thresholds
    # lifted): its steps may succeed, fail and hand back to CD, or end the
    # fit; the result must stay within tol of the optimum, with a reported
    # gap that is the true one
    import skreg.solvers._polish as polish

    design, X, y, s = _design(layout, use_sw, n=50, p=200, seed=5)
    l1_max = np.abs(design_corr(design, X, y, s)).max() / l1_ratio
    lam = l1_max / 30
    l1, l2 = lam * l1_ratio, lam * (1 - l1_ratio)

    def solve(tol):
        w = np.zeros(200)
        res = enet_cd(
            design, y, w, l1, l2, tol=tol, max_iter=100_000, positive=positive
        )
        return res, _objective(design, y, s, X, res.coef, l1, l2)

    _, p_star = solve(1e-13)
    monkeypatch.setattr(polish, "_EARLY_POLISH_WORK", 0.0)
    monkeypatch.setattr(polish, "_EARLY_POLISH_RATIO", np.inf)
    # at any gap: a step far from the optimum that hands back to CD must
    # leave CD the residual of its w (a stale one kept the dense 1e-8 fits
    # from converging in 100000 epochs)
    monkeypatch.setattr(polish, "_EARLY_POLISH_GAP", 1e10)
    res, p = solve(tol)
    assert res.converged
    assert res.gap <= res.tol
    assert p - p_star <= res.tol * (1 + 1e-9) + 1e-12 * abs(p_star)
    if positive:
        assert np.all(res.coef >= 0)


def test_polish_tries_a_sign_pattern_once_and_within_budget():
    # the policy's bookkeeping: a step during the solve needs a cheap or
    # repeated sign pattern, an affordable cost, CD since a partial step, and
    # a pattern not tried before
    from types import SimpleNamespace

    from skreg.solvers._polish import CD, STOP, Polish

    design = SimpleNamespace(n_samples=10, nnz=100, n_features=10, is_sparse=False)
    calls = []

    def step(outcome):
        return lambda *a: calls.append(a) or outcome

    polish = Polish(True, design, max_iter=100)
    w = np.array([1.0, 0.0, -2.0])
    # a step on 2 features costs 10 * 4 + 8 / 3 flops: cheap against the
    # last inner solve, affordable against the work so far
    assert polish.try_step(w, 1e3, 1e3, step(1))
    assert not polish.ready
    # a partial step: no other before CD runs again
    assert not polish.try_step(w, 1e3, 1e3, step(1))
    polish.ready = True
    # the same pattern is not tried twice
    assert not polish.try_step(w, 1e3, 1e3, step(1))
    assert len(calls) == 1
    w2 = np.array([1.0, 3.0, -2.0])
    # neither cheap nor settled (a new pattern)...
    assert not polish.try_step(w2, 1e3, 0.0, step(3))
    # ...settled at the next pass, but unaffordable (more than twice the CD
    # work so far)...
    assert not polish.try_step(w2, 10.0, 0.0, step(3))
    # ...then affordable
    assert polish.try_step(w2, 1e3, 0.0, step(3))
    assert polish.ready and len(calls) == 2

    # disabled (newton=False or no L1 part): no step, and a converged pass
    # stops at once
    off = Polish(False, design, max_iter=100)
    assert not off.try_step(w, 1e3, 1e3, step(3))
    XtA = np.zeros(3)
    feats = np.arange(3)
    pen = make_penalty(3, 1.0, 0.0)
    assert off.round(True, step(3), w, XtA, feats, pen, 5, 1e3) == STOP
    assert off.round(False, step(3), w, XtA, feats, pen, 5, 1e3) == CD
    assert len(calls) == 2


def test_polish_prices_sparse_steps_by_stored_entries():
    # a sparse support's Gram products visit the stored entries of its
    # columns, not n_samples rows: priced so, the polish at convergence
    # affords the step that makes a loose sparse fit exact
    from types import SimpleNamespace

    from skreg.solvers._polish import Polish

    dense = SimpleNamespace(n_samples=1000, nnz=10_000, n_features=10, is_sparse=False)
    sparse_ = SimpleNamespace(n_samples=1000, nnz=5000, n_features=100, is_sparse=True)
    assert Polish(True, dense, 100).rows == 1000
    assert Polish(True, sparse_, 100).rows == 50.0
    w = np.zeros(100)
    w[:5] = 1.0
    XtA = np.zeros(100)
    feats = np.arange(100)
    calls = []
    for design, taken in ((sparse_, True), (dense, False)):
        polish = Polish(True, design, 100)
        n = design.n_features
        # 5 features: 50 * 25 + 125 / 3 flops (sparse) or 1000 * 25 + 125 / 3
        # (dense) against twice the design's entries, 10000 and 20000
        polish.round(
            True,
            lambda add, n=n: calls.append(n) or 0,
            w[:n],
            XtA[:n],
            feats[:n],
            make_penalty(n, 1.0, 0.0),
            5,
            0.0,
        )
        assert (n in calls) == taken


def test_loose_sparse_elastic_net_reaches_the_optimum():
    from scipy import sparse

    from skreg import ElasticNetRegressor

    rng = np.random.default_rng(3)
    X = sparse.random(2000, 4000, density=0.003, format="csc", random_state=3)
    coef = np.zeros(4000)
    coef[rng.choice(4000, 40, replace=False)] = rng.standard_normal(40)
    y = X @ coef + 0.01 * rng.standard_normal(2000)
    Xc = X.toarray() - np.asarray(X.mean(axis=0))
    a_max = np.abs(Xc.T @ (y - y.mean())).max() / (2000 * 0.5)
    kw = dict(alpha=a_max / 10, l1_ratio=0.5)
    loose = ElasticNetRegressor(tol=1e-2, **kw).fit(X, y)
    tight = ElasticNetRegressor(tol=1e-12, **kw).fit(X, y)
    assert np.count_nonzero(tight.coef_) > 10
    # at tol 1e-2 the gap is within 1e-2 sum(y^2); the polish lands on the
    # optimum itself
    assert loose.dual_gap_ <= 1e-10 * np.sum((y - y.mean()) ** 2)
    assert_allclose(loose.coef_, tight.coef_, rtol=1e-8, atol=1e-12)
