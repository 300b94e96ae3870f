"""The state file a running `serve` leaves in .localcloud/ (git-ignored).

Only written here; `order-pipeline --local` (cli/local_state.py) reads it without importing
the local cloud (tests/e2e/test_serve_state_file.py checks the two agree).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.stack_files import PROJECT_ROOT

from .emulator import ACCESS_KEY, SECRET_KEY

# LOCALCLOUD_STATE_DIR moves it (the end-to-end tests use a temporary directory).
STATE_DIR = Path(os.environ.get("LOCALCLOUD_STATE_DIR") or PROJECT_ROOT / ".localcloud")


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
