"""skreg estimators inside scikit-learn's tools: the same results as sklearn's.

Each test runs the skreg estimator and its scikit-learn counterpart (Lasso,
ElasticNet, Ridge, LassoCV, ...) through the same meta-estimator and
compares the outcome: a difference means the skreg estimator does not behave
like a first-class scikit-learn citizen.  Fits use ``tol=1e-10`` so that
both sides are converged far below the asserted ``rtol``.
"""

import inspect
import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import (
    ConvergenceWarning,
    NotFittedError,
    UnsetMetadataPassedError,
)
from sklearn.feature_selection import SelectFromModel
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tests._estimators import (
    compared_estimators,
    counterpart,
    is_cv,
    make_pair,
    small_problem,
)

pd = pytest.importorskip("pandas")

ESTIMATORS = compared_estimators()
PLAIN = [c for c in ESTIMATORS if not is_cv(c)]


def _ids(classes):
    return [c.__name__ for c in classes]


all_estimators = pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids(ESTIMATORS))
plain_estimators = pytest.mark.parametrize("cls", PLAIN, ids=_ids(PLAIN))

X0, Y0 = small_problem(n=40, p=6)
ALPHAS = {
    "L1Regressor": [0.01, 0.1, 0.5],
    "ElasticNetRegressor": [0.01, 0.1, 0.5],
    "L2Regressor": [0.1, 3.0, 30.0],
}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _pair(cls, **params):
    ours, ref = make_pair(cls, **params)
    # every public estimator is compared with scikit-learn: a new one
    # without a known counterpart must fail here, not skip its comparisons
    assert ref is not None, (
        f"no scikit-learn counterpart known for {cls.__name__}: "
        "add it to COUNTERPARTS in tests/_estimators.py"
    )
    return ours, ref


# --- meta-estimators and model selection ------------------------------------------


@all_estimators
def test_pipeline_standard_scaler(cls):
    ours, ref = _pair(cls)
    p_ours = make_pipeline(StandardScaler(), ours).fit(X0, Y0)
    p_ref = make_pipeline(StandardScaler(), ref).fit(X0, Y0)
    assert_allclose(p_ours.predict(X0), p_ref.predict(X0), rtol=1e-6)
    assert_allclose(p_ours[-1].coef_, p_ref[-1].coef_, rtol=1e-5, atol=1e-8)
    assert p_ours.score(X0, Y0) == pytest.approx(p_ref.score(X0, Y0), rel=1e-6)


@plain_estimators
@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_grid_search_n_jobs_2(cls, backend):
    # n_jobs=2 in threads runs the Numba kernels concurrently (they release
    # the GIL); in processes (loky) the estimator is pickled to the workers.
    ours, ref = _pair(cls)
    grid = {"alpha": ALPHAS[cls.__name__]}
    cv = KFold(3, shuffle=True, random_state=0)
    with joblib.parallel_backend(backend, n_jobs=2):
        gs = GridSearchCV(ours, grid, cv=cv, n_jobs=2).fit(X0, Y0)
    gs_ref = GridSearchCV(ref, grid, cv=cv).fit(X0, Y0)
    assert gs.best_params_ == gs_ref.best_params_
    assert_allclose(
        gs.cv_results_["mean_test_score"],
        gs_ref.cv_results_["mean_test_score"],
        rtol=1e-6,
    )
    assert_allclose(gs.predict(X0), gs_ref.predict(X0), rtol=1e-6)


@plain_estimators
def test_concurrent_fits_in_threads_are_independent(cls):
    # The same estimator configuration fitted on different data in parallel
    # threads gives exactly the sequential results (no shared kernel state).
    ours, _ = _pair(cls)
    data = [small_problem(n=60, p=8, seed=s) for s in range(6)]
    seq = [clone(ours).fit(X, y).coef_ for X, y in data]
    par = joblib.Parallel(n_jobs=2, prefer="threads")(
        joblib.delayed(lambda X, y: clone(ours).fit(X, y).coef_)(X, y) for X, y in data
    )
    for a, b in zip(seq, par, strict=True):
        assert_array_equal(a, b)


@all_estimators
def test_cross_val_score(cls):
    ours, ref = _pair(cls)
    cv = KFold(4, shuffle=True, random_state=0)
    s_ours = cross_val_score(ours, X0, Y0, cv=cv, scoring="neg_mean_squared_error")
    s_ref = cross_val_score(ref, X0, Y0, cv=cv, scoring="neg_mean_squared_error")
    assert_allclose(s_ours, s_ref, rtol=1e-5)


@pytest.mark.parametrize(
    "cls",
    [c for c in PLAIN if c.__name__ != "L2Regressor"],
    ids=_ids([c for c in PLAIN if c.__name__ != "L2Regressor"]),
)
def test_select_from_model(cls):
    rng = np.random.RandomState(0)
    X = rng.randn(60, 12)
    y = X[:, [0, 3, 7]] @ np.array([3.0, -2.0, 1.5]) + 0.1 * rng.randn(60)
    ours, ref = _pair(cls, alpha=0.1)
    sel = SelectFromModel(ours).fit(X, y)
    sel_ref = SelectFromModel(ref).fit(X, y)
    assert_array_equal(sel.get_support(), sel_ref.get_support())
    assert set(np.flatnonzero(sel.get_support())) >= {0, 3, 7}
    assert sel.transform(X).shape[1] == sel.get_support().sum()
    # a threshold of 1e-5 keeps exactly the non-zero coefficients of the Lasso
    sel0 = SelectFromModel(ours, threshold=1e-5).fit(X, y)
    assert_array_equal(sel0.get_support(), sel0.estimator_.coef_ != 0)


@all_estimators
def test_transformed_target_regressor(cls):
    ours, ref = _pair(cls)
    y = np.exp(Y0 / np.abs(Y0).max())
    kw = {"func": np.log, "inverse_func": np.exp}
    t_ours = TransformedTargetRegressor(regressor=ours, **kw).fit(X0, y)
    t_ref = TransformedTargetRegressor(regressor=ref, **kw).fit(X0, y)
    assert_allclose(t_ours.predict(X0), t_ref.predict(X0), rtol=1e-6)
    assert_allclose(
        t_ours.regressor_.coef_, t_ref.regressor_.coef_, rtol=1e-5, atol=1e-8
    )


@all_estimators
def test_multi_output_regressor(cls):
    rng = np.random.RandomState(1)
    Y = np.c_[Y0, 2 * Y0 + rng.randn(len(Y0)), rng.randn(len(Y0))]
    ours, ref = _pair(cls)
    m = MultiOutputRegressor(ours).fit(X0, Y)
    m_ref = MultiOutputRegressor(ref).fit(X0, Y)
    assert_allclose(m.predict(X0), m_ref.predict(X0), rtol=1e-6, atol=1e-8)
    if not is_cv(cls):
        # one model per column == the native multi-target fit (not for CV
        # estimators: RidgeCV picks one alpha for all targets)
        native = clone(ours).fit(X0, Y)
        assert_allclose(m.predict(X0), native.predict(X0), rtol=1e-6, atol=1e-8)


# --- pandas ------------------------------------------------------------------------


@all_estimators
def test_set_output_pandas_pipeline(cls):
    cols = [f"f{i}" for i in range(X0.shape[1])]
    df = pd.DataFrame(X0, columns=cols)
    ours, ref = _pair(cls)
    pipe = make_pipeline(StandardScaler(), ours).set_output(transform="pandas")
    pipe.fit(df, pd.Series(Y0, name="target"))
    est = pipe[-1]
    assert_array_equal(est.feature_names_in_, cols)
    assert_array_equal(pipe.feature_names_in_, cols)
    assert est.n_features_in_ == len(cols)
    pred = pipe.predict(df)
    assert_allclose(
        pred, make_pipeline(StandardScaler(), ref).fit(X0, Y0).predict(X0), rtol=1e-6
    )
    # scikit-learn's feature-name checks apply: reordered columns are refused
    with pytest.raises(ValueError, match="feature names"):
        pipe.predict(df[cols[::-1]])
    # and a plain array after a DataFrame fit only warns, with the same result
    with pytest.warns(UserWarning, match="feature names"):
        assert_allclose(est.predict(pipe[0].transform(df).to_numpy()), pred)


@plain_estimators
def test_dataframe_input_directly(cls):
    cols = [f"c{i}" for i in range(X0.shape[1])]
    df = pd.DataFrame(X0.astype(np.float32), columns=cols)
    ours, _ = _pair(cls)
    ours.fit(df, Y0)
    assert_array_equal(ours.feature_names_in_, cols)
    assert ours.coef_.dtype == np.float32
    # The DataFrame's values reach BLAS in Fortran order and the array in C
    # order, so the float32 dot products are summed in another order
    # (scikit-learn's Ridge differs by the same 4.8e-7 here with OpenBLAS's
    # Haswell kernels): equal to a few float32 roundings of |X| |w|.
    scale = np.abs(X0) @ np.abs(ours.coef_.T) + np.abs(ours.intercept_)
    bound = 4 * np.finfo(np.float32).eps * scale
    diff = np.abs(ours.predict(df) - ours.predict(X0.astype(np.float32)))
    assert np.all(diff <= bound)


# --- metadata routing ---------------------------------------------------------------


def _weights():
    return np.random.RandomState(3).uniform(0.2, 3.0, size=len(Y0))


@all_estimators
def test_routing_sample_weight_through_pipeline(cls, request):
    sw = _weights()
    ours, _ = _pair(cls)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            clone(ours).set_fit_request(sample_weight=True),
        )
        pipe.fit(X0, Y0, sample_weight=sw)
        # requested weights must reach the estimator: unweighted differs
        Xs = StandardScaler().fit_transform(X0)
        direct = clone(ours).fit(Xs, Y0, sample_weight=sw)
        unweighted = clone(ours).fit(Xs, Y0)
        assert_allclose(pipe[-1].coef_, direct.coef_, rtol=1e-10, atol=1e-12)
        assert not np.allclose(pipe[-1].coef_, unweighted.coef_)
        # passing weights that nobody requested is an error, not a silent drop
        with pytest.raises(UnsetMetadataPassedError, match="sample_weight"):
            make_pipeline(StandardScaler(), clone(ours)).fit(X0, Y0, sample_weight=sw)


@plain_estimators
def test_routing_sample_weight_through_grid_search(cls):
    sw = _weights()
    ours, ref = _pair(cls)
    grid = {"alpha": ALPHAS[cls.__name__]}
    cv = KFold(3, shuffle=True, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        # weights reach both the fits and the (weighted R^2) scores
        gs = GridSearchCV(
            clone(ours)
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=True),
            grid,
            cv=cv,
        ).fit(X0, Y0, sample_weight=sw)
        gs_ref = GridSearchCV(
            clone(ref)
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=True),
            grid,
            cv=cv,
        ).fit(X0, Y0, sample_weight=sw)
    assert gs.best_params_ == gs_ref.best_params_
    assert_allclose(
        gs.cv_results_["mean_test_score"],
        gs_ref.cv_results_["mean_test_score"],
        rtol=1e-6,
    )
    best = clone(ours).set_params(**gs.best_params_).fit(X0, Y0, sample_weight=sw)
    assert_allclose(gs.best_estimator_.coef_, best.coef_, rtol=1e-10, atol=1e-12)


@all_estimators
def test_fit_request_api(cls, request):
    est = cls()
    assert "sample_weight" in inspect.signature(est.fit).parameters
    with sklearn.config_context(enable_metadata_routing=True):
        assert est.set_fit_request(sample_weight=True) is est
        routing = est.get_metadata_routing()
        # a plain MetadataRequest, or a MetadataRouter for the CV estimators
        assert routing.consumes("fit", ["sample_weight"]) == {"sample_weight"}
        est.set_fit_request(sample_weight=False)
        consumed = est.get_metadata_routing().consumes("fit", ["sample_weight"])
        ref = counterpart(cls)
        if ref is not None and cls.__name__ == "L2RegressorCV":
            # as RidgeCV: its default R^2 scorer still takes the weights
            expected = (
                ref()
                .set_fit_request(sample_weight=False)
                .get_metadata_routing()
                .consumes("fit", ["sample_weight"])
            )
            assert consumed == expected
        else:
            assert consumed == set()


# --- clone, params, persistence, repr, tags -----------------------------------------


@all_estimators
def test_get_set_params_clone(cls):
    est = cls()
    params = est.get_params()
    init_params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    assert sorted(params) == sorted(init_params)
    ref = counterpart(cls)
    if ref is not None:
        # every scikit-learn parameter exists with the same default
        ref_params = ref().get_params()
        for name, value in ref_params.items():
            assert name in params, name
            if not callable(value):
                assert repr(params[name]) == repr(value), name
    new = {"tol": 1e-3} if "tol" in params else {"fit_intercept": False}
    assert est.set_params(**new) is est
    assert est.get_params()[next(iter(new))] == next(iter(new.values()))
    fitted = clone(est).fit(X0, Y0)
    cloned = clone(fitted)
    assert cloned.get_params() == fitted.get_params()
    assert not hasattr(cloned, "coef_")
    with pytest.raises(ValueError, match="Invalid parameter"):
        est.set_params(not_a_parameter=1)


@all_estimators
@pytest.mark.parametrize("how", ["pickle", "joblib"])
def test_persistence_round_trip(cls, how):
    est, _ = make_pair(cls)
    est.fit(X0, Y0)
    if how == "pickle":
        loaded = pickle.loads(pickle.dumps(est))
    else:
        buf = io.BytesIO()
        joblib.dump(est, buf)
        buf.seek(0)
        loaded = joblib.load(buf)
    assert type(loaded) is cls
    assert loaded.get_params() == est.get_params()
    assert_array_equal(loaded.predict(X0), est.predict(X0))
    assert_array_equal(loaded.coef_, est.coef_)
    # the loaded model can be refitted
    assert_array_equal(loaded.fit(X0, Y0).coef_, est.coef_)


def test_persistence_of_unfitted():
    for cls in ESTIMATORS:
        loaded = pickle.loads(pickle.dumps(cls()))
        with pytest.raises(NotFittedError):
            loaded.predict(X0)


@all_estimators
def test_repr_like_sklearn(cls):
    name = cls.__name__
    assert repr(cls()) == f"{name}()"
    params = cls().get_params()
    if "alpha" in params:
        assert repr(cls(alpha=0.5)) == f"{name}(alpha=0.5)"
    if "fit_intercept" in params:
        assert repr(cls(fit_intercept=False)) == f"{name}(fit_intercept=False)"
    ref = counterpart(cls)
    if ref is not None and "tol" in params:
        # only changed parameters are shown, formatted as scikit-learn does
        assert repr(cls(tol=1e-3)).replace(name, "X") == repr(ref(tol=1e-3)).replace(
            ref.__name__, "X"
        )


@all_estimators
def test_tags_match_counterpart(cls):
    tags = cls().__sklearn_tags__()
    assert tags.estimator_type == "regressor"
    assert tags.input_tags.sparse
    assert not tags.input_tags.allow_nan
    assert tags.requires_fit
    ref = counterpart(cls)
    if ref is not None:
        ref_tags = ref().__sklearn_tags__()
        assert tags.input_tags.sparse == ref_tags.input_tags.sparse
        assert tags.target_tags.multi_output == ref_tags.target_tags.multi_output
        assert tags.target_tags.single_output == ref_tags.target_tags.single_output
        assert tags.input_tags.positive_only == ref_tags.input_tags.positive_only


@all_estimators
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_preserves_dtype(cls, dtype):
    est, _ = make_pair(cls)
    est.fit(X0.astype(dtype), Y0)
    assert est.coef_.dtype == dtype
    assert est.predict(X0.astype(dtype)).dtype == dtype
