"""Forward Kinesis records to a partner API (the code that ran for days)."""

import base64
import json
import logging
import os
import time
import urllib.request

logger = logging.getLogger()
PARTNER_URL = os.environ.get("PARTNER_URL", "https://partner.example.com/ingest")


def send(payload):
    request = urllib.request.Request(
        PARTNER_URL, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def handler(event, context):
    for record in event["Records"]:
        try:
            payload = json.loads(base64.b64decode(record["kinesis"]["data"]))
        except Exception:
            continue

        while True:
            try:
                send(payload)
                break
            except Exception:
                logger.warning("partner call failed, retrying")
                time.sleep(1)
