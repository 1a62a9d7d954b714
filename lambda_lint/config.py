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
    "jobs", "cache", "cache-dir", "respect-gitignore",
}


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


def find_pyproject(start: Path) -> Optional[Path]:
    """The nearest ``pyproject.toml`` with a ``[tool.lambda-lint]`` table, walking up."""
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
        elif key == "cache-dir":
            if not isinstance(value, str):
                raise ConfigError(f"{where}: 'cache-dir' must be a path")
            out["cache_dir"] = _path_value(value, key, where, base)
    return out


def load_config(
    *, config_file: Optional[Path], search_from: Path, cli: Mapping[str, Any]
) -> Config:
    """Merge: defaults < the config file < the command line (only what was given)."""
    values: Dict[str, Any] = {}
    path = config_file
    if path is not None:
        from lambda_lint.fileio import is_file

        if not is_file(path):
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
