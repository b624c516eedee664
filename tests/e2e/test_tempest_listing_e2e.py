"""Tempest's listing follows the tempest.conf it is made with: the real Tempest 47.0.0 (the
sandbox's venv, installed from PyPI once into the venv cache) lists
``test_attach_detach_volume`` with ``slow`` only when ``[validation] run_validation`` is
true, so refcore lists with the run's final configuration and caches per
:func:`refcore.runner.tempest.listing_key` (a cached listing of another configuration made
that required test "not run").

Run: ``REFCORE_E2E=1 .venv/bin/python -m pytest tests/e2e -m e2e``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from refcore.core.testmap import parse_listing
from refcore.runner.sandbox.venvs import Venvs, default_venvs_dir
from refcore.runner.tempest import TempestInstall, Workspace

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.environ.get("REFCORE_E2E") != "1", reason="set REFCORE_E2E=1"),
]

ATTACH = (
    "tempest.api.compute.volumes.test_attach_volume.AttachVolumeTestJSON.test_attach_detach_volume"
)


def _conf(run_validation: bool, password: str, image: str) -> str:
    return (
        "[identity]\nuri_v3 = http://127.0.0.1:5000/v3\nusername = demo\n"
        f"password = {password}\n[compute]\nimage_ref = {image}\n"
        f"[validation]\nrun_validation = {str(run_validation).lower()}\n"
        "[service_available]\nnova = true\ncinder = true\nneutron = true\n"
    )


def _attach_id(listing: str) -> str:
    ids = [i for i in listing.split() if i.startswith(ATTACH + "[")]
    assert len(ids) == 1, ids
    return ids[0]


def test_the_listing_follows_the_final_configuration(tmp_path: Path) -> None:
    venvs = Venvs(default_venvs_dir(), tmp_path / "logs")
    venvs.ensure(["tempest"], print)
    install = TempestInstall(Path(venvs.bin("tempest", "tempest")))
    workspace = Workspace(tmp_path / "ws")
    workspace.init(install)

    without = workspace.list_tests(install, _conf(False, "pw-1", "11111111-aaaa"))
    assert "slow" not in _attach_id(without).split("[", 1)[1]
    # the configuration was written before listing: it is the one the run will use
    assert "run_validation = false" in workspace.conf_path.read_text()

    # another run of the same cloud (new password, new image): the cached listing
    second = workspace.list_tests(install, _conf(False, "pw-2", "22222222-bbbb"))
    assert second == without
    assert len(list(workspace.root.glob("tests-tempest-*.txt"))) == 1

    # run_validation on: listed again, and the id carries `slow`
    with_validation = workspace.list_tests(install, _conf(True, "pw-2", "22222222-bbbb"))
    assert "slow" in _attach_id(with_validation).split("[", 1)[1]
    assert len(list(workspace.root.glob("tests-tempest-*.txt"))) == 2
    # the rest of the listing is the same tests, by name
    assert set(parse_listing(without).by_name) == set(parse_listing(with_validation).by_name)
