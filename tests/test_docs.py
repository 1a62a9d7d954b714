"""Generated docs are current; --explain and --list-rules document every rule."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_lint import docgen

REPO = Path(__file__).resolve().parents[1]
EXE = shutil.which("lambda-lint")
needs_exe = pytest.mark.skipif(EXE is None, reason="lambda-lint is not installed (pip install -e .)")
HOW = "regenerate with: python -m lambda_lint.docgen"


def metas():
    return docgen.builtin_metas()


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([EXE, *args], cwd=REPO, capture_output=True, text=True, env=env, timeout=120)


def test_rules_md_is_current() -> None:
    path = REPO / "docs" / "rules.md"
    assert path.is_file(), f"docs/rules.md is missing; {HOW}"
    assert path.read_text(encoding="utf-8") == docgen.render_rules_md(metas()), f"docs/rules.md is stale; {HOW}"


def test_readme_rules_table_is_current() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    if docgen.START not in text or docgen.END not in text:
        pytest.skip(f"README.md has no {docgen.START} / {docgen.END} markers yet")
    assert docgen.replace_table(text, docgen.render_table(metas())) == text, f"README rules table is stale; {HOW}"


def test_docgen_check_exit_codes(tmp_path: Path) -> None:
    root = tmp_path
    (root / "README.md").write_text(f"# x\n\n{docgen.START}\nSTALE-TABLE\n{docgen.END}\n\nafter\n", encoding="utf-8")
    check = [sys.executable, "-m", "lambda_lint.docgen", "--check", "--root", str(root)]
    proc = subprocess.run(check, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "stale" in proc.stderr
    assert not (root / "docs" / "rules.md").exists()  # --check writes nothing
    proc = subprocess.run([sys.executable, "-m", "lambda_lint.docgen", "--root", str(root)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# x\n\n" + docgen.START + "\n| code |") and readme.endswith(docgen.END + "\n\nafter\n")
    assert "STALE-TABLE" not in readme
    proc = subprocess.run(check, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_rules_md_has_an_anchor_and_section_per_rule() -> None:
    text = docgen.render_rules_md(metas())
    for m in metas():
        assert f'<a id="{m.code.lower()}"></a>\n### {m.code} {m.name}\n' in text
    # the demotion leaves fenced code alone (YAML comments are not headings)
    assert docgen._demote("## A\n```yaml\n# comment\n## not a heading\n```\n## B", 2) == \
        "#### A\n```yaml\n# comment\n## not a heading\n```\n#### B"


def _rule_ids():
    return [(m.code, m.name) for m in metas() if m.layer != "meta"]


@needs_exe
@pytest.mark.parametrize("code,name", _rule_ids())
def test_explain_documents_every_rule(code: str, name: str) -> None:
    for selector in (code, name, code.lower()):
        proc = run("--explain", selector)
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout
        assert out.startswith(f"# {code} {name} ["), out[:200]
        for section in ("What it catches", "Why it matters", "Example", "Fix"):
            assert re.search(rf"^#+ {section}\b", out, re.M), f"{code}: --explain lacks a '{section}' section"
        # every section has some text under it
        assert len(out.strip().splitlines()) > 8


@needs_exe
def test_explain_meta_rule_and_unknown() -> None:
    proc = run("--explain", "LL001")
    assert proc.returncode == 0 and proc.stdout.startswith("# LL001 parse-error [error]")
    proc = run("--explain", "LL999")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


@needs_exe
def test_list_rules_json_has_every_code() -> None:
    proc = run("--list-rules", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [d["code"] for d in data] == [m.code for m in metas()]
    for d in data:
        assert set(d) >= {"code", "name", "severity", "summary"}
        assert d["severity"] in ("info", "warning", "error") and d["summary"]
    text = run("--list-rules")
    assert text.returncode == 0
    for m in metas():
        assert re.search(rf"^{m.code}\s+{re.escape(m.name)}\s", text.stdout, re.M)
    assert len([m for m in metas() if m.layer == "template"]) >= 1 or pytest.skip("no template rules yet")
