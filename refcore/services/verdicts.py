"""Trademark verdicts on the server: a product profile x a guideline, with a stored
run as the test evidence.

The profile arrives as data (an object, or its YAML/JSON text) and is validated
by :meth:`refcore.core.profiles.Profile.from_dict` (every problem listed, 422).
The server reads no files: evidence is a stored run (``run_id`` in the request or
``evidence.run_id`` in the profile), loaded only if the caller may read it
(:func:`refcore.services.runs_read.get_run`); a usage declaration must be inline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from sqlalchemy.orm import Session

from refcore.core import yamltext
from refcore.core.guidelines import Guideline
from refcore.core.profiles import Profile
from refcore.core.results import parse_run
from refcore.core.runs import TestRun
from refcore.core.tc_rules import Policy, parse_policy
from refcore.core.verdicts import VerdictOptions, decide_verdict
from refcore.errors import ProfileError
from refcore.services.accounts import Actor
from refcore.services.runs_read import get_run
from refcore.services.testruns import load_testrun

__all__ = ["ASSUMPTIONS", "parse_profile", "verdict"]

ASSUMPTIONS = ("none", "all", "published")
_SOURCE = "profile"


def parse_profile(data: Any) -> Profile:
    """A profile from decoded data or from YAML/JSON text; ProfileError lists every problem."""
    if isinstance(data, str):
        try:
            data = yamltext.safe_load(data)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or "syntax error"
            raise ProfileError(f"{_SOURCE}: not YAML or JSON{where}: {problem}") from None
    profile = Profile.from_dict(data, source=_SOURCE)
    if profile.usage_file:
        raise ProfileError(
            f"{_SOURCE}: usage {profile.usage_file!r} names a file the server cannot read; "
            "give the usage declaration inline",
            errors=["/usage: a file name; give the declaration itself"],
        )
    return profile


def _evidence(
    session: Session,
    actor: Actor,
    profile: Profile,
    run_id: str | None,
    run_file: tuple[str, bytes] | None = None,
) -> tuple[TestRun | None, str | None]:
    if profile.is_client:
        return None, None
    if run_file is not None:
        name, data = run_file
        return parse_run(data, source=name), None
    ev = profile.evidence
    run_id = run_id or (ev.run_id if ev else None)
    if run_id is None:
        if ev is not None and ev.run:
            raise ProfileError(
                f"{_SOURCE}: evidence.run {ev.run!r} names a file the server cannot read; "
                "upload the run (POST /v2/runs) and give its id as evidence.run_id or run_id",
                errors=["/evidence/run: a file name; give a stored run id instead"],
            )
        return None, None
    run, _ = get_run(session, actor, run_id)  # NotFound (404) / Unauthorized (401)
    return load_testrun(session, run), run.id


def verdict(
    session: Session,
    actor: Actor,
    guideline: Guideline,
    profile_data: Any,
    *,
    run_id: str | None = None,
    policy: str | Policy = Policy.APPROVED_TEXT,
    enforce_advisory: bool = False,
    assume: Mapping[str, str] | None = None,
    current: tuple[str, ...] = (),
    run_file: tuple[str, bytes] | None = None,
    historical: bool = False,
) -> dict[str, Any]:
    """The verdict as :meth:`refcore.core.verdicts.Verdict.to_dict`, plus the
    evidence used (``evidence.run_id``: the stored run, or null; ``evidence.file``:
    the name of a run file given instead (``run_file``: name and bytes, read by
    :func:`refcore.core.results.parse_run`); ``evidence.tests``: how many tests)."""
    profile = parse_profile(profile_data)
    testrun, used = _evidence(session, actor, profile, run_id, run_file)
    options = VerdictOptions(
        parse_policy(policy), enforce_advisory, dict(assume or {}), tuple(current), historical
    )
    result = decide_verdict(profile, guideline, testrun, options=options)
    evidence = {
        "run_id": used,
        "file": run_file[0] if run_file is not None and testrun is not None else None,
        "tests": len(testrun) if testrun is not None else None,
    }
    return {**result.to_dict(), "evidence": evidence, "exit_code": result.exit_code}
