"""Must-pass candidates mined from shared results: what the next guideline could require.

Two lists the working group can turn into a draft:

* **Tests outside every guideline** (by name, alias and idempotent id) that pass in the
  latest verified run of products of at least ``k`` distinct vendors (k-anonymity: fewer and
  the test is not shown), limited to a Tempest release's listing when one is given. Each is
  placed where it would belong: the capability of the latest guideline whose tests live in
  the same Tempest module, else a new capability named from the module
  (``tempest.api.compute.servers.test_server_tags`` -> ``compute-servers-server-tags``).
* **Advisory capabilities close to the cut-off**: scored with the guideline's weights, within
  ``margin`` points below it (or above it and still advisory).

Pure: run records in (see :class:`refcore.core.evidence.RunRecord`), a report out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .evidence import DEFAULT_K, RunRecord
from .guidelines import Guideline, GuidelineSet
from .runs import split_test_id
from .scoring import Marks, Scoring

__all__ = ["Candidate", "CandidateReport", "find_candidates", "group_of", "module_of"]


def module_of(test: str) -> str:
    """The Tempest module of a test id (``pkg.mod.Class.test_x[...]`` -> ``pkg.mod``)."""
    name = split_test_id(test)[0]
    parts = name.split(".")
    for i, part in enumerate(parts):
        if part[:1].isupper():  # the class
            return ".".join(parts[:i])
    return ".".join(parts[:-2]) if len(parts) > 2 else name


def group_of(test: str) -> str:
    """A capability-like name for a test's module: ``tempest.api.<service>.<...>.test_<x>``
    -> ``<service>-<...>-<x>`` (``admin`` packages dropped, ``_`` as ``-``)."""
    parts = module_of(test).split(".")
    if parts[:2] == ["tempest", "api"]:
        parts = parts[2:]
    elif parts and parts[0] == "tempest":
        parts = parts[1:]
    words = [p.removeprefix("test_") for p in parts if p not in ("admin",)]
    return "-".join(w.replace("_", "-") for w in words if w)


@dataclass(frozen=True, slots=True)
class Candidate:
    test: str
    uuid: str | None
    products: int
    vendors: int
    #: the existing capability it would join, else None (then ``group`` names a new one)
    capability: str | None
    group: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "uuid": self.uuid,
            "products": self.products,
            "vendors": self.vendors,
            "capability": self.capability,
            "group": self.group,
        }


@dataclass(slots=True)
class CandidateReport:
    guideline: str
    k: int
    products: int
    vendors: int
    tests: list[Candidate] = field(default_factory=list)
    near_cutoff: list[dict[str, Any]] = field(default_factory=list)
    cutoff: int | None = None

    def to_dict(self) -> dict[str, Any]:
        enough = self.vendors >= self.k
        groups: dict[str, list[str]] = {}
        for c in self.tests:
            groups.setdefault(c.capability or c.group, []).append(c.test)
        return {
            "guideline": self.guideline,
            "k": self.k,
            "products": self.products if enough else None,
            "vendors": self.vendors if enough else f"fewer than {self.k}",
            "tests": [c.to_dict() for c in self.tests],
            "groups": [
                {
                    "capability": name,
                    "new": not any(c.capability == name for c in self.tests),
                    "tests": tests,
                }
                for name, tests in sorted(groups.items())
            ],  # fmt: skip
            "cutoff": self.cutoff,
            "advisory_near_cutoff": self.near_cutoff,
        }


def _known(guidelines: GuidelineSet) -> tuple[set[str], set[str]]:
    names: set[str] = set()
    uuids: set[str] = set()
    for g in guidelines.values():
        for cap in g.capabilities.values():
            for test in cap.tests:
                names.update(split_test_id(n)[0] for n in test.names)
                if test.uuid:
                    uuids.add(test.uuid)
    return names, uuids


def find_candidates(
    guideline: Guideline,
    guidelines: GuidelineSet,
    runs: Iterable[RunRecord],
    marks: Mapping[str, Marks],
    *,
    k: int = DEFAULT_K,
    margin: int = 10,
    listing: Iterable[str] | None = None,
    uuids: Mapping[str, str] | None = None,
) -> CandidateReport:
    """The report of the module docstring. ``runs`` carry the passed test *names*;
    ``uuids`` maps a name to its idempotent id where known; ``listing``: test names of the
    Tempest release the candidates must exist in."""
    products: dict[str, RunRecord] = {}
    for run in runs:
        if run.product is None:
            continue  # only verified products stand behind a candidate
        if run.product not in products or run.timestamp > products[run.product].timestamp:
            products[run.product] = run
    vendors_all = {r.vendor or r.product for r in products.values()}
    report = CandidateReport(guideline.id, k, len(products), len(vendors_all))
    scoring = Scoring.from_guideline(guideline)
    report.cutoff = scoring.cutoff
    if scoring.cutoff is not None:
        advisory = {
            n
            for comp in guideline.components.values()
            for n in comp.capabilities.get("advisory", ())
        }
        for name in sorted(advisory):
            if name not in marks:
                continue
            total = scoring.score(marks[name]).total
            if total >= scoring.cutoff - margin:
                report.near_cutoff.append({"capability": name, "total": total})
    if len(vendors_all) < k:
        return report
    known_names, known_uuids = _known(guidelines)
    allowed = {split_test_id(t)[0] for t in listing} if listing is not None else None
    uuids = uuids or {}
    # each distinct string is judged once (a run repeats the same few hundred names)
    seen: dict[str, str | None] = {}

    def outside(passed: str) -> str | None:
        name = split_test_id(passed)[0]
        if "." not in name or name in known_names or uuids.get(name) in known_uuids:
            return None
        if allowed is not None and name not in allowed:
            return None
        return name

    behind: dict[str, tuple[set[str], set[str]]] = {}
    for run in products.values():
        for passed in run.passed:
            if passed not in seen:
                seen[passed] = outside(passed)
            found = seen[passed]
            if found is None:
                continue
            prods, vends = behind.setdefault(found, (set(), set()))
            prods.add(run.product or "")
            vends.add(run.vendor or run.product or "")
    by_module: dict[str, str] = {}
    for cap in guideline.capabilities.values():
        for known in cap.tests:
            by_module.setdefault(module_of(known.name), cap.name)
    for name in sorted(behind):
        prods, vends = behind[name]
        if len(vends) < k:
            continue
        report.tests.append(
            Candidate(
                name,
                uuids.get(name),
                len(prods),
                len(vends),
                by_module.get(module_of(name)),
                group_of(name),
            )
        )
    return report
