"""A run's shared state: the registry, the selected rules, options, overrides, ignores.

Built once in the main process and once in each worker (from the same :class:`Config`),
so every process agrees on what is enabled. Bad codes or options in the configuration are
usage errors here, before any file is read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Mapping

from lambda_lint.config import Config
from lambda_lint.findings import RuleMeta


class Session:
    """State shared by the files of one run: the registry, the rules, the options.

    With the cache on, the compiled declarative rules come from the cache folder (keyed by
    the rule files' bytes), so a run that lints no template never imports PyYAML.
    """

    def __init__(self, config: Config, loaded=None) -> None:
        self.config = config
        self.cache = None
        if config.cache:
            from lambda_lint.run.cache import ResultCache

            self.cache = ResultCache.for_config(config)
        self.loaded = loaded or _load_rules(config, self.cache)
        self.registry = self.loaded.registry
        self.enabled = self.registry.select(config.select, config.ignore, config.extend_select)
        self.metas: Dict[str, RuleMeta] = dict(self.registry.by_code)
        self.options = _normalize_options(config.options, self.registry)
        _check_option_patterns(self.loaded.template_rules, self.options)
        # Codes, prefixes or names, as in the selectors; an unknown one is a usage error.
        self.severity_overrides: Dict[str, Any] = {}
        for key, sev in config.severity_overrides:
            for code in self.registry.resolve(key, origin=f"severity.{key}"):
                self.severity_overrides[code] = sev
        # Validated now, so a bad code in per-file-ignores is a usage error before any work.
        self.per_file_ignores = _PerFileIgnores(config, self)

    def layer_enabled(self, layer: str) -> bool:
        return any(self.metas[c].layer == layer for c in self.enabled)


def _load_rules(config: Config, cache) -> Any:
    """The registry; the compiled template rules from the cache when their files are unchanged."""
    from lambda_lint.run.registry import META_RULES, LoadedRules, Registry, load_registry, python_rule_metas

    if cache is not None:
        data = cache.get_rules()
        if data is not None:
            from lambda_lint.run.cache import rules_from_data

            try:
                template_rules = rules_from_data(data)
            except (KeyError, TypeError, ValueError):
                template_rules = None
            if template_rules is not None:
                metas = list(META_RULES) + python_rule_metas() + [r.meta for r in template_rules]
                return LoadedRules(Registry(metas), template_rules)
    loaded = load_registry(config.rule_dirs)
    if cache is not None:
        from lambda_lint.run.cache import rules_to_data

        data = rules_to_data(loaded.template_rules)
        if data is not None:
            cache.put_rules(data)
    return loaded


def _normalize_options(options: Mapping[str, Mapping[str, Any]], registry) -> Dict[str, Dict[str, Any]]:
    """Options keyed by code, whether the user wrote a code or a rule name; every name and
    value checked against what the rule declares (a typo must not silently do nothing)."""
    from lambda_lint.errors import ConfigError

    out: Dict[str, Dict[str, Any]] = {}
    for key, value in options.items():
        if key in registry.by_name:
            code = registry.by_name[key]
        elif key.upper() in registry.by_code:
            code = key.upper()
        else:
            raise ConfigError(f"options: unknown rule {key!r}")
        declared = dict(registry[code].options)
        for name, given in dict(value).items():
            if name not in declared:
                known = ", ".join(sorted(declared)) or "none"
                raise ConfigError(f"options.{key}: unknown option {name!r} (options of {code}: {known})")
            default = declared[name]
            if not _same_kind(default, given):
                raise ConfigError(f"options.{key}.{name}: expected {_kind(default)}, got {given!r}")
        out[code] = dict(value)
    return out


def _check_option_patterns(template_rules: Any, options: Mapping[str, Mapping[str, Any]]) -> None:
    """A user's option that a rule uses as a ``matches:`` pattern must compile (issue 20: "("
    became LL002 on every template instead of a usage error naming the key)."""
    from lambda_lint.errors import ConfigError
    from lambda_lint.iac.ruleset import regex_option_refs
    from lambda_lint.safe_regex import RegexError, compile as compile_regex

    for rule in template_rules or ():
        given = options.get(rule.meta.code)
        if not given:
            continue
        for name in set(regex_option_refs(rule.where)) | set(regex_option_refs(rule.require)):
            if name in given:
                values = given[name] if isinstance(given[name], list) else [given[name]]
                for value in values:
                    try:
                        compile_regex(value)
                    except RegexError as exc:
                        raise ConfigError(f"options.{rule.meta.code}.{name}: {exc}") from None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list of strings"
    return "a string"


def _same_kind(default: Any, given: Any) -> bool:
    if isinstance(default, bool) or isinstance(given, bool):
        return isinstance(default, bool) and isinstance(given, bool)
    if isinstance(default, (int, float)):
        return isinstance(given, (int, float))
    if isinstance(default, list):
        return isinstance(given, list) and all(isinstance(v, str) for v in given)
    return isinstance(given, str)


def _selector_ran(selector: str, session: Session) -> bool:
    """Did this run select any rule that a suppression's selector names?"""
    from lambda_lint.errors import UsageError

    try:
        return any(code in session.enabled for code in session.registry.resolve(selector, origin="suppression"))
    except UsageError:
        return True  # an unknown code in a suppression: it can never match, so it is unused


class _PerFileIgnores:
    def __init__(self, config: Config, session: Session) -> None:
        self.entries = []
        if not config.per_file_ignores:
            return
        import pathspec

        for pattern, selectors in config.per_file_ignores:
            codes = set()
            for sel in selectors:
                codes.update(session.registry.resolve(sel, origin=f"per-file-ignores.{pattern}"))
            self.entries.append((pathspec.GitIgnoreSpec.from_lines([pattern]), frozenset(codes)))
        self.base = config.project_root or Path.cwd()

    def ignored(self, display: str, code: str) -> bool:
        if not self.entries:
            return False
        abspath = Path(os.path.abspath(display))
        try:
            rel = abspath.relative_to(self.base).as_posix()
        except ValueError:
            rel = display
        for spec, codes in self.entries:
            if code in codes and (spec.match_file(rel) or spec.match_file(display)):
                return True
        return False
