"""Product profiles: what a product is, claims, runs, and what proves it.

A profile is plain data (read from YAML or JSON by :mod:`refcore.readers.profiles`),
checked against the published JSON schema
``refcore/core/schemas/product-profile.schema.json`` and turned into a
:class:`Profile`. Every schema violation is reported at once, each with the JSON
pointer of the offending value, in :attr:`ProfileError.errors`.

Defaults, so that a profile only says what differs from running upstream code:
a section a profile does not mention is ``included`` when its project is deployed
and ``absent`` when it is not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from refcore.errors import ProfileError, ScoringError

from .tc_rules import Property, parse_properties
from .usage import UsageDeclaration, parse_usage

__all__ = [
    "KINDS",
    "OBLIGATIONS",
    "PROGRAMS",
    "SECTION_STATES",
    "Evidence",
    "Profile",
    "ProjectUse",
    "SectionUse",
    "profile_schema",
    "validate_profile",
]

KINDS: tuple[str, ...] = (
    "public-cloud",
    "distribution",
    "appliance",
    "client-library",
    "hosted-private-cloud",
)
#: program names a profile may claim -> the guideline target they mean
PROGRAMS: Mapping[str, str] = {
    "platform": "platform",
    "compute": "compute",
    "object": "object",
    "storage": "object",
    "dns": "dns",
    "orchestration": "orchestration",
    "nfv": "nfv",
}
SECTION_STATES: tuple[str, ...] = ("included", "replaced", "absent")
#: what an empty profile is told it needs (the schema's required fields)
EMPTY_HINT = (
    "vendor, product and kind, and (except for a client library) release and programs; "
    "usually also projects, evidence and obligations"
)
#: license obligations every OpenStack product must meet (seed: "other basic
#: obligations in their license agreement like being a currently paid up corporate
#: sponsor or foundation member")
OBLIGATIONS: Mapping[str, str] = {
    "foundation_member": "corporate sponsor or foundation member in good standing",
    "trademark_agreement": "OpenStack trademark license agreement signed",
}


@cache
def profile_schema() -> dict[str, Any]:
    """The published JSON schema (package data)."""
    text = resources.files("refcore.core").joinpath("schemas/product-profile.schema.json")
    schema: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return schema


def _pointer(error: ValidationError) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in error.absolute_path]
    return "/" + "/".join(parts) if parts else "/"


def _flatten(error: ValidationError) -> list[tuple[str, str]]:
    """(pointer, message) pairs; a section value (``oneOf`` a state or an object)
    reports the problem of the branch its type selects, at its own pointer."""
    if error.validator == "oneOf" and error.context:
        branch = 1 if isinstance(error.instance, dict) else 0
        chosen = [e for e in error.context if e.relative_schema_path[0] == branch]
        if isinstance(error.instance, dict | str) and chosen:
            return [p for e in chosen for p in _flatten(e)]
        deepest = best_match(error.context)
        hint = _SECTION_HINT if "sections" in error.absolute_path else _USAGE_HINT
        return [(_pointer(error), f"{deepest.message} (expected {hint})")]
    if error.validator == "enum" and isinstance(error.validator_value, list):
        choices = ", ".join(map(str, error.validator_value))
        return [(_pointer(error), f"{error.instance!r} is not one of: {choices}")]
    if error.validator == "additionalProperties":
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        allowed = sorted((schema.get("properties") or {}).keys())
        if allowed:
            return [(_pointer(error), f"{error.message}; allowed: {', '.join(allowed)}")]
    return [(_pointer(error), error.message)]


_SECTION_HINT = "included, replaced, absent, or an object with a 'state'"
_USAGE_HINT = "a usage declaration file path, or the declaration inline"


def validate_profile(data: Any) -> list[str]:
    """Every schema violation as ``"<json pointer>: <message>"``, sorted by pointer."""
    validator = Draft202012Validator(profile_schema())
    found = sorted({p for e in validator.iter_errors(data) for p in _flatten(e)})
    return [f"{pointer}: {message}" for pointer, message in found]


@dataclass(frozen=True, slots=True)
class SectionUse:
    name: str
    state: str  # "included" | "replaced" | "absent"
    properties: frozenset[Property] = frozenset()
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ProjectUse:
    name: str
    deployed: bool
    sections: Mapping[str, SectionUse] = field(default_factory=dict)
    replacement: str | None = None
    note: str | None = None

    def section_state(self, name: str) -> tuple[str, bool]:
        """The state of a section, and whether the profile said so (False: defaulted)."""
        for key, use in self.sections.items():
            if key.lower() == name.lower():
                return use.state, True
        return ("included" if self.deployed else "absent"), False


@dataclass(frozen=True, slots=True)
class Evidence:
    run: str | None = None
    run_id: str | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    vendor: str
    product: str
    kind: str
    release: str | None = None
    programs: tuple[str, ...] = ()
    projects: Mapping[str, ProjectUse] = field(default_factory=dict)
    evidence: Evidence | None = None
    obligations: Mapping[str, bool] = field(default_factory=dict)
    #: client libraries: the usage declaration (the scoring engine's format)
    usage: UsageDeclaration | None = None
    #: the declaration's file, relative to the profile, when not given inline
    usage_file: str | None = None
    description: str | None = None
    source: str = "<profile>"

    @property
    def is_client(self) -> bool:
        return self.kind == "client-library"

    @property
    def targets(self) -> tuple[str, ...]:
        """Claimed programs as guideline target names (``storage`` -> ``object``), deduplicated."""
        return tuple(dict.fromkeys(PROGRAMS[p] for p in self.programs))

    def project(self, name: str) -> ProjectUse | None:
        return self.projects.get(name)

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "<profile>") -> Profile:
        """Validate ``data`` against the schema and build the profile.

        Raises :class:`ProfileError` whose ``errors`` lists every violation."""
        if data is None or data == {} or (isinstance(data, str) and not data.strip()):
            raise ProfileError(
                f"{source}: the profile is empty; it needs {EMPTY_HINT}",
                errors=[f"/: empty; needs {EMPTY_HINT}"],
            )
        problems = validate_profile(data)
        if problems:
            n = len(problems)
            raise ProfileError(
                f"{source}: invalid product profile ({n} error{'s' if n > 1 else ''}): "
                + "; ".join(problems),
                errors=problems,
            )
        projects = {
            name: _project(name, block, source) for name, block in data.get("projects", {}).items()
        }
        ev = data.get("evidence")
        usage, usage_file = _usage(data.get("usage"), source)
        return cls(
            vendor=data["vendor"],
            product=data["product"],
            kind=data["kind"],
            release=data.get("release"),
            programs=tuple(data.get("programs", ())),
            projects=projects,
            evidence=Evidence(ev.get("run"), ev.get("run_id")) if ev else None,
            obligations=dict(data.get("obligations", {})),
            usage=usage,
            usage_file=usage_file,
            description=data.get("description"),
            source=source,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "vendor": self.vendor,
            "product": self.product,
            "kind": self.kind,
        }
        if self.description:
            out["description"] = self.description
        if self.release:
            out["release"] = self.release
        if self.programs:
            out["programs"] = list(self.programs)
        if self.projects:
            out["projects"] = {n: _project_dict(p) for n, p in self.projects.items()}
        if self.evidence:
            out["evidence"] = {
                k: v for k, v in (("run", self.evidence.run), ("run_id", self.evidence.run_id)) if v
            }
        if self.obligations:
            out["obligations"] = dict(self.obligations)
        if self.usage_file:
            out["usage"] = self.usage_file
        elif self.usage:
            out["usage"] = _usage_dict(self.usage)
        return out


def _usage(value: Any, source: str) -> tuple[UsageDeclaration | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, str):
        return None, value
    try:
        return parse_usage(value, source=f"{source}: /usage"), None
    except ScoringError as exc:
        raise ProfileError(
            f"{source}: invalid usage declaration: {exc}",
            errors=[f"/usage: {e}" for e in exc.errors] or [str(exc)],
        ) from None


def _usage_dict(u: UsageDeclaration) -> dict[str, Any]:
    out: dict[str, Any] = {"name": u.name, "kind": u.kind}
    if u.url:
        out["url"] = u.url
    if u.version:
        out["version"] = u.version
    if u.capabilities:
        out["capabilities"] = list(u.capabilities)
    if u.api_calls:
        out["api_calls"] = [
            {"method": c.method, "path": c.path}
            | ({"service": c.service} if c.service else {})
            | ({"capability": c.capability} if c.capability else {})
            for c in u.api_calls
        ]
    return out


def _project(name: str, block: Mapping[str, Any], source: str) -> ProjectUse:
    sections = {}
    for sname, value in (block.get("sections") or {}).items():
        if isinstance(value, str):
            sections[sname] = SectionUse(sname, value)
        else:
            where = f"{source}: /projects/{name}/sections/{sname}/properties"
            props = parse_properties(value.get("properties", ()), where=where)
            sections[sname] = SectionUse(sname, value["state"], props, value.get("note"))
    return ProjectUse(
        name=name,
        deployed=block["deployed"],
        sections=sections,
        replacement=block.get("replacement"),
        note=block.get("note"),
    )


def _project_dict(p: ProjectUse) -> dict[str, Any]:
    out: dict[str, Any] = {"deployed": p.deployed}
    if p.replacement:
        out["replacement"] = p.replacement
    if p.note:
        out["note"] = p.note
    if p.sections:
        out["sections"] = {
            n: (
                s.state
                if not s.properties and not s.note
                else {"state": s.state}
                | ({"properties": sorted(p.value for p in s.properties)} if s.properties else {})
                | ({"note": s.note} if s.note else {})
            )
            for n, s in p.sections.items()
        }
    return out
