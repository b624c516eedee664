"""tempest.conf from a preflight's catalog: services, region, credentials."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from refcore.errors import RunnerError
from refcore.runner.cloud import Cloud, CloudSession, Endpoint
from refcore.runner.tempest_conf import render_tempest_conf


def _session(roles: tuple[str, ...], types: tuple[str, ...]) -> CloudSession:
    cloud = Cloud("http://127.0.0.1:5000/v3", "admin", "pw", "admin", origin="t")
    endpoints = tuple(
        Endpoint(t, f"{t}-id", "public", "RegionX", f"http://127.0.0.1/{t}") for t in types
    )
    return CloudSession(cloud, "tok", "u", "p", roles, endpoints)


def _parse(text: str) -> configparser.ConfigParser:
    conf = configparser.ConfigParser(interpolation=None)
    conf.read_string(text)
    return conf


def test_admin_gets_dynamic_credentials(tmp_path: Path) -> None:
    session = _session(("admin", "member"), ("identity", "object-store", "compute"))
    result = render_tempest_conf(session, workspace=tmp_path, swift={"versioned_writes": {}})
    conf = _parse(result.text)
    assert result.dynamic_credentials
    assert conf["auth"]["use_dynamic_credentials"] == "true"
    assert conf["auth"]["admin_username"] == "admin"
    assert conf["identity"]["uri_v3"] == "http://127.0.0.1:5000/v3"
    assert conf["identity"]["region"] == "RegionX"
    assert conf["identity-feature-enabled"]["api_v2"] == "false"
    sa = conf["service_available"]
    assert (sa["swift"], sa["nova"], sa["glance"], sa["cinder"]) == (
        "true",
        "true",
        "false",
        "false",
    )
    assert conf["object-storage"]["reseller_admin_role"] == "ResellerAdmin"
    feature = conf["object-storage-feature-enabled"]
    assert (feature["object_versioning"], feature["container_sync"]) == ("true", "false")


def test_non_admin_needs_static_accounts(tmp_path: Path) -> None:
    session = _session(("member",), ("identity",))
    with pytest.raises(RunnerError, match="not an admin.*--accounts"):
        render_tempest_conf(session, workspace=tmp_path)
    accounts = tmp_path / "accounts.yaml"
    with pytest.raises(RunnerError, match="does not exist"):
        render_tempest_conf(session, workspace=tmp_path, accounts_file=accounts)
    accounts.write_text("- {username: u, project_name: p, password: x}\n")
    result = render_tempest_conf(session, workspace=tmp_path, accounts_file=accounts)
    conf = _parse(result.text)
    assert not result.dynamic_credentials
    assert conf["auth"]["use_dynamic_credentials"] == "false"
    assert conf["auth"]["test_accounts_file"] == str(accounts.resolve())
    assert "admin_password" not in conf["auth"]
    assert "object-storage" not in conf
    assert conf["service_available"]["swift"] == "false"


RECORDED = Path(__file__).parent / "recorded"


def test_from_recorded_answers_of_keystone_30_and_swift_2_38_3(tmp_path: Path) -> None:
    """The catalog and roles from a real Keystone 30 token answer, Swift 2.38.3's real
    /info (both recorded from the sandbox): identity and object storage per service."""
    import json

    from refcore.runner.cloud import session_from_token

    answer = json.loads((RECORDED / "keystone-30-token.json").read_text())
    cloud = Cloud("http://127.0.0.1:5310/v3", "admin", "pw", "admin", origin="recorded")
    session = session_from_token(cloud, "gAAAA-recorded", answer)
    assert session.is_admin and session.service_types() == {"identity", "object-store"}
    identity_id = next(s["id"] for s in answer["token"]["catalog"] if s["type"] == "identity")
    assert session.cpid == identity_id  # refstack-client's cloud id
    assert session.region == "RegionOne"
    info = json.loads((RECORDED / "swift-2.38.3-info.json").read_text())
    conf = _parse(render_tempest_conf(session, workspace=tmp_path, swift=info).text)
    # identity: Keystone's v3 URL and region
    assert conf["identity"]["uri_v3"] == "http://127.0.0.1:5310/v3"
    assert conf["identity"]["region"] == "RegionOne"
    # the catalog's services only: Swift on, compute/network/image/volume off
    sa = conf["service_available"]
    assert [sa[k] for k in ("swift", "nova", "neutron", "glance", "cinder")] == [
        "true", "false", "false", "false", "false",
    ]  # fmt: skip
    # object storage: the features the proxy really runs
    swift_endpoint = session.endpoint("object-store")
    assert swift_endpoint is not None and swift_endpoint.url.endswith(
        "/v1/AUTH_" + session.project_id
    )
    feature = conf["object-storage-feature-enabled"]
    assert feature["object_versioning"] == "true"  # versioned_writes is in /info
    assert feature["container_sync"] == "false"  # container_sync is not
    with pytest.raises(RunnerError, match="did not answer like Keystone v3"):
        session_from_token(cloud, None, answer)
    with pytest.raises(RunnerError, match="did not answer like Keystone v3"):
        session_from_token(cloud, "t", {"error": {"code": 401}})
