"""The pygls wiring of ``lambda-lint server`` (only this module imports pygls).

* ``didOpen``/``didSave``: lint now; ``didChange``: lint after :data:`DEBOUNCE` seconds of
  quiet (each keystroke restarts the wait). A save also re-lints the other open documents:
  a template's change can create or clear a finding in a handler, and the reverse.
* Linting runs in a worker thread (the engine is CPU-bound), one document at a time.
* ``hover`` over a diagnostic shows its rule's documentation; each diagnostic also carries
  ``codeDescription.href`` (the docs URL), which editors show as a link on the code.
* ``codeAction``: the ``--fix`` fixes and the suppression comment (:mod:`lambda_lint.lsp.actions`).
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

from lsprotocol import converters, types
from pygls.lsp.server import LanguageServer

from lambda_lint import __version__
from lambda_lint.lsp.actions import code_actions
from lambda_lint.lsp.diagnostics import SUFFIXES, Linter, hover_markdown, uri_to_path

DEBOUNCE = 0.3


class LambdaLintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("lambda-lint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.linter = Linter()
        self.converter = converters.get_converter()
        self.pending: Dict[str, asyncio.Task] = {}
        self.published: Dict[str, List[Dict[str, Any]]] = {}
        self.registry: Any = None

    # -- linting --------------------------------------------------------------------------
    def _wanted(self, uri: str) -> bool:
        path = uri_to_path(uri)
        return path is not None and path.lower().endswith(SUFFIXES)

    def _text(self, uri: str) -> str:
        return self.workspace.get_text_document(uri).source

    async def lint(self, uri: str, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)
        path = uri_to_path(uri)
        if path is None:
            return
        try:
            text = self._text(uri)
            version = self.workspace.get_text_document(uri).version
            self.linter.set_buffer(path, text)
            loop = asyncio.get_running_loop()
            diags = await loop.run_in_executor(None, self._diagnostics, path, text)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a bad config must not kill the server
            self.window_log_message(types.LogMessageParams(
                type=types.MessageType.Error, message=f"lambda-lint: {type(exc).__name__}: {exc}"))
            return
        self.published[uri] = diags
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version,
            diagnostics=[self.converter.structure(d, types.Diagnostic) for d in diags]))

    def _diagnostics(self, path: str, text: str) -> List[Dict[str, Any]]:
        findings, registry = self.linter.lint(path)
        self.registry = registry
        from lambda_lint.lsp.diagnostics import to_diagnostic

        lines = text.splitlines()
        return [to_diagnostic(f, lines, registry) for f in findings]

    def schedule(self, uri: str, delay: float) -> None:
        if not self._wanted(uri):
            return
        old = self.pending.pop(uri, None)
        if old is not None and not old.done():
            old.cancel()
        self.pending[uri] = asyncio.ensure_future(self.lint(uri, delay))


def build() -> LambdaLintServer:
    server = LambdaLintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LambdaLintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0.0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LambdaLintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LambdaLintServer, params: types.DidSaveTextDocumentParams) -> None:
        saved = params.text_document.uri
        ls.schedule(saved, 0.0)
        for uri in list(ls.workspace.text_documents):
            if uri != saved:
                ls.schedule(uri, DEBOUNCE)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LambdaLintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = ls.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        path = uri_to_path(uri)
        if path is not None:
            ls.linter.drop_buffer(path)
        ls.published.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: LambdaLintServer, params: types.HoverParams):
        pos = params.position
        for d in ls.published.get(params.text_document.uri, ()):
            start, end = d["range"]["start"], d["range"]["end"]
            if (start["line"], start["character"]) <= (pos.line, pos.character) <= (end["line"], end["character"]):
                text = hover_markdown(d["code"], ls.registry)
                if text:
                    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))
        return None

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    async def code_action(ls: LambdaLintServer, params: types.CodeActionParams):
        uri = params.text_document.uri
        diags = [ls.converter.unstructure(d) for d in params.context.diagnostics]
        text = ls._text(uri)
        loop = asyncio.get_running_loop()  # planning a fix may lint: off the event loop
        actions = await loop.run_in_executor(None, code_actions, uri, text, diags, ls.linter.fixes)
        return [ls.converter.structure(a, types.CodeAction) for a in actions] or None

    return server


def serve() -> None:
    build().start_io()
