"""Lambda's public price formula, and the worst case of a function kept busy by retries.

Prices are AWS Lambda's on-demand list prices in us-east-1 (December 2026 pricing page):
requests $0.20 per million; duration $0.0000166667 per GB-second on x86_64 and
$0.0000133334 on arm64; CloudWatch Logs ingestion $0.50 per GB. The free tier is not
subtracted: a worst case is what the runaway costs on top of everything else. Every number
is overridable in ``[tool.lambda-lint.impact]`` (and ``region-multiplier`` scales them all).

The worst case per day is ``concurrency`` execution slots each kept busy for 24 hours by
invocations that run until their ``Timeout`` (a failing batch retried, a loop that feeds
itself): per slot ``86,400 / Timeout`` requests and ``86,400 x MemorySize / 1024`` GB-seconds,
plus the logs those requests write at ``log-bytes-per-invocation``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Mapping

SECONDS_PER_DAY = 86_400

DEFAULTS: Dict[str, Any] = {
    "price-per-million-requests": 0.20,
    "price-per-gb-second-x86": 0.0000166667,
    "price-per-gb-second-arm64": 0.0000133334,
    "price-per-gb-logs": 0.50,
    "log-bytes-per-invocation": 2048,
    "region-multiplier": 1.0,
    "default-shards": 4,
    "account-concurrency": 1000,
}

FORMULA = """\
## Worst-case impact
JSON and SARIF findings of this rule carry an `impact` object (text output adds a short
clause): how long the retries can go on, how many executions can run at once, and what a day
of that costs, from Lambda's public price formula:

    cost per day = concurrency x ( requests x price per request
                                 + GB-seconds x price per GB-second (x86_64 or arm64)
                                 + requests x log bytes per invocation x price per GB of logs )
    requests     = 86,400 / Timeout          (each invocation runs until its timeout)
    GB-seconds   = 86,400 x MemorySize / 1024 (every slot busy all day)

Concurrency is the stream's shards x `ParallelizationFactor`, the SQS trigger's
`MaximumConcurrency`, or the account default, capped by the account's concurrency and
`ReservedConcurrentExecutions`.
Prices: us-east-1 list prices ($0.20 per million requests, $0.0000166667 per GB-s x86_64,
$0.0000133334 arm64, $0.50 per GB of logs at 2 KB an invocation); the free tier is not
subtracted. Every assumption is stated in the finding and set in `[tool.lambda-lint.impact]`:
`shards = {StreamLogicalId = 8}`, `default-shards`, `account-concurrency`, the prices,
`log-bytes-per-invocation` and `region-multiplier`.
"""


@dataclass(frozen=True)
class Prices:
    per_request: float
    per_gb_second_x86: float
    per_gb_second_arm64: float
    per_gb_logs: float
    log_bytes: int

    @classmethod
    def from_settings(cls, s: Mapping[str, Any]) -> "Prices":
        m = float(s["region-multiplier"])
        return cls(float(s["price-per-million-requests"]) / 1e6 * m, float(s["price-per-gb-second-x86"]) * m,
                   float(s["price-per-gb-second-arm64"]) * m, float(s["price-per-gb-logs"]) * m,
                   int(s["log-bytes-per-invocation"]))


def cost(requests: float, seconds_each: float, memory_mb: float, arch: str, prices: Prices,
         with_logs: bool = True) -> float:
    """The bill for ``requests`` invocations of ``seconds_each`` at ``memory_mb`` (no free tier)."""
    rate = prices.per_gb_second_arm64 if arch == "arm64" else prices.per_gb_second_x86
    total = requests * prices.per_request + requests * seconds_each * (memory_mb / 1024.0) * rate
    if with_logs:
        total += requests * prices.log_bytes / 1e9 * prices.per_gb_logs
    return total


def busy_day(concurrency: int, timeout_s: float, memory_mb: float, arch: str, prices: Prices) -> float:
    """A day of ``concurrency`` slots busy with invocations that each run ``timeout_s``."""
    timeout_s = max(float(timeout_s), 0.001)
    per_slot = cost(SECONDS_PER_DAY / timeout_s, timeout_s, memory_mb, arch, prices)
    return concurrency * per_slot
