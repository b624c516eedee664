"""Read a product profile (YAML or JSON) and what it points to, for a verdict.

Paths inside a profile (``evidence.run``, ``usage``) are relative to the
profile's own directory, so a profile and its evidence travel together (see
``examples/advisory-cases/``). OS and syntax problems become
:class:`~refcore.errors.ProfileError` messages naming the file.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import yaml

from refcore.core import yamltext
from refcore.core.profiles import Profile
from refcore.core.runs import TestRun
from refcore.core.usage import loads_usage
from refcore.errors import ProfileError, ScoringError
from refcore.readers.runs import read_run

__all__ = ["read_evidence", "read_profile"]


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such {what} file") from None
    except IsADirectoryError:
        raise ProfileError(f"{path}: is a directory, not a {what} file") from None
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_profile(path: str | os.PathLike[str]) -> Profile:
    """Parse and validate the profile at ``path``; resolve its usage declaration file."""
    p = Path(path)
    text = _read_text(p, "profile")
    try:
        data = yamltext.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ProfileError(f"{p}: not YAML or JSON{where}: {problem}") from None
    profile = Profile.from_dict(data, source=str(p))
    if profile.usage_file:
        usage_path = p.parent / profile.usage_file
        try:
            usage = loads_usage(_read_text(usage_path, "usage declaration"), source=str(usage_path))
        except ScoringError as exc:
            raise ProfileError(str(exc), errors=exc.errors) from None
        profile = replace(profile, usage=usage)
    return profile


def read_evidence(profile: Profile, run_file: str | None = None) -> TestRun | None:
    """The profile's test evidence: ``run_file`` if given, else ``evidence.run``
    relative to the profile's directory; None when the profile has none.

    A stored ``evidence.run_id`` cannot be read offline: that is an error naming
    the way out (``--run FILE``, or the server's verdict endpoint)."""
    if run_file is not None:
        return read_run(run_file)
    ev = profile.evidence
    if ev is None:
        return None
    if ev.run:
        return read_run(Path(profile.source).parent / ev.run)
    raise ProfileError(
        f"{profile.source}: evidence.run_id {ev.run_id!r} names a run stored on a refcore "
        "server; give the run file with --run FILE, or ask the server's verdict endpoint"
    )
