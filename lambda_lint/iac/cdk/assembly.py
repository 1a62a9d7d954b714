"""A CDK app's synthesized output: which templates to lint, and whether they are there.

A CDK app folder has ``cdk.json``; its cloud assembly is the folder named by ``output``
(default ``cdk.out``). ``manifest.json`` lists the stacks (``aws:cloudformation:stack``
artifacts, ``templateFile``) and nested assemblies (stages: ``cdk:cloud-assembly``,
``directoryName``); nested stacks are templates named by an ``AWS::CloudFormation::Stack``
resource's ``aws:asset:path``. We read these with :mod:`json` (the assembly is always JSON).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

MAX_JSON_BYTES = 20 * 1024 * 1024


_JSON: Dict[str, Tuple[Tuple[int, int], Optional[dict]]] = {}


def _read_json(path: str) -> Optional[dict]:
    """A JSON object from a file, or None; parsed once per process while the file is unchanged
    (discovery, the construct names and the manifest all read the same templates)."""
    try:
        st = os.stat(path)
        stamp = (st.st_size, st.st_mtime_ns)
        hit = _JSON.get(path)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        if st.st_size > MAX_JSON_BYTES:
            return None
        with open(path, "rb") as fh:
            data = json.loads(fh.read().decode("utf-8-sig"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None
    out = data if isinstance(data, dict) else None
    if len(_JSON) > 4096:
        _JSON.clear()
    _JSON[path] = (stamp, out)
    return out


def output_dir(app_dir: str) -> str:
    """The cloud assembly folder of a CDK app: ``cdk.json``'s ``output``, else ``cdk.out``."""
    conf = _read_json(os.path.join(app_dir, "cdk.json")) or {}
    out = conf.get("output")
    if not isinstance(out, str) or not out.strip():
        out = "cdk.out"
    return os.path.normpath(os.path.join(app_dir, out))


def is_assembly_dir(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "manifest.json"))


def app_dir_of(assembly: str) -> Optional[str]:
    """The CDK app whose output is ``assembly`` (walking up from nested assemblies)."""
    folder = os.path.abspath(assembly)
    for _ in range(4):
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        if os.path.isfile(os.path.join(parent, "cdk.json")) and output_dir(parent) == folder:
            return parent
        folder = parent
    return None


@dataclass
class Assembly:
    """The templates of one cloud assembly (absolute paths, manifest order, nested last)."""

    folder: str
    templates: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)  # named by the manifest, not on disk


def read_assembly(folder: str, _seen: Optional[Set[str]] = None) -> Optional[Assembly]:
    """The assembly's stack templates, or None when there is no readable manifest."""
    seen = _seen if _seen is not None else set()
    folder = os.path.abspath(folder)
    if folder in seen:
        return None
    seen.add(folder)
    manifest = _read_json(os.path.join(folder, "manifest.json"))
    if manifest is None:
        return None
    asm = Assembly(folder)
    artifacts = manifest.get("artifacts")
    if not isinstance(artifacts, dict):
        return asm
    for art in artifacts.values():
        if not isinstance(art, dict):
            continue
        props = art.get("properties") if isinstance(art.get("properties"), dict) else {}
        if art.get("type") == "aws:cloudformation:stack":
            tf = props.get("templateFile")
            if isinstance(tf, str) and tf:
                _add_template(asm, os.path.normpath(os.path.join(folder, tf)))
        elif art.get("type") == "cdk:cloud-assembly":
            sub = props.get("directoryName")
            if isinstance(sub, str) and sub:
                inner = read_assembly(os.path.join(folder, sub), seen)
                if inner is not None:
                    for t in inner.templates:
                        _add_template(asm, t)
                    asm.missing.extend(inner.missing)
    return asm


def _add_template(asm: Assembly, path: str) -> None:
    """The template and, depth first, the nested stacks it names."""
    todo = [path]
    while todo:
        p = todo.pop(0)
        if p in asm.templates:
            continue
        if not os.path.isfile(p):
            asm.missing.append(p)
            continue
        asm.templates.append(p)
        data = _read_json(p)
        resources = data.get("Resources") if data else None
        if not isinstance(resources, dict):
            continue
        for body in resources.values():
            if not isinstance(body, dict) or body.get("Type") != "AWS::CloudFormation::Stack":
                continue
            md = body.get("Metadata")
            nested = md.get("aws:asset:path") if isinstance(md, dict) else None
            if isinstance(nested, str) and nested.endswith(".json"):
                todo.append(os.path.normpath(os.path.join(os.path.dirname(p), nested)))


def claims(path: str, head: str) -> bool:
    """The front-end registry's sniff: a template in a cloud assembly is read as CDK output."""
    return is_assembly_template(path)


def is_assembly_template(path: str) -> bool:
    """A template inside a cloud assembly (its folder has ``manifest.json``): read as CDK."""
    name = os.path.basename(str(path))
    if not name.endswith(".json"):
        return False
    return is_assembly_dir(os.path.dirname(os.path.abspath(str(path))))
