"""Edits of a draft guideline document (schema 2.0) that keep it valid and record why.

Each edit takes the document (a ``dict`` as read from JSON) and returns a new one; the
input is never changed. Every edit appends one entry to ``metadata.changes`` (the schema
lets metadata carry more fields): what changed, on what, the reason and the date. Flagging
a test writes the guideline's own ``flagged`` block (date, reason, action), as the interop
files do. Weights and the cut-off are refused unless the weights sum to what the scoring
spec requires: 100 for OpenStack Powered guidelines, 75 for add-ons (which do not weigh
deployed, foundation and proximity).

Mistakes are :class:`~refcore.errors.InvalidInput` with the names that exist, so a CLI or a
page can say what to type instead.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from refcore.errors import InvalidInput

from .guidelines import STATUSES
from .releases import roll_forward, sort_releases

__all__ = [
    "WEIGHT_TOTALS",
    "add_alias",
    "add_capability",
    "add_test",
    "flag_test",
    "remove_capability",
    "remove_test",
    "required_weight_total",
    "set_releases",
    "set_scoring",
    "set_status",
    "unflag_test",
]

#: what the weights must sum to, by kind of guideline (../shared/specs/guidelines.md §2)
WEIGHT_TOTALS = {"powered": 100, "add-on": 75}

Doc = dict[str, Any]


def _start(doc: Mapping[str, Any]) -> Doc:
    if not isinstance(doc.get("metadata"), Mapping) or doc["metadata"].get("schema") != "2.0":
        raise InvalidInput("only schema 2.0 guidelines (drafts) can be edited")
    return copy.deepcopy(dict(doc))


def _record(doc: Doc, change: str, reason: str, date: str, **what: str) -> Doc:
    if not reason.strip():
        raise InvalidInput(f"{change}: say why (a reason is required)")
    entry = {"change": change, **{k: v for k, v in what.items() if v}, "reason": reason.strip()}
    entry["date"] = date
    doc["metadata"].setdefault("changes", []).append(entry)
    return doc


def _capability(doc: Doc, name: str) -> dict[str, Any]:
    caps = doc.get("capabilities", {})
    if name not in caps:
        close = sorted(c for c in caps if name.split("-")[0] in c)[:8]
        hint = [f"capabilities like it: {', '.join(close)}"] if close else []
        raise InvalidInput(f"no capability {name!r} in this guideline", errors=hint)
    return caps[name]  # type: ignore[no-any-return]


def _test(cap: dict[str, Any], capability: str, test: str) -> dict[str, Any]:
    tests = cap.setdefault("tests", {})
    if test in tests:
        return tests[test]  # type: ignore[no-any-return]
    for body in tests.values():  # by idempotent id too: "id-<uuid>" or the bare uuid
        uuid = str(body.get("idempotent_id", "")).removeprefix("id-")
        if uuid and test.removeprefix("id-") == uuid:
            return body  # type: ignore[no-any-return]
    raise InvalidInput(
        f"capability {capability!r} has no test {test!r}",
        errors=[f"its tests: {', '.join(sorted(tests)) or 'none'}"],
    )


def _listed_in(doc: Doc, capability: str) -> list[tuple[str, str]]:
    """(component, status) pairs listing ``capability``."""
    out = []
    for cname, comp in doc.get("components", {}).items():
        for status, names in comp.get("capabilities", {}).items():
            if capability in names:
                out.append((cname, status))
    return out


def _status(status: str) -> str:
    if status not in STATUSES:
        raise InvalidInput(f"status {status!r} is not one of {', '.join(STATUSES)}")
    return status


def add_capability(
    doc: Mapping[str, Any],
    name: str,
    *,
    component: str,
    project: str,
    description: str,
    status: str = "advisory",
    reason: str,
    date: str,
) -> Doc:
    """A new capability, listed under ``component`` with ``status`` (no tests yet: add them)."""
    out = _start(doc)
    _status(status)
    if name in out.get("capabilities", {}):
        raise InvalidInput(f"capability {name!r} already exists")
    components = out.get("components", {})
    if component not in components:
        raise InvalidInput(
            f"no component {component!r}", errors=[f"components: {', '.join(components)}"]
        )
    out.setdefault("capabilities", {})[name] = {
        "achievements": [],
        "admin": False,
        "description": description,
        "project": project,
        "tests": {},
    }
    lists = components[component].setdefault("capabilities", {})
    for s in STATUSES:
        lists.setdefault(s, [])
    lists[status] = sorted([*lists[status], name])
    return _record(out, "add capability", reason, date, capability=name, status=status)


def remove_capability(doc: Mapping[str, Any], name: str, *, reason: str, date: str) -> Doc:
    """The capability and every listing of it go."""
    out = _start(doc)
    _capability(out, name)
    del out["capabilities"][name]
    for comp in out.get("components", {}).values():
        for status, names in comp.get("capabilities", {}).items():
            comp["capabilities"][status] = [n for n in names if n != name]
    return _record(out, "remove capability", reason, date, capability=name)


def set_status(
    doc: Mapping[str, Any],
    name: str,
    status: str,
    *,
    reason: str,
    date: str,
    component: str | None = None,
) -> Doc:
    """Move ``name`` to ``status`` in every component listing it (or in ``component``)."""
    out = _start(doc)
    _status(status)
    cap = _capability(out, name)
    where = _listed_in(out, name)
    if component is not None:
        if component not in out.get("components", {}):
            raise InvalidInput(f"no component {component!r}")
        where = [(c, s) for c, s in where if c == component] or [(component, "")]
    if not where:
        raise InvalidInput(f"{name!r} is not listed in any component: give the component")
    before = sorted({s for _, s in where if s})
    for cname, old in where:
        lists = out["components"][cname].setdefault("capabilities", {})
        if old:
            lists[old] = [n for n in lists[old] if n != name]
        lists[status] = sorted({*lists.get(status, []), name})
    if status == "required" and "required_since" not in cap:
        cap["required_since"] = str(out["metadata"].get("id", ""))
    return _record(
        out,
        "set status",
        reason,
        date,
        capability=name,
        before=",".join(before) or "not listed",
        after=status,
    )


def add_test(
    doc: Mapping[str, Any],
    capability: str,
    test: str,
    *,
    idempotent_id: str,
    aliases: Sequence[str] = (),
    reason: str,
    date: str,
) -> Doc:
    """A Tempest test proving ``capability`` (its idempotent id is required: it is how refcore
    finds a test Tempest renamed)."""
    out = _start(doc)
    cap = _capability(out, capability)
    uuid = idempotent_id.strip().removeprefix("id-")
    if len(uuid) != 36 or uuid.count("-") != 4:
        raise InvalidInput(f"idempotent id {idempotent_id!r} is not a UUID (id-<uuid> or <uuid>)")
    if test in cap.setdefault("tests", {}):
        raise InvalidInput(f"{capability!r} already has test {test!r}")
    body: dict[str, Any] = {"idempotent_id": f"id-{uuid}"}
    if aliases:
        body["aliases"] = list(aliases)
    cap["tests"][test] = body
    return _record(out, "add test", reason, date, capability=capability, test=test)


def add_alias(
    doc: Mapping[str, Any], capability: str, test: str, alias: str, *, reason: str, date: str
) -> Doc:
    """Another name of ``test`` (Tempest renamed it): a run passing the alias passes the test."""
    out = _start(doc)
    body = _test(_capability(out, capability), capability, test)
    aliases = body.setdefault("aliases", [])
    if alias in aliases:
        raise InvalidInput(f"{alias!r} is already an alias of {test!r}")
    aliases.append(alias)
    return _record(out, "add alias", reason, date, capability=capability, test=test, alias=alias)


def remove_test(
    doc: Mapping[str, Any], capability: str, test: str, *, reason: str, date: str
) -> Doc:
    out = _start(doc)
    cap = _capability(out, capability)
    body = _test(cap, capability, test)
    name = next(k for k, v in cap["tests"].items() if v is body)
    del cap["tests"][name]
    return _record(out, "remove test", reason, date, capability=capability, test=name)


def flag_test(
    doc: Mapping[str, Any],
    capability: str,
    test: str,
    *,
    reason: str,
    action: str = "Remove the flag when the test is fixed.",
    date: str,
) -> Doc:
    """Flag a test (it stops counting toward the capability, the run still reports it)."""
    out = _start(doc)
    body = _test(_capability(out, capability), capability, test)
    if "flagged" in body:
        raise InvalidInput(f"{test!r} is already flagged: {body['flagged'].get('reason', '')}")
    body["flagged"] = {"date": date, "reason": reason.strip(), "action": action.strip()}
    return _record(out, "flag test", reason, date, capability=capability, test=test)


def unflag_test(
    doc: Mapping[str, Any], capability: str, test: str, *, reason: str, date: str
) -> Doc:
    out = _start(doc)
    body = _test(_capability(out, capability), capability, test)
    if "flagged" not in body:
        raise InvalidInput(f"{test!r} is not flagged")
    del body["flagged"]
    return _record(out, "unflag test", reason, date, capability=capability, test=test)


def set_releases(
    doc: Mapping[str, Any],
    releases: Sequence[str] | None = None,
    *,
    reason: str,
    date: str,
) -> Doc:
    """The releases the guideline covers: ``releases`` (put in release order), or, when
    None, the current ones rolled forward one release."""
    out = _start(doc)
    approval = out["metadata"].setdefault("os_trademark_approval", {})
    before = list(approval.get("releases", []))
    after = sort_releases(releases) if releases is not None else roll_forward(before)
    if not after:
        raise InvalidInput("a guideline covers at least one release")
    approval["releases"] = after
    return _record(
        out, "set releases", reason, date, before=",".join(before), after=",".join(after)
    )


def required_weight_total(doc: Mapping[str, Any]) -> int:
    """100, or 75 for an add-on (a guideline with ``add-ons`` and no ``platforms``)."""
    return WEIGHT_TOTALS["add-on" if "add-ons" in doc and "platforms" not in doc else "powered"]


def set_scoring(
    doc: Mapping[str, Any],
    *,
    weights: Mapping[str, int] | None = None,
    cutoff: int | None = None,
    reason: str,
    date: str,
) -> Doc:
    """Change criteria weights (only criteria the guideline has) and/or the cut-off."""
    out = _start(doc)
    scoring = out["metadata"].get("scoring")
    if not isinstance(scoring, dict) or not isinstance(scoring.get("criteria"), dict):
        raise InvalidInput("this guideline has no metadata.scoring block to change")
    criteria: dict[str, Any] = scoring["criteria"]
    unknown = sorted(set(weights or {}) - set(criteria))
    if unknown:
        raise InvalidInput(
            f"unknown criteria: {', '.join(unknown)}", errors=[f"criteria: {', '.join(criteria)}"]
        )
    new = {k: int(c.get("weight", 0)) for k, c in criteria.items()}
    for key, weight in (weights or {}).items():
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
            raise InvalidInput(f"weight of {key!r} must be a whole number >= 0, not {weight!r}")
        new[key] = weight
    total, required = sum(new.values()), required_weight_total(out)
    if total != required:
        raise InvalidInput(
            f"the weights sum to {total}, not {required}",
            errors=[f"{k}={w}" for k, w in new.items()],
        )
    if cutoff is not None and not 0 <= cutoff <= required:
        raise InvalidInput(f"the cut-off must be between 0 and {required}, not {cutoff}")
    for key, weight in new.items():
        criteria[key]["weight"] = weight
    if cutoff is not None:
        scoring["cutoff_score"] = cutoff
    detail = ", ".join(f"{k}={w}" for k, w in (weights or {}).items())
    if cutoff is not None:
        detail = ", ".join(x for x in (detail, f"cutoff={cutoff}") if x)
    return _record(out, "set scoring", reason, date, after=detail)
