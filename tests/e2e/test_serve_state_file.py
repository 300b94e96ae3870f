"""`order-pipeline --local` reads the state file that `python -m localcloud serve` writes.

The writer (localcloud/state.py) and the reader (cli/local_state.py) share no code, so
this cross-check writes with the real writer and reads with the real command.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli.conftest import run_script
from operator_stubs import outputs_for_aws
from order_pipeline.cli.errors import ConfigurationError
from order_pipeline.cli.local_state import STATE_DIR_ENV, find_local_cloud
from order_pipeline.cli.targets import resolve

from localcloud.state import ServeState


def _serve_state(stack: str, endpoint: str, pid: int) -> ServeState:
    return ServeState(
        stack=stack,
        endpoint=endpoint,
        region="us-east-1",
        pid=pid,
        outputs=outputs_for_aws(),
        settings={},
    )


def test_local_reads_the_file_serve_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        monkeypatch.setenv(STATE_DIR_ENV, str(tmp_path))
        _serve_state("dev", endpoint, os.getpid()).write(tmp_path)  # the real writer
        state = find_local_cloud(None)
        assert state["endpoint"] == endpoint
        target = resolve(True, None, None)
        assert (target.endpoint_url, target.access_key_id) == (endpoint, "localcloud")

        _serve_state("prod", endpoint, os.getpid()).write(tmp_path)
        with pytest.raises(ConfigurationError, match="running for stacks dev, prod"):
            find_local_cloud(None)
        assert find_local_cloud("prod")["stack"] == "prod"  # --local --stack prod
    finally:
        server.shutdown()


def test_local_ignores_a_state_file_whose_serve_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STATE_DIR_ENV, str(tmp_path))
    _serve_state("dev", "http://127.0.0.1:9", pid=2**22 + 12345).write(tmp_path)
    result = run_script("--local", "status", env={STATE_DIR_ENV: str(tmp_path)})
    assert result.returncode == 2
    assert "no local cloud is running" in result.stderr
