"""Planning a run: which files, which rules for each, and the context templates that
handler files need for the cross rules."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from lambda_lint.config import Config
from lambda_lint.run.discovery import Discovery, SourceFile, discover, find_context_template, relative_display
from lambda_lint.run.files import FileJob
from lambda_lint.run.session import Session


def plan(paths: Sequence[str], config: Config, session: Session) -> Tuple[List[FileJob], Discovery]:
    """Discover the files, add the context templates of handler files, and make jobs."""
    base = config.project_root or Path.cwd()
    kwargs = {}
    if session.cache is not None:
        from lambda_lint.run.discovery import sniff_file

        cache = session.cache
        kwargs["sniff"] = lambda p: cache.sniff(str(p), sniff_file)
    # issue 12: installed third-party code is left out of folder walks, whatever the scope
    from lambda_lint.run.vendored import VendoredIndex

    found = discover(
        paths, exclude=tuple(config.exclude) + tuple(config.extend_exclude),
        respect_gitignore=config.respect_gitignore, base=base, vendored=VendoredIndex(), **kwargs,
    )
    files = list(found.files)
    have = {os.path.normcase(str(f.path)) for f in files}
    # issue 12: the code scope needs the template that names a handler file's entry points,
    # even when only the code rules run (pre-commit's per-file hook)
    needs_context = session.layer_enabled("project") or session.layer_enabled("code")
    if needs_context:
        # The context template depends only on the folder: look each folder up once, not once
        # per file (a folder of 1,000 handlers was scanned 1,000 times: 50,000 files took minutes).
        by_folder: Dict[str, Optional[Path]] = {}
        memo: Dict = {}  # shared by the folders of one run: each folder scanned once (issue 12)
        for f in list(files):
            if f.kind != "python":
                continue
            folder = os.path.dirname(os.path.abspath(f.path))
            if folder not in by_folder:
                by_folder[folder] = find_context_template(f.path, memo=memo)
            tpl = by_folder[folder]
            if tpl is not None and os.path.normcase(str(Path(os.path.abspath(tpl)))) not in have:
                have.add(os.path.normcase(str(Path(os.path.abspath(tpl)))))
                files.append(SourceFile(relative_display(tpl), Path(os.path.abspath(tpl)), "template", requested=False))
    jobs = []
    for f in files:
        enabled = _enabled_for(f, config, session)
        jobs.append(FileJob(f.display, str(f.path), f.kind, f.requested, enabled))
    return jobs, found


def _enabled_for(f: SourceFile, config: Config, session: Session) -> frozenset:
    layer = "code" if f.kind == "python" else "template"
    enabled = {c for c in session.enabled if session.metas[c].layer in (layer, "meta")}
    return frozenset(enabled)


