"""Lint Lambda code, not all Python: entry points, reachable code, planned parsing (issue 12).

The engine hands the run's jobs to :func:`execute_scoped` instead of running them all. It:

1. runs the template jobs first; each template result carries its functions' code folders
   and Handlers (:mod:`lambda_lint.project.handlers`);
2. finds the entry points: a Handler named by a template, a handler listed in config
   (``handlers = ["src/app.py:handler"]``), and, in files no template's code folder covers,
   an unmistakable handler (:mod:`lambda_lint.code.entrypoints`);
3. parses only the files that may hold one (a byte scan decides, before any parse), the
   files named explicitly, and then, round after round, the local modules that what is
   reached so far imports, under the function's code folder (``CodeUri``/``Code`` and its
   local layers, or the package root when no template covers it). Third-party and installed
   code (:mod:`lambda_lint.run.vendored`) is a dead end. A file nothing reaches is never
   parsed;
4. follows, in the code facts' ``units`` (:mod:`lambda_lint.code.units`), calls and references
   between functions, classes instantiated (their methods), module-level code and the
   functions a framework decorator registers, breadth first from every entry point.

:meth:`Scope.filter` then keeps the LL1xx findings of reachable code only (``code-scope =
"handlers"``, the default) and names the way each one was reached ("reached from `handler`
via `process()`"). With ``code-scope = "all"`` every file is parsed and nothing is filtered;
the handler definition (template-named where a template covers the file) is the same.

Per-file results stay a function of the file and its job (the handler names a template gives
are part of the cache key already); what depends on the rest of the project (which files are
parsed, what is reachable) is planned again on every run from cached results and a byte scan
cached in the stat index, so cold, warm, ``--jobs 1`` and ``--jobs N`` runs agree.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

MODULE = "<module>"
MAX_ROUNDS = 50
MAX_ROOT_SCAN = 5000  # files byte-scanned around an explicitly named file that no template covers


def norm(path: Any) -> str:
    return os.path.normcase(os.path.abspath(str(path)))


def scan_file(path: str) -> bool:
    """The byte scan: might this file hold an unmistakable handler?"""
    from lambda_lint.code.entrypoints import might_hold_handler
    from lambda_lint.fileio import read_source
    from lambda_lint.errors import ParseFailure

    try:
        return might_hold_handler(read_source(path))
    except ParseFailure:
        return True  # unreadable: parse it, so LL001 says why


def package_root(path: str) -> str:
    """The folder Python would import ``path`` from: the first ancestor without ``__init__.py``."""
    folder = os.path.dirname(os.path.abspath(path))
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return folder


def _repo_top(path: str) -> Optional[str]:
    """The repository root (a folder with ``.git``) above ``path``, else the working folder when
    ``path`` is inside it; with a trailing separator. None: no bound, stay in the package."""
    folder = os.path.dirname(path)
    cur = folder
    while True:
        if os.path.exists(os.path.join(cur, ".git")):
            return cur.rstrip(os.sep) + os.sep
        parent = os.path.dirname(cur)
        if parent == cur:
            break
        cur = parent
    cwd = norm(os.getcwd()).rstrip(os.sep) + os.sep
    return cwd if (folder + os.sep).startswith(cwd) else None


@dataclass(frozen=True)
class Entry:
    path: str  # normalised absolute path of the module
    unit: str  # function name, or MODULE for an adapter module
    label: str  # what the message calls it: the handler function (or adapter variable)
    roots: Tuple[str, ...]  # where its imports are looked up


@dataclass
class _Reach:
    entry: Entry
    parent: Optional[Tuple[str, str]]


class Scope:
    """The outcome of planning: what is reachable, from where."""

    def __init__(self, mode: str, metas: Dict[str, Any]) -> None:
        self.mode = mode
        self.metas = metas
        self.reached: Dict[Tuple[str, str], _Reach] = {}
        self.entries: List[Entry] = []

    def filter(self, result: Any) -> List[Any]:
        """The findings of one per-file result that the scope keeps (code rules only)."""
        if self.mode == "all" or result.kind != "python":
            return list(result.findings)
        key_path = norm(result.path)
        out = []
        for f in result.findings:
            meta = self.metas.get(f.code)
            if meta is None or meta.layer != "code":
                out.append(f)
                continue
            owner = f.function.split(".")[0] if f.function else MODULE
            reach = self.reached.get((key_path, owner))
            if reach is None:
                continue
            via = self.describe(key_path, owner)
            if via:
                f = replace(f, message=f"{f.message} (reached from `{reach.entry.label}`{via})")
            out.append(f)
        return out

    def describe(self, path: str, unit: str) -> str:
        """`` via `process()` → `db.save()``` for a unit reached through others; "" for an entry
        point itself and for its own module's top-level code."""
        chain: List[Tuple[str, str]] = []
        key: Optional[Tuple[str, str]] = (path, unit)
        seen = set()
        while key is not None and key not in seen:
            seen.add(key)
            r = self.reached.get(key)
            if r is None:
                break
            chain.append(key)
            key = r.parent
        chain.reverse()
        entry = self.reached[(path, unit)].entry
        hops = [k for k in chain[1:] if not (k[1] == MODULE and k[0] == entry.path)]
        if not hops:
            return ""
        names = [_hop_name(k, entry.path) for k in hops]
        if len(names) > 4:
            names = names[:2] + ["…"] + names[-1:]
        return " via " + " → ".join(names)


def _stem(path: str) -> str:
    base = os.path.basename(path)
    stem = base[:-3] if base.endswith(".py") else base
    if stem == "__init__":
        stem = os.path.basename(os.path.dirname(path))
    return stem


def _hop_name(key: Tuple[str, str], entry_path: str) -> str:
    path, unit = key
    if unit == MODULE:
        return f"`import {_stem(path)}`"
    prefix = "" if path == entry_path else _stem(path) + "."
    return f"`{prefix}{unit}()`"


class _Modules:
    """Where imports land: module files under a set of roots (cached ``isfile`` probes)."""

    def __init__(self, vendored: Any) -> None:
        self.vendored = vendored
        self._files: Dict[str, bool] = {}

    def _isfile(self, path: str) -> bool:
        got = self._files.get(path)
        if got is None:
            got = self._files[path] = os.path.isfile(path)
        return got

    def module_file(self, base: str, parts: Sequence[str]) -> Optional[str]:
        stem = os.path.join(base, *parts)
        for cand in (stem + ".py", os.path.join(stem, "__init__.py")):
            if self._isfile(cand):
                if self.vendored is not None and self.vendored.under(cand):
                    return None
                return norm(cand)
        return None

    def resolve(self, here: str, qualified: str, roots: Sequence[str]) -> Optional[Tuple[str, str]]:
        """``utils.save`` / ``.db.put`` / ``pkg.mod`` -> (module file, unit or MODULE)."""
        q = qualified
        bases: Sequence[str] = roots
        if q.startswith("."):
            dots = len(q) - len(q.lstrip("."))
            q = q[dots:]
            base = os.path.dirname(here)
            for _ in range(dots - 1):
                base = os.path.dirname(base)
            bases = [base]
            if not q:
                found = self.module_file(base, [])  # `from . import x` lands in the package
                return (found, MODULE) if found else None
        parts = [p for p in q.split(".") if p]
        if not parts:
            return None
        for base in bases:
            for cut in range(len(parts), 0, -1):
                found = self.module_file(base, parts[:cut])
                if found is not None:
                    return found, (parts[cut] if cut < len(parts) else MODULE)
        return None


class Planner:
    """One run's code-scope planning; see the module docstring."""

    def __init__(self, config: Any, session: Any, explicit: Set[str]) -> None:
        from lambda_lint.run.vendored import VendoredIndex

        self.config = config
        self.session = session
        self.mode = getattr(config, "code_scope", "handlers")
        self.explicit = explicit
        self.vendored = VendoredIndex()
        self.modules = _Modules(self.vendored)
        self.covered: List[str] = []  # code folders of template functions (norm, with trailing sep)
        self.template_names: Dict[str, Set[str]] = {}  # module path -> handler names templates give
        self.entries: List[Entry] = []
        self.config_entries: List[Entry] = []
        self.roots_of: Dict[str, Tuple[str, ...]] = {}  # template handler module -> its roots

    # -- entry points declared outside the code ---------------------------------------------
    def add_template(self, result: Any) -> None:
        from lambda_lint.project.model import split_handler

        data = result.facts if isinstance(result.facts, dict) else {}
        folder = os.path.dirname(os.path.abspath(result.path))
        for ep in data.get("entrypoints") or ():
            code = ep.get("code")
            if not isinstance(code, str):
                continue
            code_dir = norm(os.path.join(folder, code))
            if not os.path.isdir(code_dir):
                continue
            self.covered.append(code_dir.rstrip(os.sep) + os.sep)
            handler = ep.get("handler")
            if ep.get("python") is False or not isinstance(handler, str):
                continue
            parts = split_handler(handler)
            if parts is None:
                continue
            modpath, func = parts
            path = self.modules.module_file(code_dir, [p for p in modpath.split("/") if p])
            if path is None:
                continue
            roots = [code_dir]
            for layer in ep.get("layers") or ():
                ldir = norm(os.path.join(folder, layer))
                roots.extend([os.path.join(ldir, "python"), ldir])
            self.template_names.setdefault(path, set()).add(func)
            self.entries.append(Entry(path, func, func, tuple(roots)))
            self.roots_of.setdefault(path, tuple(roots))

    def add_config_handlers(self) -> None:
        for path, func in getattr(self.config, "handlers", ()) or ():
            p = norm(path)
            self.config_entries.append(Entry(p, func, func, self.default_roots(p)))

    def default_roots(self, path: str) -> Tuple[str, ...]:
        """Where a handler no template places imports from: its package root, its own folder,
        then the folders above up to the repository root (namespace packages, a project run
        from its root: ``from functions.orders.service import charge``), at most 6 levels."""
        roots = [package_root(path), os.path.dirname(path)]
        top = _repo_top(path)
        cur = roots[0]
        for _ in range(6):
            parent = os.path.dirname(cur)
            if parent == cur or top is None or not (parent + os.sep).startswith(top):
                break
            roots.append(parent)
            cur = parent
        return tuple(dict.fromkeys(roots))

    def is_covered(self, path: str) -> bool:
        return any(path.startswith(c) for c in self.covered)

    def handler_names(self, path: str) -> Optional[frozenset]:
        """What the job tells the code layer about handlers: the names templates and config
        give, or None (unmistakable handlers) where neither covers the file."""
        names = set(self.template_names.get(path, ()))
        names |= {e.unit for e in self.config_entries if e.path == path}
        if names or self.is_covered(path):
            return frozenset(names)
        return None


def execute_scoped(jobs: List[Any], paths: Sequence[str], config: Any, session: Any,
                   execute: Callable[[List[Any], Any, Any], List[Any]]) -> Tuple[List[Any], Scope]:
    """Run ``jobs`` the way the code scope plans them; results in job order (a requested file
    nothing reaches is an ``unreached`` result: listed, never parsed), then the files the scope
    added (handler modules and helpers the run did not name; not requested)."""
    from lambda_lint.run.files import FileJob

    explicit = {norm(p) for p in paths if os.path.isfile(p)}
    planner = Planner(config, session, explicit)
    scope = Scope(planner.mode, session.metas)
    cache = session.cache

    def scan(path: str) -> bool:
        return cache.sniff(path, scan_file) if cache is not None else scan_file(path)

    results: Dict[str, Any] = {}  # norm path -> result
    by_job: Dict[int, Any] = {}

    templates = [j for j in jobs if j.kind != "python"]
    for job, res in zip(templates, execute(templates, config, session) if templates else []):
        by_job[id(job)] = res
        if res.parsed:
            planner.add_template(res)
    planner.add_config_handlers()

    code_enabled = frozenset(c for c in session.enabled if session.metas[c].layer in ("code", "meta"))
    py_jobs = {norm(j.path): j for j in jobs if j.kind == "python"}
    extra: List[Any] = []

    def job_for(path: str) -> Any:
        names = planner.handler_names(path)
        known = py_jobs.get(path)
        if known is not None:
            return replace(known, handler_names=names)
        from lambda_lint.run.discovery import relative_display

        job = FileJob(relative_display(path), path, "python", False, code_enabled, names)
        extra.append(job)
        return job

    first: List[Any] = []
    wanted: Set[str] = set()

    def want(path: str) -> None:
        if path not in wanted and path not in results:
            wanted.add(path)
            first.append(job_for(path))

    # With neither code nor cross rules selected (`--select LL2`), code outside the requested
    # files is of no use: no handler modules, no rounds.
    follow = session.layer_enabled("code") or session.layer_enabled("project")
    for path in sorted(py_jobs):
        if planner.mode == "all" or path in explicit:
            want(path)
        elif planner.handler_names(path) is None and scan(path):
            want(path)
    for e in (planner.entries + planner.config_entries) if follow else ():
        if os.path.isfile(e.path):
            want(e.path)
    if planner.mode != "all" and follow:
        roots_done: Set[str] = set()
        for path in sorted(explicit):
            if path in py_jobs and planner.handler_names(path) is None:
                root = package_root(path)
                if root not in roots_done:  # many named files of one package: one walk
                    roots_done.add(root)
                    _scan_around(root, planner, scan, want, config)

    todo = first
    for _ in range(MAX_ROUNDS):
        if not todo:
            break
        for job, res in zip(todo, execute(todo, config, session)):
            results[norm(job.path)] = res
        todo = []
        for path in (_reach(planner, scope, results) if follow else ()):
            if path not in wanted and path not in results and os.path.isfile(path):
                wanted.add(path)
                todo.append(job_for(path))
    scope.entries = planner.entries

    # Results in the order of the original jobs; a requested file nothing reaches is listed
    # (it was looked at) but carries nothing, then the files the scope added.
    from lambda_lint.run.files import FileResult

    out: List[Any] = []
    for job in jobs:
        if job.kind != "python":
            res = by_job.get(id(job))
        else:
            res = results.get(norm(job.path))
            if res is None and job.requested:
                res = FileResult(display=job.display, path=job.path, kind="unreached", requested=True)
        if res is not None:
            out.append(res)
    for job in extra:
        res = results.get(norm(job.path))
        if res is not None:
            out.append(res)
    return out, scope


def _scan_around(root: str, planner: Planner, scan: Callable[[str], bool], want: Callable[[str], None],
                 config: Any) -> None:
    """An explicitly named file no template covers (pre-commit passes one changed helper): the
    handlers that might reach it live in its package (``root``); byte-scan that folder for them."""
    from lambda_lint.run.discovery import discover

    try:
        found = discover([root], exclude=tuple(config.exclude) + tuple(config.extend_exclude),
                         respect_gitignore=config.respect_gitignore, vendored=planner.vendored,
                         sniff=lambda p: False)
    except OSError:
        return
    for f in found.files[:MAX_ROOT_SCAN]:
        if f.kind == "python":
            p = norm(f.path)
            if planner.handler_names(p) is None and scan(p):
                want(p)


def _reach(planner: Planner, scope: Scope, results: Dict[str, Any]) -> List[str]:
    """Breadth first from every entry point over what is parsed; returns the module files the
    walk needed and did not have (the next round parses them)."""
    entries: List[Entry] = list(planner.entries) + list(planner.config_entries)
    for path in sorted(results):
        r = results[path]
        facts = r.facts if r.parsed and isinstance(r.facts, dict) else None
        if facts is None or r.kind != "python" or planner.handler_names(path) is not None:
            continue
        roots = planner.default_roots(path)
        for name in facts.get("handlers") or ():
            entries.append(Entry(path, name, name, roots))
        for name in ((facts.get("units") or {}).get(MODULE) or {}).get("adapters") or ():
            entries.append(Entry(path, MODULE, name, roots))
    entries.sort(key=lambda e: (e.path, e.unit, e.label))
    reached: Dict[Tuple[str, str], _Reach] = {}
    roots_of: Dict[str, Tuple[str, ...]] = {}
    queue: deque = deque()
    needed: List[str] = []
    needed_set: Set[str] = set()

    def visit(key: Tuple[str, str], entry: Entry, parent: Optional[Tuple[str, str]], roots: Tuple[str, ...]) -> None:
        if key in reached:
            return
        reached[key] = _Reach(entry, parent)
        roots_of.setdefault(key[0], roots)
        queue.append(key)

    for e in entries:
        visit((e.path, e.unit), e, None, e.roots)
        visit((e.path, MODULE), e, (e.path, e.unit), e.roots)
    while queue:
        key = queue.popleft()
        path, unit = key
        r = results.get(path)
        if r is None:
            if path not in needed_set:
                needed_set.add(path)
                needed.append(path)
            continue
        facts = r.facts if r.parsed and isinstance(r.facts, dict) else None
        if facts is None:
            continue
        units = facts.get("units") or {}
        u = units.get(unit)
        if not isinstance(u, dict):
            continue
        entry = reached[key].entry
        roots = roots_of.get(path, entry.roots)
        targets: List[Tuple[str, str]] = []
        for name in u.get("uses") or ():
            if "." not in name:
                if name in units:
                    targets.append((path, name))
                continue
            found = planner.modules.resolve(path, name, roots)
            if found is not None:
                targets.append(found)
        if unit == MODULE:
            for name in u.get("imports") or ():
                found = planner.modules.resolve(path, name, roots)
                if found is not None:
                    targets.append((found[0], MODULE))
            for name in sorted(units):
                if isinstance(units[name], dict) and units[name].get("registered"):
                    targets.append((path, name))
        for t in targets:
            if t[0] != path:
                visit((t[0], MODULE), entry, key, roots_of.get(t[0], roots))
            visit(t, entry, key, roots_of.get(t[0], roots))
    scope.reached = reached
    return needed
