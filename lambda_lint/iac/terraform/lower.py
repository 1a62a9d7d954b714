"""Terraform, lowered into the one tree: a root module's resources as CloudFormation shapes.

The unit is a folder (a root module): every ``.tf``/``.tf.json`` file in it is read, so a
reference from ``lambda.tf`` to a queue in ``sqs.tf`` resolves. Each resource becomes the
CloudFormation resource the model already understands (``aws_lambda_event_source_mapping``
-> ``AWS::Lambda::EventSourceMapping``, ...), references become ``Ref``/``Fn::GetAtt``, and
``var.*`` (defaults and ``*.tfvars``), ``local.*`` and string templates are evaluated where
static. Anything else is unknown, and an unknown value never produces a finding by itself.
``count``/``for_each`` resources count as one instance each.

Positions: a unit spans files, the tree has one line space, so a position is encoded as
``file_index * LINE_BASE + line``; :func:`decode` turns it back into (file, line), and the
front-end's reporter and the join report each finding in the file it is in.

Logical IDs are the resources' addresses (``aws_lambda_function.forwarder``, and
``module.NAME.aws_...`` inside a local module), so messages read as Terraform users name things.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, List, Optional, Tuple

from lambda_lint.iac.terraform import hcl
from lambda_lint.iac.tree import Map, Seq

LINE_BASE = 1_000_000
MAX_FILES = 200
MAX_LOCAL_DEPTH = 20
REGISTRY_LAMBDA = "terraform-aws-modules/lambda/aws"


class UnitTree(Map):
    """The lowered tree of one unit, with the files its encoded positions point into."""

    __slots__ = ("files",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.files: List[str] = []

    def position(self, line: int) -> Tuple[Optional[str], int]:
        """(file, line) of an encoded line: the seam's ``position_map``."""
        return decode(self.files, line)


def decode(files: List[str], line: int) -> Tuple[Optional[str], int]:
    if line >= LINE_BASE and files:
        idx = line // LINE_BASE
        if idx < len(files):
            return files[idx], line % LINE_BASE
    return (files[0] if files else None), line


def unit_files(path: str) -> List[str]:
    """The ``.tf``/``.tf.json`` files of the folder of ``path`` (sorted; ``path`` included)."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith((".tf", ".tf.json")))
    except OSError:
        names = []
    out = [os.path.join(folder, n) for n in names[:MAX_FILES]]
    me = os.path.abspath(path)
    if me not in out:
        out.insert(0, me)
    return out


# -- reading the unit -----------------------------------------------------------------------

class _File:
    def __init__(self, display: str, index: int, body: hcl.Body) -> None:
        self.display = display
        self.index = index
        self.body = body


def _read_unit(path: str, display: str, source: bytes,
               inputs: Optional[Dict[str, int]] = None) -> Tuple[List[_File], Dict[str, Any]]:
    """Every file of the unit, parsed; the file being linted comes from ``source``. A sibling
    that can't be read or parsed is left out (it is linted, and reported, on its own)."""
    from lambda_lint.errors import ParseFailure
    from lambda_lint.fileio import read_source

    files: List[_File] = []
    me = os.path.abspath(path)
    base = os.path.dirname(display)
    for p in unit_files(path):
        disp = display if p == me else (os.path.join(base, os.path.basename(p)) if base else os.path.basename(p))
        if p == me:
            data = source
        else:
            try:
                data = read_source(p)
            except ParseFailure:
                continue
        try:
            body = _parse(data, p)
        except ParseFailure:
            if p == me:
                raise
            continue
        files.append(_File(disp, len(files), body))
        if inputs is not None:
            inputs[p] = hash(data)  # the bytes the unit's tree is built from (lower's memo)
    tfvars = _tfvars(os.path.dirname(me))
    return files, tfvars


_PARSED: Dict[Tuple[str, int], hcl.Body] = {}


def _parse(data: bytes, path: str) -> hcl.Body:
    """Parse once per process: every file of a unit lowers the whole unit, and the join and
    the impact load it again (keyed on the bytes, so an edit is never served stale)."""
    key = (path, hash(data))
    body = _PARSED.get(key)
    if body is None:
        if len(_PARSED) > 2048:
            _PARSED.clear()
        body = _PARSED[key] = _parse_uncached(data, path)
    return body


def _parse_uncached(data: bytes, path: str) -> hcl.Body:
    from lambda_lint.errors import ParseFailure

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseFailure(f"not valid UTF-8: {exc.reason}", data[: exc.start].count(b"\n") + 1, 1) from None
    if path.endswith(".json"):
        return _json_body(text)
    try:
        return hcl.parse(text)
    except hcl.HclError as exc:
        raise ParseFailure(f"invalid Terraform (HCL): {exc.message}", exc.line, exc.column) from None
    except RecursionError:
        raise ParseFailure("Terraform file nested too deeply to read safely") from None


def _json_body(text: str) -> hcl.Body:
    """``.tf.json``: the same structure in JSON (no positions finer than the file)."""
    from lambda_lint.errors import ParseFailure

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # at the error, as the HCL reader and the template loader report theirs
        raise ParseFailure(f"invalid Terraform JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except (ValueError, RecursionError) as exc:
        raise ParseFailure(f"invalid Terraform JSON: {exc}") from None
    body = hcl.Body()
    if not isinstance(data, dict):
        return body

    def conv(v: Any) -> Any:
        if isinstance(v, str) and "${" in v:
            try:
                return hcl.parse_expression('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"')
            except hcl.HclError:
                return hcl.Unknown(v)
        if isinstance(v, dict):
            return hcl.Obj({k: conv(x) for k, x in v.items()}, {k: (1, 1) for k in v})
        if isinstance(v, list):
            return [conv(x) for x in v]
        return v

    def to_body(obj: Dict[str, Any]) -> hcl.Body:
        b = hcl.Body()
        for k, v in obj.items():
            if isinstance(v, dict) and k in _NESTED_BLOCKS:
                b.blocks.append(hcl.Block(k, [], to_body(v), 1, 1))
            elif isinstance(v, list) and k in _NESTED_BLOCKS and all(isinstance(x, dict) for x in v):
                b.blocks.extend(hcl.Block(k, [], to_body(x), 1, 1) for x in v)
            else:
                b.attributes[k] = hcl.Attribute(k, conv(v), 1, 1)
        return b

    for kind in ("resource", "data"):
        for rtype, named in (data.get(kind) or {}).items():
            for name, cfg in (named or {}).items():
                if isinstance(cfg, list):
                    cfg = cfg[0] if cfg and isinstance(cfg[0], dict) else {}
                body.blocks.append(hcl.Block(kind, [rtype, name], to_body(cfg if isinstance(cfg, dict) else {}), 1, 1))
    for name, cfg in (data.get("variable") or {}).items():
        body.blocks.append(hcl.Block("variable", [name], to_body(cfg if isinstance(cfg, dict) else {}), 1, 1))
    for name, cfg in (data.get("module") or {}).items():
        body.blocks.append(hcl.Block("module", [name], to_body(cfg if isinstance(cfg, dict) else {}), 1, 1))
    if isinstance(data.get("locals"), dict):
        body.blocks.append(hcl.Block("locals", [], to_body(data["locals"]), 1, 1))
    return body


_NESTED_BLOCKS = {"environment", "dead_letter_config", "destination_config", "on_failure", "filter_criteria",
                  "filter", "scaling_config", "lambda_function", "queue", "topic", "retry_policy",
                  "logging_config", "target", "stream_mode_details", "source_parameters", "vpc_config"}


def _tfvars(folder: str) -> Dict[str, Any]:
    """Values of ``terraform.tfvars`` and ``*.auto.tfvars`` (HCL attributes)."""
    from lambda_lint.errors import ParseFailure
    from lambda_lint.fileio import read_source

    out: Dict[str, Any] = {}
    try:
        names = sorted(n for n in os.listdir(folder) if n == "terraform.tfvars" or n.endswith(".auto.tfvars"))
    except OSError:
        return out
    for n in names:
        try:
            body = hcl.parse(read_source(os.path.join(folder, n)).decode("utf-8", "replace"))
        except (ParseFailure, hcl.HclError, RecursionError):
            continue
        for k, a in body.attributes.items():
            out[k] = a.value
    return out


# -- the scope: variables, locals, resources ------------------------------------------------

# attribute of a resource -> how CloudFormation would ask for it
_REF_ATTRS = {"id", "name", "function_name", "bucket", "url", "queue_url", "topic_arn_name"}
_GETATT = {"arn": "Arn", "invoke_arn": "Arn", "qualified_arn": "Arn", "stream_arn": "StreamArn",
           "qualified_invoke_arn": "Arn"}


class Scope:
    def __init__(self, files: List[_File], tfvars: Dict[str, Any], inputs: Optional[Dict[str, Any]] = None,
                 prefix: str = "") -> None:
        self.variables: Dict[str, Any] = {}
        self.locals: Dict[str, Any] = {}
        self.archives: Dict[str, hcl.Body] = {}
        self.resources: List[Tuple[str, str, hcl.Block, _File]] = []
        self.modules: List[Tuple[hcl.Block, _File]] = []
        for f in files:
            for b in f.body.blocks:
                if b.type == "variable" and b.labels:
                    default = b.body.attributes.get("default")
                    self.variables[b.labels[0]] = default.value if default is not None else None
                elif b.type == "locals":
                    for k, a in b.body.attributes.items():
                        self.locals[k] = a.value
                elif b.type == "data" and len(b.labels) == 2 and b.labels[0] == "archive_file":
                    self.archives[b.labels[1]] = b.body
                elif b.type == "resource" and len(b.labels) == 2:
                    self.resources.append((b.labels[0], b.labels[1], b, f))
                elif b.type == "module" and b.labels:
                    self.modules.append((b, f))
        self.variables.update(tfvars)
        if inputs:
            self.variables.update(inputs)
        # logical IDs are the resources' Terraform addresses (module.NAME. inside a module)
        self.lids: Dict[Tuple[str, str], str] = {(t, n): f"{prefix}{t}.{n}" for t, n, _b, _f in self.resources}
        self.module_outputs: Dict[Tuple[str, str], Any] = {}
        self.displays: List[str] = []
        self.display_base = ""
        self._depth = 0

    # value of an expression, as CloudFormation-shaped data
    def value(self, expr: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_LOCAL_DEPTH:
                return {"Fn::ImportValue": "<unresolved>"}
            return self._value(expr)
        finally:
            self._depth -= 1

    def _value(self, expr: Any) -> Any:
        if isinstance(expr, _Literal):
            return expr.value
        if isinstance(expr, (str, int, float, bool)) or expr is None:
            return expr
        if isinstance(expr, list):
            return [self.value(x) for x in expr]
        if isinstance(expr, hcl.Obj):
            return {k: self.value(v) for k, v in expr.items.items()}
        if isinstance(expr, hcl.Ref):
            return self.ref(expr)
        if isinstance(expr, hcl.Template):
            parts = [p if isinstance(p, str) else self.value(p) for p in expr.parts]
            if all(isinstance(p, (str, int, float)) and not isinstance(p, bool) for p in parts):
                return "".join(str(p) for p in parts)
            text = ""
            for p in parts:
                if isinstance(p, (str, int, float)) and not isinstance(p, bool):
                    text += str(p).replace("${", "${!")
                else:
                    text += "${TerraformExpression}"  # not a resource or parameter: unknown
            return {"Fn::Sub": text}
        if isinstance(expr, hcl.Call):
            if expr.name in ("jsonencode",) and expr.args:
                return self.value(expr.args[0])
            if expr.name in ("tostring", "tonumber", "lower", "upper", "trimspace") and expr.args:
                v = self.value(expr.args[0])
                if isinstance(v, str):
                    return {"lower": v.lower(), "upper": v.upper(), "trimspace": v.strip()}.get(expr.name, v)
                if expr.name == "tonumber" and isinstance(v, str):
                    try:
                        return float(v) if "." in v else int(v)
                    except ValueError:
                        return {"Fn::ImportValue": "<unresolved>"}
                return v
            return {"Fn::ImportValue": f"<{expr.name}()>"}
        return {"Fn::ImportValue": f"<{getattr(expr, 'text', 'expression')}>"}

    def ref(self, r: hcl.Ref) -> Any:
        parts = r.parts
        head = parts[0]
        if head == "var" and len(parts) >= 2:
            v = self.variables.get(str(parts[1]))
            if v is None or isinstance(v, hcl.Ref) and v.parts[:2] == ["var", parts[1]]:
                return {"Ref": f"var.{parts[1]}"}
            return self.value(v) if len(parts) == 2 else {"Ref": r.text}
        if head == "local" and len(parts) >= 2:
            v = self.locals.get(str(parts[1]))
            if v is None:
                return {"Ref": r.text}
            val = self.value(v)
            for p in parts[2:]:
                if isinstance(val, dict) and str(p) in val:
                    val = val[str(p)]
                else:
                    return {"Ref": r.text}
            return val
        if head == "path" and len(parts) >= 2:
            return "."
        if head == "data" and len(parts) >= 4 and parts[1] == "archive_file":
            return {"Fn::ImportValue": f"<archive {parts[2]}>"}
        if head == "module" and len(parts) >= 3:
            out = self.module_outputs.get((str(parts[1]), str(parts[2])))
            return out if out is not None else {"Ref": r.text}
        if len(parts) >= 2 and (head, parts[1]) in self.lids:
            lid = self.lids[(head, parts[1])]
            rest = [p for p in parts[2:] if p != "*" and not isinstance(p, int)]
            attr = str(rest[0]) if rest else "id"
            if attr in _GETATT:
                return {"Fn::GetAtt": [lid, _GETATT[attr]]}
            if attr in _REF_ATTRS or not rest:
                return {"Ref": lid}
            return {"Fn::GetAtt": [lid, attr]}
        return {"Ref": r.text}


# -- lowering -------------------------------------------------------------------------------

def _pos(f: _File, line: int, column: int) -> Tuple[int, int]:
    return f.index * LINE_BASE + line, column


class _Builder:
    """Builds position-keeping Maps for one resource from its HCL body."""

    def __init__(self, scope: Scope, f: _File) -> None:
        self.scope = scope
        self.f = f

    def mapping(self, block: hcl.Block, spec: Dict[str, Any]) -> Map:
        """``spec``: terraform attribute -> CFN key, or a nested block -> (CFN key, sub-spec)."""
        m = Map()
        m.line, m.column = _pos(self.f, block.line, block.column)
        for tf_key, cfn in spec.items():
            if isinstance(cfn, tuple):
                key, sub = cfn[0], cfn[1]
                many = len(cfn) > 2 and cfn[2] == "list"
                inner = [b for b in block.body.blocks if b.type == tf_key]
                if not inner:
                    continue
                if many:
                    seq = Seq([self.mapping(b, sub) for b in inner])
                    seq.line, seq.column = _pos(self.f, inner[0].line, inner[0].column)
                    seq.ipos = [_pos(self.f, b.line, b.column) for b in inner]
                    self.put(m, key, seq, inner[0].line, inner[0].column)
                else:
                    self.put(m, key, self.mapping(inner[0], sub), inner[0].line, inner[0].column)
                continue
            attr = block.body.attributes.get(tf_key)
            if attr is None:
                continue
            self.put(m, cfn, self.data(attr.value, attr.line, attr.column), attr.line, attr.column)
        return m

    def put(self, m: Map, key: str, value: Any, line: int, column: int) -> None:
        m[key] = value
        m.kpos[key] = _pos(self.f, line, column)
        vl, vc = (getattr(value, "line", 0), getattr(value, "column", 0))
        m.vpos[key] = (vl, vc) if vl else _pos(self.f, line, column)

    def data(self, expr: Any, line: int, column: int) -> Any:
        """An expression's value as tree data (Maps keep the positions of object keys)."""
        v = self.scope.value(expr)
        return self.wrap(v, expr, line, column)

    def wrap(self, v: Any, expr: Any, line: int, column: int) -> Any:
        if isinstance(v, dict):
            m = Map()
            m.line, m.column = _pos(self.f, line, column)
            kp = expr.kpos if isinstance(expr, hcl.Obj) else {}
            for k, x in v.items():
                l2, c2 = kp.get(k, (line, column))
                m[k] = self.wrap(x, expr.items.get(k) if isinstance(expr, hcl.Obj) else None, l2, c2)
                m.kpos[k] = m.vpos[k] = _pos(self.f, l2, c2)
            return m
        if isinstance(v, list):
            s = Seq([self.wrap(x, None, line, column) for x in v])
            s.line, s.column = _pos(self.f, line, column)
            s.ipos = [_pos(self.f, line, column)] * len(s)
            return s
        return v


_DEST = {"on_failure": ("OnFailure", {"destination_arn": "Destination", "destination": "Destination"})}

SPECS: Dict[str, Tuple[str, Dict[str, Any]]] = {
    "aws_lambda_function": ("AWS::Lambda::Function", {
        "function_name": "FunctionName", "handler": "Handler", "runtime": "Runtime", "timeout": "Timeout",
        "memory_size": "MemorySize", "reserved_concurrent_executions": "ReservedConcurrentExecutions",
        "architectures": "Architectures", "role": "Role", "image_uri": "ImageUri", "package_type": "PackageType",
        "environment": ("Environment", {"variables": "Variables"}),
        "dead_letter_config": ("DeadLetterConfig", {"target_arn": "TargetArn"}),
        "logging_config": ("LoggingConfig", {"log_group": "LogGroup"}),
    }),
    "aws_lambda_event_source_mapping": ("AWS::Lambda::EventSourceMapping", {
        "event_source_arn": "EventSourceArn", "function_name": "FunctionName",
        "starting_position": "StartingPosition", "batch_size": "BatchSize",
        "maximum_retry_attempts": "MaximumRetryAttempts",
        "maximum_record_age_in_seconds": "MaximumRecordAgeInSeconds",
        "bisect_batch_on_function_error": "BisectBatchOnFunctionError",
        "parallelization_factor": "ParallelizationFactor", "function_response_types": "FunctionResponseTypes",
        "maximum_batching_window_in_seconds": "MaximumBatchingWindowInSeconds", "enabled": "Enabled",
        "destination_config": ("DestinationConfig", _DEST),
        "scaling_config": ("ScalingConfig", {"maximum_concurrency": "MaximumConcurrency"}),
        "filter_criteria": ("FilterCriteria", {"filter": ("Filters", {"pattern": "Pattern"}, "list")}),
    }),
    "aws_lambda_function_event_invoke_config": ("AWS::Lambda::EventInvokeConfig", {
        "function_name": "FunctionName", "qualifier": "Qualifier",
        "maximum_retry_attempts": "MaximumRetryAttempts",
        "maximum_event_age_in_seconds": "MaximumEventAgeInSeconds",
        "destination_config": ("DestinationConfig", _DEST),
    }),
    "aws_sqs_queue": ("AWS::SQS::Queue", {
        "name": "QueueName", "visibility_timeout_seconds": "VisibilityTimeout",
        "message_retention_seconds": "MessageRetentionPeriod", "redrive_policy": "RedrivePolicy",
        "fifo_queue": "FifoQueue",
    }),
    "aws_kinesis_stream": ("AWS::Kinesis::Stream", {
        "name": "Name", "shard_count": "ShardCount", "retention_period": "RetentionPeriodHours",
        "stream_mode_details": ("StreamModeDetails", {"stream_mode": "StreamMode"}),
    }),
    "aws_dynamodb_table": ("AWS::DynamoDB::Table", {"name": "TableName"}),
    "aws_s3_bucket": ("AWS::S3::Bucket", {"bucket": "BucketName"}),
    "aws_sns_topic": ("AWS::SNS::Topic", {"name": "TopicName"}),
    "aws_sns_topic_subscription": ("AWS::SNS::Subscription", {
        "topic_arn": "TopicArn", "protocol": "Protocol", "endpoint": "Endpoint",
        "redrive_policy": "RedrivePolicy", "filter_policy": "FilterPolicy",
        "filter_policy_scope": "FilterPolicyScope",
    }),
    "aws_cloudwatch_event_rule": ("AWS::Events::Rule", {
        "name": "Name", "event_bus_name": "EventBusName", "event_pattern": "EventPattern",
        "schedule_expression": "ScheduleExpression", "state": "State",
    }),
    "aws_cloudwatch_event_bus": ("AWS::Events::EventBus", {"name": "Name"}),
    "aws_lambda_permission": ("AWS::Lambda::Permission", {
        "action": "Action", "function_name": "FunctionName", "principal": "Principal", "source_arn": "SourceArn",
        "qualifier": "Qualifier",
    }),
    "aws_cloudwatch_metric_alarm": ("AWS::CloudWatch::Alarm", {
        "alarm_name": "AlarmName", "namespace": "Namespace", "metric_name": "MetricName",
    }),
    "aws_cloudwatch_log_group": ("AWS::Logs::LogGroup", {
        "name": "LogGroupName", "retention_in_days": "RetentionInDays",
    }),
    "aws_sfn_state_machine": ("AWS::StepFunctions::StateMachine", {
        "name": "StateMachineName", "definition": "Definition", "type": "StateMachineType",
    }),
    "aws_scheduler_schedule": ("AWS::Scheduler::Schedule", {
        "target": ("Target", {"arn": "Arn", "dead_letter_config": ("DeadLetterConfig", {"arn": "Arn"}),
                              "retry_policy": ("RetryPolicy", {
                                  "maximum_retry_attempts": "MaximumRetryAttempts",
                                  "maximum_event_age_in_seconds": "MaximumEventAgeInSeconds"})}),
    }),
    "aws_iam_role": ("AWS::IAM::Role", {"name": "RoleName"}),
    "aws_iam_role_policy": ("AWS::IAM::Policy", {"policy": "PolicyDocument", "name": "PolicyName"}),
}


_SOURCE_RE = re.compile(r'^\s*source\s*=\s*"(\.{1,2}/[^"]*)"', re.M)


def callers(folder: str, levels: int = 3, limit: int = 50) -> List[str]:
    """The ``.tf`` files in the folders above ``folder`` that call it as a local module
    (``source = "./modules/fn"``): such a folder is a child module, reported through its calls."""
    from lambda_lint.errors import ParseFailure
    from lambda_lint.fileio import read_source

    out: List[str] = []
    here = os.path.abspath(folder)
    up = here
    for _ in range(levels):
        parent = os.path.dirname(up)
        if parent == up:
            break
        up = parent
        try:
            names = sorted(n for n in os.listdir(up) if n.endswith(".tf"))[:limit]
        except OSError:
            continue
        for n in names:
            full = os.path.join(up, n)
            try:
                text = read_source(full).decode("utf-8", "replace")
            except ParseFailure:
                continue
            for m in _SOURCE_RE.finditer(text):
                if os.path.normpath(os.path.join(up, m.group(1))) == here:
                    out.append(full)
                    break
    return out


def lower(source: bytes, path: str) -> UnitTree:
    """The front-end's ``load``: the unit of ``path`` as one CloudFormation-shaped tree.

    Every file of a unit lowers the whole unit, and the join and the impact load it again:
    within a run (:func:`lambda_lint.fileio.run_memo`) the first of them lowers it and the
    others reuse its tree when they would read the same unit: same folder, same displayed
    folder, same file list, and this file's bytes those the tree was built from. (The tree
    is never changed by its readers: the model is built beside it.)"""
    from lambda_lint.fileio import run_memo

    memo = run_memo("terraform.unit")
    me = os.path.abspath(path)
    key = (me if _is_child(me) else os.path.dirname(me), os.path.dirname(path), tuple(unit_files(path)))
    hit = memo.get(key)
    if hit is not None and hit[0].get(me) == hash(source):
        return hit[1]
    inputs: Dict[str, int] = {}
    tree = _lower(source, path, inputs)
    memo[key] = (inputs, tree)
    return tree


def _is_child(me: str) -> bool:
    return bool(run_callers(os.path.dirname(me)))


def run_callers(folder: str) -> List[str]:
    """:func:`callers`, looked up once per folder and run (the lowering, the cache's unit and
    the join all ask; each lookup lists and reads three levels of parent folders)."""
    from lambda_lint.fileio import run_memo

    memo = run_memo("terraform.callers")
    folder = os.path.abspath(folder)
    if folder not in memo:
        memo[folder] = callers(folder)
    return list(memo[folder])


def _lower(source: bytes, path: str, inputs: Dict[str, int]) -> UnitTree:
    if _is_child(os.path.abspath(path)):
        # a child module: linting it alone would judge it without its inputs, and report
        # twice what its callers report (with their inputs) in these same files
        _parse(source, path)  # a syntax error is still this file's LL001
        tree = UnitTree()
        tree.line = tree.column = 1
        tree.files = [path]
        inputs[os.path.abspath(path)] = hash(source)
        return tree
    files, tfvars = _read_unit(os.path.abspath(path), path, source, inputs)
    tree = UnitTree()
    tree.line = tree.column = 1
    tree.files = [f.display for f in files]
    resources = Map()
    resources.line = resources.column = 1
    tree["Resources"] = resources
    tree.kpos["Resources"] = tree.vpos["Resources"] = (1, 1)
    scope = Scope(files, tfvars)
    folder = os.path.dirname(os.path.abspath(path))
    scope.displays = tree.files  # module files are added here, so their positions decode
    scope.display_base = os.path.dirname(path)
    _lower_scope(scope, resources, folder, folder, depth=0)
    return tree


def _lower_scope(scope: Scope, resources: Map, folder: str, root: str, depth: int) -> None:
    for block, f in scope.modules:
        _lower_module(scope, block, f, resources, folder, root, depth)
    by_lid: Dict[str, Map] = {}
    for rtype, name, block, f in scope.resources:
        lid = scope.lids[(rtype, name)]
        spec = SPECS.get(rtype)
        if spec is None:
            continue
        b = _Builder(scope, f)
        props = b.mapping(block, spec[1])
        body = Map()
        body.line, body.column = _pos(f, block.line, block.column)
        body["Type"] = spec[0]
        body.kpos["Type"] = body.vpos["Type"] = body.line, body.column
        body["Properties"] = props
        body.kpos["Properties"] = body.vpos["Properties"] = body.line, body.column
        _special(rtype, block, b, props, scope, folder, root)
        resources[lid] = body
        resources.kpos[lid] = resources.vpos[lid] = _pos(f, block.line, block.column)
        by_lid[lid] = body
    _attach(scope, resources)


def _special(rtype: str, block: hcl.Block, b: _Builder, props: Map, scope: Scope, folder: str, root: str) -> None:
    attrs = block.body.attributes
    if rtype == "aws_lambda_function":
        code = _code_folder(scope, attrs, folder, root)
        if code is not None:
            b.put(props, "Code", code, block.line, block.column)
    elif rtype == "aws_dynamodb_table":
        enabled = scope.value(attrs["stream_enabled"].value) if "stream_enabled" in attrs else False
        if enabled is True:
            view = scope.value(attrs["stream_view_type"].value) if "stream_view_type" in attrs else "NEW_IMAGE"
            spec = Map({"StreamViewType": view})
            a = attrs["stream_enabled"]
            spec.line, spec.column = _pos(b.f, a.line, a.column)
            spec.kpos["StreamViewType"] = spec.vpos["StreamViewType"] = spec.line, spec.column
            b.put(props, "StreamSpecification", spec, a.line, a.column)
    elif rtype == "aws_sqs_queue" and isinstance(props.get("RedrivePolicy"), str):
        try:
            parsed = json.loads(props["RedrivePolicy"])
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            a = attrs["redrive_policy"]
            props["RedrivePolicy"] = b.wrap(parsed, None, a.line, a.column)
    elif rtype == "aws_cloudwatch_metric_alarm":
        dims = attrs.get("dimensions")
        if dims is not None:
            v = scope.value(dims.value)
            if isinstance(v, dict):
                seq = Seq()
                seq.line, seq.column = _pos(b.f, dims.line, dims.column)
                for k, x in v.items():
                    item = Map({"Name": k, "Value": b.wrap(x, None, dims.line, dims.column)})
                    item.line, item.column = seq.line, seq.column
                    item.kpos = {"Name": seq.ipos and seq.ipos[0] or (seq.line, seq.column),
                                 "Value": (seq.line, seq.column)}
                    item.vpos = dict(item.kpos)
                    seq.append(item)
                    seq.ipos.append((seq.line, seq.column))
                b.put(props, "Dimensions", seq, dims.line, dims.column)
    elif rtype == "aws_iam_role_policy" and "role" in attrs:
        role = scope.value(attrs["role"].value)
        seq = Seq([b.wrap(role, None, attrs["role"].line, attrs["role"].column)])
        seq.line, seq.column = _pos(b.f, attrs["role"].line, attrs["role"].column)
        seq.ipos = [(seq.line, seq.column)]
        b.put(props, "Roles", seq, attrs["role"].line, attrs["role"].column)


def _code_folder(scope: Scope, attrs: Dict[str, hcl.Attribute], folder: str, root: str) -> Optional[str]:
    """The function's local code folder, relative to the unit's folder: the ``archive_file``
    behind ``filename``/``source_code_hash``, or a folder next to a literal zip path."""
    for key in ("filename", "source_code_hash"):
        a = attrs.get(key)
        if a is None:
            continue
        refs = [a.value] if isinstance(a.value, hcl.Ref) else \
            [p for p in getattr(a.value, "args", []) if isinstance(p, hcl.Ref)]
        for r in refs:
            if r.parts[:2] == ["data", "archive_file"] and len(r.parts) >= 3:
                arch = scope.archives.get(str(r.parts[2]))
                if arch is None:
                    continue
                for src_key in ("source_dir", "source_file"):
                    sa = arch.attributes.get(src_key)
                    if sa is None:
                        continue
                    v = scope.value(sa.value)
                    if isinstance(v, str):
                        p = os.path.normpath(os.path.join(folder, v))
                        if src_key == "source_file":
                            p = os.path.dirname(p)
                        return os.path.relpath(p, root)
    return None


def _attach(scope: Scope, resources: Map) -> None:
    """Resources that configure another one in Terraform but are a property in CloudFormation:
    bucket notifications, rule targets, queue redrive policies, recursion configs."""
    for rtype, name, block, f in scope.resources:
        b = _Builder(scope, f)
        attrs = block.body.attributes
        if rtype == "aws_s3_bucket_notification" and "bucket" in attrs:
            target = _target_lid(scope, attrs["bucket"].value, resources)
            if target is None:
                continue
            lcs = Seq()
            lcs.line, lcs.column = _pos(f, block.line, block.column)
            for lf in block.body.blocks_of("lambda_function"):
                cfg = b.mapping(lf, {"lambda_function_arn": "Function"})
                la = lf.body.attributes
                events = scope.value(la["events"].value) if "events" in la else ["s3:ObjectCreated:*"]
                for ev in events if isinstance(events, list) else [events]:
                    item = Map(cfg)
                    item.line, item.column = cfg.line, cfg.column
                    item.kpos, item.vpos = dict(cfg.kpos), dict(cfg.vpos)
                    item["Event"] = ev
                    item.kpos["Event"] = item.vpos["Event"] = cfg.line, cfg.column
                    rules = []
                    for tf_key, name_ in (("filter_prefix", "prefix"), ("filter_suffix", "suffix")):
                        if tf_key in la:
                            rules.append({"Name": name_, "Value": scope.value(la[tf_key].value)})
                    if rules:
                        item["Filter"] = b.wrap({"S3Key": {"Rules": rules}}, None, lf.line, lf.column)
                        item.kpos["Filter"] = item.vpos["Filter"] = cfg.line, cfg.column
                    lcs.append(item)
                    lcs.ipos.append((cfg.line, cfg.column))
            props = resources[target]["Properties"]
            nc = Map({"LambdaConfigurations": lcs})
            nc.line, nc.column = lcs.line, lcs.column
            nc.kpos["LambdaConfigurations"] = nc.vpos["LambdaConfigurations"] = nc.line, nc.column
            b.put(props, "NotificationConfiguration", nc, block.line, block.column)
        elif rtype == "aws_cloudwatch_event_target" and "rule" in attrs:
            target = _target_lid(scope, attrs["rule"].value, resources)
            if target is None:
                continue
            t = b.mapping(block, {"arn": "Arn", "target_id": "Id",
                                  "dead_letter_config": ("DeadLetterConfig", {"arn": "Arn"}),
                                  "retry_policy": ("RetryPolicy", {
                                      "maximum_retry_attempts": "MaximumRetryAttempts",
                                      "maximum_event_age_in_seconds": "MaximumEventAgeInSeconds"})})
            props = resources[target]["Properties"]
            targets = props.get("Targets")
            if not isinstance(targets, Seq):
                targets = Seq()
                targets.line, targets.column = t.line, t.column
                b.put(props, "Targets", targets, block.line, block.column)
            targets.append(t)
            targets.ipos.append((t.line, t.column))
        elif rtype == "aws_sqs_queue_redrive_policy" and "queue_url" in attrs and "redrive_policy" in attrs:
            target = _target_lid(scope, attrs["queue_url"].value, resources)
            if target is None:
                continue
            a = attrs["redrive_policy"]
            v = scope.value(a.value)
            if isinstance(v, str):
                try:
                    v = json.loads(v)
                except ValueError:
                    continue
            b.put(resources[target]["Properties"], "RedrivePolicy", b.wrap(v, a.value, a.line, a.column),
                  a.line, a.column)
        elif rtype == "aws_lambda_function_recursion_config" and "function_name" in attrs:
            target = _target_lid(scope, attrs["function_name"].value, resources)
            a = attrs.get("recursive_loop")
            if target is None or a is None:
                continue
            b.put(resources[target]["Properties"], "RecursiveLoop", scope.value(a.value), a.line, a.column)


def _target_lid(scope: Scope, expr: Any, resources: Map) -> Optional[str]:
    v = scope.value(expr)
    if isinstance(v, dict):
        if "Ref" in v and v["Ref"] in resources:
            return v["Ref"]
        if "Fn::GetAtt" in v and v["Fn::GetAtt"][0] in resources:
            return v["Fn::GetAtt"][0]
    return None


# -- modules ----------------------------------------------------------------------------------

def _lower_module(scope: Scope, block: hcl.Block, f: _File, resources: Map, folder: str, root: str,
                  depth: int) -> None:
    attrs = block.body.attributes
    src = scope.value(attrs["source"].value) if "source" in attrs else None
    name = block.labels[0]
    if not isinstance(src, str):
        return
    if src.split("//")[0].rstrip("/") == REGISTRY_LAMBDA:
        _registry_lambda(scope, block, f, name, resources, folder, root)
        return
    if not src.startswith(("./", "../")) or depth >= 5:
        return  # other registry modules are unknown (docs/iac.md says which are understood)
    mod_folder = os.path.normpath(os.path.join(folder, src))
    inputs = {k: a.value for k, a in attrs.items() if k not in ("source", "version", "count", "for_each", "providers")}
    # the inputs are expressions of the caller: evaluate them there, then hand over the values
    bound = {k: _Literal(scope.value(v)) for k, v in inputs.items()}
    from lambda_lint.fileio import read_source

    files = []
    try:
        names = sorted(n for n in os.listdir(mod_folder) if n.endswith(".tf"))
    except OSError:
        return
    for n in names[:MAX_FILES]:
        full = os.path.join(mod_folder, n)
        try:
            body = _parse(read_source(full), full)
        except Exception:  # noqa: BLE001 - an unreadable module file is unknown, never a crash
            continue
        # findings in a module's resources point into the module's own files
        disp = os.path.normpath(os.path.join(scope.display_base, os.path.relpath(full, root)))
        scope.displays.append(disp)
        files.append(_File(disp, len(scope.displays) - 1, body))
    inner = Scope(files, {}, bound, prefix=f"module.{name}.")
    inner.displays, inner.display_base = scope.displays, scope.display_base
    _lower_scope(inner, resources, mod_folder, root, depth + 1)


class _Literal:
    """A value already evaluated in the caller's scope."""

    def __init__(self, value: Any) -> None:
        self.value = value


_REGISTRY_INPUTS = {
    "function_name": "FunctionName", "handler": "Handler", "runtime": "Runtime", "timeout": "Timeout",
    "memory_size": "MemorySize", "architectures": "Architectures",
}


def _registry_lambda(scope: Scope, block: hcl.Block, f: _File, name: str, resources: Map, folder: str,
                     root: str) -> None:
    """``terraform-aws-modules/lambda/aws``: the function, its event source mappings and its
    async config, from the module's common inputs."""
    attrs = block.body.attributes
    b = _Builder(scope, f)
    fn_lid = f"module.{name}"
    props = Map()
    props.line, props.column = _pos(f, block.line, block.column)
    for tf_key, cfn in _REGISTRY_INPUTS.items():
        if tf_key in attrs:
            a = attrs[tf_key]
            b.put(props, cfn, b.data(a.value, a.line, a.column), a.line, a.column)
    if "reserved_concurrent_executions" in attrs:
        a = attrs["reserved_concurrent_executions"]
        v = scope.value(a.value)
        if v != -1:  # the module's default, -1, means unreserved
            b.put(props, "ReservedConcurrentExecutions", v, a.line, a.column)
    src = scope.value(attrs["source_path"].value) if "source_path" in attrs else None
    if isinstance(src, str):
        p = os.path.normpath(os.path.join(folder, src))
        if src.endswith(".py"):
            p = os.path.dirname(p)
        b.put(props, "Code", os.path.relpath(p, root), block.line, block.column)
    if "dead_letter_target_arn" in attrs:
        a = attrs["dead_letter_target_arn"]
        dl = Map({"TargetArn": b.data(a.value, a.line, a.column)})
        dl.line, dl.column = _pos(f, a.line, a.column)
        dl.kpos["TargetArn"] = dl.vpos["TargetArn"] = dl.line, dl.column
        b.put(props, "DeadLetterConfig", dl, a.line, a.column)
    _add(resources, fn_lid, "AWS::Lambda::Function", props, f, block)
    fn_ref = {"Ref": fn_lid}
    scope.module_outputs[(name, "lambda_function_arn")] = {"Fn::GetAtt": [fn_lid, "Arn"]}
    scope.module_outputs[(name, "lambda_function_name")] = fn_ref
    scope.module_outputs[(name, "lambda_function_qualified_arn")] = {"Fn::GetAtt": [fn_lid, "Arn"]}
    esm = attrs.get("event_source_mapping")
    if esm is not None and isinstance(esm.value, hcl.Obj):
        for key, cfg in esm.value.items.items():
            if not isinstance(cfg, hcl.Obj):
                continue
            kl, kc = esm.value.kpos.get(key, (esm.line, esm.column))
            m = Map()
            m.line, m.column = _pos(f, kl, kc)
            for tf_key, cfn in SPECS["aws_lambda_event_source_mapping"][1].items():
                if isinstance(cfn, str) and tf_key in cfg.items:
                    il, ic = cfg.kpos.get(tf_key, (kl, kc))
                    b.put(m, cfn, b.data(cfg.items[tf_key], il, ic), il, ic)
            if "destination_arn_on_failure" in cfg.items:
                il, ic = cfg.kpos.get("destination_arn_on_failure", (kl, kc))
                dc = b.wrap({"OnFailure": {"Destination": scope.value(cfg.items["destination_arn_on_failure"])}},
                            None, il, ic)
                b.put(m, "DestinationConfig", dc, il, ic)
            b.put(m, "FunctionName", fn_ref, kl, kc)
            hb = hcl.Block("event_source_mapping", [key], hcl.Body(), kl, kc)
            _add(resources, f"{fn_lid}.event_source_mapping[{key}]", "AWS::Lambda::EventSourceMapping",
                 m, f, hb)
    create_async = scope.value(attrs["create_async_event_config"].value) if "create_async_event_config" in attrs \
        else False
    if create_async is True:
        m = Map()
        m.line, m.column = _pos(f, attrs["create_async_event_config"].line, attrs["create_async_event_config"].column)
        for tf_key, cfn in (("maximum_retry_attempts", "MaximumRetryAttempts"),
                            ("maximum_event_age_in_seconds", "MaximumEventAgeInSeconds")):
            if tf_key in attrs:
                a = attrs[tf_key]
                b.put(m, cfn, scope.value(a.value), a.line, a.column)
        if "destination_on_failure" in attrs:
            a = attrs["destination_on_failure"]
            b.put(m, "DestinationConfig", b.wrap({"OnFailure": {"Destination": scope.value(a.value)}}, None,
                                                 a.line, a.column), a.line, a.column)
        b.put(m, "FunctionName", fn_ref, block.line, block.column)
        b.put(m, "Qualifier", "$LATEST", block.line, block.column)
        _add(resources, f"{fn_lid}.async_event_config", "AWS::Lambda::EventInvokeConfig", m, f, block)
    trig = attrs.get("allowed_triggers")
    if trig is not None and isinstance(trig.value, hcl.Obj):
        for key, cfg in trig.value.items.items():
            if not isinstance(cfg, hcl.Obj):
                continue
            kl, kc = trig.value.kpos.get(key, (trig.line, trig.column))
            m = Map()
            m.line, m.column = _pos(f, kl, kc)
            principal = cfg.items.get("principal") or (f"{scope.value(cfg.items['service'])}.amazonaws.com"
                                                        if "service" in cfg.items else None)
            if principal is None:
                continue
            b.put(m, "Principal", scope.value(principal) if not isinstance(principal, str) else principal, kl, kc)
            b.put(m, "Action", "lambda:InvokeFunction", kl, kc)
            b.put(m, "FunctionName", fn_ref, kl, kc)
            if "source_arn" in cfg.items:
                b.put(m, "SourceArn", b.data(cfg.items["source_arn"], kl, kc), kl, kc)
            hb = hcl.Block("allowed_triggers", [key], hcl.Body(), kl, kc)
            _add(resources, f"{fn_lid}.allowed_triggers[{key}]", "AWS::Lambda::Permission",
                 m, f, hb)


def _add(resources: Map, lid: str, rtype: str, props: Map, f: _File, block: hcl.Block) -> None:
    body = Map()
    body.line, body.column = _pos(f, block.line, block.column)
    body["Type"] = rtype
    body["Properties"] = props
    body.kpos["Type"] = body.vpos["Type"] = body.kpos["Properties"] = body.vpos["Properties"] = body.line, body.column
    resources[lid] = body
    resources.kpos[lid] = resources.vpos[lid] = _pos(f, block.line, block.column)
