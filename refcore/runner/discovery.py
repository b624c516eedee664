"""tempest.conf discovered from the cloud itself, with python-tempestconf
(``discover-tempest-config``, what refstack-client used), then refcore's own settings and
the user's overrides on top; and the clean-up of what the discovery created.

python-tempestconf reads the catalog and every service's own API (versions, extensions,
microversions, Swift's ``/info``, feature flags), finds or creates what the tests need
(flavors with ``--create``, images from ``--image FILE`` or cirros, the external network,
Swift's operator and reseller roles) and writes tempest.conf. It is installed into the
Tempest venv (its pins are Tempest's, not refcore's): ``python-tempestconf`` ==
:data:`TEMPESTCONF_VERSION`.

Every value of the final file is kept with where it came from (:class:`Choice`):
``discovered`` (python-tempestconf), ``refcore`` (log and lock paths, static accounts) or
``override`` (``--tempest-conf-override FILE``, applied last, so the user has the last word).
"""

from __future__ import annotations

import configparser
import io
import os
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from refcore.errors import RunnerError

from .cloud import CloudSession
from .tempest import TempestInstall

__all__ = [
    "TEMPESTCONF_VERSION",
    "Choice",
    "Created",
    "Discovery",
    "apply_settings",
    "cleanup",
    "conf_items",
    "created_resources",
    "discover",
    "install_tempestconf",
    "read_overrides",
    "redact_log",
]

#: the python-tempestconf refcore installs into the Tempest venv (works with Tempest 47)
TEMPESTCONF_VERSION = "3.5.4"

#: seconds python-tempestconf may take (it uploads images)
DISCOVERY_TIMEOUT = 900

_SECRET_KEY = re.compile(r"password|secret|token", re.I)


@dataclass(frozen=True, slots=True)
class Choice:
    section: str
    key: str
    value: str
    #: "discovered" | "refcore" | "override"
    source: str

    @property
    def shown(self) -> str:
        """The value as it may be shown or logged (secrets blanked)."""
        return "***" if _SECRET_KEY.search(self.key) and self.value else self.value


@dataclass(frozen=True, slots=True)
class Created:
    """A resource python-tempestconf created (its log says so), to delete after the run."""

    kind: str  # flavor | image | user | project | role
    name: str


@dataclass(slots=True)
class Discovery:
    text: str
    choices: list[Choice]
    created: list[Created] = field(default_factory=list)
    #: python-tempestconf's command line (no secret: credentials go in its environment)
    command: list[str] = field(default_factory=list)
    log: str = ""


def install_tempestconf(install: TempestInstall, log_dir: Path) -> Path:
    """``discover-tempest-config`` of the Tempest venv, installing python-tempestconf
    there once (pip's output in ``<log_dir>/tempestconf-install.log``)."""
    script = install.bin_dir / "discover-tempest-config"
    if script.is_file() and _installed_version(install) == TEMPESTCONF_VERSION:
        return script
    if not install.python.is_file():
        raise RunnerError(
            f"{install.executable} is not in a virtualenv refcore can install "
            f"python-tempestconf into: give --tempest-conf FILE, or --no-discover"
        )
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "tempestconf-install.log"
    cmd = [
        str(install.python),
        "-m",
        "pip",
        "install",
        f"python-tempestconf=={TEMPESTCONF_VERSION}",
    ]
    with log.open("wb") as out:
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode or not script.is_file():
        raise RunnerError(
            f"installing python-tempestconf {TEMPESTCONF_VERSION} into {install.bin_dir.parent} "
            f"failed: see {log}"
        )
    return script


def _installed_version(install: TempestInstall) -> str | None:
    code = "import importlib.metadata as m; print(m.version('python-tempestconf'))"
    try:
        out = subprocess.run(
            [str(install.python), "-c", code], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def discover(
    session: CloudSession,
    script: Path,
    work_dir: Path,
    *,
    image: Path | None = None,
    image_disk_format: str | None = None,
    accounts: Path | None = None,
    network: str | None = None,
    flavor_min_mem: int = 64,
    flavor_min_disk: int = 1,
) -> Discovery:
    """Run python-tempestconf against the cloud; the conf it wrote and what it created.

    Admins get ``--create`` (flavors, Tempest's users) unless static ``accounts`` are
    given; other users ``--non-admin`` and need ``accounts``. Credentials are passed in
    the ``OS_*`` environment, never on the command line.
    """
    cloud = session.cloud
    if not session.is_admin and accounts is None:
        raise RunnerError(
            f"user '{cloud.username}' is not an admin of the cloud (roles: "
            f"{', '.join(session.roles) or 'none'}): give Tempest static accounts with "
            "--accounts accounts.yaml"
        )
    work_dir.mkdir(parents=True, exist_ok=True)
    out = work_dir / "tempest.discovered.conf"
    cmd = [str(script), "--out", str(out), "--debug"]
    if accounts is not None:
        if not accounts.is_file():
            raise RunnerError(f"accounts file {accounts} does not exist")
        cmd += ["--test-accounts", str(accounts.resolve())]
    if not session.is_admin:
        cmd.append("--non-admin")
    elif accounts is None:
        cmd.append("--create")
    if image is not None:
        if not image.is_file():
            raise RunnerError(f"image file {image} does not exist")
        cmd += ["--image", str(image.resolve())]
        cmd += ["--image-disk-format", image_disk_format or _disk_format(image)]
    if network:
        cmd += ["--network", network]
    cmd += ["--flavor-min-mem", str(flavor_min_mem), "--flavor-min-disk", str(flavor_min_disk)]
    # the region and endpoint interface of the credentials, as given
    cmd += ["identity.region", session.region or "RegionOne"]
    try:
        done = subprocess.run(
            cmd,
            cwd=work_dir,  # python-tempestconf keeps images under ./etc
            env=_env(session),
            capture_output=True,
            text=True,
            timeout=DISCOVERY_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RunnerError(f"python-tempestconf took more than {DISCOVERY_TIMEOUT} s") from None
    except OSError as exc:
        raise RunnerError(f"cannot run {script}: {exc}") from None
    log = redact_log(done.stdout + done.stderr)
    (work_dir / "tempestconf.log").write_text(log, encoding="utf-8")
    created = created_resources(log)
    if done.returncode or not out.is_file():
        last = [line for line in log.splitlines() if line.strip()][-1:] or ["no output"]
        raise RunnerError(
            f"python-tempestconf failed (exit {done.returncode}): {last[0][:300]} "
            f"(see {work_dir / 'tempestconf.log'})"
        )
    text = out.read_text(encoding="utf-8")
    out.unlink()  # it holds passwords; the final file is written by the workspace (0600)
    choices = [Choice(s, k, v, "discovered") for s, k, v in conf_items(text)]
    return Discovery(text, choices, created, cmd, log)


def _disk_format(image: Path) -> str:
    suffix = image.suffix.lower().lstrip(".")
    return {"img": "qcow2", "qcow2": "qcow2", "raw": "raw", "iso": "iso", "vmdk": "vmdk"}.get(
        suffix, "raw"
    )


def _env(session: CloudSession) -> dict[str, str]:
    cloud = session.cloud
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(
        {
            "OS_AUTH_URL": cloud.v3_url,
            "OS_IDENTITY_API_VERSION": "3",
            "OS_USERNAME": cloud.username,
            "OS_PASSWORD": cloud.password,
            "OS_PROJECT_NAME": cloud.project_name,
            "OS_INTERFACE": cloud.interface,
        }
    )
    for var, value in (
        ("OS_USER_DOMAIN_ID", cloud.user_domain_id),
        ("OS_USER_DOMAIN_NAME", cloud.user_domain_name),
        ("OS_PROJECT_DOMAIN_ID", cloud.project_domain_id),
        ("OS_PROJECT_DOMAIN_NAME", cloud.project_domain_name),
        ("OS_REGION_NAME", session.region),
    ):
        if value:
            env[var] = value
    if not cloud.user_domain_id and not cloud.user_domain_name:
        env["OS_USER_DOMAIN_ID"] = "default"
    if not cloud.project_domain_id and not cloud.project_domain_name:
        env["OS_PROJECT_DOMAIN_ID"] = "default"
    return env


_LOG_PASSWORD = re.compile(r"(password\S*\s*[=:]?\s*)'[^']*'", re.I)
_LOG_SETTING = re.compile(r"^(.*\b\w*(?:password|secret)\w*\s*=\s*)\S.*$", re.I | re.M)


def redact_log(text: str) -> str:
    """python-tempestconf logs the passwords it sets; blank them."""
    return _LOG_SETTING.sub(r"\1***", _LOG_PASSWORD.sub(r"\1'***'", text))


_CREATED = (
    ("flavor", re.compile(r"Creating flavor '([^']+)'")),
    ("image", re.compile(r"Creating image '([^']+)'")),
    ("project", re.compile(r"Creating user '[^']+' with project '([^']+)'")),
    ("user", re.compile(r"Creating user '([^']+)' with project")),
    ("role", re.compile(r"Creating (\S+) role")),
)


def created_resources(log: str) -> list[Created]:
    """What python-tempestconf's log says it created ("Creating flavor 'm1.nano'", ...)."""
    found: list[Created] = []
    for line in log.splitlines():
        for kind, pattern in _CREATED:
            m = pattern.search(line)
            if m and Created(kind, m.group(1)) not in found:
                found.append(Created(kind, m.group(1)))
    return found


def read_overrides(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) of an ini file of tempest.conf settings."""
    parser = _parser()
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise RunnerError(f"cannot read {path}: {exc}") from None
    except configparser.Error as exc:
        raise RunnerError(f"{path}: not an ini file: {str(exc).splitlines()[0]}") from None
    items = _items_of(parser)
    if not items:
        raise RunnerError(f"{path} sets nothing (expected [section] key = value lines)")
    return items


def apply_settings(
    text: str, choices: list[Choice], settings: Iterable[tuple[str, str, str]], source: str
) -> tuple[str, list[Choice]]:
    """``text`` with ``settings`` set (replacing what was there), and the choices updated."""
    parser = _parser()
    parser.read_string(text)
    applied = list(settings)
    for section, key, value in applied:
        if section != "DEFAULT" and not parser.has_section(section):
            parser.add_section(section)
        parser.set(section, key, value)
    replaced = {(s, k) for s, k, _ in applied}
    kept = [c for c in choices if (c.section, c.key) not in replaced]
    kept += [Choice(s, k, v, source) for s, k, v in applied]
    out = io.StringIO()
    parser.write(out)
    order = {(s, k): i for i, (s, k, _) in enumerate(conf_items(out.getvalue()))}
    kept.sort(key=lambda c: order.get((c.section, c.key), len(order)))
    return out.getvalue(), kept


def _parser() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    return parser


def conf_items(text: str) -> list[tuple[str, str, str]]:
    parser = _parser()
    parser.read_string(text)
    return _items_of(parser)


def _items_of(parser: configparser.ConfigParser) -> list[tuple[str, str, str]]:
    items = [("DEFAULT", k, v) for k, v in parser.defaults().items()]
    for section in parser.sections():
        own = parser._sections[section]  # type: ignore[attr-defined]  # without DEFAULT's
        items += [(section, k, v) for k, v in own.items()]
    return items


# -- clean-up ------------------------------------------------------------------------------


def cleanup(session: CloudSession, created: list[Created], *, timeout: float = 30.0) -> list[str]:
    """Delete what python-tempestconf created (flavors, images, users, projects) through
    the services' APIs with the preflight's token. Roles are left: other users of the
    cloud may hold them. Returns one line per resource, saying what happened."""
    lines = []
    headers = {"X-Auth-Token": session.token}
    with httpx.Client(headers=headers, timeout=timeout) as client:
        for item in created:
            if item.kind == "role":
                lines.append(f"role {item.name}: kept (roles may be shared)")
                continue
            try:
                lines.append(_delete(client, session, item))
            except httpx.HTTPError as exc:
                lines.append(f"{item.kind} {item.name}: not deleted ({exc})")
    return lines


_LOOKUP = {
    # kind: (service type, list path, list key, delete path template)
    "flavor": ("compute", "/flavors?is_public=None", "flavors", "/flavors/{id}"),
    "image": ("image", "/v2/images?name={name}", "images", "/v2/images/{id}"),
    "user": ("identity", "/users?name={name}", "users", "/users/{id}"),
    "project": ("identity", "/projects?name={name}", "projects", "/projects/{id}"),
}


def _delete(client: httpx.Client, session: CloudSession, item: Created) -> str:
    service, list_path, key, delete_path = _LOOKUP[item.kind]
    if service == "identity":
        base = session.cloud.v3_url
    else:
        endpoint = session.endpoint(service)
        if endpoint is None:
            return f"{item.kind} {item.name}: no {service} endpoint, not deleted"
        base = endpoint.url.rstrip("/")
        if service == "image" and base.endswith("/v2"):
            base = base[: -len("/v2")]
    found = client.get(base + list_path.format(name=item.name))
    if found.status_code != 200:
        return f"{item.kind} {item.name}: listing answered {found.status_code}, not deleted"
    ids = [r["id"] for r in found.json().get(key, []) if r.get("name") == item.name]
    if not ids:
        return f"{item.kind} {item.name}: already gone"
    for rid in ids:
        gone = client.delete(base + delete_path.format(id=rid))
        if gone.status_code not in (202, 204, 404):
            return f"{item.kind} {item.name}: delete answered {gone.status_code}"
    return f"{item.kind} {item.name}: deleted"
