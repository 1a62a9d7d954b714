"""The front-end seam: which infrastructure formats lambda-lint reads, and how.

A front-end turns the files of one format into the one tree shape
(:mod:`lambda_lint.iac.tree`: CloudFormation-shaped, with positions), from which
:func:`lambda_lint.iac.model.build_model` makes the normalized model (functions, triggers,
invoke configs, queues, alarms, policies, code locations). Rules, the join and the output
never learn which format a model came from: adding a format is adding an entry here and a
package beside :mod:`lambda_lint.iac.cloudformation`, never a special case in a rule.

Each entry names its functions as ``"module:function"`` strings so that discovery can ask
"is this file mine?" without importing any parser (start-up matters in pre-commit):

* ``sniff(path, head) -> bool``: the file's path and its first bytes as text; cheap.
* ``load(source, path) -> Map``: the whole tree; raises
  :class:`lambda_lint.errors.ParseFailure` (LL001) with a position for input it can't read.

The first front-end that claims a file reads it; CloudFormation is last, as the most general.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple


@dataclass(frozen=True)
class FrontEnd:
    name: str
    suffixes: Tuple[str, ...]
    sniff: str
    load: str
    #: ``"module:function"`` of ``unit(path) -> [paths]`` for a format whose file is read with
    #: its siblings (a Terraform module): the cache keys a result on all their bytes
    unit: str = ""

    def unit_files(self, path: str) -> List[str]:
        return list(self._fn(self.unit)(path)) if self.unit else [path]

    def _fn(self, ref: str) -> Callable[..., Any]:
        module, _, attr = ref.partition(":")
        return getattr(importlib.import_module(module), attr)

    def claims(self, path: str, head: str) -> bool:
        name = os.path.basename(str(path)).lower()
        return name.endswith(self.suffixes) and bool(self._fn(self.sniff)(str(path), head))

    def load_tree(self, source: bytes, path: str) -> Any:
        return self._fn(self.load)(source, path)


FRONT_ENDS: Tuple[FrontEnd, ...] = (
    FrontEnd("terraform", (".tf", ".tf.json"), "lambda_lint.iac.terraform.sniff:claims",
             "lambda_lint.iac.terraform.lower:lower", "lambda_lint.iac.terraform.sniff:unit"),
    FrontEnd("serverless", (".yml", ".yaml"), "lambda_lint.iac.serverless:claims",
             "lambda_lint.iac.serverless:lower"),
    FrontEnd("cdk", (".json",), "lambda_lint.iac.cdk.assembly:claims", "lambda_lint.iac.cdk:lower"),
    FrontEnd("cloudformation", (".yaml", ".yml", ".json", ".template"),
             "lambda_lint.iac.cloudformation.sniff:claims", "lambda_lint.iac.cloudformation.loader:load"),
)

#: every suffix some front-end reads: discovery sniffs only these
SUFFIXES: Tuple[str, ...] = tuple(sorted({s for fe in FRONT_ENDS for s in fe.suffixes}))
#: the suffixes of the front-ends whose files are read with their siblings (a ``unit``)
UNIT_SUFFIXES: Tuple[str, ...] = tuple(sorted({s for fe in FRONT_ENDS if fe.unit for s in fe.suffixes}))


def front_end_for(path: str, head: str) -> Optional[FrontEnd]:
    """The front-end that reads the file at ``path`` starting with ``head``, if any."""
    for fe in FRONT_ENDS:
        if fe.claims(path, head):
            return fe
    return None


def dependencies(source: bytes, path: str) -> List[str]:
    """Other files a template's model depends on (a Serverless ``${file(./x.yml)}``), so
    caches keyed by the template's bytes alone are not used for it (see run/files, the join)."""
    if b"${file(" not in source:
        return []
    fe = front_end_for(path, source[:4096].decode("utf-8", errors="replace"))
    if fe is None or fe.name != "serverless":
        return []
    import re

    folder = os.path.dirname(os.path.abspath(path))
    text = source.decode("utf-8", errors="replace")
    return sorted({os.path.normpath(os.path.join(folder, m.strip("'\" ")))
                   for m in re.findall(r"\$\{file\(\s*([^)$]+?)\s*\)", text)})
