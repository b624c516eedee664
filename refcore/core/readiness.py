"""Is a draft guideline ready to publish? Two checks the working group otherwise does by hand.

1. **Its tests exist** in the Tempest release vendors will run: every test of every capability
   is looked up in that Tempest's listing by name, then alias, then idempotent id
   (:mod:`refcore.core.testmap`). A test found only by its idempotent id was renamed: the new
   name is offered as an alias to add. A test found nowhere cannot pass, so the draft is not
   ready; a *flagged* test found nowhere does not count anyway and is only reported.
2. **Its required capabilities reach the cut-off**, scored with the guideline's own weights
   from the marks the caller gives (the one scoring rule lives in the services), unless the
   draft records why one is required anyway: a ``set status`` -> ``required`` entry with its
   reason in ``metadata.changes`` (see :mod:`refcore.core.authoring`).

Which stored runs and certified products would stop meeting the draft is a question for the
database: the services answer it with :mod:`refcore.core.whatif`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .guidelines import Guideline
from .scoring import Marks, Scoring
from .testmap import TempestListing, map_tests

__all__ = ["Readiness", "check_readiness"]


@dataclass(slots=True)
class Readiness:
    guideline: str
    tempest: str
    tests: int = 0
    #: (capability, test) found nowhere in the listing: the test cannot pass
    missing: list[tuple[str, str]] = field(default_factory=list)
    #: flagged tests found nowhere: they do not count, but should leave the guideline
    missing_flagged: list[tuple[str, str]] = field(default_factory=list)
    #: (capability, test, the listing's name for it): renamed, add the new name as an alias
    renamed: list[tuple[str, str, str]] = field(default_factory=list)
    #: required capabilities below the cut-off with no recorded reason: (capability, total)
    below_cutoff: list[tuple[str, int]] = field(default_factory=list)
    #: required capabilities below the cut-off kept on purpose: capability -> the reason
    required_anyway: dict[str, str] = field(default_factory=dict)
    cutoff: int | None = None

    @property
    def ready(self) -> bool:
        return not self.missing and not self.below_cutoff

    def to_dict(self) -> dict[str, Any]:
        return {
            "guideline": self.guideline,
            "tempest": self.tempest,
            "ready": self.ready,
            "tests": self.tests,
            "missing": [{"capability": c, "test": t} for c, t in self.missing],
            "missing_flagged": [{"capability": c, "test": t} for c, t in self.missing_flagged],
            "renamed": [{"capability": c, "test": t, "alias": a} for c, t, a in self.renamed],
            "cutoff": self.cutoff,
            "below_cutoff": [{"capability": c, "total": s} for c, s in self.below_cutoff],
            "required_anyway": self.required_anyway,
        }


def _reasons_for_required(guideline: Guideline) -> dict[str, str]:
    changes = guideline.raw.get("metadata", {}).get("changes", [])
    out: dict[str, str] = {}
    for entry in changes if isinstance(changes, list) else []:
        if (
            isinstance(entry, Mapping)
            and entry.get("change") == "set status"
            and entry.get("after") == "required"
            and entry.get("capability")
        ):
            out[str(entry["capability"])] = str(entry.get("reason", ""))
    return out


def check_readiness(
    guideline: Guideline,
    listing: TempestListing,
    marks: Mapping[str, Marks],
    *,
    tempest: str = "",
) -> Readiness:
    """Both checks of the module docstring over every capability of ``guideline``."""
    result = Readiness(guideline.id, tempest)
    mapping = map_tests(guideline, listing)
    result.tests = len(mapping.entries)
    for entry in mapping.entries:
        if entry.matched_by is None:
            bucket = result.missing_flagged if entry.test.flagged else result.missing
            bucket.append((entry.capability, entry.test.name))
        elif entry.matched_by == "idempotent_id" and entry.tempest_name:
            result.renamed.append((entry.capability, entry.test.name, entry.tempest_name))
    scoring = Scoring.from_guideline(guideline)
    result.cutoff = scoring.cutoff
    if scoring.cutoff is None:
        return result
    anyway = _reasons_for_required(guideline)
    required = {
        name
        for comp in guideline.components.values()
        for name in comp.capabilities.get("required", ())
    }
    for name in sorted(required):
        m = marks.get(name)
        if m is None:
            continue
        total = scoring.score(m).total
        if total >= scoring.cutoff:
            continue
        if name in anyway:
            result.required_anyway[name] = anyway[name]
        else:
            result.below_cutoff.append((name, total))
    return result
