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

FORMATS = ("text", "json", "sarif", "github")

# key in the TOML table -> (type description, validator)
_LIST_KEYS = ("select", "ignore", "extend-select", "exclude", "extend-exclude", "rules")
_KNOWN_KEYS = set(_LIST_KEYS) | {
    "per-file-ignores", "severity", "options", "format", "output-format", "min-severity",
    "jobs", "cache", "cache-dir", "respect-gitignore", "code-scope", "handlers",
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
    severity_overrides: Tuple[Tuple[str, Severity], ...] = ()
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    output_format: str = "text"
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
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def find_pyproject(start: Path) -> Optional[Path]:
    """The nearest ``pyproject.toml`` with a ``[tool.lambda-lint]`` table, walking up."""
    cur = start.resolve()
    if cur.is_file():
        cur = cur.parent
    for folder in (cur, *cur.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if "lambda-lint" in text:
                data = _load_toml(candidate)
                if "lambda-lint" in data.get("tool", {}):
                    return candidate
    return None


def _str_list(value: Any, key: str, where: str) -> Tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key!r} must be a list of strings")
    return tuple(value)


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
                out["rule_dirs"] = tuple((base / p).resolve() for p in items)
            else:
                out[key.replace("-", "_")] = items
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: 'per-file-ignores' must be a table of pattern = [codes]")
            out["per_file_ignores"] = tuple(
                (pattern, _str_list(codes, f"per-file-ignores.{pattern}", where)) for pattern, codes in value.items()
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
        elif key in ("cache", "respect-gitignore"):
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: {key!r} must be true or false")
            out[key.replace("-", "_")] = value
        elif key == "code-scope":
            if value not in CODE_SCOPES:
                raise ConfigError(f"{where}: 'code-scope' must be one of {', '.join(CODE_SCOPES)}")
            out["code_scope"] = value
        elif key == "handlers":
            out["handlers"] = parse_handlers(value, base, where)
        elif key == "cache-dir":
            if not isinstance(value, str):
                raise ConfigError(f"{where}: 'cache-dir' must be a path")
            out["cache_dir"] = (base / value).resolve()
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
    path = config_file
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"--config: no such file: {path}")
        values.update(parse_table(read_table(path, explicit=True), path))
    else:
        path = find_pyproject(search_from)
        if path is not None:
            values.update(parse_table(read_table(path, explicit=False), path))
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
