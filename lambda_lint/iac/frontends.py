"""Which front-end reads a template file: CloudFormation/SAM, a Serverless service, or a
CDK cloud assembly's template.

Interim seam for issue 16: :func:`load_tree` is what ``template.load_model`` calls; the
lead's front-end registry (issue 11) replaces this module on merge. Each front-end returns
the same CloudFormation-shaped :class:`~lambda_lint.template.loader.Map` tree, with positions
in the file the user wrote, and the one model is built from it.
"""

from __future__ import annotations

import os
from typing import Any, List


def front_end_of(path: str, source: bytes) -> str:
    """``serverless``, ``cdk`` or ``cloudformation``: by file name and place, then content."""
    from lambda_lint.iac import serverless

    if serverless.is_serverless_name(path) and serverless.sniff(path, source[:256 * 1024]):
        return "serverless"
    from lambda_lint.iac import cdk

    if cdk.is_assembly_template(path):
        return "cdk"
    return "cloudformation"


def load_tree(source: bytes, path: str) -> Any:
    """The CloudFormation-shaped tree of any template file; raises ParseFailure."""
    kind = front_end_of(path, source)
    if kind == "serverless":
        from lambda_lint.iac.serverless import lower

        return lower(source, path)
    if kind == "cdk":
        from lambda_lint.iac.cdk import lower

        return lower(source, path)
    from lambda_lint.template.loader import load

    return load(source, path)


def dependencies(source: bytes, path: str) -> List[str]:
    """Other files a template's model depends on (a Serverless ``${file(./x.yml)}``), so
    caches keyed by the template's bytes alone are not used for it (see engine/project)."""
    if b"${file(" not in source or front_end_of(path, source) != "serverless":
        return []
    import re

    folder = os.path.dirname(os.path.abspath(path))
    text = source.decode("utf-8", errors="replace")
    return sorted({os.path.normpath(os.path.join(folder, m.strip("'\" ")))
                   for m in re.findall(r"\$\{file\(\s*([^)$]+?)\s*\)", text)})
