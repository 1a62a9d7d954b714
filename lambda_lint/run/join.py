"""The join phase of a run: every template joined with the code of its functions.

Each template is one item of the worker pool (:class:`JoinPhase`), whose workers hold a
:class:`lambda_lint.project.Joiner` built from the per-file results (the code facts). A
template whose join was cached, and none of whose dependencies changed, is not joined again
(:mod:`.join_cache`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Dict, List, Optional, Tuple

from lambda_lint.findings import Finding, Reporter
from lambda_lint.run import join_cache
from lambda_lint.run.pool import Phase, execute
from lambda_lint.run.session import Session


class JoinPhase(Phase):
    """Workers build a Session and a Joiner; an item is a template's FileResult."""

    name = "join"

    def __init__(self, metas: Dict[str, Any]) -> None:
        self.metas = metas

    def init(self, payload: Any) -> Any:
        from lambda_lint.project import Joiner

        config, code_results = payload
        return Joiner(code_results, Session(config))

    def work(self, state: Any, item: Any) -> str:
        found, deps = state.lint(item)
        return json.dumps({"findings": [f.to_cache() for f in found], "deps": deps})

    def lost(self, item: Any, why: str) -> str:
        found: List[Finding] = []
        if item.requested:
            reporter = Reporter(item.display, self.metas)
            reporter.report("LL001", 1, 1, f"joining this template with its code {why}; the other "
                            "templates were linted", anchor="LL001:lost")
            found = reporter.findings
        return json.dumps({"findings": [f.to_cache() for f in found], "deps": None})


def lint_projects(results: List[Any], session: Session) -> List[Finding]:
    from lambda_lint.project.model import norm

    templates = [r for r in results if getattr(r, "kind", None) == "template" and r.parsed]
    if not templates:
        return []
    cache = session.cache
    by_path = {norm(r.path): r for r in results if getattr(r, "kind", None) == "python"}
    out: List[Finding] = []
    todo: List[Tuple[int, Any]] = []
    keys: Dict[int, Optional[str]] = {}
    for i, r in enumerate(templates):
        key = join_cache.template_key(cache, r, session.enabled) if cache is not None else None
        if key is not None:
            hit = join_cache.lookup(cache, key, by_path)
            if hit is not None:
                out.extend(hit)
                continue
        keys[i] = key
        todo.append((i, r))
    if not todo:
        return out
    code_results = [r for r in results if getattr(r, "kind", None) == "python"]
    light = [replace(r, findings=[]) for r in code_results]  # facts are all a worker needs

    def local() -> Any:
        from lambda_lint.project import Joiner

        return Joiner(code_results, session)

    done = execute(JoinPhase(session.metas), todo, (session.config, light),
                   session.config.effective_jobs, local)
    for i, _ in todo:
        data = json.loads(done[i])
        found = [Finding.from_cache(d) for d in data["findings"]]
        out.extend(found)
        key = keys.get(i)
        if key is not None and data["deps"] is not None:
            join_cache.store(cache, key, data["deps"], found, by_path)
    return out
