"""Helpers for running the installed `order-pipeline` console script as a user types it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# The console script that `make setup` installs next to the interpreter.
SCRIPT = Path(sys.executable).with_name("order-pipeline")


def run_script(
    *args: str,
    env: dict[str, str] | None = None,
    input_text: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args],
        env={**os.environ, **(env or {})},
        input=input_text,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
