"""The discovery's own parts, on what python-tempestconf 3.5.4 really wrote and logged
against the sandbox (Keystone 30 + Swift 2.38.3): the resources it created, the
passwords it logs, every value shown with its source, the user's overrides on top."""

from __future__ import annotations

from pathlib import Path

import pytest

from refcore.errors import RunnerError
from refcore.runner.discovery import (
    Choice,
    Created,
    apply_settings,
    conf_items,
    created_resources,
    read_overrides,
    redact_log,
)

RECORDED = Path(__file__).parent / "recorded"


@pytest.fixture(scope="module")
def conf() -> str:
    return (RECORDED / "tempest-sandbox.conf").read_text()


def test_created_resources_from_the_real_log():
    log = (RECORDED / "tempestconf-sandbox.log").read_text()
    assert created_resources(log) == [
        Created("project", "demo"),
        Created("user", "demo_tempestconf"),
        Created("project", "alt_demo"),
        Created("user", "alt_demo_tempestconf"),
    ]
    # and what it logs when a compute and image service are there (same message formats)
    more = "INFO Creating flavor 'm1.nano'\nINFO Creating image 'cirros.img_alt'\nINFO Creating member role"
    assert created_resources(more) == [
        Created("flavor", "m1.nano"),
        Created("image", "cirros.img_alt"),
        Created("role", "member"),
    ]


def test_passwords_in_the_log_are_blanked():
    raw = (
        "2026-12-03 02:37:08.856 4325 DEBUG config_tempest.constants [-] Setting [identity] "
        "password = s3cret-Pw set /x/tempest_conf.py:105\n"
        "2026-12-03 02:37:10.938 4325 INFO config_tempest.constants [-] Creating user "
        "'demo_tempestconf' with project 'demo' and password 'Xy1!pw'\n"
    )
    out = redact_log(raw)
    assert "s3cret" not in out and "Xy1!pw" not in out
    assert "password = ***" in out and "password '***'" in out
    assert created_resources(out) == [
        Created("project", "demo"),
        Created("user", "demo_tempestconf"),
    ]
    # the recorded log was written through it: no password survives
    log = (RECORDED / "tempestconf-sandbox.log").read_text()
    assert all(
        line.rstrip().endswith("***") or "password '***'" in line
        for line in log.splitlines()
        if "password =" in line or "and password" in line
    )


def test_what_the_discovery_chose_for_the_sandbox(conf):
    values = {(s, k): v for s, k, v in conf_items(conf)}
    available = {k for (s, k), v in values.items() if s == "service_available" and v == "True"}
    assert available == {"swift"}  # the catalog has identity and object-store only
    assert values[("identity", "uri_v3")].endswith("/v3")
    assert values[("identity-feature-enabled", "api_v3")] == "True"
    # Swift's /info: the middlewares the tests need, as the proxy runs them
    apis = set(values[("object-storage-feature-enabled", "discoverable_apis")].split(","))
    assert {"slo", "tempurl", "versioned_writes", "bulk_delete", "symlink"} <= apis
    assert values[("object-storage", "reseller_admin_role")] == "ResellerAdmin"


def test_refcore_settings_and_overrides_win_and_every_value_keeps_its_source(conf, tmp_path):
    choices = [Choice(s, k, v, "discovered") for s, k, v in conf_items(conf)]
    text, choices = apply_settings(
        conf,
        choices,
        [("DEFAULT", "log_dir", "/ws/logs"), ("oslo_concurrency", "lock_path", "/ws/locks")],
        "refcore",
    )
    override = tmp_path / "mine.ini"
    override.write_text(
        "[compute-feature-enabled]\nresize = true\n[object-storage]\noperator_role = member\n"
    )
    text, choices = apply_settings(text, choices, read_overrides(override), "override")
    values = {(s, k): v for s, k, v in conf_items(text)}
    assert values[("object-storage", "operator_role")] == "member"
    assert values[("compute-feature-enabled", "resize")] == "true"
    assert values[("DEFAULT", "log_dir")] == "/ws/logs"
    source = {(c.section, c.key): c.source for c in choices}
    assert source[("object-storage", "operator_role")] == "override"
    assert source[("DEFAULT", "log_dir")] == "refcore"
    assert source[("identity", "uri_v3")] == "discovered"
    # one choice per value of the file, in the file's order
    assert [(c.section, c.key) for c in choices] == [(s, k) for s, k, _ in conf_items(text)]
    shown = {(c.section, c.key): c.shown for c in choices}
    assert shown[("auth", "admin_password")] == "***"
    assert shown[("identity", "username")] == "demo_tempestconf"


def test_bad_override_files(tmp_path):
    empty = tmp_path / "empty.ini"
    empty.write_text("# nothing\n")
    with pytest.raises(RunnerError, match="sets nothing"):
        read_overrides(empty)
    broken = tmp_path / "broken.ini"
    broken.write_text("resize = true\n")
    with pytest.raises(RunnerError, match="not an ini file"):
        read_overrides(broken)
    with pytest.raises(RunnerError, match="cannot read"):
        read_overrides(tmp_path / "missing.ini")


def test_operator_role_comes_from_the_static_accounts(tmp_path):
    from refcore.runner.testrun import operator_role

    accounts = tmp_path / "accounts.yaml"
    # the shape of the sandbox's accounts.yaml: members, and members with ResellerAdmin
    accounts.write_text(
        "".join(
            f"- username: t{i}\n  project_name: t{i}\n  password: x\n  domain_name: Default\n"
            f"  roles:\n  - member\n" + ("  - ResellerAdmin\n" if i > 5 else "")
            for i in range(9)
        )
    )
    assert operator_role(accounts) == "member"
    accounts.write_text("- username: a\n  password: x\n")
    assert operator_role(accounts) is None
    accounts.write_text(": not yaml [")
    assert operator_role(accounts) is None
