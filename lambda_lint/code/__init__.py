"""Layer 1: handler code, analysed with libcst. Entry point: :func:`lint_python`.

    lint_python(source: bytes, path: str, *, enabled: frozenset[str], reporter: Reporter,
                options: Mapping[str, Any], handler_names: frozenset[str] | None = None)
        -> dict  (JSON-serialisable facts for the project layer; schema in code/facts.py)

raises ParseFailure for undecodable/unparseable source (the engine makes it LL001). The
module is parsed once; every rule reads the same :class:`analysis.ModuleAnalysis`.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from lambda_lint.findings import Reporter


def decode_source(source: bytes) -> str:
    """Decode like the interpreter: BOM, PEP 263 coding cookie, else UTF-8.

    Raises ParseFailure (with the line/column of the first bad byte where known).
    """
    import codecs
    import io
    import tokenize

    from lambda_lint.errors import ParseFailure

    if isinstance(source, str):
        text = source
    else:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        except SyntaxError as exc:
            raise ParseFailure(f"cannot decode the file: {exc.msg}", getattr(exc, "lineno", 1) or 1, 1) from None
        try:
            text = source.decode(encoding)
        except UnicodeDecodeError as exc:
            line = source.count(b"\n", 0, exc.start) + 1
            col = exc.start - (source.rfind(b"\n", 0, exc.start) + 1) + 1
            raise ParseFailure(f"cannot decode the file as {encoding}: byte 0x{source[exc.start]:02x} is invalid "
                               f"({exc.reason}); declare the encoding with a '# -*- coding: ... -*-' line",
                               line, col) from None
        except LookupError:
            raise ParseFailure(f"cannot decode the file: unknown encoding {encoding!r}", 1, 1) from None
        if text.startswith("\ufeff"):
            text = text[1:]
        del codecs
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        col = nul - (text.rfind("\n", 0, nul) + 1) + 1
        raise ParseFailure("the file contains a null byte; it is not Python source", line, col)
    return text


def _too_deep(text: str, limit: int = 200) -> bool:
    """Bracket nesting deeper than CPython accepts (200)? Estimated at C speed: keep only the
    brackets and strip innermost pairs, one nesting level a pass. libcst's native parser can
    overflow its stack (a segfault, not an exception) on absurd nesting, so such files are
    checked with CPython's parser first."""
    import re

    s = re.sub(r"[^()\[\]{}]+", "", text)
    pairs = re.compile(r"\(\)|\[\]|\{\}")
    for _ in range(limit):
        s2 = pairs.sub("", s)
        if s2 == s or not s2:
            return False
        s = s2
    return True


def _quiet_compile(text: str, path: str = "") -> Any:
    """CPython's AST of ``text``, without printing its warnings (invalid escape sequences are
    the linted file's business, and a SyntaxWarning on stderr from Python 3.12 on)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compile(text, path or "<string>", "exec", 0x400, dont_inherit=True)  # PyCF_ONLY_AST


MAX_EXPR_DEPTH = 500


def _expr_too_deep(text: str, path: str = "", limit: int = MAX_EXPR_DEPTH) -> int:
    """Is an expression nested deeper than ``limit`` (a chain like ``a.b().b()...``,
    ``1 + 1 + ...``, ``x[0][0]...``, ``- - - 1``)? libcst's native parser is super-linear on
    those (a 20,000-term sum takes hours, issue 8), and no real handler comes near. Measured
    with CPython's parser (C speed, a fraction of libcst's time); a file CPython cannot
    parse (newer syntax, or a plain error) is left to libcst. Returns the line of the
    too-deep statement (1 when CPython gives no line), else 0."""
    import ast
    import warnings

    try:
        with warnings.catch_warnings():  # "invalid escape sequence" etc. are not ours to print
            warnings.simplefilter("ignore")
            tree = compile(text, path or "<string>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (RecursionError, MemoryError):
        return 1  # CPython itself gives up: deeper than ~3,000 levels
    except (SyntaxError, ValueError, OverflowError):
        return 0
    stack = [(tree, 1, 1)]
    pop, push, children = stack.pop, stack.append, ast.iter_child_nodes
    while stack:
        node, depth, line = pop()
        if depth > limit:
            return line
        for child in children(node):
            push((child, depth + 1, getattr(child, "lineno", line)))
    return 0


def parse_source(text: str, path: str = "") -> Any:
    """libcst parse with every failure turned into ParseFailure."""
    import libcst

    from lambda_lint.errors import ParseFailure

    if _too_deep(text):
        try:
            _quiet_compile(text, path)
        except SyntaxError as exc:
            raise ParseFailure(f"Python syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1) from None
        except (RecursionError, MemoryError, ValueError):
            raise ParseFailure("the code is nested too deeply to parse safely", 1, 1) from None
        raise ParseFailure("the code is nested too deeply to parse safely (brackets over 200 levels)", 1, 1)
    deep_line = _expr_too_deep(text, path)
    if deep_line:
        raise ParseFailure(f"an expression is nested more than {MAX_EXPR_DEPTH} levels deep (a very long chain "
                           f"of operators, calls or subscripts); too complex to analyse safely", deep_line, 1)
    try:
        return libcst.parse_module(text)
    except libcst.ParserSyntaxError as exc:
        msg = str(exc.message).strip().splitlines()[0] if exc.message else "invalid syntax"
        line, col = exc.raw_line, exc.raw_column + 1
        # CPython's own parser places most errors better (the line missing its colon, not the
        # next one) and words them better; ask it only now that the file failed anyway.
        try:
            _quiet_compile(text, path)  # PyCF_ONLY_AST
        except SyntaxError as py_exc:
            if py_exc.lineno:
                line, col = py_exc.lineno, py_exc.offset or 1
                msg = py_exc.msg
        except (ValueError, RecursionError, MemoryError):
            pass
        raise ParseFailure(f"Python syntax error: {msg}", line, col) from None
    except RecursionError:
        raise ParseFailure("the code is nested too deeply for the parser (RecursionError)", 1, 1) from None
    except (ValueError, TypeError, SyntaxError) as exc:  # libcst native parser oddities
        raise ParseFailure(f"Python syntax error: {exc}", 1, 1) from None


def lint_python(source: bytes, path: str, *, enabled: frozenset, reporter: Reporter,
                options: Mapping[str, Any], handler_names: Optional[frozenset] = None) -> dict:
    from lambda_lint.code.analysis import ModuleAnalysis
    from lambda_lint.code.facts import build_facts
    from lambda_lint.code.rules import RULE_CLASSES
    from lambda_lint.errors import ParseFailure
    from lambda_lint.rulebase import run_guarded

    text = decode_source(source)
    module = parse_source(text, path)
    try:
        analysis = ModuleAnalysis(module, text, path, handler_names=handler_names)
    except RecursionError:
        raise ParseFailure("the code is nested too deeply to analyse (RecursionError)", 1, 1) from None
    # Shared by LL101/LL102/LL106 (which loops are retry loops), so set before any rule runs.
    analysis.retry_exceptions = frozenset((options.get("LL102") or {}).get("retry-exceptions", ()))
    for cls in RULE_CLASSES:
        if cls.code in enabled:
            run_guarded(reporter, cls.code, cls().check, analysis, reporter, options)
    try:
        return build_facts(analysis)
    except RecursionError:
        return {"version": 1, "error": "nested too deeply", "functions": [], "handlers": [],
                "boto3_calls": [], "boto3_clients": [], "imports": {}}
