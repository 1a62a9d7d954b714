"""Serverless Framework front-end: ``serverless.yml`` read directly, no ``sls package``.

    sniff(path, head_bytes) -> bool     a serverless.yml/.yaml with ``service:`` and
                                        ``functions:`` or ``provider:``
    lower(source, path) -> Map          the CloudFormation-shaped tree the one model is built
                                        from, positioned in serverless.yml (:mod:`.lowering`)

Variables are resolved where static (:mod:`.variables`); plugins are not run.
Import-light: discovery calls :func:`sniff` on file names and heads.
"""

from __future__ import annotations

import os
import re
from typing import Any

NAMES = ("serverless.yml", "serverless.yaml")
_SERVICE_RE = re.compile(rb"^service\s*:", re.MULTILINE)
_BODY_RE = re.compile(rb"^(functions|provider)\s*:", re.MULTILINE)


def is_serverless_name(path: Any) -> bool:
    return os.path.basename(str(path)).lower() in NAMES


def sniff(path: Any, head_bytes: bytes) -> bool:
    """A Serverless Framework service file, by name and by its top-level keys."""
    if not is_serverless_name(path):
        return False
    return bool(_SERVICE_RE.search(head_bytes)) and bool(_BODY_RE.search(head_bytes))


def claims(path: Any, head: str) -> bool:
    """The front-end registry's sniff (:mod:`lambda_lint.iac.frontends`)."""
    return sniff(path, head.encode("utf-8", errors="replace"))


def lower(source: bytes, path: str) -> Any:
    from lambda_lint.iac.serverless.lowering import lower as _lower

    return _lower(source, path)
