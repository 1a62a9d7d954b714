"""The code facts' ``units``: what each top-level piece of a module refers to (issue 12).

A unit is module-level code (``<module>``), a module-level function, or a class (its body and
methods together: instantiating a class reaches its methods). For each the facts list the
names it uses, resolved through the import map, so the planner (:mod:`lambda_lint.run.scope`)
can follow an entry point to the code it reaches without parsing anything again::

    "units": {
      "<module>": {"uses": ["app", "process"], "imports": ["boto3", "utils", ".db.save"],
                   "adapters": ["handler"]},        # handler = Mangum(app)
      "handler":  {"uses": ["process", "utils.save"], "registered": false},
      "Worker":   {"uses": ["db.Table"], "registered": false}
    }

``uses`` holds local unit names and qualified imported names (what a function calls or merely
names: ``record_handler=record_handler``, ``pool.map(process, records)``). ``registered`` marks a
function a decorator hands to a framework (``@app.get("/items")``, ``@router.post``): it runs
whenever its module is loaded, without a call in sight. Code under
``if __name__ == "__main__":`` never runs in Lambda and is left out.
"""

from __future__ import annotations

from typing import Any, Dict, List, Set

import libcst as cst

from lambda_lint.code.analysis import Func, ModuleAnalysis, dotted, walk
from lambda_lint.code.entrypoints import is_adapter_call

# Decorators that wrap a function without registering it anywhere.
WRAPPERS = frozenset({
    "staticmethod", "classmethod", "property", "cached_property", "setter", "getter", "deleter",
    "lru_cache", "cache", "wraps", "contextmanager", "asynccontextmanager", "abstractmethod",
    "overload", "override", "final", "dataclass", "total_ordering", "singledispatch",
    "capture_method", "capture_lambda_handler", "inject_lambda_context", "log_metrics",
    "idempotent_function", "retry", "on_exception", "on_predicate", "deprecated", "fixture",
})


def _top_unit(func: Func) -> Func:
    f = func
    while f.parent is not None and f.parent.kind != "module":
        f = f.parent
    return f


def _main_guard_names(module: cst.Module) -> Set[str]:
    """Names used only under ``if __name__ == "__main__":`` at module level."""
    out: Set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, cst.If) and "__name__" in {
                n.value for n in walk(stmt.test) if isinstance(n, cst.Name)}:
            for node in walk(stmt.body):
                if isinstance(node, cst.Name):
                    out.add(node.value)
    return out


def _registered(decorators: List[str]) -> bool:
    return any("." in d and d.rsplit(".", 1)[-1] not in WRAPPERS for d in decorators if d)


def build_units(an: ModuleAnalysis) -> Dict[str, Dict[str, Any]]:
    local: Set[str] = set(an.module_functions)
    groups: Dict[str, List[Func]] = {}
    class_funcs: Dict[str, Func] = {}
    for f in an.functions:
        top = _top_unit(f)
        groups.setdefault(top.name, []).append(f)
        if top.kind == "class":
            class_funcs.setdefault(top.name, top)
            local.add(top.name)

    def resolve(names: Set[str], calls: List[cst.Call]) -> List[str]:
        out: Set[str] = set()
        for n in names:
            if n in local:
                out.add(n)
            elif n in an.imports:
                out.add(an.imports[n])
        for call in calls:
            d = dotted(call.func)
            if d and "." in d and d.split(".")[0] in an.imports:
                out.add(an.qualify(call.func) or d)
        return sorted(out)

    units: Dict[str, Dict[str, Any]] = {}
    mf = an.module_func
    module_names = set(mf.names) - _main_guard_names(an.module)
    adapters = []
    for name, values in mf.assigns.items():
        for v in values:
            if isinstance(v, cst.Call) and is_adapter_call(an.qualify(v.func)):
                adapters.append(name)
    module_unit: Dict[str, Any] = {"uses": resolve(module_names, []), "imports": sorted(set(an.imports.values()))}
    if adapters:
        module_unit["adapters"] = sorted(set(adapters))
    units["<module>"] = module_unit
    for name, funcs in groups.items():
        names: Set[str] = set()
        calls: List[cst.Call] = []
        for f in funcs:
            names |= f.names
            calls.extend(f.calls)
        cls = class_funcs.get(name)
        if cls is not None:
            names |= cls.names
            calls.extend(cls.calls)
            registered = False
        else:
            registered = _registered(an.module_functions[name].decorators) if name in an.module_functions else False
        names.discard(name)
        units[name] = {"uses": resolve(names, calls), "registered": registered}
    return units
