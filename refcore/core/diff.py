"""What changed between two guidelines.

Capabilities added and removed, status changes per target, tests added,
removed, renamed (same idempotent id, new name) and moved between
capabilities, flags added and cleared, designated-section changes, and
weight / cut-off changes. Tests are matched by idempotent id first and by
name (or alias) when a side has no id (1.0/1.2 guidelines), so a Tempest
rename is a rename, not a removal plus an addition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .guidelines import Guideline, Test

__all__ = ["GuidelineDiff", "StatusChange", "TestChange", "diff_guidelines"]


@dataclass(frozen=True, slots=True)
class StatusChange:
    target: str
    capability: str
    before: str | None  # None: not listed for the target
    after: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "capability": self.capability,
            "from": self.before,
            "to": self.after,
        }


@dataclass(frozen=True, slots=True)
class TestChange:
    __test__ = False

    name: str
    capabilities: tuple[str, ...]
    idempotent_id: str | None = None
    old_name: str | None = None
    old_capabilities: tuple[str, ...] = ()
    flag_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "capabilities": list(self.capabilities),
            "idempotent_id": self.idempotent_id,
        }
        if self.old_name is not None:
            out["old_name"] = self.old_name
        if self.old_capabilities:
            out["old_capabilities"] = list(self.old_capabilities)
        if self.flag_reason is not None:
            out["flag_reason"] = self.flag_reason
        return out


@dataclass(slots=True)
class GuidelineDiff:
    a: str
    b: str
    capabilities_added: list[str] = field(default_factory=list)
    capabilities_removed: list[str] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    tests_added: list[TestChange] = field(default_factory=list)
    tests_removed: list[TestChange] = field(default_factory=list)
    tests_renamed: list[TestChange] = field(default_factory=list)
    tests_moved: list[TestChange] = field(default_factory=list)
    flags_added: list[TestChange] = field(default_factory=list)
    flags_cleared: list[TestChange] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    weights: dict[str, dict[str, int | None]] = field(default_factory=dict)
    cutoff: dict[str, int | None] | None = None
    targets_added: list[str] = field(default_factory=list)
    targets_removed: list[str] = field(default_factory=list)
    #: metadata fields that changed: status, releases, replaces, test repositories ...
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)

    def changes_for(self, target: str) -> list[StatusChange]:
        return [c for c in self.status_changes if c.target == target]

    def transitions(self, target: str) -> dict[tuple[str | None, str | None], list[str]]:
        """(from, to) -> capabilities, for one target."""
        out: dict[tuple[str | None, str | None], list[str]] = {}
        for c in self.changes_for(target):
            out.setdefault((c.before, c.after), []).append(c.capability)
        return out

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.capabilities_added,
                self.capabilities_removed,
                self.status_changes,
                self.tests_added,
                self.tests_removed,
                self.tests_renamed,
                self.tests_moved,
                self.flags_added,
                self.flags_cleared,
                self.sections,
                self.weights,
                self.cutoff,
                self.targets_added,
                self.targets_removed,
                self.metadata,
            )
        )

    def counts(self) -> dict[str, int]:
        return {
            "capabilities_added": len(self.capabilities_added),
            "capabilities_removed": len(self.capabilities_removed),
            "status_changes": len(self.status_changes),
            "tests_added": len(self.tests_added),
            "tests_removed": len(self.tests_removed),
            "tests_renamed": len(self.tests_renamed),
            "tests_moved": len(self.tests_moved),
            "flags_added": len(self.flags_added),
            "flags_cleared": len(self.flags_cleared),
            "section_changes": len(self.sections),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.a,
            "to": self.b,
            "counts": self.counts(),
            "capabilities_added": self.capabilities_added,
            "capabilities_removed": self.capabilities_removed,
            "targets_added": self.targets_added,
            "targets_removed": self.targets_removed,
            "status_changes": [c.to_dict() for c in self.status_changes],
            "tests_added": [t.to_dict() for t in self.tests_added],
            "tests_removed": [t.to_dict() for t in self.tests_removed],
            "tests_renamed": [t.to_dict() for t in self.tests_renamed],
            "tests_moved": [t.to_dict() for t in self.tests_moved],
            "flags_added": [t.to_dict() for t in self.flags_added],
            "flags_cleared": [t.to_dict() for t in self.flags_cleared],
            "designated_sections": self.sections,
            "weights": self.weights,
            "cutoff_score": self.cutoff,
            "metadata": self.metadata,
        }


# -- tests ----------------------------------------------------------------------------------
@dataclass(slots=True)
class _Entry:
    test: Test
    caps: list[str]
    #: every name the entry goes by: the names (and aliases) of all tests sharing its id
    names: list[str] = field(default_factory=list)


def _entries(g: Guideline) -> list[_Entry]:
    """One entry per distinct test (by id, else name); a test in two capabilities is one entry."""
    by_key: dict[str, _Entry] = {}
    for cap, test in g.tests():
        key = test.uuid or f"name:{test.name}"
        entry = by_key.setdefault(key, _Entry(test, []))
        if cap.name not in entry.caps:
            entry.caps.append(cap.name)
        entry.names += [n for n in test.names if n not in entry.names]
    return list(by_key.values())


def _match(
    a: list[_Entry], b: list[_Entry]
) -> tuple[list[tuple[_Entry, _Entry]], list[_Entry], list[_Entry]]:
    by_uuid = {e.test.uuid: e for e in a if e.test.uuid}
    by_name: dict[str, _Entry] = {}
    for e in a:
        for n in e.names:
            by_name.setdefault(n, e)
    pairs, added, used = [], [], set()
    for e in b:
        old = by_uuid.get(e.test.uuid) if e.test.uuid else None
        if old is None or id(old) in used:
            old = next(
                (by_name[n] for n in e.names if n in by_name and id(by_name[n]) not in used),
                None,
            )
        if old is None:
            added.append(e)
        else:
            used.add(id(old))
            pairs.append((old, e))
    # tests that share an id in b (ServersTestJSON / ServersTestManualDisk) are one
    # entry there: an unmatched old test whose name it carries was merged, not removed
    merged = {n for _, e in pairs for n in e.names}
    removed = [e for e in a if id(e) not in used and not set(e.names) & merged]
    return pairs, added, removed


def _change(e: _Entry, old: _Entry | None = None, flag: bool = False) -> TestChange:
    return TestChange(
        name=e.test.name,
        capabilities=tuple(e.caps),
        idempotent_id=e.test.uuid,
        old_name=old.test.name if old and old.test.name != e.test.name else None,
        old_capabilities=tuple(old.caps) if old and old.caps != e.caps else (),
        flag_reason=(e.test.flag.reason or "") if flag and e.test.flag else None,
    )


def _diff_tests(d: GuidelineDiff, a: Guideline, b: Guideline) -> None:
    pairs, added, removed = _match(_entries(a), _entries(b))
    d.tests_added = [_change(e) for e in added]
    d.tests_removed = [_change(e) for e in removed]
    for old, new in pairs:
        if old.test.name != new.test.name:
            d.tests_renamed.append(_change(new, old))
        if sorted(old.caps) != sorted(new.caps):
            d.tests_moved.append(_change(new, old))
        if new.test.flagged and not old.test.flagged:
            d.flags_added.append(_change(new, old, flag=True))
        elif old.test.flagged and not new.test.flagged:
            d.flags_cleared.append(_change(new, old))


# -- sections -------------------------------------------------------------------------------
def _sections(g: Guideline) -> dict[tuple[str, str], tuple[str, bool]]:
    out = {}
    for group in g.designated_sections:
        for s in group.sections:
            out[(group.project, s.name)] = (group.status, s.designated)
    return out


def _groups(g: Guideline) -> dict[tuple[str, str], str | None]:
    return {(grp.project, grp.status): grp.guidance for grp in g.designated_sections}


def _diff_sections(a: Guideline, b: Guideline) -> list[dict[str, Any]]:
    """Per project and status: groups added/removed, guidance changed; then per section."""
    changes: list[dict[str, Any]] = []
    ga, gb = _groups(a), _groups(b)
    for key in sorted(ga.keys() | gb.keys()):
        if key not in gb or key not in ga:
            what = "group added" if key not in ga else "group removed"
        elif ga[key] != gb[key]:
            what = "guidance changed"
        else:
            continue
        changes.append(
            {
                "project": key[0],
                "status": key[1],
                "change": what,
                "from": {"guidance": ga[key]} if key in ga else None,
                "to": {"guidance": gb[key]} if key in gb else None,
            }
        )
    sa, sb = _sections(a), _sections(b)
    for key in sorted(sa.keys() | sb.keys()):
        before, after = sa.get(key), sb.get(key)
        if before == after:
            continue
        changes.append(
            {
                "project": key[0],
                "section": key[1],
                "change": "added" if before is None else "removed" if after is None else "changed",
                "from": None if before is None else {"status": before[0], "designated": before[1]},
                "to": None if after is None else {"status": after[0], "designated": after[1]},
            }
        )
    return changes


# -- all ------------------------------------------------------------------------------------
def diff_guidelines(a: Guideline, b: Guideline) -> GuidelineDiff:
    d = GuidelineDiff(a.id, b.id)
    d.capabilities_added = [c for c in b.capabilities if c not in a.capabilities]
    d.capabilities_removed = [c for c in a.capabilities if c not in b.capabilities]
    d.targets_added = [t for t in b.targets if t not in a.targets]
    d.targets_removed = [t for t in a.targets if t not in b.targets]
    for target in (t for t in b.targets if t in a.targets):
        before, after = a.capability_statuses(target), b.capability_statuses(target)
        for cap in [*before, *(c for c in after if c not in before)]:
            if before.get(cap) != after.get(cap):
                d.status_changes.append(StatusChange(target, cap, before.get(cap), after.get(cap)))
    _diff_tests(d, a, b)
    d.sections = _diff_sections(a, b)
    for key in [*a.criteria, *(k for k in b.criteria if k not in a.criteria)]:
        wa = a.criteria[key].weight if key in a.criteria else None
        wb = b.criteria[key].weight if key in b.criteria else None
        if wa != wb:
            d.weights[key] = {"from": wa, "to": wb}
    if a.cutoff_score != b.cutoff_score:
        d.cutoff = {"from": a.cutoff_score, "to": b.cutoff_score}
    for name in ("schema", "status", "target_approval", "replaces"):
        va, vb = getattr(a, name), getattr(b, name)
        if va != vb:
            d.metadata[name] = {"from": va, "to": vb}
    if a.releases != b.releases:
        d.metadata["releases"] = {
            "from": list(a.releases),
            "to": list(b.releases),
            "added": [r for r in b.releases if r not in a.releases],
            "dropped": [r for r in a.releases if r not in b.releases],
        }
    for repo in sorted(a.test_repositories.keys() | b.test_repositories.keys()):
        ra = a.test_repositories.get(repo, {}).get("reference")
        rb = b.test_repositories.get(repo, {}).get("reference")
        if ra != rb:
            d.metadata[f"test_repositories.{repo}.reference"] = {"from": ra, "to": rb}
    return d
