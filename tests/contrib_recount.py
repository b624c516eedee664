"""An independent recount of the contrib histories, for tests: regular expressions over the
raw lines and plain dicts, sharing no code with :mod:`refcore.core.contributions`."""

from __future__ import annotations

import gzip
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

HEADER = re.compile(r"^commit ([0-9a-f]{40})\t(\d{4}-\d\d-\d\d)T[^\t]*\t([0-9a-f]{12})\t(.*)$")
RENAME_BRACES = re.compile(r"\{[^{}]* => ([^{}]*)\}")


def raw_commits(contrib: Path, project: str) -> list[tuple[str, str, str, list[str]]]:
    """(day, author, domain, files) per commit, read with regular expressions only."""
    out: list[tuple[str, str, str, list[str]]] = []
    with gzip.open(contrib / f"{project}.gitlog.gz", "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    for line in lines:
        m = HEADER.match(line)
        if m:
            # a few early commits have no author e-mail: the "(none)" row
            out.append((m.group(2), m.group(3), m.group(4).lower() or "(none)", []))
        elif line:
            path = line.split("\t")[2]
            path = RENAME_BRACES.sub(r"\1", path).replace("//", "/")
            if " => " in path:
                path = path.split(" => ")[1]
            out[-1][3].append(path)
    return out


def recount(
    rows: list[tuple[str, str, str, list[str]]],
    since: str,
    until: str,
    keep: Callable[[list[str]], bool] = lambda files: True,
) -> dict[str, tuple[int, int]]:
    commits: dict[str, int] = defaultdict(int)
    authors: dict[str, set[str]] = defaultdict(set)
    for day, author, domain, files in rows:
        if since <= day <= until and keep(files):
            commits[domain] += 1
            authors[domain].add(author)
    return {d: (n, len(authors[d])) for d, n in commits.items()}
