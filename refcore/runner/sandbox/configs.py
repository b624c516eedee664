"""Configuration files of the sandbox's Keystone and Swift (text only, no I/O).

The Swift proxy pipeline is the one that passes all 56 object-storage tests of guideline
2020.06 with Tempest 47; authtoken uses Swift's own memcache client (``cache =
swift.cache``) because keystonemiddleware's needs python-memcached, which is not installed.
"""

from __future__ import annotations

from pathlib import Path

from .ports import HOST, Ports

__all__ = [
    "PIPELINE",
    "keystone_conf",
    "swift_conf",
    "swift_proxy_conf",
    "swift_server_conf",
]

PIPELINE = (
    "catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl "
    "authtoken keystoneauth staticweb copy container-quotas account-quotas slo dlo "
    "versioned_writes symlink proxy-logging proxy-server"
)


def keystone_conf(root: Path, database_url: str) -> str:
    ks = root / "keystone"
    return f"""[DEFAULT]
use_stderr = true

[database]
connection = {database_url}

[token]
provider = fernet

[fernet_tokens]
key_repository = {ks / "fernet-keys"}

[fernet_receipts]
key_repository = {ks / "fernet-receipts"}

[credential]
key_repository = {ks / "credential-keys"}
"""


def swift_conf(hash_suffix: str, hash_prefix: str) -> str:
    return f"""[swift-hash]
swift_hash_path_suffix = {hash_suffix}
swift_hash_path_prefix = {hash_prefix}

[storage-policy:0]
name = Policy-0
default = yes
"""


def _default(root: Path, port: int, user: str) -> str:
    return f"""[DEFAULT]
swift_dir = {root / "swift"}
devices = {root / "swift" / "node"}
mount_check = false
bind_ip = {HOST}
bind_port = {port}
workers = 1
user = {user}
log_level = INFO
"""


def swift_server_conf(kind: str, root: Path, port: int, user: str) -> str:
    """account-, container- or object-server.conf."""
    extra = "allow_versions = true\n" if kind == "container" else ""
    return (
        _default(root, port, user)
        + f"""
[pipeline:main]
pipeline = healthcheck {kind}-server

[app:{kind}-server]
use = egg:swift#{kind}
{extra}
[filter:healthcheck]
use = egg:swift#healthcheck

[{kind}-replicator]

[{kind}-auditor]
"""
        + ("[container-updater]\n\n[container-sync]\n" if kind == "container" else "")
        + ("[object-updater]\n" if kind == "object" else "")
    )


def swift_proxy_conf(root: Path, ports: Ports, user: str, swift_password: str) -> str:
    keystone = f"http://{HOST}:{ports.keystone}"
    return (
        _default(root, ports.swift, user)
        + f"""
[pipeline:main]
pipeline = {PIPELINE}

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache
memcache_servers = {HOST}:{ports.memcached}

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:bulk]
use = egg:swift#bulk

[filter:tempurl]
use = egg:swift#tempurl

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = {keystone}
auth_url = {keystone}
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = service
username = swift
password = {swift_password}
delay_auth_decision = True
cache = swift.cache
include_service_catalog = False

[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member
reseller_admin_role = ResellerAdmin

[filter:staticweb]
use = egg:swift#staticweb

[filter:copy]
use = egg:swift#copy

[filter:container-quotas]
use = egg:swift#container_quotas

[filter:account-quotas]
use = egg:swift#account_quotas

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_versioned_writes = true

[filter:symlink]
use = egg:swift#symlink
"""
    )
