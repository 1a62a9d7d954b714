"""``lambda-lint server``: a language server over stdio (the ``[lsp]`` extra, pygls).

Split so the rest of lambda-lint never imports pygls: :mod:`.diagnostics` lints documents
and turns findings into LSP data (plain dicts, no pygls); :mod:`.server` is the pygls
wiring; :mod:`.actions` is where code actions live (the seam for ``--fix``).
"""

from __future__ import annotations

import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    args = list(argv or [])
    if args and args[0] in ("-h", "--help"):
        sys.stdout.write(
            "usage: lambda-lint server\n\n"
            "Speak the Language Server Protocol over stdin/stdout: diagnostics for Python handlers\n"
            "and SAM/CloudFormation templates (on open, change and save, with their project\n"
            "context), hover with the rule's documentation. Needs the [lsp] extra (pygls).\n")
        return 0
    if args and args[0] != "--stdio":
        sys.stderr.write(f"lambda-lint server: unknown argument {args[0]!r} (the server speaks over stdio)\n")
        return 2
    try:
        import pygls  # noqa: F401
    except ImportError:
        sys.stderr.write("lambda-lint: error: the language server needs pygls: "
                         "pip install 'lambda-lint[lsp]' (or pip install pygls)\n")
        return 2
    try:
        from lambda_lint.lsp.server import serve
    except ImportError as exc:  # pygls 1.x: another module layout
        sys.stderr.write(f"lambda-lint: error: the language server needs pygls 2 or later ({exc}): "
                         "pip install 'lambda-lint[lsp]'\n")
        return 2
    serve()
    return 0
