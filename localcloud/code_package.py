"""Deployment packages: a Pulumi archive -> zip bytes (as the provider uploads), and back to files.

The zip is built from exactly the assets the component put in the function's `code`
input; the function runtime later extracts the package the emulator holds, so what
runs locally is what was deployed.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import pulumi
from order_pipeline.lambda_package import ARCHIVE_PACKAGE, handler_files

# A fixed timestamp keeps the zip (and its CodeSha256) a function of the files only.
_EPOCH = (1980, 1, 1, 0, 0, 0)


class UnsupportedAssetError(ValueError):
    pass


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def _files_of(archive: Any, prefix: str = "") -> dict[str, bytes]:
    """Archive path -> content for a Pulumi AssetArchive / FileArchive (recursively)."""
    if isinstance(archive, pulumi.AssetArchive):
        files: dict[str, bytes] = {}
        for name, member in archive.assets.items():
            path = f"{prefix}{name}"
            if isinstance(member, pulumi.FileAsset):
                files[path] = Path(member.path).read_bytes()
            elif isinstance(member, pulumi.StringAsset):
                files[path] = member.text.encode()
            elif isinstance(member, pulumi.Archive):
                files.update(_files_of(member, prefix=f"{path.rstrip('/')}/"))
            else:
                raise UnsupportedAssetError(
                    f"code asset {path!r} is a {type(member).__name__}; the local cloud packages "
                    "FileAsset, StringAsset, AssetArchive and FileArchive only"
                )
        return files
    if isinstance(archive, pulumi.FileArchive):
        source = Path(archive.path)
        if source.is_dir():
            return {
                f"{prefix}{p.relative_to(source).as_posix()}": p.read_bytes()
                for p in sorted(source.rglob("*"))
                if p.is_file()
            }
        with zipfile.ZipFile(source) as zf:
            return {f"{prefix}{n}": zf.read(n) for n in zf.namelist() if not n.endswith("/")}
    raise UnsupportedAssetError(
        f"code is a {type(archive).__name__}; "
        "the local cloud packages AssetArchive and FileArchive only"
    )


def zip_archive(archive: Any) -> bytes:
    """The deployment package for a Pulumi archive, as a zip (deterministic bytes)."""
    files = _files_of(archive)
    if not files:
        raise UnsupportedAssetError("code archive is empty")
    return _zip(files)


def zip_directory(source: Path, package: str) -> bytes:
    """A package from a directory of Python files, under `package/` (the test seam).

    The files are chosen as the component chooses the handler's (handler_files).
    """
    return _zip(
        {
            f"{package}/{name.removeprefix(f'{ARCHIVE_PACKAGE}/')}": path.read_bytes()
            for name, path in handler_files(source).items()
        }
    )


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in sorted(files):
            _add(zf, name, files[name])
    return buffer.getvalue()


def extract(package: bytes, target: Path) -> Path:
    """Unpack a deployment package into `target` (refusing paths that escape it)."""
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        for name in zf.namelist():
            parts = PurePosixPath(name).parts
            if name.startswith("/") or ".." in parts:
                raise ValueError(f"unsafe path in deployment package: {name!r}")
        zf.extractall(target)
    return target
