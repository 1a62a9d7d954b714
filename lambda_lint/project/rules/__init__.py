"""The code + template rules (LL3xx), one module a rule.

A rule class has ``code``, ``name``, ``severity``, ``summary``, a ruff-style docstring (what
``--explain`` prints) and ``check(project, out)``: ``project`` is a
:class:`lambda_lint.project.Project`, ``out`` a :class:`lambda_lint.project.Out` that puts a
finding at the code side when that file was requested, else at the template side.
"""

from lambda_lint.project.rules.ll301_trigger_feedback_loop import TriggerFeedbackLoop
from lambda_lint.project.rules.ll302_batch_failures_not_enabled import BatchFailuresNotEnabled
from lambda_lint.project.rules.ll303_batch_failures_not_returned import BatchFailuresNotReturned
from lambda_lint.project.rules.ll304_handler_not_found import HandlerNotFound
from lambda_lint.project.rules.ll305_first_record_only import FirstRecordOnly
from lambda_lint.project.rules.ll306_failure_hidden_from_retry import FailureHiddenFromRetry
from lambda_lint.project.rules.ll307_loop_possible_by_permission import LoopPossibleByPermission

RULE_CLASSES: list = [
    TriggerFeedbackLoop,
    BatchFailuresNotEnabled,
    BatchFailuresNotReturned,
    HandlerNotFound,
    FirstRecordOnly,
    FailureHiddenFromRetry,
    LoopPossibleByPermission,
]
