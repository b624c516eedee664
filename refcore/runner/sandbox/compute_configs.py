"""Configuration files of the compute program's services (text only, no I/O): Placement,
Glance (file store), Neutron (ML2, no agents), Nova (fake driver) and Cinder (fake
backend). The settings are the ones measured to pass 2020.06's compute list with Tempest
47 on this kind of machine (docs/runner.md, "The compute program")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .identity import REGION
from .ports import HOST, Ports

__all__ = [
    "Context",
    "cinder_conf",
    "glance_conf",
    "ml2_conf",
    "neutron_conf",
    "nova_conf",
    "placement_conf",
]

#: the one compute host (and Cinder volume host) of the sandbox
HOST_NAME = "refcore-sandbox"
#: the external (flat) network Tempest's tests want, and its address range
PUBLIC_NETWORK = "public"
PUBLIC_CIDR = "172.24.4.0/24"


@dataclass(frozen=True, slots=True)
class Context:
    root: Path
    ports: Ports
    password: str  # of every service user
    transport_url: str
    databases: dict[str, str]  # database name -> URL

    @property
    def keystone(self) -> str:
        return f"http://{HOST}:{self.ports.keystone}"


def _auth(ctx: Context, user: str, section: str) -> str:
    return f"""
[{section}]
auth_url = {ctx.keystone}
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = {user}
password = {ctx.password}
region_name = {REGION}
"""


def _authtoken(ctx: Context, user: str) -> str:
    return _auth(ctx, user, "keystone_authtoken") + (
        f"www_authenticate_uri = {ctx.keystone}\n"
        f"memcached_servers = {HOST}:{ctx.ports.memcached}\n"
        "service_token_roles_required = true\n"
    )


def _common(ctx: Context, service: str, default: str, bus: bool = True) -> str:
    """``[DEFAULT]`` (with the service's own ``default`` options) and what all share."""
    state = ctx.root / service
    transport = f"transport_url = {ctx.transport_url}\n" if bus else ""
    return f"""[DEFAULT]
use_stderr = true
debug = false
state_path = {state}
{transport}{default}
[oslo_concurrency]
lock_path = {state / "locks"}

[oslo_messaging_notifications]
driver = noop
"""


def placement_conf(ctx: Context) -> str:
    return (
        _common(ctx, "placement", "", bus=False)
        + f"""
[api]
auth_strategy = keystone

[placement_database]
connection = {ctx.databases["placement"]}
"""
        + _authtoken(ctx, "placement")
    )


def glance_conf(ctx: Context) -> str:
    images = ctx.root / "glance"
    return (
        _common(
            ctx,
            "glance",
            f"""enabled_backends = file1:file
workers = 1
node_staging_uri = file://{images / "staging"}
""",
            bus=False,
        )
        + f"""
[glance_store]
default_backend = file1
filesystem_store_datadir = {images / "images"}

[file1]
filesystem_store_datadir = {images / "images"}

[os_glance_staging_store]
filesystem_store_datadir = {images / "staging"}

[os_glance_tasks_store]
filesystem_store_datadir = {images / "tasks"}

[database]
connection = {ctx.databases["glance"]}

[paste_deploy]
flavor = keystone

[image_format]
require_image_format_match = false
"""
        + _authtoken(ctx, "glance")
    )


def neutron_conf(ctx: Context) -> str:
    return (
        _common(
            ctx,
            "neutron",
            f"""core_plugin = ml2
service_plugins = router
auth_strategy = keystone
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0
dhcp_agent_notification = false
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
api_paste_config = {ctx.root / "neutron" / "api-paste.ini"}
""",
        )
        + f"""
[database]
connection = {ctx.databases["neutron"]}

[agent]
root_helper = true
"""
        + _authtoken(ctx, "neutron")
        + _auth(ctx, "nova", "nova")
    )


def ml2_conf() -> str:
    return f"""[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers = refcore_fake
extension_drivers = port_security

[ml2_type_flat]
flat_networks = {PUBLIC_NETWORK}

[ml2_type_vxlan]
vni_ranges = 1:10000

[securitygroup]
firewall_driver = noop
"""


def nova_conf(ctx: Context) -> str:
    nova = ctx.root / "nova"
    return (
        _common(
            ctx,
            "nova",
            f"""compute_driver = refcore_fake.RefcoreFakeDriver
host = {HOST_NAME}
my_ip = {HOST}
instances_path = {nova / "instances"}
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
allow_resize_to_same_host = true
cpu_allocation_ratio = 16.0
ram_allocation_ratio = 8.0
disk_allocation_ratio = 8.0
""",
        )
        + f"""
[wsgi]
api_paste_config = {nova / "api-paste.ini"}

[api]
auth_strategy = keystone

[api_database]
connection = {ctx.databases["nova_api"]}

[database]
connection = {ctx.databases["nova"]}

[conductor]
workers = 1

[scheduler]
workers = 1
discover_hosts_in_cells_interval = 30

[vnc]
enabled = false

[glance]
region_name = {REGION}
"""
        + _authtoken(ctx, "nova")
        + _auth(ctx, "nova", "placement")
        + _auth(ctx, "nova", "neutron")
        + _auth(ctx, "nova", "service_user")
        + "send_service_user_token = true\n"
        + _auth(ctx, "nova", "cinder")
        + f"os_region_name = {REGION}\n"
    )


def cinder_conf(ctx: Context, venv: Path) -> str:
    cinder = ctx.root / "cinder"
    return (
        _common(
            ctx,
            "cinder",
            f"""auth_strategy = keystone
host = {HOST_NAME}
my_ip = {HOST}
enabled_backends = fake
osapi_volume_workers = 1
api_paste_config = {cinder / "api-paste.ini"}
resource_query_filters_file = {cinder / "resource_filters.json"}
""",
        )
        + f"""
[database]
connection = {ctx.databases["cinder"]}

[fake]
volume_driver = refcore_sandbox_cinder.RefcoreFakeVolumeDriver
volume_backend_name = fake

[cinder_sys_admin]
helper_command = {venv / "bin" / "privsep-helper"} --config-file {cinder / "cinder.conf"}
"""
        + _authtoken(ctx, "cinder")
        + _auth(ctx, "cinder", "nova")
    )


#: tempest.conf settings a cloud with a fake hypervisor needs on top of the discovered
#: ones (``refcore test --tempest-conf-override``): no SSH into guests (there are none),
#: resize to the same (only) host, Tempest's bogus-image tests allowed, and build
#: timeouts for a loaded 2-core machine
TEMPEST_OVERRIDES = """[validation]
run_validation = false

[compute-feature-enabled]
resize = true

[image-feature-enabled]
image_format_enforcement = false

[compute]
build_timeout = 300

[volume]
build_timeout = 300
"""
