"""Reading semgrep-style expectations out of fixture files.

``# ruleid: LL105`` on a line means the finding appears on the next line that is not itself
an annotation; ``# ok: LL105`` means it does not. JSON fixtures keep theirs in a sidecar
``<name>.json.expect`` (``ruleid: LL201 @ 12``). ``# fixture-select: LL2`` limits the rules
that run for the fixture. ``# fixture-config: posture-scope=all, external-alarms=true`` sets
run settings (the ``[tool.lambda-lint]`` keys of the template model) for the fixture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

ANNOT_RE = re.compile(r"^\s*#\s*(ruleid|ok)\s*:\s*([A-Za-z0-9_,\s\-]+?)\s*$")
SELECT_RE = re.compile(r"#\s*fixture-select\s*:\s*([A-Za-z0-9_,\s\-]+?)\s*$")
SIDECAR_RE = re.compile(r"^\s*(ruleid|ok)\s*:\s*([A-Za-z0-9_,\s\-]+?)\s*@\s*(\d+)\s*$")
SIDECAR_SELECT_RE = re.compile(r"^\s*fixture-select\s*:\s*([A-Za-z0-9_,\s\-]+?)\s*$")
CONFIG_RE = re.compile(r"#?\s*fixture-config\s*:\s*([A-Za-z0-9_,=\s\-]+?)\s*$")

# fixture-config key -> (Config field, parse)
CONFIG_KEYS = {
    "posture-scope": ("posture_scope", str),
    "external-alarms": ("external_alarms", lambda v: v.lower() == "true"),
}


def _config(raw: str, exp: "Expectations") -> None:
    for part in raw.split(","):
        if not part.strip():
            continue
        key, _, value = part.partition("=")
        field_name, parse = CONFIG_KEYS[key.strip()]
        exp.config[field_name] = parse(value.strip())

FIXTURE_SUFFIXES = (".py", ".yaml", ".yml", ".json", ".template", ".tf")


@dataclass
class Expectations:
    expected: Set[Tuple[str, int, str]] = field(default_factory=set)  # (file, line, code)
    forbidden: Set[Tuple[str, int, str]] = field(default_factory=set)
    select: Optional[List[str]] = None
    annotated_files: Set[str] = field(default_factory=set)
    config: Dict[str, Any] = field(default_factory=dict)  # Config overrides (fixture-config)


def _codes(raw: str) -> List[str]:
    return [c.strip() for c in raw.split(",") if c.strip()]


def read_file(path: Path, key: str, exp: Expectations) -> None:
    """Add the expectations of one fixture file; ``key`` is how findings will name it."""
    if path.suffix == ".json":
        sidecar = path.with_name(path.name + ".expect")
        if sidecar.is_file():
            for raw in sidecar.read_text(encoding="utf-8").splitlines():
                m = SIDECAR_RE.match(raw)
                if m:
                    target = exp.expected if m.group(1) == "ruleid" else exp.forbidden
                    for code in _codes(m.group(2)):
                        target.add((key, int(m.group(3)), code))
                    exp.annotated_files.add(key)
                    continue
                m = CONFIG_RE.match(raw.strip())
                if m:
                    _config(m.group(1), exp)
                    continue
                m = SIDECAR_SELECT_RE.match(raw)
                if m:
                    exp.select = (exp.select or []) + _codes(m.group(1))
                elif raw.strip() and not raw.strip().startswith("#"):
                    raise ValueError(f"{sidecar}: cannot read line {raw!r}")
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    pending: List[Tuple[str, List[str]]] = []
    for lineno, line in enumerate(lines, start=1):
        m = ANNOT_RE.match(line)
        if m:
            pending.append((m.group(1), _codes(m.group(2))))
            continue
        cfg = CONFIG_RE.search(line)
        if cfg and line.lstrip().startswith("#"):
            _config(cfg.group(1), exp)
            continue
        sel = SELECT_RE.search(line)
        if sel and line.lstrip().startswith("#"):
            exp.select = (exp.select or []) + _codes(sel.group(1))
            continue
        if pending:
            for kind, codes in pending:
                target = exp.expected if kind == "ruleid" else exp.forbidden
                for code in codes:
                    target.add((key, lineno, code))
            exp.annotated_files.add(key)
            pending = []
    if pending:
        raise ValueError(f"{path}: annotation at the end of the file has no target line")


def fixture_files(folder: Path) -> List[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in FIXTURE_SUFFIXES)
