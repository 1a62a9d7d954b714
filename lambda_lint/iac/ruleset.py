"""Loading and strictly validating declarative rule files (``rules/*.yaml``, ``--rules DIR``).

The language is documented in docs/rule-language.md. A malformed file raises
:class:`lambda_lint.errors.RuleFileError` naming the file and the offending key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from lambda_lint.errors import RuleFileError
from lambda_lint.findings import RuleMeta, Severity

REQUIRED = ("code", "name", "severity", "summary", "for", "require", "message", "docs")
OPTIONAL = ("where", "points_to", "default_enabled", "options", "help", "url")
OPERATORS = {"present", "equals", "not", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "default",
             "matches"}
GROUPS = {"any_of", "all_of", "none_of"}
OPERAND_KEYS = {"field", "times", "plus", "default"}
_CODE_RE = re.compile(r"^LL\d{3}$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_PATH_RE = re.compile(r"^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_OPTION_NAME_RE = re.compile(r"^[a-z][a-z0-9]*([-_][a-z0-9]+)*$")


def bind_options(value: Any, options: Dict[str, Any]) -> Any:
    """``value`` with every ``{option: NAME}`` replaced by that option's value."""
    if isinstance(value, dict):
        if len(value) == 1 and "option" in value:
            return options[value["option"]]
        return {k: bind_options(v, options) for k, v in value.items()}
    if isinstance(value, list):
        return [bind_options(v, options) for v in value]
    return value


def regex_option_refs(value: Any) -> List[str]:
    """Names of the options used as a ``matches:`` pattern (checked when the user sets them)."""
    out: List[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "matches" and isinstance(v, dict) and len(v) == 1 and "option" in v:
                out.append(v["option"])
            else:
                out.extend(regex_option_refs(v))
    elif isinstance(value, list):
        for v in value:
            out.extend(regex_option_refs(v))
    return out


def _option_refs(value: Any) -> List[str]:
    if isinstance(value, dict):
        if len(value) == 1 and "option" in value:
            return [value["option"]]
        return [r for v in value.values() for r in _option_refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _option_refs(v)]
    return []


def _subject_attrs() -> Dict[str, frozenset]:
    from lambda_lint.iac import model as m

    from lambda_lint.iac.extensions import subject_attrs

    res = m.Resource.ATTRS
    return subject_attrs({
        "trigger": m.Trigger.ATTRS, "function": m.Function.ATTRS, "queue": m.Queue.ATTRS,
        "alarm": m.Alarm.ATTRS, "invoke_config": m.InvokeConfig.ATTRS, "resource": res,
        "stream": res, "table": res, "bucket": res, "topic": res, "bus": res,
    })


class TemplateRule:
    """A compiled declarative rule: ``meta`` (RuleMeta, layer "template"), ``subject`` (the
    ``for`` value), ``where`` and ``require`` conditions, ``message``, ``points_to``, and the
    optional ``help`` (the why and the fix, shown under the message; same placeholders)."""

    def __init__(self, meta: RuleMeta, subject: str, where: Dict[str, Any], require: Dict[str, Any],
                 message: str, points_to: str, help: str = "") -> None:
        self.help = help
        self.meta = meta
        self.subject = subject
        self.where = where  # as written: may hold {option: NAME} references
        self.require = require
        self.message = message
        self.points_to = points_to
        self._bound: Dict[str, Tuple[Dict[str, Any], Dict[str, Any], str]] = {}

    def bound(self, user_options: Optional[Dict[str, Any]] = None) -> Tuple[Dict[str, Any], Dict[str, Any], str]:
        """(where, require, message) with the rule's options filled in: the user's values
        from ``[tool.lambda-lint.options.CODE]`` over the rule file's defaults."""
        values = dict(self.meta.options)
        values.update(user_options or {})
        key = repr(sorted(values.items()))
        if key not in self._bound:
            message = self.message
            for name, value in values.items():
                message = message.replace("{option.%s}" % name, str(value))
            self._bound[key] = (bind_options(self.where, values), bind_options(self.require, values), message)
        return self._bound[key]

    def help_text(self, user_options: Optional[Dict[str, Any]] = None) -> str:
        """``help`` with the rule's options filled in ("" when the rule has none)."""
        text = self.help
        if text:
            values = dict(self.meta.options)
            values.update(user_options or {})
            for name, value in values.items():
                text = text.replace("{option.%s}" % name, str(value))
        return text

    def check(self, model: Any, reporter: Any, options: Optional[Dict[str, Any]] = None) -> None:
        from lambda_lint.iac.evaluate import evaluate

        evaluate(self, model, reporter, options)

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
                from lambda_lint.safe_regex import RegexError, compile as compile_regex

                try:
                    compile_regex(arg)
                except RegexError as exc:
                    raise self.err(f"{key}.{op}", str(exc)) from None
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
    from lambda_lint.iac.cloudformation.loader import load

    spath = str(path)
    try:
        from lambda_lint.fileio import CONFIG_LIMIT, read_bytes

        data = _plain(load(read_bytes(path, CONFIG_LIMIT), spath))
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
    options = data.get("options") or {}
    if not isinstance(options, dict):
        raise RuleFileError(spath, "options", "must be a mapping of option name to its default value")
    for oname, default in options.items():
        if not isinstance(oname, str) or not _OPTION_NAME_RE.match(oname):
            raise RuleFileError(spath, f"options.{oname}", "an option name is lower-case (words joined by - or _)")
        if not isinstance(default, (str, int, float, bool, list)):
            raise RuleFileError(spath, f"options.{oname}", "a default is a string, number, boolean or list")
    where = data.get("where") or {}
    for section, cond in (("where", where), ("require", data["require"])):
        for ref in _option_refs(cond):
            if ref not in options:
                raise RuleFileError(spath, section, f"{{option: {ref}}} names no option of this rule "
                                                    f"(declare it under options:)")
    # Validated with the defaults filled in: a user's value is checked against the default's type.
    if where:
        v.condition("where", bind_options(where, options))
    v.condition("require", bind_options(data["require"], options))
    help_text = data.get("help", "")
    if "help" in data and (not isinstance(help_text, str) or not help_text.strip()):
        raise RuleFileError(spath, "help", "must be a non-empty string (the why and the fix)")
    url = data.get("url", "")
    if "url" in data and (not isinstance(url, str) or not re.match(r"^https?://\S+$", url)):
        raise RuleFileError(spath, "url", "must be an http(s) address of the rule's docs")
    for key in ("message", "help"):
        for ph in _PLACEHOLDER.findall(data.get(key) or ""):
            if ph in ("value", "field"):
                continue
            if ph.startswith("option."):
                if ph[len("option."):] not in options:
                    raise RuleFileError(spath, key, f"{{{ph}}} names no option of this rule")
                continue
            v.field_path(key, ph)
    points_to = data.get("points_to", "nearest")
    if points_to not in ("nearest", "subject"):
        raise RuleFileError(spath, "points_to", "must be 'nearest' (default) or 'subject'")
    default_enabled = data.get("default_enabled", True)
    if not isinstance(default_enabled, bool):
        raise RuleFileError(spath, "default_enabled", "must be true or false")
    meta = RuleMeta(code=code, name=name, severity=severity, summary=data["summary"].strip(),
                    docs=data["docs"].strip() + "\n", layer="template", origin=spath,
                    default_enabled=default_enabled, options=tuple(sorted(options.items())), url=url)
    return TemplateRule(meta, subject, where, data["require"], data["message"].strip(), points_to,
                        help_text.strip())


def load_rule_dirs(dirs: Sequence[Path]) -> List[TemplateRule]:
    """Every ``*.yaml``/``*.yml`` rule file of the given folders, sorted by code."""
    rules: List[TemplateRule] = []
    for d in dirs:
        from lambda_lint.fileio import is_dir, is_file

        d = Path(d)
        if not is_dir(d):
            if is_file(d):
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
