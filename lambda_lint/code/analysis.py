"""One pass over a libcst module: everything the LL1xx rules and the code facts need.

Design (performance): the module is parsed once; :class:`ModuleAnalysis` walks it once with
an explicit stack (no ``CSTVisitor`` dispatch, no Scope/QualifiedName providers, no recursion
on expressions, so deeply nested code such as long implicit string concatenations cannot
overflow the interpreter stack) and records the few node kinds the rules read: functions,
loops, ``except`` clauses, ``with`` statements, calls, assignments, comparisons, returns and
imports, each with its enclosing function and loops. Imports are tracked by hand (aliases,
``from x import y as z``) which is all the name resolution the rules need.

Positions are expensive in libcst (``PositionProvider`` costs about twice a parse), so they
are resolved lazily, once per file, the first time a rule reports or a fact needs one; files
without findings or boto3 calls never pay for them. Lines of module-level ``def`` statements
are found with a cheap text scan instead (checked against the tree's names in order).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import libcst as cst

# --------------------------------------------------------------------------- walking

_SKIP_FIELDS = frozenset({
    "lpar", "rpar", "comma", "leading_lines", "lines_after_decorators", "header", "footer",
    "semicolon", "dot", "equal", "colon", "star", "operator", "asynchronous", "lbracket",
    "rbracket", "lbrace", "rbrace", "indent", "whitespace", "conversion", "relative",
    "start", "end", "trailing_whitespace", "first_line", "empty_lines", "newline",
    "posonly_ind", "type_parameters",
})
_FIELD_CACHE: Dict[type, Tuple[str, ...]] = {}


def _child_fields(tp: type) -> Tuple[str, ...]:
    names = _FIELD_CACHE.get(tp)
    if names is None:
        names = tuple(
            f.name for f in dataclasses.fields(tp)
            if f.name not in _SKIP_FIELDS and not f.name.startswith("whitespace")
        )
        _FIELD_CACHE[tp] = names
    return names


def iter_children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The semantically interesting children of a node (no whitespace/tokens), in order."""
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if value is None:
            continue
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every interesting node under ``node`` (inclusive), pre-order, iteratively."""
    stack = [node]
    pop = stack.pop
    while stack:
        cur = pop()
        yield cur
        kids = list(iter_children(cur))
        kids.reverse()
        stack.extend(kids)


def dotted(node: Optional[cst.CSTNode]) -> Optional[str]:
    """``a.b.c`` for Name/Attribute chains, else None."""
    parts: List[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        parts.reverse()
        return ".".join(parts)
    return None


def _import_name(node: cst.CSTNode) -> str:
    return dotted(node) or ""


# --------------------------------------------------------------------------- records

class Func:
    """A function (or the module / a class body as pseudo-functions) and what it contains."""

    __slots__ = ("node", "name", "qualname", "parent", "kind", "module_level", "params", "param_annos",
                 "is_handler", "calls", "assigns", "augassigns", "loop_binds", "returns", "loops",
                 "excepts", "withs", "compares", "zero_subscripts", "has_yield", "bif", "decorators", "names")

    def __init__(self, node: Optional[cst.CSTNode], name: str, qualname: str, parent: Optional["Func"],
                 kind: str, module_level: bool = False) -> None:
        self.node = node
        self.name = name
        self.qualname = qualname
        self.parent = parent
        self.kind = kind  # "module", "class", "function"
        self.module_level = module_level
        self.params: List[str] = []
        self.param_annos: List[Optional[str]] = []
        self.is_handler = False
        self.calls: List[cst.Call] = []
        self.assigns: Dict[str, List[cst.BaseExpression]] = {}
        self.augassigns: set = set()
        self.loop_binds: Dict[str, Tuple[cst.BaseExpression, Optional[int]]] = {}
        self.returns: List[cst.Return] = []
        self.loops: List["Loop"] = []
        self.excepts: List["Except"] = []
        self.withs: List[cst.With] = []
        self.compares: List[cst.Comparison] = []
        self.zero_subscripts: List[cst.Subscript] = []
        self.has_yield = False
        self.bif = False  # mentions the string "batchItemFailures"
        self.decorators: List[str] = []
        self.names: set = set()  # every Name read or written in it (code reachability, issue 12)

    @property
    def event_param(self) -> Optional[str]:
        if self.kind != "function" or not self.params:
            return None
        first = self.params[0]
        if first in ("self", "cls") and len(self.params) > 1:
            first = self.params[1]
        if self.is_handler or first in _EVENT_NAMES:
            return first
        return None

    @property
    def context_param(self) -> Optional[str]:
        if self.kind != "function":
            return None
        params = [p for p in self.params if p not in ("self", "cls")]
        if self.is_handler and len(params) >= 2:
            return params[1]
        for p in params:
            if p in _CONTEXT_NAMES:
                return p
        return None

    def enclosing_function(self) -> Optional["Func"]:
        f: Optional[Func] = self
        while f is not None and f.kind != "function":
            f = f.parent
        return f


class Loop:
    __slots__ = ("node", "func", "outer", "tries", "_own")

    def __init__(self, node: cst.CSTNode, func: Func, outer: Tuple["Loop", ...],
                 tries: Tuple[cst.CSTNode, ...] = ()) -> None:
        self.node = node
        self.func = func
        self.outer = outer
        self.tries = tries  # the try statements (same function) whose body encloses the loop
        self._own: Any = None


class Except:
    __slots__ = ("node", "try_node", "func", "loops")

    def __init__(self, node: cst.CSTNode, try_node: cst.CSTNode, func: Func, loops: Tuple[Loop, ...]) -> None:
        self.node = node
        self.try_node = try_node
        self.func = func
        self.loops = loops


_EVENT_NAMES = frozenset({"event", "_event", "evt", "lambda_event"})
_CONTEXT_NAMES = frozenset({"context", "_context", "ctx", "lambda_context"})
_DEF_RE = re.compile(r"^(?:async[ \t]+)?def[ \t]+(\w+)", re.MULTILINE)


# --------------------------------------------------------------------------- analysis

class ModuleAnalysis:
    """The shared, single-pass analysis of one module; rules and facts read only this."""

    def __init__(self, module: cst.Module, text: str, path: str,
                 handler_names: Optional[frozenset] = None) -> None:
        self.module = module
        self.text = text
        self.path = path
        self.handler_names = handler_names
        self.retry_exceptions: frozenset = frozenset()  # LL102's retry-exceptions option
        self.imports: Dict[str, str] = {}  # local name -> qualified name ("boto3", "os.getenv")
        self.module_func = Func(module, "<module>", "<module>", None, "module")
        self.functions: List[Func] = []  # every def, nested ones included
        self.module_functions: Dict[str, Func] = {}
        self.loops: List[Loop] = []
        self.excepts: List[Except] = []
        self.withs: List[Tuple[cst.With, Func]] = []
        self.calls: List[Tuple[cst.Call, Func]] = []
        self.func_of: Dict[int, Func] = {}  # id(FunctionDef) -> Func
        self._positions: Any = None
        self._build()
        self._mark_handlers()

    # ---- the single pass
    def _build(self) -> None:
        mf = self.module_func
        stack: List[Tuple[cst.CSTNode, Func, Tuple[Loop, ...], Tuple[cst.CSTNode, ...]]] = [
            (stmt, mf, (), ()) for stmt in reversed(self.module.body)]
        pop = stack.pop
        push = stack.append
        FunctionDef, ClassDef, While, For = cst.FunctionDef, cst.ClassDef, cst.While, cst.For
        Call, Assign, SimpleString = cst.Call, cst.Assign, cst.SimpleString
        while stack:
            node, func, loops, tries = pop()
            tp = type(node)
            if tp is Call:
                func.calls.append(node)
                self.calls.append((node, func))
            elif tp is SimpleString:
                if "batchItemFailures" in node.value:
                    func.bif = True
                continue
            elif tp is cst.Name:
                func.names.add(node.value)
                continue
            elif tp is FunctionDef:
                self._enter_function(node, func, loops, tries, push)
                continue
            elif tp is ClassDef:
                cls = Func(node, node.name.value, node.name.value if func.kind == "module" else
                           f"{func.qualname}.{node.name.value}", func, "class")
                for d in node.decorators:
                    push((d, func, loops, tries))
                for a in node.bases:
                    push((a, func, loops, tries))
                for stmt in reversed(node.body.body):
                    push((stmt, cls, (), ()))
                continue
            elif tp is While:
                loop = Loop(node, func, loops, tries)
                func.loops.append(loop)
                self.loops.append(loop)
                if node.orelse is not None:
                    push((node.orelse, func, loops, tries))
                inner = loops + (loop,)
                for stmt in reversed(node.body.body):
                    push((stmt, func, inner, tries))
                push((node.test, func, loops, tries))
                continue
            elif tp is For:
                loop = Loop(node, func, loops, tries)
                func.loops.append(loop)
                self.loops.append(loop)
                self._bind_for_target(node, func)
                if node.orelse is not None:
                    push((node.orelse, func, loops, tries))
                inner = loops + (loop,)
                for stmt in reversed(node.body.body):
                    push((stmt, func, inner, tries))
                push((node.iter, func, loops, tries))
                continue
            elif tp is cst.Try or tp is cst.TryStar:
                for h in node.handlers:
                    ex = Except(h, node, func, loops)
                    func.excepts.append(ex)
                    self.excepts.append(ex)
                for part in (node.finalbody, node.orelse):
                    if part is not None:
                        push((part, func, loops, tries))
                for h in reversed(node.handlers):
                    push((h, func, loops, tries))
                inner_tries = tries + (node,)
                for stmt in reversed(node.body.body):
                    push((stmt, func, loops, inner_tries))
                continue
            elif tp is Assign:
                for t in node.targets:
                    if type(t.target) is cst.Name:
                        func.assigns.setdefault(t.target.value, []).append(node.value)
            elif tp is cst.AnnAssign:
                if node.value is not None and type(node.target) is cst.Name:
                    func.assigns.setdefault(node.target.value, []).append(node.value)
            elif tp is cst.AugAssign:
                d = dotted(node.target)
                if d:
                    func.augassigns.add(d)
            elif tp is cst.With:
                func.withs.append(node)
                self.withs.append((node, func))
            elif tp is cst.Return:
                func.returns.append(node)
            elif tp is cst.Comparison:
                func.compares.append(node)
            elif tp is cst.Subscript:
                sl = node.slice
                if len(sl) == 1 and type(sl[0].slice) is cst.Index and type(sl[0].slice.value) is cst.Integer \
                        and sl[0].slice.value.value == "0":
                    func.zero_subscripts.append(node)
            elif tp is cst.Yield:
                func.has_yield = True
            elif tp is cst.Import:
                for alias in node.names:
                    full = _import_name(alias.name)
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        self.imports[alias.asname.name.value] = full
                    else:
                        top = full.split(".")[0]
                        self.imports[top] = top
                        self.imports[full] = full
                continue
            elif tp is cst.ImportFrom:
                mod = _import_name(node.module) if node.module is not None else ""
                prefix = "." * len(node.relative)
                if not isinstance(node.names, cst.ImportStar):
                    for alias in node.names:
                        nm = _import_name(alias.name)
                        local = nm
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                            local = alias.asname.name.value
                        base = prefix + mod
                        self.imports[local] = f"{base}.{nm}" if base and not base.endswith(".") else base + nm
                continue
            kids = list(iter_children(node))
            for kid in reversed(kids):
                push((kid, func, loops, tries))

    def _enter_function(self, node: cst.FunctionDef, parent: Func, loops: Tuple[Loop, ...],
                        tries: Tuple[cst.CSTNode, ...], push: Any) -> None:
        name = node.name.value
        module_level = parent.kind == "module"
        f = Func(node, name, name if module_level else f"{parent.qualname}.{name}", parent, "function", module_level)
        p = node.params
        for param in (*p.posonly_params, *p.params):
            f.params.append(param.name.value)
            f.param_annos.append(dotted(param.annotation.annotation) if param.annotation is not None else None)
        f.decorators = [dotted(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) or ""
                        for d in node.decorators]
        self.functions.append(f)
        self.func_of[id(node)] = f
        if module_level:
            self.module_functions[name] = f
        # decorators and defaults belong to the enclosing scope
        for d in node.decorators:
            push((d, parent, loops, tries))
        for param in (*p.posonly_params, *p.params, *p.kwonly_params):
            if param.default is not None:
                push((param.default, parent, loops, tries))
        body = node.body
        for stmt in reversed(body.body):
            push((stmt, f, (), ()))

    def _bind_for_target(self, node: cst.For, func: Func) -> None:
        target = node.target
        it = node.iter
        if type(target) is cst.Name:
            func.loop_binds[target.value] = (it, None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            # for i, record in enumerate(records)
            if isinstance(it, cst.Call) and dotted(it.func) == "enumerate" and it.args:
                els = target.elements
                if len(els) == 2 and isinstance(els[1].value, cst.Name):
                    func.loop_binds[els[1].value.value] = (it.args[0].value, None)

    def _mark_handlers(self) -> None:
        """Template-named functions when the run knows the names, else unmistakable handlers
        (one definition for LL103, the facts and the code scope: code/entrypoints.py)."""
        from lambda_lint.code.entrypoints import is_handler_shape

        names = self.handler_names
        for f in self.module_functions.values():
            if names is not None:
                f.is_handler = f.name in names
            else:
                f.is_handler = is_handler_shape(f.params, f.param_annos, f.decorators, self.imports)

    # ---- names
    def qualify(self, node: Optional[cst.CSTNode]) -> Optional[str]:
        """The dotted name of a Name/Attribute with its head resolved through the imports."""
        d = dotted(node)
        if d is None:
            return None
        head, _, rest = d.partition(".")
        q = self.imports.get(head)
        if q is None:
            return d
        return f"{q}.{rest}" if rest else q

    @property
    def handlers(self) -> List[Func]:
        return [f for f in self.module_functions.values() if f.is_handler]

    # ---- positions (lazy)
    def position(self, node: cst.CSTNode) -> Tuple[int, int, int, int]:
        """1-based (line, column, end_line, end_column) of a node; resolved once per file.

        A call whose source text occurs once in the file is placed by that text instead:
        libcst's position pass costs about as much as the parse, and the boto3 facts ask for
        the positions of calls in every file that uses boto3 (issue 12: 53% of the time of a
        config-rules repository). Anything else, or an ambiguous call, resolves them all."""
        if self._positions is None and type(node) is cst.Call:
            fast = self._text_range(node.with_changes(lpar=(), rpar=()))
            if fast is None:
                fast = self._part_range(node)
            if fast is not None:
                return fast
        if self._positions is None:
            from libcst.metadata import MetadataWrapper, PositionProvider

            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._positions = wrapper.resolve(PositionProvider)
        rng = self._positions[node]
        return rng.start.line, rng.start.column + 1, rng.end.line, rng.end.column + 1

    def start(self, node: cst.CSTNode) -> Tuple[int, int]:
        """1-based (line, column) where a node starts; for an ``except`` clause found from its
        text when that is unique (see :meth:`position`)."""
        if self._positions is None and type(node) is cst.ExceptHandler:
            fast = self._text_range(node.with_changes(leading_lines=())) or self._part_range(node)
            if fast is not None:
                return fast[0], fast[1]
        return self.position(node)[:2]

    def _part_range(self, node: cst.CSTNode) -> Optional[Tuple[int, int, int, int]]:
        """Positions resolved in the module-level def or class around a call or ``except``
        only (a module of that one statement, moved down to where its text starts): the same
        numbers as the whole module's pass, at the cost of the one statement."""
        owners = self.__dict__.get("_owner_of")
        if owners is None:
            owners = {id(c): f for c, f in self.calls}
            owners.update((id(e.node), e.func) for e in self.excepts)
            self.__dict__["_owner_of"] = owners
            self.__dict__["_parts"] = {}
        func = owners.get(id(node))
        top = func
        while top is not None and top.parent is not None and top.parent.kind != "module":
            top = top.parent
        if top is None or top.kind == "module" or top.node is None:
            return None
        parts = self.__dict__["_parts"]
        part = parts.get(id(top.node))
        if part is None:
            part = parts[id(top.node)] = self._resolve_part(top.node)
        if part is False:
            return None
        positions, shift = part
        rng = positions.get(node)
        if rng is None:
            return None
        return rng.start.line + shift, rng.start.column + 1, rng.end.line + shift, rng.end.column + 1

    def _resolve_part(self, stmt: cst.CSTNode) -> Any:
        from libcst.metadata import MetadataWrapper, PositionProvider

        try:
            code = self.module.code_for_node(stmt)
            text = self.text
            off = text.find(code)
            if off < 0 or text.find(code, off + 1) >= 0 or (off and text[off - 1] != "\n"):
                return False
            mini = self.module.with_changes(body=[stmt], header=(), footer=())
            positions = MetadataWrapper(mini, unsafe_skip_copy=True).resolve(PositionProvider)
        except Exception:  # noqa: BLE001 - fall back to the whole module's pass
            return False
        return positions, text.count("\n", 0, off)

    def _text_range(self, node: cst.CSTNode) -> Optional[Tuple[int, int, int, int]]:
        """The node's range from a unique match of its code in the file's text, else None.

        ``code_for_node`` renders a node without the indentation of the block around it, so
        the match allows any indentation after each newline."""
        try:
            snippet = self.module.code_for_node(node)
        except Exception:  # noqa: BLE001 - codegen of an odd node: resolve positions instead
            return None
        if type(node) is cst.ExceptHandler:
            snippet = snippet.rstrip("\r\n")
        if not snippet.strip():
            return None
        text = self.text
        if "\n" not in snippet:
            off = text.find(snippet)
            if off < 0 or text.find(snippet, off + 1) >= 0:
                return None
            end = off + len(snippet)
        else:
            lines = snippet.split("\n")
            pattern = re.escape(lines[0]) + "".join(r"\n[ \t]*" + re.escape(ln.lstrip(" \t")) for ln in lines[1:])
            found = re.finditer(pattern, text)
            first = next(found, None)
            if first is None or next(found, None) is not None:
                return None
            off, end = first.start(), first.end()
        line = text.count("\n", 0, off) + 1
        col = off - (text.rfind("\n", 0, off) + 1) + 1
        eline = line + text.count("\n", off, end)
        ecol = end - (text.rfind("\n", 0, end) + 1) + 1
        return line, col, eline, ecol

    def def_lines(self) -> Dict[str, int]:
        """Lines of module-level ``def`` statements via a text scan, falling back to positions."""
        wanted = [f for f in self.module_functions.values()]
        order = [s.name.value for s in self.module.body if isinstance(s, cst.FunctionDef)]
        out: Dict[str, int] = {}
        matches = [(m.group(1), m.start()) for m in _DEF_RE.finditer(self.text)]
        i = 0
        ok = True
        last_off, last_line = 0, 1  # count newlines incrementally: linear, not quadratic
        for name in order:
            while i < len(matches) and matches[i][0] != name:
                i += 1
            if i >= len(matches):
                ok = False
                break
            off = matches[i][1]
            last_line += self.text.count("\n", last_off, off)
            last_off = off
            out.setdefault(name, last_line)
            i += 1
        if not ok or len(out) != len(wanted):
            out = {}
            for s in self.module.body:
                if isinstance(s, cst.FunctionDef):
                    line = self.position(s)[0]
                    # the position of a decorated def starts at its decorators
                    out[s.name.value] = line + len(s.decorators) if s.decorators else line
        return out

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)


# --------------------------------------------------------------------------- statement scans

def block_body(block: Any) -> Sequence[cst.CSTNode]:
    if block is None:
        return ()
    body = getattr(block, "body", ())
    return body if isinstance(body, (tuple, list)) else ()


def own_statements(stmts: Sequence[cst.CSTNode], conds: Tuple[cst.BaseExpression, ...] = ()
                   ) -> Iterator[Tuple[cst.CSTNode, Tuple[cst.BaseExpression, ...]]]:
    """Small statements at the "own level" of a loop body or except body, with the ``if``
    tests that guard each one. Descends into if/try/with/match, and into the ``else`` of
    nested loops (which belongs to the outer loop); not into nested loop bodies, functions
    or classes.
    """
    stack: List[Tuple[cst.CSTNode, Tuple[cst.BaseExpression, ...]]] = [(s, conds) for s in reversed(stmts)]
    while stack:
        node, cs = stack.pop()
        tp = type(node)
        if tp is cst.SimpleStatementLine:
            for small in node.body:
                yield small, cs
        elif tp is cst.If:
            inner = cs + (node.test,)
            nxt: List[Tuple[cst.CSTNode, Tuple]] = [(s, inner) for s in block_body(node.body)]
            if node.orelse is not None:
                if isinstance(node.orelse, cst.If):
                    nxt.append((node.orelse, cs + (node.test,)))
                else:
                    nxt.extend((s, inner) for s in block_body(node.orelse.body))
            stack.extend(reversed(nxt))
        elif tp is cst.Try or tp is cst.TryStar:
            nxt = [(s, cs) for s in block_body(node.body)]
            for h in node.handlers:
                nxt.extend((s, cs) for s in block_body(h.body))
            if node.orelse is not None:
                nxt.extend((s, cs) for s in block_body(node.orelse.body))
            if node.finalbody is not None:
                nxt.extend((s, cs) for s in block_body(node.finalbody.body))
            stack.extend(reversed(nxt))
        elif tp is cst.With:
            stack.extend(reversed([(s, cs) for s in block_body(node.body)]))
        elif tp is cst.Match:
            nxt = []
            for case in node.cases:
                nxt.extend((s, cs) for s in block_body(case.body))
            stack.extend(reversed(nxt))
        elif tp is cst.For or tp is cst.While:
            if node.orelse is not None:
                stack.extend(reversed([(s, cs) for s in block_body(node.orelse.body)]))
            yield node, cs
        elif tp is cst.SimpleStatementSuite:
            for small in node.body:
                yield small, cs
        else:
            yield node, cs  # FunctionDef, ClassDef: opaque


_EXIT_CALLS = frozenset({"sys.exit", "os._exit", "exit", "quit", "os.abort"})


def is_exit_stmt(analysis: ModuleAnalysis, small: cst.CSTNode) -> bool:
    tp = type(small)
    if tp is cst.Break or tp is cst.Return or tp is cst.Raise:
        return True
    if tp is cst.Expr and isinstance(small.value, cst.Call):
        return analysis.qualify(small.value.func) in _EXIT_CALLS
    return False


def contains_yield(small: cst.CSTNode) -> bool:
    value = getattr(small, "value", None)
    if isinstance(value, cst.Await):
        value = value.expression
    return isinstance(value, cst.Yield)


_BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})


def is_broad_except(handler: cst.CSTNode) -> bool:
    t = getattr(handler, "type", None)
    if t is None:
        return True
    if isinstance(t, cst.Tuple):
        return any(dotted(el.value) in _BROAD for el in t.elements)
    return dotted(t) in _BROAD


def is_swallow_body(stmts: Sequence[cst.CSTNode]) -> bool:
    """Only pass / ... / continue / break / bare return / return None / constants."""
    for stmt in stmts:
        if not isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return False
        for small in stmt.body:
            tp = type(small)
            if tp is cst.Pass or tp is cst.Continue or tp is cst.Break:
                continue
            if tp is cst.Return:
                if small.value is None or (isinstance(small.value, cst.Name) and small.value.value == "None"):
                    continue
                return False
            if tp is cst.Expr and isinstance(small.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString,
                                                           cst.Integer, cst.Float, cst.Name)):
                if isinstance(small.value, cst.Name) and small.value.value not in ("None", "True", "False"):
                    return False
                continue
            return False
    return True
