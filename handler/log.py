"""One log line per record outcome.

The fields go in `extra`, which Lambda's JSON log format turns into keys of the JSON
line; the message repeats them for the plain-text format. Bodies and orders are never
logged: only the outcome, the ids and a reason written by this package.
"""

from __future__ import annotations

import logging

from .outcomes import FAILED, REJECTED

LOGGER_NAME = "order_pipeline.handler"

# The text form of an outcome line, and the pattern that reads it back (the operator
# command reads the function's logs in either log format): one home for both.
TEXT_FORMAT = "%s messageId=%s orderId=%s: %s"
TEXT_PATTERN = (
    r"(?P<outcome>[a-z][a-z-]*) messageId=(?P<messageId>\S+) orderId=(?P<orderId>\S+): "
    r"(?P<reason>.*)$"
)

logger = logging.getLogger(LOGGER_NAME)
if logger.level == logging.NOTSET:
    # Lambda's root logger sits at WARNING; successes are worth a line each.
    logger.setLevel(logging.INFO)

# Lambda's application log level (INFO here) applies to every logger, and botocore logs
# "Found credentials in environment variables." at INFO in each new execution environment.
# Only this package's lines belong at INFO; the AWS libraries speak up from WARNING.
QUIETED_LOGGERS = ("boto3", "botocore", "urllib3")
for _name in QUIETED_LOGGERS:
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)

_LEVELS = {REJECTED: logging.WARNING, FAILED: logging.ERROR}


def log_outcome(
    outcome: str,
    message_id: str,
    order_id: str | None,
    reason: str,
    exc_info: BaseException | None = None,
) -> None:
    logger.log(
        _LEVELS.get(outcome, logging.INFO),
        TEXT_FORMAT,
        outcome,
        message_id,
        order_id,
        reason,
        exc_info=exc_info,
        extra={"outcome": outcome, "messageId": message_id, "orderId": order_id, "reason": reason},
    )
