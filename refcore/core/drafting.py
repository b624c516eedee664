"""Draft the next guideline from a base guideline and a worksheet's scores.

The 2016A process rules (spec §3), applied per component to each scored
capability:

==============  ==================  ==================
base status     total >= cut-off    total < cut-off
==============  ==================  ==================
(not listed)    advisory            (not listed)
advisory        required            dropped
required        required            deprecated
deprecated      advisory            removed
removed         advisory            dropped
==============  ==================  ==================

A capability becomes required only after being advisory, and leaves only
through deprecated -> removed. Incomplete scores ('?') and capabilities the
worksheet does not score keep their status. ``required_since`` is kept, and
set to the new id when a capability first becomes required. Scored
capabilities get their ``achievements`` rewritten from the marks.

What the scores cannot decide is reported instead of guessed: a starred
capability that the base lists but never defines (next.json's
``volumes-v2-*``, spec §7) cannot become advisory without tests, and a
starred worksheet row with no definition at all needs one written first.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from refcore.errors import ScoringError

from .guidelines import STATUSES, Guideline, Issue
from .parsing import parse_guideline
from .releases import roll_forward
from .scoring import Marks, Scoring
from .validation import validate_document

__all__ = ["Decision", "Draft", "draft_guideline", "next_status"]

_DATED = re.compile(r"^(?:[a-z_]+\.)?\d{4}\.\d{2}$")


def next_status(before: str | None, star: bool) -> str | None:
    """The 2016A transition of one scored capability (None: not listed)."""
    if star:
        return "required" if before in ("advisory", "required") else "advisory"
    return {"required": "deprecated", "deprecated": "removed"}.get(before or "")


@dataclass(frozen=True, slots=True)
class Decision:
    capability: str
    component: str
    before: str | None
    after: str | None
    total: int | None
    star: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "capability": self.capability,
            "component": self.component,
            "from": self.before,
            "to": self.after,
            "total": self.total,
            "star": self.star,
            "reason": self.reason,
        }


@dataclass(slots=True)
class Draft:
    id: str
    base: str
    doc: dict[str, Any]
    decisions: list[Decision] = field(default_factory=list)
    #: starred rows that could not be placed, with why
    unplaced: dict[str, str] = field(default_factory=dict)
    #: capability definitions dropped because no component lists them any more
    dropped_definitions: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def guideline(self) -> Guideline:
        return parse_guideline(self.doc, file=f"{self.id}.json")

    def changed(self) -> list[Decision]:
        return [d for d in self.decisions if d.before != d.after]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "base": self.base,
            "changes": [d.to_dict() for d in self.changed()],
            "unchanged": len(self.decisions) - len(self.changed()),
            "unplaced": self.unplaced,
            "dropped_definitions": self.dropped_definitions,
            "issues": [str(i) for i in self.issues],
        }


def draft_guideline(
    base: Guideline,
    marks: Mapping[str, Marks],
    new_id: str,
    *,
    scoring: Scoring | None = None,
    schema: Mapping[str, Any] | None = None,
    replaces: str | None = None,
    roll_releases: bool = True,
) -> Draft:
    """A new schema-2.0 guideline document; ``schema`` (2.0.json) validates it.

    ``roll_releases``: the draft covers the base's releases rolled forward one release
    (2020.06's stein..victoria -> train..wallaby); False keeps the base's.

    ``replaces``: the guideline the draft supersedes (default: the base when it
    is dated, else whatever the base says it replaces — next.json's is stale).
    """
    if base.schema != "2.0" or "metadata" not in base.raw:
        raise ScoringError(
            f"drafts are written in schema 2.0; base {base.id} is schema {base.schema}"
        )
    scoring = scoring or Scoring.from_guideline(base)
    if scoring.cutoff is None:
        raise ScoringError(f"guideline {base.id} has no cutoff_score")
    doc = copy.deepcopy(base.raw)
    caps_doc: dict[str, Any] = doc.setdefault("capabilities", {})
    draft = Draft(new_id, base.id, doc)
    listed_before = {
        c for comp in base.components.values() for v in comp.capabilities.values() for c in v
    }
    placed: set[str] = set()
    for cname, comp in doc.get("components", {}).items():
        lists = comp.setdefault("capabilities", {})
        new_lists: dict[str, list[str]] = {s: [] for s in STATUSES}
        for status in STATUSES:
            for cap in lists.get(status, []):
                after, decision = _decide(cap, cname, status, marks, scoring, caps_doc)
                draft.decisions.append(decision)
                placed.add(cap)
                if after is not None and cap not in new_lists[after]:
                    new_lists[after].append(cap)
        # starred rows the base does not list anywhere become advisory where they belong
        for cap, m in marks.items():
            if cap in listed_before or cap in placed or not scoring.score(m).star:
                continue
            home = _component_for(cap, base, caps_doc)
            if home == cname:
                s = scoring.score(m)
                new_lists["advisory"].append(cap)
                placed.add(cap)
                draft.decisions.append(
                    Decision(cap, cname, None, "advisory", s.total, True, "scored >= cut-off")
                )
        for status in STATUSES:
            lists[status] = new_lists[status]
    for cap, m in marks.items():
        s = scoring.score(m)
        if s.star and cap not in placed:
            draft.unplaced[cap] = (
                "scored >= cut-off but not defined in the base guideline (needs tests)"
                if cap not in caps_doc
                else "defined but no component lists its project; add it by hand"
            )
    for d in draft.decisions:
        if d.star and d.after == d.before == "removed" and "undefined" in d.reason:
            draft.unplaced[d.capability] = d.reason
    _rewrite_capabilities(draft, marks, scoring, caps_doc, new_id)
    _rewrite_metadata(doc, base, new_id, replaces, roll_releases)
    if schema is not None:
        draft.issues = validate_document(doc, schema, file=f"{new_id}.json", schema_name="2.0.json")
    return draft


def _decide(
    cap: str,
    component: str,
    before: str,
    marks: Mapping[str, Marks],
    scoring: Scoring,
    caps_doc: Mapping[str, Any],
) -> tuple[str | None, Decision]:
    m = marks.get(cap)
    if m is None:
        return before, Decision(cap, component, before, before, None, False, "not scored")
    s = scoring.score(m)
    if s.incomplete:
        return before, Decision(
            cap, component, before, before, s.total, False, "scoring incomplete"
        )
    after = next_status(before, s.star)
    if s.star and after == "advisory" and cap not in caps_doc:
        reason = "scored >= cut-off but undefined in the base: stays " + before
        return before, Decision(cap, component, before, before, s.total, True, reason)
    why = (
        "vetoed (admin only)"
        if s.vetoed
        else ("scored >= cut-off" if s.star else "scored < cut-off")
    )
    return after, Decision(cap, component, before, after, s.total, s.star, why)


def _component_for(cap: str, base: Guideline, caps_doc: Mapping[str, Any]) -> str | None:
    """The component listing the most capabilities of the same project."""
    project = (caps_doc.get(cap) or {}).get("project")
    if not project:
        return None
    best, count = None, 0
    for cname, comp in base.components.items():
        n = sum(
            1
            for names in comp.capabilities.values()
            for c in names
            if c in base.capabilities and base.capabilities[c].project == project
        )
        if n > count:
            best, count = cname, n
    return best


def _rewrite_capabilities(
    draft: Draft,
    marks: Mapping[str, Marks],
    scoring: Scoring,
    caps_doc: dict[str, Any],
    new_id: str,
) -> None:
    listed = {
        c
        for comp in draft.doc.get("components", {}).values()
        for names in comp.get("capabilities", {}).values()
        for c in names
    }
    was_listed = {d.capability for d in draft.decisions if d.before is not None}
    for name in list(caps_doc):
        if name not in listed and name in was_listed:
            del caps_doc[name]
            draft.dropped_definitions.append(name)
    required = {d.capability for d in draft.decisions if d.after == "required"}
    for name, cap in caps_doc.items():
        if "required-since" in cap:
            cap.setdefault("required_since", cap.pop("required-since"))
        if name in required and not cap.get("required_since"):
            cap["required_since"] = new_id
        m = marks.get(name)
        if m is not None and not scoring.score(m).incomplete:
            cap.pop("acheivements", None)
            cap["achievements"] = m.achievements()
        if "descriptin" in cap and "description" not in cap:
            cap["description"] = cap.pop("descriptin")


def _rewrite_metadata(
    doc: dict[str, Any], base: Guideline, new_id: str, replaces: str | None, roll: bool
) -> None:
    meta = doc["metadata"]
    meta["id"] = new_id
    if isinstance(meta.get("source"), str):
        meta["source"] = re.sub(r"[^/]+\.json$", f"{new_id}.json", meta["source"])
    approval = meta.setdefault("os_trademark_approval", {})
    approval["target_approval"] = new_id
    approval["status"] = "draft"
    if replaces:
        approval["replaces"] = replaces
    elif _DATED.match(base.id):
        approval["replaces"] = base.id
    elif base.replaces:
        approval["replaces"] = base.replaces
    releases = list(base.releases)
    approval["releases"] = roll_forward(releases) if roll and releases else releases
