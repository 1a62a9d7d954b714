"""The handler-code rules (LL1xx), one module a rule. Order here is registration order.

Rule modules import no parser at module level (the registry imports them to list metadata).
"""

from lambda_lint.code.rules.ll101_unbounded_loop import UnboundedLoop
from lambda_lint.code.rules.ll102_unbounded_retry import UnboundedRetry
from lambda_lint.code.rules.ll103_recursive_handler import RecursiveHandler
from lambda_lint.code.rules.ll104_self_invocation import SelfInvocation
from lambda_lint.code.rules.ll105_swallowed_exception import SwallowedException
from lambda_lint.code.rules.ll106_batch_error_swallowed import BatchErrorSwallowed
from lambda_lint.code.rules.ll107_unbounded_poll import UnboundedPoll

RULE_CLASSES: list = [UnboundedLoop, UnboundedRetry, RecursiveHandler, SelfInvocation, SwallowedException,
                      BatchErrorSwallowed, UnboundedPoll]
