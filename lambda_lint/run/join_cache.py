"""Caching the project phase: one entry per template, keyed by the template's bytes (and
whether it was requested), holding its cross findings and the signatures of every path the
join looked at (handler and helper modules read, candidates probed, code folders). An entry is
reused only when every one of those paths still has the same signature (content digest and
requested state, or absence), so a warm run neither re-parses the template nor any code."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, List, Optional

from lambda_lint.fileio import digest_bytes
from lambda_lint.findings import Finding
from lambda_lint.project.model import norm


def _requested(results_by_path: Dict[str, Any], path: str) -> bool:
    r = results_by_path.get(norm(path))
    return bool(r is not None and r.requested)


def _sha256(path: str) -> str:
    from lambda_lint.fileio import read_bytes

    return digest_bytes(read_bytes(path))


def signature(path: str, results_by_path: Dict[str, Any], cache: Any = None) -> str:
    from lambda_lint.project.model import HAS_PYTHON_PREFIX, _has_python_code

    if path.startswith(HAS_PYTHON_PREFIX):  # an answer about a folder walk, not a file
        try:
            return f"p:{int(_has_python_code(path[len(HAS_PYTHON_PREFIX):]))}"
        except OSError:
            return "?"
    try:
        if os.path.isfile(path):
            digest = cache.file_digest(path, _sha256) if cache is not None else _sha256(path)
            return f"f:{digest}:{int(_requested(results_by_path, path))}"
        if os.path.isdir(path):
            return "d"
    except OSError:
        return "?"
    return "-"


def template_key(cache: Any, result: Any, enabled: Iterable[str]) -> Optional[str]:
    digest = result.digest
    if not digest:
        try:
            digest = _sha256(result.path)
        except OSError:
            return None
    return cache.key("project", result.display, enabled, None, f"{digest}:{int(bool(result.requested))}")


def lookup(cache: Any, key: str, results_by_path: Dict[str, Any]) -> Optional[List[Finding]]:
    data = cache.get(key)
    if not data:
        return None
    try:
        deps = data["deps"]
        for path, sig in deps.items():
            if signature(path, results_by_path, cache) != sig:
                return None
        return [Finding.from_cache(d) for d in data["findings"]]
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def store(cache: Any, key: str, deps: Iterable[str], findings: List[Finding], results_by_path: Dict[str, Any]) -> None:
    data = {"deps": {p: signature(p, results_by_path, cache) for p in sorted(set(deps))},
            "findings": [f.to_cache() for f in findings]}
    try:
        cache.put(key, json.dumps(data))
    except Exception:  # noqa: BLE001 - a cache that can't be written is just a miss next time
        pass
