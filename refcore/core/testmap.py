"""Map a guideline's tests onto the Tempest that is installed.

Tempest renames tests between releases, but a test's idempotent id stays; a
guideline written for an older Tempest still names the old test. Each guideline
test is found by its name, then its aliases, then its idempotent id in the
installed Tempest's listing (``stestr list`` / ``tempest run --list-tests``:
one ``name[id-<uuid>,attr...]`` per line). The tests found nowhere are listed,
so the user knows before the run what cannot pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .guidelines import Guideline, Test
from .runs import split_test_id

__all__ = ["MappedTest", "TempestListing", "TestMapping", "map_tests", "parse_listing"]


@dataclass(slots=True)
class TempestListing:
    """The installed Tempest's tests: full id (with ``[...]``) by name and by uuid."""

    by_name: dict[str, str] = field(default_factory=dict)
    by_uuid: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.by_name)


def parse_listing(text: str) -> TempestListing:
    """Parse ``stestr list`` output; lines that are not test ids (log noise) are skipped."""
    listing = TempestListing()
    for raw in text.splitlines():
        line = raw.strip()
        if not line or " " in line or "." not in line:
            continue
        name, _attrs, uuid = split_test_id(line)
        listing.by_name[name] = line
        if uuid:
            listing.by_uuid.setdefault(uuid, line)
    return listing


@dataclass(frozen=True, slots=True)
class MappedTest:
    capability: str
    test: Test
    #: the installed Tempest's full test id, or None when it has no such test
    tempest_id: str | None
    #: "name" | "alias" | "idempotent_id" | None
    matched_by: str | None

    @property
    def tempest_name(self) -> str | None:
        return split_test_id(self.tempest_id)[0] if self.tempest_id else None


@dataclass(slots=True)
class TestMapping:
    """Every (capability, test) of the guideline/target and where it is in Tempest."""

    __test__ = False

    guideline: str
    target: str | None
    entries: list[MappedTest]

    def _by(self, rule: str | None) -> list[MappedTest]:
        return [e for e in self.entries if e.matched_by == rule]

    @property
    def by_name(self) -> list[MappedTest]:
        return self._by("name")

    @property
    def by_alias(self) -> list[MappedTest]:
        return self._by("alias")

    @property
    def by_idempotent_id(self) -> list[MappedTest]:
        """Tests Tempest renamed: found only by their idempotent id."""
        return self._by("idempotent_id")

    @property
    def missing(self) -> list[MappedTest]:
        return self._by(None)

    def load_list(self) -> list[str]:
        """The ``--load-list`` lines: each installed test once, as Tempest lists it."""
        return sorted({e.tempest_id for e in self.entries if e.tempest_id})

    def capabilities_by_test(self) -> dict[str, list[str]]:
        """Tempest test name -> the capabilities it counts for (for live progress)."""
        out: dict[str, list[str]] = {}
        for e in self.entries:
            name = e.tempest_name
            if name is not None and e.capability not in out.setdefault(name, []):
                out[name].append(e.capability)
        return out

    def tests_per_capability(self) -> dict[str, int]:
        """Capability -> how many of its tests will run (installed ones)."""
        out: dict[str, set[str]] = {}
        for e in self.entries:
            bucket = out.setdefault(e.capability, set())
            if e.tempest_id:
                bucket.add(e.tempest_id)
        return {k: len(v) for k, v in out.items()}


def map_tests(
    guideline: Guideline,
    listing: TempestListing,
    target: str | None = None,
    statuses: Iterable[str] | None = None,
) -> TestMapping:
    """Map the tests of ``guideline`` (limited to ``target``'s capabilities of the given
    ``statuses``; ``target=None``: every capability) onto ``listing``."""
    allowed = None
    if target is not None:
        allowed = guideline.target_capabilities(target, list(statuses) if statuses else None)
    entries = []
    for capability, test in guideline.tests(None):
        if allowed is not None and capability.name not in allowed:
            continue
        entries.append(_map_one(capability.name, test, listing))
    return TestMapping(guideline.id, target, entries)


def _map_one(capability: str, test: Test, listing: TempestListing) -> MappedTest:
    name, _attrs, _uuid = split_test_id(test.name)
    found = listing.by_name.get(name)
    if found:
        return MappedTest(capability, test, found, "name")
    for alias in test.aliases:
        found = listing.by_name.get(split_test_id(alias)[0])
        if found:
            return MappedTest(capability, test, found, "alias")
    uuid = test.uuid
    if uuid and uuid in listing.by_uuid:
        return MappedTest(capability, test, listing.by_uuid[uuid], "idempotent_id")
    return MappedTest(capability, test, None, None)
