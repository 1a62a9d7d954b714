"""``--format sarif``: SARIF 2.1.0, one run, as GitHub code scanning accepts it.

* ``tool.driver.rules`` holds every rule that has a result, with its documentation;
* artifact URIs are relative to the repository root (the git root of the working folder,
  else the working folder) under ``uriBaseId: %SRCROOT%``;
* ``partialFingerprints`` hash the rule, the path and the finding's ``anchor`` (a
  line-independent identity), never the line: inserting lines above a finding keeps its
  fingerprint, so code scanning keeps the alert's history.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import IO, Any, Dict, List, Optional

from lambda_lint import __version__

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/lambda-lint/lambda-lint"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "lambdaLint/v1"

_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def rule_help_uri(code: str, name: str = "", meta=None):
    from lambda_lint.report.messages import rule_url

    return rule_url(code, name or (meta.name if meta is not None else code), meta)


def repo_root(cwd: Optional[Path] = None) -> Path:
    """The git work tree containing ``cwd``, else ``cwd`` itself."""
    cwd = Path(cwd or os.getcwd())
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=str(cwd), capture_output=True,
            text=True, timeout=10, check=False,
        )
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip()).resolve()
    except (OSError, subprocess.SubprocessError):
        pass
    return cwd.resolve()


class _Uris:
    """Turn a displayed path into an artifactLocation relative to the repository root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cwd = Path(os.getcwd())

    def location(self, path: str) -> Dict[str, Any]:
        rel = self.relative(path)
        if rel is not None:
            return {"uri": _quote(rel), "uriBaseId": SRCROOT}
        return {"uri": "file://" + _quote(Path(os.path.abspath(path)).as_posix())}

    def relative(self, path: str) -> Optional[str]:
        p = Path(path)
        absolute = p if p.is_absolute() else self.cwd / p
        absolute = Path(os.path.normpath(str(absolute)))
        for candidate in (absolute, _resolved(absolute)):
            try:
                return candidate.relative_to(self.root).as_posix()
            except ValueError:
                continue
        return None


def _resolved(p: Path) -> Path:
    try:
        return p.resolve()
    except OSError:
        return p


def _quote(rel: str) -> str:
    """Percent-encode a path for a URI. A file name that is not UTF-8 reaches us with its raw
    bytes as surrogate escapes (PEP 383): those bytes are what gets percent-encoded (quote of
    the str raised UnicodeEncodeError and the run exited 2, issue 20)."""
    from urllib.parse import quote

    return quote(rel.encode("utf-8", "surrogateescape"), safe="/:" if rel[1:3] == ":/" else "/")


def fingerprint(code: str, rel_path: str, anchor: str, occurrence: int = 0) -> str:
    """A line-independent identity: rule + path + anchor (+ the n-th identical one)."""
    text = "\x1f".join((code, rel_path, anchor or "", str(occurrence)))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _region(line: int, column: int, end_line: Optional[int], end_column: Optional[int]) -> Dict[str, int]:
    line = max(1, int(line or 1))
    column = max(1, int(column or 1))
    el = end_line if end_line is not None and end_line >= line else line
    ec = end_column if end_column is not None else None
    if ec is None or (el == line and ec <= column):
        ec = column + 1
    return {"startLine": line, "startColumn": column, "endLine": el, "endColumn": max(1, ec)}


def _rule_descriptor(meta) -> Dict[str, Any]:
    docs = (meta.docs or "").strip()
    summary = meta.summary or meta.name
    full = _first_paragraph(docs) or summary
    return {
        "id": meta.code,
        "name": _pascal(meta.name),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full},
        "help": {"text": docs or summary, "markdown": docs or summary},
        **({"helpUri": uri} if (uri := rule_help_uri(meta.code, meta.name, meta)) else {}),
        "defaultConfiguration": {"level": _LEVELS.get(meta.severity.value, "warning")},
        "properties": {"tags": [meta.layer, meta.name], "lambdaLintName": meta.name},
    }


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "-").split("-") if part) or name


def _first_paragraph(docs: str) -> str:
    """The text under 'What it catches' (or the first prose paragraph)."""
    lines = docs.splitlines()
    para: List[str] = []
    for ln in lines:
        s = ln.strip()
        if s.startswith("#"):
            if para:
                break
            continue
        if not s:
            if para:
                break
            continue
        if s.startswith("```"):
            if para:
                break
            continue
        para.append(s)
    return " ".join(para)


def build(result, config=None, *, root: Optional[Path] = None) -> Dict[str, Any]:
    """The SARIF log as a dict (``render`` writes it)."""
    from lambda_lint.report.messages import one_line

    uris = _Uris(root or repo_root())
    registry = result.registry
    rule_index: Dict[str, int] = {}
    rules: List[Dict[str, Any]] = []
    results: List[Dict[str, Any]] = []
    seen: Dict[tuple, int] = {}

    for f in result.findings:
        if f.code not in rule_index:
            meta = registry[f.code] if registry is not None and f.code in registry else None
            if meta is None:
                from lambda_lint.findings import RuleMeta

                meta = RuleMeta(f.code, f.name, f.severity, f.name)
            rule_index[f.code] = len(rules)
            rules.append(_rule_descriptor(meta))
        rel = uris.relative(f.path) or f.path
        key = (f.code, rel, f.anchor or f"{f.line}:{f.column}:{f.message}")
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        res: Dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": rule_index[f.code],
            "level": _LEVELS.get(f.severity.value, "warning"),
            "message": {"text": one_line(f)},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": uris.location(f.path),
                    "region": _region(f.line, f.column, f.end_line, f.end_column),
                },
            }],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f.code, rel, key[2], occurrence)},
        }
        props: Dict[str, Any] = {}
        if f.resource:
            props["resource"] = f.resource
        if f.function:
            props["function"] = f.function
        if f.construct:
            props["construct"] = f.construct  # CDK construct path (issue 16)
        if f.impact is not None:
            props["impact"] = f.impact
        if props:
            res["properties"] = props
        if f.related:
            res["relatedLocations"] = [
                {
                    "id": i,
                    "physicalLocation": {
                        "artifactLocation": uris.location(loc.path),
                        "region": _region(loc.line, loc.column, loc.end_line, loc.end_column),
                    },
                    **({"message": {"text": loc.message}} if loc.message else {}),
                }
                for i, loc in enumerate(f.related)
            ]
        results.append(res)

    root_uri = uris.root.as_uri()
    if not root_uri.endswith("/"):
        root_uri += "/"
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "lambda-lint",
                "version": __version__,
                **({"semanticVersion": __version__} if _is_semver(__version__) else {}),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": root_uri}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }


def _is_semver(v: str) -> bool:
    import re

    return re.match(r"^\d+\.\d+\.\d+([-+].*)?$", v) is not None


def render(result, config, out: IO[str]) -> None:
    log = build(result, config)
    json.dump(log, out, indent=2, ensure_ascii=False)
    out.write("\n")
