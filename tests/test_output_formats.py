"""The first run (issue #19): ``full`` and ``concise`` output, the message/help split, rule
URLs in every format, OSC 8 links on a terminal only, ``--statistics``, the baseline count."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_lint.findings import Finding, Reporter, RuleMeta, Severity
from lambda_lint.report.messages import DOCS_BASE, one_line, parts, rule_url, split_message
from tests.pty_cli import needs_pty, run_pty

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed-incident"
OSC8 = b"\x1b]8;;"


def cli(*args: str, cwd: Path, env=None) -> subprocess.CompletedProcess:
    import os

    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "lambda_lint", *args], cwd=str(cwd), capture_output=True,
                          text=True, timeout=120, env=environ)


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    dest = tmp_path / "seed-incident"
    shutil.copytree(SEED, dest)
    return dest


# -- the split -------------------------------------------------------------------------------

@pytest.mark.parametrize("message, short, help_text", [
    ("F: trigger S retries forever (24 h); set MaximumRetryAttempts (e.g. 3)",
     "F: trigger S retries forever (24 h)", "set MaximumRetryAttempts (e.g. 3)"),
    # the first top-level "; " only: the help keeps its own
    ("a; b; c", "a", "b; c"),
    # not inside brackets or quotes
    ("F (x; y) is wrong; fix it", "F (x; y) is wrong", "fix it"),
    ('name "a; b" is wrong; rename it', 'name "a; b" is wrong', "rename it"),
    ("`a; b` only", "`a; b` only", None),
    ("no help here", "no help here", None),
    ("; starts with one", "; starts with one", None),
    ("ends with one; ", "ends with one; ", None),
])
def test_split_message(message, short, help_text) -> None:
    assert split_message(message) == (short, help_text)


def test_explicit_help_wins_and_concise_joins_it_back() -> None:
    meta = RuleMeta("LL999", "x-rule", Severity.WARNING, "s")
    rep = Reporter("a.py", {"LL999": meta})
    f = rep.report("LL999", 1, 1, "F: short; not split", help="do this")
    assert parts(f) == ("F: short; not split", "do this")
    assert one_line(f) == "F: short; not split; do this"
    # and it survives the cache and the process pool (plain data)
    back = Finding.from_cache(json.loads(json.dumps(f.to_cache())))
    assert (back.message, back.help) == (f.message, f.help)
    plain = rep.report("LL999", 1, 1, "what; fix")
    assert "help" not in plain.to_cache() and one_line(plain) == "what; fix"


def test_rule_url_is_built_in_one_place() -> None:
    assert rule_url("LL201", "stream-retries-unbounded") == f"{DOCS_BASE}#ll201-stream-retries-unbounded"
    # the anchor GitHub makes of the heading in docs/rules.md
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert "### LL201 stream-retries-unbounded" in text
    user = RuleMeta("LL900", "mine", Severity.INFO, "s", origin="/somewhere/policies/LL900.yaml")
    assert rule_url("LL900", "mine", user) is None  # a link to our docs would be a 404
    own = RuleMeta("LL900", "mine", Severity.INFO, "s", origin="/x/LL900.yaml", url="https://example.com/LL900")
    assert rule_url("LL900", "mine", own) == "https://example.com/LL900"


# -- formats -----------------------------------------------------------------------------------

def test_full_output_of_the_seed_incident(seed: Path) -> None:
    proc = cli("--no-cache", "--output-format", "full", ".", cwd=seed)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert "\x1b" not in out  # not a terminal
    block = out.split("\n\n")
    ll201 = next(b for b in block if " LL201 [error] " in b)
    lines = ll201.splitlines()
    assert lines[0] == ("template.yaml:27:9: LL201 [error] ForwarderFunction: Kinesis trigger StreamEvent "
                        "retries a failed batch until its records expire (168 h, the stream's RetentionPeriodHours)"
                        " [worst case: 1 concurrent for up to 168 h, ~$0.36/day]")
    src = next(i for i, ln in enumerate(lines) if ln.startswith("27 | "))
    assert lines[src] == "27 |         StreamEvent:"
    # the caret line sits under the span: the event's name, 11 characters from column 9
    assert lines[src + 1] == "   |         ^^^^^^^^^^^ LL201"
    assert lines[src - 1].startswith("26 | ") and lines[src + 2].startswith("28 | ")
    assert "   = help: set MaximumRetryAttempts (e.g. 3)" in lines
    assert f"   = docs: {DOCS_BASE}#ll201-stream-retries-unbounded" in lines
    assert out.rstrip().splitlines()[-1].startswith("Found 11 problems")


def test_concise_is_todays_one_line_and_json_splits_it(seed: Path) -> None:
    concise = cli("--no-cache", "--output-format", "concise", ".", cwd=seed).stdout.splitlines()
    assert cli("--no-cache", "--format", "text", ".", cwd=seed).stdout.splitlines() == concise  # alias
    assert cli("--no-cache", ".", cwd=seed).stdout.splitlines() == concise  # a pipe: concise
    data = json.loads(cli("--no-cache", "--format", "json", ".", cwd=seed).stdout)
    assert len(concise) == len(data) + 1
    for line, f in zip(concise, data):
        assert list(f)[8:11] == ["message", "url", "help"] or list(f)[8] == "message"
        text = f["message"] + (f"; {f['help']}" if f["help"] else "")
        imp = f.get("impact")  # runaway-class findings end with their worst case (issue 18)
        if imp:
            text += (f" [worst case: {imp['concurrency']} concurrent for up to {imp['duration_hours']:g} h, "
                     f"~${imp['cost_per_day_usd']:,.2f}/day]")
        assert line.endswith(f" [{f['severity']}] {text}"), (line, f)
        assert f["url"] == f"{DOCS_BASE}#{f['rule'].lower()}-{f['name']}"
        assert len(f["message"]) <= 200, f["message"]  # the short message reads on one line
    ll102 = next(f for f in data if f["rule"] == "LL102")
    assert ll102["help"].endswith("bound it with for attempt in range(N), a deadline check or a re-raise")


def test_github_annotation_puts_the_short_message_first(seed: Path) -> None:
    out = cli("--no-cache", "--format", "github", "template.yaml", cwd=seed).stdout
    line = next(ln for ln in out.splitlines() if "LL201" in ln)
    body = line.split("::", 2)[2]
    assert body == ("ForwarderFunction: Kinesis trigger StreamEvent retries a failed batch until its records "
                    f"expire (168 h, the stream's RetentionPeriodHours)%0Ahelp: set MaximumRetryAttempts (e.g. 3)%0Adocs: {DOCS_BASE}"
                    "#ll201-stream-retries-unbounded")


def test_sarif_help_uri_and_full_message(seed: Path) -> None:
    log = json.loads(cli("--no-cache", "--format", "sarif", "template.yaml", cwd=seed).stdout)
    run = log["runs"][0]
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "LL201")
    assert rule["helpUri"] == f"{DOCS_BASE}#ll201-stream-retries-unbounded"
    result = next(r for r in run["results"] if r["ruleId"] == "LL201")
    assert result["message"]["text"].endswith("; set MaximumRetryAttempts (e.g. 3)")


def test_full_shows_tabs_wide_characters_and_long_lines(tmp_path: Path) -> None:
    from lambda_lint.report.full import snippet

    f = Finding("a.py", 2, 3, "LL105", "swallowed-exception", Severity.WARNING, "m", end_line=2, end_column=5)
    lines = ["x = 1", "\t漢字ab = 2", "y"]
    out, width = snippet(f, lines, colour=False)
    assert width == 1
    assert out[2] == "2 |     漢字ab = 2"
    # tab = 4 columns, 漢 counts two: 字 starts at display column 6 and spans "字a"
    assert out[3] == "  |       ^^^ LL105"
    long = ["{" + '"k": 1, ' * 400 + '"Type": "AWS::Lambda::Function"}']
    col = long[0].index('"Type"') + 1
    g = Finding("t.json", 1, col, "LL208", "n", Severity.WARNING, "m", end_line=1, end_column=col + 6)
    out, _ = snippet(g, long, colour=False)
    assert len(out[1]) < 200 and out[1].startswith("1 | …") and '"Type"' in out[1]
    caret = out[2].index("^") - len("  | ")
    assert out[1][len("1 | "):][caret:caret + 6] == '"Type"'
    # a line that is gone (the file changed since): no snippet, no crash
    assert snippet(Finding("a.py", 9, 1, "LL105", "n", Severity.WARNING, "m"), lines, False) == ([], 0)


def test_statistics_prints_only_the_table(seed: Path) -> None:
    proc = cli("--no-cache", "--statistics", ".", cwd=seed)
    assert proc.returncode == 1
    rows = proc.stdout.splitlines()
    assert len(rows) == 11 and all(re.match(r"^\s+\d+  LL\d{3}  [a-z-]+$", r) for r in rows), rows
    data = json.loads(cli("--no-cache", "--statistics", "--format", "json", ".", cwd=seed).stdout)
    assert {"code": "LL201", "name": "stream-retries-unbounded", "count": 1} in data


def test_summary_counts_what_the_baseline_hid(seed: Path) -> None:
    assert cli("--no-cache", "--write-baseline", "base.json", ".", cwd=seed).returncode == 0
    proc = cli("--no-cache", "--baseline", "base.json", ".", cwd=seed)
    assert proc.returncode == 0
    assert proc.stdout.strip() == "No problems found in 2 files; 11 hidden by baseline."
    tpl = seed / "template.yaml"
    tpl.write_text(tpl.read_text().replace("      Timeout: 900\n", "      Timeout: 900\n      RecursiveLoop: Allow\n"))
    proc = cli("--no-cache", "--baseline", "base.json", "--output-format", "concise", ".", cwd=seed)
    last = proc.stdout.strip().splitlines()[-1]
    assert re.match(r"^Found 1 problem \(1 error\) in 2 files checked; 11 hidden by baseline\.$", last), last


# -- on a terminal -------------------------------------------------------------------------------

@needs_pty
def test_a_terminal_gets_full_output_with_links(seed: Path) -> None:
    rc, tty, _ = run_pty("--no-cache", ".", cwd=seed)
    assert rc == 1
    text = tty.decode()
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert "= help: set MaximumRetryAttempts (e.g. 3)" in plain  # full by default
    assert "^^^^^^^^^^^" in plain
    link = f"\x1b]8;;{DOCS_BASE}#ll201-stream-retries-unbounded\x1b\\"
    assert link in text and "\x1b[31m" in text  # an OSC 8 link on the code, in colour
    # NO_COLOR: no colour and no link, still full
    rc, tty, _ = run_pty("--no-cache", ".", cwd=seed, env={"NO_COLOR": "1"})
    assert b"\x1b[" not in tty and OSC8 not in tty and b"= help: " in tty
    # a pipe (FORCE_COLOR keeps colours, but never a link): concise
    proc = cli("--no-cache", ".", cwd=seed, env={"FORCE_COLOR": "1"})
    assert "\x1b[" in proc.stdout and "\x1b]8" not in proc.stdout and "= help" not in proc.stdout


CUSTOM = """\
code: LL901
name: sqs-batch-window-required
severity: warning
summary: SQS triggers with a large batch must set MaximumBatchingWindowInSeconds
for: trigger
where:
  kind: sqs
  BatchSize: {gt: 10}
require:
  MaximumBatchingWindowInSeconds: {present: true, gte: 1}
message: "{function}: SQS trigger {name} reads batches of {BatchSize}; without a window"
help: "set MaximumBatchingWindowInSeconds on {name} (e.g. {option.window})"
options:
  window: 5
docs: |
  ## What it catches
  SQS triggers with BatchSize above 10 and no batching window.
"""

SQS_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: arn:aws:sqs:us-east-1:123456789012:jobs
            BatchSize: 100
"""


def test_a_yaml_rule_writes_its_help_apart(tmp_path: Path) -> None:
    rules = tmp_path / "policies"
    rules.mkdir()
    (rules / "LL901.yaml").write_text(CUSTOM + "url: https://example.com/rules/LL901\n")
    (tmp_path / "template.yaml").write_text(SQS_TEMPLATE)
    args = ("--no-cache", "--rules", "policies", "--select", "LL901", "--format", "json", "template.yaml")
    data = json.loads(cli(*args, cwd=tmp_path).stdout)
    assert [(f["rule"], f["message"], f["help"], f["url"]) for f in data] == [(
        "LL901", "Fn: SQS trigger Jobs reads batches of 100; without a window",  # not split: help is given
        "set MaximumBatchingWindowInSeconds on Jobs (e.g. 5)", "https://example.com/rules/LL901")]
    # the cached, compiled rule keeps its help (a second run reads it from the cache)
    for _ in range(2):
        data = json.loads(cli(*args[1:], cwd=tmp_path).stdout)
        assert data[0]["help"] == "set MaximumBatchingWindowInSeconds on Jobs (e.g. 5)"
    # without url: no link to our docs for someone else's rule
    (rules / "LL901.yaml").write_text(CUSTOM)
    assert json.loads(cli(*args, cwd=tmp_path).stdout)[0]["url"] is None
    for bad, key in (('help: ""\n', "help"), ("help: '{nope}'\n", "help"), ("url: not-a-url\n", "url")):
        (rules / "LL901.yaml").write_text(CUSTOM.replace('help: "set MaximumBatchingWindowInSeconds on {name} '
                                                         '(e.g. {option.window})"\n', bad))
        proc = cli(*args, cwd=tmp_path)
        assert proc.returncode == 2 and key in proc.stderr, (bad, proc.stderr)
