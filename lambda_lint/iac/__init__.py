"""Layer 2, infrastructure: one normalized model, whatever format a template was written in.

    load_model(source: bytes, path: str) -> TemplateModel
    lint_template(source, path, *, enabled, reporter, options, rules) -> TemplateModel

A front-end (:mod:`.frontends`; today :mod:`.cloudformation` for SAM and CloudFormation)
turns a file into the one tree shape (:mod:`.tree`); :mod:`.model` normalizes it, with
intrinsics resolved by :mod:`.resolve`; the declarative rules (:mod:`.ruleset`, evaluated by
:mod:`.evaluate`) run over the model. ``load_model`` raises ParseFailure (the run makes it
LL001). The model exposes ``resource_lines`` {logical_id: line} and ``resource_ignores``
{logical_id: frozenset(codes)} for suppressions, and the functions/triggers/queues/alarms
the join builds on.

Nothing here imports PyYAML at module level: discovery imports the front-ends' sniffs only,
and start-up matters.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Tuple


def load_model(source: bytes, path: str = "<template>", settings: Optional[Mapping[str, Any]] = None) -> Any:
    """Load and normalize a template with the front-end that claims it; raises ParseFailure.
    ``settings``: the run's ``posture_scope`` and ``external_alarms`` (:mod:`.invocation`).

    A file no front-end claims was named explicitly (discovery skips such files when it
    walks a folder): it is read as CloudFormation, the most general format."""
    return _load(source, path, settings)[1]


def _load(source: bytes, path: str, settings: Optional[Mapping[str, Any]]) -> Tuple[Any, Any]:
    from lambda_lint.iac.frontends import FRONT_ENDS, front_end_for
    from lambda_lint.iac.model import build_model

    head = source[:4096].decode("utf-8", errors="replace")
    fe = front_end_for(path, head) or FRONT_ENDS[-1]
    tree = fe.load_tree(source, path)
    model = build_model(tree, dict(settings) if settings else None)
    # a front-end whose unit spans files (Terraform) says which file a line is in
    model.position_map = getattr(tree, "position", None)
    return tree, model


def lint_template(
    source: bytes,
    path: str,
    *,
    enabled: frozenset,
    reporter: Any,
    options: Optional[Mapping[str, Any]] = None,
    rules: Optional[list] = None,
    settings: Optional[Mapping[str, Any]] = None,
) -> Any:
    from lambda_lint.rulebase import run_guarded

    tree, model = _load(source, path, settings)
    reporter.position_map = getattr(model, "position_map", None)
    # local files named by the template (a state machine's DefinitionUri) are read relative to
    # it, and block-scalar positions need the text: both only here, where the file is linted
    model.path = path
    model.text = source  # bytes; decoded only when a definition needs it
    memo, key = _unit_memo(tree, path, enabled, options, rules, settings)
    hit = memo.get(key) if memo is not None else None
    if hit is not None and hit[0] is tree:
        for args, kwargs in hit[1]:
            reporter.report(*args, **kwargs)
        return model
    target = _Recorder(reporter) if memo is not None else reporter
    for rule in rules or ():
        if rule.meta.code in enabled:
            run_guarded(target, rule.meta.code, rule.check, model, target, (options or {}).get(rule.meta.code))
    if memo is not None and not target.tainted:
        memo[key] = (tree, target.calls)
    return model


def _unit_memo(tree: Any, path: str, enabled: frozenset, options: Any, rules: Any, settings: Any):
    """Issue 17: every file of a Terraform unit lints the whole unit (its findings in the
    siblings are kept with the file's result). Within a run, the first file of a unit runs
    the rules and the others replay its ``report`` calls onto their own reporter: the same
    findings, each placed by the reporter as if the rules had run again. A unit whose calls
    named the first file's path (a position the unit's map does not know) is not shared."""
    files = getattr(tree, "files", None)
    if not isinstance(files, list) or len(files) < 2:
        return None, None
    import os

    from lambda_lint.fileio import run_memo

    try:
        key = (id(tree), enabled, id(options), tuple(id(r) for r in rules or ()),
               tuple(sorted((settings or {}).items())), os.path.dirname(path))
        hash(key)
    except TypeError:
        return None, None
    return run_memo("iac.unit_rules"), key


class _Recorder:
    """A reporter for the rules that keeps the calls they make (and passes them on)."""

    def __init__(self, reporter: Any) -> None:
        self._reporter = reporter
        self.calls: list = []
        self.tainted = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reporter, name)

    def report(self, *args: Any, **kwargs: Any) -> Any:
        path = self._reporter.path
        if path in repr((args, kwargs)):
            self.tainted = True
        self.calls.append((args, kwargs))
        return self._reporter.report(*args, **kwargs)
