"""Contribution histories: ``git log --numstat`` text in, counts per organisation out.

The history format is the one of ``../shared/contrib`` (one record per commit)::

    commit <sha>\\t<author date, ISO 8601>\\t<author id>\\t<author e-mail domain>
    <blank line>
    <added>\\t<deleted>\\t<path>          one line per file ('-' '-' for binary files)

A local clone gives the same shape with ``git log --no-merges --numstat
--format=commit%x20%H%x09%aI%x09%ae`` (see :mod:`refcore.readers.contrib`): the third field
is then the author's e-mail, which :func:`parse_history` reduces at once to the same id
(first 12 hex digits of sha256 of the lower-cased address) and its domain, so no address
is ever kept.

Counting rules (documented in docs/stakeholders.md): a commit is in a period when its
author date, in the author's own offset, falls between ``since`` and ``until`` (both days
included); *commits* counts commits, *authors* counts distinct author ids. A renamed file
(``dir/{old => new}``) counts under its new path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from refcore.errors import HistoryError

from .affiliation import Affiliation, classify

__all__ = [
    "Commit",
    "Contributions",
    "NO_DOMAIN",
    "Group",
    "author_id",
    "count",
    "in_period",
    "parse_history",
    "renamed_path",
]


@dataclass(frozen=True, slots=True)
class Commit:
    """One non-merge commit: who (a stable id, a domain), when, which files."""

    sha: str
    #: the author date as written (ISO 8601 with offset)
    when: str
    author: str
    domain: str
    files: tuple[str, ...] = ()

    @property
    def day(self) -> str:
        """``YYYY-MM-DD`` of the author date, in the author's own offset."""
        return self.when[:10]


def author_id(email: str) -> str:
    """The stable id of an author: first 12 hex digits of sha256(lower-cased e-mail)."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:12]


def renamed_path(path: str) -> str:
    """The path a numstat rename line ends at: ``a/{b => c}/d`` -> ``a/c/d``, ``x => y`` -> ``y``."""
    if " => " not in path:
        return path
    start = path.find("{")
    end = path.find("}", start + 1)
    if start != -1 and end != -1:
        inner = path[start + 1 : end].split(" => ", 1)[-1]
        merged = path[:start] + inner + path[end + 1 :]
        return merged.replace("//", "/")
    return path.split(" => ", 1)[1]


def _header(line: str, number: int) -> tuple[str, str, str, str]:
    parts = line[7:].split("\t")
    if len(parts) == 4:
        sha, when, author, domain = parts
    elif len(parts) == 3:
        sha, when, email = parts
        if "@" not in email:
            raise HistoryError(f"line {number}: author e-mail {email!r} has no domain")
        author, domain = author_id(email), email.rsplit("@", 1)[1]
    else:
        raise HistoryError(
            f"line {number}: a commit line needs sha, date, author and domain "
            f"separated by tabs; got {len(parts)} field(s)"
        )
    if not sha or len(when) < 10 or when[4] != "-" or when[7] != "-":
        raise HistoryError(f"line {number}: {when!r} is not an ISO 8601 author date")
    try:
        date.fromisoformat(when[:10])
    except ValueError:
        raise HistoryError(f"line {number}: {when!r} is not an ISO 8601 author date") from None
    return sha, when, author, domain.strip().lower()


def parse_history(text: str) -> list[Commit]:
    """Every commit of a ``git log --numstat`` text (the contrib format), in file order.

    Raises :class:`HistoryError` naming the first line that is neither a commit line, a
    numstat line nor blank."""
    commits: list[Commit] = []
    current: tuple[str, str, str, str] | None = None
    files: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line:
            continue
        if line.startswith("commit "):
            if current is not None:
                commits.append(Commit(*current, files=tuple(files)))
            current, files = _header(line, number), []
            continue
        parts = line.split("\t", 2)
        if current is None or len(parts) != 3:
            raise HistoryError(
                f"line {number}: expected a 'commit' line or 'added<TAB>deleted<TAB>path', "
                f"got {line[:60]!r}"
            )
        files.append(renamed_path(parts[2]))
    if current is not None:
        commits.append(Commit(*current, files=tuple(files)))
    return commits


def in_period(commits: Iterable[Commit], since: str | None, until: str | None) -> list[Commit]:
    """The commits whose author day lies in [since, until] (``YYYY-MM-DD``, both optional)."""
    lo, hi = since or "0000-00-00", until or "9999-99-99"
    return [c for c in commits if lo <= c.day <= hi]


@dataclass(slots=True)
class Group:
    """One row of a contributions table: an organisation, or a domain shown as such."""

    name: str
    #: ``organisation`` (mapped or declared), ``free-mail``, ``unmapped`` or ``domain``
    kind: str
    commits: int = 0
    authors: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)

    def to_dict(self, total_commits: int) -> dict[str, Any]:
        share = self.commits / total_commits if total_commits else 0.0
        return {
            "name": self.name,
            "kind": self.kind,
            "commits": self.commits,
            "authors": len(self.authors),
            "share": round(share, 4),
            "domains": sorted(self.domains),
        }


@dataclass(slots=True)
class Contributions:
    """Commits and authors per group for one project and period."""

    project: str
    since: str | None
    until: str | None
    by: str
    groups: list[Group]
    commits: int
    authors: int
    #: the area counted (a designated section, a capability) or None for the whole project
    area: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "area": self.area,
            "since": self.since,
            "until": self.until,
            "by": self.by,
            "commits": self.commits,
            "authors": self.authors,
            "organisations": [g.to_dict(self.commits) for g in self.groups],
        }

    def hidden_share(self) -> float:
        """Share of commits whose affiliation is not known (free-mail and unmapped domains)."""
        hidden = sum(g.commits for g in self.groups if g.kind in ("free-mail", "unmapped"))
        return hidden / self.commits if self.commits else 0.0


BY_CHOICES: tuple[str, ...] = ("organisation", "domain")
#: the row of commits whose author gave no e-mail address (a few early Swift commits)
NO_DOMAIN = "(none)"


def count(
    project: str,
    commits: Iterable[Commit],
    *,
    since: str | None = None,
    until: str | None = None,
    by: str = "organisation",
    affiliation: Affiliation | None = None,
    declared: Mapping[str, str] | None = None,
    touches: Callable[[Commit], bool] | None = None,
    area: str | None = None,
) -> Contributions:
    """Commits and distinct authors per organisation (or per raw domain with ``by="domain"``).

    ``declared`` maps author ids to the organisation their team registered them at; it wins
    over the domain. ``touches`` keeps only the commits of one code area. Rows are sorted by
    commits (most first), then name."""
    if by not in BY_CHOICES:
        raise HistoryError(f"--by must be one of {', '.join(BY_CHOICES)}, not {by!r}")
    aff = affiliation or Affiliation()
    people = declared or {}
    rows: dict[tuple[str, str], Group] = {}
    authors: set[str] = set()
    total = 0
    for c in in_period(commits, since, until):
        if touches is not None and not touches(c):
            continue
        if by == "domain":
            key = (c.domain or NO_DOMAIN, "domain")
        elif c.author in people:
            key = (people[c.author], "organisation")
        else:
            key = classify(c.domain, aff) if c.domain else (NO_DOMAIN, "unmapped")
        row = rows.get(key)
        if row is None:
            row = rows[key] = Group(key[0], key[1])
        row.commits += 1
        row.authors.add(c.author)
        row.domains.add(c.domain or NO_DOMAIN)
        authors.add(c.author)
        total += 1
    groups = sorted(rows.values(), key=lambda g: (-g.commits, g.name))
    return Contributions(project, since, until, by, groups, total, len(authors), area)
