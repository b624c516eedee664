"""The sandbox's TCP ports: defaults, ``--ports name=N,...`` parsing, and the check
that nothing else already listens there (before anything is started).

``mariadb``, ``postgresql`` and ``rabbitmq`` are where the machine's own servers are
looked for; the sandbox uses them and never starts or stops them."""

from __future__ import annotations

import errno
import socket
from dataclasses import asdict, dataclass, fields, replace

from refcore.errors import RunnerError

__all__ = ["DEFAULT_PORTS", "HOST", "Ports", "port_free"]

HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Ports:
    keystone: int = 5000
    swift: int = 8080
    object: int = 6200
    container: int = 6201
    account: int = 6202
    memcached: int = 11211
    glance: int = 9292
    placement: int = 8778
    nova: int = 8774
    neutron: int = 9696
    cinder: int = 8776
    mariadb: int = 3306
    postgresql: int = 5432
    rabbitmq: int = 5672

    @classmethod
    def parse(cls, spec: str | None, base: Ports | None = None) -> Ports:
        """``"keystone=5001,swift=8081"`` over ``base`` (default :data:`DEFAULT_PORTS`)."""
        ports = base or DEFAULT_PORTS
        if not spec:
            return ports
        names = {f.name for f in fields(cls)}
        changes: dict[str, int] = {}
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            name, sep, value = item.partition("=")
            name = name.strip()
            if not sep or name not in names:
                raise RunnerError(
                    f"bad --ports item '{item}': expected NAME=PORT with NAME one of "
                    f"{', '.join(sorted(names))}"
                )
            try:
                port = int(value)
            except ValueError:
                raise RunnerError(f"bad --ports item '{item}': '{value}' is not a number") from None
            if not 1 <= port <= 65535:
                raise RunnerError(f"bad --ports item '{item}': port out of range")
            changes[name] = port
        result = replace(ports, **changes)
        values = list(result.as_dict().values())
        if len(set(values)) != len(values):
            raise RunnerError(f"--ports: two services on one port ({result.describe()})")
        return result

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.as_dict().items())


DEFAULT_PORTS = Ports()


def port_free(port: int, host: str = HOST) -> bool:
    """True when nothing listens on ``host:port`` (a bind succeeds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True
