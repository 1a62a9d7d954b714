"""Shared predicates of the LL1xx rules (loops, retries, swallowed excepts, batch records).

Results that more than one rule needs (which loops are unbounded retries, which excepts
drop batch records) are computed once per module and cached on the analysis, so that the
rules can defer to each other: an LL102 loop is not also LL101, the except that makes a
loop LL102 is not also LL105, and an except that is LL106 is not also LL105.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

import libcst as cst

from lambda_lint.code.analysis import (Except, Func, Loop, ModuleAnalysis, block_body, contains_yield,
                                       dotted, is_broad_except, is_exit_stmt, own_statements, walk)

_NEVER_ENDING = frozenset({"itertools.count", "itertools.cycle"})
_DEADLINE_CALLS = frozenset({
    "time.time", "time.monotonic", "time.perf_counter", "time.time_ns", "time.monotonic_ns",
    "datetime.now", "datetime.utcnow", "datetime.datetime.now", "datetime.datetime.utcnow", "monotonic", "time",
})
_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)


def where(func: Optional[Func]) -> str:
    f = func
    while f is not None and f.kind != "function":
        f = f.parent
    return f.qualname if f is not None else "module level"


def function_name(func: Optional[Func]) -> Optional[str]:
    f = func
    while f is not None and f.kind != "function":
        f = f.parent
    return f.qualname if f is not None else None


def is_constant_true(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return node.value == "True"
    if isinstance(node, cst.Integer):
        try:
            return int(node.value.replace("_", ""), 0) != 0
        except ValueError:
            return False
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            return bool(node.evaluated_value)
        except Exception:  # noqa: BLE001
            return False
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return len(node.elements) > 0
    if isinstance(node, cst.Dict):
        return len(node.elements) > 0
    return False


def is_never_ending(an: ModuleAnalysis, loop: Loop) -> bool:
    """A constant-true ``while`` or a ``for`` over itertools.count()/cycle()/repeat(x)."""
    node = loop.node
    if isinstance(node, cst.While):
        return is_constant_true(node.test)
    it = node.iter  # type: ignore[attr-defined]
    if not isinstance(it, cst.Call):
        return False
    q = an.qualify(it.func)
    if q in _NEVER_ENDING:
        return True
    if q == "itertools.repeat":
        return len(it.args) == 1 and it.args[0].keyword is None
    return False


def own_smalls(loop: Loop) -> List[Tuple[cst.CSTNode, Tuple[cst.BaseExpression, ...]]]:
    if loop._own is None:
        loop._own = list(own_statements(block_body(loop.node.body)))  # type: ignore[attr-defined]
    return loop._own


# Exceptions that are not failures of the work: retrying on them is a wait or a new attempt
# with fresh input (EINTR, a name collision, an empty queue), not an outage retry.
_NOT_FAILURES = frozenset({
    "InterruptedError", "BlockingIOError", "FileExistsError", "Empty", "StopIteration",
    "StopAsyncIteration", "CancelledError", "KeyboardInterrupt", "GeneratorExit",
})


def catches_only_non_failures(handler: cst.CSTNode) -> bool:
    t = getattr(handler, "type", None)
    if t is None:
        return False
    items = [el.value for el in t.elements] if isinstance(t, cst.Tuple) else [t]
    return all((dotted(i) or "").split(".")[-1] in _NOT_FAILURES for i in items)


# What an outage looks like from the code: I/O, network, HTTP client and AWS SDK errors. A
# retry loop around a failing dependency catches these (or everything); a loop that catches
# ValueError/IndexError/KeyError while parsing its input is consuming data, not retrying.
_OUTAGE_NAMES = frozenset({
    "OSError", "IOError", "EnvironmentError", "error", "timeout", "gaierror", "herror",
    "ConnectionError", "ConnectionResetError", "ConnectionRefusedError", "ConnectionAbortedError",
    "BrokenPipeError", "TimeoutError", "URLError", "HTTPError", "HTTPException", "RemoteDisconnected",
    "IncompleteRead", "RequestException", "RequestError", "HTTPStatusError", "TransportError", "ProtocolError",
    "NewConnectionError", "MaxRetryError", "SSLError", "ClientError", "BotoCoreError", "ServerError",
    "ApiError", "APIError", "ServiceError", "RetryError", "WebSocketException", "OperationalError",
})
_OUTAGE_WORDS = ("Timeout", "Throttl", "Connection", "Connect", "Unavailable", "Exceeded", "TooManyRequests",
                 "Transient", "Retry", "Network", "Socket", "Http", "HTTP", "Request", "Response", "Client",
                 "Service", "Endpoint", "Server", "Remote", "Upstream", "Api", "API")


def catches_outages(handler: cst.CSTNode, extra: frozenset = frozenset()) -> bool:
    """Broad, or at least one caught type is an I/O, network, HTTP or AWS SDK error, or one
    the user named in LL102's ``retry-exceptions`` option (their own client's errors)."""
    if is_broad_except(handler):
        return True
    t = getattr(handler, "type", None)
    items = [el.value for el in t.elements] if isinstance(t, cst.Tuple) else [t]
    for item in items:
        full = dotted(item) or ""
        last = full.split(".")[-1]
        if last in _OUTAGE_NAMES or any(w in last for w in _OUTAGE_WORDS) or last in extra or full in extra:
            return True
    return False


def ended_by_expected_exception(loop: Loop) -> bool:
    """The loop sits in a try whose handlers catch narrowly: the drain-until-Empty idiom."""
    for tr in loop.tries:
        handlers = getattr(tr, "handlers", ())
        if handlers and not any(is_broad_except(h) for h in handlers):
            return True
    return False


def has_own_exit(an: ModuleAnalysis, loop: Loop) -> bool:
    """A reachable way out: a ``break`` of this loop, or a ``return``, ``raise`` or
    ``sys.exit()`` anywhere in its body, nested loops included (they leave every enclosing
    loop; only nested functions and classes are someone else's)."""
    for small, _ in own_smalls(loop):
        if is_exit_stmt(an, small):
            return True
        if type(small) in (cst.For, cst.While) and _leaves_function(an, small):
            return True
    return False


def _leaves_function(an: ModuleAnalysis, loop_node: cst.CSTNode) -> bool:
    """Does a nested loop's body hold a return, raise or exit call (at any loop depth)?"""
    stack = [loop_node]
    while stack:
        node = stack.pop()
        for small, _ in own_statements(block_body(node.body)):  # type: ignore[attr-defined]
            tp = type(small)
            if tp is cst.For or tp is cst.While:
                stack.append(small)
            elif tp is not cst.Break and is_exit_stmt(an, small):
                return True
    return False


def has_own_yield(loop: Loop) -> bool:
    return any(contains_yield(small) for small, _ in own_smalls(loop))


def is_bound_expr(an: ModuleAnalysis, expr: cst.BaseExpression, func: Func, depth: int = 0) -> bool:
    """A test that bounds a loop: an ordering comparison (attempts < N, time.time() > deadline),
    a comparison on a counter that the function increments, a deadline call, or a counter
    that is decremented (``while retries:``). A local flag is followed to what it was
    computed from (``final = remaining <= 0.05`` ... ``if final: raise``)."""
    counters = func.augassigns
    if depth < 2:
        for node in walk(expr):
            if isinstance(node, cst.Name) and node.value not in counters:
                for value in func.assigns.get(node.value, ())[-1:]:
                    if not isinstance(value, cst.Call) and is_bound_expr(an, value, func, depth + 1):
                        return True
    for node in walk(expr):
        if isinstance(node, cst.Comparison):
            for t in node.comparisons:
                if isinstance(t.operator, _ORDERING):
                    return True
            names = {dotted(node.left)} | {dotted(t.comparator) for t in node.comparisons}
            if names & counters:
                return True
        elif isinstance(node, cst.Call):
            q = an.qualify(node.func) or ""
            if q in _DEADLINE_CALLS or q.endswith("get_remaining_time_in_millis"):
                return True
        elif isinstance(node, (cst.Name, cst.Attribute)):
            d = dotted(node)
            if d in counters:
                return True
    return False


def _paths(an: ModuleAnalysis, stmts: Any) -> Tuple[bool, bool]:
    """(some path hits ``continue``, some path reaches the end) of a block of statements.

    Path-sensitive on if/else, try, with and match, so that an except which re-raises only
    for other errors (``if code == "Throttling": sleep; continue`` / ``raise``) still goes
    round on the throttling path. Nested loops and defs are opaque (they fall through)."""
    rounds = False
    for stmt in stmts:
        tp = type(stmt)
        if tp is cst.SimpleStatementLine or tp is cst.SimpleStatementSuite:
            for small in stmt.body:  # type: ignore[attr-defined]
                if type(small) is cst.Continue:
                    return True, False
                if is_exit_stmt(an, small):
                    return rounds, False
            continue
        if tp is cst.If:
            r, f = _if_paths(an, stmt)
        elif tp is cst.With:
            r, f = _paths(an, block_body(stmt.body))  # type: ignore[attr-defined]
        elif tp is cst.Try or tp is cst.TryStar:
            r, f = _paths(an, block_body(stmt.body))  # type: ignore[attr-defined]
            if f and stmt.orelse is not None:  # type: ignore[attr-defined]
                r2, f = _paths(an, block_body(stmt.orelse.body))  # type: ignore[attr-defined]
                r = r or r2
            for h in stmt.handlers:  # type: ignore[attr-defined]
                rh, fh = _paths(an, block_body(h.body))
                r, f = r or rh, f or fh
        elif tp is cst.Match:
            r, f = False, True
            for case in stmt.cases:  # type: ignore[attr-defined]
                rc, _ = _paths(an, block_body(case.body))
                r = r or rc
        else:
            r, f = False, True
        rounds = rounds or r
        if not f:
            return rounds, False
    return rounds, True


def _if_paths(an: ModuleAnalysis, node: cst.If) -> Tuple[bool, bool]:
    r1, f1 = _paths(an, block_body(node.body))
    if node.orelse is None:
        return r1, True
    if isinstance(node.orelse, cst.If):
        r2, f2 = _if_paths(an, node.orelse)
    else:
        r2, f2 = _paths(an, block_body(node.orelse.body))
    return r1 or r2, f1 or f2


def _goes_round(an: ModuleAnalysis, ex: Except, loop: Loop) -> bool:
    """Some path through the except body ``continue``s, or falls through to statements that
    do not leave the loop: it does not raise, break, return or exit on every path (an except
    that re-raises only other errors still retries the ones it keeps). An except that
    assigns a fallback and falls through to a ``break``/``return`` after the try leaves."""
    if _keeps_only_interrupts(ex):
        return False
    rounds, falls = _paths(an, block_body(ex.node.body))  # type: ignore[attr-defined]
    if rounds:
        return True
    return falls and not _continuation_leaves(an, block_body(loop.node.body), ex.try_node)  # type: ignore[attr-defined]


# errno values that mean "not a failure, call again": a signal interrupted the call, or a
# non-blocking call has nothing yet.
_INTERRUPT_ERRNOS = frozenset({"EINTR", "EAGAIN", "EWOULDBLOCK", "EINPROGRESS", "EALREADY"})


def _keeps_only_interrupts(ex: Except) -> bool:
    """``except OSError as e: if e.errno == errno.EINTR: continue`` + ``raise``: the except
    re-raises, and what it keeps is selected by a test on an interrupt errno. Going round
    on EINTR is the documented way to restart a system call, not a retry of a failure."""
    body = block_body(ex.node.body)  # type: ignore[attr-defined]
    smalls = list(own_statements(body))
    if not any(type(s) is cst.Raise for s, _ in smalls):
        return False
    tests = [c for _, conds in smalls for c in conds]
    tests += [s.test for s in body if isinstance(s, cst.If)]
    for t in tests:
        for n in walk(t):
            d = dotted(n) if isinstance(n, (cst.Name, cst.Attribute)) else None
            if d and d.split(".")[-1] in _INTERRUPT_ERRNOS:
                return True
    return False


def _continuation_leaves(an: ModuleAnalysis, body: Any, target: cst.CSTNode) -> bool:
    """After ``target`` (a try somewhere in ``body``) completes normally, does every path
    leave the loop (break, return, raise, exit) before the end of the loop body? Nested
    loops, functions and classes are not entered (a try there is not this loop's)."""
    chain = _block_chain(body, target)
    if chain is None:
        return False
    for rest in chain:  # innermost block first
        rounds, falls = _paths(an, rest)
        if rounds:
            return False
        if not falls:
            return True
    return False


def _block_chain(stmts: Any, target: cst.CSTNode) -> Optional[List[Any]]:
    """The statements that follow ``target`` in each enclosing block, innermost first."""
    for i, stmt in enumerate(stmts):
        if stmt is target:
            return [list(stmts[i + 1:])]
        for inner in _sub_blocks(stmt):
            found = _block_chain(inner, target)
            if found is not None:
                return found + [list(stmts[i + 1:])]
    return None


def _sub_blocks(stmt: cst.CSTNode) -> List[Any]:
    tp = type(stmt)
    if tp is cst.If:
        out = [block_body(stmt.body)]  # type: ignore[attr-defined]
        orelse = stmt.orelse  # type: ignore[attr-defined]
        if isinstance(orelse, cst.If):
            out.append([orelse])
        elif orelse is not None:
            out.append(block_body(orelse.body))
        return out
    if tp is cst.With:
        return [block_body(stmt.body)]  # type: ignore[attr-defined]
    if tp is cst.Try or tp is cst.TryStar:
        out = [block_body(stmt.body)]  # type: ignore[attr-defined]
        out += [block_body(h.body) for h in stmt.handlers]  # type: ignore[attr-defined]
        for part in (stmt.orelse, stmt.finalbody):  # type: ignore[attr-defined]
            if part is not None:
                out.append(block_body(part.body))
        return out
    if tp is cst.Match:
        return [block_body(c.body) for c in stmt.cases]  # type: ignore[attr-defined]
    return []


# Calls that hand out the next piece of work: a consumer loop takes fresh input every round.
_TAKE_CALLS = frozenset({"get", "get_nowait", "pop", "popleft", "recv", "receive", "receive_messages",
                         "receive_message", "read", "readline", "next", "__next__", "accept", "dequeue", "take"})


def consumes_fresh_input(an: ModuleAnalysis, loop: Loop) -> bool:
    """A work-queue loop: ``job = q.get()`` at the top of the body and an exit on it
    (``if job is None: return``). Every round works on a new item, so an except inside
    does not retry the same call, and the sentinel ends the loop."""
    body = block_body(loop.node.body)  # type: ignore[attr-defined]
    taken: Set[str] = set()
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                value = getattr(small, "value", None)
                if isinstance(value, cst.Await):
                    value = value.expression
                if isinstance(small, (cst.Assign, cst.AnnAssign)) and isinstance(value, cst.Call):
                    f = value.func
                    meth = f.attr.value if isinstance(f, cst.Attribute) else dotted(f)
                    if meth in _TAKE_CALLS:
                        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                        taken |= {n.value for t in targets for n in walk(t) if isinstance(n, cst.Name)}
        elif isinstance(stmt, cst.If) and taken:
            if any(isinstance(n, cst.Name) and n.value in taken for n in walk(stmt.test)):
                if any(type(s) in (cst.Break, cst.Return) for s, _ in own_statements(block_body(stmt.body))):
                    return True
    return False


def caught_names(an: ModuleAnalysis, excepts: List[Except]) -> Optional[str]:
    """``ClientError, OSError`` for excepts that name their types; None when one is broad."""
    names: List[str] = []
    for ex in excepts:
        t = getattr(ex.node, "type", None)
        if t is None or is_broad_except(ex.node):
            return None
        items = [el.value for el in t.elements] if isinstance(t, cst.Tuple) else [t]
        for item in items:
            text = an.code(item).strip()
            if text not in names:
                names.append(text)
    return ", ".join(names)


def _assigned_names(stmts: Any) -> Set[str]:
    out: Set[str] = set()
    for small, _ in own_statements(stmts):
        if isinstance(small, cst.Assign):
            for t in small.targets:
                stack = [t.target]
                while stack:  # names and tuple/list unpacking; not attributes or subscripts
                    n = stack.pop()
                    if isinstance(n, cst.Name):
                        out.add(n.value)
                    elif isinstance(n, (cst.Tuple, cst.List)):
                        stack.extend(el.value for el in n.elements)
        elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
            d = dotted(small.target)
            if d:
                out.add(d)
    return out


def _outside_tries(stmts: Any, tries: Set[int]) -> List[cst.CSTNode]:
    """``stmts`` with the bodies (and ``else``) of the given try statements left out; their
    handlers and ``finally`` kept."""
    out: List[cst.CSTNode] = []
    for stmt in stmts:
        if id(stmt) in tries:
            for h in stmt.handlers:  # type: ignore[attr-defined]
                out.extend(block_body(h.body))
            if stmt.finalbody is not None:  # type: ignore[attr-defined]
                out.extend(block_body(stmt.finalbody.body))  # type: ignore[attr-defined]
        elif type(stmt) in (cst.If, cst.With, cst.Try, cst.TryStar, cst.Match):
            for block in _sub_blocks(stmt):
                out.extend(_outside_tries(block, tries))
        else:
            out.append(stmt)
    return out


def retry_loops(an: ModuleAnalysis) -> Dict[int, Tuple[Loop, List[Except]]]:
    """id(loop node) -> (loop, the excepts that send it round again) for LL102 loops."""
    cached = getattr(an, "_retry_loops", None)
    if cached is not None:
        return cached
    out: Dict[int, Tuple[Loop, List[Except]]] = {}
    by_loop: Dict[int, List[Except]] = {}
    for ex in an.excepts:
        if ex.loops:
            by_loop.setdefault(id(ex.loops[-1].node), []).append(ex)
    for loop in an.loops:
        excepts = by_loop.get(id(loop.node))
        if not excepts:
            continue
        func = loop.func
        node = loop.node
        if isinstance(node, cst.For):
            if not is_never_ending(an, loop):
                continue  # a for over a finite iterable is bounded
        extra = getattr(an, "retry_exceptions", frozenset())
        round_excepts = [ex for ex in excepts if catches_outages(ex.node, extra)
                         and not catches_only_non_failures(ex.node) and _goes_round(an, ex, loop)]
        if not round_excepts:
            continue
        if consumes_fresh_input(an, loop):
            continue  # a work-queue consumer: each round is a new item, the sentinel ends it
        if isinstance(node, cst.While) and not is_constant_true(node.test):
            if is_bound_expr(an, node.test, func):
                continue
            # Only a plain local can be proven to change on the success path alone: an
            # attribute or a call (``while not self._coord.exception``) is state that the
            # failure itself, another thread or the callee can set.
            if any(isinstance(n, (cst.Attribute, cst.Call, cst.Subscript, cst.Await)) for n in walk(node.test)):
                continue
            names = {n.value for n in walk(node.test) if isinstance(n, cst.Name)}
            success: Set[str] = set()
            failure: Set[str] = set()
            for ex in round_excepts:
                tn = ex.try_node
                success |= _assigned_names(block_body(tn.body))  # type: ignore[attr-defined]
                if tn.orelse is not None:  # type: ignore[attr-defined]
                    success |= _assigned_names(block_body(tn.orelse.body))  # type: ignore[attr-defined]
                for h in tn.handlers:  # type: ignore[attr-defined]
                    failure |= _assigned_names(block_body(h.body))
            # Assigned outside the try as well (``cf = cf.tb_next`` at the end of the body):
            # the loop advances on the failure path too, it walks rather than retries.
            failure |= _assigned_names(_outside_tries(block_body(node.body), {id(ex.try_node) for ex in round_excepts}))
            if not (names & success) or (names & failure):
                continue
        bounded = False
        for small, conds in own_smalls(loop):
            if is_exit_stmt(an, small) and any(is_bound_expr(an, c, func) for c in conds):
                bounded = True
                break
        if bounded:
            continue
        out[id(node)] = (loop, round_excepts)
    an._retry_loops = out  # type: ignore[attr-defined]
    return out


# --------------------------------------------------------------------------- batch records

_SEND_OPS = frozenset({
    "send_message", "send_message_batch", "put_record", "put_records", "publish", "publish_batch",
    "put_item", "put_object", "put_events", "start_execution", "invoke", "upload_fileobj", "upload_file",
    "batch_write_item", "put_record_batch", "change_message_visibility",
})
_FAILURE_WORDS = ("dlq", "dead_letter", "deadletter", "fail", "quarantine", "requeue", "retry", "park")


def _failure_lists(an: ModuleAnalysis, func: Func) -> Set[str]:
    """Names that flow into the ``batchItemFailures`` the function returns. Only that key
    counts: ``{"statusCode": 200, "errors": errors}`` reports nothing to Lambda. A bare
    returned list counts when the module builds ``batchItemFailures`` somewhere (a helper
    that returns the failures to the handler)."""
    names: Set[str] = set()
    module_bif = any(f.bif for f in an.functions)

    def from_value(v: Any) -> None:
        if isinstance(v, cst.Name):
            if module_bif:
                names.add(v.value)
        elif isinstance(v, cst.Dict):
            for el in v.elements:
                if isinstance(el, cst.DictElement) and _literal_key(el.key) == "batchItemFailures":
                    # {"batchItemFailures": failed} or built from it:
                    # [{"itemIdentifier": i} for i in failed], list(failed), ...
                    names.update(n.value for n in walk(el.value) if isinstance(n, cst.Name))

    for r in func.returns:
        from_value(r.value)
    for vals in func.assigns.values():
        for v in vals:
            if isinstance(v, cst.Dict):
                from_value(v)
    return names


def _literal_key(node: Any) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        try:
            v = node.evaluated_value
        except Exception:  # noqa: BLE001
            return None
        return v if isinstance(v, str) else None
    return None


def _is_constant(node: cst.BaseExpression) -> bool:
    """A literal, or a dict/list/tuple/set of literals (``{"ok": False}``): a status, not data."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.Dict):
        return all(isinstance(el, cst.DictElement) and _is_constant(el.key) and _is_constant(el.value)
                   for el in node.elements)
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(isinstance(el, cst.Element) and _is_constant(el.value) for el in node.elements)
    return isinstance(node, cst.Name) and node.value in ("None", "True", "False")


def _goes_on_with_fallback(an: ModuleAnalysis, ex: Except, rec: Loop) -> bool:
    """The except substitutes a value and falls through to code after the try that uses
    it: ``except ValueError: payload = {"raw": body}`` then ``save(payload)``. The record
    is still processed, with the fallback."""
    body = block_body(ex.node.body)  # type: ignore[attr-defined]
    rounds, falls = _paths(an, body)
    if not falls:
        return False
    chain = _block_chain(block_body(rec.node.body), ex.try_node)  # type: ignore[attr-defined]
    return bool(chain) and substitutes_fallback(body, block_body(ex.try_node.body),  # type: ignore[attr-defined]
                                                [s for rest in chain for s in rest])


def substitutes_fallback(handler_body: Any, try_body: Any, after: Any) -> bool:
    """The except assigns a substitute for a value the try computes (assigned there too,
    and not a constant: a status flag such as ``status = "failed"`` records nothing Lambda
    sees), and the statements ``after`` the try use it."""
    computed = _assigned_names(try_body)
    assigned: Set[str] = set()
    for small, _ in own_statements(handler_body):
        if isinstance(small, cst.Assign) and not _is_constant(small.value):
            assigned |= _assigned_names([cst.SimpleStatementLine(body=[small])]) & computed
    if not assigned:
        return False
    return any(isinstance(n, cst.Name) and n.value in assigned for stmt in after for n in walk(stmt))


_REPORT_OPS = _SEND_OPS | {"put_evaluations", "send_task_failure", "put_metric_data"}
# Calls that only log or shape a response: the handler is just returning.
_INERT_CALLS = frozenset({"print", "str", "int", "float", "bool", "dict", "list", "len", "repr", "format",
                          "dumps", "json.dumps", "isinstance", "getattr", "get"})
_LOG_HEADS = ("logger", "logging", "log", "LOGGER", "LOG", "_logger", "tracer", "metrics")


def falls_through(an: ModuleAnalysis, stmts: Any) -> bool:
    """Some path through ``stmts`` reaches their end (no return/raise/exit on every path)."""
    return _paths(an, stmts)[1]


def forwards_failure(an: ModuleAnalysis, stmts: Any) -> bool:
    """The block sends the failure on: a boto3 send/put or a call named for failures."""
    for stmt in stmts:
        for node in walk(stmt):
            if type(node) is cst.Call:
                f = node.func
                if isinstance(f, cst.Attribute) and f.attr.value in _REPORT_OPS:
                    return True
                name = (dotted(f) or "").lower().split(".")[-1]
                if any(w in name for w in _FAILURE_WORDS):
                    return True
    return False


def does_work(an: ModuleAnalysis, stmts: Any) -> bool:
    """A call in ``stmts`` other than logging, printing or building the response."""
    for stmt in stmts:
        for node in walk(stmt):
            if type(node) is cst.Call:
                d = dotted(node.func) or ""
                if d.split(".")[0] in _LOG_HEADS or d in _INERT_CALLS or d.split(".")[-1] in _INERT_CALLS:
                    continue
                return True
    return False


def record_handled(an: ModuleAnalysis, ex: Except) -> bool:
    """The except re-raises, records a batch item failure or sends the record elsewhere."""
    lists = None
    for stmt in block_body(ex.node.body):  # type: ignore[attr-defined]
        for node in walk(stmt):
            tp = type(node)
            if tp is cst.Raise:
                return True
            if tp is cst.SimpleString and ("batchItemFailures" in node.value or "itemIdentifier" in node.value):
                return True
            if tp is cst.Call:
                f = node.func
                if isinstance(f, cst.Attribute):
                    meth = f.attr.value
                    if meth in _SEND_OPS:
                        return True
                    if meth in ("append", "extend", "add", "insert") and isinstance(f.value, cst.Name):
                        if lists is None:
                            lists = _failure_lists(an, ex.func)
                        if f.value.value in lists:
                            return True
                name = (dotted(f) or "").lower()
                if any(w in name.split(".")[-1] for w in _FAILURE_WORDS):
                    return True
    return False


def dropped_record_excepts(an: ModuleAnalysis) -> Dict[int, Tuple[Except, Loop]]:
    """id(except node) -> (except, record loop) for LL106."""
    cached = getattr(an, "_dropped", None)
    if cached is not None:
        return cached

    out: Dict[int, Tuple[Except, Loop]] = {}
    retry = retry_loops(an)
    rec_cache: Dict[int, List[Loop]] = {}
    for ex in an.excepts:
        if not ex.loops or not is_broad_except(ex.node):
            continue
        func = ex.func
        key = id(func)
        if key not in rec_cache:
            rec_cache[key] = record_loops(an, func) if func.kind == "function" else []
        recs = rec_cache[key]
        if not recs:
            continue
        rec_ids = {id(lp.node) for lp in recs}
        rec = next((lp for lp in ex.loops if id(lp.node) in rec_ids), None)
        if rec is None:
            continue
        if id(ex.loops[-1].node) in retry and ex in retry[id(ex.loops[-1].node)][1]:
            continue  # retried forever, reported as LL102
        if record_handled(an, ex):
            continue
        if id(ex.try_node) in _nested_in_handling(an):
            continue  # the enclosing except (or finally) decides the record's fate
        if _goes_on_with_fallback(an, ex, rec):
            continue
        out[id(ex.node)] = (ex, rec)
    an._dropped = out  # type: ignore[attr-defined]
    return out


# --------------------------------------------------------------------------- best-effort cleanup

# Calls that release something: their failure during teardown has nowhere useful to go.
# Verbs that can be the work itself (``obj.delete()``, ``ec2.stop_instances``, ``cancel``)
# are teardown only in a teardown context (a finally, a handling except, a close()), which
# is_best_effort_cleanup checks separately.
_TEARDOWN_CALLS = frozenset({
    "close", "aclose", "shutdown", "unlink", "rmtree", "rmdir", "release", "disconnect", "cleanup",
    "clean_up", "dispose", "quit", "logout", "unsubscribe", "detach", "join", "task_done", "close_connection",
})
_TEARDOWN_QUALIFIED = frozenset({"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree"})
# The first word of a function's name that says it tears something down (``close``,
# ``_cleanup_all``, ``__exit__``).
_TEARDOWN_WORDS = frozenset({"close", "cleanup", "teardown", "shutdown", "dispose", "release", "disconnect",
                             "terminate", "destroy", "finalize", "finalise", "del", "exit", "aexit", "atexit"})


def _nested_in_handling(an: ModuleAnalysis) -> Set[int]:
    """id() of every try statement that sits in an ``except`` body or a ``finally`` body:
    code that runs after a failure is already in hand (or on the way out)."""
    cached = an.__dict__.get("_nested_in_handling")
    if cached is not None:
        return cached
    out: Set[int] = set()
    for node in walk(an.module):
        if type(node) is cst.Try or type(node) is cst.TryStar:
            parts = [h.body for h in node.handlers]  # type: ignore[attr-defined]
            if node.finalbody is not None:  # type: ignore[attr-defined]
                parts.append(node.finalbody.body)  # type: ignore[attr-defined]
            for part in parts:
                for inner in walk(part):
                    if type(inner) in (cst.Try, cst.TryStar, cst.With):
                        out.add(id(inner))
    an.__dict__["_nested_in_handling"] = out
    return out


def _is_teardown_call(an: ModuleAnalysis, node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Await):
        node = node.expression
    if not isinstance(node, cst.Call):
        return False
    f = node.func
    if (an.qualify(f) or "") in _TEARDOWN_QUALIFIED:
        return True
    name = f.attr.value if isinstance(f, cst.Attribute) else (dotted(f) or "")
    return name.split(".")[-1] in _TEARDOWN_CALLS


def is_best_effort_cleanup(an: ModuleAnalysis, ex: Except) -> bool:
    """A swallow that is not hiding the work's failure: it sits in a ``finally`` or inside
    an ``except`` that already handles the failure (logs, records or re-raises it), or it
    guards only teardown calls (``conn.close()``, ``os.unlink(tmp)``), or it is in a
    function that tears something down (``close``, ``__exit__``, an ``atexit`` hook).
    A handler's own name never counts: ``stop_instances`` may be the function's whole job."""
    return _best_effort(an, ex.try_node, ex.func)


def keeps_default(an: ModuleAnalysis, ex: Except) -> bool:
    """The try only improves on a value that already has a default, which the code after
    it reads: ``enc = None`` ... ``try: enc = locale.getpreferredencoding()`` /
    ``except Exception: pass`` ... ``enc = enc or "utf-8"``. The failure leaves the default
    in place, exactly like ``except Exception: enc = None``, which counts as handling."""
    func = ex.func
    if func.kind == "class":
        return False
    targets: Set[str] = set()
    for small, _ in own_statements(block_body(ex.try_node.body)):  # type: ignore[attr-defined]
        if isinstance(small, (cst.Assign, cst.AnnAssign)):
            ts = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            targets |= {t.value for t in ts if isinstance(t, cst.Name)}
    defaults = {n for n in targets if n in func.params or len(func.assigns.get(n, ())) >= 2}
    if not defaults:
        return False
    body = block_body(func.node.body) if func.kind == "function" else func.node.body  # type: ignore[union-attr]
    chain = _block_chain(body, ex.try_node)
    for rest in chain or ():
        for stmt in rest:
            if any(isinstance(n, cst.Name) and n.value in defaults for n in walk(stmt)):
                return True
    return False


def _best_effort(an: ModuleAnalysis, block: cst.CSTNode, func: Func) -> bool:
    """``block``: the try (or ``with suppress(...)``) whose failures are discarded."""
    if id(block) in _nested_in_handling(an):
        return True
    smalls = [s for s, _ in own_statements(block_body(block.body))]  # type: ignore[attr-defined]
    if smalls and all(type(s) is cst.Expr and _is_teardown_call(an, s.value) for s in smalls):  # type: ignore[attr-defined]
        return True
    f = func.enclosing_function()
    if f is not None and not f.is_handler:
        words = [w for w in f.name.lower().split("_") if w]
        if (words and words[0] in _TEARDOWN_WORDS) or any(d.split(".")[-1] == "register" and d.startswith("atexit")
                                          for d in f.decorators):
            return True
    return False


def is_best_effort_suppress(an: ModuleAnalysis, with_node: cst.With, func: Func) -> bool:
    """``with contextlib.suppress(Exception):`` around teardown: see is_best_effort_cleanup."""
    return _best_effort(an, with_node, func)


# --------------------------------------------------------------------------- unbounded polls (LL107)

# A state value that says the job ended badly: a poll that tests for one of these handles failure.
_FAILURE_STATE_WORDS = ("fail", "error", "cancel", "abort", "timed_out", "timedout", "timeout", "reject",
                        "rollback", "denied", "expired", "unhealthy")
# Calls that are not a poll: pure conversions and look-ups on values already in hand.
_NOT_POLL_CALLS = frozenset({
    "len", "str", "int", "float", "bool", "list", "dict", "set", "tuple", "sorted", "min", "max", "any", "all",
    "isinstance", "hasattr", "getattr", "print", "range", "enumerate", "zip", "repr", "format", "lower", "upper",
    "strip", "split", "startswith", "endswith", "items", "keys", "values", "copy", "json.loads", "loads",
    "json.dumps", "dumps",
})


def _is_sleep(an: ModuleAnalysis, node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Await):
        node = node.expression
    if not isinstance(node, cst.Call):
        return False
    return (an.qualify(node.func) or dotted(node.func) or "").split(".")[-1] == "sleep"


def _poll_calls(an: ModuleAnalysis, expr: cst.CSTNode) -> List[cst.Call]:
    """Calls in ``expr`` that ask something outside the function (not conversions, not
    dict ``.get("key")`` look-ups, not sleeps)."""
    out = []
    for node in walk(expr):
        if not isinstance(node, cst.Call) or _is_sleep(an, node):
            continue
        d = an.qualify(node.func) or dotted(node.func) or ""
        last = d.split(".")[-1]
        if d in _NOT_POLL_CALLS or last in _NOT_POLL_CALLS:
            continue
        if last in ("get", "pop") and node.args and isinstance(node.args[0].value, cst.SimpleString):
            continue  # resp.get("Status"): a look-up in what an earlier call returned
        out.append(node)
    return out


def _literals(expr: cst.CSTNode) -> List[Any]:
    out = []
    for node in walk(expr):
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            try:
                out.append(node.evaluated_value)
            except Exception:  # noqa: BLE001
                pass
    return out


def _failure_literal(expr: cst.CSTNode) -> bool:
    return any(isinstance(v, str) and any(w in v.lower() for w in _FAILURE_STATE_WORDS) for v in _literals(expr))


def _success_test(expr: cst.BaseExpression) -> bool:
    """A positive test: ``x == "READY"``, ``x in ("ACTIVE", "AVAILABLE")``, ``x is not None``,
    ``job.done()``, ``resp["Ready"]`` (and ``and`` of such). Negative tests (``not token``,
    ``x is None``, ``x != "RUNNING"``, ``"NextToken" not in resp``) wait for an absence or leave
    on any other state: pagination, draining, terminal-state handling."""
    if isinstance(expr, cst.BooleanOperation):
        if isinstance(expr.operator, cst.Or):
            return _success_test(expr.left) and _success_test(expr.right)
        return _success_test(expr.left) or _success_test(expr.right)
    if isinstance(expr, cst.UnaryOperation):
        return False
    if isinstance(expr, cst.Comparison):
        for t in expr.comparisons:
            if isinstance(t.operator, (cst.Equal, cst.In, cst.IsNot)):
                continue
            if isinstance(t.operator, cst.Is) and isinstance(t.comparator, cst.Name) and t.comparator.value == "True":
                continue
            return False
        return True
    return isinstance(expr, (cst.Name, cst.Attribute, cst.Subscript, cst.Call, cst.Await))


def _wait_test(expr: cst.BaseExpression) -> bool:
    """A ``while`` test that holds until success: ``status != "DONE"``, ``status not in
    ("ACTIVE",)``, ``not ready``, ``result is None``, ``not job.done()``."""
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        return isinstance(expr.expression, (cst.Name, cst.Attribute, cst.Subscript, cst.Call, cst.Await))
    if isinstance(expr, cst.Comparison) and len(expr.comparisons) == 1:
        t = expr.comparisons[0]
        if isinstance(t.operator, (cst.NotEqual, cst.NotIn)):
            return bool(_literals(t.comparator)) or isinstance(t.comparator, (cst.Name, cst.Attribute))
        if isinstance(t.operator, cst.Is) and isinstance(t.comparator, cst.Name) and t.comparator.value == "None":
            return True
    return False


def _polled_names(an: ModuleAnalysis, loop: Loop) -> Set[str]:
    """Names the loop body (re)assigns from an expression that polls something."""
    out: Set[str] = set()
    polled_now: Set[str] = set()
    for small, _ in own_smalls(loop):
        if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
            value = small.value
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            names = {n.value for t in targets for n in walk(t)
                     if isinstance(n, cst.Name) and not isinstance(t, (cst.Attribute, cst.Subscript))}
            refs = {n.value for n in walk(value) if isinstance(n, cst.Name)}
            if _poll_calls(an, value) or refs & polled_now:
                out |= names
                polled_now |= names
    return out


def poll_loops(an: ModuleAnalysis) -> Dict[int, Tuple[Loop, cst.Call]]:
    """id(loop node) -> (loop, the poll call) for LL107: a loop that asks something every
    round, sleeps, and leaves only when the answer is the success value. Loops that are
    LL102 retries are not polls (one finding a loop); LL101 loops have no exit at all."""
    cached = an.__dict__.get("_poll_loops")
    if cached is not None:
        return cached
    out: Dict[int, Tuple[Loop, cst.Call]] = {}
    retry = retry_loops(an)
    for loop in an.loops:
        node = loop.node
        if id(node) in retry:
            continue
        forever = is_never_ending(an, loop)
        if not forever and not (isinstance(node, cst.While) and _wait_test(node.test)):
            continue
        smalls = own_smalls(loop)
        if not any(type(s) is cst.Expr and _is_sleep(an, s.value) for s, _ in smalls):  # type: ignore[attr-defined]
            continue
        in_handlers: Set[int] = set()
        for tr in _own_tries(loop):
            for h in tr.handlers:  # type: ignore[attr-defined]
                in_handlers |= {id(n) for n in walk(h.body) if type(n) is cst.Raise}
        if any(type(s) is cst.Raise and id(s) not in in_handlers for s, _ in smalls):
            continue  # raises on a failure state (or gives up); a raise when the poll call fails does not count
        if has_own_yield(loop):
            continue
        func = loop.func
        polled = _polled_names(an, loop)
        exits = [(s, conds) for s, conds in smalls if is_exit_stmt(an, s) and id(s) not in in_handlers]
        if any(type(s) in (cst.For, cst.While) and _leaves_function(an, s) for s, _ in smalls):
            continue
        tests: List[cst.BaseExpression] = []
        if not forever:
            if is_bound_expr(an, node.test, func) or _failure_literal(node.test):
                continue
            tests.append(node.test)
        elif not exits:
            continue  # no way out at all: LL101
        ok = True
        for s, conds in exits:
            if not conds or not _success_test(conds[-1]) or any(is_bound_expr(an, c, func) for c in conds) \
                    or any(_failure_literal(c) for c in conds):
                ok = False
                break
            tests.append(conds[-1])
        if not ok:
            continue
        call: Optional[cst.Call] = None
        for t in tests:  # every way out must depend on what this round asked
            calls = _poll_calls(an, t)
            names = {n.value for n in walk(t) if isinstance(n, cst.Name)} & polled
            if not calls and not names:
                call = None
                break
            call = call or (calls[0] if calls else _first_poll_call(an, loop))
        if call is None:
            continue
        out[id(node)] = (loop, call)
    an.__dict__["_poll_loops"] = out
    return out


def _own_tries(loop: Loop) -> List[cst.CSTNode]:
    """The try statements of a loop body at its own level (not in nested loops or defs)."""
    out: List[cst.CSTNode] = []
    stack = list(block_body(loop.node.body))  # type: ignore[attr-defined]
    while stack:
        stmt = stack.pop()
        if type(stmt) in (cst.Try, cst.TryStar):
            out.append(stmt)
        if type(stmt) not in (cst.For, cst.While, cst.FunctionDef, cst.ClassDef):
            for block in _sub_blocks(stmt):
                stack.extend(block)
    return out


def _first_poll_call(an: ModuleAnalysis, loop: Loop) -> Optional[cst.Call]:
    for small, _ in own_smalls(loop):
        if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
            calls = _poll_calls(an, small.value)
            if calls:
                return calls[0]
    return None


def record_loops(an: ModuleAnalysis, func: Func) -> List[Any]:
    """Loops of ``func`` (nested defs excluded) iterating the event's ``Records``."""
    from lambda_lint.code.values import origin

    out = []
    for loop in func.loops:
        if not isinstance(loop.node, cst.For):
            continue
        it = loop.node.iter
        if isinstance(it, cst.Call) and dotted(it.func) == "enumerate" and it.args:
            it = it.args[0].value
        org = origin(an, it, func)
        if org.get("kind") in ("event",) and org.get("path") and org["path"][-1] == "Records":
            out.append(loop)
    return out
