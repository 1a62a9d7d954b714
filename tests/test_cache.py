"""The results cache: identical output on a hit, re-lint on change, corrupt entries ignored,
``--no-cache`` writes nothing. No timings here (bench/bench.py measures them)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from lambda_lint.config import Config
from lambda_lint.run.engine import FileJob, Session, run
from lambda_lint.report import render

from _treegen import make_tree


def _lint(tree: Path, cache_dir: Path | None, *, jobs: int = 1, select=None) -> tuple:
    cfg = Config(cache=cache_dir is not None, cache_dir=cache_dir, jobs=jobs, output_format="json",
                 select=select, project_root=tree, code_scope="all")  # every file: the machinery, not the scope
    session = Session(cfg)
    result = run([str(tree)], cfg, session)
    out = io.StringIO()
    render("json", result, cfg, out)
    return out.getvalue(), session, result


def _entries(cache_dir: Path) -> list:
    return [p for p in cache_dir.rglob("*.json") if p.parent.parent.parent == cache_dir]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "proj", apps=4, modules_per_app=2)


def test_hit_gives_identical_output(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold, s1, r1 = _lint(tree, cache)
    assert json.loads(cold), "the generated tree has findings"
    # (the project layer keeps its own entries in the same cache: counts are at least the files)
    assert s1.cache.hits == 0 and s1.cache.writes >= len(r1.files)
    warm, s2, r2 = _lint(tree, cache)
    assert warm == cold
    assert s2.cache.misses == 0 and s2.cache.hits >= len(r2.files) and s2.cache.writes == 0
    # Every per-file datum survives the round trip (facts for the project layer too).
    for a, b in zip(r1.files, r2.files):
        assert (a.display, a.kind, a.facts, a.suppressions, a.resource_lines, a.resource_ignores, a.parsed) == \
               (b.display, b.kind, b.facts, b.suppressions, b.resource_lines, b.resource_ignores, b.parsed)
    nocache, _, _ = _lint(tree, None)
    assert nocache == cold


def test_cache_folder_is_tagged_and_ignored(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _lint(tree, cache)
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert not list(cache.rglob(".tmp-*"))


def test_default_folder_is_under_the_project_root(tree: Path) -> None:
    _lint(tree, None)  # cache off
    assert not (tree / ".lambda-lint-cache").exists()
    cfg = Config(project_root=tree, jobs=1)
    run([str(tree)], cfg, Session(cfg))
    assert (tree / ".lambda-lint-cache" / "CACHEDIR.TAG").is_file()
    # and the walk never lints the cache's own files
    result = run([str(tree)], cfg, Session(cfg))
    assert not any(".lambda-lint-cache" in f.display for f in result.files)


def test_changed_file_is_linted_again(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before, _, _ = _lint(tree, cache)
    target = tree / "app01" / "src" / "app.py"
    assert "app01/src/app.py" in before
    target.write_text("def handler(event, context):\n    return 1\n", encoding="utf-8")
    after, session, result = _lint(tree, cache)
    assert session.cache.misses >= 1 and session.cache.hits >= len(result.files) - 1
    paths = {f["path"] for f in json.loads(after)}
    assert not any(p.endswith("app01/src/app.py") for p in paths)
    fresh, _, _ = _lint(tree, None)
    assert after == fresh


def test_corrupt_and_foreign_entries_are_misses(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold, _, _ = _lint(tree, cache)
    entries = _entries(cache)
    assert entries
    for k, p in enumerate(entries):
        if k % 3 == 0:
            p.write_bytes(b"\x00not json{")
        elif k % 3 == 1:
            p.write_text("[1, 2]", encoding="utf-8")
        else:  # written by another version: same key, other salt, a lying result
            head, body = p.read_text(encoding="utf-8").split("\n", 1)
            header, data = json.loads(head), json.loads(body)
            header["salt"] = "0" * 64
            data["findings"] = []
            p.write_text(json.dumps(header) + "\n" + json.dumps(data), encoding="utf-8")
    again, session, result = _lint(tree, cache)
    assert again == cold
    assert session.cache.hits == 0 and session.cache.misses >= len(result.files)
    # the damaged entries were replaced: the next run hits
    _, s3, r3 = _lint(tree, cache)
    assert s3.cache.misses == 0 and s3.cache.hits >= len(r3.files)


def test_unreadable_cache_folder_does_not_fail_the_run(tree: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    out, _, _ = _lint(tree, blocker / "cache")
    fresh, _, _ = _lint(tree, None)
    assert out == fresh


def test_no_cache_flag_writes_nothing(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_lint.cli import main

    monkeypatch.chdir(tree)
    before = sorted(p for p in tree.rglob("*"))
    assert main(["--no-cache", "--quiet", "."]) == 1
    assert main(["--no-cache", "--jobs", "2", "--format", "json", "."]) == 1
    assert sorted(p for p in tree.rglob("*")) == before


def test_cache_on_by_default_from_the_cli(tree: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from lambda_lint.cli import main

    monkeypatch.chdir(tree)
    assert main(["--format", "json", "."]) == 1
    first = capsys.readouterr().out
    assert (tree / ".lambda-lint-cache").is_dir()
    assert main(["--format", "json", "."]) == 1
    assert capsys.readouterr().out == first


def test_key_covers_what_changes_a_result(tmp_path: Path) -> None:
    from lambda_lint.run.cache import ResultCache

    c = ResultCache(tmp_path, "fp", "rules", {})
    base = dict(kind="python", display="a.py", enabled=frozenset({"LL105"}), handler_names=None, digest="d")
    k = c.key(**base)
    assert k == c.key(**{**base, "enabled": {"LL105"}})
    for change in ({"kind": "template"}, {"display": "b.py"}, {"enabled": frozenset({"LL101"})},
                   {"handler_names": frozenset({"handler"})}, {"handler_names": frozenset()}, {"digest": "e"}):
        assert c.key(**{**base, **change}) != k, change
    for other in (ResultCache(tmp_path, "fp2", "rules", {}), ResultCache(tmp_path, "fp", "rules2", {}),
                  ResultCache(tmp_path, "fp", "rules", {"LL209": {"metrics": ["Errors"]}})):
        assert other.key(**base) != k


def test_user_rule_change_invalidates(tree: Path, tmp_path: Path) -> None:
    from lambda_lint.run.cache import rules_hash
    from lambda_lint.run.registry import builtin_rules_dir

    src = builtin_rules_dir() / "LL201.yaml"
    user = tmp_path / "rules"
    user.mkdir()
    text = src.read_text(encoding="utf-8").replace("LL201", "LL901").replace(
        "stream-retries-unbounded", "my-stream-rule")
    (user / "LL901.yaml").write_text(text, encoding="utf-8")
    h1 = rules_hash((user,))
    (user / "LL901.yaml").write_text(text + "\n", encoding="utf-8")
    assert rules_hash((user,)) != h1
    assert rules_hash(()) != h1


def test_compiled_rules_are_cached_and_equal(tmp_path: Path) -> None:
    cfg = Config(cache_dir=tmp_path / "c")
    s1 = Session(cfg)
    assert list((tmp_path / "c").rglob("rules-*.json"))
    s2 = Session(cfg)
    assert [r.meta for r in s1.loaded.template_rules] == [r.meta for r in s2.loaded.template_rules]
    for a, b in zip(s1.loaded.template_rules, s2.loaded.template_rules):
        assert (a.subject, a.where, a.require, a.message, a.points_to) == \
               (b.subject, b.where, b.require, b.message, b.points_to)
    assert s1.registry.all() == s2.registry.all()
    assert s1.enabled == s2.enabled


def test_stat_index_is_a_hint_only(tree: Path, tmp_path: Path) -> None:
    """A corrupt stat index is ignored; a file edited to the same size is still re-linted
    when its mtime moves (the index trusts only an unchanged stat)."""
    cache = tmp_path / "cache"
    cold, _, _ = _lint(tree, cache)
    indexes = list(cache.rglob("stat-index.json"))
    assert len(indexes) == 1
    indexes[0].write_text("{not json", encoding="utf-8")
    again, _, _ = _lint(tree, cache)
    assert again == cold

    app = tree / "app00" / "src" / "app.py"
    text = app.read_text(encoding="utf-8")
    edited = text.replace("    except Exception:\n        pass\n", "    except Exception:\n        exit\n")
    assert edited != text and len(edited) == len(text)
    st = app.stat()
    app.write_text(edited, encoding="utf-8")
    os.utime(app, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    after, _, _ = _lint(tree, cache)
    assert after != cold
    assert after == _lint(tree, None)[0]


def test_same_size_edit_with_restored_mtime_is_relinted(tree: Path, tmp_path: Path) -> None:
    """A same-size edit whose mtime is put back (``touch -d``, ``tar``/``rsync -a``, a CI
    step restoring mtimes) still changes the file's ctime: the cache must not serve the old
    result."""
    cache = tmp_path / "cache"
    cold, _, _ = _lint(tree, cache)
    app = tree / "app00" / "src" / "app.py"
    text = app.read_text(encoding="utf-8")
    edited = text.replace("    except Exception:\n        pass\n", "    except Exception:\n        exit\n")
    assert edited != text and len(edited) == len(text)
    st = app.stat()
    app.write_text(edited, encoding="utf-8")
    os.utime(app, ns=(st.st_atime_ns, st.st_mtime_ns))
    after, _, _ = _lint(tree, cache)
    assert after != cold
    assert after == _lint(tree, None)[0]
