"""Lint what the editor shows, with the project around it, and speak LSP's data shapes.

A document is linted as ``lambda-lint PATH`` would lint it (its configuration, its context
template, findings only for it), except that open documents are read from the editor's
buffers (``engine.OVERLAYS``), saved or not. The run is in-process, one job and no cache:
the cache keys files by their bytes on disk, which an unsaved buffer is not.

Positions: lambda-lint counts columns in code points from 1; LSP counts UTF-16 code units
from 0, so columns are converted through the document's text.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import unquote, urlparse

SOURCE = "lambda-lint"
_SEVERITY = {"error": 1, "warning": 2, "info": 3}  # DiagnosticSeverity
SUFFIXES = (".py", ".yaml", ".yml", ".json", ".template")


def uri_to_path(uri: str) -> Optional[str]:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and path.startswith("/") and len(path) > 2 and path[2] == ":":
        path = path[1:]
    return os.path.abspath(path)


def path_to_uri(path: str) -> str:
    return Path(os.path.abspath(path)).as_uri()


def utf16_column(line_text: str, column: int) -> int:
    """LSP's 0-based UTF-16 offset of lambda-lint's 1-based code-point ``column``."""
    prefix = line_text[: max(0, column - 1)]
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in prefix) + max(0, column - 1 - len(prefix))


def _position(lines: List[str], line: int, column: int) -> Dict[str, int]:
    idx = max(0, line - 1)
    text = lines[idx] if idx < len(lines) else ""
    return {"line": idx, "character": utf16_column(text, max(1, column))}


def to_diagnostic(finding: Any, lines: List[str], registry: Any = None) -> Dict[str, Any]:
    """One finding as an LSP Diagnostic (a plain dict)."""
    from lambda_lint.report.messages import parts, url_of

    short, help_text = parts(finding)
    start = _position(lines, finding.line, finding.column)
    end_line = finding.end_line if finding.end_line is not None else finding.line
    end_col = finding.end_column if finding.end_column is not None else finding.column
    end = _position(lines, end_line, end_col)
    if (end["line"], end["character"]) <= (start["line"], start["character"]):
        # a point: mark to the end of the line's text (editors draw nothing for an empty range)
        idx = start["line"]
        width = len((lines[idx] if idx < len(lines) else "").encode("utf-16-le")) // 2
        end = {"line": idx, "character": max(width, start["character"] + 1)}
    diag: Dict[str, Any] = {
        "range": {"start": start, "end": end},
        "severity": _SEVERITY.get(finding.severity.value, 2),
        "code": finding.code,
        "source": SOURCE,
        "message": short + (f"\nhelp: {help_text}" if help_text else ""),
        "data": {"rule": finding.code, "name": finding.name, "anchor": finding.anchor},
    }
    url = url_of(finding, registry)
    if url:
        diag["codeDescription"] = {"href": url}
    related = []
    for loc in finding.related:
        related.append({
            "location": {"uri": path_to_uri(loc.path),
                         "range": {"start": {"line": max(0, loc.line - 1), "character": max(0, loc.column - 1)},
                                   "end": {"line": max(0, loc.line - 1), "character": max(0, loc.column - 1)}}},
            "message": loc.message or f"{finding.code} {finding.name}",
        })
    if related:
        diag["relatedInformation"] = related
    return diag


class Linter:
    """Lints documents by path; one at a time (the engine's state is per run, not per thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: Dict[Tuple[Optional[str], float], Any] = {}
        # path -> (the buffer's bytes, the run's result, its session): a code action reuses the
        # run that published the diagnostics while the buffer is unchanged
        self._last: Dict[str, Tuple[Optional[bytes], Any, Any]] = {}

    def set_buffer(self, path: str, text: str) -> None:
        from lambda_lint.run.engine import OVERLAYS

        OVERLAYS[os.path.abspath(path)] = text.encode("utf-8", "surrogatepass")

    def drop_buffer(self, path: str) -> None:
        from lambda_lint.run.engine import OVERLAYS

        OVERLAYS.pop(os.path.abspath(path), None)
        self._last.pop(os.path.abspath(path), None)

    def _session(self, path: str):
        from lambda_lint.config import load_config
        from lambda_lint.run.engine import Session

        config = load_config(config_file=None, search_from=Path(path).parent, cli={"cache": False, "jobs": 1})
        cfg_path = str(config.config_path) if config.config_path else None
        try:
            stamp = os.stat(cfg_path).st_mtime if cfg_path else 0.0
        except OSError:
            stamp = 0.0
        key = (cfg_path, stamp)
        if key not in self._sessions:
            self._sessions[key] = Session(config)
        return self._sessions[key]

    def lint(self, path: str) -> Tuple[List[Any], Any]:
        """``(findings for path, registry)``; a bad configuration is one finding-less error."""
        from lambda_lint.run.engine import run

        with self._lock:
            session = self._session(path)
            if not os.path.exists(path):
                return [], session.registry
            result = run([path], session.config, session)
            self._last[os.path.abspath(path)] = (self._buffer(path), result, session)
            target = os.path.normcase(os.path.abspath(path))
            return ([f for f in result.findings if os.path.normcase(os.path.abspath(f.path)) == target],
                    result.registry)

    @staticmethod
    def _buffer(path: str) -> Optional[bytes]:
        from lambda_lint.run.engine import OVERLAYS

        return OVERLAYS.get(os.path.abspath(path))

    def fixes(self, path: str, wanted: Optional[Tuple[str, int]] = None) -> List[Any]:
        """The ``--fix`` fixes (``lambda_lint.fix.FileFix``) of the document at ``path``: of
        all its fixable findings, or only of those with ``wanted`` = (code, 1-based line).

        The same planner as ``--fix`` on the same run (``lambda-lint PATH``), so the editor's
        quick fix writes what ``--fix`` would; the open buffer is what is read and edited.
        """
        import dataclasses

        from lambda_lint.fix import fixable_codes, plan_fixes
        from lambda_lint.run.engine import run

        key = os.path.abspath(path)
        with self._lock:
            last = self._last.get(key)
            if last is None or last[0] != self._buffer(path):
                if not os.path.exists(path):
                    return []
                session = self._session(path)
                result = run([path], session.config, session)
                self._last[key] = last = (self._buffer(path), result, session)
            _, result, session = last
            codes = fixable_codes()
            target = os.path.normcase(key)
            mine = [f for f in result.findings if f.code in codes
                    and os.path.normcase(os.path.abspath(f.path)) == target
                    and (wanted is None or (f.code, f.line) == wanted)]
            if not mine:
                return []
            # LL001/LL002 stay: plan_fixes never touches a file that has one
            kept = mine + [f for f in result.findings if f.code in ("LL001", "LL002")]
            return plan_fixes(dataclasses.replace(result, findings=kept), session.config, session.options)

    def diagnostics(self, path: str, text: str) -> List[Dict[str, Any]]:
        findings, registry = self.lint(path)
        lines = text.splitlines()
        return [to_diagnostic(f, lines, registry) for f in findings]


def hover_markdown(code: str, registry: Any) -> Optional[str]:
    """The rule's documentation, as ``--explain`` prints it, with its docs link."""
    from lambda_lint.report.messages import rule_url

    if registry is None or code not in registry:
        return None
    meta = registry[code]
    url = rule_url(meta.code, meta.name, meta)
    head = f"**{meta.code} {meta.name}** ({meta.severity.value}): {meta.summary}"
    link = f"\n\n[{meta.code} in the rule docs]({url})" if url else ""
    return f"{head}{link}\n\n{meta.docs.strip()}"
