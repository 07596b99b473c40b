"""Column passes split over two threads (skreg._split)."""

import multiprocessing
import sys
import threading

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import skreg._kernels._stats as stats_mod
import skreg._split as split
from skreg.solvers.design import Design
from tests._oracle import record_calls


def _tall(n=9000, p=41, seed=0):
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.standard_normal((n, p)) + rng.uniform(0, 3, p))
    return X, rng.standard_normal(n)


@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("n_targets", [0, 1, 2])
def test_split_statistics_are_the_one_thread_ones(monkeypatch, use_sw, n_targets):
    # long columns, two halves of the columns: the same bits
    X, y = _tall()
    sw = np.random.default_rng(1).uniform(0.5, 2.0, X.shape[0]) if use_sw else None
    Y = None if n_targets == 0 else np.c_[y, -2 * y][:, :n_targets]
    used = record_calls(monkeypatch, stats_mod, "run_split")
    monkeypatch.setattr(split, "others_running", lambda: False)
    monkeypatch.setattr(split, "n_cpus", lambda: 2)
    monkeypatch.setattr(split.numba.config, "NUMBA_NUM_THREADS", 2)
    fits = []
    for min_entries in (10**12, 0):
        monkeypatch.setattr(split, "MIN_SPLIT_ENTRIES", min_entries)
        d = Design(X, sw, center=True, targets=Y)
        fits.append((d.colsum, d.norm2, d.xm, d.max_abs_bound, d.XtY))
    assert len(used) == 1
    for a, b in zip(*fits, strict=True):
        assert_array_equal(a, b)


def test_short_columns_are_not_split(monkeypatch):
    # passes over short columns run in BLAS, whose spinning threads the
    # worker would compete with (see skreg._kernels._stats._dense_stats)
    monkeypatch.setattr(stats_mod, "run_split", lambda *a: pytest.fail("split"))
    monkeypatch.setattr(split, "MIN_SPLIT_ENTRIES", 0)
    monkeypatch.setattr(split, "others_running", lambda: False)
    X, _ = _tall(n=500, p=300)
    Design(X, None, center=True)


def test_split_only_where_a_second_thread_is_welcome(monkeypatch):
    monkeypatch.setattr(split, "others_running", lambda: False)
    monkeypatch.setattr(split, "n_cpus", lambda: 2)
    monkeypatch.setattr(split.numba.config, "NUMBA_NUM_THREADS", 2)
    big = split.MIN_SPLIT_ENTRIES
    assert split.split_welcome(big) and not split.split_welcome(big - 1)
    monkeypatch.setattr(split.numba.config, "NUMBA_NUM_THREADS", 1)
    assert not split.split_welcome(big)
    monkeypatch.setattr(split.numba.config, "NUMBA_NUM_THREADS", 2)
    monkeypatch.setattr(split, "n_cpus", lambda: 1)
    assert not split.split_welcome(big)
    monkeypatch.setattr(split, "n_cpus", lambda: 2)
    monkeypatch.setattr(split, "others_running", lambda: True)
    assert not split.split_welcome(big)
    monkeypatch.setattr(split, "others_running", lambda: False)
    seen = []
    t = threading.Thread(target=lambda: seen.append(split.split_welcome(big)))
    t.start()
    t.join()
    assert seen == [False]


def test_worker_errors_reach_the_caller():
    def fail_on_worker(who):
        if who == "worker":
            raise ValueError("from the worker")

    with pytest.raises(ValueError, match="from the worker"):
        split.run_split(fail_on_worker, ("worker",), ("caller",))
    # the worker goes on serving
    out = []
    split.run_split(out.append, (1,), (2,))
    assert sorted(out) == [1, 2]


def _child(queue):
    out = []
    split.run_split(out.append, (1,), (2,))
    queue.put(sorted(out))


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no fork start method")
def test_forked_child_starts_its_own_worker():
    # a child forked after the parent's worker started inherits the pool
    # but not its thread: without a fresh pool its hand-over would hang
    split.run_split(lambda _: None, (0,), (0,))
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue,))
    proc.start()
    proc.join(timeout=60)
    if proc.is_alive():
        proc.kill()
        pytest.fail("the forked child's hand-over hung")
    assert proc.exitcode == 0 and queue.get(timeout=5) == [1, 2]
