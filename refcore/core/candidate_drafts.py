"""A must-pass candidate report (``GET /v2/scoring/{id}/candidates``) turned into draft edits.

The working group asks for candidates, then drafts with them (``refcore guidelines draft
--candidates report.json``). Every candidate test enters the draft as **advisory**, never
must-pass at once: the scoring of a later cycle decides that.

* A test whose capability is advisory in the draft joins that capability.
* A test whose capability is required (or deprecated, removed) joins a new advisory
  capability ``<capability>-candidates``: adding it to the required one would make it
  must-pass without a vote.
* A test of a new group joins a new advisory capability named after its group, listed in the
  component and with the project of the draft's capabilities whose tests live in the same
  Tempest service (``tempest.api.compute`` -> the capabilities testing compute).

A test without an idempotent id, or of a service no capability of the draft tests, is not
added; :class:`Adopted` says which and why. Each edit is recorded in ``metadata.changes``
by :mod:`refcore.core.authoring`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from refcore.errors import InvalidInput

from .authoring import add_capability, add_test
from .candidates import module_of
from .runs import split_test_id

__all__ = ["Adopted", "adopt_candidates", "service_of"]


def service_of(test: str) -> str | None:
    """``tempest.api.compute.servers.test_x.C.test_y`` -> ``compute`` (None off tempest.api)."""
    parts = module_of(test).split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["tempest", "api"] else None


@dataclass(slots=True)
class Adopted:
    doc: dict[str, Any]
    #: capability -> tests added to it
    added: dict[str, list[str]] = field(default_factory=dict)
    #: capabilities created for the candidates
    created: list[str] = field(default_factory=list)
    #: test -> why it was not added
    skipped: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"added": self.added, "created": self.created, "skipped": self.skipped}


def _statuses(doc: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """capability -> (component, status) as the draft lists it."""
    out: dict[str, tuple[str, str]] = {}
    for cname, comp in doc.get("components", {}).items():
        for status, names in comp.get("capabilities", {}).items():
            for name in names:
                out.setdefault(name, (cname, status))
    return out


def _homes(doc: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Tempest service -> (component, project) of the draft's capabilities testing it."""
    listed = _statuses(doc)
    homes: dict[str, tuple[str, str]] = {}
    for name, cap in sorted(doc.get("capabilities", {}).items()):
        if name not in listed or not cap.get("project"):
            continue
        for test in cap.get("tests", {}):
            service = service_of(test)
            if service and service not in homes:
                homes[service] = (listed[name][0], str(cap["project"]))
    return homes


def _report_body(report: Mapping[str, Any]) -> Mapping[str, Any]:
    body = report.get("data", report) if report.get("ok") is True else report
    if not isinstance(body, Mapping) or not isinstance(body.get("tests"), list):
        raise InvalidInput(
            "not a candidate report: expected the JSON of GET /v2/scoring/{id}/candidates "
            "(an object with a 'tests' list)"
        )
    return body


def adopt_candidates(
    doc: Mapping[str, Any], report: Mapping[str, Any], *, date: str, reason: str | None = None
) -> Adopted:
    """The draft with every candidate test of ``report`` added as described above."""
    body = _report_body(report)
    why = reason or (
        f"must-pass candidate: passes in the verified products of at least "
        f"{body.get('k', '?')} vendors (candidate report of {body.get('guideline', '?')})"
    )
    out = Adopted(dict(doc))
    homes = _homes(doc)
    listed = _statuses(doc)  # kept up to date below as capabilities are created
    for item in body["tests"]:
        if not isinstance(item, Mapping) or not isinstance(item.get("test"), str):
            raise InvalidInput("not a candidate report: each of 'tests' needs a 'test' name")
        test = split_test_id(item["test"])[0]
        uuid = item.get("uuid")
        if not uuid:
            out.skipped[test] = "no idempotent id known for it: add it by hand with its id"
            continue
        capability = item.get("capability")
        if capability in listed and listed[capability][1] == "advisory":
            target = str(capability)
        else:
            base = str(capability) if capability in listed else str(item.get("group") or "")
            fresh = base not in listed or base in out.created  # a new one joins itself
            target = base if base and fresh else f"{base}-candidates"
        if target not in out.doc.get("capabilities", {}):
            service = service_of(test)
            if service is None or service not in homes:
                out.skipped[test] = (
                    f"no capability of this guideline tests the {service or 'same'} service: "
                    "create its capability by hand"
                )
                continue
            component, project = homes[service]
            out.doc = add_capability(
                out.doc,
                target,
                component=component,
                project=project,
                description=f"Candidates from shared results ({module_of(test)})",
                status="advisory",
                reason=why,
                date=date,
            )
            out.created.append(target)
            listed[target] = (component, "advisory")
        if test in out.doc["capabilities"][target].get("tests", {}):
            out.skipped[test] = f"already a test of {target}"
            continue
        try:
            out.doc = add_test(
                out.doc, target, test, idempotent_id=str(uuid), reason=why, date=date
            )
        except InvalidInput as exc:
            out.skipped[test] = str(exc)
            continue
        out.added.setdefault(target, []).append(test)
    return out
