"""The state file a running `serve` leaves in .localcloud/ (git-ignored) for other subcommands."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.stack_files import PROJECT_ROOT

from .emulator import ACCESS_KEY, SECRET_KEY

# LOCALCLOUD_STATE_DIR moves it (the end-to-end tests use a temporary directory).
STATE_DIR = Path(os.environ.get("LOCALCLOUD_STATE_DIR") or PROJECT_ROOT / ".localcloud")


class NoRunningServeError(RuntimeError):
    pass


@dataclass
class ServeState:
    stack: str
    endpoint: str
    region: str
    pid: int
    outputs: dict[str, Any]
    settings: dict[str, Any]
    # The emulator accepts any keys; clients such as `order-pipeline --local` use these.
    access_key_id: str = ACCESS_KEY
    secret_access_key: str = SECRET_KEY

    @staticmethod
    def path_for(stack: str, directory: Path = STATE_DIR) -> Path:
        return directory / f"serve-{stack}.json"

    def write(self, directory: Path = STATE_DIR) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = self.path_for(self.stack, directory)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(self), indent=2, default=str) + "\n")
        temporary.replace(path)
        return path

    @classmethod
    def read(cls, path: Path) -> ServeState:
        return cls(**json.loads(path.read_text()))


def _alive(state: ServeState) -> bool:
    try:
        os.kill(state.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        with urllib.request.urlopen(f"{state.endpoint}/moto-api/", timeout=3):
            return True
    except urllib.error.HTTPError:
        return True  # something answers HTTP there
    except OSError:
        return False


def find_running(stack: str | None, directory: Path = STATE_DIR) -> ServeState:
    """The running serve for `stack` (or the only one running when no stack is given)."""
    candidates = (
        [ServeState.path_for(stack, directory)] if stack else sorted(directory.glob("serve-*.json"))
    )
    running = []
    for path in candidates:
        if not path.is_file():
            continue
        try:
            state = ServeState.read(path)
        except (ValueError, TypeError):
            path.unlink(missing_ok=True)  # not a state file we can use
            continue
        if _alive(state):
            running.append(state)
        else:
            path.unlink(missing_ok=True)  # left behind by a serve that was killed
    if not running:
        which = f"stack {stack!r}" if stack else "any stack"
        raise NoRunningServeError(
            f"no running `serve` for {which}; start one with: make local"
            + (f" STACK={stack}" if stack else "")
        )
    if len(running) > 1:
        raise NoRunningServeError(
            f"serves are running for stacks {[s.stack for s in running]}; pick one with --stack"
        )
    return running[0]
