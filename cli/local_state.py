"""Find the running local cloud from the state file that `python -m localcloud serve` writes.

The file (localcloud/state.py, `ServeState`) is `serve-<stack>.json` in `.localcloud/` at
the repository root, or in $LOCALCLOUD_STATE_DIR. This module only reads it, so the
command works from any folder of the repository without importing the local cloud.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .errors import ConfigurationError

STATE_DIR_ENV = "LOCALCLOUD_STATE_DIR"
STATE_DIR_NAME = ".localcloud"
STATE_FILE_GLOB = "serve-*.json"


def state_directory(start: Path) -> Path | None:
    """$LOCALCLOUD_STATE_DIR, else the nearest `.localcloud/` in `start` or above it."""
    if os.environ.get(STATE_DIR_ENV):
        return Path(os.environ[STATE_DIR_ENV])
    for folder in (start, *start.parents):
        if (folder / STATE_DIR_NAME).is_dir():
            return folder / STATE_DIR_NAME
    return None


def _process_alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError, TypeError):
        return False
    except PermissionError:
        return True
    return True


def _endpoint_answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=3):
            return True
    except urllib.error.HTTPError:
        return True  # something answers HTTP there
    except (OSError, ValueError):
        return False


def _read(path: Path) -> dict[str, Any] | None:
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    needed = {"stack", "endpoint", "region", "pid", "outputs"}
    return state if isinstance(state, dict) and needed <= state.keys() else None


def running_local_clouds(directory: Path) -> list[dict[str, Any]]:
    """The state of every serve whose process is alive and whose endpoint answers."""
    states = [_read(path) for path in sorted(directory.glob(STATE_FILE_GLOB))]
    return [
        s
        for s in states
        if s is not None and _process_alive(s["pid"]) and _endpoint_answers(s["endpoint"])
    ]


def find_local_cloud(stack: str | None, start: Path | None = None) -> dict[str, Any]:
    directory = state_directory(start or Path.cwd())
    running = running_local_clouds(directory) if directory is not None else []
    if stack is not None:
        running = [s for s in running if s["stack"] == stack]
    if not running:
        which = f" for stack {stack!r}" if stack else ""
        raise ConfigurationError(
            f"no local cloud is running{which}: start one with `python -m localcloud serve`"
            " in the repository (or set LOCALCLOUD_STATE_DIR to where its state file is)."
        )
    if len(running) > 1:
        stacks = ", ".join(sorted(s["stack"] for s in running))
        raise ConfigurationError(
            f"local clouds are running for stacks {stacks}: choose one with --local --stack NAME."
        )
    return running[0]
