"""What the sandbox can run: its processes, the components they belong to, and the
programs (``object``, ``compute``, ``platform``) as sets of components.

A *component* is what a user names (``--services nova,cinder``): one OpenStack project in
one venv. A *process* is what runs and is tracked by a pid file (Nova's component has
four). Data only; :mod:`.manager` starts them.
"""

from __future__ import annotations

from dataclasses import dataclass

from refcore.errors import RunnerError

__all__ = [
    "COMPONENTS",
    "PROCESSES",
    "PROGRAMS",
    "Process",
    "components_for",
    "processes_of",
]


@dataclass(frozen=True, slots=True)
class Process:
    name: str
    component: str
    #: field of :class:`.ports.Ports` it listens on (None: a worker without an API)
    port: str | None
    #: path probed for health (HTTP GET answering < 400); None: a TCP connect
    health: str | None


#: every process, in start order (``down`` stops them in reverse)
PROCESSES: tuple[Process, ...] = (
    Process("memcached", "memcached", "memcached", None),
    Process("keystone", "keystone", "keystone", "/v3"),
    Process("account", "swift", "account", "/healthcheck"),
    Process("container", "swift", "container", "/healthcheck"),
    Process("object", "swift", "object", "/healthcheck"),
    Process("swift", "swift", "swift", "/healthcheck"),
    Process("placement", "placement", "placement", "/"),
    Process("glance", "glance", "glance", "/"),
    Process("neutron", "neutron", "neutron", "/"),
    Process("nova-api", "nova", "nova", "/"),
    Process("nova-conductor", "nova", None, None),
    Process("nova-scheduler", "nova", None, None),
    Process("nova-compute", "nova", None, None),
    Process("cinder-api", "cinder", "cinder", "/"),
    Process("cinder-scheduler", "cinder", None, None),
    Process("cinder-volume", "cinder", None, None),
)

#: component -> the components it cannot work without
COMPONENTS: dict[str, tuple[str, ...]] = {
    "memcached": (),
    "keystone": ("memcached",),
    "swift": ("keystone",),
    "placement": ("keystone",),
    "glance": ("keystone",),
    "neutron": ("keystone",),
    "nova": ("keystone", "placement", "glance", "neutron"),
    "cinder": ("keystone",),
}

#: guideline targets -> components (identity comes with each)
PROGRAMS: dict[str, tuple[str, ...]] = {
    "object": ("swift",),
    "compute": ("placement", "glance", "neutron", "nova", "cinder"),
    "platform": ("swift", "placement", "glance", "neutron", "nova", "cinder"),
}


def components_for(program: str | None, services: str | None) -> tuple[str, ...]:
    """The components of ``--program`` or ``--services a,b`` (with what they need), in
    start order; RunnerError for names that are neither."""
    wanted: list[str] = []
    if program is not None:
        if program not in PROGRAMS:
            raise RunnerError(f"unknown program '{program}': choose one of {', '.join(PROGRAMS)}")
        wanted += PROGRAMS[program]
    for name in (services or "").split(","):
        name = name.strip()
        if not name:
            continue
        if name not in COMPONENTS:
            raise RunnerError(
                f"unknown service '{name}': choose among {', '.join(list(COMPONENTS)[1:])}"
            )
        wanted.append(name)
    closed: set[str] = set()
    todo = list(wanted) or ["keystone"]
    while todo:
        name = todo.pop()
        if name not in closed:
            closed.add(name)
            todo += COMPONENTS[name]
    return tuple(c for c in COMPONENTS if c in closed)


def processes_of(components: tuple[str, ...] | list[str]) -> tuple[Process, ...]:
    return tuple(p for p in PROCESSES if p.component in components)
