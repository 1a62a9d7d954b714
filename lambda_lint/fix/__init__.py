"""Edges: ``--fix`` and ``--diff``, safe mechanical fixes for template rules.

    plan_fixes(result, config) -> [FileFix]     # what would change, file by file
    write_fixes(fixes) -> [path]                # --fix: write them (atomically)

Fixes are text edits at the positions the template loader keeps (:mod:`.edits`,
:mod:`.insert`), one fixer per rule (:mod:`.fixers`). A file with a parse error (LL001) is
never touched; a value behind ``!If``/``!Sub``/``!Ref`` is never rewritten; each file is
edited once per run and the run is linted again afterwards, so ``--fix`` twice changes
nothing the second time. SAM/CloudFormation files and Terraform files (:mod:`.hcl`) are
edited; Serverless and CDK output are not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

from lambda_lint.fix.edits import Edit, Text, apply, unified_diff


@dataclass
class FileFix:
    path: str       # as displayed
    abspath: str
    before: str
    after: str
    rules: List[str]

    def diff(self) -> str:
        return unified_diff(self.path, self.before, self.after)


def settings(config: Any) -> Dict[str, Any]:
    """The values the fixes insert: the defaults, overridden by ``[tool.lambda-lint.fix]``
    (unknown keys and values of the wrong kind are configuration errors, exit 2)."""
    from lambda_lint.errors import ConfigError
    from lambda_lint.fix.fixers import DEFAULTS, LIMITS

    out = dict(DEFAULTS)
    for key, value in dict(getattr(config, "fix", None) or {}).items():
        if key not in DEFAULTS:
            raise ConfigError(f"fix: unknown key {key!r} (known: {', '.join(sorted(DEFAULTS))})")
        low, high = LIMITS[key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ConfigError(f"fix.{key}: expected a whole number from {low} to {high}, got {value!r}")
        out[key] = value
    return out


def fixable_codes() -> frozenset:
    from lambda_lint.fix.fixers import FIXERS

    return frozenset(FIXERS)


def _read(path: str) -> Optional[str]:
    from lambda_lint.errors import ParseFailure
    from lambda_lint.fileio import read_source

    try:
        raw = read_source(path)
    except ParseFailure:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def plan_fixes(result: Any, config: Any, options: Optional[Mapping[str, Any]] = None) -> List[FileFix]:
    """The fixes for the findings of ``result`` (a RunResult), one FileFix per changed file."""
    from lambda_lint.fix.fixers import CROSS, FIXERS

    broken = {f.path for f in result.findings if f.code in ("LL001", "LL002")}
    templates = {r.display: r for r in result.files if r.kind == "template" and r.parsed}
    wanted: Dict[str, List[Any]] = {}
    for f in result.findings:
        if f.code not in FIXERS:
            continue
        if f.code in CROSS:
            for disp in templates:  # the templates whose model has the finding's function
                wanted.setdefault(disp, []).append(f)
        elif f.path in templates:
            wanted.setdefault(f.path, []).append(f)
    out: List[FileFix] = []
    conf = settings(config)
    for disp in sorted(wanted):
        if disp in broken:
            continue
        fix = _fix_file(templates[disp], wanted[disp], conf, dict(options or {}))
        if fix is not None:
            out.append(fix)
    return out


def _fix_file(res: Any, findings: List[Any], conf: Dict[str, Any], options: Dict[str, Any]) -> Optional[FileFix]:
    from lambda_lint.errors import ParseFailure
    from lambda_lint.fix.fixers import FIXERS, Ctx
    from lambda_lint.iac.frontends import FRONT_ENDS, front_end_for
    from lambda_lint.iac.model import build_model

    before = _read(res.path)
    if before is None:
        return None
    fe = front_end_for(res.path, before[:4096]) or FRONT_ENDS[-1]
    if fe.name not in ("cloudformation", "terraform") or res.path.endswith(".tf.json"):
        return None  # Serverless and CDK files are lowered, not written by hand here
    try:
        tree = fe.load_tree(before.encode("utf-8"), res.display)
        model = build_model(fe.load_tree(before.encode("utf-8"), res.display))
    except (ParseFailure, RecursionError, MemoryError):
        return None
    text = Text(before)
    if fe.name == "terraform":
        from lambda_lint.fix.hcl import HclCtx

        if not hasattr(tree, "position"):
            return None
        ctx: Any = HclCtx(text, tree, model, conf, res.display, options)
    else:
        is_json = before.lstrip()[:1] == "{"
        ctx = Ctx(text, tree, model, conf, is_json, options)
    edits: List[Edit] = []
    for f in findings:
        try:
            edits.extend(FIXERS[f.code](f, ctx, f.code))
        except Exception:  # noqa: BLE001 - a fixer that can't cope leaves the finding for the user
            continue
    edits = _dedupe(edits)
    if not edits:
        return None
    after = apply(before, edits)
    if after == before:
        return None
    return FileFix(res.display, res.path, before, after, sorted({e.rule for e in edits}))


def _dedupe(edits: List[Edit]) -> List[Edit]:
    """Two findings asking for the same insertion (LL201 and LL302 on one trigger) apply once;
    two insertions at one place are merged in a stable order."""
    seen = set()
    out: List[Edit] = []
    for e in sorted(edits, key=lambda e: (e.start, e.end, e.rule, e.text)):
        if (e.start, e.end, e.text) in seen:
            continue
        seen.add((e.start, e.end, e.text))
        out.append(e)
    merged: List[Edit] = []
    for e in out:
        last = merged[-1] if merged else None
        if last is not None and e.join and e.join == last.join and (e.start, e.end) == (last.start, last.end):
            merged.pop()  # two keys into one empty ``{}``: joined with ", "
            e = Edit(e.start, e.end, last.text + e.join + e.text, last.rule, e.join)
        elif last is not None and e.start == e.end == last.start == last.end:
            merged.pop()
            e = Edit(e.start, e.end, last.text + e.text, last.rule)
        merged.append(e)
    return merged


def write_fixes(fixes: List[FileFix]) -> List[str]:
    """Write each fixed file in place (same folder temp file, then rename; mode kept)."""
    import tempfile

    written = []
    for fx in fixes:
        folder = os.path.dirname(os.path.abspath(fx.abspath)) or "."
        try:
            mode = os.stat(fx.abspath).st_mode & 0o7777
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".lambda-lint-fix-")
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(fx.after)
            os.chmod(tmp, mode)
            os.replace(tmp, fx.abspath)
            written.append(fx.path)
        except OSError:
            continue
    return written
