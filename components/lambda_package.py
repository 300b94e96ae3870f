"""The Lambda deployment package, built from the handler package that ships with this one.

The handler is found through the import system, not the working directory, so a
project that installs order-pipeline and imports the component packages the same
code as `pulumi up` in this repository does.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pulumi

# Inside the archive the code keeps its package folder, so the handler's relative
# imports work on Lambda exactly as they do in tests.
ARCHIVE_PACKAGE = "handler"
HANDLER = f"{ARCHIVE_PACKAGE}.index.lambda_handler"


def handler_source_dir() -> Path:
    spec = importlib.util.find_spec(f"{__package__}.handler")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"the {__package__}.handler package is not installed")
    return Path(spec.origin).parent


def handler_files(source_dir: Path) -> dict[str, Path]:
    """Archive path -> file, for the handler's Python sources only.

    Listing files (rather than archiving the folder) keeps __pycache__ and editor
    files out, so the archive and its hash only change when the code does.
    """
    files = {
        f"{ARCHIVE_PACKAGE}/{path.relative_to(source_dir).as_posix()}": path
        for path in sorted(source_dir.rglob("*.py"))
        if "__pycache__" not in path.parts
    }
    if f"{ARCHIVE_PACKAGE}/index.py" not in files:
        raise FileNotFoundError(f"no index.py in {source_dir}")
    return files


def code_archive() -> pulumi.AssetArchive:
    return pulumi.AssetArchive(
        {
            name: pulumi.FileAsset(str(path))
            for name, path in handler_files(handler_source_dir()).items()
        }
    )
