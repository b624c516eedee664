"""Which tempest.conf changes make refcore list Tempest's tests again (listing_key): the
switches Tempest reads when it imports its tests, not the per-run credentials and ids."""

from __future__ import annotations

from pathlib import Path

from refcore.runner.discovery import apply_settings
from refcore.runner.tempest import listing_key

RECORDED = Path(__file__).parent / "recorded"


def _with(text: str, *settings: tuple[str, str, str]) -> str:
    return apply_settings(text, [], settings, "test")[0]


def test_a_second_run_of_the_same_cloud_reuses_the_listing() -> None:
    # what differs between two discovered configurations of one cloud: the users and
    # passwords, the images and flavors the discovery created, the workspace's paths
    first = (RECORDED / "tempest-sandbox.conf").read_text()
    second = _with(
        first,
        ("identity", "password", "a-new-random-one"),
        ("identity", "username", "demo_tempestconf_2"),
        ("auth", "admin_project_id", "0d9f5c0e8b9c4bde9a8c2c7c2a0b2b11"),
        ("compute", "image_ref", "5f0c8a5e-1c7b-4a1e-9f0e-1d2c3b4a5e6f"),
        ("compute", "image_ref_alt", "6a1d9b6f-2d8c-4b2f-8a1f-2e3d4c5b6a7f"),
        ("compute", "flavor_ref", "42"),
        ("network", "public_network_id", "c3f0a1e2-9d8c-4b7a-8f6e-5d4c3b2a1f0e"),
        ("oslo_concurrency", "lock_path", "/elsewhere/locks"),
        ("DEFAULT", "log_dir", "/elsewhere/logs"),
    )
    assert second != first
    assert listing_key(second) == listing_key(first)


def test_a_switch_read_at_import_lists_again() -> None:
    # Tempest 47.0.0 reads these when it imports its tests: test_attach_detach_volume's
    # id carries `slow` only with run_validation, two negative tests depend on neutron,
    # test_volume_swap's on min_compute_nodes
    base = (RECORDED / "tempest-sandbox.conf").read_text()
    keys = {
        listing_key(base),
        listing_key(_with(base, ("validation", "run_validation", "false"))),
        listing_key(_with(base, ("validation", "run_validation", "true"))),
        listing_key(_with(base, ("service_available", "neutron", "True"))),
        listing_key(_with(base, ("compute", "min_compute_nodes", "2"))),
    }
    assert len(keys) == 5


def test_spelling_and_order_do_not_matter() -> None:
    one = "[validation]\nrun_validation = False\n\n[compute]\nmin_compute_nodes = 1\n"
    two = "[compute]\nmin_compute_nodes=1\n[validation]\nrun_validation=false\n"
    assert listing_key(one) == listing_key(two)
    assert listing_key(one) != listing_key(one.replace("False", "True"))
