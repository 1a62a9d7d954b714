"""What the LL1xx messages claim must hold for the code they point at (issue 12)."""

from __future__ import annotations

from lambda_lint.code import lint_python
from lambda_lint.code.rules import RULE_CLASSES
from lambda_lint.findings import Reporter
try:  # the registry moves to lambda_lint.run (issue 11)
    from lambda_lint.run.registry import meta_from_class
except ImportError:
    from lambda_lint.run.registry import meta_from_class

METAS = {c.code: meta_from_class(c, "code") for c in RULE_CLASSES}


def messages(source: str, code: str) -> list:
    reporter = Reporter("app.py", METAS)
    lint_python(source.encode(), "app.py", enabled=frozenset({code}), reporter=reporter, options={})
    return [f.message for f in reporter.findings if f.code == code]


NAMED = """
def put(table, item):
    while True:
        try:
            return table.put_item(Item=item)
        except (ClientError, EndpointConnectionError):
            time.sleep(1)
"""

BROAD = """
def put(table, item):
    while True:
        try:
            return table.put_item(Item=item)
        except Exception:
            time.sleep(1)
"""


def test_ll102_names_the_caught_types():
    (msg,) = messages(NAMED, "LL102")
    assert "retries on ClientError, EndpointConnectionError" in msg
    assert "every exception" not in msg


def test_ll102_says_every_exception_only_when_broad():
    (msg,) = messages(BROAD, "LL102")
    assert "retries on every exception" in msg


def test_ll105_does_not_claim_the_invocation_succeeds():
    src = "def helper(x):\n    try:\n        save(x)\n    except Exception:\n        pass\n    finish(x)\n"
    (msg,) = messages(src, "LL105")
    assert "reports success" not in msg and "never reaches Lambda" in msg


def test_ll107_names_the_poll_call():
    src = ("def wait(glue, run):\n    while True:\n"
           "        if glue.get_job_run(RunId=run)['JobRun']['JobRunState'] == 'SUCCEEDED':\n"
           "            return\n        time.sleep(5)\n")
    (msg,) = messages(src, "LL107")
    assert "polls glue.get_job_run()" in msg
