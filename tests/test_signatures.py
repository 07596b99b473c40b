"""Few compiled signatures: a first fit with an empty Numba cache compiles
each kernel once per dtype (about 15 s), so the fits a user mixes (dense and
sparse, one or several targets, weights, CV) must all share that one."""

import json
import subprocess
import sys

CHILD = r"""
import json, warnings
import numpy as np
from scipy import sparse
import skreg
from skreg._kernels._stats import _centred_norm2, _dense_sums, _sparse_stats
from skreg._kernels.cd import cd_epochs

warnings.simplefilter("ignore")
rng = np.random.default_rng(0)
X = rng.standard_normal((60, 8))
y = X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(60)
Xs = sparse.random(60, 8, density=0.4, format="csc", random_state=0)
skreg.L1Regressor(alpha=0.01).fit(X, y)
skreg.L1Regressor(alpha=0.01).fit(Xs, y)
skreg.ElasticNetRegressor(alpha=0.01).fit(np.ascontiguousarray(X), np.c_[y, -y])
sw = np.arange(60.0)
skreg.L1Regressor(alpha=0.01, fit_intercept=False).fit(X, y, sample_weight=sw)
skreg.L1RegressorCV(cv=3).fit(Xs, y)
skreg.L2Regressor(solver="cd").fit(X, y)
skreg.L1Regressor(alpha=0.01).fit(X[:, :1], y)
skreg.ElasticNetRegressor(alpha=0.01).fit(np.ascontiguousarray(X[:, 1:2]), y)
kernels = (cd_epochs, _dense_sums, _centred_norm2, _sparse_stats)
print(json.dumps({f.__name__: len(f.signatures) for f in kernels}))
"""


def test_dense_sparse_and_multi_target_fits_share_one_signature():
    out = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True
    ).stdout
    counts = json.loads(out.strip().splitlines()[-1])
    assert counts == {
        "cd_epochs": 1,
        "_dense_sums": 1,
        "_centred_norm2": 1,
        "_sparse_stats": 1,
    }
