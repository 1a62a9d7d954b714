"""The entry points a template declares: each function's code folder and Handler (issue 12).

:func:`template_entrypoints` reads only the normalized model (``model.functions``: ``handler``,
``runtime``, ``code_uri``/``prop``), so every IaC front-end that builds that model (SAM and
CloudFormation today; CDK, Serverless and Terraform later) contributes its handlers the same
way. A front-end whose functions know their source folder directly may expose it as
``fn.code_folder`` (absolute or relative to the template), which wins over ``CodeUri``/``Code``.

The result is plain data, computed where the template is parsed and cached with its result,
so a warm run plans the code scope without loading YAML::

    [{"function": "Ingest", "code": "src", "handler": "app.handler", "python": true,
      "layers": ["layers/common"]}, ...]

``code`` is relative to the template's folder (``null``: no local folder: an S3 URI, a
``.zip``, an image, inline code); ``python`` is false when the function is known not to run
Python code (another runtime, a custom runtime, a container image, the Lambda Web Adapter)
and null when the runtime is unknown.
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Optional

_REMOTE_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_ARCHIVES = (".zip", ".jar", ".tar", ".tar.gz", ".tgz", ".whl")


def _literal(model: Any, value: Any) -> Any:
    if value is None:
        return None
    r = model.resolver.resolve(value)
    return r.value if r.is_literal else None


def non_python_reason(model: Any, fn: Any) -> Optional[str]:
    """Why this function's code is known not to be a Python handler module (None: it may be)."""
    runtime = _literal(model, fn.runtime)
    if isinstance(runtime, str) and not runtime.lower().startswith("python"):
        return f"runtime {runtime}"
    if _literal(model, fn.prop("PackageType")) == "Image" or fn.prop("ImageUri") is not None:
        return "a container image"
    env = fn.prop("Environment")
    variables = env.get("Variables") if isinstance(env, dict) else None
    if isinstance(variables, dict) and "AWS_LAMBDA_EXEC_WRAPPER" in variables:
        return "the Lambda Web Adapter (AWS_LAMBDA_EXEC_WRAPPER)"
    return None


def local_code_value(model: Any, fn: Any) -> Optional[str]:
    """The local code path as written (``src/``), or None (remote, computed, inline, image)."""
    folder = getattr(fn, "code_folder", None)
    if isinstance(folder, str):
        return folder
    if fn.props is None:
        return None
    key = "CodeUri" if fn.is_sam else "Code"
    if key not in fn.props:
        if fn.is_sam and "InlineCode" not in fn.props and "ImageUri" not in fn.props \
                and _literal(model, fn.prop("PackageType")) != "Image":
            return "."  # sam build's default: the template's folder
        return None
    value = _literal(model, fn.props.get(key))
    if not isinstance(value, str) or not value.strip() or _REMOTE_RE.match(value):
        return None
    return value


def is_archive(path: str) -> bool:
    return path.lower().endswith(_ARCHIVES)


def _layer_folders(model: Any, fn: Any) -> List[str]:
    layers = fn.prop("Layers")
    out: List[str] = []
    if not isinstance(layers, list):
        return out
    for item in layers:
        ref = item.get("Ref") if isinstance(item, dict) else None
        res = model.resources.get(ref) if isinstance(ref, str) else None
        if res is None or res.props is None:
            continue
        key = "ContentUri" if res.type == "AWS::Serverless::LayerVersion" else "Content"
        value = _literal(model, res.props.get(key)) if res.type in (
            "AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion") else None
        if isinstance(value, str) and value.strip() and not _REMOTE_RE.match(value) and not is_archive(value):
            out.append(os.path.normpath(value).replace(os.sep, "/"))
    return out


def template_entrypoints(model: Any) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    for lid, fn in getattr(model, "functions", {}).items():
        try:
            code = local_code_value(model, fn)
            if code is not None and is_archive(code):
                code = None  # a built artifact: the code is unknown, not a folder to cover
            handler = _literal(model, fn.handler)
            runtime = _literal(model, fn.runtime)
            python: Optional[bool] = None
            if non_python_reason(model, fn) is not None:
                python = False
            elif isinstance(runtime, str):
                python = True
            out.append({
                "function": str(lid),
                "code": os.path.normpath(code).replace(os.sep, "/") if code is not None else None,
                "handler": handler if isinstance(handler, str) else None,
                "python": python,
                "layers": _layer_folders(model, fn),
            })
        except Exception:  # noqa: BLE001 - an odd function shape: no entry point from it
            continue
    return out
