"""The function's code archive: what Lambda would unpack into /var/task."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pulumi
import pytest
from order_pipeline.lambda_package import (
    ARCHIVE_PACKAGE,
    HANDLER,
    handler_files,
    handler_source_dir,
)
from test_stack_graph import FUNCTION

from harness.program import ProgramRun

ROOT = Path(__file__).resolve().parent.parent


def archive_as_zip(archive: pulumi.AssetArchive) -> bytes:
    """Zip the archive the way Pulumi uploads it: each asset's bytes under its archive path."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, asset in sorted(archive.assets.items()):
            assert isinstance(asset, pulumi.FileAsset), name
            zipped.write(asset.path, name)
    return buffer.getvalue()


def test_function_code_archive_contains_the_handler(run: ProgramRun) -> None:
    archive = run.one(FUNCTION).inputs["code"]
    assert isinstance(archive, pulumi.AssetArchive)
    names = set(archive.assets)
    assert "handler/index.py" in names
    assert "handler/__init__.py" in names
    assert not [n for n in names if "__pycache__" in n or not n.endswith(".py")]
    # Every module of the handler package ships, and nothing else from the repository.
    expected = {f"handler/{p.name}" for p in (ROOT / "handler").glob("*.py")}
    assert names == expected
    assert Path(archive.assets["handler/index.py"].path) == ROOT / "handler" / "index.py"


def test_handler_string_resolves_inside_the_unpacked_archive(
    run: ProgramRun, tmp_path: Path
) -> None:
    zipfile.ZipFile(io.BytesIO(archive_as_zip(run.one(FUNCTION).inputs["code"]))).extractall(
        tmp_path
    )
    module, _, function = HANDLER.rpartition(".")
    # A clean interpreter with only the unpacked code on its path, as on Lambda.
    probe = (
        f"import importlib; m = importlib.import_module({module!r}); assert callable(m.{function})"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r}); {probe}"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr


def test_handler_files_are_found_through_the_installed_package() -> None:
    assert handler_source_dir() == ROOT / "handler"
    assert all(
        name.startswith(f"{ARCHIVE_PACKAGE}/") for name in handler_files(handler_source_dir())
    )


def test_handler_files_leave_out_caches_and_other_files(tmp_path: Path) -> None:
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "index.cpython-311.pyc").write_bytes(b"")
    (tmp_path / "index.py").write_text("")
    (tmp_path / "notes.txt").write_text("")
    assert handler_files(tmp_path) == {"handler/index.py": tmp_path / "index.py"}


def test_handler_files_require_an_index(tmp_path: Path) -> None:
    (tmp_path / "other.py").write_text("")
    with pytest.raises(FileNotFoundError, match=r"no index\.py"):
        handler_files(tmp_path)
