"""The layering rules hold, and the public API is what it says it is."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import refcore
import refcore.errors

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    p = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Contracts: " in p.stdout and " broken" in p.stdout and "0 broken" in p.stdout


def test_core_imports_no_outside_library():
    """Belt and braces for the contract: no core module names a forbidden library."""
    forbidden = (
        "sqlalchemy",
        "fastapi",
        "starlette",
        "click",
        "rich",
        "httpx",
        "jinja2",
        "uvicorn",
    )
    for path in (ROOT / "refcore" / "core").rglob("*.py"):
        text = path.read_text()
        for lib in forbidden:
            assert f"import {lib}" not in text and f"from {lib}" not in text, (path, lib)


#: standard-library modules that reach outside the process (files, network, processes,
#: databases, threads): the core takes bytes and returns values, so it imports none of them
STDLIB_IO = frozenset(
    {
        "asyncio", "dbm", "ftplib", "glob", "http", "mmap", "multiprocessing", "os", "pathlib",
        "poplib", "select", "selectors", "shelve", "shutil", "signal", "smtplib", "socket",
        "socketserver", "sqlite3", "ssl", "subprocess", "tempfile", "threading", "urllib",
        "webbrowser", "zipfile", "tarfile",
    }
)  # fmt: skip


def _imported_modules(path: Path) -> set[str]:
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_core_imports_no_stdlib_io_module():
    """import-linter sees only packages; this walks every import statement of the core
    (function-level ones too) for the standard library's I/O modules."""
    found = {
        (path.relative_to(ROOT).as_posix(), name)
        for path in (ROOT / "refcore" / "core").rglob("*.py")
        for name in _imported_modules(path)
        if name.split(".")[0] in STDLIB_IO
    }
    assert not found, f"the core must not do I/O: {sorted(found)}"


def test_stdlib_io_check_sees_io(tmp_path: Path):
    """The walk above finds an I/O import wherever it hides (so it cannot pass vacuously)."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import socket\n    from os import path\n")
    assert {"socket", "os"} <= _imported_modules(module)


def test_public_api_is_exported():
    assert sorted(refcore.__all__, key=str.casefold) == sorted(
        [*refcore._EXPORTS, "__version__"], key=str.casefold
    )
    for name in refcore.__all__:
        assert getattr(refcore, name) is not None


def test_exception_tree_is_documented():
    import textwrap

    doc = refcore.errors.__doc__ or ""
    documented = (ROOT / "docs" / "exceptions.md").read_text()
    tree = textwrap.dedent(doc[doc.index("    RefcoreError\n") : doc.index("``ServiceError``")])
    assert tree.rstrip() in documented, "docs/exceptions.md must show the tree of refcore/errors.py"
    for name in refcore.errors.__all__:
        cls = getattr(refcore.errors, name)
        assert issubclass(cls, refcore.errors.RefcoreError)
        assert name in doc, f"{name} missing from the errors module docstring"
        assert name in documented, f"{name} missing from docs/exceptions.md"
