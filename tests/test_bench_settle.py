"""The benchmark's settling step (see ``benchmarks.bench_solvers.settle``)."""

import os

import numpy as np
import pytest

from benchmarks.bench_solvers import settle
from skreg._split import others_running

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/proc/self/task"), reason="reads thread states from /proc"
)


def test_settle_waits_until_no_other_thread_runs():
    # a product large enough for OpenBLAS to use its worker threads, which
    # then spin for a while after it returns
    A = np.random.default_rng(0).standard_normal((600, 600))
    A @ A
    waited = settle(timeout=5.0)
    assert waited < 5.0
    assert not others_running()


def test_settle_returns_at_once_on_an_idle_process():
    settle(timeout=5.0)
    assert settle(timeout=5.0) < 0.05
