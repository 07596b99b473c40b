"""Bad input gives a clear error (or the right answer), never a crash or NaN.

Every case runs for every public skreg estimator.  Where scikit-learn's
counterpart (Lasso, ElasticNet, Ridge, LassoCV, ...) accepts the input, the
fitted model must agree with it; where it refuses, skreg must refuse with a
ValueError / TypeError whose message names the problem (asserted with
``match``), and never let a Numba typing error or a NaN through.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from tests._estimators import compared_estimators, is_cv, make_pair, small_problem

ESTIMATORS = compared_estimators()
EST_IDS = [cls.__name__ for cls in ESTIMATORS]
X0, Y0 = small_problem()
N, P = X0.shape


def _fit(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", message=".*alpha=0.*")
        return est.fit(X, y, **kw)


def _assert_same_model(ours, ref, X, rtol=1e-6, atol=1e-8):
    assert np.all(np.isfinite(ours.coef_))
    assert np.all(np.isfinite(ours.intercept_))
    Xp = X.toarray() if sparse.issparse(X) else np.asarray(X, dtype=np.float64)
    assert_allclose(ours.predict(X), ref.predict(Xp), rtol=rtol, atol=atol)


def _with(X, i, j, value):
    X = np.array(X, dtype=np.float64)
    X[i, j] = value
    return X


estimators = pytest.mark.parametrize("cls", ESTIMATORS, ids=EST_IDS)

# --- non-finite values -------------------------------------------------------


@estimators
@pytest.mark.parametrize(
    "value, msg", [(np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")]
)
@pytest.mark.parametrize(
    "where", ["X", "y", "sample_weight", "sparse X", "X, zero-weight row"]
)
def test_non_finite(cls, value, msg, where):
    est, _ = make_pair(cls)
    X, y, kw = X0.copy(), Y0.copy(), {}
    if where.startswith("X"):
        X[3, 1] = value
        if where != "X":
            # a zero weight must not hide the value (0 * nan is nan)
            kw["sample_weight"] = _with(np.ones((N, 1)), 3, 0, 0.0).ravel()
    elif where == "sparse X":
        X = sparse.csr_matrix(_with(X, 3, 1, value))
    elif where == "y":
        y[3] = value
    else:
        kw["sample_weight"] = _with(np.ones((N, 1)), 3, 0, value).ravel()
    name = "X" if "X" in where else where
    with pytest.raises(ValueError, match=f"{name} contains {msg}"):
        est.fit(X, y, **kw)


@estimators
def test_none_in_object_y(cls):
    # None in an object array passes check_X_y and turns into NaN only when
    # cast to float: it must still be reported as a NaN in y.
    est, _ = make_pair(cls)
    y = Y0.astype(object)
    y[2] = None
    with pytest.raises(ValueError, match="y contains NaN"):
        est.fit(X0, y)


# --- shapes ------------------------------------------------------------------


@estimators
def test_inconsistent_lengths(cls):
    est, _ = make_pair(cls)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        est.fit(X0, Y0[:-1])


@estimators
def test_zero_samples(cls):
    est, _ = make_pair(cls)
    # CV estimators may first fail to split: that message names it as well.
    with pytest.raises(ValueError, match="0 sample|n_samples=0"):
        est.fit(X0[:0], Y0[:0])


@estimators
def test_zero_features(cls):
    est, _ = make_pair(cls)
    with pytest.raises(ValueError, match="0 feature"):
        est.fit(X0[:, :0], Y0)


@estimators
def test_zero_targets(cls):
    est, _ = make_pair(cls)
    with pytest.raises(ValueError, match="0 feature"):
        est.fit(X0, np.empty((N, 0)))


@estimators
def test_one_sample(cls):
    ours, ref = make_pair(cls)
    X, y = X0[:1], Y0[:1]
    if is_cv(cls):
        # Cross-validation cannot split one sample: scikit-learn's CV
        # estimators refuse it too.
        with pytest.raises(ValueError):
            ref.fit(X, y)
        with pytest.raises(ValueError, match="(?i)sample|split|fold|cv"):
            _fit(ours, X, y)
        return
    _fit(ours, X, y)
    _fit(ref, X, y)
    # One centred sample carries no information: w = 0, intercept = y.
    assert_allclose(ours.coef_, 0.0, atol=1e-12)
    assert_allclose(ours.intercept_, y[0])
    _assert_same_model(ours, ref, X)


@estimators
@pytest.mark.parametrize("shape", [(N, 1, 1), (N, 2, 1)])
def test_y_three_dims(cls, shape):
    est, _ = make_pair(cls)
    y = np.resize(Y0, shape)
    with pytest.raises(ValueError, match="dim 3"):
        est.fit(X0, y)


@estimators
@pytest.mark.parametrize("X", [X0[:, 0], X0.reshape(N, P, 1)], ids=["1d", "3d"])
def test_X_wrong_dims(cls, X):
    est, _ = make_pair(cls)
    with pytest.raises(ValueError, match="Expected 2D array|dim 3"):
        est.fit(X, Y0)


# --- dtypes ------------------------------------------------------------------


@estimators
@pytest.mark.parametrize("where", ["X", "y"])
def test_non_numeric_strings(cls, where):
    est, _ = make_pair(cls)
    X, y = X0, Y0
    if where == "X":
        X = np.full(X0.shape, "a")
    else:
        y = np.array(["a", "b"] * (N // 2))
    with pytest.raises(ValueError, match="could not convert string to float"):
        est.fit(X, y)


@estimators
@pytest.mark.parametrize(
    "kind", ["object", "numeric strings", "int", "bool", "float16", "list"]
)
def test_convertible_dtypes(cls, kind):
    # Like scikit-learn, arrays that convert to float are accepted: the fit
    # equals the fit on the float64 version, and scikit-learn's.
    Xint = np.round(X0 * 3)
    X = {
        "object": X0.astype(object),
        "numeric strings": X0.astype(str),
        "int": Xint.astype(np.int64),
        "bool": X0 > 0.5,
        "float16": X0.astype(np.float16),
        "list": X0.tolist(),
    }[kind]
    ours, ref = make_pair(cls)
    _fit(ours, X, Y0)
    Xf = np.asarray(X).astype(np.float64)
    _fit(ref, Xf, Y0)
    assert ours.coef_.dtype in (np.float32, np.float64)
    _assert_same_model(ours, ref, Xf, rtol=1e-5)


LAYOUTS = {
    "big-endian X": lambda: ((X0.astype(">f8"), Y0), {}),
    "big-endian float32 X": lambda: ((X0.astype(">f4"), Y0), {}),
    "big-endian y and weights": lambda: (
        (X0, Y0.astype(">f8")),
        {"sample_weight": np.linspace(0.5, 2, N).astype(">f8")},
    ),
    "strided X": lambda: ((np.repeat(X0, 2, axis=1)[:, ::2], Y0), {}),
    "C-ordered float32 X": lambda: (
        (np.ascontiguousarray(X0, dtype=np.float32), Y0),
        {},
    ),
    "read-only X": lambda: ((_read_only(X0), _read_only(Y0)), {}),
    "pandas Float64": lambda: ((pd_frame(X0).astype("Float64"), Y0), {}),
    "int weights": lambda: ((X0, Y0), {"sample_weight": np.arange(N) % 3}),
}


def _read_only(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def pd_frame(X):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])


@estimators
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_unusual_layouts(cls, layout):
    # Inputs numba cannot take as they are (non-native byte order, strides,
    # read-only buffers, pandas extension dtypes) are converted, never
    # passed to a kernel: the fit equals scikit-learn's on the same data.
    args, kw = LAYOUTS[layout]()
    ours, ref = make_pair(cls)
    _fit(ours, *args, **kw)
    X = np.asarray(args[0], dtype=np.float64)
    _fit(
        ref,
        X,
        np.asarray(args[1], dtype=np.float64),
        **{k: np.asarray(v, dtype=np.float64) for k, v in kw.items()},
    )
    rtol = 1e-4 if "float32" in layout else 1e-6
    _assert_same_model(ours, ref, X, rtol=rtol, atol=1e-5 if rtol > 1e-6 else 1e-8)


@estimators
@pytest.mark.parametrize("where", ["X", "y"])
def test_complex(cls, where):
    est, _ = make_pair(cls)
    X, y = (X0 + 1j, Y0) if where == "X" else (X0, Y0 + 1j)
    with pytest.raises(ValueError, match="Complex data not supported"):
        est.fit(X, y)


@estimators
def test_sparse_y(cls):
    est, _ = make_pair(cls)
    with pytest.raises(TypeError, match="(?i)sparse"):
        est.fit(X0, sparse.csr_matrix(Y0.reshape(-1, 1)))


# --- sample_weight -----------------------------------------------------------


@estimators
@pytest.mark.parametrize(
    "sw, msg",
    [
        (-np.ones(N), "(?i)negative"),
        (np.r_[-1.0, np.ones(N - 1)], "(?i)negative"),
        (np.zeros(N), "(?i)non-zero|positive sum"),
        (np.ones(N - 1), "sample_weight"),
        (np.ones(N + 3), "sample_weight"),
        (np.ones((N, 2)), "(?i)sample weights must be 1D"),
        (np.array(["a"] * N), "could not convert string to float"),
    ],
    ids=["negative", "one negative", "all zero", "short", "long", "2d", "strings"],
)
def test_bad_sample_weight(cls, sw, msg):
    est, _ = make_pair(cls)
    with pytest.raises(ValueError, match=msg):
        est.fit(X0, Y0, sample_weight=sw)


@estimators
@pytest.mark.parametrize("value", [0.0, -1.0, np.nan, np.inf])
def test_bad_scalar_sample_weight(cls, value):
    # scikit-learn's Lasso silently ignores any scalar weight (even NaN);
    # a weight that is not a positive finite number is refused here.
    est, _ = make_pair(cls)
    with pytest.raises(ValueError, match="(?i)sample.weight"):
        est.fit(X0, Y0, sample_weight=value)


@pytest.mark.parametrize(
    "cls",
    [c for c in ESTIMATORS if not is_cv(c)],
    ids=[c.__name__ for c in ESTIMATORS if not is_cv(c)],
)
@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_sample_weight_extreme_magnitudes(cls, scale):
    sw = np.random.RandomState(0).uniform(0.5, 2.0, size=N) * scale
    ours, ref = make_pair(cls)
    _fit(ours, X0, Y0, sample_weight=sw)
    _fit(ref, X0, Y0, sample_weight=sw)
    _assert_same_model(ours, ref, X0, rtol=1e-6, atol=1e-8)


RESCALED_WEIGHTS = [c for c in ESTIMATORS if not c.__name__.startswith("L2")]


@pytest.mark.parametrize(
    "cls", RESCALED_WEIGHTS, ids=[c.__name__ for c in RESCALED_WEIGHTS]
)
def test_single_denormal_weight(cls):
    # One sample with the smallest positive weight, all others zero: the
    # rescaling to sum n_samples must not overflow (n / 5e-324 = inf).
    # (Ridge uses raw weights: there 5e-324 is a weight of ~0, also in
    # scikit-learn, so L2 estimators are not concerned.)
    sw = np.zeros(N)
    sw[4] = 5e-324
    est, _ = make_pair(cls)
    if is_cv(cls):
        # a fold without weight cannot be scored: a clear error is expected
        with pytest.raises(ValueError, match="(?i)weight"):
            _fit(est, X0, Y0, sample_weight=sw)
        return
    _fit(est, X0, Y0, sample_weight=sw)
    assert np.all(np.isfinite(est.coef_))
    assert_allclose(est.predict(X0[4:5]), Y0[4:5], rtol=1e-6)


# --- sparse formats ------------------------------------------------------------


def _int64_csc(X):
    A = sparse.csc_matrix(X)
    A.indices = A.indices.astype(np.int64)
    A.indptr = A.indptr.astype(np.int64)
    return A


SPARSE_FORMATS = {
    "csr_matrix": sparse.csr_matrix,
    "csc_matrix": sparse.csc_matrix,
    "coo_matrix": sparse.coo_matrix,
    "lil_matrix": sparse.lil_matrix,
    "dok_matrix": sparse.dok_matrix,
    "bsr_matrix": sparse.bsr_matrix,
    "dia_matrix": sparse.dia_matrix,
    "csr_array": sparse.csr_array,
    "csc_array": sparse.csc_array,
    "coo_array": sparse.coo_array,
    "int64 indices": _int64_csc,
}


@estimators
@pytest.mark.parametrize("fmt", list(SPARSE_FORMATS))
def test_sparse_formats_converted(cls, fmt):
    X = np.where(np.abs(X0) > 0.7, X0, 0.0)
    ours, ref = make_pair(cls)
    _fit(ours, SPARSE_FORMATS[fmt](X), Y0)
    _fit(ref, X, Y0)
    _assert_same_model(ours, ref, X, rtol=1e-5)
    # predict accepts every format as well
    assert_allclose(ours.predict(SPARSE_FORMATS[fmt](X)), ours.predict(X), rtol=1e-10)


@estimators
def test_sparse_duplicate_entries(cls):
    # A CSC matrix storing each value as two halves is the same matrix;
    # the fit must not depend on the storage.
    X = np.where(np.abs(X0) > 0.7, X0, 0.0)
    A = sparse.csc_matrix(X)
    data = np.repeat(A.data / 2, 2)
    dup = sparse.csc_matrix(
        (data, np.repeat(A.indices, 2), A.indptr * 2), shape=X.shape
    )
    assert not dup.has_canonical_format
    ours, _ = make_pair(cls)
    base, _ = make_pair(cls)
    _fit(ours, dup, Y0)
    _fit(base, X, Y0)
    assert_allclose(ours.coef_, base.coef_, rtol=1e-6, atol=1e-10)
    assert not dup.has_canonical_format  # the caller's matrix is untouched


# --- extreme values ------------------------------------------------------------


@estimators
@pytest.mark.parametrize("where", ["X", "y", "sparse X"])
@pytest.mark.parametrize("scale", [1e300, 1e200])
def test_huge_values_refused(cls, where, scale):
    est, _ = make_pair(cls)
    X, y = X0, Y0
    if where == "y":
        y = Y0 * scale
    else:
        X = X0 * scale
        if where == "sparse X":
            X = sparse.csc_matrix(X)
    name = "y" if where == "y" else "X"
    with pytest.raises(ValueError, match=f"{name} contains values too large"):
        est.fit(X, y)


@estimators
def test_huge_float32_refused(cls):
    est, _ = make_pair(cls)
    with pytest.raises(ValueError, match="X contains values too large"):
        est.fit((X0 * 1e37).astype(np.float32), Y0)


def _scaled_alpha(est, sx, sy):
    # Keep the penalty equally active on rescaled data: the L1 term scales
    # like |X^T y| (sx * sy), Ridge's L2 term like |X^T X| (sx^2).
    params = est.get_params()
    if "alpha" not in params:
        return est
    l2_only = "l1_ratio" not in params and type(est).__name__ in (
        "L2Regressor",
        "Ridge",
    )
    return est.set_params(alpha=0.1 * (sx * sx if l2_only else sx * sy))


@pytest.mark.parametrize(
    "cls",
    [c for c in ESTIMATORS if not is_cv(c)],
    ids=[c.__name__ for c in ESTIMATORS if not is_cv(c)],
)
@pytest.mark.parametrize(
    "sx, sy",
    [
        (1e100, 1e100),
        (1e-100, 1.0),
        (1.0, 1e-100),
        (1e100, 1e-100),
        (1e145, 1.0),
        (1.0, 1e145),
    ],
)
def test_extreme_but_representable_scales(cls, sx, sy):
    # Far from overflow of the fit's squared norms: the fit must equal
    # scikit-learn's on the same data.
    ours, ref = make_pair(cls)
    X, y = X0 * sx, Y0 * sy
    _fit(_scaled_alpha(ours, sx, sy), X, y)
    _fit(_scaled_alpha(ref, sx, sy), X, y)
    assert np.all(np.isfinite(ours.coef_))
    assert_allclose(ours.predict(X) / sy, ref.predict(X) / sy, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "cls",
    [c for c in ESTIMATORS if is_cv(c)],
    ids=[c.__name__ for c in ESTIMATORS if is_cv(c)],
)
def test_cv_extreme_scale_no_crash(cls):
    # scikit-learn's LassoCV overflows its CV errors here and returns
    # alpha_ = inf; skreg must at least return a finite model, no crash.
    est, _ = make_pair(cls)
    _fit(est, X0 * 1e100, Y0 * 1e100)
    assert np.all(np.isfinite(est.coef_))
    assert np.all(np.isfinite(est.predict(X0 * 1e100)))


@pytest.mark.parametrize(
    "cls",
    [c for c in ESTIMATORS if not is_cv(c)],
    ids=[c.__name__ for c in ESTIMATORS if not is_cv(c)],
)
def test_tiny_coefficients_of_huge_X(cls):
    # X ~ 1e150 (below the overflow limit for 50 samples) gives w ~ 1e-150,
    # whose squared differences underflow in Anderson extrapolation.
    rng = np.random.RandomState(0)
    X = rng.randn(50, 10)
    y = X @ rng.randn(10) + rng.randn(50)
    X *= 1e150
    ours, ref = make_pair(cls)
    if "alpha" in ours.get_params():
        a = 1e-3 if type(ours).__name__ != "L2Regressor" else 1e-3 * 1e300
        ours.set_params(alpha=a)
        ref.set_params(alpha=a)
    _fit(ours, X, y)
    _fit(ref, X, y)
    assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-5, atol=1e-6)


@estimators
def test_float32_large_values_accepted(cls):
    # The kernels accumulate in float64, so float32 data far above
    # sqrt(float32 max) fit fine.
    X = (X0 * 1e17).astype(np.float32)
    ours, ref = make_pair(cls)
    _fit(ours, X, Y0)
    _fit(ref, X.astype(np.float64), Y0)
    assert np.all(np.isfinite(ours.coef_))
    assert_allclose(
        ours.predict(X),
        ref.predict(X.astype(np.float64)),
        rtol=1e-4,
        atol=1e-4 * np.abs(Y0).max(),
    )


# --- degenerate data -----------------------------------------------------------


@estimators
def test_constant_features(cls):
    X = X0.copy()
    X[:, 1] = 3.0
    X[:, 3] = 0.0
    ours, ref = make_pair(cls)
    _fit(ours, X, Y0)
    _fit(ref, X, Y0)
    coef = np.atleast_2d(ours.coef_)
    assert_allclose(coef[:, [1, 3]], 0.0, atol=1e-12)
    _assert_same_model(ours, ref, X)


@estimators
def test_constant_y(cls):
    ours, ref = make_pair(cls)
    y = np.full(N, 2.5)
    _fit(ours, X0, y)
    _fit(ref, X0, y)
    assert_allclose(ours.coef_, 0.0, atol=1e-12)
    assert_allclose(ours.intercept_, 2.5)
    _assert_same_model(ours, ref, X0)


@estimators
def test_duplicated_columns(cls):
    # The solution in w is not unique (any split between the copies for
    # the L1 part), but the predictions and the objective are.
    X = np.hstack([X0, X0[:, :2]])
    ours, ref = make_pair(cls)
    _fit(ours, X, Y0)
    _fit(ref, X, Y0)
    _assert_same_model(ours, ref, X, rtol=1e-5, atol=1e-6)


# --- predict -------------------------------------------------------------------


@estimators
def test_predict_before_fit(cls):
    est, _ = make_pair(cls)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        est.predict(X0)


@estimators
@pytest.mark.parametrize("p", [P - 1, P + 1])
def test_predict_wrong_n_features(cls, p):
    est, _ = make_pair(cls)
    _fit(est, X0, Y0)
    X = np.random.RandomState(0).randn(4, p)
    msg = f"X has {p} features, but .* is expecting {P}"
    with pytest.raises(ValueError, match=msg):
        est.predict(X)
    with pytest.raises(ValueError, match=f"X has {p} features"):
        est.predict(sparse.csr_matrix(X))


@estimators
def test_predict_nan(cls):
    est, _ = make_pair(cls)
    _fit(est, X0, Y0)
    with pytest.raises(ValueError, match="X contains NaN"):
        est.predict(_with(X0, 0, 0, np.nan))


# --- parameters ----------------------------------------------------------------

BAD_PARAMS = [
    ("alpha", -1.0),
    ("alpha", "big"),
    ("alpha", np.nan),
    ("l1_ratio", -0.1),
    ("l1_ratio", 1.5),
    ("max_iter", 0),
    ("max_iter", -5),
    ("max_iter", 1.5),
    ("tol", -1e-4),
    ("solver", "newton"),
    ("selection", "greedy"),
    ("fit_intercept", "yes"),
    ("positive", 2),
    ("cv", -1),
    ("alphas", 0),
    ("alphas", -1.0),
    ("eps", -1e-3),
]


# every (estimator, bad value) pair whose parameter the estimator has
INVALID_CASES = [
    (cls, param, value)
    for cls in ESTIMATORS
    for param, value in BAD_PARAMS
    if param in cls().get_params()
]


def test_every_bad_parameter_is_exercised():
    assert {(p, repr(v)) for _, p, v in INVALID_CASES} == {
        (p, repr(v)) for p, v in BAD_PARAMS
    }


@pytest.mark.parametrize(
    "cls, param, value",
    INVALID_CASES,
    ids=[f"{c.__name__}-{p}={v!r}" for c, p, v in INVALID_CASES],
)
def test_invalid_parameters(cls, param, value):
    est, _ = make_pair(cls)
    est.set_params(**{param: value})
    with pytest.raises(
        InvalidParameterError,
        match=f"The '{param}' parameter of {cls.__name__} must be",
    ):
        est.fit(X0, Y0)


def _sparse_kernel_estimators():
    # the estimators whose fits on sparse X run the CSC kernels
    import skreg

    return {
        "L1Regressor": skreg.L1Regressor,
        "ElasticNetRegressor": skreg.ElasticNetRegressor,
        "L1RegressorCV": lambda: skreg.L1RegressorCV(cv=3),
        "L2Regressor-cd": lambda: skreg.L2Regressor(solver="cd"),
    }


@pytest.mark.parametrize("name", list(_sparse_kernel_estimators()))
def test_sparse_design_beyond_32_bit_indices_is_refused(monkeypatch, name):
    # A CSC matrix with more than 2**32 - 1 stored entries (tens of GB) would
    # wrap in the kernels' 32-bit indices: the limit, lowered here to the
    # test matrix, must give a clear error naming X, never a wrong fit
    import skreg.solvers.design as design

    X = sparse.csc_matrix(np.where(np.abs(X0) > 0.7, X0, 0.0))
    make = _sparse_kernel_estimators()[name]
    monkeypatch.setattr(design, "_MAX_SPARSE_INDEX", X.nnz - 1)
    with pytest.raises(ValueError, match=r"Sparse X with \d+ stored entries.*32-bit"):
        _fit(make(), X, Y0)
    monkeypatch.setattr(design, "_MAX_SPARSE_INDEX", X.nnz)
    model = _fit(make(), X, Y0)
    assert np.all(np.isfinite(model.coef_))
