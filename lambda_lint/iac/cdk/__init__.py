"""CDK front-end: a CDK app is linted through its synthesized cloud assembly (``cdk.out``).

    is_assembly_template(path) -> bool   a template inside a cloud assembly
    lower(source, path) -> Map           the template, with each function's ``Code`` pointing
                                         at the source folder its asset was copied from
                                         (:mod:`.assets`), else at the asset folder
    scan_app(app_dir) -> AppScan         the templates of an app folder and what to tell the
                                         user (missing or stale ``cdk.out``)
    construct_paths(path) -> {logical ID: aws:cdk:path}

Positions stay those of the synthesized template; findings carry the construct path
(:mod:`.constructs`) because that is what a CDK user searches for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from lambda_lint.iac.cdk.assembly import app_dir_of, is_assembly_template, output_dir, read_assembly

__all__ = ["is_assembly_template", "lower", "scan_app", "scan_assembly", "construct_paths", "AppScan"]

FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")


@dataclass
class AppScan:
    """What discovery adds for one CDK app (or a cloud assembly named directly)."""

    templates: List[str] = field(default_factory=list)
    asset_code: List[str] = field(default_factory=list)  # .py files of assets with no source
    notes: List[str] = field(default_factory=list)
    missing_output: bool = False  # no cdk.out at all: "run `cdk synth` first"


def _function_assets(template: str) -> List[Tuple[str, str, str]]:
    """(logical ID, construct path, asset folder) of each function with a code asset."""
    from lambda_lint.iac.cdk.assembly import _read_json

    data = _read_json(template) or {}
    resources = data.get("Resources")
    out = []
    if not isinstance(resources, dict):
        return out
    folder = os.path.dirname(template)
    for lid, body in resources.items():
        if not isinstance(body, dict) or body.get("Type") not in FUNCTION_TYPES:
            continue
        md = body.get("Metadata")
        if not isinstance(md, dict):
            continue
        asset = md.get("aws:asset:path")
        if isinstance(asset, str) and md.get("aws:asset:property") in ("Code", "CodeUri", None):
            out.append((lid, str(md.get("aws:cdk:path") or lid), os.path.normpath(os.path.join(folder, asset))))
    return out


def scan_assembly(assembly: str, app_dir: Optional[str], shown: Any) -> AppScan:
    """Templates of an assembly, asset code without a source, and stale/missing notes.
    ``shown(abs_path) -> str`` is how paths are printed in notes."""
    from lambda_lint.iac.cdk.assets import source_for

    scan = AppScan()
    asm = read_assembly(assembly)
    if asm is None:
        scan.missing_output = True
        scan.notes.append(f"{shown(assembly)}: no synthesized CDK app here (no manifest.json); run `cdk synth` first")
        return scan
    scan.templates = list(asm.templates)
    if not asm.templates and not asm.missing:
        # an empty or hand-made manifest: saying nothing here read as "no templates found"
        scan.missing_output = True
        scan.notes.append(f"{shown(assembly)}: manifest.json names no stack; run `cdk synth` first")
        return scan
    if asm.missing:
        scan.notes.append(f"{shown(asm.missing[0])}: named by the manifest but missing, so cdk.out is stale; "
                          f"run `cdk synth` first")
    stale_said = False
    seen_assets = set()
    for template in asm.templates:
        for _lid, path, asset in _function_assets(template):
            if asset in seen_assets or not os.path.isdir(asset):
                continue
            seen_assets.add(asset)
            match = source_for(asset, app_dir)
            if match.folder is None:
                files = _asset_python(asset)
                if files:
                    scan.asset_code.extend(files)
                    scan.notes.append(f"{shown(asset)}: no source folder under the app matches the code of "
                                      f"{path}; its code findings point into the asset copy")
            elif not match.exact and not stale_said and match.example is not None:
                stale_said = True
                a, s = match.example
                scan.notes.append(f"{shown(a)} differs from {shown(s)}: cdk.out is older than the code; "
                                  f"run `cdk synth` first (linting the code as it is now)")
    return scan


def _asset_python(asset: str) -> List[str]:
    from lambda_lint.iac.cdk.assets import _asset_files

    return [os.path.join(asset, rel) for rel in _asset_files(asset)]


def scan_app(app_dir: str, shown: Any) -> AppScan:
    out = output_dir(app_dir)
    if not os.path.isdir(out):
        scan = AppScan(missing_output=True)
        scan.notes.append(f"{shown(app_dir)}: CDK app without {os.path.basename(out)}/; run `cdk synth` first")
        return scan
    return scan_assembly(out, app_dir, shown)


def lower(source: bytes, path: str) -> Any:
    """The template, with each function's code located (see the module docstring)."""
    from lambda_lint.iac.cdk.assets import source_for
    from lambda_lint.iac.cloudformation.loader import load
    from lambda_lint.iac.tree import Map

    tree = load(source, path)
    if not isinstance(tree, Map):
        return tree
    resources = tree.get("Resources")
    if not isinstance(resources, Map):
        return tree
    folder = os.path.dirname(os.path.abspath(path))
    app = app_dir_of(folder)
    for lid, body in resources.items():
        if not isinstance(body, Map):
            continue
        typ = body.get("Type")
        if typ == "Custom::S3BucketNotifications":
            _bucket_notifications(resources, body)
            continue
        if typ not in FUNCTION_TYPES:
            continue
        md, props = body.get("Metadata"), body.get("Properties")
        if not isinstance(md, Map) or not isinstance(props, Map):
            continue
        asset = md.get("aws:asset:path")
        key = "CodeUri" if typ == "AWS::Serverless::Function" else "Code"
        if not isinstance(asset, str) or md.get("aws:asset:property", key) != key or key not in props:
            continue
        asset_dir = os.path.normpath(os.path.join(folder, asset))
        match = source_for(asset_dir, app)
        target = match.folder or asset_dir
        props[key] = os.path.relpath(target, folder)  # positions of the Code key stay
    return tree


def _bucket_notifications(resources: Any, body: Any) -> None:
    """CDK wires S3 -> Lambda through a custom resource: give the bucket the notification
    CloudFormation would have, so the model sees the trigger (and its key filters)."""
    from lambda_lint.iac.tree import Map, Seq

    props = body.get("Properties")
    if not isinstance(props, Map):
        return
    bucket_ref = props.get("BucketName")
    bucket_id = bucket_ref.get("Ref") if isinstance(bucket_ref, Map) else None
    bucket = resources.get(bucket_id) if isinstance(bucket_id, str) else None
    nc = props.get("NotificationConfiguration")
    lfcs = nc.get("LambdaFunctionConfigurations") if isinstance(nc, Map) else None
    if not isinstance(bucket, Map) or not isinstance(lfcs, Seq):
        return
    bprops = bucket.get("Properties")
    if not isinstance(bprops, Map):
        bprops = Map()
        bprops.line, bprops.column = bucket.line, bucket.column
        bucket["Properties"] = bprops
        bucket.kpos["Properties"] = bucket.vpos["Properties"] = (bucket.line, bucket.column)
    target = Map()
    target.line, target.column = nc.line, nc.column
    configs = Seq()
    configs.line, configs.column = lfcs.line, lfcs.column
    for i, lfc in enumerate(lfcs):
        if not isinstance(lfc, Map):
            continue
        pos = lfcs.ipos[i] if i < len(lfcs.ipos) else (lfcs.line, lfcs.column)
        events = lfc.get("Events")
        for ev in (events if isinstance(events, Seq) else [events]):
            lc = Map()
            lc.line, lc.column = pos
            for k, v in (("Event", ev), ("Function", lfc.get("LambdaFunctionArn")), ("Filter", lfc.get("Filter"))):
                if v is not None:
                    lc[k] = v
                    lc.kpos[k] = lfc.kpos.get(k, pos)
                    lc.vpos[k] = lfc.vpos.get(k, pos)
            configs.append(lc)
            configs.ipos.append(pos)
    target["LambdaConfigurations"] = configs
    target.kpos["LambdaConfigurations"] = target.vpos["LambdaConfigurations"] = (lfcs.line, lfcs.column)
    if "NotificationConfiguration" not in bprops:
        bprops["NotificationConfiguration"] = target
        bprops.kpos["NotificationConfiguration"] = nc.line, nc.column
        bprops.vpos["NotificationConfiguration"] = nc.line, nc.column


_CONSTRUCTS: Dict[str, Tuple[Tuple[int, int], Dict[str, str]]] = {}


def construct_paths(path: str) -> Dict[str, str]:
    """{logical ID: aws:cdk:path} of a synthesized template (cached by size and mtime)."""
    from lambda_lint.iac.cdk.assembly import _read_json

    try:
        st = os.stat(path)
    except OSError:
        return {}
    stamp = (st.st_size, st.st_mtime_ns)
    hit = _CONSTRUCTS.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    data = _read_json(path) or {}
    out: Dict[str, str] = {}
    resources = data.get("Resources")
    if isinstance(resources, dict):
        for lid, body in resources.items():
            md = body.get("Metadata") if isinstance(body, dict) else None
            cp = md.get("aws:cdk:path") if isinstance(md, dict) else None
            if isinstance(cp, str) and cp:
                out[lid] = cp
    _CONSTRUCTS[path] = (stamp, out)
    return out


def context_template(app_dir: str, file_path: str) -> Optional[str]:
    """The synthesized template whose function's code is the folder holding ``file_path``
    (what gives ``lambda-lint src/app.py`` in a CDK app its context), or None."""
    from lambda_lint.iac.cdk.assets import source_for

    asm = read_assembly(output_dir(app_dir))
    if asm is None:
        return None
    target = os.path.abspath(file_path)
    for template in asm.templates:
        for _lid, _path, asset in _function_assets(template):
            match = source_for(asset, app_dir)
            folder = match.folder or asset
            if target.startswith(folder.rstrip(os.sep) + os.sep):
                return template
    return None
