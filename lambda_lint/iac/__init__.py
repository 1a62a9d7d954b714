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

from typing import Any, Mapping, Optional


def load_model(source: bytes, path: str = "<template>", settings: Optional[Mapping[str, Any]] = None) -> Any:
    """Load and normalize a template with the front-end that claims it; raises ParseFailure.
    ``settings``: the run's ``posture_scope`` and ``external_alarms`` (:mod:`.invocation`).

    A file no front-end claims was named explicitly (discovery skips such files when it
    walks a folder): it is read as CloudFormation, the most general format."""
    import os

    from lambda_lint.iac.frontends import FRONT_ENDS, front_end_for
    from lambda_lint.iac.model import build_model

    head = source[:4096].decode("utf-8", errors="replace")
    fe = front_end_for(path, head) or FRONT_ENDS[-1]
    tree = fe.load_tree(source, path)
    model = build_model(tree, dict(settings) if settings else None)
    # a front-end whose unit spans files (Terraform) says which file a line is in
    model.position_map = getattr(tree, "position", None)
    return model


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

    model = load_model(source, path, settings)
    reporter.position_map = getattr(model, "position_map", None)
    # local files named by the template (a state machine's DefinitionUri) are read relative to
    # it, and block-scalar positions need the text: both only here, where the file is linted
    model.path = path
    model.text = source  # bytes; decoded only when a definition needs it
    for rule in rules or ():
        if rule.meta.code in enabled:
            run_guarded(reporter, rule.meta.code, rule.check, model, reporter, (options or {}).get(rule.meta.code))
    return model
