"""Step Functions state machines and the retriers of their Lambda tasks (LL214).

A retrier (one entry of a ``Task`` state's ``Retry``) re-runs the task when one of its
``ErrorEquals`` is raised, up to ``MaxAttempts`` times (default 3), waiting
``IntervalSeconds`` (default 1) x ``BackoffRate`` (default 2.0) ^ n between attempts, capped by
``MaxDelaySeconds``. A ``States.ALL``, ``States.Timeout`` or ``States.TaskFailed`` retrier
re-runs a function that failed *after running*: each retry can cost a whole ``Timeout``.
Retrying the transient ``Lambda.*`` service errors (the function never ran, or was throttled)
is what AWS recommends, and costs no function time.

Subjects: ``state_machine`` (``AWS::Serverless::StateMachine``,
``AWS::StepFunctions::StateMachine``) and ``retrier``. Positions are mapped to the template
(or to the local definition file, reported as such); see :mod:`.definition`.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List, Optional, Tuple

from lambda_lint.iac.definition import Definition, read_definition
from lambda_lint.iac.cloudformation.loader import Map, Seq
from lambda_lint.iac.model import Entity, Found, Function, Resource
from lambda_lint.iac.resolve import is_intrinsic

STATE_MACHINE_TYPES = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")

# AWS's own recommendation for Lambda tasks retries these: the function did not run (or was
# throttled before it did), so a retry costs no function time.
TRANSIENT_ERRORS = frozenset({
    "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException", "Lambda.ClientExecutionTimeoutException",
})
# errors raised after the function ran (or ran out of time): each retry re-runs it
BROAD_ERRORS = ("States.ALL", "States.Timeout", "States.TaskFailed")

# an Express workflow (or a Distributed Map's Express child) ends after 5 minutes, retries or not
EXPRESS_MAX_SECONDS = 300

DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_INTERVAL = 1
DEFAULT_BACKOFF = 2.0

_REF = re.compile(r"\$\{([^}!][^}]*)\}")
_WHOLE_REF = re.compile(r"^\$\{([^}!][^}]*)\}$")


class StateMachine(Entity):
    """A state machine resource: ``definition`` (or None when it can't be read), ``tasks``."""

    subject = "state_machine"
    ATTRS = Entity.ATTRS | {"type", "definition_source", "lambda_tasks"}

    def __init__(self, res: Resource, definition: Optional[Definition]) -> None:
        super().__init__(res.logical_id, res.props_raw, res.line, res.column, res.logical_id)
        self.resource = res
        self.definition = definition
        kind = res.get("Type") if res.type == "AWS::Serverless::StateMachine" else res.get("StateMachineType")
        self.express = isinstance(kind, str) and kind.upper() == "EXPRESS"
        self.retriers: List["Retrier"] = []
        self.lambda_tasks = 0

    def attr(self, name: str) -> Any:
        if name == "type":
            return self.resource.type
        if name == "definition_source":
            return self.definition.key if self.definition is not None else None
        if name == "lambda_tasks":
            return self.lambda_tasks
        return super().attr(name)


class Retrier(Entity):
    """One ``Retry`` entry of a Lambda ``Task`` state.

    Attributes: ``state_machine``, ``state`` (the state's name), ``function`` (the Function
    of this template, or missing), ``target`` (how the task names its function), ``errors``,
    ``broad_errors`` (the States.ALL/Timeout/TaskFailed it retries), ``transient_only``,
    ``max_attempts``, ``broad_max_attempts`` (MaxAttempts, only for a retrier of broad errors),
    ``interval``, ``backoff_rate``, ``max_delay``, ``attempt_timeout`` (the function's Timeout,
    or the task's TimeoutSeconds when shorter), ``worst_case_seconds``, ``worst_case_hours``,
    ``worst_case`` (readable). ``report_path`` is the local definition file, when there is one.
    """

    subject = "retrier"
    ATTRS = Entity.ATTRS | {
        "state_machine", "state", "function", "target", "errors", "broad_errors", "transient_only",
        "max_attempts", "broad_max_attempts", "interval", "backoff_rate", "max_delay", "attempt_timeout",
        "worst_case_seconds", "worst_case_hours", "worst_case",
    }

    def __init__(self, sm: StateMachine, state: str, task: Map, retrier: Map, line: int, column: int,
                 anchor: str, function: Optional[Function], target: str, report_path: Optional[str],
                 express: bool = False) -> None:
        super().__init__(sm.logical_id, retrier, line, column, anchor)
        self.express = express  # runs in an Express execution: 5 minutes at most
        self.state_machine = sm
        self.state = state
        self.task = task
        self.function = function
        self.target = target
        self.report_path = report_path
        errors = retrier.get("ErrorEquals")
        self.errors: List[str] = [e for e in errors if isinstance(e, str)] if isinstance(errors, Seq) else []
        self._pos = sm.definition.pos if sm.definition is not None else (lambda l, c: (l, c))
        d = sm.definition
        # the template's reference to a local definition file, for findings reported there
        self.origin = (d.where[0], d.where[1], f"{sm.logical_id}: {d.key} names this definition") \
            if d is not None and report_path else None

    def function_id(self) -> Optional[str]:
        return self.function.logical_id if self.function is not None else None

    # -- numbers ----------------------------------------------------------------------------
    def _field(self, key: str, default: Any) -> Found:
        """A numeric field of the retrier: Found(value or None when unreadable, position)."""
        assert self.props is not None
        if key in self.props:
            value = _number(self.props[key])
            line, col = self._pos(*self.props.kpos.get(key, (self.props.line, self.props.column)))
            return Found(value, line, col, f"{self.anchor}/{key}")
        return Found(default, self.line, self.column, f"{self.anchor}/{key}")

    def attempt_timeout(self) -> float:
        """Seconds one attempt can take: the function's Timeout, or the task's TimeoutSeconds
        when that is shorter; 0 (a lower bound) when the function is not known."""
        if self.function is None:
            return 0
        t = self.function.timeout_found().value
        if not isinstance(t, (int, float)) or isinstance(t, bool):
            return 0
        ts = _number(self.task.get("TimeoutSeconds"))
        if isinstance(ts, (int, float)) and not isinstance(ts, bool) and 0 < ts < t:
            t = ts
        return t

    def worst_case_seconds(self) -> Optional[float]:
        """Time spent retrying, at worst: every retry runs to the attempt timeout and then waits
        its backoff (IntervalSeconds x BackoffRate^n, capped by MaxDelaySeconds). None when a
        number is not a literal."""
        n = self._field("MaxAttempts", DEFAULT_MAX_ATTEMPTS).value
        interval = self._field("IntervalSeconds", DEFAULT_INTERVAL).value
        rate = self._field("BackoffRate", DEFAULT_BACKOFF).value
        cap = self._field("MaxDelaySeconds", None).value if "MaxDelaySeconds" in (self.props or {}) else None
        for v in (n, interval, rate):
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                return None
        if cap is not None and (not isinstance(cap, (int, float)) or isinstance(cap, bool) or cap <= 0):
            cap = None
        n = int(n)
        secs = retry_time(n, float(interval), float(rate), cap, float(self.attempt_timeout() or 0))
        return min(secs, EXPRESS_MAX_SECONDS) if self.express else secs

    def attr(self, name: str) -> Any:
        if name == "state_machine":
            return self.state_machine.logical_id
        if name == "state":
            return self.state
        if name == "function":
            return self.function
        if name == "target":
            return self.target
        if name == "errors":
            return list(self.errors)
        if name == "broad_errors":
            return [e for e in self.errors if e in BROAD_ERRORS]
        if name == "transient_only":
            return bool(self.errors) and all(e in TRANSIENT_ERRORS for e in self.errors)
        if name == "max_attempts":
            return self._field("MaxAttempts", DEFAULT_MAX_ATTEMPTS)
        if name == "broad_max_attempts":
            if not any(e in BROAD_ERRORS for e in self.errors):
                return None
            return self._field("MaxAttempts", DEFAULT_MAX_ATTEMPTS)
        if name == "interval":
            return self._field("IntervalSeconds", DEFAULT_INTERVAL)
        if name == "backoff_rate":
            return self._field("BackoffRate", DEFAULT_BACKOFF)
        if name == "max_delay":
            return self._field("MaxDelaySeconds", None) if "MaxDelaySeconds" in (self.props or {}) else None
        if name == "attempt_timeout":
            return self.attempt_timeout()
        if name in ("worst_case_seconds", "worst_case_hours", "worst_case"):
            secs = self.worst_case_seconds()
            where = self._field("MaxAttempts", DEFAULT_MAX_ATTEMPTS)
            if secs is None:
                return Found(None, where.line, where.column, where.anchor)
            value: Any = secs if name == "worst_case_seconds" else (
                secs / 3600.0 if name == "worst_case_hours" else readable(secs))
            return Found(value, where.line, where.column, f"{self.anchor}/{name}")
        return super().attr(name)


def retry_time(n: int, interval: float, rate: float, cap: Optional[float], attempt: float) -> float:
    """n retries, each one attempt long plus its wait; closed forms keep huge n cheap."""
    total = n * attempt
    if rate <= 1.0:
        return total + n * (min(interval, cap) if cap is not None else interval)
    delay = interval
    for i in range(n):
        if cap is not None and delay >= cap:
            return total + cap * (n - i)
        total += delay
        if total > 1e12:
            return total
        delay *= rate
    return total


def readable(seconds: float) -> str:
    if seconds >= 86400 * 2:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def _number(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            return float(v) if "." in v else int(v)
        except ValueError:
            return None
    return None


# -- building -------------------------------------------------------------------------------

def state_machines(model: Any) -> List[StateMachine]:
    if "state_machines" not in model.derived:
        out = []
        for res in model.resources.values():
            if res.type in STATE_MACHINE_TYPES:
                try:
                    out.append(_build(model, res))
                except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
                    continue  # a shape we don't understand: no retriers from it
        model.derived["state_machines"] = out
    return model.derived["state_machines"]


def retriers(model: Any) -> List[Retrier]:
    return [r for sm in state_machines(model) for r in sm.retriers]


def external_files(model: Any) -> Dict[str, str]:
    """{display path: sha256} of the local definition files read (the cache depends on them)."""
    return {sm.definition.path: sm.definition.digest for sm in state_machines(model)
            if sm.definition is not None and sm.definition.path is not None and sm.definition.digest}


def _build(model: Any, res: Resource) -> StateMachine:
    definition = read_definition(model, res)
    sm = StateMachine(res, definition)
    if definition is None:
        return sm
    for name, state, path, express in _task_states(definition.tree, "", sm.express):
        fn, target, is_lambda = _task_function(model, definition, state)
        if not is_lambda:
            continue
        sm.lambda_tasks += 1
        retry = state.get("Retry")
        if not isinstance(retry, Seq):
            continue
        for i, entry in enumerate(retry):
            if not isinstance(entry, Map) or is_intrinsic(entry):
                continue
            raw = retry.ipos[i] if i < len(retry.ipos) else (entry.line, entry.column)
            line, col = definition.pos(*raw)
            anchor = f"{res.logical_id}/{path}{name}/Retry/{i}"
            sm.retriers.append(Retrier(sm, name, state, entry, line, col, anchor, fn, target, definition.path,
                                       express))
    return sm


def _task_states(tree: Map, prefix: str, express: bool,
                 depth: int = 0) -> Iterator[Tuple[str, Map, str, bool]]:
    """(name, state, anchor prefix, in an Express execution) of every Task, inside Parallel
    branches and Map states too (a Distributed Map may run its items as Express children)."""
    if depth > 20:
        return
    states = tree.get("States")
    if not isinstance(states, Map):
        return
    for name, state in states.items():
        if not isinstance(state, Map) or not isinstance(name, str):
            continue
        typ = state.get("Type")
        if typ == "Task":
            yield name, state, prefix, express
        elif typ == "Parallel":
            branches = state.get("Branches")
            if isinstance(branches, Seq):
                for j, b in enumerate(branches):
                    if isinstance(b, Map):
                        yield from _task_states(b, f"{prefix}{name}/Branches/{j}/", express, depth + 1)
        elif typ == "Map":
            for key in ("ItemProcessor", "Iterator"):
                sub = state.get(key)
                if isinstance(sub, Map):
                    cfg = sub.get("ProcessorConfig")
                    child = express or (isinstance(cfg, Map) and str(cfg.get("ExecutionType", "")).upper() == "EXPRESS")
                    yield from _task_states(sub, f"{prefix}{name}/{key}/", child, depth + 1)


def _task_function(model: Any, d: Definition, state: Map) -> Tuple[Optional[Function], str, bool]:
    """(function of this template or None, how the task names it, is it a Lambda task)."""
    resource = state.get("Resource")
    if is_intrinsic(resource):  # a CloudFormation Definition may hold !GetAtt Fn.Arn
        fn = model.function_for(resource)
        return fn, fn.logical_id if fn else "?", fn is not None
    if not isinstance(resource, str):
        return None, "?", False
    text = resource
    whole = _WHOLE_REF.match(resource)
    if whole and whole.group(1) in d.refs:
        raw = d.refs[whole.group(1)]
        fn = model.function_for(raw)
        if fn is not None:
            return fn, fn.logical_id, True
        text = model.resolver.text_hint(raw) or resource
    if ":states:::lambda:invoke" in text or ":states:::aws-sdk:lambda:invoke" in text:
        params = state.get("Parameters")
        if not isinstance(params, Map):
            params = state.get("Arguments")  # JSONata tasks
        if not isinstance(params, Map):
            return None, "(dynamic)", True
        name = params.get("FunctionName")
        if name is None:
            return None, "(dynamic)", True
        return _named(model, d, name)
    if ":lambda:" in text and ":function:" in text:
        return _named(model, d, text)
    return None, "?", False


def _named(model: Any, d: Definition, name: Any) -> Tuple[Optional[Function], str, bool]:
    if is_intrinsic(name):
        fn = model.function_for(name)
        return fn, fn.logical_id if fn else "?", True
    if not isinstance(name, str):
        return None, "?", True
    whole = _WHOLE_REF.match(name)
    if whole:
        raw = d.refs.get(whole.group(1))
        fn = model.function_for(raw) if raw is not None else None
        return fn, fn.logical_id if fn else name, True
    # an ARN or a name, maybe with ${X} parts: substitute what reads as a literal
    def sub(m: "re.Match[str]") -> str:
        raw = d.refs.get(m.group(1))
        if raw is None:
            return m.group(0)
        fn = model.function_for(raw)
        if fn is not None:
            fr = fn.function_name
            return str(fr.value) if fr.is_literal else "${%s}" % fn.logical_id
        r = model.resolver.resolve(raw)
        return str(r.value) if r.is_literal and isinstance(r.value, (str, int)) else m.group(0)

    text = _REF.sub(sub, name)
    fn = model.function_for(text) if "${" not in text.split(":function:")[-1] else None
    if fn is None:
        m = re.search(r":function:\$\{([^}.]+)\}", text)
        if m and m.group(1) in model.functions:
            fn = model.functions[m.group(1)]
    return fn, fn.logical_id if fn else name, True
