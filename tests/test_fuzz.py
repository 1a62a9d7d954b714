"""Property-based robustness (issue 8): mutated fixtures never break a run.

Random mutations of the fixture handlers and templates under tests/fixtures (byte flips,
insertions, truncation, line deletion/duplication, and, for templates, key deletion and
type swaps on the parsed tree, re-dumped as YAML or JSON) go through the real per-file
path (``engine.process_file``) and, for the project fixtures, the whole run
(``engine.run``, project layer included). The properties: nothing raises, nothing is
LL002, every finding has a 1-based position inside the file.

CI budget: about a minute in all (modest ``max_examples``, ``derandomize=True`` so a CI
failure reproduces). The long campaign reuses these properties with many more examples:
``python -m tests.fuzz_long`` (see docs/robustness.md).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, List, Optional

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lambda_lint.config import Config  # noqa: E402
from lambda_lint.run.engine import FileJob, Session, process_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

PY_SEEDS = sorted(p for p in FIXTURES.rglob("*.py"))
TPL_SEEDS = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".template"))
PROJECTS = sorted(p for p in (FIXTURES / "project").iterdir() if p.is_dir()) if (FIXTURES / "project").is_dir() else []

CI = dict(deadline=None, derandomize=True, database=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])

_SESSION: Optional[Session] = None
_TMP = tempfile.mkdtemp(prefix="lambda-lint-fuzz-")


def _session() -> Session:
    global _SESSION
    if _SESSION is None:
        _SESSION = Session(Config(cache=False, jobs=1))
    return _SESSION


def check_file(data: bytes, suffix: str, kind: str) -> None:
    """The property: process_file returns, no LL002, positions inside the file."""
    s = _session()
    layer = "code" if kind == "python" else "template"
    enabled = frozenset(c for c in s.enabled if s.metas[c].layer in (layer, "meta"))
    path = os.path.join(_TMP, "fuzzed" + suffix)
    with open(path, "wb") as fh:
        fh.write(data)
    result = process_file(FileJob("fuzzed" + suffix, path, kind, True, enabled), s)  # must not raise
    bad = [f for f in result.findings if f.code == "LL002"]
    assert not bad, f"LL002 on a mutated input: {bad[0].message}\n--- input ---\n{data[:3000]!r}"
    # YAML also breaks lines at NEL, LS and PS (U+0085, U+2028, U+2029): an upper bound
    n_lines = sum(data.count(sep) for sep in (b"\n", b"\r", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")) + 2
    for f in result.findings:
        assert 1 <= f.line <= n_lines and f.column >= 1, (f, n_lines)
    json.dumps(result.facts)  # facts cross processes and go into the cache: plain data only


# ---------------------------------------------------------------------------- mutations

def _byte_ops(max_ops: int = 6):
    op = st.one_of(
        st.tuples(st.just("flip"), st.integers(0, 1 << 30), st.integers(1, 255)),
        st.tuples(st.just("set"), st.integers(0, 1 << 30),
                  st.sampled_from([0, 9, 10, 13, 0x1b, 0x22, 0x27, 0x3a, 0x5b, 0x7b, 0x7d, 0x80, 0xff, 0xef])),
        st.tuples(st.just("insert"), st.integers(0, 1 << 30), st.binary(min_size=1, max_size=8)),
        st.tuples(st.just("insert_text"), st.integers(0, 1 << 30),
                  st.sampled_from([b"{{ cookiecutter.x }}", b"!GetAtt a.b.c", b"*alias", b"&a ", b": ", b"- ",
                                   b"\t", b"\r\n", b"\xef\xbb\xbf", b"(" * 50, b"[", b"!!python/object:os.system ",
                                   b"except:\n pass\n", b"while True:\n", b"\\", b"'''", b"\"", b"#", b"\x00"])),
        st.tuples(st.just("delete"), st.integers(0, 1 << 30), st.integers(1, 64)),
        st.tuples(st.just("dup"), st.integers(0, 1 << 30), st.integers(1, 200)),
        st.tuples(st.just("truncate"), st.integers(0, 1 << 30), st.just(0)),
    )
    return st.lists(op, min_size=1, max_size=max_ops)


def apply_byte_ops(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for kind, pos, arg in ops:
        n = len(buf)
        i = pos % (n + 1)
        if kind == "flip" and n:
            buf[i % n] ^= arg
        elif kind == "set" and n:
            buf[i % n] = arg
        elif kind in ("insert", "insert_text"):
            buf[i:i] = arg
        elif kind == "delete":
            del buf[i:i + arg]
        elif kind == "dup":
            buf[i:i] = buf[i:i + arg]
        elif kind == "truncate":
            del buf[i:]
    return bytes(buf)


def _line_ops(max_ops: int = 6):
    return st.lists(st.tuples(st.sampled_from(["delete", "dup", "swap", "dedent", "indent"]),
                              st.integers(0, 1 << 30), st.integers(0, 1 << 30)), min_size=1, max_size=max_ops)


def apply_line_ops(data: bytes, ops) -> bytes:
    lines = data.splitlines(keepends=True)
    for kind, a, b in ops:
        if not lines:
            break
        i, j = a % len(lines), b % len(lines)
        if kind == "delete":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[i])
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "dedent":
            lines[i] = lines[i].lstrip(b" \t")
        elif kind == "indent":
            lines[i] = b"  " + lines[i]
    return b"".join(lines)


# -- structural mutations of templates: on the parsed tree, then re-dumped

def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, (str, int, float, bool)) and k is not None else k: _plain(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def parsed_seed(path: Path) -> Optional[Any]:
    from lambda_lint.errors import ParseFailure
    from lambda_lint.iac.cloudformation.loader import load

    try:
        return _plain(load(path.read_bytes(), str(path)))
    except ParseFailure:
        return None


_REPLACEMENTS = [None, True, False, 0, -1, 3, 10 ** 30, 1.5, float("inf"), "", "x", "AWS::Lambda::Function",
                 "-1", [], [1, "a"], {}, {"Ref": "Nope"}, {"Fn::GetAtt": ["A", "B", "C"]}, {"Fn::Sub": ["a", "b", "c"]},
                 {"Fn::Sub": []}, {"Ref": ["x"]}, {"Fn::If": [1]}, {"Fn::Join": "x"}, {"Fn::GetAtt": "A"},
                 '{"Statement": 1}', {"Type": {"a": 1}}, {"Properties": [1]}, {"Properties": "s"}]


def _paths(tree: Any, limit: int = 4000) -> List[tuple]:
    out: List[tuple] = []
    stack = [((), tree)]
    while stack and len(out) < limit:
        path, node = stack.pop()
        out.append(path)
        if isinstance(node, dict):
            stack.extend((path + (k,), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((path + (i,), v) for i, v in enumerate(node))
    return out


def apply_tree_ops(tree: Any, ops) -> Any:
    import copy

    tree = copy.deepcopy(tree)
    for kind, a, b in ops:
        paths = [p for p in _paths(tree) if p]
        if not paths:
            break
        path = paths[a % len(paths)]
        parent = tree
        for k in path[:-1]:
            parent = parent[k]
        last = path[-1]
        if kind == "delete":
            del parent[last]
        elif kind == "swap":
            parent[last] = copy.deepcopy(_REPLACEMENTS[b % len(_REPLACEMENTS)])
        elif kind == "wrap":
            parent[last] = [parent[last]] if b % 2 else {"Fn::If": ["C", parent[last], parent[last]]}
        elif kind == "rename" and isinstance(parent, dict):
            new = ["Type", "Properties", "Events", "Resources", "Handler", "Ref", "Fn::GetAtt", "1", "x"][b % 9]
            parent[new] = parent.pop(last)
    return tree


def _tree_ops(max_ops: int = 5):
    return st.lists(st.tuples(st.sampled_from(["delete", "swap", "swap", "wrap", "rename"]),
                              st.integers(0, 1 << 30), st.integers(0, 1 << 30)), min_size=1, max_size=max_ops)


def dump_tree(tree: Any, as_json: bool) -> bytes:
    import yaml

    if as_json:
        return json.dumps(tree, indent=1, default=str).encode()
    try:
        return yaml.safe_dump(tree, sort_keys=False, allow_unicode=True).encode()
    except yaml.YAMLError:
        return json.dumps(tree, default=str).encode()


_TREES = {p: parsed_seed(p) for p in TPL_SEEDS}
TREE_SEEDS = [p for p, t in _TREES.items() if t is not None]


def _suffix(path: Path) -> str:
    return path.suffix if path.suffix in (".py", ".yaml", ".yml", ".json", ".template") else ".yaml"


# ---------------------------------------------------------------------------- the properties
# Each is a plain function of (settings) so tests/fuzz_long.py can run it with a bigger budget.

def prop_python_bytes(cfg: dict) -> Callable[[], None]:
    @settings(**cfg)
    @given(seed=st.sampled_from(PY_SEEDS), ops=_byte_ops())
    def prop(seed: Path, ops) -> None:
        check_file(apply_byte_ops(seed.read_bytes(), ops), ".py", "python")
    return prop


def prop_python_lines(cfg: dict) -> Callable[[], None]:
    @settings(**cfg)
    @given(seed=st.sampled_from(PY_SEEDS), ops=_line_ops(), crlf=st.booleans())
    def prop(seed: Path, ops, crlf: bool) -> None:
        data = apply_line_ops(seed.read_bytes(), ops)
        check_file(data.replace(b"\n", b"\r\n") if crlf else data, ".py", "python")
    return prop


def prop_template_bytes(cfg: dict) -> Callable[[], None]:
    @settings(**cfg)
    @given(seed=st.sampled_from(TPL_SEEDS), ops=_byte_ops())
    def prop(seed: Path, ops) -> None:
        check_file(apply_byte_ops(seed.read_bytes(), ops), _suffix(seed), "template")
    return prop


def prop_template_lines(cfg: dict) -> Callable[[], None]:
    @settings(**cfg)
    @given(seed=st.sampled_from(TPL_SEEDS), ops=_line_ops())
    def prop(seed: Path, ops) -> None:
        check_file(apply_line_ops(seed.read_bytes(), ops), _suffix(seed), "template")
    return prop


def prop_template_tree(cfg: dict) -> Callable[[], None]:
    @settings(**cfg)
    @given(seed=st.sampled_from(TREE_SEEDS), ops=_tree_ops(), as_json=st.booleans())
    def prop(seed: Path, ops, as_json: bool) -> None:
        tree = apply_tree_ops(_TREES[seed], ops)
        check_file(dump_tree(tree, as_json), ".json" if as_json else ".yaml", "template")
    return prop


def prop_project_run(cfg: dict) -> Callable[[], None]:
    """A whole project fixture (template + handlers, project layer included) with one file mutated."""
    from lambda_lint.run import engine

    @settings(**cfg)
    @given(project=st.sampled_from(PROJECTS), pick=st.integers(0, 1 << 30), ops=_byte_ops(4),
           tree_ops=_tree_ops(4), structural=st.booleans())
    def prop(project: Path, pick: int, ops, tree_ops, structural: bool) -> None:
        dest = Path(_TMP) / "project"
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(project, dest)
        files = sorted(p for p in dest.rglob("*") if p.is_file() and p.suffix in (".py", ".yaml", ".yml", ".json"))
        if not files:
            return
        victim = files[pick % len(files)]
        tree = parsed_seed(victim) if structural and victim.suffix != ".py" else None
        if tree is not None:
            victim.write_bytes(dump_tree(apply_tree_ops(tree, tree_ops), victim.suffix == ".json"))
        else:
            victim.write_bytes(apply_byte_ops(victim.read_bytes(), ops))
        cwd = os.getcwd()
        os.chdir(dest)
        try:
            result = engine.run(["."], Config(cache=False, jobs=1, project_root=dest))
        finally:
            os.chdir(cwd)
        bad = [f for f in result.findings if f.code == "LL002"]
        assert not bad, f"LL002 after mutating {victim.name}: {bad[0].message}"
    return prop


# ---------------------------------------------------------------------------- hostile shapes (issue 20)
# What a hostile review broke, as generators: unclosed brackets, long chains with a trailing
# syntax error, big literals, deep JSON strings, file names that are not UTF-8. The property
# adds a time bound: no file may stall a run.

HOSTILE_SECONDS = 30.0


def _hostile_fragment():
    unclosed = st.builds(lambda chars, n: "x = " + "".join(chars[i % len(chars)] for i in range(n)),
                         st.lists(st.sampled_from("([{"), min_size=1, max_size=3), st.integers(150, 6000))
    chain = st.builds(lambda unit, n, err: "x = a" + unit * n + ("\ndef broken(:" if err else ""),
                      st.sampled_from([" + a", ".b()", "[0]", ".b", " and a", " if a else a"]),
                      st.integers(100, 8000), st.booleans())
    prefix = st.builds(lambda unit, n, err: "x = " + unit * n + "1" + ("\ndef broken(:" if err else ""),
                       st.sampled_from(["-", "not ", "lambda: ", "await "]), st.integers(100, 4000), st.booleans())
    literal = st.builds(lambda open_, close, item, n: "x = " + open_ + item * n + close,
                        st.sampled_from(["[", "(", "{"]), st.sampled_from(["]", ")", "}"]),
                        st.sampled_from(["1,", "'k': 1,", "None,", "-1.5,"]), st.integers(1000, 200_000))
    nested = st.builds(lambda o, c, n: "x = " + o * n + "1" + c * n,
                       st.sampled_from(["(", "[", "f("]), st.sampled_from([")", "]", ")"]), st.integers(100, 199))
    return st.one_of(unclosed, chain, prefix, literal, nested)


def prop_python_hostile(cfg: dict) -> Callable[[], None]:
    import time

    @settings(**cfg)
    @given(seed=st.sampled_from(PY_SEEDS), fragment=_hostile_fragment(), where=st.floats(0, 1))
    def prop(seed: Path, fragment: str, where: float) -> None:
        lines = seed.read_bytes().splitlines(keepends=True)
        at = int(where * len(lines))
        data = b"".join(lines[:at]) + fragment.encode() + b"\n" + b"".join(lines[at:])
        t = time.monotonic()
        check_file(data, ".py", "python")
        assert time.monotonic() - t < HOSTILE_SECONDS, f"{time.monotonic() - t:.0f} s on {fragment[:80]!r}"
    return prop


def _deep_json(kind: str, n: int) -> str:
    if kind == "list":
        return "[" * n + "]" * n
    if kind == "object":
        return '{"a":' * n + "1" + "}" * n
    return "[" * n  # unclosed


def prop_template_deep_json_string(cfg: dict) -> Callable[[], None]:
    import time

    @settings(**cfg)
    @given(kind=st.sampled_from(["list", "object", "unclosed"]), n=st.integers(10, 150_000),
           as_json=st.booleans(), prop_name=st.sampled_from(["RedrivePolicy", "Policy", "Definition"]))
    def prop(kind: str, n: int, as_json: bool, prop_name: str) -> None:
        body = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
            "Q": {"Type": "AWS::SQS::Queue", "Properties": {prop_name: _deep_json(kind, n)}},
            "Fn": {"Type": "AWS::Lambda::Function",
                   "Properties": {"Runtime": "python3.12", "Handler": "app.handler", "Code": {"ZipFile": "x = 1"}}}}}
        data = json.dumps(body).encode() if as_json else dump_tree(body, False)
        t = time.monotonic()
        check_file(data, ".json" if as_json else ".yaml", "template")
        assert time.monotonic() - t < HOSTILE_SECONDS
    return prop


def prop_non_utf8_names(cfg: dict) -> Callable[[], None]:
    """A project whose files carry names that are not UTF-8: every format renders to a strict
    UTF-8 stream, and JSON/SARIF stay loadable with the exact bytes of the name."""
    import io

    from lambda_lint.run import engine
    from lambda_lint.report import render

    @settings(**cfg)
    @given(project=st.sampled_from(PROJECTS), raw=st.binary(min_size=1, max_size=6), pick=st.integers(0, 1 << 30))
    def prop(project: Path, raw: bytes, pick: int) -> None:
        dest = Path(_TMP) / "names"
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(project, dest)
        files = sorted(p for p in dest.rglob("*.py") if p.is_file())
        if not files:
            return
        victim = files[pick % len(files)]
        stem = raw.replace(b"/", b"_").replace(b"\0", b"_").replace(b".", b"_") or b"_"
        name = os.fsdecode(stem + b"\xff.py")
        try:
            victim.rename(victim.with_name(name))
        except (OSError, ValueError):
            return  # a filesystem that refuses the bytes
        cwd = os.getcwd()
        os.chdir(dest)
        try:
            cfg_ = Config(cache=False, jobs=1, project_root=dest)
            result = engine.run(["."], cfg_)
            for fmt in ("text", "json", "sarif", "github"):
                raw_out = io.BytesIO()
                out = io.TextIOWrapper(raw_out, encoding="utf-8", errors="strict")
                render(fmt, result, cfg_, out)  # must not raise
                out.flush()
                text = raw_out.getvalue().decode("utf-8")
                if fmt in ("json", "sarif"):
                    json.loads(text)
        finally:
            os.chdir(cwd)
        bad = [f for f in result.findings if f.code == "LL002"]
        assert not bad, bad[0].message
    return prop


# ---------------------------------------------------------------------------- CI runs

@pytest.mark.skipif(not PY_SEEDS, reason="no Python fixtures")
def test_python_byte_mutations() -> None:
    prop_python_bytes(dict(CI, max_examples=500))()


@pytest.mark.skipif(not PY_SEEDS, reason="no Python fixtures")
def test_python_line_mutations() -> None:
    prop_python_lines(dict(CI, max_examples=300))()


@pytest.mark.skipif(not TPL_SEEDS, reason="no template fixtures")
def test_template_byte_mutations() -> None:
    prop_template_bytes(dict(CI, max_examples=800))()


@pytest.mark.skipif(not TPL_SEEDS, reason="no template fixtures")
def test_template_line_mutations() -> None:
    prop_template_lines(dict(CI, max_examples=400))()


@pytest.mark.skipif(not TREE_SEEDS, reason="no loadable template fixtures")
def test_template_structure_mutations() -> None:
    prop_template_tree(dict(CI, max_examples=800))()


@pytest.mark.skipif(not PROJECTS, reason="no project fixtures")
def test_project_run_with_a_mutated_file() -> None:
    prop_project_run(dict(CI, max_examples=150))()


@pytest.mark.skipif(not PY_SEEDS, reason="no Python fixtures")
def test_python_hostile_shapes() -> None:
    prop_python_hostile(dict(CI, max_examples=40))()


def test_template_deep_json_strings() -> None:
    prop_template_deep_json_string(dict(CI, max_examples=30))()


@pytest.mark.skipif(not PROJECTS or os.name == "nt", reason="needs project fixtures and raw-byte file names")
def test_non_utf8_file_names() -> None:
    prop_non_utf8_names(dict(CI, max_examples=15))()
