"""The project model: a template's functions joined with the code of their handlers.

For each function of a template we resolve its code (:class:`CodeUnit`): a handler module
under ``CodeUri``/``Code`` (``mod.func``, ``pkg/mod.func``, ``pkg.mod.func``; Globals apply)
or inline Python (``InlineCode`` / ``Code.ZipFile``, Python runtimes only). Code facts come
from the engine's results when the file was part of the run; files the run did not include
(the handler of ``lambda-lint template.yaml``, helper modules) are analysed here, facts only,
and never report their own code findings.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from lambda_lint.findings import Reporter

CODE_DEFAULT_KEY = "lambda-lint:code-default"  # resource Metadata set by a front-end (issue 16)
_REMOTE_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def norm(path: Any) -> str:
    return os.path.normcase(os.path.abspath(str(path)))


# Paths the join looked at (files read, candidates probed, folders checked), recorded per
# template so the project phase can be cached: see lambda_lint.run.join_cache.
TRACK: List[Set[str]] = []


def note(path: Any) -> None:
    if TRACK:
        TRACK[-1].add(os.path.abspath(str(path)))


@dataclass
class Module:
    """One Python module's facts, and how findings name it."""

    path: Optional[str]  # absolute path; None for inline code
    display: str
    requested: bool
    facts: dict
    text: Optional[str] = None  # inline code (or None: read from path when needed)
    inline: Any = None  # InlineSource for inline code

    def function(self, name: str) -> Optional[dict]:
        for f in self.facts.get("functions", ()) or ():
            if f.get("name") == name:
                return f
        return None

    def to_display(self, line: int, column: int) -> Tuple[int, int]:
        if self.inline is not None:
            return self.inline.to_template(line, column)
        return line, column

    def reporter(self, metas: Any) -> Reporter:
        if self.inline is not None:
            return self.inline.reporter(self.display, metas)
        return Reporter(self.display, metas)


@dataclass
class CodeUnit:
    """The code of one function: its handler module and function, and its code root."""

    root: Optional[str]  # absolute folder (None for inline code)
    module: Module
    handler: str  # function name in the module
    reachable: List[Tuple[Module, str]] = field(default_factory=list)  # (module, function) incl. handler

    @property
    def handler_facts(self) -> Optional[dict]:
        return self.module.function(self.handler)

    def reachable_facts(self) -> Iterator[Tuple[Module, dict]]:
        for mod, name in self.reachable:
            f = mod.function(name)
            if f is not None:
                yield mod, f


@dataclass
class HandlerStatus:
    """Why a function has (or lacks) code: ``ok``, ``inline``, ``no-code`` (S3 URI, image,
    missing folder, non-Python runtime), ``missing-module``, ``missing-function``, ``bad-handler``."""

    state: str
    detail: str = ""
    code_dir: Optional[str] = None
    explicit: bool = False  # the code folder was given (CodeUri/Code, maybe from Globals)


class FactsStore:
    """Facts of Python files: from the engine's results, else analysed here once."""

    def __init__(self, results: List[Any]) -> None:
        self.by_path: Dict[str, Any] = {}
        for r in results:
            if getattr(r, "kind", None) == "python":
                self.by_path[norm(r.path)] = r
        self._own: Dict[Tuple[str, Optional[frozenset]], Optional[Module]] = {}
        self._texts: Dict[str, Optional[str]] = {}
        self._walks: Dict[str, bool] = {}

    def module(self, path: str, display: str, handler: Optional[str] = None) -> Optional[Module]:
        note(path)
        key = norm(path)
        r = self.by_path.get(key)
        if r is not None and r.facts is not None and not r.facts.get("skipped"):
            mod = Module(path, r.display, bool(r.requested), r.facts)
            f = mod.function(handler) if handler else None
            if handler is None or f is None or f.get("is_handler"):
                return mod
            # the engine did not know this function is a handler: facts again, with its name
            own = self._analyse(key, path, frozenset({handler}))
            if own is not None:
                return Module(path, r.display, bool(r.requested), own.facts)
            return mod
        if r is not None and (r.facts is None or r.facts.get("skipped")):
            return None  # it did not parse (LL001 says so) or is a data module (a note says so)
        names = frozenset({handler}) if handler else None
        own = self._analyse(key, path, names)
        if own is None:
            return None
        return Module(path, display, False, own.facts)

    def _analyse(self, key: str, path: str, names: Optional[frozenset]) -> Optional[Module]:
        ck = (key, names)
        if ck in self._own:
            return self._own[ck]
        from lambda_lint.code import lint_python
        from lambda_lint.fileio import read_source

        mod: Optional[Module] = None
        try:
            source = read_source(path)
            facts = lint_python(source, path, enabled=frozenset(), reporter=Reporter(path, {}), options={},
                                handler_names=names)
            mod = Module(path, path, False, facts)
        except Exception:  # noqa: BLE001 - unreadable helper: no facts
            mod = None
        self._own[ck] = mod
        return mod

    def has_python(self, folder: str) -> bool:
        if TRACK:
            TRACK[-1].add(HAS_PYTHON_PREFIX + os.path.abspath(str(folder)))
        if folder not in self._walks:
            self._walks[folder] = _has_python_code(folder)
        return self._walks[folder]

    def text(self, path: str) -> Optional[str]:
        note(path)
        key = norm(path)
        if key not in self._texts:
            try:
                from lambda_lint.fileio import SOURCE_LIMIT, read_text

                self._texts[key] = read_text(path, SOURCE_LIMIT)
            except OSError:
                self._texts[key] = None
        return self._texts[key]


# --------------------------------------------------------------------------- templates

@dataclass
class TemplateCtx:
    """One template of the run, with its model and the code of its functions."""

    path: str
    display: str
    requested: bool
    text: str
    model: Any
    units: Dict[str, CodeUnit] = field(default_factory=dict)
    status: Dict[str, HandlerStatus] = field(default_factory=dict)
    inline_findings: list = field(default_factory=list)

    @property
    def folder(self) -> str:
        return os.path.dirname(self.path)

    def display_for(self, abspath: str) -> str:
        """A display path for a file of this project, relative like the template's."""
        rel = os.path.relpath(abspath, self.folder)
        base = os.path.dirname(self.display)
        return os.path.normpath(os.path.join(base, rel)) if base else os.path.normpath(rel)


def resolve_literal(model: Any, value: Any) -> Any:
    if value is None:
        return None
    r = model.resolver.resolve(value)
    return r.value if r.is_literal else None


def runtime_of(model: Any, fn: Any) -> Optional[str]:
    rt = resolve_literal(model, fn.runtime)
    return rt if isinstance(rt, str) else None


def is_python_runtime(runtime: Optional[str]) -> bool:
    return bool(runtime) and runtime.lower().startswith("python")


def code_dir(ctx: TemplateCtx, fn: Any) -> Tuple[Optional[str], bool]:
    """(absolute local code folder or None, explicitly given)."""
    model = ctx.model
    if fn.props is None:
        return None, False
    key = "CodeUri" if fn.is_sam else "Code"
    if key not in fn.props:
        if fn.is_sam and "InlineCode" not in fn.props and "ImageUri" not in fn.props \
                and resolve_literal(model, fn.prop("PackageType")) != "Image":
            note(ctx.folder)
            return ctx.folder, False  # sam build's default: the template's folder
        return None, False
    raw = fn.props.get(key)
    value = resolve_literal(model, raw)
    if not isinstance(value, str) or not value.strip() or _REMOTE_RE.match(value):
        return None, False
    folder = os.path.normpath(os.path.join(ctx.folder, value))
    note(folder)
    # issue 16: a front-end's default code location (a Serverless service folder) is not
    # "given", like SAM's default CodeUri: LL304 stays silent on it
    md = getattr(fn.resource, "metadata", None)
    return folder, not (isinstance(md, dict) and md.get(CODE_DEFAULT_KEY) is True)


def split_handler(handler: str) -> Optional[Tuple[str, str]]:
    """``pkg/mod.func`` / ``pkg.mod.func`` -> (``pkg/mod``, ``func``)."""
    handler = handler.strip()
    if "." not in handler:
        return None
    mod, func = handler.rsplit(".", 1)
    if not mod or not func:
        return None
    mod = mod.replace(".", "/")
    return mod, func


def module_file(root: str, modpath: str) -> Optional[str]:
    base = os.path.join(root, *[p for p in modpath.split("/") if p])
    for cand in (base + ".py", os.path.join(base, "__init__.py")):
        note(cand)
        if os.path.isfile(cand):
            return cand
    return None


_SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", ".aws-sam", "__pycache__", ".tox", "cdk.out"})


#: A dependency that is not a file's content but an answer about a folder (issue 20: the
#: project cache keyed LL304 on file signatures only, so adding the first ``.py`` under an
#: empty code folder left a stale answer). project/cache.signature recomputes it.
HAS_PYTHON_PREFIX = "has-python-code:"


def has_python_code(folder: str, limit: int = 5000) -> bool:
    """Is there any ``.py`` file under ``folder``? Bounded: after ``limit`` entries, assume so.
    Recorded as a dependency of the template being joined; memoised per run by FactsStore
    (a process-wide memo answered later runs in the same process with a stale walk)."""
    if TRACK:
        TRACK[-1].add(HAS_PYTHON_PREFIX + os.path.abspath(str(folder)))
    return _has_python_code(folder, limit)


def _has_python_code(folder: str, limit: int = 5000) -> bool:
    seen = 0
    for _root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
        if any(f.endswith(".py") for f in files):
            return True
        seen += len(files) + len(dirs)
        if seen > limit:
            return True
    return False


def build_template_ctx(result: Any, store: FactsStore, session: Any, code_enabled: frozenset) -> Optional[TemplateCtx]:
    from lambda_lint.fileio import read_source
    from lambda_lint.errors import ParseFailure
    from lambda_lint.iac import load_model

    try:
        source = read_source(result.path)
        model = load_model(source, result.display)
    except ParseFailure:
        return None
    from lambda_lint.iac.frontends import dependencies

    for dep in dependencies(source, result.path):  # issue 16: a Serverless ${file(...)}
        note(dep)
    text = source.decode("utf-8", errors="replace")
    ctx = TemplateCtx(result.path, result.display, bool(result.requested), text, model)
    for lid, fn in model.functions.items():
        _resolve_function(ctx, lid, fn, store, session, code_enabled)
    return ctx


def _resolve_function(ctx: TemplateCtx, lid: str, fn: Any, store: FactsStore, session: Any,
                      code_enabled: frozenset) -> None:
    model = ctx.model
    runtime = runtime_of(model, fn)
    inline = fn.inline_code
    if inline is not None:
        if not is_python_runtime(runtime):
            ctx.status[lid] = HandlerStatus("no-code", "inline code of another runtime")
            return
        unit = _inline_unit(ctx, lid, fn, store, session, code_enabled)
        ctx.status[lid] = HandlerStatus("inline" if unit else "no-code")
        if unit is not None:
            ctx.units[lid] = unit
        return
    if runtime is not None and not is_python_runtime(runtime):
        ctx.status[lid] = HandlerStatus("no-code", "not a Python runtime")
        return
    # issue 12: a container image or the Lambda Web Adapter runs no Python handler module
    from lambda_lint.project.handlers import is_archive, non_python_reason

    reason = non_python_reason(model, fn)
    if reason is not None:
        ctx.status[lid] = HandlerStatus("no-code", reason)
        return
    folder, explicit = code_dir(ctx, fn)
    if folder is not None and is_archive(folder):
        ctx.status[lid] = HandlerStatus("no-code", "code is a built archive")  # code unknown: silent
        return
    if folder is None or not os.path.isdir(folder):
        ctx.status[lid] = HandlerStatus("no-code", "code folder not local")
        return

    def status(state: str, detail: str = "") -> HandlerStatus:
        return HandlerStatus(state, detail, folder, explicit and is_python_runtime(runtime))
    handler = resolve_literal(model, fn.handler)
    if not isinstance(handler, str):
        # absent, or a value we can't know (a parameter without default, a Terraform
        # each.key): unknown, never a finding; only a literal that is no string is wrong
        known = fn.handler is not None and model.resolver.resolve(fn.handler).is_literal
        ctx.status[lid] = status("bad-handler" if known else "no-code", "no Handler")
        return
    parts = split_handler(handler)
    if parts is None:
        ctx.status[lid] = status("bad-handler", "it is not module.function")
        return
    modpath, func = parts
    path = module_file(folder, modpath)
    if path is None and os.path.isfile(os.path.join(folder, handler.strip())):
        # `Handler: run.sh` (an executable: custom runtime, Lambda Web Adapter): not Python
        ctx.status[lid] = HandlerStatus("no-code", "the handler is an executable file")
        return
    if path is None:
        if not store.has_python(folder):
            # No Python at all under the code folder: the code is built or fetched elsewhere
            # (or not checked out). That is unknown, not a typo, and unknown stays silent.
            ctx.status[lid] = HandlerStatus("no-code", "no Python code in the code folder")
        else:
            ctx.status[lid] = status("missing-module", modpath)
        return
    mod = store.module(path, ctx.display_for(path), handler=func)
    if mod is None:
        ctx.status[lid] = status("no-code", "handler module does not parse")
        return
    if mod.function(func) is None:
        if defines_name(store.text(path) or "", func, mod.facts):
            ctx.status[lid] = status("no-code", "handler is not a plain function")
        else:
            ctx.status[lid] = status("missing-function", func)
        return
    unit = CodeUnit(folder, mod, func)
    unit.reachable = reachable(unit, store, ctx)
    ctx.units[lid] = unit
    ctx.status[lid] = status("ok")


def defines_name(text: str, name: str, facts: dict) -> bool:
    """A module-level binding of ``name`` other than a def: an assignment, a class, an import."""
    if name in (facts.get("imports") or {}):
        return True
    pat = re.compile(rf"^(?:{re.escape(name)}\s*(?::[^=\n]*)?=|class\s+{re.escape(name)}\b|"
                     rf"(?:async\s+)?def\s+{re.escape(name)}\b|.*\bimport\b.*\b{re.escape(name)}\b)", re.MULTILINE)
    return bool(pat.search(text))


def _inline_unit(ctx: TemplateCtx, lid: str, fn: Any, store: FactsStore, session: Any,
                 code_enabled: frozenset) -> Optional[CodeUnit]:
    from lambda_lint.code import lint_python
    from lambda_lint.errors import ParseFailure
    from lambda_lint.project.inline import locate_inline

    if fn.is_sam:
        value, pos = fn.props.get("InlineCode"), fn.props.vpos.get("InlineCode")
    else:
        code = fn.props.get("Code")
        value, pos = code.get("ZipFile"), code.vpos.get("ZipFile")
    if pos is None:
        return None
    src = locate_inline(value, pos, ctx.text)
    if src is None:
        return None
    handler = resolve_literal(ctx.model, fn.handler)
    func = handler.rsplit(".", 1)[-1] if isinstance(handler, str) and "." in handler else None
    reporter = src.reporter(ctx.display, session.metas)
    enabled = code_enabled if ctx.requested else frozenset()
    try:
        facts = lint_python(src.text.encode("utf-8"), ctx.display, enabled=enabled, reporter=reporter,
                            options=session.options, handler_names=frozenset({func}) if func else None)
    except ParseFailure as exc:
        if ctx.requested:
            reporter.report("LL001", exc.line, exc.column, f"inline code of {lid}: {exc.message}",
                            function=lid, anchor=f"LL001:{lid}/inline")
        ctx.inline_findings.extend(reporter.findings)
        return None
    ctx.inline_findings.extend(reporter.findings)
    mod = Module(None, ctx.display, ctx.requested, facts, text=src.text, inline=src)
    if func is None or mod.function(func) is None:
        return None
    unit = CodeUnit(None, mod, func)
    unit.reachable = reachable(unit, store, ctx)
    return unit


# --------------------------------------------------------------------------- call graph

def _resolve_import(unit_root: str, mod: Module, qualified: str) -> Optional[Tuple[str, str]]:
    """``utils.save`` / ``.utils.save`` / ``pkg.db.save`` -> (module file, function) under the root."""
    if mod.path is None:
        return None
    q = qualified
    base = unit_root
    if q.startswith("."):
        dots = len(q) - len(q.lstrip("."))
        q = q[dots:]
        base = os.path.dirname(mod.path)
        for _ in range(dots - 1):
            base = os.path.dirname(base)
    parts = q.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        path = module_file(base, "/".join(parts[:cut]))
        if path is not None and cut == len(parts) - 1:
            return path, parts[-1]
        if path is not None:
            return path, parts[cut]
    return None


def reachable(unit: CodeUnit, store: FactsStore, ctx: TemplateCtx, limit: int = 200) -> List[Tuple[Module, str]]:
    """The handler and the functions it calls, in its module and in modules under the code root."""
    out: List[Tuple[Module, str]] = []
    seen: Set[Tuple[str, str]] = set()
    todo: List[Tuple[Module, str]] = [(unit.module, unit.handler)]
    mods: Dict[str, Module] = {}
    while todo and len(out) < limit:
        mod, name = todo.pop(0)
        key = (mod.path or "<inline>", name)
        if key in seen:
            continue
        seen.add(key)
        out.append((mod, name))
        f = mod.function(name)
        classes = {(c.get("function") or "").split(".")[0] for c in mod.facts.get("boto3_calls", ())}
        for call in (f or {}).get("calls", ()) if f else ():
            if "." not in call:
                if mod.function(call) is not None or call in classes:
                    todo.append((mod, call))
                continue
            if unit.root is None:
                continue
            found = _resolve_import(unit.root, mod, call)
            if found is None:
                continue
            path, fname = found
            k = norm(path)
            other = mods.get(k)
            if other is None:
                other = store.module(path, ctx.display_for(path))
                if other is None:
                    continue
                mods[k] = other
            todo.append((other, fname))
    return out
