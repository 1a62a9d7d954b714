"""The command line as users script against it: the installed `lambda-lint`, in a subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("lambda-lint")
pytestmark = pytest.mark.skipif(EXE is None, reason="lambda-lint is not installed (pip install '.[test]')")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
"""


def lint(*args: str, cwd: Path, env_extra=None, input_text=None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)
    env["NO_COLOR"] = "1"
    if env_extra:
        env.update(env_extra)
    if not any(a.startswith("--code-scope") for a in args) and not {"--help", "--version"} & set(args):
        # These tests are about the command line, not the code scope (tests/test_scope.py):
        # lint every Python file, as before issue 12.
        args = ("--code-scope", "all", *args)
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120,
                          input=input_text)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "good.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    (tmp_path / "bad.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    return tmp_path


def test_version_and_python_m(tmp_path: Path) -> None:
    from lambda_lint import __version__

    proc = lint("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == f"lambda-lint {__version__}"
    proc = subprocess.run([sys.executable, "-m", "lambda_lint", "--version"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_help_lists_every_flag_of_the_design(tmp_path: Path) -> None:
    proc = lint("--help", cwd=tmp_path)
    assert proc.returncode == 0
    for flag in ("--format", "--output-format", "--select", "--ignore", "--extend-select", "--min-severity",
                 "--config", "--rules", "--jobs", "--no-cache", "--baseline", "--write-baseline",
                 "--exit-zero", "--statistics", "--quiet", "--explain", "--list-rules", "--version", "--help",
                 "--code-scope"):
        assert flag in proc.stdout, flag


@pytest.mark.parametrize("args, needle", [
    (["--bogus"], "--bogus"),
    (["--select", "LL999"], "LL999"),
    (["--ignore", "no-such-rule"], "no-such-rule"),
    (["--format", "xml"], "xml"),
    (["--min-severity", "fatal"], "fatal"),
    (["--jobs", "many"], "many"),
    (["--explain", "LL9999"], "LL9999"),
    (["--config", "missing.toml"], "missing.toml"),
    (["--rules", "no-such-dir"], "no-such-dir"),
])
def test_usage_errors_are_one_line_exit_2(tmp_path: Path, args, needle) -> None:
    assert needle in one_line_error(lint(*args, cwd=tmp_path))


@pytest.mark.parametrize("toml, needle", [
    ('[tool.lambda-lint]\nselct = ["LL1"]\n', "selct"),
    ('[tool.lambda-lint]\nselect = ["LL1X"]\n', "LL1X"),
    ('[tool.lambda-lint]\nselect = "LL1"\nignore = 3\n', "ignore"),
    ('[tool.lambda-lint.severity]\nLL001 = "fatal"\n', "fatal"),
    ('[tool.lambda-lint.severity]\nLL999 = "error"\n', "LL999"),
    ('[tool.lambda-lint.per-file-ignores]\n"tests/**" = ["NOPE"]\n', "NOPE"),
    ('[tool.lambda-lint]\nmin-severity = "loud"\n', "loud"),
    ('[tool.lambda-lint]\njobs = -1\n', "jobs"),
    ('[tool.lambda-lint.options.LL9999]\nx = 1\n', "LL9999"),
    ("[tool.lambda-lint\n", "TOML"),
])
def test_config_errors_name_the_key(project: Path, toml: str, needle: str) -> None:
    (project / "pyproject.toml").write_text(toml, encoding="utf-8")
    assert needle in one_line_error(lint(".", cwd=project))


def test_parse_errors_are_findings_and_the_rest_is_linted(project: Path) -> None:
    (project / "template.yaml").write_text("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n  - broken\n",
                                           encoding="utf-8")
    proc = lint("--format", "json", ".", cwd=project)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert {(f["path"], f["rule"]) for f in data} >= {("bad.py", "LL001"), ("template.yaml", "LL001")}
    assert all(f["rule"] == "LL001" for f in data)
    assert proc.stderr == ""
    # the default scope parses only what may be Lambda code (issue 12): a broken module that
    # no handler can reach is left to the project's other tools, unless it is named
    data = json.loads(lint("--format", "json", "--code-scope", "handlers", ".", cwd=project).stdout)
    assert {(f["path"], f["rule"]) for f in data} == {("template.yaml", "LL001")}
    data = json.loads(lint("--format", "json", "--code-scope", "handlers", "bad.py", cwd=project).stdout)
    assert {(f["path"], f["rule"]) for f in data} == {("bad.py", "LL001")}


def test_json_shape_and_key_order(project: Path) -> None:
    data = json.loads(lint("--format", "json", "bad.py", cwd=project).stdout)
    assert list(data[0]) == ["rule", "name", "severity", "path", "line", "column", "end_line", "end_column",
                             "message", "url", "help"]
    assert data[0]["name"] == "parse-error" and data[0]["severity"] == "error"
    assert data[0]["url"].endswith("docs/rules.md#ll001-parse-error")


def test_text_output_and_summary(project: Path) -> None:
    proc = lint(".", cwd=project)
    assert proc.returncode == 1
    first, *_, last = proc.stdout.strip().splitlines()
    assert re.match(r"^bad\.py:\d+:\d+: LL001 \[error\] ", first), first
    assert "1 problem" in last and "2 files" in last
    assert "\x1b[" not in proc.stdout  # not a TTY, and NO_COLOR
    assert lint("--quiet", ".", cwd=project).stdout.strip().splitlines() == [first]


def test_clean_run_exits_zero(project: Path) -> None:
    proc = lint("good.py", cwd=project)
    assert proc.returncode == 0, proc.stdout
    assert "No problems found in 1 file" in proc.stdout


def test_exit_zero_and_min_severity(project: Path) -> None:
    assert lint("--exit-zero", ".", cwd=project).returncode == 0
    (project / "pyproject.toml").write_text('[tool.lambda-lint.severity]\nLL001 = "info"\n', encoding="utf-8")
    proc = lint("--min-severity", "warning", "--format", "json", ".", cwd=project)
    assert proc.returncode == 0 and json.loads(proc.stdout) == []
    proc = lint("--format", "json", ".", cwd=project)
    assert json.loads(proc.stdout)[0]["severity"] == "info"


def test_severity_override_by_rule_name(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.lambda-lint.severity]\nparse-error = "info"\n', encoding="utf-8")
    proc = lint("--format", "json", "--no-cache", ".", cwd=project)
    assert json.loads(proc.stdout)[0]["severity"] == "info"


def test_paths_printed_as_given(project: Path) -> None:
    sub = project / "sub"
    sub.mkdir()
    shutil.move(str(project / "bad.py"), sub / "bad.py")
    for arg, expected in (("sub", "sub/bad.py"), ("./sub/bad.py", "./sub/bad.py"), ("sub/", "sub/bad.py"),
                          (".", "sub/bad.py"), (str(sub), str(sub / "bad.py"))):
        data = json.loads(lint("--format", "json", arg, cwd=project).stdout)
        assert [f["path"] for f in data] == [expected], arg


def test_gitignore_default_excludes_and_explicit_files(project: Path) -> None:
    (project / ".gitignore").write_text("generated/\n*.tmp.py\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    for rel in ("generated/x.py", "node_modules/pkg/y.py", ".venv/lib/z.py", "a.tmp.py", "build/w.py"):
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("def broken(:\n", encoding="utf-8")
    data = json.loads(lint("--format", "json", ".", cwd=project).stdout)
    assert sorted({f["path"] for f in data}) == ["bad.py"]
    # A file named explicitly is always linted.
    data = json.loads(lint("--format", "json", "generated/x.py", cwd=project).stdout)
    assert [f["path"] for f in data] == ["generated/x.py"]
    # Nested .gitignore files count too.
    (project / "sub").mkdir()
    (project / "sub" / ".gitignore").write_text("skip.py\n", encoding="utf-8")
    (project / "sub" / "skip.py").write_text("def broken(:\n", encoding="utf-8")
    data = json.loads(lint("--format", "json", ".", cwd=project).stdout)
    assert "sub/skip.py" not in {f["path"] for f in data}


def test_exclude_and_extend_exclude(project: Path) -> None:
    (project / "legacy").mkdir()
    (project / "legacy" / "old.py").write_text("def broken(:\n", encoding="utf-8")
    (project / "pyproject.toml").write_text('[tool.lambda-lint]\nextend-exclude = ["legacy/"]\n', encoding="utf-8")
    paths = {f["path"] for f in json.loads(lint("--format", "json", ".", cwd=project).stdout)}
    assert paths == {"bad.py"}


def test_non_template_yaml_is_skipped_when_walking(project: Path) -> None:
    (project / ".github" / "workflows").mkdir(parents=True)
    (project / ".github" / "workflows" / "ci.yml").write_text("on: [push]\njobs: {\n", encoding="utf-8")
    (project / "package.json").write_text('{"name": ', encoding="utf-8")
    (project / "docker-compose.yml").write_text("services:\n  web: [\n", encoding="utf-8")
    paths = {f["path"] for f in json.loads(lint("--format", "json", ".", cwd=project).stdout)}
    assert paths == {"bad.py"}
    # ...but a broken file named explicitly is reported.
    data = json.loads(lint("--format", "json", "package.json", cwd=project).stdout)
    assert [f["rule"] for f in data] == ["LL001"]


def test_missing_path_is_a_finding_not_a_crash(project: Path) -> None:
    proc = lint("--format", "json", "nope.py", "good.py", cwd=project)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert [(f["path"], f["rule"]) for f in json.loads(proc.stdout)] == [("nope.py", "LL001")]


def _line_of(project: Path, path: str) -> int:
    data = json.loads(lint("--format", "json", path, cwd=project).stdout)
    return data[0]["line"]


@pytest.mark.parametrize("comment", ["# lambda-lint: ignore[LL001]", "# noqa: LL001", "# lambda-lint: ignore",
                                     "# lambda-lint: ignore[parse-error]", "# noqa"])
def test_inline_suppressions(project: Path, comment: str) -> None:
    src = project / "bad.py"
    src.write_text("x = (\n", encoding="utf-8")
    line = _line_of(project, "bad.py")
    lines = src.read_text(encoding="utf-8").splitlines() + [""] * line
    lines[line - 1] += "  " + comment
    src.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
    proc = lint("--format", "json", "bad.py", cwd=project)
    assert json.loads(proc.stdout) == [], comment
    assert proc.returncode == 0


def test_flake8_noqa_codes_do_not_silence_us(project: Path) -> None:
    src = project / "bad.py"
    src.write_text("x = (  # noqa: E501\n", encoding="utf-8")
    assert _line_of(project, "bad.py") >= 1
    assert json.loads(lint("--format", "json", "bad.py", cwd=project).stdout) != []


def test_unused_suppression_is_opt_in(project: Path) -> None:
    (project / "good.py").write_text("x = 1  # lambda-lint: ignore[LL101]\n", encoding="utf-8")
    assert json.loads(lint("--format", "json", "good.py", cwd=project).stdout) == []
    data = json.loads(lint("--format", "json", "--extend-select", "LL003", "good.py", cwd=project).stdout)
    assert [(f["rule"], f["line"]) for f in data] == [("LL003", 1)]


def test_per_file_ignores(project: Path) -> None:
    (project / "tests").mkdir()
    shutil.copy(project / "bad.py", project / "tests" / "bad_test.py")
    (project / "pyproject.toml").write_text('[tool.lambda-lint.per-file-ignores]\n"tests/**" = ["LL0"]\n',
                                            encoding="utf-8")
    paths = {f["path"] for f in json.loads(lint("--format", "json", ".", cwd=project).stdout)}
    assert paths == {"bad.py"}


def test_select_by_name_prefix_and_ignore(project: Path) -> None:
    for args in (["--select", "parse-error"], ["--select", "LL0"], ["--select", "LL001,LL002"]):
        assert json.loads(lint("--format", "json", *args, ".", cwd=project).stdout)
    assert json.loads(lint("--format", "json", "--ignore", "LL001", ".", cwd=project).stdout) == []


def test_config_file_flag_and_cli_override(project: Path) -> None:
    cfg = project / "lint.toml"
    cfg.write_text('[tool.lambda-lint]\nignore = ["LL001"]\n', encoding="utf-8")
    assert json.loads(lint("--format", "json", "--config", str(cfg), ".", cwd=project).stdout) == []
    (project / "pyproject.toml").write_text('[tool.lambda-lint]\nformat = "json"\n', encoding="utf-8")
    assert json.loads(lint(".", cwd=project).stdout)
    assert lint("--format", "text", ".", cwd=project).stdout.startswith("bad.py:")


def test_list_rules_and_explain(tmp_path: Path) -> None:
    proc = lint("--list-rules", cwd=tmp_path)
    assert proc.returncode == 0 and "LL001" in proc.stdout
    data = json.loads(lint("--list-rules", "--format", "json", cwd=tmp_path).stdout)
    assert {"code", "name", "severity", "summary"} <= set(data[0])
    proc = lint("--explain", "parse-error", cwd=tmp_path)
    assert proc.returncode == 0 and "## What it catches" in proc.stdout


def test_control_characters_in_paths_are_escaped_in_text(tmp_path: Path) -> None:
    name = "evil\x1b[31m.py"
    (tmp_path / name).write_text("def broken(:\n", encoding="utf-8")
    proc = lint(".", cwd=tmp_path)
    assert "\x1b" not in proc.stdout and "evil\\x1b[31m.py" in proc.stdout
    data = json.loads(lint("--format", "json", ".", cwd=tmp_path).stdout)
    assert data[0]["path"] == name


def test_handler_file_alone_finds_its_template(tmp_path: Path) -> None:
    """The context template is used but not reported on (pre-commit passes only src/app.py)."""
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n", encoding="utf-8")
    data = json.loads(lint("--format", "json", "src/app.py", cwd=tmp_path).stdout)
    assert all(f["path"] == "src/app.py" for f in data)


RULES_MD = SHARED / "RULES.md"


@pytest.mark.skipif(not RULES_MD.is_file(), reason="../shared/RULES.md is absent (a user's clone)")
def test_every_code_of_the_catalogue_is_registered(tmp_path: Path) -> None:
    catalogue = {}
    for line in RULES_MD.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| (LL\d{3}) \| ([a-z0-9-]+) \| (error|warning|info) \|", line)
        if m:
            catalogue[m.group(1)] = (m.group(2), m.group(3))
    assert len(catalogue) >= 27
    data = json.loads(lint("--list-rules", "--format", "json", cwd=tmp_path).stdout)
    registered = {r["code"]: (r["name"], r["severity"]) for r in data}
    missing = sorted(set(catalogue) - set(registered))
    wrong = sorted(c for c in catalogue if c in registered and registered[c] != catalogue[c])
    assert not missing and not wrong, f"missing: {missing}; name/severity differ: {wrong}"


def test_nothing_to_lint_warns_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n", encoding="utf-8")
    proc = lint(".", cwd=tmp_path)
    assert proc.returncode == 0
    assert "no Python files or templates found" in proc.stderr
    assert lint("--quiet", ".", cwd=tmp_path).stderr == ""


RETRY_APP = """\
import time


class PartnerBusy(Exception):
    pass


def handler(event, context):
    while True:
        try:
            return call_partner(event)
        except PartnerBusy:
            time.sleep(1)
"""

SQS_APP = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 120
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(event, context):\\n    return None\\n"
      Timeout: 30
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
"""


def test_rule_options_reach_code_and_template_rules(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(RETRY_APP, encoding="utf-8")
    (tmp_path / "template.yaml").write_text(SQS_APP, encoding="utf-8")

    def codes() -> set:
        proc = lint("--format", "json", "--select", "LL102,LL213", ".", cwd=tmp_path)
        return {(f["rule"], f["path"]) for f in json.loads(proc.stdout)}

    # Defaults: a custom exception is unknown (silent); 120 s < 6 x 30 s.
    assert codes() == {("LL213", "template.yaml")}
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lambda-lint.options.LL102]\nretry-exceptions = ["PartnerBusy"]\n'
        '[tool.lambda-lint.options.sqs-visibility-too-short]\nmultiplier = 4\n', encoding="utf-8")
    assert codes() == {("LL102", "app.py")}
    data = json.loads(lint("--format", "json", "--select", "LL213", ".", cwd=tmp_path).stdout)
    assert data == []


@pytest.mark.parametrize("toml, needle", [
    ('[tool.lambda-lint.options.LL213]\nmultipler = 4\n', "multipler"),
    ('[tool.lambda-lint.options.LL213]\nmultiplier = "four"\n', "multiplier"),
    ('[tool.lambda-lint.options.LL102]\nretry-exceptions = "Boom"\n', "retry-exceptions"),
    ('[tool.lambda-lint.options.LL101]\nanything = 1\n', "anything"),
])
def test_bad_rule_options_are_config_errors(tmp_path: Path, toml: str, needle: str) -> None:
    (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    (tmp_path / "app.py").write_text("x = 1\n", encoding="utf-8")
    assert needle in one_line_error(lint(".", cwd=tmp_path))


def test_unused_suppression_names_stale_codes_and_skips_unselected_rules(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "def f():\n"
        "    try:\n"
        "        g()\n"
        "    except Exception:  # lambda-lint: ignore[LL105, LL101]\n"
        "        pass\n"
        "    x = 1  # lambda-lint: ignore[LL301]\n",
        encoding="utf-8",
    )
    data = json.loads(lint("--format", "json", "--extend-select", "LL003", "app.py", cwd=tmp_path).stdout)
    got = [(f["rule"], f["line"], f"{f['message']}; {f['help']}") for f in data]
    assert [(r, ln) for r, ln, _ in got] == [("LL003", 4), ("LL003", 6)]
    assert "LL101 matched no finding; remove it" in got[0][2] and "LL105" not in got[0][2].split(":")[-1]
    # With only the code rules selected, LL301 did not run: its suppression is not evidence.
    data = json.loads(lint("--format", "json", "--select", "LL1", "--extend-select", "LL003", "app.py",
                           cwd=tmp_path).stdout)
    assert [(f["rule"], f["line"]) for f in data] == [("LL003", 4)]
