"""Bringing up the compute program's services beside Keystone: Placement, Glance,
Neutron, Nova and Cinder, each from its own venv, each API under gunicorn, their catalog
entries registered only once they answer (python-tempestconf refuses a catalog that
lists a service that is not running), then what Tempest expects of a cloud: flavors, an
external network ``public`` and a public image."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from refcore.errors import RunnerError

from . import compute_configs as cc
from . import plugins, procs
from .identity import IdentitySetup
from .ports import HOST

if TYPE_CHECKING:
    from .manager import Sandbox

__all__ = ["ComputeSetup", "PLACEHOLDER_IMAGE"]

#: Nova's flavors for Tempest (flavor_ref, flavor_ref_alt): tiny, the driver is fake
FLAVORS = (("42", "m1.nano", 64, 1, 1), ("84", "m1.micro", 128, 1, 1))
PLACEHOLDER_IMAGE = "refcore-placeholder"
IMAGE_BYTES = 1024 * 1024


class ComputeSetup:
    def __init__(self, box: Sandbox, databases: dict[str, str]) -> None:
        self.box = box
        self.ctx = cc.Context(
            root=box.root,
            ports=box.ports,
            password=str(box.state["service_password"]),
            transport_url=(f"rabbit://guest:guest@{HOST}:{box.ports.rabbitmq}/{box.vhost}"),
            databases=databases,
        )

    def url(self, port_name: str, path: str = "") -> str:
        return f"http://{HOST}:{self.box.port_of(port_name)}{path}"

    # -- one directory per service -------------------------------------------------
    def _dir(self, name: str) -> Path:
        path = self.box.root / name
        (path / "locks").mkdir(parents=True, exist_ok=True)
        return path

    def _write(self, path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o600)  # service passwords
        return path

    def _paste(self, venv: str, name: str, into: Path) -> None:
        source = self.box.venvs.path(venv) / "etc" / venv / name
        if not source.is_file():
            raise RunnerError(f"{source} is missing from the {venv} venv")
        shutil.copyfile(source, into / name)

    def _once(
        self, marker: Path, commands: list[tuple[list[str], str]], env: dict[str, str] | None = None
    ) -> None:
        if marker.is_file():
            return
        for cmd, what in commands:
            self.box._run(cmd, what, env=env)
        marker.write_text("ok")

    def _api(
        self,
        name: str,
        venv: str,
        app: str,
        port_name: str,
        where: Path,
        env: dict[str, str],
        argv: list[str] | None = None,
    ) -> None:
        self.box._gunicorn_conf(where, app, self.box.port_of(port_name), 1, 4, argv)
        self.box._start(
            name, [self.box.venvs.bin(venv, "gunicorn")], dict(os.environ, **env), cwd=where
        )

    def _catalog(self, entries: list[tuple[str, str, str]]) -> None:
        setup = IdentitySetup(self.box.keystone_url, str(self.box.state["admin_password"]))
        try:
            for kind, name, url in entries:
                setup.catalog(kind, name, url)
        finally:
            setup.close()

    # -- services --------------------------------------------------------------------
    def placement(self) -> None:
        d = self._dir("placement")
        conf = self._write(d / "placement.conf", cc.placement_conf(self.ctx))
        manage = self.box.venvs.bin("placement", "placement-manage")
        self._once(
            d / ".synced",
            [([manage, "--config-file", str(conf), "db", "sync"], "placement db sync")],
        )
        self._api(
            "placement",
            "placement",
            "placement.wsgi.api:application",
            "placement",
            d,
            {"OS_PLACEMENT_CONFIG_DIR": str(d)},
        )
        self.box._wait_http("placement", self.url("placement", "/"))
        self._catalog([("placement", "placement", self.url("placement"))])

    def glance(self) -> None:
        d = self._dir("glance")
        for sub in ("images", "staging", "tasks"):
            (d / sub).mkdir(exist_ok=True)
        conf = self._write(d / "glance-api.conf", cc.glance_conf(self.ctx))
        self._paste("glance", "glance-api-paste.ini", d)
        manage = self.box.venvs.bin("glance", "glance-manage")
        self._once(
            d / ".synced", [([manage, "--config-file", str(conf), "db_sync"], "glance db_sync")]
        )
        self._api(
            "glance",
            "glance",
            "glance.wsgi.api:application",
            "glance",
            d,
            {"OS_GLANCE_CONFIG_DIR": str(d)},
        )
        self.box._wait_http("glance", self.url("glance", "/healthcheck"))
        self._catalog([("image", "glance", self.url("glance"))])

    def neutron(self) -> None:
        d = self._dir("neutron")
        conf = self._write(d / "neutron.conf", cc.neutron_conf(self.ctx))
        ml2 = self._write(d / "plugins" / "ml2" / "ml2_conf.ini", cc.ml2_conf())
        self._paste("neutron", "api-paste.ini", d)
        plugins.install_neutron_driver(self.box.venvs.site_packages("neutron"))
        manage = self.box.venvs.bin("neutron", "neutron-db-manage")
        self._once(
            d / ".synced",
            [
                (
                    [
                        manage,
                        "--config-file",
                        str(conf),
                        "--config-file",
                        str(ml2),
                        "upgrade",
                        "heads",
                    ],
                    "neutron-db-manage upgrade heads",
                )
            ],
        )
        self._api(
            "neutron",
            "neutron",
            "neutron.wsgi.api:application",
            "neutron",
            d,
            {"OS_NEUTRON_CONFIG_DIR": str(d)},
        )
        self.box._wait_http("neutron", self.url("neutron", "/"))
        self._catalog([("network", "neutron", self.url("neutron"))])

    def nova(self) -> None:
        d = self._dir("nova")
        (d / "instances").mkdir(exist_ok=True)
        conf = self._write(d / "nova.conf", cc.nova_conf(self.ctx))
        self._paste("nova", "api-paste.ini", d)
        plugins.install_nova_driver(self.box.venvs.site_packages("nova"))
        manage = [self.box.venvs.bin("nova", "nova-manage"), "--config-file", str(conf)]
        dbs = self.ctx.databases
        self._once(
            d / ".synced",
            [
                ([*manage, "api_db", "sync"], "nova-manage api_db sync"),
                (
                    [*manage, "cell_v2", "map_cell0", "--database_connection", dbs["nova_cell0"]],
                    "nova-manage cell_v2 map_cell0",
                ),
                (
                    [
                        *manage,
                        "cell_v2",
                        "create_cell",
                        "--name",
                        "cell1",
                        "--database_connection",
                        dbs["nova"],
                        "--transport-url",
                        self.ctx.transport_url,
                    ],
                    "nova-manage cell_v2 create_cell",
                ),
                ([*manage, "db", "sync"], "nova-manage db sync"),
            ],
        )
        env = {"OS_NOVA_CONFIG_DIR": str(d)}
        self._api("nova-api", "nova", "nova.wsgi.osapi_compute:application", "nova", d, env)
        for name in ("nova-conductor", "nova-scheduler", "nova-compute"):
            self.box._start(
                name, [self.box.venvs.bin("nova", name), "--config-file", str(conf)], None, cwd=d
            )
        self.box._wait_http("nova-api", self.url("nova", "/"))
        self._catalog([("compute", "nova", self.url("nova", "/v2.1"))])
        self._discover_host(manage, d / ".host-mapped")

    def _discover_host(self, manage: list[str], marker: Path, timeout: float = 180.0) -> None:
        """Map the compute host into cell1 once nova-compute has registered it (once: the
        mapping is kept in the database, like the syncs ``.synced`` records, and a later
        ``up`` only waits for the registration)."""
        deadline = time.monotonic() + timeout
        while True:
            for name in ("nova-compute", "nova-conductor"):
                entry = procs.tracked(self.box.run_dir, name)
                if entry is None or not entry.alive:
                    raise self.box._died(name)
            if self._compute_registered():
                break
            if time.monotonic() > deadline:
                raise RunnerError(
                    f"nova-compute did not register its host in {timeout:g} s (log: {self.box.root / 'logs' / 'nova-compute.log'})"
                )
            time.sleep(2)
        if marker.is_file():
            return
        self.box._run(
            [*manage, "cell_v2", "discover_hosts", "--verbose"],
            "nova-manage cell_v2 discover_hosts",
        )
        marker.write_text("ok")

    def _compute_registered(self) -> bool:
        token = self._admin_token()
        response = httpx.get(
            self.url("placement", "/resource_providers"),
            headers={"X-Auth-Token": token, "OpenStack-API-Version": "placement 1.14"},
            timeout=10,
        )
        return response.status_code == 200 and bool(response.json().get("resource_providers"))

    def cinder(self) -> None:
        d = self._dir("cinder")
        venv = self.box.venvs.path("cinder")
        conf = self._write(d / "cinder.conf", cc.cinder_conf(self.ctx, venv))
        self._paste("cinder", "api-paste.ini", d)
        self._paste("cinder", "resource_filters.json", d)
        plugins.install_cinder_driver(self.box.venvs.site_packages("cinder"))
        manage = self.box.venvs.bin("cinder", "cinder-manage")
        self._once(
            d / ".synced",
            [([manage, "--config-file", str(conf), "db", "sync"], "cinder-manage db sync")],
        )
        self._api(
            "cinder-api",
            "cinder",
            "cinder.wsgi.api:application",
            "cinder",
            d,
            {},
            argv=["--config-file", str(conf)],
        )
        for name in ("cinder-scheduler", "cinder-volume"):
            self.box._start(
                name, [self.box.venvs.bin("cinder", name), "--config-file", str(conf)], None, cwd=d
            )
        self.box._wait_http("cinder-api", self.url("cinder", "/"))
        volume = self.url("cinder", "/v3/%(project_id)s")
        self._catalog([("volumev3", "cinderv3", volume), ("block-storage", "cinder", volume)])

    # -- what Tempest expects of a cloud ---------------------------------------------
    def _admin_token(self) -> str:
        setup = IdentitySetup(self.box.keystone_url, str(self.box.state["admin_password"]))
        try:
            return str(setup.http.headers["X-Auth-Token"])
        finally:
            setup.close()

    def resources(self, components: tuple[str, ...]) -> None:
        headers = {"X-Auth-Token": self._admin_token()}
        with httpx.Client(timeout=60, headers=headers) as http:
            if "nova" in components:
                for flavor_id, name, ram, vcpus, disk in FLAVORS:
                    got = http.get(self.url("nova", f"/v2.1/flavors/{flavor_id}"))
                    if got.status_code == 404:
                        body = {
                            "flavor": {
                                "id": flavor_id,
                                "name": name,
                                "ram": ram,
                                "vcpus": vcpus,
                                "disk": disk,
                            }
                        }
                        _ok(
                            http.post(self.url("nova", "/v2.1/flavors"), json=body),
                            "create flavor " + name,
                        )
            if "neutron" in components:
                found = http.get(
                    self.url("neutron", "/v2.0/networks"), params={"name": cc.PUBLIC_NETWORK}
                )
                _ok(found, "list networks")
                if not found.json()["networks"]:
                    body = {
                        "network": {
                            "name": cc.PUBLIC_NETWORK,
                            "router:external": True,
                            "provider:network_type": "flat",
                            "provider:physical_network": cc.PUBLIC_NETWORK,
                        }
                    }
                    net = _ok(
                        http.post(self.url("neutron", "/v2.0/networks"), json=body),
                        "create network public",
                    )
                    subnet = {
                        "subnet": {
                            "network_id": net["network"]["id"],
                            "name": "public-subnet",
                            "ip_version": 4,
                            "cidr": cc.PUBLIC_CIDR,
                            "enable_dhcp": False,
                        }
                    }
                    _ok(
                        http.post(self.url("neutron", "/v2.0/subnets"), json=subnet),
                        "create subnet public-subnet",
                    )
            if "glance" in components:
                found = http.get(
                    self.url("glance", "/v2/images"), params={"name": PLACEHOLDER_IMAGE}
                )
                _ok(found, "list images")
                images = [i for i in found.json()["images"] if i["status"] == "active"]
                if not images:
                    image_body = {
                        "name": PLACEHOLDER_IMAGE,
                        "disk_format": "raw",
                        "container_format": "bare",
                        "visibility": "public",
                    }
                    image = _ok(
                        http.post(self.url("glance", "/v2/images"), json=image_body), "create image"
                    )
                    data = self.placeholder_image().read_bytes()
                    upload = http.put(
                        self.url("glance", f"/v2/images/{image['id']}/file"),
                        content=data,
                        headers={"Content-Type": "application/octet-stream"},
                    )
                    _ok(upload, "upload image")

    def placeholder_image(self) -> Path:
        """A small raw disk image (zeros), for the sandbox and for ``--image`` of
        python-tempestconf: the fake driver never reads it."""
        path = self.box.root / "images" / "placeholder.raw"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(bytes(IMAGE_BYTES))
        return path


def _ok(response: httpx.Response, what: str) -> Any:
    if response.status_code >= 400:
        text = " ".join(response.text.split())[:200]
        raise RunnerError(f"{what}: {response.status_code} {text}")
    return response.json() if response.content else {}
