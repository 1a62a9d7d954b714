"""Issue 8: the whole shared template corpus through the command line, as a user runs it.

``../shared/corpus/templates`` (2,132 real SAM/CloudFormation files): exit 0 or 1, no
LL002, and LL001 only on files that really are broken, never in ``apps/`` (valid sample
applications). A file is "really broken" when an independent strict reading (PyYAML's own
SafeLoader, any tag accepted, duplicate keys refused) rejects it too, or, for an LL001 on a
function's inline code, when CPython's compiler rejects that code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "templates"
EXE = shutil.which("lambda-lint")

pytestmark = [
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"../shared is absent: no template corpus at {CORPUS}"),
    pytest.mark.skipif(EXE is None, reason="lambda-lint is not installed (pip install -e .)"),
]  # the whole-corpus CLI run is marked slow; the rest is quick


def _strict_reader_rejects(path: Path) -> str:
    """Why PyYAML itself (not our loader) refuses the file, or "" when it reads it fine."""
    import yaml

    class Strict(yaml.SafeLoader):
        pass

    def any_tag(loader, suffix, node):
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_scalar(node)

    def no_duplicates(loader, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    Strict.add_multi_constructor("!", any_tag)
    Strict.add_multi_constructor("tag:yaml.org,2002:python/", any_tag)
    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, no_duplicates)
    text = path.read_bytes().decode("utf-8", "replace").replace("\t", "    ")
    try:
        yaml.load(text, Loader=Strict)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        return str(exc).splitlines()[0]
    return ""


def _inline_code_really_broken(path: Path, message: str) -> bool:
    """An "inline code of X" LL001: CPython's own compiler rejects X's inline code too."""
    import re
    import warnings

    import yaml

    m = re.match(r"inline code of ([^:]+):", message)
    if not m:
        return False

    class Tags(yaml.SafeLoader):
        pass

    Tags.add_multi_constructor("!", lambda loader, suffix, node: (
        loader.construct_mapping(node) if isinstance(node, yaml.MappingNode) else
        loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else loader.construct_scalar(node)))
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=Tags)  # noqa: S506 - a SafeLoader subclass
    props = (doc.get("Resources", {}).get(m.group(1)) or {}).get("Properties") or {}
    code = props.get("InlineCode") or (props.get("Code") or {}).get("ZipFile")
    if isinstance(code, list):  # !Sub [text, vars] read without the tag
        code = code[0]
    if not isinstance(code, str):
        return False
    code = re.sub(r"\$\{(?!!)[^}\n]*\}", lambda v: "_" * len(v.group(0)), code)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(code, "<inline>", "exec", dont_inherit=True)
    except SyntaxError:
        return True
    return False


@pytest.mark.slow  # 2,132 templates through the CLI: 10-50 s on 2 shared cores
def test_whole_corpus_through_the_cli(tmp_path) -> None:
    n_files = sum(len(fs) for _, _, fs in os.walk(CORPUS))
    env = dict(os.environ, NO_COLOR="1")
    t = time.monotonic()
    proc = subprocess.run([EXE, "--format", "json", "--no-cache", str(CORPUS)], capture_output=True, text=True,
                          env=env, timeout=600, cwd=tmp_path)
    elapsed = time.monotonic() - t
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    findings = json.loads(proc.stdout)
    by_rule = Counter(f["rule"] for f in findings)
    ll001 = sorted({f["path"] for f in findings if f["rule"] == "LL001"})
    summary = (f"{n_files} files, {len(findings)} findings in {elapsed:.1f} s; by rule: {dict(sorted(by_rule.items()))}; "
               f"LL001 on {len(ll001)} files")
    print(summary)
    for p in ll001:
        print("  LL001", p)

    assert n_files >= 2000
    assert by_rule["LL002"] == 0, [f for f in findings if f["rule"] == "LL002"][:5]
    apps = str(CORPUS / "apps") + os.sep
    assert not [p for p in ll001 if p.startswith(apps)], "LL001 on a valid sample application"
    wrongly = [f"{f['path']}:{f['line']}: {f['message']}" for f in findings if f["rule"] == "LL001"
               and not _strict_reader_rejects(Path(f["path"]))
               and not _inline_code_really_broken(Path(f["path"]), f["message"])]
    assert not wrongly, f"LL001 on files PyYAML reads fine: {wrongly}"
    for f in findings:
        assert f["line"] >= 1 and f["column"] >= 1, f
    assert elapsed < 300, summary
