"""The second thread of fits on long dense columns (skreg.solvers._threads)."""

import threading
import time

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import skreg.solvers._threads as T
from skreg._kernels import helper_thread as H
from skreg._kernels._columns import LONG_COLUMN_ROWS
from skreg._kernels._design import col_products, col_products2
from skreg._kernels._sync import FSIZE
from skreg._kernels.cd import cd_epochs
from skreg._kernels.cd_split import cd_split
from skreg.solvers.design import Design
from tests._oracle import sparsify

N = LONG_COLUMN_ROWS + 37


def _long_problem(p=23, use_sw=False, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, p))
    X[:, 1:] += 0.6 * X[:, :-1]
    X = np.asfortranarray(X + 0.3)
    y = X[:, :4] @ np.array([1.0, -2.0, 0.5, 1.5]) + rng.standard_normal(N)
    sw = rng.uniform(0.5, 2.0, N) if use_sw else None
    return X, y, sw


@pytest.fixture
def helper_allowed(monkeypatch):
    # the conditions of the machine (two CPUs, nothing else running) are
    # not the test's subject: a helper may start wherever threads can
    monkeypatch.setattr(T, "n_cpus", lambda: 2)
    monkeypatch.setattr(T, "others_running", lambda: False)


@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("n_feats", [3, 8, 13])
def test_products_of_long_columns_four_at_a_time(use_sw, n_feats):
    # long dense columns are read four at a time, the rest one by one: the
    # products of every feature asked, and of no other
    X, _, sw = _long_problem(use_sw=use_sw)
    d = Design(X, sw, center=True)
    rng = np.random.default_rng(1)
    u, v = rng.standard_normal(N), rng.standard_normal(N)
    feats = np.sort(rng.choice(23, n_feats, replace=False))
    s = np.ones(N) if sw is None else sw
    out = np.full(23, 7.0)
    col_products(d.Z, u, feats, out)
    assert_allclose(out[feats], X[:, feats].T @ (s * u), rtol=1e-11)
    others = np.setdiff1d(np.arange(23), feats)
    assert np.all(out[others] == 7.0)
    out_u, out_v = np.full(23, 7.0), np.full(23, 7.0)
    col_products2(d.Z, u, v, feats, out_u, out_v)
    assert_allclose(out_u[feats], X[:, feats].T @ (s * u), rtol=1e-11)
    assert_allclose(out_v[feats], X[:, feats].T @ (s * v), rtol=1e-11)
    assert np.all(out_u[others] == 7.0) and np.all(out_v[others] == 7.0)


def test_when_a_fit_may_use_a_second_thread(monkeypatch, helper_allowed):
    X, _, _ = _long_problem()
    dense = Design(X, center=True)
    assert T.two_threads(dense)
    assert not T.two_threads(dense, random=True)
    assert not T.two_threads(Design(X[:500], center=True))
    assert not T.two_threads(Design(sparsify(X), center=True))
    out = []
    t = threading.Thread(target=lambda: out.append(T.two_threads(dense)))
    t.start()
    t.join()
    assert out == [False]
    monkeypatch.setattr(T, "n_cpus", lambda: 1)
    assert not T.two_threads(dense)
    monkeypatch.setattr(T, "n_cpus", lambda: 2)
    monkeypatch.setattr(T.numba.config, "NUMBA_NUM_THREADS", 1)
    assert not T.two_threads(dense)


def test_no_helper_next_to_a_running_thread():
    # a thread of the process that runs (as OpenBLAS's spin after a call)
    # keeps the helper from starting: three busy threads on two cores slowed
    # the fit's own thread
    X, _, _ = _long_problem()
    d = Design(X, center=True)
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            pass

    spinner = threading.Thread(target=spin, daemon=True)
    spinner.start()
    try:
        seen = False
        for _ in range(200):
            if T.others_running():
                seen = True
                break
            time.sleep(0.001)
        assert seen
        helper = T.FitHelper(d, np.zeros(N), np.zeros(N), np.zeros(23), np.zeros(23))
    finally:
        stop.set()
        spinner.join()
    try:
        assert not helper.active
    finally:
        helper.close()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("with_acc", [False, True])
def test_helper_computes_half_of_the_pass(helper_allowed, use_sw, with_acc, dtype):
    X, _, sw = _long_problem(use_sw=use_sw)
    X = X.astype(dtype, order="F")
    d = Design(X, sw, center=True)
    rng = np.random.default_rng(2)
    rd, r_acc = rng.standard_normal(N), rng.standard_normal(N)
    XtA, XtA_acc = np.full(23, 7.0), np.full(23, 7.0)
    helper = T.FitHelper(d, rd, r_acc, XtA, XtA_acc)
    try:
        assert helper.active
        for feats in (np.arange(23), np.arange(23)[::3], np.array([5])):
            helper.products(with_acc, feats)
            # the halves group their columns by four from their own start
            s = np.ones(N) if sw is None else sw
            Xf = X[:, feats].astype(np.float64)
            assert_allclose(XtA[feats], Xf.T @ (s * rd), rtol=1e-10)
            if with_acc:
                assert_allclose(XtA_acc[feats], Xf.T @ (s * r_acc), rtol=1e-10)
        assert np.all(XtA_acc == 7.0) != with_acc
    finally:
        helper.close()
    assert not helper.active
    # the second thread is free again for the next fit
    assert T._BUSY.acquire(blocking=False)
    T._BUSY.release()


def test_epochs_read_ahead_give_the_same_iterates(helper_allowed):
    # the helper only reads: the same CD iterates, bit for bit
    X, y, _ = _long_problem(p=40)
    d = Design(X, center=True)
    yc = y - y.mean()
    lam = 0.02 * np.abs((X - d.xm).T @ yc).max()
    ws = np.arange(40)[::-1].copy()

    def args(w, rd, state):
        # 9 epochs: more than Anderson's 5, so no split epochs
        return _plain_args(d, yc, w, rd, state, lam, 0.5, False, 9, 3)

    def start():
        state = np.zeros(4)
        state[1] = float(yc.sum())
        return np.zeros(40), yc.copy(), state

    w, rd, state = start()
    a = args(w, rd, state)
    ep, _ = cd_epochs(*a[:9], ws, *a[9:], np.empty(40, dtype=np.int64), T.NO_HELPER)
    w2, rd2, state2 = start()
    helper = T.FitHelper(d, rd2, np.zeros(N), np.zeros(40), np.zeros(40))
    try:
        assert helper.active
        ep2, _ = helper.epochs(cd_epochs, args(w2, rd2, state2), ws)
        # the sweeps announced themselves to the helper
        assert helper.progress[H.SWEEP_NO] == 9
        assert helper.active
    finally:
        helper.close()
    assert ep == ep2 == 9
    assert np.count_nonzero(w) > 3
    assert_array_equal(w2, w)
    assert_array_equal(rd2, rd)


def test_helper_returns_when_it_keeps_falling_behind():
    # a helper kept from running (its core busy) finds the sweep far ahead
    # each time it looks, and gives up instead of competing for the core
    X, _, _ = _long_problem()
    progress = H.new_progress()
    ws = np.arange(23)
    sweep = np.arange(23)
    gap, lead = 1, 2
    done = []
    zeros = np.zeros(N), np.zeros(N), np.zeros(23), np.zeros(23)

    d = Design(X, center=True)
    fparams = np.zeros(FSIZE)

    def run():
        done.append(
            H.helper_loop(
                d.Z,
                d.norm2,
                np.zeros(23),
                *zeros,
                ws,
                ws,
                sweep,
                progress,
                fparams,
                gap,
                lead,
            )
        )

    t = threading.Thread(target=run, daemon=True)
    progress[H.TASK] = H.READ_AHEAD
    progress[H.NSWEEP] = 23
    progress[H.SWEEP_NO] = 1
    t.start()
    try:
        pos = 0
        for _ in range(40):
            if not t.is_alive():
                break
            time.sleep(0.002)
            pos = (pos + 5) % 23
            progress[H.POS] = pos
            if pos < 5:
                progress[H.SWEEP_NO] += 1
        t.join(timeout=5)
        assert not t.is_alive()
    finally:
        progress[H.STOP] = 1
        t.join()
    assert done and done[0] >= 0


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("use_sw", [False, True])
def test_fit_with_a_helper_is_the_fit_without(
    monkeypatch, helper_allowed, l1_ratio, use_sw
):
    from skreg import ElasticNetRegressor

    X, y, sw = _long_problem(p=30, use_sw=use_sw, seed=4)
    started = []
    init = T.FitHelper.__init__

    def spy(self, *args):
        init(self, *args)
        started.append(self.active)

    monkeypatch.setattr(T.FitHelper, "__init__", spy)
    kw = dict(alpha=0.01, l1_ratio=l1_ratio, tol=1e-10)
    baseline = threading.active_count()
    two = ElasticNetRegressor(**kw).fit(X, y, sample_weight=sw)
    assert started == [True]
    # the helper ended with the fit
    assert threading.active_count() == baseline
    monkeypatch.setattr("skreg.solvers.cd.two_threads", lambda *a: False)
    one = ElasticNetRegressor(**kw).fit(X, y, sample_weight=sw)
    assert started == [True]
    assert np.count_nonzero(one.coef_) > 3
    assert_allclose(two.coef_, one.coef_, rtol=1e-9, atol=1e-12)
    assert_allclose(two.intercept_, one.intercept_, rtol=1e-9)


def test_refused_helper_passes_in_the_kernel_and_tries_a_few_times(monkeypatch):
    # while another thread runs, a fit computes its passes itself (not with
    # BLAS, whose threads would keep spinning) and tries to start its helper
    # again at a few passes only
    import skreg.solvers.design as design_mod

    X, _, _ = _long_problem()
    d = Design(X, center=True)
    looks = []
    monkeypatch.setattr(T, "n_cpus", lambda: 2)
    monkeypatch.setattr(T, "others_running", lambda: looks.append(1) or True)

    def no_blas(*args):
        raise AssertionError("a BLAS pass")

    monkeypatch.setattr(design_mod.Design, "raw_products", no_blas)
    rng = np.random.default_rng(5)
    rd, r_acc = rng.standard_normal(N), rng.standard_normal(N)
    XtA, XtA_acc = np.zeros(23), np.zeros(23)
    helper = T.FitHelper(d, rd, r_acc, XtA, XtA_acc)
    try:
        for _ in range(6):
            helper.products(True, np.arange(23))
            assert not helper.active
        assert_allclose(XtA, X.T @ rd, rtol=1e-11)
        assert_allclose(XtA_acc, X.T @ r_acc, rtol=1e-11)
    finally:
        helper.close()
    assert len(looks) == T._MAX_TRIES


# --- CD epochs with the rows split between the two threads ----------------------


def _plain_args(d, yc, w, rd, state, lam, l2, positive, n_epochs, full_every):
    # cd_epochs' arguments without gap checks (check_every 0) and with
    # Anderson's 5 (no steps in calls of at most 5 epochs: split epochs)
    p = d.n_features
    return (
        d.Z,
        d.norm2,
        yc,
        rd,
        state,
        w,
        lam,
        l2,
        positive,
        n_epochs,
        0.0,
        0,
        5,
        False,
        np.ones(1, dtype=np.uint64),
        np.zeros(p),
        np.zeros(N),
        full_every,
    )


def _split_problem(use_sw, p=40, seed=6):
    X, y, sw = _long_problem(p=p, use_sw=use_sw, seed=seed)
    d = Design(X, sw, center=True)
    s = np.ones(N) if sw is None else sw
    yc = y - np.average(y, weights=s)
    lam = 0.005 * np.abs((X - d.xm).T @ (s * yc)).max()
    ws = np.arange(p)[::-1].copy()

    def start():
        state = np.zeros(4)
        state[1] = float(s @ yc)
        return np.zeros(p), yc.copy(), state

    return d, yc, lam, ws, start


def _plain_epochs(d, yc, lam, ws, start, l2, positive, n_epochs, full_every, calls=1):
    w, rd, state = start()
    a = _plain_args(d, yc, w, rd, state, lam, l2, positive, n_epochs, full_every)
    sweep = np.empty(ws.size, dtype=np.int64)
    for _ in range(calls):
        ep, _ = cd_epochs(*a[:9], ws, *a[9:], sweep, T.NO_HELPER)
    return ep, w, rd, state[0]


@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("l2,positive", [(0.0, False), (50.0, False), (0.0, True)])
@pytest.mark.parametrize("full_every", [1, 3])
def test_split_epochs_are_the_plain_epochs(
    helper_allowed, use_sw, l2, positive, full_every
):
    # the same steps as one thread's, to the rounding of the two partial sums
    d, yc, lam, ws, start = _split_problem(use_sw)
    w2, rd2, state2 = start()
    helper = T.FitHelper(d, rd2, np.zeros(N), np.zeros(40), np.zeros(40), w2)
    try:
        assert helper.active
        a = _plain_args(d, yc, w2, rd2, state2, lam, l2, positive, 4, full_every)
        for _ in range(2):
            # a second call goes on from the first, with new step numbers
            ep2, _ = helper.epochs(cd_epochs, a, ws)
        # split epochs, not the read-ahead: the helper on its rows or, when
        # its core was busy (a parallel test run), the main thread on all of
        # them after it took over (and no split epochs after that)
        claim, tasks = helper.progress[H.CLAIM], helper.progress[H.TASK_NO]
        sweeps = helper.progress[H.SWEEP_NO]
        if helper.split:
            assert (claim, tasks, sweeps) == (1, 2, 0)
        else:
            # taken over (from a helper that claimed its rows, or before it
            # did): the second call split too, or read ahead after the first
            assert claim in (1, 2)
            assert (tasks, sweeps) in ((2, 0), (1, 4))
    finally:
        helper.close()
    ep, w, rd, c = _plain_epochs(
        d, yc, lam, ws, start, l2, positive, 4, full_every, calls=2
    )
    assert ep2 == ep == 4
    assert np.count_nonzero(w) > 3
    assert_allclose(w2, w, rtol=1e-11, atol=1e-14)
    assert_allclose(rd2, rd, rtol=1e-11, atol=1e-11)
    assert_allclose(state2[0], c, rtol=1e-11, atol=1e-14)


def test_epochs_with_anderson_steps_read_ahead_instead(helper_allowed):
    d, yc, lam, ws, start = _split_problem(False)
    w, rd, state = start()
    helper = T.FitHelper(d, rd, np.zeros(N), np.zeros(40), np.zeros(40), w)
    try:
        a = list(_plain_args(d, yc, w, rd, state, lam, 0.0, False, 9, 3))
        helper.epochs(cd_epochs, tuple(a), ws)
        assert helper.progress[H.TASK_NO] == 0
        assert helper.progress[H.SWEEP_NO] > 0
    finally:
        helper.close()


def _split_alone(d, lam, ws, start, claim, late_helper=None):
    # cd_split's main thread on a task no helper took (claim 0) or one a
    # helper claimed and runs only from late_helper seconds on
    w, rd, state = start()
    progress = H.new_progress()
    fparams = np.zeros(FSIZE)
    opts = (lam, 0.0, False, 4, 3, float(state[0]), float(state[1]))
    H.give_split_cd(progress, fparams, ws.size, *opts)
    progress[H.CLAIM] = claim
    helper = None
    if late_helper is not None:

        def run():
            time.sleep(late_helper)
            cd_split(d.Z, d.norm2, rd, w, ws, *opts, 1, progress, fparams)
            progress[H.DONE] = progress[H.TASK_NO]

        helper = threading.Thread(target=run)
        helper.start()
    ep, c, alone = cd_split(d.Z, d.norm2, rd, w, ws, *opts, 0, progress, fparams)
    if helper is not None:
        helper.join()
    return ep, w, rd, c, alone, progress


def test_main_thread_runs_alone_when_no_helper_takes_the_rows():
    d, yc, lam, ws, start = _split_problem(True)
    ep, w, rd, c = _plain_epochs(d, yc, lam, ws, start, 0.0, False, 4, 3)
    ep2, w2, rd2, c2, alone, progress = _split_alone(d, lam, ws, start, claim=0)
    assert alone and ep2 == ep == 4
    # the main thread took the helper's rows (a helper coming later passes)
    assert progress[H.CLAIM] == 2
    assert_allclose(w2, w, rtol=1e-11, atol=1e-14)
    assert_allclose(rd2, rd, rtol=1e-11, atol=1e-11)
    assert_allclose(c2, c, rtol=1e-11, atol=1e-14)


def test_main_thread_takes_over_from_a_helper_that_falls_behind():
    # the helper claimed its rows but does not run (its core is busy): the
    # main thread asks it to leave, waits for it once and goes on alone
    d, yc, lam, ws, start = _split_problem(False)
    ep, w, rd, c = _plain_epochs(d, yc, lam, ws, start, 0.0, False, 4, 3)
    ep2, w2, rd2, c2, alone, progress = _split_alone(
        d, lam, ws, start, claim=1, late_helper=0.05
    )
    assert alone and ep2 == 4
    assert progress[H.ABANDON] == 1
    assert_allclose(w2, w, rtol=1e-11, atol=1e-14)
    assert_allclose(rd2, rd, rtol=1e-11, atol=1e-11)
    assert_allclose(c2, c, rtol=1e-11, atol=1e-14)


def test_fits_on_long_columns_split_their_epochs(monkeypatch, helper_allowed):
    from skreg import L1Regressor

    X, y, _ = _long_problem(p=30, seed=7)
    splits = []
    epochs = T.FitHelper.epochs

    def spy(self, *args):
        given = self.progress[H.TASK_NO]
        out = epochs(self, *args)
        splits.append(self.progress[H.TASK_NO] != given)
        return out

    monkeypatch.setattr(T.FitHelper, "epochs", spy)
    two = L1Regressor(alpha=0.01, tol=1e-10).fit(X, y)
    monkeypatch.setattr("skreg.solvers.cd.two_threads", lambda *a: False)
    one = L1Regressor(alpha=0.01, tol=1e-10).fit(X, y)
    # the first inner solve's epochs (check answered by the pass) were split
    assert splits[0]
    assert_allclose(two.coef_, one.coef_, rtol=1e-9, atol=1e-12)
