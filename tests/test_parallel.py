"""The one worker pool: same bytes whatever --jobs is, results in job order, a dying or stuck
worker is LL001 for its file (or template) only, in both phases. No timings here
(bench/bench.py measures them)."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import pickle
from pathlib import Path

import pytest

from lambda_lint.run import files, pool
from lambda_lint.config import Config
from lambda_lint.run.engine import Session, run
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
    real = pool._round
    monkeypatch.setattr(pool, "_round", lambda *a: rounds.append(a[3]) or real(*a))
    one, r1 = _lint(tree, 1)
    assert rounds == []  # --jobs 1: no pool
    two, r2 = _lint(tree, 2)
    assert rounds == [2]  # a two-worker pool ran, once (the few templates join in-process)
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
    monkeypatch.setattr(pool, "_round", lambda *a: called.append(a) or ({}, None))
    out, _ = _lint(small, 2)
    assert called == [] and json.loads(out)


def test_json_report_matches_the_stdlib_layout(tree: Path) -> None:
    out, result = _lint(tree, 1)
    from lambda_lint.report.json_format import public

    data = [public(f, result.registry) for f in result.findings]
    assert out == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    from lambda_lint.report.json_format import dumps

    odd = [{"a": "é\n\"", "b": None, "c": True, "d": 1.5, "related": [{"x": 1}, {}]}, {}]
    assert dumps(odd) == json.dumps(odd, indent=2, ensure_ascii=False)
    assert dumps([]) == json.dumps([], indent=2)


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                    reason="the crash is injected by patching the parent, which only fork workers inherit")
def test_a_dying_worker_is_ll001_for_its_file_only(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected, _ = _lint(tree, 1)
    real = files.process_file
    victim = "app05/src/mod1.py"

    def crashing(job, session):
        if job.display.endswith(victim) and os.getpid() != parent:
            os._exit(3)  # what a segfault in a native parser looks like from outside
        return real(job, session)

    parent = os.getpid()
    monkeypatch.setattr(files, "process_file", crashing)
    out, result = _lint(tree, 2)
    findings = json.loads(out)
    crashed = [f for f in findings if f["rule"] == "LL001" and "worker" in f["message"]]
    assert len(crashed) == 1 and crashed[0]["path"].endswith(victim)
    assert "crashed lambda-lint's worker process" in crashed[0]["message"]
    others = [f for f in findings if not f["path"].endswith(victim)]
    assert others == [f for f in json.loads(expected) if not f["path"].endswith(victim)]
    assert len(result.files) == len(_lint(tree, 1)[1].files)


def test_project_phase_pool_gives_identical_cross_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With enough templates the code+template join runs in the same pool; same bytes."""
    root = make_tree(tmp_path / "many", apps=pool.POOL_MIN_ITEMS + 4, modules_per_app=1)
    phases = []
    real = pool._round
    monkeypatch.setattr(pool, "_round", lambda *a: phases.append((a[0].name, a[3])) or real(*a))
    one, _ = _lint(root, 1)
    assert phases == []
    two, _ = _lint(root, 2)
    assert ("join", 2) in phases and ("file", 2) in phases
    assert one == two
    codes = {f["rule"] for f in json.loads(one)}
    assert "LL306" in codes  # cross findings came back from the workers


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                    reason="the crash is injected by patching the parent, which only fork workers inherit")
def test_a_join_that_kills_its_worker_is_ll001_for_its_template_only(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The join used to fall back to the main process when its pool broke, where a native
    crash killed the whole run; now it goes through the same isolation as the files."""
    import lambda_lint.project as project

    root = make_tree(tmp_path / "many", apps=pool.POOL_MIN_ITEMS + 2, modules_per_app=1)
    expected, _ = _lint(root, 1)
    real = project.Joiner.lint
    parent = os.getpid()

    def crashing(self, r):
        if "/app03/" in r.display and os.getpid() != parent:
            os._exit(3)
        return real(self, r)

    monkeypatch.setattr(project.Joiner, "lint", crashing)
    out, _ = _lint(root, 2)
    findings = json.loads(out)
    lost = [f for f in findings if f["rule"] == "LL001" and f not in json.loads(expected)]
    assert len(lost) == 1 and "/app03/" in lost[0]["path"] and "joining this template" in lost[0]["message"]
    cross = lambda data: [f for f in data if f["rule"].startswith("LL3") and "/app03/" not in f["path"]]
    assert cross(findings) == cross(json.loads(expected))


def test_an_item_over_its_time_budget_is_ll001_and_the_run_goes_on(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The alarm works in this process too (--jobs 1): a stuck file never stalls a run."""
    import time

    small = make_tree(tmp_path / "small", apps=2, modules_per_app=1)
    expected, _ = _lint(small, 1)
    real = files.process_file

    def slow(job, session):
        if job.display.endswith("app01/src/app.py"):
            time.sleep(30)
        return real(job, session)

    monkeypatch.setattr(files, "process_file", slow)
    monkeypatch.setenv("LAMBDA_LINT_FILE_TIMEOUT", "0.5")
    started = time.monotonic()
    out, _ = _lint(small, 1)
    assert time.monotonic() - started < 20
    findings = json.loads(out)
    lost = [f for f in findings if f["rule"] == "LL001" and f not in json.loads(expected)]
    assert len(lost) == 1 and lost[0]["path"].endswith("app01/src/app.py")
    assert "took longer than 0.5 s" in lost[0]["message"]
    keep = lambda data: [f for f in data if not f["path"].endswith("app01/src/app.py")]
    assert keep(findings) == keep(json.loads(expected))
