"""The emulator stays apart: only the end-to-end tests import `localcloud`.

Unit tests (Pulumi mocks), handler tests (moto) and CLI tests share neutral helpers
from harness/; importing the local cloud there would make them depend on it again.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
END_TO_END = TESTS / "e2e"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def imports_of_localcloud_outside_e2e() -> list[str]:
    return sorted(
        f"{path.relative_to(TESTS)} imports {name}"
        for path in TESTS.rglob("*.py")
        if END_TO_END not in path.parents
        for name in _imported_modules(path)
        if name == "localcloud" or name.startswith("localcloud.")
    )


def test_no_test_outside_e2e_imports_the_local_cloud() -> None:
    assert imports_of_localcloud_outside_e2e() == []


def test_the_check_sees_an_import_of_the_local_cloud(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import json\nfrom localcloud.state import ServeState\n")
    assert "localcloud.state" in _imported_modules(probe)
