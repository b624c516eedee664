"""The layering rules hold, and the public API is what it says it is."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import refcore
import refcore.errors
from refcore.server.deps import DatabaseDep, SessionDep  # annotations of the check's check

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


# -- the server never blocks its event loop (issue 10) ------------------------------------------
def _api_routes(routes):  # type: ignore[no-untyped-def]
    """Every APIRoute under ``routes``, into included routers."""
    from fastapi.routing import APIRoute

    for route in routes:
        inner = getattr(route, "original_router", None)  # an included router
        if inner is not None:
            yield from _api_routes(inner.routes)
        elif isinstance(route, APIRoute):
            yield route


def _loop_offenders(routes) -> list[str]:  # type: ignore[no-untyped-def]
    """Routes whose code would run on the event loop while it touches the database: an
    ``async def`` route, or an ``async def`` dependency, that takes a session or the
    database; and routes not built by the server's route class."""
    import inspect

    from refcore.server import deps
    from refcore.server.routing import Route

    db_calls = {
        deps.SessionDep.__metadata__[0].dependency,
        deps.DatabaseDep.__metadata__[0].dependency,
    }

    def needs_db(dependant) -> bool:  # type: ignore[no-untyped-def]
        return any(d.call in db_calls for d in dependant.dependencies)

    def walk(dependant, where: str):  # type: ignore[no-untyped-def]
        for sub in dependant.dependencies:
            if sub.call not in db_calls and inspect.iscoroutinefunction(sub.call) and needs_db(sub):
                yield f"{where}: async dependency {sub.call.__name__} takes a session"
            yield from walk(sub, where)

    found = []
    for route in _api_routes(routes):
        where = f"{sorted(route.methods)} {route.path}"
        if not isinstance(route, Route):
            found.append(f"{where}: not built by refcore.server.routing.Route")
        endpoint = inspect.unwrap(route.endpoint)
        if inspect.iscoroutinefunction(endpoint) and needs_db(route.dependant):
            found.append(f"{where}: async route {endpoint.__name__} takes a session")
        found.extend(walk(route.dependant, where))
    return found


def test_no_route_touches_the_database_on_the_event_loop():
    """Every route is built by the server's route class (its plain ``def`` routes run in a
    worker that closes their sessions), and no ``async def`` route or dependency takes a
    session or the database: new endpoints keep the rule."""
    from refcore.config import Settings
    from refcore.server.app import create_app

    routes = create_app(Settings(database_url="sqlite:///:memory:")).routes
    assert len(list(_api_routes(routes))) > 100
    assert _loop_offenders(routes) == []


def test_the_event_loop_check_sees_offenders():
    """The check above finds an async route with a session and a router without the class."""
    from fastapi import APIRouter

    from refcore.server.routing import Route

    good, plain = APIRouter(route_class=Route), APIRouter()

    async def on_loop(session: SessionDep) -> None: ...

    def in_worker(db: DatabaseDep) -> None: ...

    good.get("/a")(on_loop)
    good.get("/b")(in_worker)
    plain.get("/c")(in_worker)
    found = _loop_offenders([*good.routes, *plain.routes])
    assert found == [
        "['GET'] /a: async route on_loop takes a session",
        "['GET'] /c: not built by refcore.server.routing.Route",
    ]


def test_server_code_takes_no_session_in_async_functions():
    """Source check, for helpers too: no ``async def`` under refcore/server has a
    parameter annotated with the session or the database."""
    import ast

    found = []
    for path in (ROOT / "refcore" / "server").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.AsyncFunctionDef):
                for arg in [*node.args.args, *node.args.kwonlyargs]:
                    note = ast.unparse(arg.annotation) if arg.annotation else ""
                    if any(name in note for name in ("SessionDep", "DatabaseDep", "Session")):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert found == []
