"""Contribution histories and governance data from files, or straight from a git clone.

* :func:`resolve_contrib` finds the contrib directory (``--contrib``, ``REFCORE_CONTRIB``,
  then ``./shared/contrib`` or ``../shared/contrib`` from the working directory);
* :func:`read_history` reads ``<project>.gitlog.gz`` (or ``.gitlog``) from it;
* :func:`read_git` runs ``git log --no-merges --numstat`` in a local clone, in the same
  format, so a deployment maps its own projects (the author's e-mail is reduced to the id
  and domain by the core parser as the text is read; no address is kept);
* :func:`read_governance` reads ``governance-projects.yaml``.

Parsed histories are kept per file (path, size, mtime), so a server reads each once.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import threading
from pathlib import Path

from refcore.core.contributions import Commit, parse_history
from refcore.core.governance import ProjectTeam, parse_projects
from refcore.errors import HistoryError

__all__ = [
    "GIT_FORMAT",
    "history_projects",
    "read_git",
    "read_governance",
    "read_history",
    "resolve_contrib",
]

#: the ``git log`` pretty format giving the contrib layout (third field: the e-mail)
GIT_FORMAT = "commit %H%x09%aI%x09%ae"
GOVERNANCE_FILE = "governance-projects.yaml"
#: a git log larger than this is refused (the Keystone history is about 6 MB)
MAX_GIT_BYTES = 512 * 1024 * 1024

_lock = threading.Lock()
_histories: dict[tuple[str, int, int], tuple[Commit, ...]] = {}
_governance: dict[tuple[str, int, int], dict[str, ProjectTeam]] = {}


def resolve_contrib(source: str | os.PathLike[str] | None = None) -> Path:
    """The contrib directory: the argument, ``REFCORE_CONTRIB``, or ``shared/contrib`` found
    from the working directory (``./shared/contrib``, ``../shared/contrib``)."""
    text = os.fspath(source) if source is not None else os.environ.get("REFCORE_CONTRIB")
    if text:
        path = Path(text).expanduser()
        if not path.is_dir():
            raise HistoryError(f"contribution data {path} is not a directory")
        return path.resolve()
    for candidate in (Path.cwd() / "shared" / "contrib", Path.cwd().parent / "shared" / "contrib"):
        if candidate.is_dir():
            return candidate.resolve()
    raise HistoryError(
        "no contribution data: pass --contrib DIR (or set REFCORE_CONTRIB), or --git PATH"
    )


def history_projects(root: Path) -> list[str]:
    """Projects with a history file in the contrib directory, sorted."""
    names = {p.name.split(".gitlog")[0] for p in root.glob("*.gitlog*")}
    return sorted(names)


def _key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path), st.st_size, st.st_mtime_ns)


def read_history(project: str, source: str | os.PathLike[str] | None = None) -> tuple[Commit, ...]:
    """Every commit of ``<project>.gitlog.gz`` (or ``.gitlog``) in the contrib directory."""
    root = resolve_contrib(source)
    name = project.strip().lower()
    if not name or "/" in name or name.startswith("."):
        raise HistoryError(f"{project!r} is not a project name")
    for candidate in (root / f"{name}.gitlog.gz", root / f"{name}.gitlog"):
        if candidate.is_file():
            path = candidate
            break
    else:
        known = ", ".join(history_projects(root)) or "none"
        raise HistoryError(f"no history for project {project!r} in {root} (known: {known})")
    key = _key(path)
    with _lock:
        cached = _histories.get(key)
    if cached is not None:
        return cached
    raw = path.read_bytes()
    try:
        data = gzip.decompress(raw) if path.suffix == ".gz" else raw
    except (OSError, EOFError) as exc:
        raise HistoryError(f"{path}: not a readable gzip file ({exc})") from None
    commits = tuple(parse_history(_text(data, path)))
    with _lock:
        _histories[key] = commits
    return commits


def _text(data: bytes, where: object) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HistoryError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def read_git(repository: str | os.PathLike[str]) -> list[Commit]:
    """The non-merge history of a local git clone, read with ``git log --numstat`` (the
    whole history: git's own date filters use commit dates, the period rule uses author
    dates, so the core applies it)."""
    path = Path(repository).expanduser()
    if not path.exists():
        raise HistoryError(f"git repository {path} does not exist")
    git = shutil.which("git")
    if git is None:
        raise HistoryError("git is not installed: cannot read a clone's history")
    cmd = [git, "-C", str(path), "log", "--no-merges", "--numstat", f"--format={GIT_FORMAT}"]
    env = {**os.environ, "LC_ALL": "C", "GIT_PAGER": "cat"}
    try:
        proc = subprocess.run(cmd, capture_output=True, env=env, timeout=600, check=False)
    except subprocess.TimeoutExpired:
        raise HistoryError(f"git log in {path} took longer than 10 minutes") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise HistoryError(
            f"git log in {path} failed: {message[-1] if message else proc.returncode}"
        )
    if len(proc.stdout) > MAX_GIT_BYTES:
        raise HistoryError(f"git log in {path} is larger than {MAX_GIT_BYTES} bytes")
    return parse_history(_text(proc.stdout, path))


def read_governance(source: str | os.PathLike[str] | None = None) -> dict[str, ProjectTeam]:
    """The project teams of ``governance-projects.yaml`` in the contrib directory."""
    path = resolve_contrib(source) / GOVERNANCE_FILE
    if not path.is_file():
        raise HistoryError(f"no {GOVERNANCE_FILE} in {path.parent}")
    key = _key(path)
    with _lock:
        cached = _governance.get(key)
    if cached is not None:
        return cached
    teams = parse_projects(_text(path.read_bytes(), path))
    with _lock:
        _governance[key] = teams
    return teams
