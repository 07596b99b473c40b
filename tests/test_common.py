"""scikit-learn's estimator checks over every public skreg estimator.

The estimators are discovered from ``skreg.__all__``, so an estimator added
to the public API is checked without editing this file.  A few non-default
configurations (random selection, Gram precomputation, the gradient
solvers) run the checks through the other code paths as well.  The plain
estimators need no ``expected_failed_checks`` (scikit-learn's Lasso,
ElasticNet and Ridge need none either); the only exceptions are the
sample-weight equivalence checks of the Lasso CV estimator
(L1RegressorCV) at its default tol and of the information-criterion
estimators without a noise variance on wide data, see ``_expected_failures``.
"""

import importlib.util

import pytest
from sklearn.base import clone, is_regressor
from sklearn.utils.estimator_checks import parametrize_with_checks

import skreg
from tests._estimators import all_estimators, public_estimators


def _has_gradient_solvers():
    return importlib.util.find_spec("skreg.solvers.prox_grad") is not None


def _variants():
    """Non-default configurations worth running the checks on too."""
    out = [
        skreg.L1Regressor(selection="random", random_state=0),
        skreg.ElasticNetRegressor(precompute=True),
    ]
    if hasattr(skreg, "MultiTaskL1Regressor"):
        out += [skreg.MultiTaskL1Regressor(selection="random", random_state=0)]
    if _has_gradient_solvers():
        out += [
            skreg.L1Regressor(solver="fista"),
            skreg.ElasticNetRegressor(solver="gd", max_iter=5000),
        ]
    # As scikit-learn checks LassoLarsIC: with a noise variance, the
    # sample-weight checks' wide design (15 rows, 30 features) can be fitted.
    out += [
        skreg.L1RegressorIC(noise_variance=1.0),
        skreg.ElasticNetRegressorIC(noise_variance=1.0, criterion="bic"),
    ]
    L2 = getattr(skreg, "L2Regressor", None)
    if L2 is not None:
        # the Numba solvers and the scipy iterative ones, besides 'auto'
        out += [
            L2(solver=s)
            for s in ("cd", "fista", "svd", "lsqr", "sparse_cg")
            if s in L2._parameter_constraints["solver"][0].options
        ]
    return out


ESTIMATORS = [cls() for cls in all_estimators()] + _variants()


def test_public_estimators_discovered():
    names = {cls.__name__ for cls in public_estimators()}
    assert {"L1Regressor", "ElasticNetRegressor", "L2Regressor"} <= names
    # Whatever else lands in the public API (L2Regressor, the CV
    # estimators) is a regressor and gets checked below.
    for cls in public_estimators():
        assert is_regressor(cls())


def _expected_failures(estimator):
    # The check hands the CV estimator equivalent group splits, so the folds
    # agree; what differs is where the per-fold paths stop.  At the default
    # tol=1e-4 and max_iter=1000 the weighted and repeated fits are equal
    # only within tol, the CV curves differ by about 5e-3 and the chosen
    # alpha_ can move one grid step.  scikit-learn's LassoCV fails this
    # check the same way (1.9.1); with tol=1e-10 both pass
    # (tests/test_cv.py::test_cv_weight_equivalence_at_tight_tol).
    #
    # On the sparse variant both fits pick the same alpha_, but the check's
    # design has 15 distinct rows for 30 features: near alpha_ the CD
    # iterate keeps one feature more than the design's rank, where the
    # Newton polish (a Gram matrix singular up to rounding) makes the fit
    # exact or not as rounding decides, so the two refits are only sure to
    # agree within tol.  (With the compiled polish of small supports they
    # agree on this machine: the check passes, unexpectedly.)
    if type(estimator).__name__ == "L1RegressorCV":
        return {
            "check_sample_weight_equivalence_on_dense_data": (
                "at the default tol the weighted and repeated CV curves agree "
                "only within tol, so alpha_ can differ by a grid step; "
                "sklearn's LassoCV fails this check too; passes at tol=1e-10"
            ),
            "check_sample_weight_equivalence_on_sparse_data": (
                "at the default tol the weighted and repeated refits agree "
                "only within tol (a rank-deficient design: the polish is exact "
                "or not by rounding); passes at tol=1e-10"
            ),
        }
    if type(estimator).__name__ in (
        "MultiTaskL1RegressorCV",
        "MultiTaskElasticNetRegressorCV",
    ):
        # Both fits pick the same alpha_ (about 3e-4 on the check's 15
        # distinct rows and 30 features), where the refits converge to the
        # default tol and their predictions differ by about 2e-4.
        # scikit-learn's MultiTask*CV pass only because both of their refits
        # stop at max_iter after the same iterates.
        reason = (
            "at the default tol the weighted and repeated refits agree only "
            "within tol on this rank-deficient design; passes at tol=1e-10 "
            "(tests/test_multitask_cv.py)"
        )
        failing = {
            "check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason,
        }
        if type(estimator).__name__ == "MultiTaskL1RegressorCV":
            # its dense check picks an alpha_ whose refits (support 17 on
            # rank 15) both stop at max_iter after the same iterates, as
            # scikit-learn's do: it passes
            del failing["check_sample_weight_equivalence_on_dense_data"]
        return failing
    if type(estimator).__name__.endswith("IC") and estimator.noise_variance is None:
        reason = (
            "noise_variance=None estimates the noise by least squares, which "
            "needs more samples than features: the check's design has 15 rows "
            "for 30 features (a clear ValueError); passes with noise_variance"
        )
        return {
            "check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason,
        }
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_clone_round_trip(estimator):
    cloned = clone(estimator)
    assert cloned is not estimator
    assert cloned.get_params() == estimator.get_params()
