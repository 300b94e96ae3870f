"""One function execution environment: a long-lived process that runs the deployed handler.

Started by localcloud.function_runtime as `python -I function_worker.py` with the
extracted package as its working directory and the function's environment, like a
Lambda container: the handler module is imported once (cold start), then each
request line on stdin is one invocation and gets one response line.

Standard library only, and never imports localcloud: the process holds nothing but
the deployed code and what a Lambda Python runtime provides (boto3).

Protocol (one JSON object per line):
  worker -> parent, once:  {"ready": true} | {"ready": false, "error": {...}}
  parent -> worker:        {"event": ..., "requestId": ..., "deadlineMs": ...}
  worker -> parent:        {"ok": true, "result": ...} | {"ok": false, "error": {...}}
The handler's own stdout is redirected to stderr, so a print() cannot corrupt the protocol.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import sys
import time
import traceback
from typing import Any

_request_id = ""
# Must match localcloud.function_runtime.END_OF_INVOCATION (this file imports nothing local).
END_OF_INVOCATION = "\x1elocalcloud-end-of-invocation"


class LambdaContext:
    """The attributes and method of the Lambda Python runtime's context object."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        env = os.environ
        self.aws_request_id = request_id
        self.function_name = env["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = env["LOCALCLOUD_FUNCTION_ARN"]
        self.memory_limit_in_mb = int(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


class _JsonFormatter(logging.Formatter):
    """Lambda's JSON application log format: the record's `extra` fields become keys."""

    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": _request_id,
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["errorType"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            line["stackTrace"] = traceback.format_exception(*record.exc_info)
        return json.dumps(line, default=str)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        when = f"{stamp}.{int(record.msecs):03d}Z"
        text = f"[{record.levelname}]\t{when}\t{_request_id}\t{record.getMessage()}"
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        return text


def _configure_logging() -> None:
    # As the Lambda runtime does: one handler on the root logger, at the function's
    # application log level, in its log format.
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "Text").upper() == "JSON":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(_TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "WARNING").upper())


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(type(exc), exc, exc.__traceback__),
    }


def _load_handler() -> Any:
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    module = importlib.import_module(module_name)
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise AttributeError(f"Handler '{function_name}' missing on module '{module_name}'")
    return handler


def main() -> int:
    global _request_id
    # The protocol gets a private copy of stdout; fd 1 (and print) now go to stderr.
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if isinstance(sys.stderr, io.TextIOWrapper):
        sys.stderr.reconfigure(line_buffering=True)

    task_root = os.environ["LAMBDA_TASK_ROOT"]
    os.chdir(task_root)
    sys.path.insert(0, task_root)
    # The project's editable install (order_pipeline) is not part of the deployment
    # package, so the function must not see it either.
    sys.meta_path[:] = [
        finder
        for finder in sys.meta_path
        if not str(getattr(finder, "__module__", "")).startswith("__editable__")
    ]
    _configure_logging()

    def send(message: dict[str, Any]) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    try:
        handler = _load_handler()
    except Exception as exc:  # an init error, reported like Runtime.ImportModuleError
        send({"ready": False, "error": _error(exc, "Runtime.ImportModuleError")})
        return 1
    send({"ready": True})

    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        _request_id = request["requestId"]
        context = LambdaContext(_request_id, int(request["deadlineMs"]))
        try:
            result = handler(request["event"], context)
            try:
                text = json.dumps({"ok": True, "result": result})
            except (TypeError, ValueError) as exc:
                send({"ok": False, "error": _error(exc, "Runtime.MarshalError")})
                continue
            protocol.write(text + "\n")
            protocol.flush()
        except Exception as exc:
            send({"ok": False, "error": _error(exc)})
        finally:
            _request_id = ""
            # Tells the parent that every log line of this invocation has been written.
            sys.stderr.write(END_OF_INVOCATION + "\n")
            sys.stderr.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
