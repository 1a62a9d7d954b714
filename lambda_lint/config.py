"""Configuration: ``[tool.lambda-lint]`` merged with the command line into one frozen Config.

The file is validated strictly (unknown keys and bad values are exit-2 errors naming the
key), because a typo in a linter's config silently turns checks off.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from lambda_lint.errors import ConfigError
from lambda_lint.findings import Severity

DEFAULT_EXCLUDES: Tuple[str, ...] = (
    ".git", ".hg", ".svn", ".venv", "venv", "node_modules", ".aws-sam", "__pycache__",
    ".tox", "cdk.out", "build", "dist", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".lambda-lint-cache",
)

FORMATS = ("concise", "full", "text", "json", "sarif", "github")
POSTURE_SCOPES = ("runaway", "all")

# key in the TOML table -> (type description, validator)
_LIST_KEYS = ("select", "ignore", "extend-select", "exclude", "extend-exclude", "rules")
_KNOWN_KEYS = set(_LIST_KEYS) | {
    "per-file-ignores", "construct-ignores", "severity", "options", "format", "output-format", "min-severity",
    "jobs", "cache", "cache-dir", "respect-gitignore", "posture-scope", "external-alarms", "code-scope", "handlers",
    "fix",  # the values --fix inserts; validated by lambda_lint.fix.settings
    "impact",  # prices and assumptions of the worst-case impact; validated by lambda_lint.cost
}
CODE_SCOPES = ("handlers", "all")


@dataclass(frozen=True)
class Config:
    """Everything a run needs to know, after merging file and command line."""

    select: Optional[Tuple[str, ...]] = None
    ignore: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: Tuple[str, ...] = ()
    rule_dirs: Tuple[Path, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    # issue 16: CDK construct-path glob -> codes, e.g. ("*/LegacyFn/*", ("LL208",))
    construct_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    severity_overrides: Tuple[Tuple[str, Severity], ...] = ()
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    output_format: str = "auto"  # full on a terminal, concise elsewhere (report.resolve_format)
    min_severity: Severity = Severity.INFO
    jobs: int = 0  # 0 = all cores
    cache: bool = True
    cache_dir: Optional[Path] = None
    respect_gitignore: bool = True
    code_scope: str = "handlers"  # "handlers": LL1xx only in code reachable from an entry point
    handlers: Tuple[Tuple[Path, str], ...] = ()  # (module file, function) entry points from config
    config_path: Optional[Path] = None
    project_root: Optional[Path] = None
    baseline: Optional[Path] = None
    write_baseline: Optional[Path] = None
    exit_zero: bool = False
    statistics: bool = False
    quiet: bool = False
    fix: Mapping[str, Any] = field(default_factory=dict)
    impact: Mapping[str, Any] = field(default_factory=dict)
    sort: str = "path"
    # which functions the posture rules (LL208-LL211, and any rule using in_posture_scope)
    # cover: "runaway" (a stream, queue or async trigger) or "all"
    posture_scope: str = "runaway"
    # alarms are managed outside the template (another stack, tagging): LL209-LL211 are off
    external_alarms: bool = False

    @property
    def template_settings(self) -> Dict[str, Any]:
        """What the template model needs to know of the run (see template.invocation)."""
        return {"posture_scope": self.posture_scope, "external_alarms": self.external_alarms}
    warnings: Tuple[str, ...] = ()  # guard-rail warnings the CLI prints (a misspelt table)

    def with_overrides(self, **changes: Any) -> "Config":
        return replace(self, **changes)

    @property
    def effective_jobs(self) -> int:
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)


def _load_toml(path: Path) -> Dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.9/3.10 only
        import tomli as tomllib
    from lambda_lint.fileio import CONFIG_LIMIT, read_bytes

    try:
        raw = read_bytes(path, CONFIG_LIMIT)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None


# Tables people write for us by mistake (the import name, or no separator): read by nobody.
MISSPELT_TABLES = ("lambda_lint", "lambdalint", "lambda-lint-rules")


def find_pyproject(start: Path, warnings: Optional[list] = None) -> Optional[Path]:
    """The nearest ``pyproject.toml`` with a ``[tool.lambda-lint]`` table, walking up.

    A pyproject passed on the way (or the one found) that holds a misspelt table adds a
    warning to ``warnings``: its settings would otherwise be ignored without a word."""
    from lambda_lint.fileio import is_dir, is_file, read_text

    cur = Path(os.path.abspath(start))
    try:
        cur = cur.resolve()
    except (OSError, RuntimeError):
        pass  # a symlink loop or a folder we may not search: walk up from the path as given
    if not is_dir(cur):
        cur = cur.parent
    for folder in (cur, *cur.parents):
        candidate = folder / "pyproject.toml"
        if is_file(candidate):

            try:
                text = read_text(candidate)
            except OSError:
                continue
            if "lambda-lint" in text or (warnings is not None and ("lambda_lint" in text or "lambdalint" in text)):
                data = _load_toml(candidate)
                if warnings is not None:
                    warnings.extend(misspelt_table_warnings(data, candidate))
                if "lambda-lint" in data.get("tool", {}):
                    return candidate
    return None


def misspelt_table_warnings(data: Mapping[str, Any], path: Path) -> list:
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        return []
    return [f"{path}: [tool.{name}] is not read by lambda-lint; its table is [tool.lambda-lint]"
            for name in MISSPELT_TABLES if name in tool]


def _str_list(value: Any, key: str, where: str) -> Tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key!r} must be a list of strings")
    for v in value:
        if "\0" in v:
            raise ConfigError(f"{where}: {key!r}: {v!r} holds a NUL byte")
    return tuple(value)


def _check_patterns(patterns: Tuple[str, ...], key: str, where: str) -> None:
    """gitignore-style patterns must compile now (``"!"`` was an internal error later)."""
    import pathspec

    for p in patterns:
        try:
            pathspec.GitIgnoreSpec.from_lines([p])
        except Exception as exc:  # noqa: BLE001 - GitIgnorePatternError, ValueError...
            raise ConfigError(f"{where}: {key!r}: invalid pattern {p!r} ({exc})") from None


def _path_value(value: str, key: str, where: str, base: Path) -> Path:
    if "\0" in value:
        raise ConfigError(f"{where}: {key!r}: {value!r} holds a NUL byte")
    try:
        return (base / value).resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise ConfigError(f"{where}: {key!r}: {value!r} is not a usable path ({exc})") from None


def read_table(path: Path, *, explicit: bool) -> Dict[str, Any]:
    """The ``[tool.lambda-lint]`` table of a pyproject (or a dedicated TOML file)."""
    data = _load_toml(path)
    table = data.get("tool", {}).get("lambda-lint")
    if table is None:
        if explicit and path.name != "pyproject.toml":
            # A dedicated lambda-lint.toml may hold the keys at top level.
            table = data.get("lambda-lint", data)
        else:
            table = {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.lambda-lint] must be a table")
    return table


def parse_table(table: Mapping[str, Any], path: Path) -> Dict[str, Any]:
    """Validate a configuration table into Config field values (paths relative to the file)."""
    where = str(path)
    base = path.parent
    out: Dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KNOWN_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} in [tool.lambda-lint]")
        if key in _LIST_KEYS:
            items = _str_list(value, key, where)
            if key == "rules":
                out["rule_dirs"] = tuple(_path_value(p, key, where, base) for p in items)
            else:
                if key in ("exclude", "extend-exclude"):
                    _check_patterns(items, key, where)
                out[key.replace("-", "_")] = items
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: 'per-file-ignores' must be a table of pattern = [codes]")
            out["per_file_ignores"] = tuple(
                (pattern, _str_list(codes, f"per-file-ignores.{pattern}", where)) for pattern, codes in value.items()
            )
            _check_patterns(tuple(value), "per-file-ignores", where)
        elif key == "construct-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: 'construct-ignores' must be a table of construct-path glob = [codes]")
            out["construct_ignores"] = tuple(
                (pattern, _str_list(codes, f"construct-ignores.{pattern}", where)) for pattern, codes in value.items()
            )
        elif key == "severity":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: 'severity' must be a table of CODE = \"error|warning|info\"")
            overrides = []
            for code, sev in value.items():
                try:
                    overrides.append((code, Severity.parse(sev)))
                except ValueError as exc:
                    raise ConfigError(f"{where}: severity.{code}: {exc}") from None
            out["severity_overrides"] = tuple(overrides)
        elif key == "options":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise ConfigError(f"{where}: 'options' must be a table of rule tables ([tool.lambda-lint.options.LL209])")
            out["options"] = value
        elif key in ("format", "output-format"):
            if value not in FORMATS:
                raise ConfigError(f"{where}: {key!r} must be one of {', '.join(FORMATS)}")
            out["output_format"] = value
        elif key == "min-severity":
            try:
                out["min_severity"] = Severity.parse(value)
            except ValueError as exc:
                raise ConfigError(f"{where}: 'min-severity': {exc}") from None
        elif key == "jobs":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{where}: 'jobs' must be a whole number >= 0 (0 = all cores)")
            out["jobs"] = value
        elif key == "posture-scope":
            if value not in POSTURE_SCOPES:
                raise ConfigError(f"{where}: 'posture-scope' must be one of {', '.join(POSTURE_SCOPES)}")
            out["posture_scope"] = value
        elif key in ("cache", "respect-gitignore", "external-alarms"):
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: {key!r} must be true or false")
            out[key.replace("-", "_")] = value
        elif key == "impact":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: 'impact' must be a table ([tool.lambda-lint.impact])")
            out["impact"] = dict(value)
        elif key == "fix":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: 'fix' must be a table of value = number ([tool.lambda-lint.fix])")
            out["fix"] = dict(value)
        elif key == "code-scope":
            if value not in CODE_SCOPES:
                raise ConfigError(f"{where}: 'code-scope' must be one of {', '.join(CODE_SCOPES)}")
            out["code_scope"] = value
        elif key == "handlers":
            out["handlers"] = parse_handlers(value, base, where)
        elif key == "cache-dir":
            if not isinstance(value, str):
                raise ConfigError(f"{where}: 'cache-dir' must be a path")
            out["cache_dir"] = _path_value(value, key, where, base)
    return out


def parse_handlers(value: Any, base: Path, where: str) -> Tuple[Tuple[Path, str], ...]:
    """``handlers = ["src/app.py:handler", "functions/*/app.py:lambda_handler"]``: entry points
    for code no template names (``path:function``, the path relative to the config file, glob
    patterns allowed). Each entry must name a function and match at least one ``.py`` file: a
    typo must not silently leave a handler unchecked."""
    import re

    items = _str_list(value, "handlers", where)
    out = []
    for item in items:
        path, sep, func = item.rpartition(":")
        if not sep or not path or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", func or ""):
            raise ConfigError(f"{where}: handlers: {item!r} is not 'path/to/module.py:function'")
        if not path.endswith(".py"):
            raise ConfigError(f"{where}: handlers: {item!r}: the path must name a .py file")
        if any(c in path for c in "*?["):
            matches = sorted(p for p in base.glob(path) if p.is_file())
        else:
            matches = [base / path] if (base / path).is_file() else []
        if not matches:
            raise ConfigError(f"{where}: handlers: {item!r}: no such file under {base}")
        out.extend((m.resolve(), func) for m in matches)
    return tuple(out)


def load_config(
    *, config_file: Optional[Path], search_from: Path, cli: Mapping[str, Any]
) -> Config:
    """Merge: defaults < the config file < the command line (only what was given)."""
    values: Dict[str, Any] = {}
    warnings: list = []
    path = config_file
    if path is not None:
        from lambda_lint.fileio import is_file

        if not is_file(path):
            raise ConfigError(f"--config: no such file: {path}")
        values.update(parse_table(read_table(path, explicit=True), path))
        if path.name == "pyproject.toml":
            warnings.extend(misspelt_table_warnings(_load_toml(path), path))
    else:
        path = find_pyproject(search_from, warnings)
        if path is not None:
            values.update(parse_table(read_table(path, explicit=False), path))
    if warnings:
        values["warnings"] = tuple(dict.fromkeys(warnings))
    if path is not None:
        values["config_path"] = path
        values["project_root"] = path.parent.resolve()
    for key, value in cli.items():
        if value is None:
            continue
        if key == "rule_dirs":
            value = tuple(values.get("rule_dirs", ())) + tuple(value)
        values[key] = value
    return Config(**values)
