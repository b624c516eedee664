"""``refcore sandbox``: a real tiny OpenStack cloud on 127.0.0.1, from PyPI packages.

The object program (Keystone + Swift), the compute program (Keystone, Placement, Glance,
Neutron, Nova with its fake driver, Cinder without a block device) or both (platform).
Everything lives under one directory the sandbox owns: configuration, state, logs, pid
files, ``clouds.yaml`` and Tempest's ``accounts.yaml``; the venvs (one per project, since
their pins clash) live in a cache shared by every sandbox; databases and the message bus
are the machine's MariaDB or PostgreSQL and RabbitMQ.
"""

from .manager import Sandbox, ServiceStatus, Step
from .ports import DEFAULT_PORTS, Ports
from .services import PROGRAMS

__all__ = ["DEFAULT_PORTS", "PROGRAMS", "Ports", "Sandbox", "ServiceStatus", "Step"]
