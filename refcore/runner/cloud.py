"""Which cloud to test and whether it answers: credentials and the Keystone preflight.

Credentials come from a ``clouds.yaml`` entry, found where openstacksdk looks
(``$OS_CLIENT_CONFIG_FILE``, ``./clouds.yaml``, ``~/.config/openstack/clouds.yaml``,
``/etc/openstack/clouds.yaml``), or from the usual ``OS_*`` variables. The YAML is
read here, without openstacksdk: only password auth against Keystone v3 is supported.

:func:`preflight` asks Keystone for a token before anything long starts, so an
unreachable cloud or bad credentials fail in seconds with one clear line.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from refcore.errors import RunnerError

__all__ = [
    "Cloud",
    "CloudSession",
    "Endpoint",
    "clouds_yaml_paths",
    "cloud_from_env",
    "load_cloud",
    "preflight",
    "session_from_token",
]

#: seconds to wait for Keystone during the preflight
PREFLIGHT_TIMEOUT = 15.0


@dataclass(frozen=True, slots=True)
class Cloud:
    """Password credentials for one cloud (Keystone v3)."""

    auth_url: str
    username: str
    password: str = field(repr=False)
    project_name: str
    user_domain_id: str | None = None
    user_domain_name: str | None = None
    project_domain_id: str | None = None
    project_domain_name: str | None = None
    region_name: str | None = None
    interface: str = "public"
    #: where the credentials came from, for messages ("clouds.yaml 'x'", "OS_* variables")
    origin: str = ""

    @property
    def v3_url(self) -> str:
        """The Keystone v3 root, whether auth_url ends in ``/v3`` or not."""
        url = self.auth_url.rstrip("/")
        if url.endswith("/v3"):
            return url
        if url.endswith("/v2.0"):
            url = url[: -len("/v2.0")]
        return url + "/v3"

    def auth_body(self) -> dict[str, Any]:
        user: dict[str, Any] = {"name": self.username, "password": self.password}
        user["domain"] = _domain(self.user_domain_id, self.user_domain_name)
        project: dict[str, Any] = {"name": self.project_name}
        project["domain"] = _domain(self.project_domain_id, self.project_domain_name)
        return {
            "auth": {
                "identity": {"methods": ["password"], "password": {"user": user}},
                "scope": {"project": project},
            }
        }


def _domain(domain_id: str | None, domain_name: str | None) -> dict[str, str]:
    if domain_id:
        return {"id": domain_id}
    if domain_name:
        return {"name": domain_name}
    return {"id": "default"}


@dataclass(frozen=True, slots=True)
class Endpoint:
    service_type: str
    service_id: str
    interface: str
    region: str | None
    url: str


@dataclass(slots=True)
class CloudSession:
    """What the preflight learnt: the token's user, roles and the catalog."""

    cloud: Cloud
    token: str = field(repr=False)
    user_id: str
    project_id: str
    roles: tuple[str, ...]
    endpoints: tuple[Endpoint, ...]

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def service_types(self) -> set[str]:
        return {e.service_type for e in self.endpoints}

    def endpoint(self, service_type: str) -> Endpoint | None:
        """The endpoint of this type for the cloud's interface (and region, if given)."""
        region = self.cloud.region_name
        for e in self.endpoints:
            if (
                e.service_type == service_type
                and e.interface == self.cloud.interface
                and (region is None or e.region == region)
            ):
                return e
        return None

    @property
    def region(self) -> str | None:
        if self.cloud.region_name:
            return self.cloud.region_name
        identity = self.endpoint("identity")
        return identity.region if identity else None

    @property
    def cpid(self) -> str:
        """refstack-client's cloud provider id: the identity service's id in the v3
        catalog, else the md5 of the Keystone URL's host."""
        for e in self.endpoints:
            if e.service_type == "identity" and e.service_id:
                return e.service_id
        host = urlsplit(self.cloud.auth_url).hostname or self.cloud.auth_url
        return hashlib.md5(host.encode()).hexdigest()


def clouds_yaml_paths(env: Mapping[str, str] | None = None) -> list[Path]:
    """Where openstacksdk looks for clouds.yaml, in its order."""
    env = os.environ if env is None else env
    paths = []
    if env.get("OS_CLIENT_CONFIG_FILE"):
        paths.append(Path(env["OS_CLIENT_CONFIG_FILE"]))
    paths.append(Path.cwd() / "clouds.yaml")
    home = Path(env.get("HOME") or Path.home())
    config = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    paths.append(config / "openstack" / "clouds.yaml")
    paths.append(Path("/etc/openstack/clouds.yaml"))
    return paths


def load_cloud(
    name: str | None,
    *,
    env: Mapping[str, str] | None = None,
    paths: list[Path] | None = None,
) -> Cloud:
    """The cloud ``name`` from the first clouds.yaml that defines it, or, without a
    name, the ``OS_*`` variables (``OS_CLOUD`` names a clouds.yaml entry too)."""
    env = os.environ if env is None else env
    name = name or env.get("OS_CLOUD") or None
    if name is None:
        return cloud_from_env(env)
    searched = clouds_yaml_paths(env) if paths is None else paths
    for path in searched:
        if not path.is_file():
            continue
        clouds = _read_clouds_yaml(path)
        if name in clouds:
            return _cloud_from_entry(clouds[name], f"{path} cloud '{name}'")
    where = ", ".join(str(p) for p in searched)
    raise RunnerError(f"cloud '{name}' not found in any clouds.yaml (looked in {where})")


def _read_clouds_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RunnerError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        # not str(exc): PyYAML quotes the offending line, which may hold a password
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise RunnerError(f"{path}: not valid YAML{where}: {problem}") from None
    clouds = data.get("clouds") if isinstance(data, dict) else None
    if not isinstance(clouds, dict):
        raise RunnerError(f"{path}: no 'clouds:' mapping")
    return clouds


def _cloud_from_entry(entry: Any, origin: str) -> Cloud:
    if not isinstance(entry, dict):
        raise RunnerError(f"{origin}: not a mapping")
    auth = entry.get("auth") or {}
    if not isinstance(auth, dict):
        raise RunnerError(f"{origin}: 'auth' is not a mapping")
    auth_type = entry.get("auth_type", "password")
    if auth_type not in ("password", "v3password"):
        raise RunnerError(f"{origin}: auth_type '{auth_type}' is not supported (only password)")
    values = {
        "auth_url": auth.get("auth_url"),
        "username": auth.get("username"),
        "password": auth.get("password"),
        "project_name": auth.get("project_name") or auth.get("tenant_name"),
        "user_domain_id": auth.get("user_domain_id"),
        "user_domain_name": auth.get("user_domain_name"),
        "project_domain_id": auth.get("project_domain_id"),
        "project_domain_name": auth.get("project_domain_name"),
    }
    # openstacksdk's shorthand: domain_id/domain_name set both
    for kind in ("id", "name"):
        shared = auth.get(f"domain_{kind}")
        if shared:
            values[f"user_domain_{kind}"] = values[f"user_domain_{kind}"] or shared
            values[f"project_domain_{kind}"] = values[f"project_domain_{kind}"] or shared
    return _build(values, entry.get("region_name"), entry.get("interface"), origin)


def cloud_from_env(env: Mapping[str, str] | None = None) -> Cloud:
    """The cloud the ``OS_*`` variables describe (what ``openrc`` files export)."""
    env = os.environ if env is None else env
    values = {
        "auth_url": env.get("OS_AUTH_URL"),
        "username": env.get("OS_USERNAME"),
        "password": env.get("OS_PASSWORD"),
        "project_name": env.get("OS_PROJECT_NAME") or env.get("OS_TENANT_NAME"),
        "user_domain_id": env.get("OS_USER_DOMAIN_ID"),
        "user_domain_name": env.get("OS_USER_DOMAIN_NAME"),
        "project_domain_id": env.get("OS_PROJECT_DOMAIN_ID"),
        "project_domain_name": env.get("OS_PROJECT_DOMAIN_NAME"),
    }
    if not any(values.values()):
        raise RunnerError(
            "no cloud given: use --cloud NAME (clouds.yaml) or set OS_AUTH_URL, OS_USERNAME, "
            "OS_PASSWORD, OS_PROJECT_NAME"
        )
    return _build(values, env.get("OS_REGION_NAME"), env.get("OS_INTERFACE"), "OS_* variables")


_REQUIRED = ("auth_url", "username", "password", "project_name")


def _build(values: dict[str, Any], region: Any, interface: Any, origin: str) -> Cloud:
    missing = [k for k in _REQUIRED if not values.get(k)]
    if missing:
        raise RunnerError(f"{origin}: missing {', '.join(missing)}")
    url = str(values["auth_url"])
    if urlsplit(url).scheme not in ("http", "https"):
        raise RunnerError(f"{origin}: auth_url '{url}' is not an http(s) URL")
    clean = {k: (str(v) if v is not None else None) for k, v in values.items()}
    return Cloud(
        **clean,  # type: ignore[arg-type]
        region_name=str(region) if region else None,
        interface=str(interface or "public").removesuffix("URL"),
        origin=origin,
    )


def preflight(cloud: Cloud, *, timeout: float = PREFLIGHT_TIMEOUT) -> CloudSession:
    """Get a token from Keystone: proves it answers and the credentials work.

    Raises :class:`RunnerError` with one line for an unreachable Keystone, refused
    credentials, or an answer that is not Keystone v3.
    """
    url = cloud.v3_url + "/auth/tokens"
    try:
        response = httpx.post(url, json=cloud.auth_body(), timeout=timeout)
    except httpx.TimeoutException:
        raise RunnerError(f"Keystone at {cloud.auth_url} did not answer in {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise RunnerError(f"Keystone at {cloud.auth_url} is unreachable: {exc}") from None
    if response.status_code == 401:
        raise RunnerError(
            f"Keystone at {cloud.auth_url} refused the credentials of user "
            f"'{cloud.username}' on project '{cloud.project_name}' ({cloud.origin})"
        )
    if response.status_code != 201:
        raise RunnerError(
            f"Keystone at {cloud.auth_url} answered {response.status_code} to POST /v3/auth/tokens"
        )
    token = response.headers.get("X-Subject-Token")
    try:
        answer = response.json()
    except ValueError:
        answer = None
    return session_from_token(cloud, token, answer)


def session_from_token(cloud: Cloud, token: str | None, answer: Any) -> CloudSession:
    """The session a Keystone v3 ``POST /v3/auth/tokens`` answer describes: the token
    (its ``X-Subject-Token`` header) and the body's user, project, roles and catalog."""
    body = answer.get("token") if isinstance(answer, dict) else None
    if not token or not isinstance(body, dict):
        raise RunnerError(f"{cloud.auth_url} did not answer like Keystone v3 (no token)")
    return CloudSession(
        cloud=cloud,
        token=token,
        user_id=str(body.get("user", {}).get("id", "")),
        project_id=str((body.get("project") or {}).get("id", "")),
        roles=tuple(sorted(r.get("name", "") for r in body.get("roles") or [])),
        endpoints=tuple(_endpoints(body.get("catalog") or [])),
    )


def _endpoints(catalog: list[dict[str, Any]]) -> list[Endpoint]:
    out = []
    for service in catalog:
        for ep in service.get("endpoints") or []:
            out.append(
                Endpoint(
                    service_type=str(service.get("type", "")),
                    service_id=str(service.get("id", "")),
                    interface=str(ep.get("interface", "")),
                    region=ep.get("region_id") or ep.get("region"),
                    url=str(ep.get("url", "")),
                )
            )
    return out
