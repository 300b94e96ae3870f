"""The function's log lines, written into its CloudWatch Logs group in the emulator.

Lambda sends each execution environment's output to a log stream of the function's
log group; the local runtime does the same (one stream per worker process), so any
CloudWatch Logs client (`aws logs tail`, FilterLogEvents) reads them as on AWS.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .printout import Echo, to_stderr


class LogGroupWriter:
    """PutLogEvents into one log group; creates each stream on its first line."""

    def __init__(self, logs: Any, group: str, warn: Echo = to_stderr) -> None:
        self._logs = logs
        self._warn = warn
        self.group = group
        self._streams: set[str] = set()
        self._lock = threading.Lock()

    def _ensure_stream(self, stream: str) -> None:
        if stream in self._streams:
            return
        try:
            self._logs.create_log_stream(logGroupName=self.group, logStreamName=stream)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code == "ResourceNotFoundException":
                # No loggingConfig: Lambda creates /aws/lambda/<name> itself.
                self._logs.create_log_group(logGroupName=self.group)
                self._logs.create_log_stream(logGroupName=self.group, logStreamName=stream)
            elif code != "ResourceAlreadyExistsException":
                raise
        self._streams.add(stream)

    def write(self, stream: str, lines: list[str]) -> None:
        if not lines:
            return
        now_ms = int(time.time() * 1000)
        events = [{"timestamp": now_ms, "message": line} for line in lines]
        try:
            with self._lock:
                self._ensure_stream(stream)
                self._logs.put_log_events(
                    logGroupName=self.group, logStreamName=stream, logEvents=events
                )
        except (ClientError, BotoCoreError) as error:  # logging must never fail an invocation
            self._warn(f"localcloud: could not write to log group {self.group}: {error}")
