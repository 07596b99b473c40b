"""The ``python -m skreg`` demo (placeholder until the CLI lands)."""

import sys


def main(argv=None):
    """Run the demo; returns the process exit code."""
    from sklearn.datasets import load_diabetes

    from skreg import L1Regressor

    X, y = load_diabetes(return_X_y=True)
    print(L1Regressor(alpha=0.1).fit(X, y).coef_)
    return 0


if __name__ == "__main__":
    sys.exit(main())
