"""Run a deployed function: its package, handler, environment and timeout, as Lambda would.

The code is the package the emulator holds for the function (extracted to a temp
dir), the handler string, timeout, memory size and environment variables are read
back from the emulator's Lambda API, and each concurrent invocation gets its own
worker process (see function_worker.py): started once (cold start), reused while
healthy, killed and replaced when an invocation exceeds the function's timeout.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .code_package import extract
from .emulator import ACCESS_KEY, SECRET_KEY, Emulator
from .log_group import LogGroupWriter
from .printout import Echo, to_stderr
from .provisioner import FunctionSpec

WORKER_SCRIPT = Path(__file__).with_name("function_worker.py")
# The worker writes this line to stderr after each invocation, before its response.
END_OF_INVOCATION = "\x1elocalcloud-end-of-invocation"
# Lambda gives a function's init phase (imports, module-level clients) 10 s.
INIT_TIMEOUT_SECONDS = 10.0

LogSink = Callable[[str, str], None]  # (function name, line)


@dataclass
class Invocation:
    request_id: str
    ok: bool
    result: Any = None
    error: dict[str, Any] | None = None
    timed_out: bool = False
    cold_start: bool = False
    duration_ms: float = 0.0
    worker_pid: int | None = None
    log_lines: list[str] = field(default_factory=list)

    @property
    def error_text(self) -> str:
        if self.error is None:
            return ""
        return f"{self.error.get('errorType')}: {self.error.get('errorMessage')}"


@dataclass(frozen=True)
class FunctionConfig:
    """The deployed configuration the runtime honours, as the Lambda API returns it."""

    name: str
    arn: str
    handler: str
    runtime: str
    timeout_seconds: int
    memory_mb: int
    architectures: tuple[str, ...]
    environment: dict[str, str]
    code_sha256: str
    log_format: str
    application_log_level: str
    log_group: str

    @classmethod
    def read(cls, emulator: Emulator, spec: FunctionSpec) -> FunctionConfig:
        c = emulator.client("lambda").get_function_configuration(FunctionName=spec.name)
        logging_config = spec.logging_config
        return cls(
            name=c["FunctionName"],
            arn=c["FunctionArn"],
            handler=c["Handler"],
            runtime=c.get("Runtime", ""),
            timeout_seconds=int(c["Timeout"]),
            memory_mb=int(c["MemorySize"]),
            architectures=tuple(c.get("Architectures", ["x86_64"])),
            environment=dict((c.get("Environment") or {}).get("Variables") or {}),
            code_sha256=c["CodeSha256"],
            log_format=logging_config.get("LogFormat", "Text"),
            application_log_level=logging_config.get("ApplicationLogLevel", "INFO"),
            log_group=logging_config.get("LogGroup", f"/aws/lambda/{c['FunctionName']}"),
        )


class _Worker:
    """One execution environment (a process) for the function."""

    def __init__(self, runtime: FunctionRuntime, number: int) -> None:
        self.runtime = runtime
        self.number = number
        self.stream = time.strftime("%Y/%m/%d") + f"/[$LATEST]{uuid.uuid4().hex}"
        self._responses: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._lines: list[str] = []
        self._lines_lock = threading.Lock()
        self._invocation_logged = threading.Event()
        env = runtime.worker_environment(self.stream)
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(WORKER_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=runtime.task_root,
            env=env,
            text=True,
            encoding="utf-8",
            bufsize=1,
            start_new_session=True,  # its own process group, so a kill takes any children too
        )
        threading.Thread(target=self._read_responses, daemon=True).start()
        threading.Thread(target=self._read_logs, daemon=True).start()
        ready = self._next_response(INIT_TIMEOUT_SECONDS)
        if ready is None or not ready.get("ready"):
            self.kill()
            error = (ready or {}).get("error") or {
                "errorType": "Runtime.InitError",
                "errorMessage": f"worker did not start within {INIT_TIMEOUT_SECONDS:.0f} s",
            }
            raise _InitError(error, self.take_lines(wait=True), self.stream)

    def _read_responses(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self._responses.put(json.loads(line))
            except ValueError:
                self._responses.put(
                    {
                        "ok": False,
                        "error": {
                            "errorType": "Runtime.InvalidResponse",
                            "errorMessage": line[:200],
                        },
                    }
                )
        self._responses.put(None)  # EOF: the process exited

    def _read_logs(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            line = line.rstrip("\n")
            if line.startswith(END_OF_INVOCATION):
                self._invocation_logged.set()
                continue
            with self._lines_lock:
                self._lines.append(line)
            self.runtime.log_sink(self.runtime.config.name, line)
        self._invocation_logged.set()

    def take_lines(self, wait: bool = False) -> list[str]:
        """The log lines written since the last call (after the invocation's end marker)."""
        if wait:
            self._invocation_logged.wait(timeout=1.0)
        self._invocation_logged.clear()
        with self._lines_lock:
            lines, self._lines = self._lines, []
        return lines

    def _next_response(self, timeout: float) -> dict[str, Any] | None:
        try:
            return self._responses.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None

    def invoke(
        self, event: dict[str, Any], request_id: str, deadline: float
    ) -> tuple[dict[str, Any] | None, bool]:
        """(response, timed_out); response None means the process died or timed out."""
        assert self.process.stdin is not None
        request = {"event": event, "requestId": request_id, "deadlineMs": int(deadline * 1000)}
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return None, False
        try:
            response = self._responses.get(timeout=max(0.0, deadline - time.time()))
        except queue.Empty:
            return None, True
        return response, False

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass


class _InitError(Exception):
    def __init__(self, error: dict[str, Any], lines: list[str], stream: str) -> None:
        super().__init__(error.get("errorMessage"))
        self.error = error
        self.lines = lines
        self.stream = stream


class FunctionRuntime:
    """Invokes one deployed function; safe to call from several threads at once."""

    def __init__(
        self,
        emulator: Emulator,
        spec: FunctionSpec,
        log_sink: LogSink | None = None,
        warn: Echo = to_stderr,
    ) -> None:
        self.emulator = emulator
        self.config = FunctionConfig.read(emulator, spec)
        self.log_sink: LogSink = log_sink or (lambda _name, _line: None)
        self.log_group = LogGroupWriter(emulator.client("logs"), self.config.log_group, warn)
        self._tmp = Path(tempfile.mkdtemp(prefix=f"localcloud-{self.config.name}-"))
        self.task_root = extract(emulator.deployed_code(self.config.name), self._tmp / "task")
        self._idle: list[_Worker] = []
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._started = 0
        self._closed = False
        self.cold_starts = 0

    def worker_environment(self, log_stream: str) -> dict[str, str]:
        c = self.config
        region = self.emulator.region
        return {
            # The function's own variables first: Lambda does not let them override the
            # reserved ones below.
            **c.environment,
            "AWS_ENDPOINT_URL": self.emulator.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_SESSION_TOKEN": "localcloud",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            # Never pick up a developer's real profile or config.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_LAMBDA_FUNCTION_NAME": c.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(c.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": c.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_LOG_FORMAT": c.log_format,
            "AWS_LAMBDA_LOG_LEVEL": c.application_log_level,
            "LAMBDA_TASK_ROOT": str(self.task_root),
            "LAMBDA_RUNTIME_DIR": str(WORKER_SCRIPT.parent),
            "_HANDLER": c.handler,
            "LOCALCLOUD_FUNCTION_ARN": c.arn,
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        }

    def _acquire(self) -> tuple[_Worker, bool]:
        with self._lock:
            if self._closed:
                raise RuntimeError("function runtime is closed")
            if self._idle:
                return self._idle.pop(), False
            self._started += 1
            number = self._started
        worker = _Worker(self, number)  # may raise _InitError
        with self._lock:
            self._all.append(worker)
            self.cold_starts += 1
        return worker, True

    def _release(self, worker: _Worker, healthy: bool) -> None:
        with self._lock:
            if healthy and worker.alive() and not self._closed:
                self._idle.append(worker)
                return
            if worker in self._all:
                self._all.remove(worker)
        worker.kill()

    def invoke(self, event: dict[str, Any]) -> Invocation:
        """Run one invocation; its log lines go to the function's log group, as on Lambda."""
        stream, invocation = self._invoke(event)
        self.log_group.write(stream, invocation.log_lines)
        return invocation

    def _invoke(self, event: dict[str, Any]) -> tuple[str, Invocation]:
        request_id = str(uuid.uuid4())
        try:
            worker, cold = self._acquire()
        except _InitError as init:
            failed = Invocation(
                request_id, ok=False, error=init.error, cold_start=True, log_lines=init.lines
            )
            return init.stream, failed
        # The timeout runs from the invocation, not from the cold start (init has its own limit).
        begun = time.time()
        deadline = begun + self.config.timeout_seconds
        response, timed_out = worker.invoke(event, request_id, deadline)
        duration_ms = (time.time() - begun) * 1000
        if timed_out:
            self._release(worker, healthy=False)
            return worker.stream, Invocation(
                request_id,
                ok=False,
                error={
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": (
                        f"Task timed out after {self.config.timeout_seconds:.2f} seconds"
                    ),
                },
                timed_out=True,
                cold_start=cold,
                worker_pid=worker.process.pid,
                duration_ms=duration_ms,
                log_lines=worker.take_lines(wait=True),
            )
        if response is None:
            self._release(worker, healthy=False)
            lines = worker.take_lines(wait=True)
            return worker.stream, Invocation(
                request_id,
                ok=False,
                error={
                    "errorType": "Runtime.ExitError",
                    "errorMessage": "the function's process exited",
                },
                cold_start=cold,
                worker_pid=worker.process.pid,
                duration_ms=duration_ms,
                log_lines=lines,
            )
        lines = worker.take_lines(wait=True)
        self._release(worker, healthy=True)
        ok = bool(response.get("ok"))
        return worker.stream, Invocation(
            request_id,
            ok=ok,
            result=response.get("result") if ok else None,
            error=None if ok else response.get("error"),
            cold_start=cold,
            duration_ms=duration_ms,
            worker_pid=worker.process.pid,
            log_lines=lines,
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all, self._idle = list(self._all), [], []
        for worker in workers:
            worker.kill()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> FunctionRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
