"""What an unmistakable Lambda handler looks like, in bytes and in the tree (issue 12).

Where no template (or config) names a file's handler, lambda-lint treats a module-level
function as an entry point only when nobody could mistake it for anything else:

* its parameters are exactly ``(event, context)`` (``_event``/``_context`` too), or exactly two
  with the second annotated ``LambdaContext``;
* or it carries an AWS Lambda Powertools handler decorator (:data:`HANDLER_DECORATORS`);
* or the module assigns a web-framework adapter at module level (``handler = Mangum(app)``,
  apig-wsgi's ``make_lambda_handler(app)``, a Chalice app ``app = Chalice(app_name=...)``); the
  adapter's module is then the entry point, and the functions its decorators register
  (``@app.route``, ``@app.on_sqs_message``...) are reached.

:func:`might_hold_handler` is the byte scan the planner runs on every candidate file before
anything is parsed: a file it rejects cannot hold such a handler and is never parsed with
libcst unless something reachable imports it. It may say yes too often, never too rarely.
LL103 and the code facts (``is_handler``, hence LL306) use :func:`is_handler_shape`.
"""

from __future__ import annotations

import re
from typing import Mapping, Optional, Sequence

EVENT_NAMES = frozenset({"event", "_event"})
CONTEXT_NAMES = frozenset({"context", "_context"})

# Powertools decorators that only ever wrap a Lambda handler, by their last name. A name that
# other libraries use too (``validator``, ``idempotent``, ``event_source``...) must be imported
# from aws_lambda_powertools (or used as an attribute of an object, e.g. ``logger.inject_lambda_context``).
HANDLER_DECORATORS = frozenset({
    "inject_lambda_context",    # Logger
    "capture_lambda_handler",   # Tracer
    "log_metrics",              # Metrics, EphemeralMetrics
    "event_source",             # data classes
    "batch_processor",          # batch (legacy decorator)
    "async_batch_processor",
    "event_parser",             # parser
    "validator",                # validation
    "idempotent",               # idempotency (idempotent_function wraps any function: not listed)
})
_UNIQUE_DECORATORS = frozenset({"inject_lambda_context", "capture_lambda_handler", "log_metrics"})

# Module-level adapters that turn an ASGI/WSGI app into the handler.
# (Chalice's app object is the handler of every function its decorators register.)
ADAPTERS = frozenset({"mangum.Mangum", "Mangum", "apig_wsgi.make_lambda_handler", "make_lambda_handler",
                      "chalice.Chalice", "Chalice"})

# `(event, context)` with any annotation on `event` (brackets and commas included: Dict[str, Any])
_SIGNATURE = re.compile(rb"def\s+\w+\s*\(\s*_?event\b[^)]*?,\s*_?context\b")
_DECORATOR = re.compile(rb"@\s*[\w.]*\b(?:" + b"|".join(sorted(n.encode() for n in HANDLER_DECORATORS)) + rb")\b")
_UNIQUE_DECORATOR = re.compile(rb"@\s*[\w.]*\.(?:" + b"|".join(sorted(n.encode() for n in _UNIQUE_DECORATORS)) + rb")\b")


def might_hold_handler(source: bytes) -> bool:
    """Cheap byte scan: could this file define an unmistakable handler? (False negatives: none
    for the shapes above; false positives are fine, the parse decides.)"""
    if b"LambdaContext" in source:
        return True
    if b"Mangum" in source or b"make_lambda_handler" in source or b"Chalice(" in source:
        return True
    if b"def" not in source:
        return False
    if b"context" in source and _SIGNATURE.search(source):
        return True
    if b"@" not in source:
        return False
    if _UNIQUE_DECORATOR.search(source):
        return True
    # the other names (validator, idempotent, event_source...) only count when imported from Powertools
    return b"aws_lambda_powertools" in source and _DECORATOR.search(source) is not None


def is_handler_shape(params: Sequence[str], annotations: Sequence[Optional[str]],
                     decorators: Sequence[str], imports: Mapping[str, str]) -> bool:
    """Is a module-level function with these positional parameters, annotations (dotted,
    as written) and decorators (dotted, as written) an unmistakable Lambda handler?"""
    if len(params) == 2:
        if params[0] in EVENT_NAMES and params[1] in CONTEXT_NAMES:
            return True
        anno = annotations[1] if len(annotations) > 1 else None
        if anno and anno.split(".")[-1] == "LambdaContext":
            return True
    for dec in decorators:
        if is_handler_decorator(dec, imports):
            return True
    return False


def is_handler_decorator(dotted_name: str, imports: Mapping[str, str]) -> bool:
    if not dotted_name:
        return False
    head, _, rest = dotted_name.partition(".")
    last = dotted_name.rsplit(".", 1)[-1]
    if last not in HANDLER_DECORATORS:
        return False
    if rest and last in _UNIQUE_DECORATORS:
        return True  # logger.inject_lambda_context, tracer.capture_lambda_handler, metrics.log_metrics
    qualified = imports.get(head, "")
    return qualified.startswith("aws_lambda_powertools")


def is_adapter_call(qualified: Optional[str]) -> bool:
    return bool(qualified) and (qualified in ADAPTERS or qualified.split(".")[-1] in (
        "Mangum", "make_lambda_handler", "Chalice"))
