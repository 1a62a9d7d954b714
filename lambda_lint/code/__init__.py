"""Layer 1: handler code, analysed with libcst. Entry point: :func:`lint_python`.

Not implemented yet (issue 3). The contract the engine relies on:

    lint_python(source: bytes, path: str, *, enabled: frozenset[str], reporter: Reporter,
                options: Mapping[str, Any], handler_names: frozenset[str] | None = None)
        -> dict  (JSON-serialisable facts for the project layer)

raises ParseFailure for undecodable/unparseable source (the engine makes it LL001).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from lambda_lint.findings import Reporter


def lint_python(source: bytes, path: str, *, enabled: frozenset, reporter: Reporter,
                options: Mapping[str, Any], handler_names: Optional[frozenset] = None) -> dict:
    from lambda_lint.errors import ParseFailure
    import libcst

    try:
        libcst.parse_module(source)
    except libcst.ParserSyntaxError as exc:
        raise ParseFailure(f"Python syntax error: {exc.message}", exc.raw_line, exc.raw_column + 1) from None
    return {}
