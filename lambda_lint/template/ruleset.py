"""Loading and strictly validating declarative rule files (``rules/*.yaml``, ``--rules DIR``).

The language is documented in docs/rule-language.md. A malformed file raises
:class:`lambda_lint.errors.RuleFileError` naming the file and the offending key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from lambda_lint.errors import RuleFileError
from lambda_lint.findings import RuleMeta, Severity

REQUIRED = ("code", "name", "severity", "summary", "for", "require", "message", "docs")
OPTIONAL = ("where", "points_to", "default_enabled")
OPERATORS = {"present", "equals", "not", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "default",
             "matches"}
GROUPS = {"any_of", "all_of", "none_of"}
OPERAND_KEYS = {"field", "times", "plus", "default"}
_CODE_RE = re.compile(r"^LL\d{3}$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_PATH_RE = re.compile(r"^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _subject_attrs() -> Dict[str, frozenset]:
    from lambda_lint.template import model as m

    res = m.Resource.ATTRS
    return {
        "trigger": m.Trigger.ATTRS, "function": m.Function.ATTRS, "queue": m.Queue.ATTRS,
        "alarm": m.Alarm.ATTRS, "invoke_config": m.InvokeConfig.ATTRS, "resource": res,
        "stream": res, "table": res, "bucket": res, "topic": res, "bus": res,
    }


class TemplateRule:
    """A compiled declarative rule: ``meta`` (RuleMeta, layer "template"), ``subject`` (the
    ``for`` value), ``where`` and ``require`` conditions, ``message``, ``points_to``."""

    def __init__(self, meta: RuleMeta, subject: str, where: Dict[str, Any], require: Dict[str, Any],
                 message: str, points_to: str) -> None:
        self.meta = meta
        self.subject = subject
        self.where = where
        self.require = require
        self.message = message
        self.points_to = points_to

    def check(self, model: Any, reporter: Any) -> None:
        from lambda_lint.template.evaluate import evaluate

        evaluate(self, model, reporter)

    def __repr__(self) -> str:
        return f"<TemplateRule {self.meta.code} {self.meta.name}>"


class _Validator:
    def __init__(self, path: str, attrs: frozenset) -> None:
        self.path = path
        self.attrs = attrs

    def err(self, key: str, msg: str) -> RuleFileError:
        return RuleFileError(self.path, key, msg)

    def field_path(self, key: str, path: Any) -> None:
        if not isinstance(path, str) or not _PATH_RE.match(path):
            raise self.err(key, f"{path!r} is not a field path (dotted names, e.g. DestinationConfig.OnFailure)")
        first = path.split(".", 1)[0]
        if (first[:1].islower() or first == "Kind") and first not in self.attrs:
            raise self.err(key, f"unknown attribute {first!r}; known: {', '.join(sorted(self.attrs))} "
                                "(template properties are capitalised)")

    def condition(self, key: str, cond: Any) -> None:
        if not isinstance(cond, dict) or not cond:
            raise self.err(key, "must be a non-empty mapping of field paths to tests")
        for k, test in cond.items():
            sub = f"{key}.{k}"
            if k in GROUPS:
                if not isinstance(test, list) or not test:
                    raise self.err(sub, "must be a non-empty list of conditions")
                for i, c in enumerate(test):
                    self.condition(f"{sub}[{i}]", c)
                continue
            self.field_path(sub, k)
            self.test(sub, test)

    def test(self, key: str, test: Any) -> None:
        if not isinstance(test, dict):
            if isinstance(test, (str, int, float, bool, list)):
                return
            raise self.err(key, "a test is a value, a list of values, or a mapping of operators")
        if not test:
            raise self.err(key, "empty test")
        for op, arg in test.items():
            if op not in OPERATORS:
                raise self.err(f"{key}.{op}", f"unknown operator; known: {', '.join(sorted(OPERATORS))}")
            if op == "present" and not isinstance(arg, bool):
                raise self.err(f"{key}.{op}", "must be true or false")
            if op in ("in", "not_in") and not isinstance(arg, list):
                raise self.err(f"{key}.{op}", "must be a list")
            if op == "matches":
                try:
                    re.compile(arg)
                except (re.error, TypeError) as exc:
                    raise self.err(f"{key}.{op}", f"not a regular expression: {exc}") from None
            if op in ("gt", "gte", "lt", "lte"):
                if isinstance(arg, dict):
                    unknown = set(arg) - OPERAND_KEYS
                    if unknown or "field" not in arg:
                        raise self.err(f"{key}.{op}", "an operand mapping takes field (required), times, plus, default")
                    self.field_path(f"{key}.{op}.field", arg["field"])
                    for n in ("times", "plus"):
                        if n in arg and (not isinstance(arg[n], (int, float)) or isinstance(arg[n], bool)):
                            raise self.err(f"{key}.{op}.{n}", "must be a number")
                elif not isinstance(arg, (int, float)) or isinstance(arg, bool):
                    raise self.err(f"{key}.{op}", "must be a number or {field: ..., times: ...}")


def _plain(value: Any) -> Any:
    """Loader Map/Seq -> plain dict/list (rule files are small)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def load_rule_file(path: Path) -> TemplateRule:
    from lambda_lint.errors import ParseFailure
    from lambda_lint.template.loader import load

    spath = str(path)
    try:
        data = _plain(load(path.read_bytes(), spath))
    except ParseFailure as exc:
        raise RuleFileError(spath, "(file)", f"invalid YAML at line {exc.line}: {exc.message}") from None
    except OSError as exc:
        raise RuleFileError(spath, "(file)", f"cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise RuleFileError(spath, "(file)", "a rule file is a mapping of keys (code, name, severity, ...)")
    for key in data:
        if key not in REQUIRED and key not in OPTIONAL:
            raise RuleFileError(spath, str(key), f"unknown key; allowed: {', '.join(REQUIRED + OPTIONAL)}")
    for key in REQUIRED:
        if key not in data:
            raise RuleFileError(spath, key, "missing")
    code, name = data["code"], data["name"]
    if not isinstance(code, str) or not _CODE_RE.match(code):
        raise RuleFileError(spath, "code", f"{code!r} is not a rule code (LL followed by 3 digits)")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise RuleFileError(spath, "name", f"{name!r} is not a kebab-case name")
    try:
        severity = Severity.parse(data["severity"])
    except ValueError as exc:
        raise RuleFileError(spath, "severity", str(exc)) from None
    for key in ("summary", "message", "docs"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise RuleFileError(spath, key, "must be a non-empty string")
    attrs = _subject_attrs()
    subject = data["for"]
    if subject not in attrs:
        raise RuleFileError(spath, "for", f"{subject!r}: expected one of {', '.join(sorted(attrs))}")
    v = _Validator(spath, attrs[subject])
    where = data.get("where") or {}
    if where:
        v.condition("where", where)
    v.condition("require", data["require"])
    for ph in _PLACEHOLDER.findall(data["message"]):
        if ph in ("value", "field"):
            continue
        v.field_path("message", ph)
    points_to = data.get("points_to", "nearest")
    if points_to not in ("nearest", "subject"):
        raise RuleFileError(spath, "points_to", "must be 'nearest' (default) or 'subject'")
    default_enabled = data.get("default_enabled", True)
    if not isinstance(default_enabled, bool):
        raise RuleFileError(spath, "default_enabled", "must be true or false")
    meta = RuleMeta(code=code, name=name, severity=severity, summary=data["summary"].strip(),
                    docs=data["docs"].strip() + "\n", layer="template", origin=spath,
                    default_enabled=default_enabled)
    return TemplateRule(meta, subject, where, data["require"], data["message"].strip(), points_to)


def load_rule_dirs(dirs: Sequence[Path]) -> List[TemplateRule]:
    """Every ``*.yaml``/``*.yml`` rule file of the given folders, sorted by code."""
    rules: List[TemplateRule] = []
    for d in dirs:
        d = Path(d)
        if not d.is_dir():
            if d.is_file():
                rules.append(load_rule_file(d))
                continue
            raise RuleFileError(str(d), "(folder)", "no such rule folder")
        for p in sorted(list(d.glob("*.yaml")) + list(d.glob("*.yml"))):
            rules.append(load_rule_file(p))
    rules.sort(key=lambda r: r.meta.code)
    return rules


def find_rule(rules: Sequence[TemplateRule], code: str) -> Optional[TemplateRule]:
    for r in rules:
        if r.meta.code == code:
            return r
    return None
