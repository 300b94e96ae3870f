"""boto3 clients for a target: the standard AWS credential chain, or the local emulator."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from .targets import Target

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5)


def new_session() -> Any:
    """A fresh boto3 session (a seam: tests register botocore event hooks on it)."""
    return boto3.session.Session()


class Clients:
    """One client per service for the target's region (and endpoint and keys, when local)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.session = new_session()
        self._clients: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._clients:
            t = self.target
            extra: dict[str, Any] = {}
            if t.is_local:
                extra = {
                    "endpoint_url": t.endpoint_url,
                    "aws_access_key_id": t.access_key_id,
                    "aws_secret_access_key": t.secret_access_key,
                }
            self._clients[service] = self.session.client(
                service, region_name=t.region, config=_CONFIG, **extra
            )
        return self._clients[service]
