"""Sphinx configuration of the skreg documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
(warnings are errors).  sphinx-gallery runs every ``examples/plot_*.py``.
"""

import os
import re
import sys
import warnings

# Build against the source tree when skreg is not installed (a clone).
sys.path.insert(0, os.path.abspath(".."))
os.environ.setdefault("MPLBACKEND", "Agg")

import skreg  # noqa: E402

project = "skreg"
author = "skreg developers"
copyright = "skreg developers"
version = release = skreg.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"

# API reference: one page per public name, generated from the docstrings.
autosummary_generate = True
autodoc_default_options = {}
autodoc_typehints = "none"
# numpydoc renders the class sections (Parameters, Attributes, ...); the
# member tables come from the autosummary templates instead.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "within_subsection_order": "FileNameSortKey",
}

html_theme = "pydata_sphinx_theme"
html_title = f"skreg {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
}
html_static_path = []
html_show_sourcelink = False

# Matplotlib/numba chatter from the gallery run is not a docs warning.
warnings.filterwarnings("ignore", category=UserWarning, message=".*non-interactive.*")


def _join_continuations(app, what, name, obj, options, lines):
    """Join numpydoc type lines continued with a trailing backslash.

    In a normal docstring Python itself joins ``\\<newline>``; in a raw
    (``r\"\"\"``) docstring the backslash stays and docutils would read the
    indented rest as a block quote.  Also quote ``n_features_in_`` in shapes,
    which docutils would otherwise take for a hyperlink reference.
    """
    out = []
    for line in lines:
        if out and out[-1].endswith("\\"):
            out[-1] = out[-1][:-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
    out = [re.sub(r"(?<=[(, ])(n_features_in_)(?=[,)])", r"``\1``", ln) for ln in out]
    lines[:] = out


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document only the methods skreg defines, not scikit-learn's mixins.

    Inherited scikit-learn methods (``score``, ``get_params``,
    ``set_fit_request``, ...) are documented by scikit-learn; their
    docstrings point to labels of scikit-learn's own site.
    """
    if name.startswith("_"):
        return None
    module = getattr(obj, "__module__", None) or ""
    if callable(obj) and not isinstance(obj, type) and not module.startswith("skreg"):
        return True
    return None


def setup(app):
    # Before numpydoc (priority 500) parses the sections.
    app.connect("autodoc-process-docstring", _join_continuations, priority=400)
    app.connect("autodoc-skip-member", _skip_foreign_members)
