"""Scoring worksheets (``working_materials/scoring*.txt``): read, check, write.

A worksheet is free text with one scored row per capability::

    compute-servers-create:  [1,1,1] [1,1,1] [1,1,1] [1,1,1] [1] [100]*
    dns-zone-crud:   [*,1,1][1,1,1][1,1,0][*,1,*][1] [64]

Two spacing styles exist: ``spaced`` (``] [`` between groups, the powered and
NFV sheets) and ``compact`` (``][``, the add-on sheets, whose rows the
upstream ``tabulate_scores.py`` regex never matched — their totals are
hand-written). Everything that is not a row is kept verbatim, and rows keep
their line numbers and alignment, so ``parse -> render`` gives the file back
byte for byte, and ``render(scoring)`` only rewrites totals and stars.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from refcore.errors import ScoringError

from .scoring import CRITERIA_KEYS, Marks, Scoring

__all__ = ["RowCheck", "Worksheet", "WorksheetRow", "check_worksheet", "parse_worksheet"]

_ROW = re.compile(
    r"^(?P<name>[^\s:\[\]]+):(?P<pad>[ \t]+)"
    r"(?P<groups>(?:\[\S,\S,\S\][ \t]*){4}\[\S\])"
    r"(?:[ \t]*\[(?P<total>-?\d*)\])?(?P<star>\*)?[ \t]*$"
)
_ROW_START = re.compile(r"^[^\s:\[\]]+:[ \t]+\[\S,\S,\S\]")
_GROUP = re.compile(r"\[([^\]]*)\]")
_RULE = re.compile(r"^\s*(-{3,}|={3,})\s*$")


@dataclass(frozen=True, slots=True)
class WorksheetRow:
    """One scored capability; ``line`` is 1-based in the worksheet file."""

    capability: str
    marks: Marks
    line: int
    total: int | None = None
    star: bool = False
    style: str = "spaced"  # "spaced" | "compact"
    #: the column the first ``[`` starts at (alignment of the name column)
    column: int = 0
    #: the heading the row sits under (``Networking``, ``Compute`` ...)
    section: str | None = None

    def render(self) -> str:
        sep = " " if self.style == "spaced" else ""
        m = self.marks.values
        groups = sep.join(f"[{','.join(m[i : i + 3])}]" for i in range(0, 12, 3))
        head = f"{self.capability}:"
        head += " " * max(1, self.column - len(head))
        total = "" if self.total is None else f" [{self.total}]"
        return f"{head}{groups}{sep}[{self.marks.non_admin}]{total}{'*' if self.star else ''}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "capability": self.capability,
            "line": self.line,
            "section": self.section,
            "marks": self.marks.as_dict(),
            "non_admin": self.marks.non_admin,
            "total": self.total,
            "star": self.star,
        }


@dataclass(slots=True)
class Worksheet:
    """The lines of a worksheet and the scored rows found in them."""

    lines: list[str]
    rows: list[WorksheetRow]
    source: str | None = None

    def __iter__(self) -> Iterator[WorksheetRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, capability: str) -> WorksheetRow:
        for r in self.rows:
            if r.capability == capability:
                return r
        raise ScoringError(f"{self.source or 'worksheet'}: no row for {capability!r}")

    def marks(self) -> dict[str, Marks]:
        """Capability -> marks (a later row for the same capability wins)."""
        return {r.capability: r.marks for r in self.rows}

    def render(self, scoring: Scoring | None = None) -> str:
        """The worksheet text; with ``scoring``, totals and stars recomputed."""
        out = list(self.lines)
        for r in self.rows:
            if scoring is not None:
                s = scoring.score(r.marks)
                r = replace(r, total=s.total, star=s.star)
            out[r.line - 1] = r.render()
        return "".join(line + "\n" for line in out)

    @classmethod
    def build(
        cls,
        rows: Iterable[tuple[str, Marks]],
        *,
        scoring: Scoring | None = None,
        style: str = "spaced",
        title: str = "Scoring Worksheet",
    ) -> Worksheet:
        """A new worksheet from (capability, marks), names aligned in one column."""
        rows = list(rows)
        lines = [title, "=" * len(title), ""]
        column = max((len(name) + 2 for name, _ in rows), default=0)
        built = []
        for name, marks in rows:
            s = scoring.score(marks) if scoring else None
            row = WorksheetRow(
                name,
                marks,
                line=len(lines) + 1,
                total=s.total if s else None,
                star=bool(s and s.star),
                style=style,
                column=column,
            )
            lines.append(row.render())
            built.append(row)
        return cls(lines, built)


def parse_worksheet(text: str, *, source: str | None = None) -> Worksheet:
    """Every scored row of a worksheet, with line numbers and spacing style."""
    lines = text.splitlines()
    rows: list[WorksheetRow] = []
    section = None
    for i, line in enumerate(lines):
        if _RULE.match(line) and i > 0 and lines[i - 1].strip():
            section = lines[i - 1].strip()
        match = _ROW.match(line)
        if match is None:
            if _ROW_START.match(line):
                raise ScoringError(
                    f"{source or 'worksheet'}:{i + 1}: malformed row (expected "
                    f"'name: [a,b,c] [d,e,f] [g,h,i] [j,k,l] [n] [total]'): {line.strip()}"
                )
            continue
        marks = [m for g in _GROUP.findall(match.group("groups")) for m in g.split(",")]
        total = match.group("total")
        rows.append(
            WorksheetRow(
                capability=match.group("name"),
                marks=Marks(tuple(marks[: len(CRITERIA_KEYS)]), marks[len(CRITERIA_KEYS)]),
                line=i + 1,
                total=int(total) if total not in (None, "", "-") else None,
                star=bool(match.group("star")),
                style="compact" if "][" in match.group("groups") else "spaced",
                column=len(match.group("name")) + 1 + len(match.group("pad")),
                section=section,
            )
        )
    return Worksheet(lines, rows, source)


@dataclass(frozen=True, slots=True)
class RowCheck:
    """A worksheet row recomputed with a guideline's weights."""

    capability: str
    line: int
    computed_total: int
    sheet_total: int | None
    computed_star: bool
    sheet_star: bool

    @property
    def matches(self) -> bool:
        return self.computed_total == self.sheet_total and self.computed_star == self.sheet_star

    def to_dict(self) -> dict[str, Any]:
        return {
            "capability": self.capability,
            "line": self.line,
            "computed_total": self.computed_total,
            "sheet_total": self.sheet_total,
            "computed_star": self.computed_star,
            "sheet_star": self.sheet_star,
            "matches": self.matches,
        }

    def describe(self) -> str:
        """One line naming the disagreement (empty when the row matches)."""
        if self.matches:
            return ""
        return (
            f"line {self.line}: {self.capability}: sheet [{self.sheet_total}]"
            f"{_star(self.sheet_star)}, computed [{self.computed_total}]{_star(self.computed_star)}"
        )


def _star(star: bool) -> str:
    return "*" if star else " (no star)"


def check_worksheet(sheet: Worksheet, scoring: Scoring) -> list[RowCheck]:
    """Recompute every row's total and star; one :class:`RowCheck` per row."""
    checks = []
    for r in sheet.rows:
        s = scoring.score(r.marks)
        checks.append(RowCheck(r.capability, r.line, s.total, r.total, s.star, r.star))
    return checks


def summarize(checks: Iterable[RowCheck]) -> Mapping[str, int]:
    checks = list(checks)
    bad = sum(1 for c in checks if not c.matches)
    return {"rows": len(checks), "matching": len(checks) - bad, "mismatching": bad}
