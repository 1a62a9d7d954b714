"""Baselines: adopt lambda-lint on an existing project, report only what is new.

``lambda-lint --write-baseline .lambda-lint-baseline.json`` records today's findings;
``lambda-lint --baseline .lambda-lint-baseline.json`` then reports only findings that are
not in it. An entry is keyed by rule, path (POSIX, relative to the baseline file's folder,
so the file can be committed and used from any working folder) and a fingerprint of the
finding's ``anchor`` (a line-independent identity), never its line: a finding that moves
because lines were inserted above it stays suppressed. Each entry has a ``count``, so a
second identical finding is new. Rewriting the baseline drops the findings that were fixed.

File format (JSON)::

    {"version": 1, "tool": "lambda-lint",
     "findings": [{"rule": "LL201", "path": "template.yaml", "fingerprint": "…",
                   "count": 1, "message": "…for humans; not used for matching"}]}
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

from lambda_lint.errors import UsageError

VERSION = 1
_Key = Tuple[str, str, str]


def anchor_fingerprint(finding) -> str:
    """A hash of what the finding is about; the message stands in when there is no anchor."""
    basis = finding.anchor or f"{finding.name}\x1f{finding.message}"
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _rel_path(finding_path: str, base: Path) -> str:
    absolute = os.path.normpath(os.path.abspath(finding_path))
    try:
        rel = os.path.relpath(absolute, str(base))
    except ValueError:  # another drive on Windows
        rel = absolute
    return Path(rel).as_posix()


def _key(finding, base: Path) -> _Key:
    return (finding.code, _rel_path(finding.path, base), anchor_fingerprint(finding))


def _base_of(path: Path) -> Path:
    return Path(os.path.normpath(os.path.abspath(str(path)))).parent


def write_baseline(path, result) -> int:
    """Record every finding of ``result``; returns how many were written."""
    path = Path(path)
    base = _base_of(path)
    counts: Counter = Counter()
    messages: Dict[_Key, str] = {}
    for f in result.findings:
        k = _key(f, base)
        counts[k] += 1
        messages.setdefault(k, f.message)
    entries = [
        {"rule": rule, "path": rel, "fingerprint": fp, "count": counts[(rule, rel, fp)],
         "message": messages[(rule, rel, fp)]}
        for rule, rel, fp in sorted(counts)
    ]
    data = {"version": VERSION, "tool": "lambda-lint", "findings": entries}
    from lambda_lint.report import encodable

    # a file name that is not UTF-8 (surrogate escapes) is written as a JSON \udcXX escape
    text = encodable(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "json", "utf-8")
    tmp = path.with_name(path.name + ".tmp")
    try:
        if path.parent and not path.parent.exists():
            raise UsageError(f"--write-baseline: no such folder: {path.parent}")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise UsageError(f"--write-baseline: cannot write {path}: {exc.strerror or exc}") from None
    return sum(counts.values())


def load_baseline(path) -> Counter:
    """The allowance: (rule, path, fingerprint) -> count. Malformed files are UsageErrors."""
    path = Path(path)
    where = f"baseline {path}"
    try:
        from lambda_lint.fileio import DATA_LIMIT, read_bytes

        raw = read_bytes(path, DATA_LIMIT)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise UsageError(f"{where}: no such file (create it with --write-baseline)") from None
        raise UsageError(f"{where}: cannot read: {exc}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"{where}: not valid JSON ({reason})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{where}: expected a JSON object with 'version' and 'findings'")
    if data.get("version") != VERSION:
        raise UsageError(f"{where}: unsupported version {data.get('version')!r} (expected {VERSION})")
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise UsageError(f"{where}: 'findings' must be a list")
    allowance: Counter = Counter()
    for i, e in enumerate(entries):
        if not isinstance(e, dict):
            raise UsageError(f"{where}: findings[{i}] must be an object")
        rule, rel, fp, count = e.get("rule"), e.get("path"), e.get("fingerprint"), e.get("count", 1)
        for name, value in (("rule", rule), ("path", rel), ("fingerprint", fp)):
            if not isinstance(value, str) or not value:
                raise UsageError(f"{where}: findings[{i}].{name} must be a non-empty string")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise UsageError(f"{where}: findings[{i}].count must be a positive integer")
        allowance[(rule, rel, fp)] += count
    return allowance


def apply_baseline(path, result):
    """A new RunResult without the findings the baseline accounts for."""
    from dataclasses import replace

    allowance = load_baseline(path)
    base = _base_of(Path(path))
    kept: List = []
    for f in result.findings:
        k = _key(f, base)
        if allowance.get(k, 0) > 0:
            allowance[k] -= 1
            continue
        kept.append(f)
    return replace(result, findings=kept, hidden_by_baseline=len(result.findings) - len(kept))
