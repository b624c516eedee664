"""The Technical Committee's selection rules for designated sections, as an engine.

Source: the TC resolution "DesignatedSections.rst", approved 2014-12-02 (spec §6).
Rules 1-3 say when code SHOULD be designated, rules 4-7 when it should NOT; rule 8
is the default when none of them applies; rules 9 and 10 let the Board settle
disputes (a published, agreed designation is rule 9; per-project guidance is rule
10).

Given what is known of a section (its :class:`Property` set) :func:`decide` says
designated or not and names the rule that decided, plus every other rule that
matched and was overridden.

Precedence: the NOT rules win over the designated rules. They are the specific
exceptions carved out of the general ones: a REST API extension (rule 5) is code
that provides REST API (rule 1); a vendor driver (rule 7) is usually called by
shared code (rule 2); deprecated API code (rule 6) still provides the API. Within
each side the rule order is the resolution's.

The default (rule 8) is a policy setting because the two texts disagree:

``approved-text`` (the default)
    The resolution approved on 2014-12-02: code is NOT designated unless a rule
    designates it ("undesignated unless designated"; Apache licence; prefer a
    smaller core).
``seed``
    The draft quoted in the seed blog post ("Understanding OpenStack Designated
    Code Sections"): "code that is not clearly designated is assumed to be
    designated unless determined otherwise".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from refcore.errors import ProfileError

from .guidelines import Section

__all__ = [
    "POLICIES",
    "RULES",
    "Decision",
    "Policy",
    "Property",
    "Rule",
    "decide",
    "infer_properties",
    "parse_policy",
    "parse_properties",
]


class Property(StrEnum):
    """What can be said of a section of code; each maps to one TC rule."""

    REST_API = "provides-external-rest-api"
    SHARED = "shared-common-functionality"
    CROSS_PLATFORM = "critical-cross-platform"
    REPLACEABLE = "replaceable-by-design"
    EXTENDS_API = "extends-rest-api"
    DEPRECATED = "being-deprecated"
    VENDOR_SPECIFIC = "vendor-specific-interface"


class Policy(StrEnum):
    """What rule 8 (no other rule applies) decides."""

    APPROVED_TEXT = "approved-text"
    SEED = "seed"


POLICIES: tuple[str, ...] = tuple(p.value for p in Policy)


@dataclass(frozen=True, slots=True)
class Rule:
    number: int
    designated: bool
    text: str
    property: Property | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "designated": self.designated,
            "text": self.text,
            "property": self.property.value if self.property else None,
        }


#: the resolution's rules, by number
RULES: dict[int, Rule] = {
    r.number: r
    for r in (
        Rule(1, True, "code provides the project's external REST API", Property.REST_API),
        Rule(
            2, True, "shared code providing common functionality for all options", Property.SHARED
        ),
        Rule(3, True, "logic critical for cross-platform operation", Property.CROSS_PLATFORM),
        Rule(
            4,
            False,
            "the project design intends this section to be replaceable",
            Property.REPLACEABLE,
        ),
        Rule(5, False, "code extends the REST API in a new or different way", Property.EXTENDS_API),
        Rule(6, False, "code is being deprecated", Property.DEPRECATED),
        Rule(7, False, "code interfaces to vendor-specific functions", Property.VENDOR_SPECIFIC),
        Rule(8, False, "not designated by default (approved TC text, 2014-12-02)"),
        Rule(9, True, "designated by consensus: the published designation of the guideline"),
        Rule(10, True, "project guidance: the project-level default stated by the PTL"),
    )
}

#: rule 8 as the seed's draft words it
SEED_DEFAULT = Rule(
    8, True, "code not clearly designated is assumed to be designated (the seed's draft text)"
)

#: NOT rules first (they are the exceptions), then the designating rules
_ORDER: tuple[int, ...] = (6, 7, 4, 5, 1, 2, 3)


@dataclass(frozen=True, slots=True)
class Decision:
    designated: bool
    rule: Rule
    policy: Policy
    #: other rules that matched and lost to ``rule``
    overridden: tuple[Rule, ...] = ()

    @property
    def explanation(self) -> str:
        verdict = "designated" if self.designated else "not designated"
        text = f"{verdict} by rule {self.rule.number} ({self.rule.text})"
        if self.overridden:
            lost = ", ".join(str(r.number) for r in self.overridden)
            text += f"; overrides rule(s) {lost}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "designated": self.designated,
            "rule": self.rule.to_dict(),
            "policy": self.policy.value,
            "overridden": [r.number for r in self.overridden],
            "explanation": self.explanation,
        }


def parse_policy(value: str | Policy) -> Policy:
    try:
        return Policy(value)
    except ValueError:
        raise ProfileError(
            f"unknown designation policy {value!r} (expected {' or '.join(POLICIES)})"
        ) from None


def parse_properties(values: Iterable[str | Property], *, where: str = "") -> frozenset[Property]:
    """Strings -> properties; an unknown name is a :class:`ProfileError` listing the known ones."""
    out = set()
    for value in values:
        try:
            out.add(Property(value))
        except ValueError:
            known = ", ".join(p.value for p in Property)
            prefix = f"{where}: " if where else ""
            raise ProfileError(
                f"{prefix}unknown section property {value!r} (expected one of: {known})"
            ) from None
    return frozenset(out)


def decide(
    properties: Iterable[str | Property], policy: str | Policy = Policy.APPROVED_TEXT
) -> Decision:
    """Designated or not, from what is known of a section, naming the deciding rule."""
    props = parse_properties(properties)
    pol = parse_policy(policy)
    matched = [RULES[n] for n in _ORDER if RULES[n].property in props]
    if matched:
        winner = matched[0]
        lost = tuple(r for r in matched[1:] if r.designated != winner.designated)
        return Decision(winner.designated, winner, pol, lost)
    default = SEED_DEFAULT if pol is Policy.SEED else RULES[8]
    return Decision(default.designated, default, pol)


# Words in the published descriptions/comments that name a rule's property. The
# real data writes e.g. "should be replaceable", "vendor-specific", "API", "Shared".
_HINTS: tuple[tuple[Property, tuple[str, ...]], ...] = (
    (Property.DEPRECATED, ("deprecat",)),
    (Property.VENDOR_SPECIFIC, ("vendor-specific", "vendor specific")),
    (Property.REPLACEABLE, ("replaceable", "pluggable", "plugin", "driver")),
    (Property.EXTENDS_API, ("extension",)),
    (Property.SHARED, ("shared",)),
    (Property.CROSS_PLATFORM, ("cross platform", "cross-platform")),
    (Property.REST_API, ("api",)),
)


def infer_properties(section: Section) -> frozenset[Property]:
    """A best-effort reading of a published section's name, description and
    comment: which rule properties its words name. Used to explain published
    designations, never to override them."""
    text = " ".join(filter(None, (section.name, section.description, section.comment))).lower()
    words = set(text.replace(",", " ").replace("(", " ").replace(")", " ").split())
    found = set()
    for prop, hints in _HINTS:
        for hint in hints:
            phrase = " " in hint or "-" in hint
            if (phrase and hint in text) or any(w.startswith(hint) for w in words):
                found.add(prop)
    return frozenset(found)
