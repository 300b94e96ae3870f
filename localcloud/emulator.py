"""The AWS emulator: moto's server mode, in this process, on a free loopback port.

Everything the local cloud does to "AWS" goes through this endpoint with the AWS
APIs (boto3), exactly as a real client would; the only exceptions are the read-only
`queue_snapshot` and `deployed_code` peeks below, which look into moto's state
without changing it (a ReceiveMessage would bump ApproximateReceiveCount).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import urllib.request
from typing import Any

import boto3
from botocore.config import Config

from harness import moto_internals
from harness.moto_internals import MessageState

ACCESS_KEY = "localcloud"
SECRET_KEY = "localcloud"
LOOPBACK = "127.0.0.1"

# One in-flight request per pooled connection; pollers, invokers and the deploy hook
# each make their own calls, so a roomy pool avoids "connection pool is full" churn.
_CLIENT_CONFIG = Config(
    retries={"max_attempts": 2, "mode": "standard"},
    max_pool_connections=50,
    connect_timeout=5,
    read_timeout=60,
)

# moto keeps its state in process-wide backends: two servers in one process would
# share it, so only one emulator may run at a time.
_running_lock = threading.Lock()
_running: Emulator | None = None


def client(service: str, endpoint: str, region: str, session: Any = None) -> Any:
    """A boto3 client for the emulator (never for a real AWS account: fake keys, local URL)."""
    return (session or boto3.session.Session()).client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=_CLIENT_CONFIG,
    )


class Emulator:
    """moto's ThreadedMotoServer bound to 127.0.0.1 on a free port (or the given one)."""

    def __init__(self, region: str = "us-east-1", port: int = 0) -> None:
        self.region = region
        self._port = port
        self._server: Any = None
        self.endpoint = ""
        # Clients are thread-safe once made; making them is not, and one session shares
        # the loaded service models, so they are made once each, under a lock.
        self._session = boto3.session.Session()
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    # --- lifecycle -----------------------------------------------------------------

    def start(self) -> Emulator:
        global _running
        from moto.server import ThreadedMotoServer

        moto_internals.cache_server_module_list()
        with _running_lock:
            if _running is not None:
                raise RuntimeError(
                    f"an emulator already runs in this process at {_running.endpoint}; "
                    "moto's state is process-wide, so stop it first"
                )
            _running = self
        # werkzeug logs every request; the local cloud prints its own progress.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        try:
            self._server = ThreadedMotoServer(ip_address=LOOPBACK, port=self._port, verbose=False)
            self._server.start()
            host, port = self._server.get_host_and_port()
            self.endpoint = f"http://{host}:{port}"
            self.reset()
        except BaseException:
            with _running_lock:
                _running = None
            raise
        return self

    def stop(self) -> None:
        global _running
        if self._server is not None:
            try:
                self.reset()
            finally:
                self._server.stop()
                self._server = None
                with self._clients_lock:
                    self._clients.clear()
        with _running_lock:
            if _running is self:
                _running = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every resource (moto's documented reset endpoint)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    # --- clients -------------------------------------------------------------------

    def client(self, service: str) -> Any:
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = client(service, self.endpoint, self.region, self._session)
            return self._clients[service]

    def account_id(self) -> str:
        return str(self.client("sts").get_caller_identity()["Account"])

    # --- read-only peeks into moto's state -----------------------------------------

    def queue_snapshot(self, queue_url: str) -> list[MessageState]:
        """Every message in a queue (visible or in flight) with its exact receive count."""
        account, name = queue_url.rstrip("/").split("/")[-2:]
        return moto_internals.queued_messages(account, self.region, name)

    def deployed_code(self, function_name: str) -> bytes:
        """The function's deployment package as the emulator holds it.

        moto's GetFunction answers with a Code.Location it does not serve, so the
        bytes are read from its backend and checked against the CodeSha256 that the
        Lambda API reports for the function.
        """
        configuration = self.client("lambda").get_function_configuration(FunctionName=function_name)
        account = configuration["FunctionArn"].split(":")[4]
        code = moto_internals.function_code(account, self.region, function_name)
        digest = base64.b64encode(hashlib.sha256(code).digest()).decode()
        if digest != configuration["CodeSha256"]:
            raise RuntimeError(
                f"code of {function_name} does not match its CodeSha256 "
                f"({digest} != {configuration['CodeSha256']})"
            )
        return code
