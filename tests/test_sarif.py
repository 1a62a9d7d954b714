"""`--format sarif`: valid SARIF 2.1.0 (the official schema, offline), relative URIs,
fingerprints that survive inserted lines, related locations for cross findings."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import pytest

from installed_cli import EXE, needs_exe
from sam_samples import kinesis_template

pytestmark = needs_exe

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"

TEMPLATE = kinesis_template(event_props={"MaximumRetryAttempts": -1})

APP = """\
import time
import urllib.request


def handler(event, context):
    for record in event["Records"]:
        while True:
            try:
                urllib.request.urlopen("https://partner.example.com", timeout=5)
                break
            except Exception:
                time.sleep(1)
"""


def lint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1")
    args = ("--code-scope", "all", *args)  # every file: SARIF's shape, not the code scope
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def make_app(root: Path) -> Path:
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    (root / "src" / "app.py").write_text(APP, encoding="utf-8")
    (root / "src" / "broken.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    return root


def git_init(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)


def sarif(cwd: Path, *paths: str) -> dict:
    proc = lint("--format", "sarif", "--no-cache", *paths, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stderr == "", proc.stderr
    return json.loads(proc.stdout)


def validate(log: dict) -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"the SARIF schema is not available offline at {SCHEMA} (../shared is absent)")
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = sorted(cls(schema).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_sarif_validates_against_the_official_schema(tmp_path: Path) -> None:
    app = make_app(tmp_path / "repo")
    git_init(app)
    log = sarif(app)
    validate(log)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "lambda-lint"
    assert driver["version"] and driver["informationUri"].startswith("https://")
    results = run["results"]
    assert results, "expected findings on the sample app"
    reported = {r["ruleId"] for r in results}
    rule_ids = [r["id"] for r in driver["rules"]]
    assert set(rule_ids) == reported and len(rule_ids) == len(reported)
    for rule in driver["rules"]:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["markdown"]
        assert rule["helpUri"].endswith(f"#{rule['id'].lower()}-{rule['properties']['lambdaLintName']}")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    for r in results:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] in ("error", "warning", "note")
        region = r["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert region["endLine"] >= region["startLine"]
    assert "LL001" in reported  # the broken module
    if "LL201" in reported:  # template rules present: the rule -> level mapping
        levels = {r["ruleId"]: r["level"] for r in results}
        assert levels["LL201"] == "error"
        if "LL204" in levels:
            assert levels["LL204"] == "note"


def test_uris_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    app = make_app(repo / "services" / "fwd")
    git_init(repo)
    # run from a sub-folder of the repository, on a path given relative to it
    log = sarif(app, ".")
    validate(log)
    run = log["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file://") and base.endswith("/")
    assert Path(base[len("file://"):]).resolve() == repo.resolve()
    uris = set()
    for r in run["results"]:
        loc = r["locations"][0]["physicalLocation"]["artifactLocation"]
        assert loc["uriBaseId"] == "%SRCROOT%"
        assert not loc["uri"].startswith(("/", "file:")), loc
        uris.add(loc["uri"])
    assert "services/fwd/src/broken.py" in uris
    # without a git repository the working folder is the root
    plain = make_app(tmp_path / "plain")
    log = sarif(plain)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert "src/broken.py" in uris


def _by_fingerprint(log: dict) -> dict:
    out = {}
    for r in log["runs"][0]["results"]:
        fp = r["partialFingerprints"]
        assert fp and all(isinstance(v, str) and v for v in fp.values())
        key = tuple(sorted(fp.items()))
        assert key not in out, "two results share a fingerprint"
        out[key] = (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
    return out


def test_fingerprints_do_not_change_when_lines_are_inserted_above(tmp_path: Path) -> None:
    app = make_app(tmp_path / "repo")
    git_init(app)
    before = _by_fingerprint(sarif(app))
    for rel in ("template.yaml", "src/app.py", "src/broken.py"):
        p = app / rel
        p.write_text("# a new comment\n# and another\n\n" + p.read_text(encoding="utf-8"), encoding="utf-8")
    after = _by_fingerprint(sarif(app))
    assert set(before) == set(after)
    moved = [k for k in before if before[k][1] != after[k][1]]
    assert moved, "the inserted lines should have moved the findings"
    for k in before:
        assert before[k][0] == after[k][0]
        assert after[k][1] == before[k][1] + 3 or before[k][0] == "LL001"
    # a different finding gets a different fingerprint
    (app / "template.yaml").write_text(
        (app / "template.yaml").read_text(encoding="utf-8").replace("MaximumRetryAttempts: -1", "MaximumRetryAttempts: 3"),
        encoding="utf-8",
    )
    fixed = _by_fingerprint(sarif(app))
    assert set(fixed) <= set(after)


def test_related_locations_for_cross_findings(tmp_path: Path, monkeypatch) -> None:
    """A cross finding (LL3xx) carries the other end as relatedLocations (rendered directly)."""
    from lambda_lint.run.engine import RunResult
    from lambda_lint.findings import Finding, Location, Severity
    from lambda_lint.run.registry import load_registry
    from lambda_lint.report import sarif as sarif_mod

    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path)
    finding = Finding(
        "src/app.py", 7, 5, "LL001", "parse-error", Severity.ERROR, "writes to its own trigger",
        end_line=7, end_column=30, related=(Location("template.yaml", 12, 9, message="the trigger"),),
        anchor="Forwarder->Bucket",
    )
    result = RunResult([finding], [], load_registry().registry)
    buf = io.StringIO()
    sarif_mod.render(result, None, buf)
    log = json.loads(buf.getvalue())
    validate(log)
    res = log["runs"][0]["results"][0]
    rel = res["relatedLocations"][0]
    assert rel["physicalLocation"]["artifactLocation"] == {"uri": "template.yaml", "uriBaseId": "%SRCROOT%"}
    assert rel["physicalLocation"]["region"]["startLine"] == 12
    assert rel["message"]["text"] == "the trigger"
    assert res["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 7, "startColumn": 5, "endLine": 7, "endColumn": 30}


def test_no_findings_is_still_a_valid_log(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("X = 1\n", encoding="utf-8")
    proc = lint("--format", "sarif", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    log = json.loads(proc.stdout)
    validate(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []
