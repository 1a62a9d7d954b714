"""Every real template of the shared corpus loads and lints without an internal error.

apps/: 632 valid real templates: no ParseFailure, no LL002. fixtures/: 1,500 test inputs,
some deliberately broken: ParseFailure is allowed (it becomes LL001), LL002 and exceptions
are not.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lambda_lint.errors import ParseFailure
from lambda_lint.findings import Reporter
from lambda_lint.iac import lint_template
from lambda_lint.iac.ruleset import load_rule_dirs

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "templates"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"template corpus not present at {CORPUS}")


def _files(sub: str):
    base = CORPUS / sub
    return sorted(Path(d) / f for d, _, fs in os.walk(base) for f in fs)


def _lint_all(sub: str):
    rules = load_rule_dirs([ROOT / "rules"])
    metas = {r.meta.code: r.meta for r in rules}
    enabled = frozenset(metas)
    failures, internal, count = [], [], 0
    for path in _files(sub):
        count += 1
        rep = Reporter(str(path), metas)
        try:
            lint_template(path.read_bytes(), str(path), enabled=enabled, reporter=rep, options={}, rules=rules)
        except ParseFailure as exc:
            failures.append(f"{path}:{exc.line}: {exc.message}")
        internal += [f"{path}: {f.message}" for f in rep.findings if f.code == "LL002"]
    return count, failures, internal


def test_apps_load_and_lint_cleanly() -> None:
    count, failures, internal = _lint_all("apps")
    assert count >= 600
    assert not failures, "\n".join(failures[:20])
    assert not internal, "\n".join(internal[:20])


def test_fixtures_never_crash() -> None:
    count, _failures, internal = _lint_all("fixtures")
    assert count >= 1000
    assert not internal, "\n".join(internal[:20])
