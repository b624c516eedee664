"""Client and tool usage declarations: who uses which capability.

The seed's "Mist" case: a client library (or a tool) that does not ship
OpenStack is asked to map its use of the OpenStack APIs to the capabilities,
because it is the best placed to answer "Used by Clients" / "Used by Tools".
A declaration is a small YAML or JSON document (schema:
``refcore/core/schemas/usage.schema.json``)::

    name: mist
    kind: client            # client | tool
    url: https://example.org/mist
    version: "2.3"
    capabilities: [compute-servers-create, objectstore-object-get]
    api_calls:              # optional; counted when they name their capability
      - {service: compute, method: POST, path: /servers, capability: compute-servers-create}
      - {service: image, method: GET, path: /v2/images}

Calls without a capability are kept (and reported as unmapped): the
guidelines do not map REST calls to capabilities, so refcore does not guess.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import yaml

from refcore.core import yamltext
from refcore.errors import ScoringError

__all__ = ["KINDS", "ApiCall", "UsageDeclaration", "loads_usage", "parse_usage", "usage_schema"]

KINDS: tuple[str, ...] = ("client", "tool")


@cache
def usage_schema() -> dict[str, Any]:
    """The published JSON schema of a usage declaration (package data)."""
    text = resources.files("refcore.core.schemas").joinpath("usage.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@dataclass(frozen=True, slots=True)
class ApiCall:
    method: str
    path: str
    service: str | None = None
    capability: str | None = None

    def __str__(self) -> str:
        where = f"{self.service} " if self.service else ""
        return f"{where}{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class UsageDeclaration:
    name: str
    kind: str
    capabilities: tuple[str, ...] = ()
    api_calls: tuple[ApiCall, ...] = ()
    url: str | None = None
    version: str | None = None
    source: str | None = None

    def uses(self) -> frozenset[str]:
        """Every capability declared, directly or through a mapped API call."""
        return frozenset(self.capabilities) | {c.capability for c in self.api_calls if c.capability}

    @property
    def unmapped_calls(self) -> list[ApiCall]:
        return [c for c in self.api_calls if not c.capability]

    def unknown(self, known: Iterable[str]) -> list[str]:
        """Declared capabilities no guideline given defines."""
        return sorted(self.uses() - set(known))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "url": self.url,
            "version": self.version,
            "capabilities": sorted(self.uses()),
            "unmapped_calls": [str(c) for c in self.unmapped_calls],
        }


def parse_usage(doc: Any, *, source: str = "usage") -> UsageDeclaration:
    """A decoded declaration, checked against the schema (first problem raised)."""
    validator = jsonschema.Draft202012Validator(usage_schema())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/" + "/".join(str(p) for p in err.absolute_path)
        raise ScoringError(
            f"{source}: invalid usage declaration at {where}: {err.message}",
            errors=[e.message for e in errors],
        )
    assert isinstance(doc, Mapping)
    calls = tuple(
        ApiCall(
            method=str(c["method"]).upper(),
            path=str(c["path"]),
            service=c.get("service"),
            capability=c.get("capability"),
        )
        for c in doc.get("api_calls", ())
    )
    return UsageDeclaration(
        name=str(doc["name"]),
        kind=str(doc["kind"]),
        capabilities=tuple(doc.get("capabilities", ())),
        api_calls=calls,
        url=doc.get("url"),
        version=None if doc.get("version") is None else str(doc["version"]),
        source=source,
    )


def loads_usage(text: str, *, source: str = "usage") -> UsageDeclaration:
    """Parse the YAML (or JSON, which is YAML) text of a declaration."""
    try:
        doc = yamltext.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScoringError(f"{source}: not YAML or JSON: {exc}") from None
    return parse_usage(doc, source=source)
