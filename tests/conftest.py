"""Fixtures shared by every test: where the real data lives, guidelines loaded once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REFCORE_SHARED", ROOT.parent / "shared")).resolve()
INTEROP = SHARED / "interop"
SAMPLES = SHARED / "samples"


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Never read or write the developer's real cache."""
    os.environ["REFCORE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def interop_dir(shared_dir: Path) -> Path:
    return shared_dir / "interop"


@pytest.fixture(scope="session")
def samples_dir(shared_dir: Path) -> Path:
    return shared_dir / "samples"


@pytest.fixture(scope="session")
def guidelines(interop_dir: Path):  # type: ignore[no-untyped-def]
    """Every real guideline, loaded once for the session."""
    from refcore.sources import load_guidelines

    return load_guidelines(interop_dir, use_cache=False)
