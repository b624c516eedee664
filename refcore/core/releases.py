"""OpenStack's releases in order, as guidelines name them (``os_trademark_approval.releases``),
and rolling a guideline's releases forward for the next one.

A guideline covers the releases its tests hold for (2020.06: stein, train, ussuri, victoria);
the next guideline drops the oldest and adds the release that came out since. Since 2023
releases carry a year number too (2023.1 "Antelope"); guidelines use the lower-case name.
"""

from __future__ import annotations

from collections.abc import Sequence

from refcore.errors import InvalidInput

__all__ = ["RELEASES", "roll_forward", "sort_releases"]

#: every release, oldest first (lower-case names, as the guidelines write them)
RELEASES: tuple[str, ...] = (
    "austin", "bexar", "cactus", "diablo", "essex", "folsom", "grizzly", "havana", "icehouse",
    "juno", "kilo", "liberty", "mitaka", "newton", "ocata", "pike", "queens", "rocky", "stein",
    "train", "ussuri", "victoria", "wallaby", "xena", "yoga", "zed", "antelope", "bobcat",
    "caracal", "dalmatian", "epoxy", "flamingo", "gazpacho",
)  # fmt: skip
_INDEX = {name: i for i, name in enumerate(RELEASES)}


def _index(name: str) -> int:
    try:
        return _INDEX[name.strip().lower()]
    except KeyError:
        raise InvalidInput(
            f"unknown OpenStack release {name!r}",
            errors=[f"known releases: {', '.join(RELEASES)}"],
        ) from None


def sort_releases(names: Sequence[str]) -> list[str]:
    """``names`` lower-cased, de-duplicated and in release order; an unknown name is a 400."""
    return sorted({n.strip().lower() for n in names}, key=_index)


def roll_forward(releases: Sequence[str], steps: int = 1) -> list[str]:
    """The same number of releases, ``steps`` later: the oldest go, the next ones come.

    ``["stein", "train", "ussuri", "victoria"]`` -> ``["train", "ussuri", "victoria",
    "wallaby"]``. The newest known release is never passed.
    """
    ordered = sort_releases(releases)
    if not ordered:
        return []
    newest = _index(ordered[-1])
    added = [RELEASES[i] for i in range(newest + 1, min(newest + 1 + steps, len(RELEASES)))]
    return (ordered + added)[len(added) :]
