"""The normalised guideline model.

Every schema (1.0 legacy matrices, 1.2, 1.3-1.6, 2.0 powered, add-ons and
verticals) is read into these types by :mod:`refcore.core.parsing`; nothing
outside that module needs to know how a given schema spelled things.

Targets (RefStack's ``?target=``) are resolved exactly as RefStack resolves
them, see :meth:`Guideline.target_components`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from refcore.errors import GuidelineNotFound, UnknownTarget

from .runs import normalize_uuid

__all__ = [
    "STATUSES",
    "Capability",
    "Component",
    "Criterion",
    "Flag",
    "Guideline",
    "GuidelineSet",
    "Issue",
    "Section",
    "SectionGroup",
    "Target",
    "Test",
]

#: capability statuses, in RefStack's priority order (the first wins on a clash)
STATUSES: tuple[str, ...] = ("required", "advisory", "deprecated", "removed")

#: 2.0 platform names -> RefStack target names
PLATFORM_TARGETS: Mapping[str, str] = {
    "OpenStack Powered Platform": "platform",
    "OpenStack Powered Compute": "compute",
    "OpenStack Powered Storage": "object",
    "OpenStack Powered NFV Platform": "nfv",
}


@dataclass(frozen=True, slots=True)
class Flag:
    """Why a test is temporarily not must-pass."""

    reason: str | None = None
    action: str | None = None
    date: str | None = None

    @property
    def code(self) -> str | None:
        """The D40x reason code when the reason names one (``[D401] ...``, ``D404 ...``)."""
        if not self.reason:
            return None
        text = self.reason.lstrip("[ ")
        if len(text) >= 4 and text[0] == "D" and text[1:4].isdigit():
            return text[:4]
        return None


@dataclass(frozen=True, slots=True)
class Test:
    """A test that proves a capability. ``idempotent_id`` is kept as written
    (``id-<uuid>``, a bare uuid in add-ons, ``""`` or None)."""

    __test__ = False

    name: str
    idempotent_id: str | None = None
    aliases: tuple[str, ...] = ()
    flag: Flag | None = None
    #: the bare lower-case uuid of ``idempotent_id`` (computed)
    uuid: str | None = field(init=False, default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "uuid", normalize_uuid(self.idempotent_id))

    @property
    def flagged(self) -> bool:
        return self.flag is not None

    @property
    def names(self) -> tuple[str, ...]:
        """The name followed by its aliases."""
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class Capability:
    name: str
    tests: tuple[Test, ...] = ()
    project: str | None = None
    description: str | None = None
    title: str | None = None
    admin: bool = False
    achievements: tuple[str, ...] = ()
    required_since: str | None = None
    #: 1.2: the capability's own copy of its status; 1.0: "required" iff core
    status: str | None = None
    #: 1.2 only: the guidelines the capability was in
    guidelines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Component:
    """A component (compute, object, os_powered_dns ...) and its capabilities by status."""

    name: str
    capabilities: Mapping[str, tuple[str, ...]]
    #: 2.0: designated_sections {status: [projects]} of the component
    designated_sections: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def status_of(self, capability: str) -> str | None:
        for status in STATUSES:
            if capability in self.capabilities.get(status, ()):
                return status
        return None


@dataclass(frozen=True, slots=True)
class Target:
    """A program a product can claim (platform, compute, object, dns ...)."""

    name: str
    title: str
    components: tuple[str, ...]
    description: str | None = None
    #: 2.0: components named with a ``source`` guideline outside this file
    external_components: Mapping[str, str] = field(default_factory=dict)
    #: add-ons: platform components (with their source) the add-on requires
    required_platform_components: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Criterion:
    key: str
    name: str
    weight: int
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    designated: bool
    description: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class SectionGroup:
    """The designated sections of one project under one status."""

    project: str
    status: str
    sections: tuple[Section, ...] = ()
    guidance: str | None = None
    comment: str | None = None
    #: legacy havanasections.json: whether the project has core capabilities
    core_capabilities: bool | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found in a guideline file; ``pointer`` is a JSON pointer."""

    file: str
    pointer: str
    message: str
    severity: str = "warning"  # "warning" | "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.pointer or '/'}: {self.severity}: {self.message}"


@dataclass(slots=True)
class Guideline:
    """One guideline document, normalised."""

    id: str
    schema: str
    kind: str  # "powered" | "add-on" | "vertical" | "legacy" | "draft"
    file: str
    capabilities: dict[str, Capability]
    components: dict[str, Component]
    targets: dict[str, Target]
    criteria: dict[str, Criterion] = field(default_factory=dict)
    cutoff_score: int | None = None
    status: str | None = None
    releases: tuple[str, ...] = ()
    target_approval: str | None = None
    replaces: str | None = None
    reference: str | None = None
    source: str | None = None
    add_on: str | None = None
    designated_sections: list[SectionGroup] = field(default_factory=list)
    test_repositories: dict[str, dict[str, str]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    raw: dict = field(default_factory=dict, repr=False)  # type: ignore[type-arg]
    _statuses: dict[str, dict[str, str]] = field(default_factory=dict, repr=False, compare=False)

    # -- targets -----------------------------------------------------------------
    def target(self, name: str) -> Target:
        try:
            return self.targets[name]
        except KeyError:
            known = ", ".join(self.targets) or "none"
            raise UnknownTarget(
                f"Invalid target: {name} (guideline {self.id} defines: {known})"
            ) from None

    def target_components(self, target: str) -> list[Component]:
        """The components a target selects; components defined elsewhere are skipped."""
        return [self.components[c] for c in self.target(target).components if c in self.components]

    def target_capabilities(
        self, target: str = "platform", types: Iterable[str] | None = None
    ) -> set[str]:
        """RefStack's ``get_target_capabilities``: the set of capability names
        listed under any of ``types`` (default: every status) in the target's
        components. Names listed but not defined are included here and
        skipped by :meth:`test_list`."""
        wanted = tuple(types) if types is not None else STATUSES
        caps: set[str] = set()
        for component in self.target_components(target):
            for status in wanted:
                caps.update(component.capabilities.get(status, ()))
        return caps

    def capability_statuses(self, target: str = "platform") -> dict[str, str]:
        """Capability -> status for a target; on a clash the higher-priority
        status wins (required over advisory over deprecated over removed), as
        RefStack's report does. Ordered as the capabilities are in the file."""
        cached = self._statuses.get(target)
        if cached is None:
            cached = self._statuses[target] = self._compute_statuses(target)
        return dict(cached)

    def _compute_statuses(self, target: str) -> dict[str, str]:
        rank = {s: i for i, s in enumerate(STATUSES)}
        found: dict[str, str] = {}
        for component in self.target_components(target):
            for status in STATUSES:
                for cap in component.capabilities.get(status, ()):
                    if cap not in found or rank[status] < rank[found[cap]]:
                        found[cap] = status
        order = {name: i for i, name in enumerate(self.capabilities)}
        return dict(sorted(found.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))

    def undefined_capabilities(self) -> list[str]:
        """Capabilities listed in some component but not defined (spec §7)."""
        listed = {
            c
            for comp in self.components.values()
            for caps in comp.capabilities.values()
            for c in caps
        }
        return sorted(listed - self.capabilities.keys())

    # -- tests -------------------------------------------------------------------
    @property
    def plain_test_names(self) -> bool:
        """Schemas 1.0 and 1.2 list tests as bare names, without ``[id]``."""
        return self.schema in ("1.0", "1.2")

    def test_list(
        self,
        target: str = "platform",
        types: Iterable[str] | None = None,
        alias: bool = True,
        flag: bool = True,
    ) -> list[str]:
        """The test list RefStack's ``/v1/guidelines/<id>/tests`` returns:
        same lines, same order, duplicates kept.

        ``types``: None for every status, else the statuses to include.
        ``alias``: also list each alias (with the test's idempotent id).
        ``flag``: include flagged tests (False drops them and their aliases).
        """
        if types is not None:
            types = list(types)
            unknown = [t for t in types if t not in STATUSES]
            if unknown:
                raise UnknownTarget(
                    f"Invalid type: {', '.join(unknown)} (expected {', '.join(STATUSES)})"
                )
        caps = self.target_capabilities(target, types)
        lines: list[str] = []
        for name, capability in self.capabilities.items():
            if name not in caps:
                continue
            for test in capability.tests:
                if test.flagged and not flag:
                    continue
                if self.plain_test_names:
                    lines.append(test.name)
                    continue
                suffix = f"[{test.idempotent_id or ''}]"
                lines.append(test.name + suffix)
                if alias:
                    lines.extend(a + suffix for a in test.aliases)
        lines.sort()
        return lines

    def tests(self, target: str | None = None) -> Iterator[tuple[Capability, Test]]:
        """Every (capability, test), in file order; limited to a target's capabilities."""
        caps = self.target_capabilities(target) if target else None
        for name, capability in self.capabilities.items():
            if caps is None or name in caps:
                for test in capability.tests:
                    yield capability, test

    # -- sections ----------------------------------------------------------------
    def sections_for(self, project: str) -> list[SectionGroup]:
        return [g for g in self.designated_sections if g.project == project]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def total_weight(self) -> int:
        return sum(c.weight for c in self.criteria.values())


class GuidelineSet(Mapping[str, Guideline]):
    """Guidelines indexable by id (``"2020.06"``, ``"dns.2020.06"``, ``"next"``).

    Iteration order: powered guidelines by date then ``next``, then add-ons,
    verticals, legacy and drafts.
    """

    def __init__(
        self,
        guidelines: Iterable[Guideline],
        issues: Sequence[Issue] = (),
        *,
        fingerprint: str = "",
    ) -> None:
        self._by_id: dict[str, Guideline] = {}
        #: what the set was read from (files, sizes, times), as the reader states it: the key
        #: of every cache derived from the set ("" when the set was built in memory)
        self.fingerprint = fingerprint
        for guideline in sorted(guidelines, key=_sort_key):
            self._by_id[guideline.id] = guideline
        #: problems with files that could not be read at all
        self.issues: list[Issue] = list(issues)

    def __getitem__(self, key: str) -> Guideline:
        key = key.removesuffix(".json")
        try:
            return self._by_id[key]
        except KeyError:
            raise GuidelineNotFound(f"Guideline not found: {key}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.removesuffix(".json") in self._by_id

    def of_kind(self, *kinds: str) -> list[Guideline]:
        return [g for g in self._by_id.values() if g.kind in kinds]

    def including(self, guideline: Guideline) -> GuidelineSet:
        """A new set with ``guideline`` added (replacing one of the same id): a draft read
        from a file joins its line, so ``previous`` and the diffs see it like any other."""
        others = [g for g in self._by_id.values() if g.id != guideline.id]
        extra = f"+{guideline.id}:{guideline.file}" if self.fingerprint else ""
        return GuidelineSet([*others, guideline], self.issues, fingerprint=self.fingerprint + extra)

    def series(self, add_on: str | None = None) -> list[Guideline]:
        """The dated guidelines of one line (powered, or one add-on), oldest first; no ``next``."""
        if add_on is None:
            return [g for g in self.of_kind("powered") if g.id != "next"]
        return [
            g for g in self.of_kind("add-on") if g.add_on == add_on and not g.id.endswith(".next")
        ]

    def previous(self, guideline: Guideline) -> Guideline | None:
        """The guideline of the same line just before this one (``next`` follows the latest)."""
        line = self.series(guideline.add_on if guideline.kind == "add-on" else None)
        if guideline.kind not in ("powered", "add-on"):
            return None
        if guideline.id == "next" or guideline.id.endswith(".next"):
            return line[-1] if line else None
        ids = [g.id for g in line]
        if guideline.id in ids:
            i = ids.index(guideline.id)
            return line[i - 1] if i > 0 else None
        return None

    def validation_guidelines(self, guideline: Guideline) -> tuple[str, ...]:
        """The guidelines of ``guideline``'s line that new validations may use: the two
        latest approved (2015B/2016A). Empty for lines without approval (legacy, drafts,
        verticals)."""
        if guideline.kind not in ("powered", "add-on"):
            return ()
        line = self.series(guideline.add_on if guideline.kind == "add-on" else None)
        return tuple(g.id for g in line if g.status == "approved")[-2:]

    def latest_approved(self, add_on: str | None = None) -> Guideline | None:
        approved = [g for g in self.series(add_on) if g.status == "approved"]
        return approved[-1] if approved else None


_KIND_ORDER = {"powered": 0, "add-on": 1, "vertical": 2, "legacy": 3, "draft": 4}


def _sort_key(g: Guideline) -> tuple[int, str, int, str]:
    date = g.id.split(".", 1)[1] if g.kind == "add-on" else g.id
    is_next = 1 if date == "next" else 0
    return (_KIND_ORDER.get(g.kind, 9), g.add_on or "", is_next, date)
