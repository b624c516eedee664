"""Registered clouds, the pure part: a clouds.yaml entry checked and masked, the schedule
(when the next scheduled run is due), the guideline/targets to test and the redaction of
secrets from a job's log. No I/O: the services store, encrypt and enqueue.

A registered cloud's credentials are one clouds.yaml entry with password auth against
Keystone v3 (what the runner supports, :mod:`refcore.runner.cloud`)::

    auth:
      auth_url: https://keystone.example.org/v3
      username: tester
      password: s3cret
      project_name: interop
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne

A whole ``clouds.yaml`` holding exactly one cloud is accepted too.

A schedule is ``daily HH:MM``, ``weekly <day> HH:MM`` (UTC; ``mon`` .. ``sun``) or
``manual`` (only on demand).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import yaml

from refcore.core import yamltext
from refcore.core.guidelines import GuidelineSet
from refcore.errors import GuidelineError, InvalidInput

__all__ = [
    "AUTH_KEYS",
    "DAYS",
    "ENTRY_KEYS",
    "MASK",
    "OPTIONS",
    "Schedule",
    "mask_entry",
    "parse_entry",
    "parse_options",
    "parse_schedule",
    "parse_tests",
    "redact",
    "secrets_of",
]

#: what ``auth`` may hold (password auth, Keystone v3)
AUTH_KEYS = (
    "auth_url",
    "username",
    "password",
    "project_name",
    "project_id",
    "user_domain_name",
    "user_domain_id",
    "project_domain_name",
    "project_domain_id",
)
#: what the entry may hold besides ``auth``
ENTRY_KEYS = ("auth", "region_name", "interface", "identity_api_version", "auth_type")
#: secret values: never shown back, redacted from logs
_SECRET_KEYS = ("password",)
#: partly shown (the first two characters)
_PARTIAL_KEYS = ("username",)
#: how a secret is shown back
MASK = "********"
#: runner options a cloud may set, with their type
OPTIONS: dict[str, type] = {
    "network": str,
    "concurrency": int,
    "all_statuses": bool,
    "discover": bool,
    "rerun_failed": int,
}
_KIND_WORDS = {str: "a string", int: "an integer", bool: "true or false"}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {d: i for i, d in enumerate(DAYS)} | {
    name: i
    for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}
#: http(s)://host[:port][/path], no spaces
_URL = re.compile(r"^https?://([^\s/:@?#\[\]]+|\[[0-9a-f:.]+\])(:\d{1,5})?(/\S*)?$", re.IGNORECASE)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_MAX_TESTS = 20
_MAX_VALUE = 512


# -- credentials ------------------------------------------------------------------------------
def parse_entry(data: Any) -> dict[str, Any]:
    """One clouds.yaml entry (a mapping, or its YAML/JSON text), checked: password auth
    with ``auth_url`` (http or https), ``username``, ``password`` and a project. Every problem
    is listed at once (400); the values themselves are never echoed."""
    if isinstance(data, str):
        try:
            data = yamltext.safe_load(data)
        except yaml.YAMLError:
            raise InvalidInput("credentials: not YAML or JSON") from None
    if isinstance(data, dict) and set(data) == {"clouds"} and isinstance(data["clouds"], dict):
        clouds = data["clouds"]
        if len(clouds) != 1:
            raise InvalidInput(
                f"credentials: the clouds.yaml holds {len(clouds)} clouds; give exactly one"
            )
        data = next(iter(clouds.values()))
    if not isinstance(data, dict):
        raise InvalidInput(
            "credentials: a clouds.yaml entry is required (auth: auth_url, username, "
            "password, project_name)"
        )
    errors: list[str] = []
    unknown = sorted(str(k) for k in data if k not in ENTRY_KEYS)
    if unknown:
        errors.append(f"unknown keys: {', '.join(unknown)} (allowed: {', '.join(ENTRY_KEYS)})")
    auth = data.get("auth")
    if not isinstance(auth, dict):
        errors.append("auth: a mapping with auth_url, username, password and project_name")
        auth = {}
    unknown_auth = sorted(str(k) for k in auth if k not in AUTH_KEYS)
    if unknown_auth:
        errors.append(
            f"auth: unknown keys: {', '.join(unknown_auth)} (password auth only; allowed: "
            f"{', '.join(AUTH_KEYS)})"
        )
    if data.get("auth_type") not in (None, "password", "v3password"):
        errors.append("auth_type: only password auth is supported")
    if str(data.get("identity_api_version", 3)) not in ("3", "3.0"):
        errors.append("identity_api_version: only Keystone v3 is supported")
    for key in ("auth_url", "username", "password"):
        if not _text(auth.get(key)):
            errors.append(f"auth.{key}: required (a non-empty string)")
    if not (_text(auth.get("project_name")) or _text(auth.get("project_id"))):
        errors.append("auth.project_name (or auth.project_id): required")
    for key, value in [*auth.items(), *((k, v) for k, v in data.items() if k != "auth")]:
        if value is not None and not isinstance(value, (str, int)):
            errors.append(f"{key}: a string")
        elif value is not None and len(str(value)) > _MAX_VALUE:
            errors.append(f"{key}: at most {_MAX_VALUE} characters")
    url = auth.get("auth_url")
    if _text(url) and not _URL.match(str(url)):
        errors.append("auth.auth_url: an http(s) URL of Keystone")
    if data.get("interface") not in (None, "public", "internal", "admin"):
        errors.append("interface: public, internal or admin")
    if errors:
        raise InvalidInput("credentials: not a usable clouds.yaml entry", errors=errors)
    entry: dict[str, Any] = {
        "auth": {k: str(auth[k]) for k in AUTH_KEYS if auth.get(k) not in (None, "")}
    }
    for key in ("region_name", "interface"):
        if data.get(key):
            entry[key] = str(data[key])
    return entry


def _text(value: Any) -> bool:
    return isinstance(value, (str, int)) and bool(str(value).strip())


def mask_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry as it may be shown back: the password replaced, the user name cut."""
    auth = dict(entry.get("auth", {}))
    for key in _SECRET_KEYS:
        if key in auth:
            auth[key] = MASK
    for key in _PARTIAL_KEYS:
        if key in auth:
            value = str(auth[key])
            auth[key] = value[:2] + "…" if len(value) > 4 else "…"
    return {**entry, "auth": auth}


def secrets_of(entry: dict[str, Any]) -> list[str]:
    """The values to redact from anything written about a job (logs, reasons)."""
    auth = entry.get("auth", {})
    return [str(auth[k]) for k in (*_SECRET_KEYS, *_PARTIAL_KEYS) if auth.get(k)]


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with every secret (longest first) replaced by the mask."""
    for secret in sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


# -- what to test -----------------------------------------------------------------------------
def parse_tests(gs: GuidelineSet, data: Any) -> list[dict[str, str]]:
    """The guideline/targets to test: a list of ``{"guideline", "target"}`` or of
    ``"2020.06 object"`` strings (a newline-separated text too). A target may be named by
    its program ("storage" for object). Each must exist in the guideline data."""
    if isinstance(data, str):
        data = [line for line in data.splitlines() if line.strip()]
    if not isinstance(data, list) or not data:
        raise InvalidInput(
            "tests: at least one guideline and target to test, e.g. "
            '[{"guideline": "2020.06", "target": "object"}]'
        )
    if len(data) > _MAX_TESTS:
        raise InvalidInput(f"tests: at most {_MAX_TESTS} guideline/targets")
    out: list[dict[str, str]] = []
    errors: list[str] = []
    for i, item in enumerate(data):
        if isinstance(item, str):
            words = item.replace("/", " ").split()
            item = (
                dict(zip(("guideline", "target"), words, strict=False)) if len(words) == 2 else {}
            )
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) and item.get(k) for k in ("guideline", "target")
        ):
            errors.append(f"tests[{i}]: a guideline and a target (e.g. 2020.06 object)")
            continue
        try:
            g = gs[item["guideline"]]
        except GuidelineError:
            errors.append(f"tests[{i}]: no guideline {item['guideline']!r}")
            continue
        target = _resolve_target(g.targets, item["target"])
        if target is None:
            errors.append(
                f"tests[{i}]: guideline {g.id} has no target {item['target']!r} "
                f"(it defines: {', '.join(g.targets)})"
            )
            continue
        pair = {"guideline": g.id, "target": target}
        if pair not in out:
            out.append(pair)
    if errors:
        raise InvalidInput("tests: not guideline/targets to test", errors=errors)
    return out


def _resolve_target(targets: dict[str, Any], name: str) -> str | None:
    wanted = name.strip().lower()
    for key, target in targets.items():
        title = (getattr(target, "title", None) or "").strip().lower()
        if wanted in (key.lower(), title, title.split()[-1] if title else key.lower()):
            return str(key)
    return None


def parse_options(data: Any) -> dict[str, Any]:
    """Runner options (see :data:`OPTIONS`); unknown keys and wrong types are refused."""
    if data in (None, "", {}):
        return {}
    if not isinstance(data, dict):
        raise InvalidInput("options: an object")
    errors = []
    for key, value in data.items():
        kind = OPTIONS.get(key)
        if kind is None:
            errors.append(f"options.{key}: unknown (allowed: {', '.join(OPTIONS)})")
        elif type(value) is not kind:
            errors.append(f"options.{key}: {_KIND_WORDS[kind]}")
        elif isinstance(value, int) and kind is int and not 0 <= value <= 64:
            errors.append(f"options.{key}: between 0 and 64")
    if errors:
        raise InvalidInput("options: not runner options", errors=errors)
    return dict(data)


# -- schedule ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Schedule:
    """When scheduled runs are due, in UTC. ``kind``: daily, weekly or manual."""

    kind: str
    hour: int = 0
    minute: int = 0
    #: 0 = Monday (weekly only)
    weekday: int = 0

    def __str__(self) -> str:
        if self.kind == "manual":
            return "manual"
        at = f"{self.hour:02d}:{self.minute:02d}"
        return f"weekly {DAYS[self.weekday]} {at}" if self.kind == "weekly" else f"daily {at}"

    def describe(self) -> str:
        """Words for a page: "every day at 03:00 UTC"."""
        if self.kind == "manual":
            return "on demand only"
        at = f"{self.hour:02d}:{self.minute:02d} UTC"
        if self.kind == "weekly":
            day = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[
                self.weekday
            ]
            return f"every {day} at {at}"
        return f"every day at {at}"

    def next_after(self, moment: datetime) -> datetime | None:
        """The first due time strictly after ``moment`` (naive UTC); None when manual."""
        if self.kind == "manual":
            return None
        base = moment.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        if self.kind == "daily":
            return base if base > moment else base + timedelta(days=1)
        due = base + timedelta(days=(self.weekday - moment.weekday()) % 7)
        return due if due > moment else due + timedelta(days=7)


def parse_schedule(text: Any) -> Schedule:
    """``daily 03:00``, ``weekly mon 03:00`` or ``manual`` (400 with the grammar otherwise)."""
    grammar = "schedule: 'daily HH:MM', 'weekly <mon..sun> HH:MM' (UTC) or 'manual'"
    if not isinstance(text, str):
        raise InvalidInput(grammar)
    words = text.strip().lower().split()
    if words == ["manual"]:
        return Schedule("manual")
    if len(words) == 2 and words[0] == "daily" and (m := _TIME.match(words[1])):
        return Schedule("daily", int(m[1]), int(m[2]))
    if (
        len(words) == 3
        and words[0] == "weekly"
        and words[1] in _DAY_NAMES
        and (m := _TIME.match(words[2]))
    ):
        return Schedule("weekly", int(m[1]), int(m[2]), _DAY_NAMES[words[1]])
    raise InvalidInput(grammar)
