"""lambda-lint's template rules (LL2xx) as cfn-lint rules.

    cfn-lint -a lambda_lint.cfnlint_plugin -- template.yaml

cfn-lint imports this module (``--append-rules`` takes a folder or a module path) and
instantiates every ``CloudFormationLintRule`` subclass in it. One class is made here per
shipped template rule, with a cfn-lint id built from the severity and the code:
``LL201`` (error) -> ``E9201``, ``LL202`` (warning) -> ``W9202``, ``LL204`` (info) ->
``I9204`` (cfn-lint shows ``I`` rules only with ``--include-checks I``). See
docs/cfn-lint.md for the table.

Each rule runs lambda-lint's template layer on the file cfn-lint is checking
(``cfn.filename``, read from disk, so lines are those of the file as written even when
cfn-lint has transformed a SAM template), once per file, and reports the same lines and
columns as ``lambda-lint`` does. The match path is ``Resources/<logical id>`` so that
cfn-lint's own suppressions work: ``--ignore-checks W9208`` and resource
``Metadata: {cfn-lint: {config: {ignore_checks: [W9208]}}}``. lambda-lint's own
suppressions (comments, ``Metadata: {lambda-lint: {ignore: [...]}}``) apply as well.

This module imports cfn-lint; nothing on lambda-lint's own path imports this module.
"""

from __future__ import annotations

import os
from typing import Dict, List, Tuple

from cfnlint.rules import CloudFormationLintRule, RuleMatch

DOCS_URI = "https://github.com/lambda-lint/lambda-lint/blob/main/docs/rules.md"
_LETTERS = {"error": "E", "warning": "W", "info": "I"}


def cfn_lint_id(code: str, severity: str) -> str:
    """``LL201`` + ``error`` -> ``E9201``."""
    return f"{_LETTERS[severity]}9{code[2:]}"


def _template_rules():
    from lambda_lint.run.registry import load_registry

    loaded = load_registry(())
    metas = [m for m in loaded.registry.all() if m.layer == "template"]
    return loaded, metas


_LOADED, _METAS = _template_rules()
_CODES = tuple(m.code for m in _METAS)
_CACHE: Dict[Tuple[str, int, int], List] = {}


def findings_for(filename: str) -> List:
    """lambda-lint's template findings for one file (cached by path, mtime and size)."""
    try:
        st = os.stat(filename)
    except OSError:
        return []
    key = (os.path.abspath(filename), st.st_mtime_ns, st.st_size)
    if key not in _CACHE:
        from lambda_lint.config import Config
        from lambda_lint.run.engine import Session, run

        if not _CODES:
            _CACHE[key] = []
        else:
            config = Config(select=_CODES, cache=False, jobs=1)
            session = Session(config, _LOADED)
            result = run([filename], config, session)
            _CACHE[key] = [f for f in result.findings if f.code in _CODES]
    return _CACHE[key]


class _LambdaLintRule(CloudFormationLintRule):
    """Base of the generated rules; its empty id keeps cfn-lint from registering it."""

    id = ""
    ll_code = ""

    def match(self, cfn) -> List[RuleMatch]:
        filename = getattr(cfn, "filename", None)
        if not filename or not os.path.isfile(filename):
            return []
        matches = []
        for f in findings_for(filename):
            if f.code != self.ll_code:
                continue
            path = ["Resources", f.resource] if f.resource else ["Resources"]
            message = f"{f.message} [{f.code}]"
            if f.path != filename and f.related:
                # a finding in a local file the template names (a state machine's
                # DefinitionUri): cfn-lint shows it at the template's reference to the file
                message = f"{f.path}:{f.line}:{f.column}: {message}"
                f = f.related[0]
            end_line = f.end_line if f.end_line is not None else f.line
            end_col = f.end_column if f.end_column is not None and f.end_column > f.column else f.column + 1
            matches.append(RuleMatch(
                path, message,
                location=(f.line - 1, f.column - 1, end_line - 1, end_col - 1),
            ))
        return matches


def _make_rule(meta) -> type:
    rule_id = cfn_lint_id(meta.code, meta.severity.value)
    return type(f"LambdaLint{meta.code}", (_LambdaLintRule,), {
        "id": rule_id,
        "ll_code": meta.code,
        "shortdesc": f"{meta.code} {meta.name}",
        "description": meta.summary,
        "source_url": f"{DOCS_URI}#{meta.code.lower()}",
        "tags": ["lambda-lint", "serverless", meta.name],
        "__module__": __name__,
        "__doc__": meta.summary,
    })


RULE_IDS: Dict[str, str] = {}
for _meta in _METAS:
    _cls = _make_rule(_meta)
    RULE_IDS[_meta.code] = _cls.id
    globals()[_cls.__name__] = _cls
del _meta, _cls
