"""The parser wrapper of the code layer (issue 8 cases): real bytes in, ParseFailure or findings out."""

from __future__ import annotations

import pytest

from lambda_lint.code import lint_python
from lambda_lint.code.rules import RULE_CLASSES
from lambda_lint.errors import ParseFailure
from lambda_lint.findings import Reporter
from lambda_lint.run.registry import meta_from_class

METAS = {c.code: meta_from_class(c, "code") for c in RULE_CLASSES}
ALL = frozenset(METAS)

SWALLOW = "def handler(event, context):\n    try:\n        go()\n    except Exception:\n        pass\n"


def lint(source: bytes, path: str = "app.py"):
    reporter = Reporter(path, METAS)
    facts = lint_python(source, path, enabled=ALL, reporter=reporter, options={})
    return reporter.findings, facts


def fails(source: bytes) -> ParseFailure:
    with pytest.raises(ParseFailure) as info:
        lint(source)
    return info.value


def test_syntax_error_points_at_the_line():
    err = fails(b"import os\n\ndef handler(event, context)\n    return 1\n")
    assert err.line == 3
    assert "syntax" in err.message.lower()


def test_python2_print_statement():
    err = fails(b"import sys\nprint 'hello'\n")
    assert err.line == 2


def test_cookiecutter_template_placeholder():
    err = fails(b"import os\nfrom {{ cookiecutter.module }} import handler\n")
    assert err.line == 2


def test_null_byte():
    err = fails(b"x = 1\ny = '\x00'\n")
    assert err.line == 2 and err.column == 6
    assert "null" in err.message


def test_undecodable_bytes_without_cookie():
    err = fails(b"x = 1\ns = '\xff\xfe'\n")
    assert err.line == 2 and err.column == 6
    assert "utf-8" in err.message.lower()


def test_unknown_coding_cookie():
    err = fails(b"# -*- coding: no-such-codec -*-\nx = 1\n")
    assert err.line >= 1


def test_bom_is_accepted_and_lines_are_right():
    findings, facts = lint(b"\xef\xbb\xbf" + SWALLOW.encode())
    assert [(f.code, f.line, f.column) for f in findings] == [("LL105", 4, 5)]
    assert facts["functions"][0]["line"] == 1


def test_latin1_with_coding_cookie():
    src = ("# -*- coding: latin-1 -*-\nGREETING = 'caf\u00e9'\n" + SWALLOW).encode("latin-1")
    findings, facts = lint(src)
    assert [(f.code, f.line) for f in findings] == [("LL105", 6)]
    assert facts["handlers"] == ["handler"]


def test_crlf_line_endings_keep_line_numbers():
    src = ("import time\r\n\r\n" + SWALLOW.replace("\n", "\r\n")).encode()
    findings, _ = lint(src)
    assert [(f.code, f.line, f.column) for f in findings] == [("LL105", 6, 5)]


def test_cr_only_and_mixed_endings():
    src = ("x = 1\r\n" + SWALLOW).encode()
    findings, _ = lint(src)
    assert [(f.code, f.line) for f in findings] == [("LL105", 5)]


def test_deep_nesting_is_a_parse_failure_not_a_crash():
    deep = b"x = 1\ny = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n"
    err = fails(deep)
    assert err.line == 2
    ok = b"x = " + b"[" * 50 + b"1" + b"]" * 50 + b"\n"
    assert lint(ok)[0] == []


def test_long_implicit_concatenation_is_parsed_or_a_parse_failure():
    # our walker is iterative (no RecursionError); libcst itself gives up on very long ones
    for n in (2000, 20000):
        src = b"topics = {'a': " + b"\n".join(b"    'line %d\\n'" % i for i in range(n)) + b"}\n"
        try:
            findings, _ = lint(src)
        except ParseFailure as err:
            assert err.line >= 1
        else:
            assert findings == []


def test_a_crashing_rule_is_ll002_and_the_others_still_run(monkeypatch):
    from lambda_lint.code.rules import ll101_unbounded_loop

    def boom(self, *args):
        raise ValueError("kaboom")

    monkeypatch.setattr(ll101_unbounded_loop.UnboundedLoop, "check", boom)
    findings, _ = lint(SWALLOW.encode())
    assert sorted(f.code for f in findings) == ["LL002", "LL105"]


def test_only_enabled_rules_run():
    reporter = Reporter("app.py", METAS)
    lint_python(SWALLOW.encode(), "app.py", enabled=frozenset({"LL101"}), reporter=reporter, options={})
    assert reporter.findings == []


def test_inline_code_offsets_come_from_the_reporter():
    reporter = Reporter("template.yaml", METAS, line_offset=10, column_offset=8)
    lint_python(SWALLOW.encode(), "template.yaml", enabled=ALL, reporter=reporter, options={})
    assert [(f.line, f.column) for f in reporter.findings] == [(14, 13)]
