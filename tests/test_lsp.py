"""``lambda-lint server`` driven over stdio with plain JSON-RPC, as an editor drives it.

Open a handler: its diagnostics include the cross finding from its template (LL302); edit the
buffer (unsaved) to fix it: the diagnostics update after the debounce; hover shows the rule
docs; the code action offers the suppression comment. A template gets its LL2xx findings.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import pytest

pygls = pytest.importorskip("pygls", reason="pygls is not installed (pip install '.[lsp]'; the test extra has it)")

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
  Jobs:
    Type: AWS::SQS::Queue
"""

HANDLER_BAD = """\
def handler(event, context):
    failures = []
    for record in event["Records"]:
        failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""

HANDLER_FIXED = """\
def handler(event, context):
    for record in event["Records"]:
        print(record["body"])
"""


class Client:
    """A minimal LSP client: Content-Length framing, requests with ids, a notification queue."""

    def __init__(self, cwd: Path) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "lambda_lint", "server"], cwd=str(cwd),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env)
        self.messages: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                k, _, v = line.decode().partition(":")
                headers[k.strip().lower()] = v.strip()
            body = out.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def send(self, msg: Dict[str, Any]) -> None:
        data = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 60) -> Any:
        self.next_id += 1
        rid = self.next_id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        msg = self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout)
        assert "error" not in msg, msg
        return msg.get("result")

    def wait(self, pred: Callable[[Dict[str, Any]], bool], timeout: float = 60) -> Dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no message in {timeout}s; stderr: {self._stderr()}")
            try:
                msg = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if msg.get("method") == "workspace/configuration" and "id" in msg:
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": [None] * len(msg["params"]["items"])})
                continue
            if pred(msg):
                return msg

    def diagnostics(self, uri: str, pred: Optional[Callable[[list], bool]] = None, timeout: float = 60) -> list:
        msg = self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                        and m["params"]["uri"] == uri and (pred is None or pred(m["params"]["diagnostics"])),
                        timeout)
        return msg["params"]["diagnostics"]

    def _stderr(self) -> str:
        if self.proc.poll() is None:
            return "(running)"
        return self.proc.stderr.read().decode(errors="replace")[-2000:]

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "src" / "app.py").write_text(HANDLER_BAD, encoding="utf-8")
    return tmp_path


@pytest.fixture
def client(project: Path):
    c = Client(project)
    result = c.request("initialize", {"processId": os.getpid(), "rootUri": project.as_uri(),
                                      "capabilities": {}}, timeout=60)
    caps = result["capabilities"]
    assert caps["hoverProvider"] and caps["codeActionProvider"]
    c.notify("initialized", {})
    yield c
    c.close()


def _open(c: Client, path: Path, language: str) -> str:
    uri = path.as_uri()
    c.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": language, "version": 1, "text": path.read_text(encoding="utf-8")}})
    return uri


def test_handler_gets_its_cross_findings_and_they_update_on_change(client: Client, project: Path) -> None:
    uri = _open(client, project / "src" / "app.py", "python")
    diags = client.diagnostics(uri)
    by_code = {d["code"]: d for d in diags}
    assert "LL302" in by_code, diags  # batchItemFailures returned, trigger lacks ReportBatchItemFailures
    d = by_code["LL302"]
    assert d["source"] == "lambda-lint" and d["severity"] == 1
    assert d["range"]["start"]["line"] == 4, d  # the return statement, 0-based
    assert d["codeDescription"]["href"].endswith("#ll302-batch-failures-not-enabled")

    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                   "position": d["range"]["start"]})
    assert hover and "LL302" in hover["contents"]["value"] and "## Fix" in hover["contents"]["value"]

    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}})
    assert any(a["title"] == "Ignore LL302 on this line" for a in actions), actions
    edit = next(a for a in actions if a["title"] == "Ignore LL302 on this line")["edit"]["changes"][uri][0]
    assert edit["newText"].endswith("# lambda-lint: ignore[LL302]")

    # An unsaved edit: the buffer, not the disk, is linted (after the debounce).
    lines = HANDLER_BAD.splitlines()
    client.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"range": {"start": {"line": 0, "character": 0},
                                      "end": {"line": len(lines), "character": 0}},
                            "text": HANDLER_FIXED}]})
    diags = client.diagnostics(uri, lambda ds: not any(x["code"] == "LL302" for x in ds))
    assert all(x["code"] != "LL302" for x in diags)
    assert (project / "src" / "app.py").read_text(encoding="utf-8") == HANDLER_BAD  # nothing written


def test_template_diagnostics_and_save(client: Client, project: Path) -> None:
    uri = _open(client, project / "template.yaml", "yaml")
    diags = client.diagnostics(uri)
    codes = {d["code"] for d in diags}
    assert {"LL205", "LL302"} <= codes, codes  # queue without DLQ; the trigger side of the join
    ll205 = next(d for d in diags if d["code"] == "LL205")
    assert ll205["range"]["start"]["line"] == 14  # the queue "Jobs:" (0-based)
    assert "\nhelp: " in ll205["message"]
    # Save after fixing the template on disk: the diagnostics follow.
    fixed = TEMPLATE.replace("            Queue: !GetAtt Jobs.Arn\n",
                             "            Queue: !GetAtt Jobs.Arn\n            FunctionResponseTypes: [ReportBatchItemFailures]\n")
    (project / "template.yaml").write_text(fixed, encoding="utf-8")
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": fixed}]})
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    diags = client.diagnostics(uri, lambda ds: "LL302" not in {d["code"] for d in ds})
    assert "LL205" in {d["code"] for d in diags}


def test_server_is_not_imported_by_a_normal_run() -> None:
    code = ("import sys; from lambda_lint.cli import main; main(['--version'])")
    proc = subprocess.run([sys.executable, "-c", code + "\nprint('pygls' in sys.modules)"],
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().endswith("False"), proc.stdout


def test_server_without_pygls_says_how_to_install_it() -> None:
    code = ("import sys; sys.modules['pygls'] = None\n"
            "from lambda_lint.cli import main; sys.exit(main(['server']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "pip install 'lambda-lint[lsp]'" in proc.stderr and "Traceback" not in proc.stderr


# -- the --fix code actions (#19) -------------------------------------------------------------

SEED = Path(__file__).resolve().parent.parent / "examples" / "seed-incident"


def _offset(text: str, pos: Dict[str, int]) -> int:
    """Character offset of an LSP position (UTF-16 columns; \\r\\n, \\r and \\n break lines)."""
    import re

    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    start = starts[pos["line"]]
    col, i = 0, start
    while col < pos["character"]:
        col += 2 if ord(text[i]) > 0xFFFF else 1
        i += 1
    return i


def _apply(text: str, edits: list) -> str:
    for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                    reverse=True):
        text = text[: _offset(text, e["range"]["start"])] + e["newText"] + text[_offset(text, e["range"]["end"]):]
    return text


def _cli_fix(tmp: Path, text: str, *extra: str) -> str:
    """What ``lambda-lint --fix`` writes for a template with ``text`` (beside the seed's src/)."""
    import shutil

    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(SEED, tmp)
    (tmp / "template.yaml").write_text(text, encoding="utf-8", newline="")
    subprocess.run([sys.executable, "-m", "lambda_lint", "--fix", "--no-cache", *extra, "template.yaml"],
                   cwd=str(tmp), capture_output=True, timeout=120)
    return (tmp / "template.yaml").read_bytes().decode("utf-8")


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    import shutil

    if not (SEED / "template.yaml").exists():
        pytest.skip("examples/seed-incident is not in this checkout")
    shutil.copytree(SEED, tmp_path / "seed")
    return tmp_path / "seed"


def _actions_for(c: Client, uri: str, diag: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    actions = c.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": diag["range"], "context": {"diagnostics": [diag]}})
    return {a["title"]: a for a in actions or []}


def test_fix_code_actions_apply_what_fix_writes(seed: Path, tmp_path: Path) -> None:
    c = Client(seed)
    try:
        c.request("initialize", {"processId": os.getpid(), "rootUri": seed.as_uri(), "capabilities": {}})
        c.notify("initialized", {})
        path = seed / "template.yaml"
        original = path.read_text(encoding="utf-8")
        uri = _open(c, path, "yaml")
        diags = c.diagnostics(uri, lambda ds: any(d["code"] == "LL201" for d in ds))
        ll201 = next(d for d in diags if d["code"] == "LL201")

        actions = _actions_for(c, uri, ll201)
        one = next(a for t, a in actions.items() if t.startswith("Fix LL201"))
        assert one["kind"] == "quickfix" and one["isPreferred"] and one["diagnostics"] == [ll201]
        edits = one["edit"]["changes"][uri]
        assert len(edits) == 1 and set(one["edit"]["changes"]) == {uri}
        assert edits[0]["newText"].strip() == "MaximumRetryAttempts: 3"  # minimal: one inserted line
        assert _apply(original, edits) == _cli_fix(tmp_path / "cli1", original, "--select", "LL201")
        every = actions["Fix all lambda-lint fixable problems in this file"]
        fixed_all = _apply(original, every["edit"]["changes"][uri])
        assert fixed_all == _cli_fix(tmp_path / "cli2", original) != original
        assert "Ignore LL201 on this line" in actions  # the suppression stays on offer
        assert path.read_text(encoding="utf-8") == original  # the server writes nothing

        # An unsaved buffer (a comment added on top): the fix is planned on it, not on the disk.
        buffer = "# edited, not saved\n" + original
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                            "contentChanges": [{"text": buffer}]})
        diags = c.diagnostics(uri, lambda ds: any(d["code"] == "LL201" and d["range"]["start"]["line"]
                                                  == ll201["range"]["start"]["line"] + 1 for d in ds))
        moved = next(d for d in diags if d["code"] == "LL201")
        actions = _actions_for(c, uri, moved)
        one = next(a for t, a in actions.items() if t.startswith("Fix LL201"))
        assert _apply(buffer, one["edit"]["changes"][uri]) == _cli_fix(tmp_path / "cli3", buffer, "--select", "LL201")

        # A rule with no fix (LL205's DLQ is a human's decision) offers only the suppression.
        other = [d for d in diags if d["code"] not in ("LL201", "LL202", "LL204", "LL206", "LL212", "LL213", "LL302")]
        if other:
            titles = set(_actions_for(c, uri, other[0]))
            assert titles == {f"Ignore {other[0]['code']} on this line"}, titles
    finally:
        c.close()
