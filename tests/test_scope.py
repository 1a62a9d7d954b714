"""The code scope (issue 12): entry points, reachable code, vendored code, explicit files.

The annotated mini-projects under ``fixtures/project/scope_*`` are checked both ways by
``test_fixtures.py`` as folder runs; this module covers what a folder run cannot: files named
alone (pre-commit's per-file hook), configuration, the planner's promises (what is never
parsed) and identical output whatever the cache and the number of processes.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import List

import pytest

from lambda_lint.config import Config, load_config
from lambda_lint.run.engine import Session, run
from lambda_lint.errors import ConfigError

FIXTURES = Path(__file__).parent / "fixtures" / "project"


def _copy(tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest)
    return dest


def _lint(paths: List[str], **config) -> list:
    config.setdefault("cache", False)
    cfg = Config(**config)
    return run(paths, cfg, Session(cfg)).findings


def _codes(findings) -> List[tuple]:
    return sorted((f.path, f.line, f.code) for f in findings)


# --------------------------------------------------------------------------- explicit files

def test_helper_named_alone_is_linted_when_its_templates_handler_reaches_it(tmp_path, monkeypatch):
    proj = _copy(tmp_path, "scope_template_app")
    monkeypatch.chdir(proj)
    found = _lint(["src/helpers.py"], select=("LL1",))
    assert _codes(found) == [("src/helpers.py", 10, "LL105")]
    assert "reached from `handler` via `process()` → `helpers.save_order()`" in found[0].message


def test_unreachable_helper_named_alone_is_parsed_but_silent(tmp_path, monkeypatch):
    proj = _copy(tmp_path, "scope_template_app")
    monkeypatch.chdir(proj)
    assert _lint(["src/unused.py"], select=("LL1",)) == []
    # ... yet it is parsed: a syntax error in it is still LL001 (pre-commit's per-file hook)
    (proj / "src" / "unused.py").write_text("def poll(:\n")
    assert [f.code for f in _lint(["src/unused.py"], select=("LL1",), extend_select=("LL001",))] == ["LL001"]
    # and --code-scope all reports it whole
    (proj / "src" / "unused.py").write_text("import time\n\n\ndef poll():\n    while True:\n        time.sleep(1)\n")
    assert _codes(_lint(["src/unused.py"], select=("LL1",), code_scope="all")) == [("src/unused.py", 5, "LL101")]


def test_handler_file_alone_reports_only_its_reachable_functions(tmp_path, monkeypatch):
    proj = _copy(tmp_path, "scope_template_app")
    monkeypatch.chdir(proj)
    assert _codes(_lint(["src/app.py"], select=("LL1",))) == [("src/app.py", 19, "LL101")]


def test_code_only_helper_named_alone_is_reached_from_a_handler_in_its_package(tmp_path, monkeypatch):
    proj = _copy(tmp_path, "scope_code_only")
    (proj / ".git").mkdir()
    monkeypatch.chdir(proj)
    found = _lint(["functions/orders/service.py"], select=("LL1",))
    assert _codes(found) == [("functions/orders/service.py", 6, "LL102")]
    assert "reached from `main` via `service.charge()`" in found[0].message


def test_vendored_file_named_explicitly_is_linted(tmp_path, monkeypatch):
    proj = _copy(tmp_path, "scope_template_app")
    monkeypatch.chdir(proj)
    assert _lint(["src"], select=("LL102",), code_scope="all") == []  # walked: never
    found = _lint(["src/requests/__init__.py"], select=("LL102",), code_scope="all")
    assert _codes(found) == [("src/requests/__init__.py", 6, "LL102")]


def test_site_packages_folder_is_not_walked(tmp_path, monkeypatch):
    sp = tmp_path / "venv" / "lib" / "python3.12" / "site-packages" / "lib1"
    sp.mkdir(parents=True)
    (sp / "core.py").write_text("def handler(event, context):\n    while True:\n        pass\n")
    monkeypatch.chdir(tmp_path)
    cfg = Config(cache=False, code_scope="all")
    result = run(["venv"], cfg, Session(cfg))
    assert result.findings == [] and result.files_checked == 0
    result = run([str(sp.parent)], cfg, Session(cfg))
    assert result.vendored_args == [str(sp.parent)]
    assert _codes(_lint([str(sp / "core.py")], select=("LL101",))) != []  # named: linted


# --------------------------------------------------------------------------- vendored layouts

def test_source_tree_egg_info_does_not_make_the_project_vendored(tmp_path):
    from lambda_lint.run.vendored import VendoredIndex

    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "app.py").write_text("")
    egg = tmp_path / "mypkg.egg-info"
    egg.mkdir()
    (egg / "top_level.txt").write_text("mypkg\n")
    (egg / "SOURCES.txt").write_text("mypkg/app.py\n")
    idx = VendoredIndex()
    assert not idx.under(str(tmp_path / "mypkg" / "app.py"))
    (egg / "installed-files.txt").write_text("../mypkg/app.py\n")  # a pip (legacy) install
    assert VendoredIndex().under(str(tmp_path / "mypkg" / "app.py"))


def test_pip_target_folder_keeps_the_users_own_modules(tmp_path):
    from lambda_lint.run.vendored import VendoredIndex

    (tmp_path / "requests").mkdir()
    (tmp_path / "requests" / "api.py").write_text("")
    (tmp_path / "six.py").write_text("")
    (tmp_path / "app.py").write_text("")
    dist = tmp_path / "requests-2.31.0.dist-info"
    dist.mkdir()
    (dist / "RECORD").write_text("requests/api.py,sha256=x,1\nsix.py,sha256=y,2\n\"odd,name.py\",,\n")
    idx = VendoredIndex()
    assert idx.under(str(tmp_path / "requests" / "api.py"))
    assert idx.under(str(tmp_path / "six.py"))
    assert not idx.under(str(tmp_path / "app.py"))


def test_a_standard_library_is_installed_code_and_imports_stop_there(tmp_path, monkeypatch):
    from lambda_lint.run.vendored import VendoredIndex

    std = tmp_path / "lib" / "python3.12"
    (std / "json").mkdir(parents=True)
    for name in ("os.py", "_collections_abc.py", "json/__init__.py"):
        (std / name).write_text("def handler(event, context):\n    while True:\n        pass\n")
    assert VendoredIndex().under(str(std / "json" / "__init__.py"))
    assert VendoredIndex().under(str(std))
    monkeypatch.chdir(tmp_path)
    assert _lint(["lib"], code_scope="all") == []
    # a handler next to it whose `import json` would land in that folder: not followed
    (std / "app.py").write_text("import json\n\n\ndef handler(event, context):\n    return json\n")
    (std / "json" / "__init__.py").write_text("while True:\n    pass\n")  # runs at import, if followed
    both = [str(std / "app.py"), str(std / "json" / "__init__.py")]
    assert _codes(_lint(both, select=("LL101",))) == []
    assert len(_lint(both, select=("LL101",), code_scope="all")) == 1


# --------------------------------------------------------------------------- entry points

@pytest.mark.parametrize("source, expected", [
    (b"def handler(event, context):\n", True),
    (b"def handler(_event, _context):\n", True),
    (b"from x import LambdaContext\n", True),
    (b"@logger.inject_lambda_context\ndef main(e, c):\n", True),
    (b"handler = Mangum(app)\n", True),
    (b"def render(node, context, flag):\n", False),
    (b"def on_click(self, event):\n    context = 1\n", False),
    (b"x = 1\n", False),
])
def test_byte_scan(source, expected):
    from lambda_lint.code.entrypoints import might_hold_handler

    assert might_hold_handler(source) is expected


def test_byte_scan_never_misses_what_the_parse_calls_a_handler():
    """Every handler shape the parse accepts passes the byte scan (no false negatives)."""
    from lambda_lint.code import lint_python
    from lambda_lint.code.entrypoints import HANDLER_DECORATORS, might_hold_handler
    from lambda_lint.findings import Reporter

    sources = [
        "def h(event, context):\n    pass\n",
        "def h(event: dict, context: 'LambdaContext'):\n    pass\n",
        "from aws_lambda_powertools.utilities.typing import LambdaContext as LC\n"
        "def h(e, c: LambdaContext):\n    pass\n",
    ] + [f"from aws_lambda_powertools import {d}\n@{d}\ndef h(e, c):\n    pass\n" for d in HANDLER_DECORATORS]
    for src in sources:
        facts = lint_python(src.encode(), "m.py", enabled=frozenset(), reporter=Reporter("m.py", {}), options={})
        assert facts["handlers"] == ["h"], src
        assert might_hold_handler(src.encode()), src


def test_unreachable_files_are_never_parsed(tmp_path, monkeypatch):
    proj = _copy(tmp_path, "scope_template_app")
    monkeypatch.chdir(proj)
    cfg = Config(cache=False, select=("LL1",))
    result = run(["."], cfg, Session(cfg))
    parsed = sorted(r.display for r in result.files if r.kind == "python")
    assert parsed == ["scripts/standalone.py", "src/app.py", "src/helpers.py", "src/store.py"]
    kinds = {r.display: r.kind for r in result.files}
    assert kinds["src/unused.py"] == kinds["scripts/seed.py"] == "unreached"


# --------------------------------------------------------------------------- configuration

def _config(tmp_path: Path, body: str) -> Config:
    (tmp_path / "pyproject.toml").write_text("[tool.lambda-lint]\n" + textwrap.dedent(body))
    return load_config(config_file=None, search_from=tmp_path, cli={})


def test_config_code_scope(tmp_path):
    assert _config(tmp_path, 'code-scope = "all"\n').code_scope == "all"
    assert _config(tmp_path, "").code_scope == "handlers"
    with pytest.raises(ConfigError, match="code-scope"):
        _config(tmp_path, 'code-scope = "reachable"\n')


@pytest.mark.parametrize("value, message", [
    ('"worker/job.py:run"', "list of strings"),
    ('["worker/job.py"]', "path/to/module.py:function"),
    ('["worker/job.py:"]', "path/to/module.py:function"),
    ('["worker/job.py:run.me"]', "path/to/module.py:function"),
    ('["worker/job:run"]', "must name a .py file"),
    ('["worker/nope.py:run"]', "no such file"),
    ('["other/*.py:run"]', "no such file"),
    ('[1]', "list of strings"),
])
def test_config_handlers_are_validated(tmp_path, value, message):
    (tmp_path / "worker").mkdir()
    (tmp_path / "worker" / "job.py").write_text("")
    if value.startswith('"'):
        value = value  # a bare string is accepted as a one-item list
        assert _config(tmp_path, f"handlers = {value}\n").handlers
        return
    with pytest.raises(ConfigError, match=message):
        _config(tmp_path, f"handlers = {value}\n")


def test_config_handler_is_an_entry_point(tmp_path, monkeypatch):
    (tmp_path / "worker").mkdir()
    (tmp_path / "worker" / "job.py").write_text(textwrap.dedent("""\
        import time


        def run(payload, ctx):
            step(payload)


        def step(payload):
            while True:
                time.sleep(1)
        """))
    monkeypatch.chdir(tmp_path)
    assert _lint(["."], select=("LL101",)) == []
    cfg = _config(tmp_path, 'handlers = ["worker/*.py:run"]\n').with_overrides(cache=False, select=("LL101",))
    found = run(["."], cfg, Session(cfg)).findings
    assert _codes(found) == [("worker/job.py", 9, "LL101")]
    assert found[0].message.endswith("(reached from `run` via `step()`)")


def test_cli_code_scope_flag(tmp_path, monkeypatch, capsys):
    from lambda_lint.cli import main

    proj = _copy(tmp_path, "scope_template_app")
    monkeypatch.chdir(proj)
    assert main(["--no-cache", "--select", "LL101", "-q", "src/unused.py"]) == 0
    assert main(["--no-cache", "--select", "LL101", "-q", "--code-scope", "all", "src/unused.py"]) == 1
    assert "src/unused.py:6:5: LL101" in capsys.readouterr().out
    assert main(["--code-scope", "some"]) == 2


# --------------------------------------------------------------------------- determinism

def _big_project(root: Path) -> None:
    """A template, a handler reaching a chain of 30 modules, and 30 modules nothing reaches."""
    (root / ".git").mkdir()
    src = root / "src"
    src.mkdir()
    (root / "template.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Runtime: python3.12
        """))
    (src / "app.py").write_text("from m0 import step\n\n\ndef handler(event, context):\n    step(event)\n")
    for i in range(30):
        nxt = f"from m{i + 1} import step as nxt\n" if i < 29 else "nxt = print\n"
        (src / f"m{i}.py").write_text(nxt + textwrap.dedent(f"""\


            def step(event):
                try:
                    nxt(event)
                except Exception:
                    pass


            def unused_{i}():
                while True:
                    pass
            """))
        (src / f"orphan{i}.py").write_text("def f():\n    while True:\n        pass\n")
    jobs = root / "jobs"  # no template covers these: 25 unmistakable handlers, parsed in one pool
    jobs.mkdir()
    for i in range(25):
        (jobs / f"job{i}.py").write_text(textwrap.dedent("""\
            def handler(event, context):
                return work(event)


            def work(event):
                try:
                    return event["x"]
                except Exception:
                    pass
            """))


def test_same_output_for_jobs_and_cache(tmp_path, monkeypatch):
    _big_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    outs = []
    for jobs, cache in ((1, False), (2, False), (2, True), (2, True), (1, True)):
        cfg = Config(jobs=jobs, cache=cache, cache_dir=tmp_path / ".cache", select=("LL1",))
        outs.append([(f.path, f.line, f.code, f.message) for f in run(["."], cfg, Session(cfg)).findings])
    assert all(o == outs[0] for o in outs)
    assert len(outs[0]) == 55 and all(code == "LL105" for _, _, code, _ in outs[0])
    assert outs[0][-1][3].endswith("(reached from `handler` via `m0.step()` → `m1.step()` → … → `m9.step()`)")
