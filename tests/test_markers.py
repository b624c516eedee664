"""The markers select what they say (issue 10): pytest is run as a user would, in a
subprocess, with ``--collect-only``; the browser marker is applied while collecting, so
``-m`` sees it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def collected(*args: str) -> list[str]:
    """The test ids ``pytest --collect-only ARGS`` selects."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # 0: collected; 5: nothing selected (a valid answer to check)
    assert done.returncode in (0, 5), done.stdout[-3000:] + done.stderr[-3000:]
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_browser_marker_selects_the_browser_tests() -> None:
    everything = collected("tests/browser", "tests/functional/web/test_error_answers.py")
    browser = [t for t in everything if t.startswith("tests/browser/")]
    assert browser and len(browser) < len(everything)
    # docs/web.md: `pytest tests/browser -m browser` runs them
    assert collected("tests/browser", "-m", "browser") == browser
    # and `-m "not browser"` leaves every one of them out, and nothing else
    others = collected(
        "tests/browser", "tests/functional/web/test_error_answers.py", "-m", "not browser"
    )
    assert sorted(others) == sorted(t for t in everything if t not in browser)


def test_e2e_marker_selects_the_end_to_end_tests() -> None:
    e2e = collected("tests/e2e", "-m", "e2e")
    assert e2e and all(t.startswith("tests/e2e/") for t in e2e)
    assert collected("tests/e2e", "-m", "not e2e") == []


def _e2e_module():  # type: ignore[no-untyped-def]
    import importlib.util

    path = ROOT / "tests" / "e2e" / "test_sandbox_e2e.py"
    spec = importlib.util.spec_from_file_location("sandbox_e2e", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module, path.read_text()


def test_e2e_tests_skip_only_when_not_asked_for() -> None:
    """Only REFCORE_E2E may skip them: a server without ``serve`` or ``/v2/runs`` fails."""
    module, text = _e2e_module()
    assert "pytest.skip(" not in text and "importorskip" not in text
    skips = [m for m in module.pytestmark if m.name == "skipif"]
    assert len(skips) == 1 and skips[0].kwargs["reason"] == "set REFCORE_E2E=1"
    assert text.count("skipif(") == 1


def test_e2e_fails_when_the_server_lacks_v2_runs() -> None:
    import json

    import pytest
    from archive_server import ArchiveServer

    module, _ = _e2e_module()
    server = ArchiveServer()
    try:
        good = {"paths": {"/v2/runs": {"post": {}, "get": {}}}}
        server.routes["/openapi.json"] = (200, {}, json.dumps(good).encode())
        module.require_v2_runs(server.url)
        for broken in ({"paths": {"/v2/runs": {"get": {}}}}, {"paths": {}}):
            server.routes["/openapi.json"] = (200, {}, json.dumps(broken).encode())
            with pytest.raises(AssertionError, match="no POST /v2/runs"):
                module.require_v2_runs(server.url)
        server.routes["/openapi.json"] = (500, {}, b"boom")
        with pytest.raises(AssertionError, match="500"):
            module.require_v2_runs(server.url)
    finally:
        server.close()
