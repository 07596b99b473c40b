"""Functions longer than a number of code lines (STYLE.md aims at ~100).

A code line is a line of a function (from its ``def``, signature included)
that holds code: blank lines, comment-only lines and docstrings do not
count (a multi-line statement counts every line it spans).  Nested
functions count within their parent and on their own::

    python benchmarks/function_lengths.py            # skreg/, over 100 lines
    python benchmarks/function_lengths.py --over 60 skreg benchmarks
"""

import argparse
import ast
import io
import os
import sys
import tokenize


def _code_lines(source):
    """Line numbers holding a token other than comments, newlines and
    docstring-only strings."""
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        ):
            continue
        lines.update(range(tok.start[0], tok.end[0] + 1))
    return lines


def _docstring_lines(node):
    body = getattr(node, "body", None)
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return set(range(body[0].lineno, body[0].end_lineno + 1))
    return set()


def function_lengths(path):
    """``(qualified name, first line, code lines)`` of every function."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    code = _code_lines(source)
    out = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                lines = set(range(child.lineno, child.end_lineno + 1))
                n = len((lines & code) - _docstring_lines(child))
                out.append((name, child.lineno, n))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return out


def _python_files(paths):
    for top in paths:
        if os.path.isfile(top):
            yield top
            continue
        for root, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
            yield from (
                os.path.join(root, f) for f in sorted(files) if f.endswith(".py")
            )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["skreg"])
    parser.add_argument("--over", type=int, default=100, help="code lines")
    args = parser.parse_args(argv)
    rows = [
        (n, f"{path}:{line}", name)
        for path in _python_files(args.paths)
        for name, line, n in function_lengths(path)
        if n > args.over
    ]
    for n, where, name in sorted(rows, reverse=True):
        print(f"{n:5d}  {where}  {name}")
    print(f"{len(rows)} functions over {args.over} code lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
