"""The configuration discovered for each service of a whole Platform cloud, checked against
what that cloud really answered.

Recorded from the platform sandbox (Keystone 30, Nova 34, Neutron 29, Glance 33, Cinder 29,
Placement 16, Swift 2.38.3) with ``recorded/record.py`` just before a ``refcore test
--target platform`` run, whose discovered tempest.conf (python-tempestconf 3.5.4, passwords
blanked) and log are ``tempest-platform.conf`` / ``tempestconf-platform.log``. The flavors
and images were recorded just after the discovery had created its own, the networks
after the run. No token or
password is in any of them.
"""

from __future__ import annotations

import configparser
import json
from pathlib import Path
from typing import Any

import pytest

from refcore.runner.cloud import Cloud, CloudSession, session_from_token
from refcore.runner.discovery import Created, conf_items, created_resources
from refcore.runner.tempest import listing_key
from refcore.runner.tempest_conf import render_tempest_conf

RECORDED = Path(__file__).parent / "recorded"


def _answer(stem: str) -> Any:
    record = json.loads((RECORDED / f"{stem}.json").read_text())
    assert record["status"] in (200, 300), record["request"]
    return record["body"]


@pytest.fixture(scope="module")
def conf() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string((RECORDED / "tempest-platform.conf").read_text())
    return parser


@pytest.fixture(scope="module")
def session() -> CloudSession:
    cloud = Cloud("http://127.0.0.1:5000/v3", "admin", "pw", "admin", origin="recorded")
    return session_from_token(cloud, "gAAAA-recorded", _answer_of_token())


def _answer_of_token() -> Any:
    return json.loads((RECORDED / "keystone-30-platform-token.json").read_text())


def test_no_secret_was_recorded() -> None:
    for path in RECORDED.iterdir():
        text = path.read_text()
        assert "gAAAA" not in text, path.name  # a Fernet token
        for section, key, value in conf_items(text) if path.suffix == ".conf" else []:
            if "password" in key:
                assert value == "***", (path.name, section, key)


def test_the_catalog_and_the_services_available(
    conf: configparser.ConfigParser, session: CloudSession, tmp_path: Path
) -> None:
    assert session.is_admin
    assert session.service_types() == {
        "identity", "compute", "network", "image", "volumev3", "block-storage", "placement",
        "object-store",
    }  # fmt: skip
    on = {k for k, v in conf["service_available"].items() if v == "True"}
    assert on == {"nova", "neutron", "glance", "cinder", "swift", "placement"}
    # refcore's own file (--no-discover) says the same of the five it writes
    own = configparser.ConfigParser(interpolation=None)
    own.read_string(render_tempest_conf(session, workspace=tmp_path).text)
    assert {k for k, v in own["service_available"].items() if v == "true"} == {
        "nova", "neutron", "glance", "cinder", "swift",
    }  # fmt: skip


def test_compute(conf: configparser.ConfigParser) -> None:
    version = _answer("nova-34-version")["version"]
    assert (version["min_version"], version["version"]) == ("2.1", "2.104")
    compute = conf["compute"]
    # the microversions: the v2.1 document's range (v2.0 is DEPRECATED and not counted)
    versions = _answer("nova-34-versions")["versions"]
    current = [v for v in versions if v["status"] != "DEPRECATED"]
    assert [v["id"] for v in current] == ["v2.1"]
    assert (compute["min_microversion"], compute["max_microversion"]) == ("2.1", "2.104")
    # one compute host among os-hosts (the scheduler and conductor are not counted)
    hosts = _answer("nova-34-hosts")["hosts"]
    assert compute["min_compute_nodes"] == str(sum(h["service"] == "compute" for h in hosts))
    # with one host, resize is not discovered: it is the sandbox's override
    assert conf["compute-feature-enabled"]["resize"] == "true"
    # the flavors and images are the discovery's own (recorded just after it ran):
    # flavors 'custom' and 'custom_alt' beside the sandbox's, and two uploads of --image
    # beside the sandbox's placeholder
    flavors = {f["id"]: f["name"] for f in _answer("nova-34-flavors")["flavors"]}
    assert sorted(flavors.values()) == ["custom", "custom_alt", "m1.micro", "m1.nano"]
    assert (flavors[compute["flavor_ref"]], flavors[compute["flavor_ref_alt"]]) == (
        "custom",
        "custom_alt",
    )
    images = {i["id"]: i for i in _answer("glance-33-images")["images"]}
    assert (images[compute["image_ref"]]["name"], images[compute["image_ref_alt"]]["name"]) == (
        "placeholder.raw",
        "placeholder.raw_alt",
    )
    # uploaded from the file --image named, as raw (its suffix), like the sandbox's own
    placeholder = next(i for i in images.values() if i["name"] == "refcore-placeholder")
    for ref in (compute["image_ref"], compute["image_ref_alt"]):
        assert images[ref]["disk_format"] == "raw"
        assert images[ref]["checksum"] == placeholder["checksum"]


def test_network(conf: configparser.ConfigParser) -> None:
    aliases = {e["alias"] for e in _answer("neutron-29-extensions")["extensions"]}
    discovered = set(conf["network-feature-enabled"]["api_extensions"].split(","))
    assert discovered == aliases and len(aliases) == 84
    assert {"router", "external-net", "binding", "security-group", "quotas"} <= aliases
    # the external network --network named
    external = [n for n in _answer("neutron-29-networks")["networks"] if n["router:external"]]
    assert [n["name"] for n in external] == ["public"]
    assert conf["network"]["public_network_id"] == external[0]["id"]
    assert conf["network"]["floating_network_name"] == "public"


def test_image(conf: configparser.ConfigParser) -> None:
    ids = {v["id"] for v in _answer("glance-33-versions")["versions"]}
    assert all(i.startswith("v2.") for i in ids)  # no v1 any more
    feature = conf["image-feature-enabled"]
    assert (feature["api_v1"], feature["api_v2"]) == ("False", "True")
    # /v2/info/stores answers (one file store): image import is on
    assert _answer("glance-33-stores")["stores"] == [{"id": "file1", "default": "true"}]
    assert feature["import_image"] == "True"
    assert "glance-direct" in _answer("glance-33-import")["import-methods"]["value"]
    # the sandbox's override: its placeholder image is raw zeros, not a real disk
    assert feature["image_format_enforcement"] == "false"


def test_volume(conf: configparser.ConfigParser) -> None:
    (v3,) = _answer("cinder-29-versions")["versions"]
    volume = conf["volume"]
    assert (
        (volume["min_microversion"], volume["max_microversion"])
        == (
            v3["min_version"],
            v3["version"],
        )
        == ("3.0", "3.71")
    )
    # the backend of the pool 'host@backend#pool'
    pools = [p["name"] for p in _answer("cinder-29-pools")["pools"]]
    assert pools == ["refcore-sandbox@fake#fake"]
    assert volume["backend_names"] == "fake"
    aliases = {e["alias"] for e in _answer("cinder-29-extensions")["extensions"]}
    assert set(conf["volume-feature-enabled"]["api_extensions"].split(",")) == aliases
    # no cinder-backup service: the backup tests are off
    assert _answer("cinder-29-backup-services")["services"] == []
    assert conf["volume-feature-enabled"]["backup"] == "False"


def test_placement(conf: configparser.ConfigParser) -> None:
    (v1,) = _answer("placement-16-versions")["versions"]
    assert (
        (conf["placement"]["min_microversion"], conf["placement"]["max_microversion"])
        == (
            v1["min_version"],
            v1["max_version"],
        )
        == ("1.0", "1.39")
    )


def test_what_the_discovery_created_is_what_refcore_deletes() -> None:
    log = (RECORDED / "tempestconf-platform.log").read_text()
    assert created_resources(log) == [
        Created("project", "demo"),
        Created("user", "demo_tempestconf"),
        Created("project", "alt_demo"),
        Created("user", "alt_demo_tempestconf"),
        Created("flavor", "custom"),
        Created("flavor", "custom_alt"),
        Created("image", "placeholder.raw"),
        Created("image", "placeholder.raw_alt"),
    ]


def test_the_listing_is_made_without_validation(conf: configparser.ConfigParser) -> None:
    # the sandbox's override turns validation off: the listing is the one of that
    # configuration, not of the discovered file before the override
    assert conf["validation"]["run_validation"] == "false"
    text = (RECORDED / "tempest-platform.conf").read_text()
    assert listing_key(text) != listing_key(text.replace("run_validation = false", ""))
