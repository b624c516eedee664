"""Does the compute program work end to end? ``sandbox up`` asks before it says yes, as
the non-admin demo user with the token and catalog ``refcore test`` would get:

* image: create, upload 1 MiB, download it again byte for byte, delete;
* server: a network and subnet, a 1 GB volume (available), a server on that network
  (ACTIVE, its port ACTIVE), the volume attached (in-use), then everything deleted.

Each wait has a timeout; a failure names its step (and the server's fault, if any)."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from typing import Any

import httpx

from refcore.errors import RunnerError
from refcore.runner.cloud import Cloud, CloudSession, preflight

from .identity import Account

__all__ = ["prove_image", "prove_server"]

WAIT = 180.0


class _Proof:
    def __init__(self, keystone_url: str, account: Account) -> None:
        cloud = Cloud(
            keystone_url, account.username, account.password, account.project, origin="sandbox"
        )
        self.session: CloudSession = preflight(cloud)
        self.http = httpx.Client(timeout=60, headers={"X-Auth-Token": self.session.token})

    def endpoint(self, kind: str, *alternatives: str) -> str:
        for k in (kind, *alternatives):
            found = self.session.endpoint(k)
            if found is not None:
                return found.url.rstrip("/")
        raise RunnerError(f"Keystone's catalog has no public {kind} endpoint")

    def call(self, step: str, method: str, url: str, ok: tuple[int, ...], **kw: Any) -> Any:
        try:
            response = self.http.request(method, url, **kw)
        except httpx.HTTPError as exc:
            raise RunnerError(f"{step}: {type(exc).__name__} {exc}") from None
        if response.status_code not in ok:
            text = " ".join(response.text.split())[:240]
            raise RunnerError(f"{step}: {method} {url} -> {response.status_code} {text}")
        if not response.content or "json" not in response.headers.get("content-type", ""):
            return response.content
        return response.json()

    def wait(self, step: str, probe: Callable[[], str | None], timeout: float = WAIT) -> None:
        """``probe`` returns None while waiting, "" when done, or a failure text."""
        deadline = time.monotonic() + timeout
        while True:
            outcome = probe()
            if outcome == "":
                return
            if outcome is not None:
                raise RunnerError(f"{step}: {outcome}")
            if time.monotonic() > deadline:
                raise RunnerError(f"{step}: not done after {timeout:g} s")
            time.sleep(1)

    def close(self) -> None:
        self.http.close()


def prove_image(keystone_url: str, account: Account) -> None:
    proof = _Proof(keystone_url, account)
    try:
        glance = proof.endpoint("image")
        body = {"name": f"refcore-proof-{secrets.token_hex(4)}", "disk_format": "raw",
                "container_format": "bare"}  # fmt: skip
        image = proof.call("create image", "POST", f"{glance}/v2/images", (201,), json=body)
        try:
            data = secrets.token_bytes(1024 * 1024)
            proof.call(
                "upload image", "PUT", f"{glance}/v2/images/{image['id']}/file", (204,),
                content=data, headers={"Content-Type": "application/octet-stream"},
            )  # fmt: skip
            got = proof.call(
                "download image", "GET", f"{glance}/v2/images/{image['id']}/file", (200,)
            )
            if hashlib.sha256(got).digest() != hashlib.sha256(data).digest():
                raise RunnerError(f"download image: {len(got)} bytes, not the ones uploaded")
        finally:
            proof.http.delete(f"{glance}/v2/images/{image['id']}")
    finally:
        proof.close()


def prove_server(keystone_url: str, account: Account, image_name: str, flavor: str) -> None:
    proof = _Proof(keystone_url, account)
    cleanup: list[tuple[str, str]] = []
    try:
        _server_round_trip(proof, image_name, flavor, cleanup)
    finally:
        for what, url in reversed(cleanup):
            _delete(proof, what, url)
        proof.close()


def _server_round_trip(
    proof: _Proof, image_name: str, flavor: str, cleanup: list[tuple[str, str]]
) -> None:
    neutron = proof.endpoint("network") + "/v2.0"
    nova = proof.endpoint("compute")
    cinder = proof.endpoint("volumev3", "block-storage", "volume")
    glance = proof.endpoint("image")
    tag = f"refcore-proof-{secrets.token_hex(4)}"

    images = proof.call("find image", "GET", f"{glance}/v2/images", (200,),
                        params={"name": image_name})["images"]  # fmt: skip
    if not images:
        raise RunnerError(f"find image: no image named {image_name}")
    net = proof.call("create network", "POST", f"{neutron}/networks", (201,),
                     json={"network": {"name": tag}})["network"]  # fmt: skip
    cleanup.append(("network", f"{neutron}/networks/{net['id']}"))
    subnet = {"subnet": {"network_id": net["id"], "ip_version": 4, "cidr": "10.99.0.0/24",
                         "name": tag}}  # fmt: skip
    sub = proof.call("create subnet", "POST", f"{neutron}/subnets", (201,), json=subnet)
    cleanup.append(("subnet", f"{neutron}/subnets/{sub['subnet']['id']}"))

    vol = proof.call("create volume", "POST", f"{cinder}/volumes", (202,),
                     json={"volume": {"size": 1, "name": tag}})["volume"]  # fmt: skip
    vol_url = f"{cinder}/volumes/{vol['id']}"
    cleanup.append(("volume", vol_url))
    proof.wait("volume available", lambda: _status(proof, vol_url, "volume", "available"))

    server = {"server": {"name": tag, "imageRef": images[0]["id"], "flavorRef": flavor,
                         "networks": [{"uuid": net["id"]}]}}  # fmt: skip
    srv = proof.call("boot server", "POST", f"{nova}/servers", (202,), json=server)["server"]
    srv_url = f"{nova}/servers/{srv['id']}"
    cleanup.append(("server", srv_url))
    proof.wait("server ACTIVE", lambda: _status(proof, srv_url, "server", "ACTIVE"))
    ports = proof.call("server port", "GET", f"{neutron}/ports", (200,),
                       params={"device_id": srv["id"]})["ports"]  # fmt: skip
    if not ports or ports[0]["status"] != "ACTIVE":
        state = ports[0]["status"] if ports else "no port"
        raise RunnerError(f"server port: {state} (the port should be bound and ACTIVE)")

    attach = {"volumeAttachment": {"volumeId": vol["id"]}}
    proof.call("attach volume", "POST", f"{srv_url}/os-volume_attachments", (200,), json=attach)
    proof.wait("volume in-use", lambda: _status(proof, vol_url, "volume", "in-use"))
    proof.call("detach volume", "DELETE", f"{srv_url}/os-volume_attachments/{vol['id']}", (202,))
    proof.wait("volume detached", lambda: _status(proof, vol_url, "volume", "available"))


def _status(proof: _Proof, url: str, kind: str, wanted: str) -> str | None:
    response = proof.http.get(url)
    if response.status_code != 200:
        return f"GET {url} -> {response.status_code}"
    item = response.json()[kind]
    status = str(item["status"])
    if status == wanted:
        return ""
    if status.upper() in ("ERROR", "ERROR_DELETING", "ERROR_ATTACHING"):
        fault = item.get("fault", {}).get("message", "")
        return f"{kind} went {status} {fault}".strip()
    return None


def _delete(proof: _Proof, what: str, url: str) -> None:
    """Best effort, but waits for a server or volume to be gone before what it uses."""
    try:
        proof.http.delete(url)
        if what in ("server", "volume"):
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proof.http.get(url).status_code != 404:
                time.sleep(1)
    except httpx.HTTPError:
        pass
