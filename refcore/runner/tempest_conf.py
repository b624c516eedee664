"""tempest.conf from what the preflight learnt of the cloud.

Services are marked available from the catalog, Keystone is given by its v3 URL
and region, and Tempest keeps finding the other endpoints in the catalog itself.
Credentials: dynamic (Tempest creates users per test class) when the user is an
admin, else the static accounts file the user gives (``--accounts``), as RefStack
recommends for clouds where the tester is not admin.
"""

from __future__ import annotations

import configparser
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from refcore.errors import RunnerError

from .cloud import CloudSession

__all__ = ["SERVICE_FLAGS", "TempestConfig", "render_tempest_conf", "swift_info"]

#: catalog service type -> the ``[service_available]`` option it turns on
SERVICE_FLAGS: dict[str, str] = {
    "object-store": "swift",
    "compute": "nova",
    "image": "glance",
    "network": "neutron",
    "volumev3": "cinder",
    "block-storage": "cinder",
    "volume": "cinder",
    "orchestration": "heat",
    "dns": "designate",
    "load-balancer": "octavia",
    "shared-file-system": "manila",
    "sharev2": "manila",
}
# always written, so a Tempest default never turns on a service the cloud lacks
_CORE_FLAGS = ("swift", "nova", "glance", "neutron", "cinder", "horizon")


@dataclass(frozen=True, slots=True)
class TempestConfig:
    """The choices behind one tempest.conf (kept beside the run for the record)."""

    text: str
    dynamic_credentials: bool
    accounts_file: Path | None
    services: tuple[str, ...]


def render_tempest_conf(
    session: CloudSession,
    *,
    workspace: Path,
    accounts_file: Path | None = None,
    swift: dict[str, Any] | None = None,
    concurrency_lock_path: Path | None = None,
) -> TempestConfig:
    """The tempest.conf text for this cloud.

    ``accounts_file``: Tempest static accounts; required when the user is not admin,
    and preferred over dynamic credentials when given. ``swift``: Swift's ``/info``
    document, when the cloud has object storage (see :func:`swift_info`).
    """
    cloud = session.cloud
    conf = configparser.ConfigParser(interpolation=None)
    conf.optionxform = str  # type: ignore[assignment,method-assign]
    region = session.region or "RegionOne"
    lock_path = concurrency_lock_path or workspace / "locks"

    conf["DEFAULT"] = {"log_dir": str(workspace / "logs"), "log_file": "tempest.log"}
    conf["oslo_concurrency"] = {"lock_path": str(lock_path)}
    conf["identity"] = {
        "uri_v3": session.cloud.v3_url,
        "auth_version": "v3",
        "region": region,
        "v3_endpoint_type": cloud.interface,
        "disable_ssl_certificate_validation": "false",
    }
    conf["identity-feature-enabled"] = {"api_v3": "true", "api_v2": "false"}

    available = sorted({SERVICE_FLAGS[t] for t in session.service_types() if t in SERVICE_FLAGS})
    flags = dict.fromkeys(_CORE_FLAGS, "false")
    flags.update(dict.fromkeys(available, "true"))
    conf["service_available"] = flags

    if accounts_file is not None:
        if not accounts_file.is_file():
            raise RunnerError(f"accounts file {accounts_file} does not exist")
        conf["auth"] = {
            "use_dynamic_credentials": "false",
            "test_accounts_file": str(accounts_file.resolve()),
            "default_credentials_domain_name": cloud.user_domain_name or "Default",
            "create_isolated_networks": "false",
        }
        dynamic = False
    elif session.is_admin:
        conf["auth"] = {
            "use_dynamic_credentials": "true",
            "admin_username": cloud.username,
            "admin_password": cloud.password,
            "admin_project_name": cloud.project_name,
            "admin_domain_name": cloud.user_domain_name or "Default",
            "create_isolated_networks": "false",
        }
        if cloud.user_domain_id and not cloud.user_domain_name:
            conf["identity"]["default_domain_id"] = cloud.user_domain_id
            del conf["auth"]["admin_domain_name"]
        dynamic = True
    else:
        raise RunnerError(
            f"user '{cloud.username}' is not an admin of the cloud (roles: "
            f"{', '.join(session.roles) or 'none'}): give Tempest static accounts with "
            "--accounts accounts.yaml"
        )

    if "swift" in available:
        conf["object-storage"] = {
            "region": region,
            "operator_role": "member",
            "reseller_admin_role": "ResellerAdmin",
            "endpoint_type": cloud.interface,
        }
        feature = {"discoverable_apis": "all", "discoverability": "true"}
        if swift is not None:
            feature["container_sync"] = str("container_sync" in swift).lower()
            feature["object_versioning"] = str("versioned_writes" in swift).lower()
        conf["object-storage-feature-enabled"] = feature

    out = io.StringIO()
    conf.write(out)
    return TempestConfig(out.getvalue(), dynamic, accounts_file, tuple(available))


def swift_info(session: CloudSession, *, timeout: float = 10.0) -> dict[str, Any] | None:
    """Swift's capabilities (``GET /info`` on the proxy), or None when it cannot be read.

    Feature flags (versioning, container sync, middleware list) then follow what the
    cloud really runs rather than Tempest's defaults.
    """
    endpoint = session.endpoint("object-store")
    if endpoint is None:
        return None
    parts = urlsplit(endpoint.url)
    url = urlunsplit((parts.scheme, parts.netloc, "/info", "", ""))
    try:
        response = httpx.get(url, timeout=timeout)
        data = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
    return data if isinstance(data, dict) else None
