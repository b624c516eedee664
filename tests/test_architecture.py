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
