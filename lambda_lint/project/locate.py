"""Code-side positions the facts don't carry, found by analysing a module again (rarely:
only when a cross finding is to be reported in code, or a helper's parameter needs its
call sites). Uses the code layer's public ModuleAnalysis and value origins."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from lambda_lint.project.model import CodeUnit, Module, TemplateCtx


class Locator:
    def __init__(self, store: Any) -> None:
        self.store = store
        self._an: Dict[Tuple[str, Optional[str]], Any] = {}

    def analysis(self, mod: Module, handler: Optional[str] = None) -> Any:
        key = (mod.path or f"<inline>{id(mod)}", handler)
        if key in self._an:
            return self._an[key]
        an = None
        try:
            from lambda_lint.code import decode_source, parse_source, run_deep
            from lambda_lint.code.analysis import ModuleAnalysis

            text = mod.text if mod.text is not None else self.store.text(mod.path)
            if text is not None:
                text = decode_source(text)
                an = run_deep(lambda: ModuleAnalysis(parse_source(text), text, mod.path or "",
                                                     handler_names=frozenset({handler}) if handler else None))
        except Exception:  # noqa: BLE001 - no positions, the finding falls back to the template
            an = None
        self._an[key] = an
        return an

    # ---- positions (in the module's own coordinates)
    def def_line(self, mod: Module, name: str) -> Optional[Tuple[int, int]]:
        f = mod.function(name)
        if f is None or not f.get("line"):
            return None
        return f["line"], 1

    def bif_return(self, unit: CodeUnit) -> Optional[Tuple[Module, int, int]]:
        """The ``return`` that hands back batchItemFailures (or the Powertools call)."""
        from lambda_lint.code.analysis import walk
        import libcst as cst

        for mod, name in unit.reachable:
            f = mod.function(name)
            if not f or not f.get("returns_batch_item_failures"):
                continue
            an = self.analysis(mod, unit.handler if mod is unit.module else None)
            func = an.module_functions.get(name) if an is not None else None
            if func is None:
                continue
            best = None
            for ret in func.returns:
                if ret.value is None:
                    continue
                text = an.code(ret)
                if "batchItemFailures" in text or "process_partial_response" in text or "response()" in text:
                    best = ret
                    break
                if best is None:
                    best = ret
            if best is None:
                for node in walk(func.node):
                    if isinstance(node, cst.Decorator):
                        best = node
                        break
            if best is not None:
                line, col, _, _ = an.position(best)
                return mod, line, col
        return None

    def first_record(self, unit: CodeUnit) -> Optional[Tuple[Module, int, int]]:
        from lambda_lint.code.values import origin

        for mod, name in unit.reachable:
            f = mod.function(name)
            if not f or not f.get("reads_first_record"):
                continue
            an = self.analysis(mod, unit.handler if mod is unit.module else None)
            func = an.module_functions.get(name) if an is not None else None
            if func is None:
                continue
            for sub in func.zero_subscripts:
                org = origin(an, sub.value, func)
                if org.get("kind") == "event" and (org.get("path") or [None])[-1] == "Records":
                    line, col, _, _ = an.position(sub)
                    return mod, line, col
        return None

    # ---- parameters of helpers: the values their call sites pass
    def param_origins(self, ctx: TemplateCtx, fn_id: str, org: dict) -> Optional[List[dict]]:
        from lambda_lint.code.analysis import dotted
        from lambda_lint.code.values import origin

        unit = ctx.units.get(fn_id)
        if unit is None:
            return None
        target = org.get("function") or ""
        index, pname = org.get("index"), org.get("name")
        short = target.split(".")[-1]
        out: List[dict] = []
        for mod in {id(m): m for m, _ in unit.reachable}.values():
            an = self.analysis(mod, unit.handler if mod is unit.module else None)
            if an is None:
                continue
            for call, func in an.calls:
                d = dotted(call.func) or ""
                if d.split(".")[-1] != short:
                    continue
                q = an.qualify(call.func) or d
                if "." in target and q != target and d != target:
                    continue
                expr = None
                positional = [a for a in call.args if a.keyword is None and not a.star]
                for a in call.args:
                    if a.keyword is not None and a.keyword.value == pname:
                        expr = a.value
                if expr is None and isinstance(index, int) and index < len(positional):
                    expr = positional[index].value
                if expr is None:
                    continue
                o = origin(an, expr, func)
                for key in org.get("path") or []:
                    if o.get("kind") in ("event", "param"):
                        o = dict(o, path=list(o.get("path") or []) + [key])
                    else:
                        o = {"kind": "unknown"}
                if o.get("kind") == "param" and o.get("function") == target:
                    continue
                out.append(o)
        return out or None
