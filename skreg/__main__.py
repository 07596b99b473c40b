"""``python -m skreg`` (also the ``skreg`` console script): the first demo.

Fits L1 (Lasso), L2 (Ridge) and ElasticNet with skreg and with scikit-learn
on the bundled diabetes data and a synthetic sparse-signal problem, and
prints the weights, the number of non-zeros, the largest coefficient
difference to scikit-learn and the fit times side by side.
"""

import argparse
import math
import sys

__all__ = ["build_parser", "main"]

_DATASETS = ("diabetes", "synthetic")
_ESTIMATORS = ("l1", "l2", "enet")


def _choice_list(choices, what):
    """argparse type: a comma-separated subset of ``choices`` (or 'all')."""

    def parse(text):
        if text.strip().lower() == "all":
            return list(choices)
        items = [t.strip().lower() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in choices]
        if not items or bad:
            raise argparse.ArgumentTypeError(
                f"invalid {what} {', '.join(map(repr, bad)) or repr(text)}: "
                f"choose a comma-separated list from {', '.join(choices)} "
                "(or 'all')"
            )
        return list(dict.fromkeys(items))  # keep order, drop duplicates

    return parse


def _float_in(low, high=None, *, low_open=True, what="value"):
    """argparse type: a finite float in (low, high] or [low, high]."""
    left = "(" if low_open else "["
    right = f"{high}]" if high is not None else "inf)"
    bounds = f"{left}{low}, {right}"

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"invalid {what} {text!r}: not a number"
            ) from None
        too_low = value <= low if low_open else value < low
        too_high = high is not None and value > high
        if not math.isfinite(value) or too_low or too_high:
            raise argparse.ArgumentTypeError(
                f"invalid {what} {text!r}: must be a finite number in {bounds}"
            )
        return value

    return parse


def _positive_int(what):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"invalid {what} {text!r}: not an integer"
            ) from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"invalid {what} {text!r}: must be >= 1")
        return value

    return parse


def build_parser():
    """The demo's :class:`argparse.ArgumentParser`."""
    parser = argparse.ArgumentParser(
        prog="python -m skreg",
        description=(
            "Fit L1 (Lasso), L2 (Ridge) and ElasticNet with skreg and with "
            "scikit-learn side by side, and print the weights (L1's exact "
            "zeros next to L2's shrunk weights), the number of non-zeros, "
            "the largest |coef difference| to scikit-learn and the fit times."
        ),
        epilog=(
            "Example: python -m skreg --dataset synthetic --alpha 1 "
            "--estimators l1,enet --verbose"
        ),
    )
    _add_penalty_options(parser)
    _add_data_options(parser)
    _add_run_options(parser)
    return parser


def _add_penalty_options(parser):
    parser.add_argument(
        "--alpha",
        type=_float_in(0.0, what="alpha"),
        default=None,
        metavar="A",
        help=(
            "regularisation strength of L1 and ElasticNet, on the Lasso's "
            "scale: 1/(2n) ||y - Xw||^2 + alpha * penalty(w) "
            "(default: 0.1 on diabetes, 1.0 on synthetic)"
        ),
    )
    parser.add_argument(
        "--l1-ratio",
        type=_float_in(0.0, 1.0, low_open=False, what="l1-ratio"),
        default=0.5,
        metavar="R",
        help=(
            "ElasticNet mixing parameter in [0, 1]: 1 is the Lasso, 0 a "
            "(Lasso-scaled) Ridge (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--ridge-alpha",
        type=_float_in(0.0, what="ridge-alpha"),
        default=1.0,
        metavar="A",
        help=(
            "alpha of L2 (Ridge), in Ridge's own scaling ||y - Xw||^2 + "
            "alpha ||w||^2 with no 1/(2n): the same number means a much "
            "weaker penalty than the Lasso's alpha (default: %(default)s, "
            "scikit-learn's Ridge default)"
        ),
    )


def _add_data_options(parser):
    parser.add_argument(
        "--estimators",
        type=_choice_list(_ESTIMATORS, "estimator"),
        default=list(_ESTIMATORS),
        metavar="LIST",
        help=(
            "comma-separated estimators to fit: l1 (L1Regressor vs Lasso), "
            "l2 (L2Regressor vs Ridge), enet (ElasticNetRegressor vs "
            "ElasticNet), or 'all' (default: l1,l2,enet)"
        ),
    )
    parser.add_argument(
        "--dataset",
        "--datasets",
        dest="datasets",
        type=_choice_list(_DATASETS, "dataset"),
        default=list(_DATASETS),
        metavar="LIST",
        help=(
            "comma-separated data sets: diabetes (scikit-learn's bundled "
            "442 x 10 data, no download), synthetic (make_regression, 200 x 20 "
            "with 5 informative features, fixed seed), or 'all' "
            "(default: diabetes,synthetic)"
        ),
    )


def _add_run_options(parser):
    parser.add_argument(
        "--tol",
        type=_float_in(0.0, what="tol"),
        default=1e-4,
        help=(
            "stopping tolerance of L1 and ElasticNet, for skreg and "
            "scikit-learn alike (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--repeat",
        type=_positive_int("repeat"),
        default=3,
        metavar="N",
        help="report the fastest of N fits for each timing (default: %(default)s)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help=(
            "also refit with a gradient solver (FISTA for L1/ElasticNet, "
            "gradient descent for L2) with verbose=1, printing the loss "
            "per epoch"
        ),
    )
    parser.add_argument(
        "--epochs",
        type=_positive_int("epochs"),
        default=50,
        metavar="N",
        help="epochs of the gradient solver shown by --verbose (default: %(default)s)",
    )


def main(argv=None):
    """Run the demo; return the process exit code.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments without the program name; ``None`` reads
        ``sys.argv[1:]``.

    Returns
    -------
    code : int
        0 on success.  Bad options exit with argparse's usage error (2).
    """
    args = build_parser().parse_args(argv)

    from skreg._demo import run_demo

    try:
        run_demo(
            datasets=args.datasets,
            estimators=args.estimators,
            alpha=args.alpha,
            l1_ratio=args.l1_ratio,
            ridge_alpha=args.ridge_alpha,
            tol=args.tol,
            repeat=args.repeat,
            verbose=args.verbose,
            epochs=args.epochs,
        )
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `python -m skreg | head`: the reader left; exit quietly, no traceback.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
