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
        except (UnicodeError, ValueError, TypeError) as exc:
            # codecs such as punycode and idna raise a plain UnicodeError (no position)
            raise ParseFailure(f"cannot decode the file as {encoding}: {exc}", 1, 1) from None
        if text.startswith("\ufeff"):
            text = text[1:]
        del codecs
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        col = nul - (text.rfind("\n", 0, nul) + 1) + 1
        raise ParseFailure("the file contains a null byte; it is not Python source", line, col)
    return text


def _quiet_compile(text: str, path: str = "") -> Any:
    """CPython's AST of ``text``, without printing its warnings (invalid escape sequences are
    the linted file's business, and a SyntaxWarning on stderr from Python 3.12 on)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compile(text, path or "<string>", "exec", 0x400, dont_inherit=True)  # PyCF_ONLY_AST


MAX_EXPR_DEPTH = 500


def _guard(text: str, path: str) -> Any:
    """Refuse what libcst must not see; returns CPython's AST when CPython parses the file.

    Linear checks run first on every file, valid or not: a file longer than the token
    budget in characters is scanned (code/guard.py) before any parser allocates a node per
    token, so nothing over the budget reaches one. CPython's parser (C, linear) then decides: a
    valid file gets the exact AST-depth check; a file it rejects is scanned and handed to
    libcst only when the scan found nothing libcst is slow or unsafe on. Every path is
    bounded.
    """
    from lambda_lint.code import guard
    from lambda_lint.errors import ParseFailure, SkippedModule

    rep = None
    if len(text) > guard.MAX_TOKENS:  # a token is at least one character: shorter is under budget
        rep = guard.scan(text)
    if rep is not None and rep.over_budget:
        size = f"{len(text.encode('utf-8', 'surrogatepass')) / 1e6:.1f} MB, over {guard.MAX_TOKENS:,} tokens"
        if rep.data_like:
            raise SkippedModule(f"skipped: a generated data module ({size}, mostly literals), not handler "
                                f"code; exclude it to silence this note")
        raise ParseFailure(f"module too large to analyse safely ({size}; the budget for handler code is "
                           f"{guard.MAX_TOKENS:,} tokens); split it or exclude it", 1, 1)
    try:
        tree = _quiet_compile(text, path)
    except SyntaxError as exc:
        # Rejected: whether libcst may see it is the scan's call (it cannot crash or stall
        # on a file the scan passed). CPython's own words are the finding otherwise.
        rep = rep or guard.scan(text)
        problem = _problem(rep)
        if problem is not None:
            raise ParseFailure(f"Python syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1) from None
        return None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        problem = _problem(rep or guard.scan(text))
        message, line = problem or ("the code is nested too deeply to parse safely", 1)
        raise ParseFailure(message, line, 1) from None
    # CPython accepted it: its own bracket limit (200) held, and the exact AST check below
    # measures the chains, so the scan's estimates never refuse a valid file.
    deep_line = _ast_too_deep(tree)
    if deep_line:
        raise ParseFailure(f"an expression is nested more than {MAX_EXPR_DEPTH} levels deep (a very long chain "
                           f"of operators, calls or subscripts); too complex to analyse safely", deep_line, 1)
    return tree


def _problem(rep: Any) -> Any:
    """(message, line) when the scan found what libcst must not parse, else None."""
    from lambda_lint.code import guard

    problem = None
    if rep.depth > guard.MAX_BRACKET_DEPTH:
        problem = (f"brackets nested {rep.depth} levels deep (Python allows {guard.MAX_BRACKET_DEPTH}); "
                   f"too deep to parse safely", rep.depth_line)
    elif rep.chain > guard.MAX_CHAIN:
        problem = (f"an expression is nested too deeply: it chains {rep.chain} operators, calls or "
                   f"subscripts (over {guard.MAX_CHAIN}); too complex to analyse safely", rep.chain_line)
    return problem


def _ast_too_deep(tree: Any, limit: int = MAX_EXPR_DEPTH) -> int:
    """The line of a node nested deeper than ``limit`` in CPython's AST, else 0. libcst's
    native parser is super-linear on long chains (a 20,000-term sum took hours, issue 8)."""
    import ast

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

    _guard(text, path)
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


#: libcst's visitors and metadata providers recurse a few Python frames per nesting level:
#: 150 nested brackets or 400 nested lambdas (valid Python) exhaust the default limit of
#: 1,000 and every rule of the file became LL002. The analysis runs in a thread whose C
#: stack is sized for the deeper limit (address space is only reserved, not touched).
RECURSION_LIMIT = 20_000
STACK_BYTES = 256 * 1024 * 1024
_DEEP = [False]  # inside run_deep's thread (one analysis at a time: workers are processes)


def run_deep(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` with room for deep recursion; exceptions pass through."""
    import sys
    import threading

    if _DEEP[0]:
        return fn(*args, **kwargs)  # already inside (the project layer analysing a module)
    box: list = []

    def body() -> None:
        _DEEP[0] = True
        try:
            box.append((True, fn(*args, **kwargs)))
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            box.append((False, exc))
        finally:
            _DEEP[0] = False

    old_limit = sys.getrecursionlimit()
    try:
        old_stack = threading.stack_size(STACK_BYTES)
    except (ValueError, RuntimeError, MemoryError):
        return fn(*args, **kwargs)  # a platform without settable stacks: the default limit
    try:
        sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
        t = threading.Thread(target=body, name="lambda-lint-analysis", daemon=True)
        try:
            t.start()
        except (RuntimeError, MemoryError):  # no room for the stack (RLIMIT_AS): run here
            sys.setrecursionlimit(old_limit)
            return fn(*args, **kwargs)
        t.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    ok, value = box[0]
    if ok:
        return value
    raise value


def lint_python(source: bytes, path: str, *, enabled: frozenset, reporter: Reporter,
                options: Mapping[str, Any], handler_names: Optional[frozenset] = None) -> dict:
    return run_deep(_lint_python, source, path, enabled=enabled, reporter=reporter, options=options,
                    handler_names=handler_names)


def _lint_python(source: bytes, path: str, *, enabled: frozenset, reporter: Reporter,
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
