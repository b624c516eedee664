"""``refcore sandbox``: a real tiny OpenStack cloud (Keystone + Swift) on 127.0.0.1.

Everything lives under one directory the sandbox owns: venvs (Keystone, Swift and Tempest
each in its own, since their pins clash), configuration, the SQLite database, Swift's
rings and device, logs, pid files, ``clouds.yaml`` and Tempest's ``accounts.yaml``.
"""

from .manager import Sandbox, ServiceStatus
from .ports import DEFAULT_PORTS, Ports

__all__ = ["DEFAULT_PORTS", "Ports", "Sandbox", "ServiceStatus"]
