"""A cheap text sniff: does this YAML/JSON text look like a CloudFormation/SAM template?

Import-free on purpose: discovery calls it on the first few KB of every YAML/JSON file.
"""

from __future__ import annotations

import re

_TYPE_RE = re.compile(r"""(^|[\s{,])["']?Type["']?\s*:\s*["']?AWS::""", re.MULTILINE)


def looks_like_template(head: str) -> bool:
    """True when ``head`` (the start of a file) mentions ``AWSTemplateFormatVersion``,
    ``AWS::Serverless``, or a ``Type: AWS::...`` / ``"Type": "AWS::...`` resource type."""
    if not head:
        return False
    if "AWSTemplateFormatVersion" in head or "AWS::Serverless" in head:
        return True
    if "AWS::" not in head:
        return False
    return _TYPE_RE.search(head) is not None


def claims(name: str, head: str) -> bool:
    """The front-end's sniff (:mod:`lambda_lint.iac.frontends`): by content alone, since
    CloudFormation templates have any name."""
    return looks_like_template(head)
