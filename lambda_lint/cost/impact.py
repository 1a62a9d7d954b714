"""Finding the function behind a runaway finding, and what its worst case is.

A template finding names its function's logical ID; a code finding (LL102, LL107, a cross
finding at the handler) is matched to the functions whose handler module it is in, through
the same handler resolution the join uses. A finding whose function can't be found gets no
impact: an impact is never a guess about which function runs the code.
"""

from __future__ import annotations

import math
import os
from dataclasses import replace
from typing import Any, Dict, List, Optional, Tuple

from lambda_lint.cost import RUNAWAY
from lambda_lint.cost.pricing import DEFAULTS, Prices, busy_day

_DAY = 24.0
#: settings that count things: 0 or 2.5 of them means nothing
_COUNTS = ("default-shards", "account-concurrency")


def settings(config: Any) -> Dict[str, Any]:
    """Defaults overridden by ``[tool.lambda-lint.impact]``; unknown keys are errors."""
    from lambda_lint.errors import ConfigError

    out: Dict[str, Any] = dict(DEFAULTS)
    out["shards"] = {}
    for key, value in dict(getattr(config, "impact", None) or {}).items():
        if key == "shards":
            if not isinstance(value, dict) or not all(
                    isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value.values()):
                raise ConfigError("impact.shards: expected a table of StreamLogicalId = number of shards")
            out["shards"] = dict(value)
            continue
        if key not in DEFAULTS:
            raise ConfigError(f"impact: unknown key {key!r} (known: shards, {', '.join(sorted(DEFAULTS))})")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0 \
                or not math.isfinite(value):
            # TOML has nan and inf: either would print NaN (not JSON) or drop the impact
            raise ConfigError(f"impact.{key}: expected a finite number >= 0, got {value!r}")
        if key in _COUNTS and (value < 1 or value != int(value)):
            raise ConfigError(f"impact.{key}: expected a whole number >= 1, got {value!r}")
        out[key] = value
    return out


class _Templates:
    """The run's templates, loaded once each, and which functions each handler module serves."""

    def __init__(self, result: Any) -> None:
        self.models: Dict[str, Any] = {}
        self.handlers: Dict[str, List[Tuple[str, str, str]]] = {}  # module path -> [(tpl, lid, func)]
        for r in getattr(result, "files", ()):
            if r.kind == "template" and r.parsed:
                self._load(r)

    def _load(self, r: Any) -> None:
        from lambda_lint.errors import ParseFailure
        from lambda_lint.fileio import read_source
        from lambda_lint.iac import load_model
        from lambda_lint.project.model import TemplateCtx, code_dir, module_file, resolve_literal, split_handler

        try:
            source = read_source(r.path)
            model = load_model(source, r.display)
        except (ParseFailure, RecursionError, MemoryError):
            return
        self.models[r.display] = model
        ctx = TemplateCtx(r.path, r.display, False, "", model)
        for lid, fn in model.functions.items():
            try:
                folder, _ = code_dir(ctx, fn)
                handler = resolve_literal(model, fn.handler)
            except Exception:  # noqa: BLE001 - a shape we don't understand: no impact, never a crash
                continue
            parts = split_handler(handler) if isinstance(handler, str) and folder else None
            if parts is None:
                continue
            path = module_file(folder, parts[0])
            if path:
                key = os.path.normcase(os.path.abspath(path))
                self.handlers.setdefault(key, []).append((r.display, lid, parts[1]))

    def function_for(self, f: Any) -> Optional[Tuple[Any, Any]]:
        """(model, Function) of a finding, or None."""
        model = self.models.get(f.path)
        if model is not None:
            fn = model.functions.get(f.function or "") or model.functions.get(f.resource or "")
            return (model, fn) if fn is not None else None
        served = self.handlers.get(os.path.normcase(os.path.abspath(f.path)), [])
        for tpl, lid, func in sorted(served, key=lambda s: (s[2] != f.function, s[0], s[1])):
            model = self.models[tpl]
            if f.function in (lid, func) or len({(t, l) for t, l, _ in served}) == 1:
                return model, model.functions[lid]
        return None


def _literal(model: Any, value: Any) -> Any:
    from lambda_lint.project.model import resolve_literal

    try:
        return resolve_literal(model, value)
    except Exception:  # noqa: BLE001
        return None


def _number(value: Any) -> Optional[float]:
    """A template number, or None: "nan" and "inf" parse as floats but are not numbers
    CloudFormation takes (and NaN printed into JSON output is not JSON)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        out = float(value)
    elif isinstance(value, str):
        try:
            out = float(value)
        except ValueError:
            return None
    else:
        return None
    return out if math.isfinite(out) else None


def _prop(model: Any, props: Any, key: str) -> Any:
    return _literal(model, props.get(key)) if isinstance(props, dict) else None


def _function_basics(model: Any, fn: Any, assumptions: List[str]) -> Tuple[float, float, str, Optional[int]]:
    timeout = _number(getattr(fn.timeout_found(), "value", None))
    if timeout is None:
        timeout = 3.0
        assumptions.append("Timeout unknown: 3 s assumed")
    memory = _number(_prop(model, fn.props, "MemorySize"))
    if memory is None:
        if isinstance(fn.props, dict) and "MemorySize" in fn.props:
            assumptions.append("MemorySize unknown: 128 MB assumed")
        memory = 128.0
    arches = _literal(model, fn.prop("Architectures"))
    arch = "arm64" if isinstance(arches, list) and "arm64" in arches else "x86_64"
    reserved = _number(_prop(model, fn.props, "ReservedConcurrentExecutions"))
    return timeout, memory, arch, int(reserved) if reserved is not None else None


def _stream_shape(model: Any, trig: Any, s: Dict[str, Any], assumptions: List[str]) -> Tuple[int, float, str, str]:
    """(concurrency, hours the retries can last, what the duration is, the concurrency's basis)."""
    factor = int(_number(_prop(model, trig.props, "ParallelizationFactor")) or 1)
    src = getattr(trig, "source", None)
    lid = src.value if src is not None and getattr(src, "is_resource", False) else None
    res = model.resources.get(lid) if lid else None
    shards = s["shards"].get(lid) if lid else None
    if shards is None and res is not None and res.type == "AWS::Kinesis::Stream":
        shards = _number(_prop(model, res.props, "ShardCount"))
        mode = _prop(model, (res.props or {}).get("StreamModeDetails") or {}, "StreamMode") \
            if isinstance(res.props, dict) else None
        if mode == "ON_DEMAND":
            shards = None
    if shards is None:
        shards = s["default-shards"]
        assumptions.append(f"{int(shards)} shards assumed for {lid or 'the stream'}; set shards in "
                           f"[tool.lambda-lint.impact]")
    hours, what = _DAY, "the stream's 24 h retention"
    if res is not None and res.type == "AWS::Kinesis::Stream":
        h = _number(_prop(model, res.props, "RetentionPeriodHours"))
        if h:
            hours, what = h, f"the stream's RetentionPeriodHours ({h:g} h)"
    age = _number(_prop(model, trig.props, "MaximumRecordAgeInSeconds"))
    if age is not None and age > 0 and age / 3600 < hours:
        hours, what = age / 3600, f"MaximumRecordAgeInSeconds ({age:g} s)"
    retries = _number(_prop(model, trig.props, "MaximumRetryAttempts"))
    if retries is not None and retries >= 0:
        what += f", or {int(retries)} retries"
    basis = f"{int(shards)} shard{'s' if shards != 1 else ''} x ParallelizationFactor {max(factor, 1)}"
    return int(shards) * max(factor, 1), hours, what, basis


def _queue_shape(model: Any, trig: Any, s: Dict[str, Any], assumptions: List[str]) -> Tuple[int, float, str, str]:
    scaling = trig.props.get("ScalingConfig") if isinstance(trig.props, dict) else None
    conc = _number(_prop(model, scaling, "MaximumConcurrency")) if isinstance(scaling, dict) else None
    basis = "the trigger's MaximumConcurrency"
    if conc is None:
        conc, basis = s["account-concurrency"], "the account's concurrency"
        assumptions.append(f"no MaximumConcurrency: the account's {int(conc)} concurrent executions assumed "
                           "(set account-concurrency in [tool.lambda-lint.impact])")
    queue = getattr(trig, "queue", None)
    seconds = _number(_prop(model, queue.props, "MessageRetentionPeriod")) if queue is not None and \
        isinstance(queue.props, dict) else None
    retention = seconds if seconds else 345600.0
    what = f"the queue's retention ({retention / 86400:g} days)"
    return int(conc), retention / 3600, what, basis


def impact_of(code: str, model: Any, fn: Any, s: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    assumptions: List[str] = []
    timeout, memory, arch, reserved = _function_basics(model, fn, assumptions)
    triggers = list(getattr(fn, "triggers", []))
    stream = [t for t in triggers if t.trigger_class == "stream"]
    queue = [t for t in triggers if t.kind == "sqs"]
    is_async = [t for t in triggers if t.trigger_class == "async"]
    if code in ("LL201", "LL202") or (code in ("LL102", "LL107") and stream):
        if not stream:
            return None
        conc, hours, what, basis = _stream_shape(model, stream[0], s, assumptions)
        duration = f"until {what}"
    elif code in ("LL205", "LL217") or (code in ("LL102", "LL107") and queue):
        if not queue:
            return None
        conc, hours, what, basis = _queue_shape(model, queue[0], s, assumptions)
        duration = f"until {what}"
    elif code == "LL206" or (code in ("LL102", "LL107") and is_async):
        conc, hours, basis = int(s["account-concurrency"]), 6.0, "the account's concurrency"
        duration = "6 h of event age, each event tried 3 times (the async defaults)"
        assumptions.append(f"events arriving fast enough to keep {conc} executions busy")
    elif code == "LL301":
        conc, hours, basis = int(s["account-concurrency"]), None, "the account's concurrency"
        duration = "until something stops it: AWS's loop detection (Lambda, SQS, SNS, S3 only, after ~16 " \
                   "invocations), reserved concurrency set to 0, or the trigger disabled"
    else:
        conc, hours, basis = int(s["account-concurrency"]), None, "the account's concurrency"
        duration = f"every invocation runs to its {timeout:g} s timeout"
        assumptions.append(f"invoked often enough to keep {conc} executions busy")
    account = int(s["account-concurrency"])
    if conc > account:
        # shards x factor or MaximumConcurrency above the account's limit: Lambda runs no more
        conc, basis = account, f"{basis}, capped by the account's {account} concurrent executions"
    if reserved is not None and reserved < conc:
        conc, basis = reserved, f"{reserved} (ReservedConcurrentExecutions)"
    if conc == 0:
        return None  # reserved concurrency 0: the function can't run at all
    prices = Prices.from_settings(s)
    per_day = round(busy_day(conc, timeout, memory, arch, prices), 2)
    out: Dict[str, Any] = {
        "duration": duration,
        "duration_hours": round(hours, 2) if hours is not None else None,
        "concurrency": conc,
        "concurrency_basis": basis,
        "memory_mb": int(memory),
        "timeout_s": timeout,
        "architecture": arch,
        "cost_per_day_usd": per_day,
    }
    if hours is not None:
        out["cost_until_stopped_usd"] = round(per_day * hours / 24.0, 2)
    out["assumptions"] = assumptions + ["us-east-1 list prices, no free tier"
                                        + (f", x{s['region-multiplier']:g} region multiplier"
                                           if float(s["region-multiplier"]) != 1.0 else "")]
    return out


def annotate(result: Any, config: Any) -> Any:
    """``result`` with an ``impact`` on each runaway-class finding whose function is known."""
    if not any(f.code in RUNAWAY for f in result.findings):
        return result
    s = settings(config)
    templates = _Templates(result)
    findings = []
    for f in result.findings:
        if f.code in RUNAWAY:
            found = templates.function_for(f)
            if found is not None:
                try:
                    imp = impact_of(f.code, found[0], found[1], s)
                except Exception:  # noqa: BLE001 - an impact is a presentation, never a crash
                    imp = None
                if imp is not None:
                    f = replace(f, impact=imp)
        findings.append(f)
    return replace(result, findings=findings)
