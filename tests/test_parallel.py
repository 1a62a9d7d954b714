"""The process pool: same bytes whatever --jobs is, results in job order, a dying worker is
LL002 for its file only. No timings here (bench/bench.py measures them)."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import pickle
from pathlib import Path

import pytest

from lambda_lint import engine, parallel
from lambda_lint.config import Config
from lambda_lint.engine import Session, run
from lambda_lint.report import render

from _treegen import make_tree


def _lint(tree: Path, jobs: int, fmt: str = "json") -> tuple:
    cfg = Config(cache=False, jobs=jobs, output_format=fmt, project_root=tree, code_scope="all")  # every file: the machinery, not the scope
    result = run([str(tree)], cfg, Session(cfg))
    out = io.StringIO()
    render(fmt, result, cfg, out)
    return out.getvalue(), result


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = make_tree(tmp_path_factory.mktemp("par") / "proj", apps=12, modules_per_app=2)
    assert sum(1 for p in root.rglob("*") if p.is_file()) >= 30
    return root


def test_config_is_picklable() -> None:
    cfg = Config(rule_dirs=(Path("/x"),), options={"LL209": {"metrics": ["Errors"]}}, select=("LL2",),
                 per_file_ignores=(("tests/**", ("LL1",)),), cache_dir=Path("/c"))
    assert pickle.loads(pickle.dumps(cfg)) == cfg


def test_jobs_1_and_2_give_identical_bytes(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rounds = []
    real = parallel._round
    monkeypatch.setattr(parallel, "_round", lambda *a: rounds.append(a[2]) or real(*a))
    one, r1 = _lint(tree, 1)
    assert rounds == []  # --jobs 1: no pool
    two, r2 = _lint(tree, 2)
    assert rounds == [2]  # a two-worker pool ran, once
    assert one == two
    assert len(json.loads(one)) > 20
    assert [f.display for f in r1.files] == [f.display for f in r2.files]
    assert [(f.facts, f.suppressions, f.resource_lines) for f in r1.files] == \
           [(f.facts, f.suppressions, f.resource_lines) for f in r2.files]
    for fmt in ("text", "sarif"):
        assert _lint(tree, 1, fmt)[0] == _lint(tree, 2, fmt)[0]


def test_small_runs_stay_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = make_tree(tmp_path / "small", apps=2, modules_per_app=1)
    called = []
    monkeypatch.setattr(parallel, "_round", lambda *a: called.append(a) or ({}, False))
    out, _ = _lint(small, 2)
    assert called == [] and json.loads(out)


def test_json_report_matches_the_stdlib_layout(tree: Path) -> None:
    out, result = _lint(tree, 1)
    data = [f.to_dict() for f in result.findings]
    assert out == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    from lambda_lint.report.json_format import dumps

    odd = [{"a": "é\n\"", "b": None, "c": True, "d": 1.5, "related": [{"x": 1}, {}]}, {}]
    assert dumps(odd) == json.dumps(odd, indent=2, ensure_ascii=False)
    assert dumps([]) == json.dumps([], indent=2)


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                    reason="the crash is injected by patching the parent, which only fork workers inherit")
def test_a_dying_worker_is_ll002_for_its_file_only(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected, _ = _lint(tree, 1)
    real = engine.process_file
    victim = "app05/src/mod1.py"

    def crashing(job, session):
        if job.display.endswith(victim) and os.getpid() != parent:
            os._exit(3)  # what a segfault in a native parser looks like from outside
        return real(job, session)

    parent = os.getpid()
    monkeypatch.setattr(parallel, "process_file", crashing)
    out, result = _lint(tree, 2)
    findings = json.loads(out)
    crashed = [f for f in findings if f["rule"] == "LL002"]
    assert len(crashed) == 1 and crashed[0]["path"].endswith(victim)
    assert "worker process died" in crashed[0]["message"]
    others = [f for f in findings if not f["path"].endswith(victim)]
    assert others == [f for f in json.loads(expected) if not f["path"].endswith(victim)]
    assert len(result.files) == len(_lint(tree, 1)[1].files)


def test_project_phase_pool_gives_identical_cross_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With enough templates the code+template join runs in the pool too; same bytes."""
    import lambda_lint.project as project

    root = make_tree(tmp_path / "many", apps=project.POOL_MIN_TEMPLATES + 4, modules_per_app=1)
    pools = []
    real = project._run_pool
    monkeypatch.setattr(project, "_run_pool", lambda *a: pools.append(a[3]) or real(*a))
    one, _ = _lint(root, 1)
    assert pools == []
    two, _ = _lint(root, 2)
    assert pools == [2]
    assert one == two
    codes = {f["rule"] for f in json.loads(one)}
    assert "LL306" in codes  # cross findings came back from the workers
