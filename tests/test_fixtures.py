"""The one place rule tests live: every fixture, checked both ways.

Each file under ``fixtures/code`` and ``fixtures/template`` is linted alone; each folder
under ``fixtures/project`` is linted as one run. Every ``ruleid`` annotation must be met
by a finding on its target line, no ``ok`` annotation may be, and no finding may appear
that is not annotated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from fixture_annotations import Expectations, fixture_files, read_file
from lambda_lint.config import Config
from lambda_lint.run.engine import Session, run

FIXTURES = Path(__file__).parent / "fixtures"
_SESSIONS: Dict[Any, Session] = {}


def _config(select: Optional[List[str]], overrides: Optional[Dict[str, Any]] = None, **extra: Any) -> Config:
    return Config(select=tuple(select) if select is not None else None, cache=False, **{**(overrides or {}), **extra})


def _session(select: Optional[List[str]], overrides: Optional[Dict[str, Any]] = None) -> Session:
    key = (tuple(select) if select is not None else None, tuple(sorted((overrides or {}).items())))
    if key not in _SESSIONS:
        _SESSIONS[key] = Session(_config(select, overrides))
    return _SESSIONS[key]


def _cases():
    cases = []
    for layer in ("code", "template"):
        folder = FIXTURES / layer
        if folder.is_dir():
            for path in fixture_files(folder):
                cases.append(pytest.param(path, id=f"{layer}/{path.relative_to(folder)}"))
    projects = FIXTURES / "project"
    if projects.is_dir():
        for folder in sorted(p for p in projects.iterdir() if p.is_dir()):
            cases.append(pytest.param(folder, id=f"project/{folder.name}"))
    return cases


def compare(findings, exp: Expectations) -> List[str]:
    """Problems, as readable lines; empty when the findings match the annotations exactly."""
    got = {(f.path, f.line, f.code): f for f in findings}
    problems = []
    for key in sorted(exp.expected):
        if key not in got:
            problems.append(f"missing   {key[0]}:{key[1]}: {key[2]} (annotated ruleid)")
    for key in sorted(exp.forbidden):
        if key in got:
            problems.append(f"near miss {key[0]}:{key[1]}: {key[2]} reported but annotated ok: {got[key].message}")
    for key, f in sorted(got.items()):
        if key not in exp.expected and key not in exp.forbidden:
            problems.append(f"unexpected {key[0]}:{key[1]}:{f.column}: {key[2]} {f.message}")
    return problems


def expectations_for(target: Path) -> Expectations:
    exp = Expectations()
    files = fixture_files(target) if target.is_dir() else [target]
    for path in files:
        read_file(path, str(path), exp)
    return exp


@pytest.mark.parametrize("target", _cases())
def test_fixture(target: Path) -> None:
    exp = expectations_for(target)
    assert exp.expected or exp.forbidden, f"{target}: a fixture without annotations tests nothing"
    # Rule fixtures under code/ test the rules on every function (code-scope "all"); project
    # fixtures run as a user's would, with the default scope (reachable code only).
    scope = "all" if FIXTURES / "code" in target.parents else "handlers"
    result = run([str(target)], _config(exp.select, exp.config, code_scope=scope), _session(exp.select, exp.config))
    problems = compare(result.findings, exp)
    assert not problems, "\n" + "\n".join(problems)


def test_every_rule_has_true_positive_and_near_miss_fixtures() -> None:
    """Every registered rule but the meta ones is exercised both ways somewhere."""
    positives, misses = set(), set()
    for case in _cases():
        exp = expectations_for(case.values[0])
        positives.update(code for _, _, code in exp.expected)
        misses.update(code for _, _, code in exp.forbidden)
    registry = _session(None).registry
    lacking = [
        m.code for m in registry.all()
        if m.layer != "meta" and (m.code not in positives or m.code not in misses)
    ]
    assert not lacking, f"rules without both a ruleid and an ok fixture: {lacking}"


# The runner itself must be able to fail: feed it wrong annotations on purpose.

def test_runner_reports_missing_unexpected_and_near_miss(tmp_path: Path) -> None:
    src = tmp_path / "app.py"
    src.write_text(
        "# ruleid: LL001\n"
        "x = 1\n"
        "def broken(:\n"
        "    pass\n",
        encoding="utf-8",
    )
    exp = expectations_for(src)
    result = run([str(src)], Config(cache=False), _session(None))
    problems = compare(result.findings, exp)
    assert any(p.startswith("missing") and ":2: LL001" in p for p in problems)
    assert any(p.startswith("unexpected") and "LL001" in p for p in problems)

    # A near miss: the finding is on a line annotated `ok`.
    bad = result.findings[0]
    exp = Expectations(forbidden={(bad.path, bad.line, bad.code)})
    assert any(p.startswith("near miss") for p in compare(result.findings, exp))
    assert compare(result.findings, Expectations(expected={(bad.path, bad.line, bad.code)})) == []


def test_sidecar_annotations_are_read(tmp_path: Path) -> None:
    tpl = tmp_path / "t.json"
    tpl.write_text("{}", encoding="utf-8")
    (tmp_path / "t.json.expect").write_text("fixture-select: LL2\nruleid: LL201 @ 3\nok: LL204 @ 4\n", encoding="utf-8")
    exp = expectations_for(tpl)
    assert exp.select == ["LL2"]
    assert (str(tpl), 3, "LL201") in exp.expected
    assert (str(tpl), 4, "LL204") in exp.forbidden
