"""Layer 2: SAM/CloudFormation templates. Entry point: :func:`lint_template`.

    lint_template(source: bytes, path: str, *, enabled: frozenset[str], reporter: Reporter,
                  options: Mapping[str, Any], rules: list[TemplateRule]) -> TemplateModel

raises ParseFailure when the file cannot be loaded (the engine makes it LL001). The model
(:mod:`lambda_lint.template.model`) exposes ``resource_lines`` {logical_id: line} and
``resource_ignores`` {logical_id: frozenset(codes)} for suppressions, and the normalized
functions/triggers/queues/alarms the project layer builds on.

Nothing here imports PyYAML at module level: discovery imports
:func:`lambda_lint.template.sniff.looks_like_template` and start-up matters.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional


def load_model(source: bytes, path: str = "<template>") -> Any:
    """Load and normalize a template; raises ParseFailure."""
    # issue 16: the front-end (CloudFormation, Serverless, CDK) is chosen by file; the
    # lead's front-end registry (issue 11) takes this over on merge
    from lambda_lint.iac.frontends import load_tree
    from lambda_lint.template.model import build_model

    return build_model(load_tree(source, path))


def lint_template(
    source: bytes,
    path: str,
    *,
    enabled: frozenset,
    reporter: Any,
    options: Optional[Mapping[str, Any]] = None,
    rules: Optional[list] = None,
) -> Any:
    from lambda_lint.rulebase import run_guarded

    model = load_model(source, path)
    for rule in rules or ():
        if rule.meta.code in enabled:
            run_guarded(reporter, rule.meta.code, rule.check, model, reporter, (options or {}).get(rule.meta.code))
    return model
