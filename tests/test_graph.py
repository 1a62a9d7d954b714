"""``lambda-lint graph``: the seed incident and a two-function loop, as Mermaid (parsed by the
real Mermaid parser where Node.js can fetch it), dot (rendered by Graphviz) and JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from lambda_lint.cli import main

ROOT = Path(__file__).resolve().parents[1]
LOOP = ROOT / "tests" / "fixtures" / "project" / "sqs_two_function_cycle"
SEED = ROOT / "examples" / "seed-incident"


def _graph(path: Path, fmt: str, monkeypatch, capsys) -> str:
    monkeypatch.chdir(path)
    capsys.readouterr()
    assert main(["graph", "--no-cache", "--format", fmt]) == 0
    return capsys.readouterr().out


def test_json_has_the_loop_highlighted_and_the_seed_retry_settings(monkeypatch, capsys) -> None:
    data = json.loads(_graph(LOOP, "json", monkeypatch, capsys))
    edges = data["templates"][0]["edges"]
    writes = [e for e in edges if e["kind"] == "write"]
    assert {(e["from"], e["to"]) for e in writes} == {("OrderFunction", "EnrichQueue"), ("EnrichFunction", "OrdersQueue")}
    assert all(e["style"] == "solid" and e["cycle"] == "LL301" for e in writes)
    seed = json.loads(_graph(SEED, "json", monkeypatch, capsys))["templates"][0]
    trig = [e for e in seed["edges"] if e["kind"] == "trigger"]
    assert trig == [{"from": "EventStream", "to": "ForwarderFunction", "kind": "trigger",
                     "label": "Kinesis: retries unbounded, record age unbounded", "style": "solid", "cycle": None}]


def test_permission_only_writes_are_dashed_and_ll307(monkeypatch, capsys) -> None:
    data = json.loads(_graph(ROOT / "tests" / "fixtures" / "project" / "policy_only_cycle", "json", monkeypatch, capsys))
    writes = [e for s in data["templates"] for e in s["edges"] if e["kind"] == "write"]
    assert writes and all(e["style"] == "dashed" for e in writes)
    assert {e["cycle"] for e in writes} <= {"LL307", None}


def test_mermaid_shape(monkeypatch, capsys) -> None:
    text = _graph(LOOP, "mermaid", monkeypatch, capsys)
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert sum(1 for line in lines if line.strip().startswith("linkStyle")) == 4  # every loop edge
    assert '"' not in text.replace('["', "").replace('"]', "").replace('("', "").replace('")', "").replace('|"', "").replace('"|', "")


def _mermaid_parser() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("Node.js and npm are not installed: the Mermaid parser can't run")
    where = Path(os.environ.get("LAMBDA_LINT_TEST_CACHE", Path.home() / ".cache" / "lambda-lint-tests")) / "mermaid"
    if not (where / "node_modules" / "mermaid").is_dir():
        where.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([npm, "install", "--silent", "--prefix", str(where), "mermaid@11", "jsdom@25"],
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            pytest.skip(f"could not install the Mermaid parser from the npm registry: {proc.stderr[-300:]}")
    script = where / "parse.mjs"
    script.write_text(
        'import { JSDOM } from "jsdom";\n'
        'const dom = new JSDOM("<!doctype html><html><body></body></html>");\n'
        "globalThis.window = dom.window; globalThis.document = dom.window.document;\n"
        'const { default: mermaid } = await import("mermaid");\n'
        'import fs from "fs";\n'
        "const text = fs.readFileSync(process.argv[2], 'utf8');\n"
        "try { await mermaid.parse(text); console.log('OK'); process.exit(0); }\n"
        "catch (e) { console.log('ERR ' + e.message); process.exit(1); }\n")
    return script


@pytest.mark.slow
def test_mermaid_parses_with_the_real_parser(tmp_path: Path, monkeypatch, capsys) -> None:
    script = _mermaid_parser()
    for path in (LOOP, SEED):
        out = tmp_path / f"{path.name}.mmd"
        out.write_text(_graph(path, "mermaid", monkeypatch, capsys))
        proc = subprocess.run(["node", str(script), str(out)], capture_output=True, text=True, timeout=300,
                              cwd=script.parent)
        assert proc.returncode == 0 and "OK" in proc.stdout, proc.stdout + proc.stderr
    bad = tmp_path / "bad.mmd"
    bad.write_text('flowchart LR\n  a -->|"x| b\n')  # the check can fail
    assert subprocess.run(["node", str(script), str(bad)], capture_output=True, text=True, timeout=300,
                          cwd=script.parent).returncode != 0


def test_dot_renders_with_graphviz(tmp_path: Path, monkeypatch, capsys) -> None:
    exe = shutil.which("dot")
    if exe is None:
        pytest.skip("Graphviz is not installed (apt-get install graphviz)")
    for path in (LOOP, SEED):
        src = tmp_path / f"{path.name}.dot"
        src.write_text(_graph(path, "dot", monkeypatch, capsys))
        proc = subprocess.run([exe, "-Tsvg", str(src)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and "<svg" in proc.stdout, proc.stderr
    proc = subprocess.run([exe, "-Tsvg"], input="digraph { a -> }", capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0  # the check can fail


def test_a_terraform_module_is_one_section_named_by_its_folder(monkeypatch, capsys) -> None:
    # every .tf file of a folder loads the whole module: one section, not one copy per file
    data = json.loads(_graph(ROOT / "examples" / "seed-incident-terraform", "json", monkeypatch, capsys))
    assert [t["path"] for t in data["templates"]] == ["./"]
    assert [(e["from"], e["to"]) for e in data["templates"][0]["edges"]] == \
        [("aws_kinesis_stream.events", "aws_lambda_function.forwarder")]


def test_a_path_that_does_not_exist_is_a_usage_error(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["graph", "--no-cache", "nope"]) == 2
    out = capsys.readouterr()
    assert out.out == "" and "no such file or folder: nope" in out.err
