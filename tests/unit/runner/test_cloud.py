"""Credentials from clouds.yaml / OS_* and the Keystone preflight over real sockets."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from refcore.errors import RunnerError
from refcore.runner.cloud import Cloud, cloud_from_env, clouds_yaml_paths, load_cloud, preflight

CLOUDS = """
clouds:
  mine:
    auth:
      auth_url: http://keystone.example:5000
      username: alice
      password: s3cret
      project_name: demo
      domain_id: default
    region_name: RegionTwo
  token-cloud:
    auth_type: token
    auth: {auth_url: http://x, token: abc}
"""


def test_clouds_yaml_entry(tmp_path: Path) -> None:
    path = tmp_path / "clouds.yaml"
    path.write_text(CLOUDS)
    cloud = load_cloud("mine", env={}, paths=[tmp_path / "none.yaml", path])
    assert cloud.username == "alice" and cloud.project_name == "demo"
    assert cloud.user_domain_id == cloud.project_domain_id == "default"
    assert cloud.region_name == "RegionTwo"
    assert cloud.v3_url == "http://keystone.example:5000/v3"
    assert "s3cret" not in repr(cloud)


def test_clouds_yaml_errors(tmp_path: Path) -> None:
    path = tmp_path / "clouds.yaml"
    path.write_text(CLOUDS)
    with pytest.raises(RunnerError, match="cloud 'other' not found"):
        load_cloud("other", env={}, paths=[path])
    with pytest.raises(RunnerError, match="auth_type 'token' is not supported"):
        load_cloud("token-cloud", env={}, paths=[path])
    path.write_text("clouds: [")
    with pytest.raises(RunnerError, match="not valid YAML"):
        load_cloud("mine", env={}, paths=[path])
    # the message says where, never what: PyYAML's own quotes the line (a password here)
    path.write_text('clouds:\n  mine:\n    auth:\n      password: "s3cret\n      x: [\n')
    with pytest.raises(
        RunnerError, match="not valid YAML at line 6, column 1: found unexpected end"
    ) as caught:
        load_cloud("mine", env={}, paths=[path])
    assert "s3cret" not in str(caught.value)


def test_search_order_follows_openstacksdk(tmp_path: Path) -> None:
    env = {"OS_CLIENT_CONFIG_FILE": str(tmp_path / "c.yaml"), "HOME": str(tmp_path)}
    paths = clouds_yaml_paths(env)
    assert paths[0] == tmp_path / "c.yaml"
    assert paths[1] == Path.cwd() / "clouds.yaml"
    assert paths[2] == tmp_path / ".config" / "openstack" / "clouds.yaml"
    assert paths[3] == Path("/etc/openstack/clouds.yaml")
    (tmp_path / "c.yaml").write_text(CLOUDS)
    assert load_cloud(None, env={**env, "OS_CLOUD": "mine"}).username == "alice"


def test_os_env_variables() -> None:
    env = {
        "OS_AUTH_URL": "https://k.example/v3/",
        "OS_USERNAME": "bob",
        "OS_PASSWORD": "pw",
        "OS_PROJECT_NAME": "p",
        "OS_USER_DOMAIN_ID": "default",
        "OS_PROJECT_DOMAIN_ID": "default",
        "OS_REGION_NAME": "R1",
    }
    cloud = load_cloud(None, env=env)
    assert (cloud.username, cloud.region_name, cloud.origin) == ("bob", "R1", "OS_* variables")
    assert cloud.v3_url == "https://k.example/v3"
    with pytest.raises(RunnerError, match="missing password"):
        cloud_from_env({k: v for k, v in env.items() if k != "OS_PASSWORD"})
    with pytest.raises(RunnerError, match="no cloud given"):
        cloud_from_env({})


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cloud(port: int) -> Cloud:
    return Cloud(f"http://127.0.0.1:{port}/v3", "admin", "pw", "admin", origin="test")


def test_preflight_against_a_closed_port() -> None:
    with pytest.raises(RunnerError, match="is unreachable"):
        preflight(_cloud(_closed_port()), timeout=2)


TOKEN = {
    "token": {
        "user": {"id": "u1"},
        "project": {"id": "p1"},
        "roles": [{"name": "member"}, {"name": "admin"}],
        "catalog": [
            {
                "type": "identity",
                "id": "ident-service-id",
                "endpoints": [
                    {"interface": "public", "region_id": "RegionOne", "url": "http://k/v3"}
                ],
            },
            {
                "type": "object-store",
                "id": "swift-id",
                "endpoints": [{"interface": "public", "region_id": "RegionOne", "url": "http://s"}],
            },
        ],
    }
}


class _Keystone(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        password = body["auth"]["identity"]["password"]["user"]["password"]
        if self.path != "/v3/auth/tokens" or password != "pw":
            self.send_response(401)
            self.end_headers()
            return
        data = json.dumps(TOKEN).encode()
        self.send_response(201)
        self.send_header("X-Subject-Token", "tok")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def keystone() -> Iterator[int]:
    server = HTTPServer(("127.0.0.1", 0), _Keystone)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_preflight_reads_token_roles_and_catalog(keystone: int) -> None:
    session = preflight(_cloud(keystone))
    assert session.is_admin
    assert session.service_types() == {"identity", "object-store"}
    assert session.region == "RegionOne"
    assert session.cpid == "ident-service-id"
    assert session.endpoint("object-store").url == "http://s"  # type: ignore[union-attr]


def test_preflight_refused_credentials(keystone: int) -> None:
    cloud = Cloud(f"http://127.0.0.1:{keystone}", "admin", "wrong", "admin", origin="here")
    with pytest.raises(RunnerError, match="refused the credentials of user 'admin'"):
        preflight(cloud)
