"""Forward Kinesis records to a partner API, with bounded retries and partial batch failures."""

import base64
import json
import logging
import os
import time
import urllib.request

logger = logging.getLogger()
PARTNER_URL = os.environ.get("PARTNER_URL", "https://partner.example.com/ingest")
MAX_ATTEMPTS = 3


def send(payload):
    request = urllib.request.Request(
        PARTNER_URL, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def send_with_retries(payload, context):
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return send(payload)
        except OSError:
            if attempt == MAX_ATTEMPTS or context.get_remaining_time_in_millis() < 15_000:
                raise
            logger.warning("partner call failed (attempt %d of %d), retrying", attempt, MAX_ATTEMPTS)
            time.sleep(2 ** attempt)


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            payload = json.loads(base64.b64decode(record["kinesis"]["data"]))
            send_with_retries(payload, context)
        except Exception:
            logger.exception("record %s failed", record["kinesis"]["sequenceNumber"])
            failures.append({"itemIdentifier": record["kinesis"]["sequenceNumber"]})
    return {"batchItemFailures": failures}
