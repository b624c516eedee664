"""The compute program's configuration files: each parses, and each option sits in the
section its service reads it from (an option written after another section's header is
silently ignored: Neutron then says "core_plugin not configured")."""

from __future__ import annotations

import configparser
from pathlib import Path

from refcore.runner.sandbox import compute_configs as cc
from refcore.runner.sandbox.ports import Ports


def _parse(text: str) -> configparser.ConfigParser:
    conf = configparser.ConfigParser(interpolation=None, strict=True)
    conf.read_string(text)
    return conf


def _ctx(tmp_path: Path) -> cc.Context:
    names = ("placement", "glance", "neutron", "nova_api", "nova", "nova_cell0", "cinder")
    return cc.Context(
        root=tmp_path,
        ports=Ports(),
        password="pw",
        transport_url="rabbit://guest:guest@127.0.0.1:5672/v",
        databases={n: f"mysql+pymysql://root@127.0.0.1:3306/x_{n}" for n in names},
    )


def test_each_option_is_in_its_section(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    glance = _parse(cc.glance_conf(ctx))
    assert glance["DEFAULT"]["enabled_backends"] == "file1:file"
    assert glance["file1"]["filesystem_store_datadir"] == str(tmp_path / "glance" / "images")
    neutron = _parse(cc.neutron_conf(ctx))
    assert neutron["DEFAULT"]["core_plugin"] == "ml2"
    assert neutron["DEFAULT"]["transport_url"] == ctx.transport_url
    assert neutron["nova"]["username"] == "nova"
    assert _parse(cc.ml2_conf())["ml2"]["mechanism_drivers"] == "refcore_fake"
    nova = _parse(cc.nova_conf(ctx))
    assert nova["DEFAULT"]["compute_driver"] == "refcore_fake.RefcoreFakeDriver"
    assert nova["api_database"]["connection"].endswith("x_nova_api")
    assert nova["database"]["connection"].endswith("x_nova")
    assert nova["service_user"]["send_service_user_token"] == "true"
    for section in ("keystone_authtoken", "placement", "neutron", "cinder", "service_user"):
        assert nova[section]["password"] == "pw", section
    cinder = _parse(cc.cinder_conf(ctx, tmp_path / "venv"))
    assert cinder["DEFAULT"]["enabled_backends"] == "fake"
    assert cinder["fake"]["volume_driver"] == "refcore_sandbox_cinder.RefcoreFakeVolumeDriver"
    placement = _parse(cc.placement_conf(ctx))
    assert placement["placement_database"]["connection"].endswith("x_placement")
    assert placement["keystone_authtoken"]["memcached_servers"] == "127.0.0.1:11211"
    assert "transport_url" not in placement["DEFAULT"]
