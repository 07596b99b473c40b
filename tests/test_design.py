"""The design's one pass over X: offsets, norms, scale bound, correlations."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skreg._kernels.penalty import make_penalty
from skreg.solvers.cd import enet_cd
from skreg.solvers.design import Design
from tests._oracle import make_problem, sparsify


def _epochs(d, pen, ws, n_epochs, full_every, w, rd, state, random, rng_state):
    # n_epochs CD epochs of the kernel on ws from the residual rd + state[0]
    # (weighted sum state[1]), nothing recorded; state[0] is updated
    from skreg._kernels.cd import EpochRun, History, cd_epochs

    run = EpochRun(n_epochs, 0, full_every, ws.size, random, False, 0)
    no_hist = History(np.empty((1, 1)), np.empty((1, 1)))
    sweep = np.empty(ws.size, dtype=np.int64)
    state[0], _ = cd_epochs(
        d.Z, d.norm2, pen, ws, rd, w, state[0], state[1], run, sweep, rng_state,
        no_hist,
    )  # fmt: skip


def _problem(layout, use_sw, n_targets=1, dtype=np.float64):
    X, Y = make_problem(60, 40, n_targets=n_targets, seed=5, dtype=dtype)
    X = np.asfortranarray(X)
    if layout == "sparse":
        X = sparsify(X, density=0.5)
    sw = None
    if use_sw:
        sw = np.random.RandomState(1).uniform(0.0, 3.0, size=60)
        sw *= 60 / sw.sum()
    return X, Y.reshape(60, -1), sw


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_targets", [1, 2])
def test_stats_match_numpy(layout, use_sw, center, dtype, n_targets):
    X, Y, sw = _problem(layout, use_sw, n_targets=n_targets, dtype=dtype)
    s = np.ones(60) if sw is None else sw
    Yc = Y - (s @ Y) / s.sum() if center else Y
    d = Design(X, sw, center=center, targets=Yc)
    Xd = X.toarray() if layout == "sparse" else X
    Xd = Xd.astype(np.float64)
    m = (s @ Xd) / s.sum() if center else np.zeros(40)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert_allclose(d.xm, m, rtol=rtol, atol=1e-12)
    assert_allclose(d.colsum, s @ Xd, rtol=rtol, atol=1e-10)
    assert_allclose(d.norm2, s @ (Xd - m) ** 2, rtol=rtol * 10, atol=1e-9)
    assert_allclose(d.XtY, Xd.T @ (s[:, None] * Yc.astype(np.float64)), rtol=1e-5)
    # the scale bound is the largest plain column norm, >= max |X|
    assert_allclose(d.max_abs_bound, np.sqrt((Xd**2).sum(0).max()), rtol=1e-6)
    assert d.max_abs_bound >= np.abs(Xd).max()
    assert Design(X, sw, center=center).XtY is None


@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("n_targets", [0, 1, 2])
def test_stats_of_long_columns_read_in_groups(use_sw, n_targets):
    # columns of at least LONG_COLUMN_ROWS rows are summed four at a time (the
    # last p % 4 one by one); the same statistics as column by column
    from skreg._kernels._columns import LONG_COLUMN_ROWS

    n = LONG_COLUMN_ROWS + 5
    rng = np.random.default_rng(7)
    # spreads that differ by column, small means (their norms come from the
    # expansion) and one far offset (summed directly)
    X = np.asfortranarray(rng.standard_normal((n, 7)) * np.arange(1, 8) + 0.1)
    X[:, 3] += 1e7
    sw = rng.uniform(0.5, 2.0, n) if use_sw else None
    s = np.ones(n) if sw is None else sw
    Y = rng.standard_normal((n, n_targets)) if n_targets else None
    d = Design(X, sw, center=True, targets=Y)
    m = (s @ X) / s.sum()
    assert_allclose(d.xm, m, rtol=1e-12)
    assert_allclose(d.colsum, s @ X, rtol=1e-12)
    assert_allclose(d.norm2, s @ (X - m) ** 2, rtol=1e-11)
    assert_allclose(d.max_abs_bound, np.sqrt((X**2).sum(0).max()), rtol=1e-12)
    if n_targets:
        assert_allclose(d.XtY, X.T @ (s[:, None] * Y), rtol=1e-10, atol=1e-8)


@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("center", [False, True])
def test_centred_norms_of_offset_columns(use_sw, center):
    # A column far from zero against its spread makes the one-read expansion
    # sum x^2 - 2 m sum x + m^2 n cancel: those columns are summed directly.
    rng = np.random.RandomState(0)
    X = np.asfortranarray(rng.standard_normal((300, 6)))
    X[:, 1] += 1e6
    X[:, 2] = 1e8 + 1e-3 * X[:, 2]
    X[:, 3] += 3.0
    # constant: no spread at all
    X[:, 4] = 7.25
    sw = rng.uniform(0.5, 2.0, size=300) if use_sw else None
    s = np.ones(300) if sw is None else sw
    m = (s @ X) / s.sum()
    offset = None if center else m + np.array([0.0, 0.5, 1e-4, -2.0, 0.0, 1e3])
    d = Design(X, sw, X_offset=offset, center=center)
    ref = s @ (X - d.xm) ** 2
    assert_allclose(d.norm2, ref, rtol=1e-11, atol=1e-12 * s.sum())
    assert d.norm2[4] <= 1e-12 * 7.25**2 * s.sum()


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_cold_start_from_known_correlations_is_the_same_fit(
    layout, use_sw, positive, l1_ratio
):
    # the first gap from Design's correlations replaces the solver's first
    # pass over X: same gap, same working sets, the same iterates
    X, Y, sw = _problem(layout, use_sw)
    s = np.ones(60) if sw is None else sw
    y = Y[:, 0] - s @ Y[:, 0] / s.sum()
    d = Design(X, sw, center=True, targets=y[:, None])
    lam = np.abs(d.XtY).max() / 20
    l1, l2 = lam * l1_ratio, lam * (1 - l1_ratio)
    kw = dict(tol=1e-8, max_iter=10_000, positive=positive)
    a = enet_cd(d, y, np.zeros(40), l1, l2, xty=d.XtY[:, 0], **kw)
    b = enet_cd(d, y, np.zeros(40), l1, l2, **kw)
    assert a.n_iter == b.n_iter
    assert_allclose(a.coef, b.coef, rtol=1e-10, atol=1e-12)
    assert_allclose(a.gap, b.gap, rtol=1e-6, atol=1e-10 * a.tol)


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
def test_reported_gap_is_the_gap_of_a_fresh_residual(layout, dtype, l1_ratio):
    # the solver keeps the kernel's residual between outer iterations (it
    # only recomputes it after w moved outside plain CD steps): the gap it
    # reports must be the one a fresh residual gives at the returned coef
    X, Y, sw = _problem(layout, True, dtype=dtype)
    y = Y[:, 0].astype(np.float64)
    # offsets rounded to the design's dtype, as the estimators pass them
    Xd = X.toarray() if layout == "sparse" else X
    xm = ((sw @ Xd) / sw.sum()).astype(dtype)
    y = y - sw @ y / sw.sum()
    d = Design(X, sw, X_offset=xm)
    l1, l2 = 50.0 * l1_ratio, 50.0 * (1 - l1_ratio)
    res = enet_cd(d, y, np.zeros(40), l1, l2, tol=1e-12, max_iter=100_000)
    again = enet_cd(d, y, res.coef.copy(), l1, l2, max_iter=0, newton=False)
    assert res.converged
    assert abs(again.gap - res.gap) <= 1e-3 * res.tol + 1e-9 * abs(again.gap)


@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("random", [False, True])
@pytest.mark.parametrize("l2", [0.0, 3.0])
@pytest.mark.parametrize("n", [60, 9000])
def test_dense_epochs_match_csc_epochs(use_sw, random, l2, n):
    # dense epochs on short columns apply each step's axpy in the next step's
    # dot sweep, on long ones (n >= LONG_COLUMN_ROWS) in the next step's
    # prefetching sweep, or at once when random; CSC epochs apply
    # it at once: the same CD iterates and the same residual
    from skreg._kernels._columns import LONG_COLUMN_ROWS

    assert (n >= LONG_COLUMN_ROWS) == (n == 9000)
    rng = np.random.default_rng(n)
    X = np.asfortranarray(rng.standard_normal((n, 40)) + 0.5)
    sw = rng.uniform(0.5, 2.0, n) if use_sw else None
    s = np.ones(n) if sw is None else sw
    y = X[:, :3] @ np.array([1.0, -2.0, 0.5]) + rng.standard_normal(n)
    y = y - s @ y / s.sum()
    out = []
    for Xk in (X, sparsify(X, density=1.0)):
        d = Design(Xk, sw, center=True)
        lam = np.abs(d.colsum).max() + 1.0
        w = np.zeros(40)
        rd = y.copy()
        state = np.zeros(4)
        state[1] = float(s @ y)
        ws = np.arange(40)[::-1].copy()
        pen = make_penalty(40, lam / 50, l2)
        _epochs(d, pen, ws, 7, 1, w, rd, state, random, np.array([12345], np.uint64))
        Xd = np.asarray(Xk.todense()) if hasattr(Xk, "todense") else Xk
        assert_allclose(rd + state[0], y - (Xd - d.xm) @ w, atol=1e-10 * n)
        out.append(w)
    assert np.count_nonzero(out[0]) > 2
    assert_allclose(out[0], out[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("layout", ["dense", "csc"])
@pytest.mark.parametrize("random", [False, True])
def test_epochs_between_full_sweeps_skip_the_zeros(layout, random):
    # with full_every=2 the second epoch sweeps only the features the first
    # left nonzero: the same iterates as a first epoch over the working set
    # and a second over its nonzeros (the same generator draws included)

    rng = np.random.default_rng(1)
    n, p = 80, 30
    X = rng.standard_normal((n, p))
    X[:, 1:] += 0.8 * X[:, :-1]
    X = np.asfortranarray(X)
    y = X[:, :4] @ np.array([2.0, -1.0, 1.5, 0.5]) + rng.standard_normal(n)
    y -= y.mean()
    d = Design(sparsify(X, density=1.0) if layout == "csc" else X, center=True)
    lam = 0.02 * np.abs(y @ (X - d.xm)).max()

    def epochs(ws, n_epochs, full_every, w, rd, state, rng_state):
        pen = make_penalty(p, lam, 0.0)
        _epochs(d, pen, ws, n_epochs, full_every, w, rd, state, random, rng_state)

    def start():
        state = np.zeros(4)
        state[1] = float(y.sum())
        return np.zeros(p), y.copy(), state, np.array([777], dtype=np.uint64)

    ws = np.arange(p)
    w, rd, state, g = start()
    epochs(ws, 2, 2, w, rd, state, g)
    w1, rd1, state1, g1 = start()
    epochs(ws, 1, 1, w1, rd1, state1, g1)
    zeros = ws[w1 == 0]
    epochs(ws[w1 != 0].copy(), 1, 1, w1, rd1, state1, g1)
    assert_array_equal(w, w1)
    assert_array_equal(rd, rd1)
    # the case discriminates: a second full sweep moves a feature the first
    # one left at zero
    w2, rd2, state2, g2 = start()
    epochs(ws, 2, 1, w2, rd2, state2, g2)
    assert 0 < zeros.size < p
    assert np.any(w2[zeros] != 0)


@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("with_acc", [False, True])
@pytest.mark.parametrize("subset", [False, True])
def test_blas_products_match_the_kernel(monkeypatch, use_sw, with_acc, subset):
    # the gap from BLAS products over a dense float64 design is the one from
    # the kernel's own read, and only the features asked are written
    import skreg.solvers.design as design_mod
    from skreg._kernels.gap import primal_dual

    X, _, sw = _problem("dense", use_sw)
    monkeypatch.setattr(design_mod, "_BLAS_MIN_SIZE", 0)
    d = Design(X, sw, center=True)
    rng = np.random.RandomState(3)
    rd, r_acc = rng.randn(60), rng.randn(60)
    y, w = rng.randn(60), np.where(rng.rand(40) < 0.3, rng.randn(40), 0.0)
    pen = make_penalty(40, 0.5, 0.1)
    # half the columns still take the BLAS path: the kernel must not read
    feats = np.arange(40)[::2] if subset else np.arange(40)
    w[np.setdiff1d(np.arange(40), feats)] = 0.0
    reads = []

    def spy(*args):
        reads.append(args[-1])
        return primal_dual(*args)

    monkeypatch.setattr(design_mod, "primal_dual", spy)
    S = float(np.sum(rd + 0.3 if sw is None else sw * (rd + 0.3)))
    args = (y, rd, 0.3, r_acc, with_acc, S, w, pen, feats)
    got, got_acc = np.full(40, 7.0), np.full(40, 7.0)
    out = d.primal_dual(*args, got, got_acc)
    assert reads == [False]
    ref, ref_acc = np.full(40, 7.0), np.full(40, 7.0)
    ref_out = primal_dual(d.Z, *args, ref, ref_acc, True)
    s_ = np.ones(60) if sw is None else sw
    Zc = X - d.xm
    r = rd + 0.3
    assert_allclose(ref[feats], Zc.T[feats] @ (s_ * r) - 0.1 * w[feats], rtol=1e-12)
    assert_allclose(got, ref, rtol=1e-12)
    assert_allclose(got_acc, ref_acc, rtol=1e-12)
    assert_allclose(out, ref_out, rtol=1e-12)
    if subset:
        assert np.all(got[1::2] == 7.0)
    if not with_acc:
        assert np.all(got_acc == 7.0)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_outer_pass_answers_the_working_set_checks(monkeypatch, l1_ratio):
    # On long dense columns the kernel runs without its own gap checks and
    # the outer pass answers them, going on with the same working set while
    # its gap is above the inner tol: the same optimum as kernel checks.
    import skreg.solvers.working_set as cd_mod

    rng = np.random.default_rng(2)
    n, p = 400, 80
    X = rng.standard_normal((n, p))
    for j in range(1, p):
        X[:, j] = 0.9 * X[:, j - 1] + 0.45 * X[:, j]
    X = np.asfortranarray(X)
    y = X[:, ::8] @ rng.standard_normal(10) + rng.standard_normal(n)
    y -= y.mean()
    d = Design(X, center=True)
    lam = np.abs(y @ (X - d.xm)).max() / 100
    l1, l2 = lam * l1_ratio, lam * (1 - l1_ratio)
    from skreg.solvers._inner import InnerCD

    calls = []
    run = InnerCD.run

    def spy(self, ws, rd, w, st, XtA, r_dual, n_max, tol_in, check):
        out = run(self, ws, rd, w, st, XtA, r_dual, n_max, tol_in, check)
        calls.append((ws.copy(), n_max, check, out))
        return out

    monkeypatch.setattr(InnerCD, "run", spy)
    ref = enet_cd(d, y, np.zeros(p), l1, l2, tol=1e-10, max_iter=100_000)
    assert all(check > 0 for _, _, check, _ in calls)
    calls.clear()
    monkeypatch.setattr(Design, "long_columns", property(lambda self: True))
    # sets of long columns small enough for their Gram matrix are solved on
    # it (tests/test_ws_gram.py): off, to reach the passes' checks
    monkeypatch.setattr(cd_mod, "GRAM_MAX_FEATURES", 0)
    got = enet_cd(d, y, np.zeros(p), l1, l2, tol=1e-10, max_iter=100_000)
    assert got.converged and ref.converged
    assert all(check == 0 for _, _, check, _ in calls)
    # an inner solve went on past its first check, with the same set
    pairs = zip(calls[:-1], calls[1:], strict=True)
    assert any(np.array_equal(a[0], b[0]) and b[1] == 8 for a, b in pairs)
    assert got.n_iter == sum(ep for *_, ep in calls)
    scale = np.abs(ref.coef).max()
    assert_allclose(got.coef, ref.coef, rtol=1e-8, atol=1e-10 * scale)
    # max_iter bounds the epochs of the checks the outer pass answers too
    short = enet_cd(d, y, np.zeros(p), l1, l2, tol=1e-10, max_iter=6)
    assert short.n_iter == 6 and not short.converged


@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("nxt", [0, 2, 4])
def test_prefetching_column_products(use_sw, nxt):
    # the long-column products that prefetch another column give the plain
    # ones' values (blocked sums), and the fused one the same axpy
    from skreg._kernels._columns import (
        dense_axpy_dot,
        dense_axpy_dot_next,
        dense_dot,
        dense_dot_next,
        dense_dot_w,
    )

    rng = np.random.default_rng(3)
    n = 9000 + 37
    X = np.asfortranarray(rng.standard_normal((n, 5)))
    v = rng.standard_normal(n)
    sw = rng.uniform(0.5, 2.0, n) if use_sw else np.ones(1)
    ref = dense_dot_w(2, X, sw, v) if use_sw else dense_dot(2, X, v)
    assert_allclose(dense_dot_next(2, nxt, X, sw, use_sw, v), ref, rtol=1e-12)
    a, b = v.copy(), v.copy()
    g_a = dense_axpy_dot(1, -0.75, 3, X, sw, use_sw, a)
    g_b = dense_axpy_dot_next(1, -0.75, 3, nxt, X, sw, use_sw, b)
    assert_array_equal(a, b)
    assert_allclose(a, v - 0.75 * X[:, 1], rtol=1e-15, atol=1e-15)
    s = sw if use_sw else np.ones(n)
    assert_allclose(g_b, g_a, rtol=1e-12)
    assert_allclose(g_b, X[:, 3] @ (s * a), rtol=1e-12)


@pytest.mark.parametrize("l2", [0.0, 0.7])
@pytest.mark.parametrize("positive", [False, True])
def test_screening_and_scores_follow_their_formulas(l2, positive):
    # the sphere test and the working-set scores, from the precomputed
    # inverse norms, against the formulas written with roots and divisions
    from skreg._kernels.gap import gap_safe_screen, inverse_norms, ws_scores

    rng = np.random.default_rng(11)
    p, l1 = 300, 1.0
    norm2 = rng.uniform(0.2, 3.0, p)
    norm2[7] = 0.0  # a constant column
    XtA = rng.uniform(-1.2, 1.2, p)
    XtA[7] = 0.0
    w = np.where(rng.random(p) < 0.2, rng.standard_normal(p), 0.0)
    w[7] = 0.0
    feats = np.flatnonzero(rng.random(p) < 0.8)
    feats = np.union1d(feats, [7])
    inv_norm = inverse_norms(norm2, l2)
    assert np.isinf(inv_norm[7]) == (l2 == 0)

    dual_norm = np.abs(XtA[feats]).max()
    scale = l1 / max(l1, dual_norm)
    l1s = np.full(p, l1)
    for gap in (1e-6, 1e-3, 0.05):
        keep = np.ones(p, dtype=bool)
        n_keep = gap_safe_screen(XtA, inv_norm, feats, l1s, scale, gap, keep)
        with np.errstate(divide="ignore"):
            d = (1 - np.abs(XtA) / max(l1, dual_norm)) / np.sqrt(norm2 + l2)
        dropped = np.zeros(p, dtype=bool)
        dropped[feats] = d[feats] > np.sqrt(2 * gap) / l1
        if l2 == 0:
            dropped[7] = True
        assert_array_equal(keep, ~dropped)
        assert n_keep == feats.size - np.count_nonzero(dropped)
    assert 0 < n_keep < feats.size

    scores = ws_scores(XtA, w, feats, make_penalty(p, l1, l2, positive), inv_norm)
    v = XtA if positive else np.abs(XtA)
    with np.errstate(divide="ignore"):
        ref = np.where(w != 0, np.inf, (v - l1) / np.sqrt(norm2 + l2))[feats]
    assert_allclose(scores, ref, rtol=1e-14)


def test_screened_features_are_zero_at_the_optimum():
    # what the sphere test drops from a loose point's gap is zero in a tight
    # fit, and the fit with screening is the fit without
    from skreg._kernels.gap import gap_safe_screen, inverse_norms

    X, y = make_problem(60, 200, seed=5)
    d = Design(np.asfortranarray(X), None, center=True)
    yc = y - y.mean()
    Z = X - d.xm
    l1 = 0.2 * np.abs(Z.T @ yc).max()
    loose = np.zeros(200)
    enet_cd(d, yc, loose, l1, 0.0, tol=1e-3, screening=False)
    r = yc - Z @ loose
    XtA = Z.T @ r
    dual_norm = np.abs(XtA).max()
    theta = r / max(l1, dual_norm)
    primal = 0.5 * r @ r + l1 * np.abs(loose).sum()
    dual = 0.5 * yc @ yc - 0.5 * l1**2 * np.sum((yc / l1 - theta) ** 2)
    keep = np.ones(200, dtype=bool)
    n_keep = gap_safe_screen(
        XtA,
        inverse_norms(d.norm2, 0.0),
        np.arange(200),
        np.full(200, l1),
        l1 / max(l1, dual_norm),
        primal - dual,
        keep,
    )
    assert n_keep < 200
    tight = np.zeros(200)
    enet_cd(d, yc, tight, l1, 0.0, tol=1e-12, screening=False)
    assert np.all(tight[~keep] == 0)
    screened = np.zeros(200)
    enet_cd(d, yc, screened, l1, 0.0, tol=1e-12)
    assert_allclose(screened, tight, rtol=1e-8, atol=1e-10)


def test_settled_working_set_aims_lower_and_saves_passes(monkeypatch):
    # AR(1)-correlated 300 x 3000 Lasso at alpha_max / 10: after a few
    # passes every inner solve meets its target at its first check and the
    # passes find no violator outside its set; aiming the next solve at
    # settled_ratio instead of inner_ratio of the gap halves the passes
    # over all the columns, to the same optimum
    from scipy.signal import lfilter

    import skreg.solvers.working_set as cd_mod

    rng = np.random.default_rng(1)
    n, p, rho = 300, 3000, 0.5
    E = rng.standard_normal((n, p))
    E[:, 1:] *= np.sqrt(1 - rho**2)
    X = np.asfortranarray(lfilter([1.0], [1.0, -rho], E, axis=1))
    coef = np.zeros(p)
    coef[rng.choice(p, 30, replace=False)] = rng.standard_normal(30)
    y = X @ coef
    y += rng.standard_normal(n) * y.std() / 3
    d = Design(X, None, center=True)
    yc = y - y.mean()
    l1 = np.abs((X - d.xm).T @ yc).max() / 10
    passes = []
    measure = cd_mod.WorkingSetCD._measure

    def spy(self, feats):
        passes.append(feats.size)
        return measure(self, feats)

    monkeypatch.setattr(cd_mod.WorkingSetCD, "_measure", spy)
    fits = {}
    for ratio in (0.03, 0.3):
        passes.clear()
        w = np.zeros(p)
        res = enet_cd(d, yc, w, l1, 0.0, tol=1e-6, settled_ratio=ratio)
        assert res.converged
        fits[ratio] = (w, len(passes))
    (w_settled, n_settled), (w_plain, n_plain) = fits[0.03], fits[0.3]
    assert n_settled <= n_plain // 2
    # both within the gap's bound of the optimum
    monkeypatch.undo()
    w_opt = np.zeros(p)
    enet_cd(d, yc, w_opt, l1, 0.0, tol=1e-12)
    Z = X - d.xm

    def objective(w):
        r = yc - Z @ w
        return 0.5 * r @ r + l1 * np.abs(w).sum()

    scale = yc @ yc
    for w in (w_settled, w_plain):
        assert -1e-12 * scale <= objective(w) - objective(w_opt) <= 1e-6 * scale


def test_polish_check_reads_only_the_screened_survivors(monkeypatch):
    # at convergence the features provably zero are screened before the
    # Newton polish, so the pass that checks the step reads the survivors;
    # the fit is the unscreened one
    from scipy import sparse

    rng = np.random.default_rng(3)
    n, p = 1000, 5000
    X = sparse.random(n, p, density=0.005, format="csc", random_state=3)
    coef = np.zeros(p)
    coef[rng.choice(p, 15, replace=False)] = rng.standard_normal(15)
    y = X @ coef + 0.05 * rng.standard_normal(n)
    d = Design(X, None, center=True)
    yc = y - y.mean()
    Xd = X.toarray() - d.xm
    l1 = np.abs(Xd.T @ yc).max() / 5
    import skreg.solvers.working_set as ws_mod

    read = []
    measure = ws_mod.WorkingSetCD._measure

    def spy(self, feats):
        read.append(feats.size)
        return measure(self, feats)

    monkeypatch.setattr(ws_mod.WorkingSetCD, "_measure", spy)
    w = np.zeros(p)
    res = enet_cd(d, yc, w, l1, 0.0, tol=1e-4)
    assert res.converged
    # the last pass (the polish's check) against the first (every feature
    # with a nonzero column)
    assert read[-1] < read[0] // 10
    plain = np.zeros(p)
    enet_cd(d, yc, plain, l1, 0.0, tol=1e-12, screening=False)
    assert_allclose(w, plain, rtol=1e-7, atol=1e-9)
