"""Read a guideline document (already decoded JSON) of any schema into a
:class:`~refcore.core.guidelines.Guideline`.

Only what makes a document unusable raises :class:`InvalidGuideline`; every
oddity the real data is known to have (spec §7) becomes a warning
:class:`Issue` on the guideline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from refcore.errors import InvalidGuideline

from .guidelines import (
    PLATFORM_TARGETS,
    STATUSES,
    Capability,
    Component,
    Criterion,
    Flag,
    Guideline,
    Issue,
    Section,
    SectionGroup,
    Target,
    Test,
)

__all__ = ["guess_id", "loads_lenient", "parse_guideline", "parse_legacy_sections"]

_SECTION_STATUSES = (*STATUSES, "informational")
_COMMENT_LINE = re.compile(r"^\s*//.*$", re.MULTILINE)


def loads_lenient(text: str) -> Any:
    """``json.loads`` that also takes ``//`` comment lines and raw newlines
    inside strings (legacy/havanasections.json has both)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.loads(_COMMENT_LINE.sub("", text), strict=False)


def guess_id(path: str) -> tuple[str, str]:
    """(guideline id, kind) from a path laid out like the interop repository."""
    parts = path.replace("\\", "/").split("/")
    base = parts[-1].removesuffix(".json")
    folder = parts[-2] if len(parts) > 1 else ""
    if folder in ("legacy", "drafts"):
        stem = base.removesuffix("core")
        return (
            stem if folder == "legacy" else f"{stem}-draft",
            "legacy" if folder == "legacy" else "draft",
        )
    if folder == "verticals":
        return base, "vertical"
    if "." in base and base.split(".", 1)[0].isalpha():
        return base, "add-on"
    return base, "powered"


def parse_guideline(
    doc: Any, *, file: str, id: str | None = None, kind: str | None = None
) -> Guideline:
    """Build a Guideline from a decoded guideline document."""
    if not isinstance(doc, dict):
        raise InvalidGuideline(f"{file}: a guideline must be a JSON object")
    guessed_id, guessed_kind = guess_id(file)
    issues: list[Issue] = []
    if "metadata" in doc:
        g = _parse_v2(doc, file, issues)
    elif "schema" in doc and str(doc["schema"]) == "1.0":
        g = _parse_v1_0(doc, file, issues)
    elif "schema" in doc:
        g = _parse_v1(doc, file, issues)
    else:
        raise InvalidGuideline(
            f"{file}: not a guideline: neither 'metadata' (schema 2.0) nor 'schema' (1.x) is set"
        )
    own_id = g.id
    g.id = id or guessed_id
    g.kind = kind or guessed_kind
    if own_id and own_id != g.id and g.kind not in ("legacy", "draft"):
        pointer = "/metadata/id" if "metadata" in doc else "/id"
        issues.append(
            Issue(
                file,
                pointer,
                f"the document calls itself {own_id!r}; "
                f"its file name makes it {g.id!r}, which is used",
            )
        )
    if g.kind == "add-on":
        g.add_on = g.add_on or g.id.split(".", 1)[0]
    g.raw = doc
    g.issues.extend(issues)
    for name in g.undefined_capabilities():
        g.issues.append(
            Issue(
                file,
                "/components",
                f"capability {name!r} is listed in a "
                "component but not defined (ignored, as RefStack does)",
            )
        )
    return g


# -- helpers --------------------------------------------------------------------------------
def _obj(value: Any, file: str, pointer: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidGuideline(f"{file}: {pointer or '/'} must be an object")
    return value


def _strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return ()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _cutoff(value: Any, file: str, pointer: str, issues: list[Issue]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidGuideline(f"{file}: {pointer}: cutoff_score must be a number")
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise InvalidGuideline(f"{file}: {pointer}: cutoff_score {value!r} is not a number")
        return int(value)
    if isinstance(value, int | float):
        return int(value)
    raise InvalidGuideline(f"{file}: {pointer}: cutoff_score must be a number")


def _criteria(block: Any, file: str, pointer: str) -> dict[str, Criterion]:
    criteria: dict[str, Criterion] = {}
    if block is None:
        return criteria
    for key, c in _obj(block, file, pointer).items():
        c = _obj(c, file, f"{pointer}/{key}")
        weight = c.get("weight", 0)
        if not isinstance(weight, int | float) or isinstance(weight, bool):
            raise InvalidGuideline(f"{file}: {pointer}/{key}/weight must be a number")
        criteria[key] = Criterion(
            key=key,
            name=str(c.get("name", key)),
            weight=int(weight),
            description=_text(c.get("description", c.get("Description"))),
        )
    return criteria


def _flag(value: Any) -> Flag | None:
    if not value:
        return None
    if isinstance(value, dict):
        return Flag(
            _text(value.get("reason")), _text(value.get("action")), _text(value.get("date"))
        )
    return Flag(reason=str(value))


def _tests(value: Any, cap_flagged: tuple[str, ...], file: str, pointer: str) -> tuple[Test, ...]:
    if isinstance(value, list):  # 1.0 / 1.2: names, flags in the capability's list
        flagged = set(cap_flagged)
        return tuple(Test(name=str(n), flag=Flag() if n in flagged else None) for n in value)
    tests = []
    for name, t in _obj(value, file, pointer).items():
        t = t if isinstance(t, dict) else {}
        tests.append(
            Test(
                name=name,
                idempotent_id=_text(t.get("idempotent_id")),
                aliases=_strs(t.get("aliases")),
                flag=_flag(t.get("flagged", t.get("flag"))),
            )
        )
    return tuple(tests)


def _capability(name: str, c: Any, file: str, pointer: str, issues: list[Issue]) -> Capability:
    c = _obj(c, file, pointer)
    if "tests" not in c:
        raise InvalidGuideline(f"{file}: {pointer}: capability has no 'tests'")
    for typo, right in (("acheivements", "achievements"), ("descriptin", "description")):
        if typo in c:
            issues.append(
                Issue(file, f"{pointer}/{typo}", f"misspelt key {typo!r} read as {right!r}")
            )
    since = c.get("required_since", c.get("required-since"))
    return Capability(
        name=name,
        tests=_tests(c["tests"], _strs(c.get("flagged")), file, f"{pointer}/tests"),
        project=_text(c.get("project")),
        description=_text(c.get("description", c.get("descriptin"))),
        title=_text(c.get("name")),
        admin=bool(c.get("admin", False)),
        achievements=tuple(a for a in _strs(c.get("achievements", c.get("acheivements"))) if a),
        required_since=_text(since) or None,
        status=_text(c.get("status")),
        guidelines=_strs(c.get("guidelines")),
    )


def _capabilities(
    block: Any, file: str, pointer: str, issues: list[Issue]
) -> dict[str, Capability]:
    return {
        name: _capability(name, c, file, f"{pointer}/{name}", issues)
        for name, c in _obj(block, file, pointer).items()
    }


def _sections(project: str, status: str, block: Any) -> SectionGroup:
    block = block if isinstance(block, dict) else {}
    raw = block.get("sections") or {}
    sections = tuple(
        Section(
            name=n,
            designated=bool(s.get("designated", False)),
            description=_text(s.get("description")),
            comment=_text(s.get("comment")),
        )
        for n, s in (raw.items() if isinstance(raw, dict) else ())
        if isinstance(s, dict)
    )
    core = block.get("core-capabilities")
    return SectionGroup(
        project=project,
        status=status,
        sections=sections,
        guidance=_text(block.get("guidance")),
        comment=_text(block.get("comment")),
        core_capabilities=core if isinstance(core, bool) else None,
    )


# -- 2.0 ------------------------------------------------------------------------------------
def _parse_v2(doc: dict[str, Any], file: str, issues: list[Issue]) -> Guideline:
    meta = _obj(doc["metadata"], file, "/metadata")
    scoring = meta.get("scoring") or {}
    approval = meta.get("os_trademark_approval") or {}
    components: dict[str, Component] = {}
    for cname, comp in _obj(doc.get("components"), file, "/components").items():
        comp = _obj(comp, file, f"/components/{cname}")
        caps = _obj(comp.get("capabilities", {}), file, f"/components/{cname}/capabilities")
        ds = comp.get("designated_sections") or {}
        components[cname] = Component(
            name=cname,
            capabilities={s: _strs(caps.get(s)) for s in STATUSES},
            designated_sections={s: _strs(v) for s, v in ds.items()}
            if isinstance(ds, dict)
            else {},
        )
    targets: dict[str, Target] = {}
    for title, p in (doc.get("platforms") or {}).items():
        name = PLATFORM_TARGETS.get(title) or title.lower().replace("openstack powered ", "")
        names, external = _component_refs(p.get("components"))
        targets[name] = Target(
            name=name,
            title=title,
            components=names,
            description=_text(p.get("description")),
            external_components=external,
        )
    add_on = None
    for title, a in (doc.get("add-ons") or {}).items():
        names, external = _component_refs(a.get("components"))
        required, _ = _component_refs(a.get("required_platform_components"))
        sources = {
            r.get("name"): r.get("source")
            for r in a.get("required_platform_components") or []
            if isinstance(r, dict)
        }
        for cname in names:
            name = cname.removeprefix("os_powered_")
            add_on = add_on or name
            targets[name] = Target(
                name=name,
                title=title,
                components=(cname,),
                description=_text(a.get("description")),
                external_components=external,
                required_platform_components={r: sources.get(r) for r in required},
            )
    groups = []
    for project, by_status in (doc.get("designated_sections") or {}).items():
        for status, block in (by_status or {}).items():
            groups.append(_sections(project, status, block))
    return Guideline(
        id=_text(meta.get("id")) or "",
        schema=str(meta.get("schema", "")),
        kind="",
        file=file,
        capabilities=_capabilities(doc.get("capabilities"), file, "/capabilities", issues),
        components=components,
        targets=targets,
        criteria=_criteria(scoring.get("criteria"), file, "/metadata/scoring/criteria"),
        cutoff_score=_cutoff(
            scoring.get("cutoff_score"), file, "/metadata/scoring/cutoff_score", issues
        ),
        status=_text(approval.get("status")),
        releases=_strs(approval.get("releases")),
        target_approval=_text(approval.get("target_approval")),
        replaces=_text(approval.get("replaces")),
        reference=_text(meta.get("reference")),
        source=_text(meta.get("source")),
        add_on=add_on,
        designated_sections=groups,
        test_repositories=_repos(doc.get("test_repositories")),
    )


def _component_refs(value: Any) -> tuple[tuple[str, ...], dict[str, str]]:
    names: list[str] = []
    external: dict[str, str] = {}
    for ref in value or []:
        if isinstance(ref, dict) and ref.get("name"):
            names.append(str(ref["name"]))
            if ref.get("source"):
                external[str(ref["name"])] = str(ref["source"])
        elif isinstance(ref, str):
            names.append(ref)
    return tuple(names), external


def _repos(value: Any) -> dict[str, dict[str, str]]:
    if not isinstance(value, dict):
        return {}
    return {
        k: {kk: str(vv) for kk, vv in v.items()} for k, v in value.items() if isinstance(v, dict)
    }


# -- 1.2 … 1.6 ------------------------------------------------------------------------------
def _parse_v1(doc: dict[str, Any], file: str, issues: list[Issue]) -> Guideline:
    components: dict[str, Component] = {}
    for cname, comp in _obj(doc.get("components"), file, "/components").items():
        comp = _obj(comp, file, f"/components/{cname}")
        components[cname] = Component(
            name=cname, capabilities={s: _strs(comp.get(s)) for s in STATUSES}
        )
    platform = doc.get("platform") or {}
    targets = {
        "platform": Target(
            name="platform",
            title="OpenStack Powered Platform",
            components=_strs(platform.get("required")),
        )
    }
    titles = {"compute": "OpenStack Powered Compute", "object": "OpenStack Powered Storage"}
    for cname in components:
        targets[cname] = Target(name=cname, title=titles.get(cname, cname), components=(cname,))
    groups = []
    for status, by_project in (doc.get("designated-sections") or {}).items():
        for project, block in (by_project or {}).items():
            groups.append(_sections(project, status, block))
    repos = doc.get("test-repositories") or {}
    return Guideline(
        id=_text(doc.get("id")) or "",
        schema=str(doc.get("schema")),
        kind="",
        file=file,
        capabilities=_capabilities(doc.get("capabilities"), file, "/capabilities", issues),
        components=components,
        targets=targets,
        criteria=_criteria(doc.get("criteria"), file, "/criteria"),
        cutoff_score=_cutoff(doc.get("cutoff_score"), file, "/cutoff_score", issues),
        status=_text(doc.get("status")),
        releases=_strs(doc.get("releases")),
        target_approval=_text(doc.get("target_approval")),
        replaces=_text(doc.get("replaces")),
        reference=_text(doc.get("reference")),
        source=_text(doc.get("source")),
        designated_sections=groups,
        test_repositories={
            k: {"repository": str(v.get("url", "")), "reference": str(v.get("git-sha", ""))}
            for k, v in repos.items()
            if isinstance(v, dict)
        },
    )


# -- 1.0 legacy matrices --------------------------------------------------------------------
def _parse_v1_0(doc: dict[str, Any], file: str, issues: list[Issue]) -> Guideline:
    """Legacy matrices have no components: refcore gives them one component
    ``core`` (core capabilities required, the others advisory) and one target
    ``platform``, so they can be evaluated. RefStack never lists them."""
    caps = _capabilities(doc.get("capabilities"), file, "/capabilities", issues)
    caps = {
        n: _with_status(c, "required" if doc["capabilities"][n].get("core") else "advisory")
        for n, c in caps.items()
    }
    core = Component(
        name="core",
        capabilities={s: tuple(n for n, c in caps.items() if c.status == s) for s in STATUSES},
    )
    release = _text(doc.get("release"))
    return Guideline(
        id=release or "",
        schema="1.0",
        kind="",
        file=file,
        capabilities=caps,
        components={"core": core},
        targets={
            "platform": Target(
                name="platform",
                title=f"OpenStack {release or ''} core".strip(),
                components=("core",),
            )
        },
        criteria=_criteria(doc.get("criteria"), file, "/criteria"),
        status=_text(doc.get("status")),
        releases=(release,) if release else (),
    )


def _with_status(cap: Capability, status: str) -> Capability:
    return replace(cap, status=status)


def parse_legacy_sections(doc: Any, *, file: str) -> list[SectionGroup]:
    """legacy/havanasections.json: ``{release, status, schema, projects: {p: {...}}}``."""
    if not isinstance(doc, dict) or not isinstance(doc.get("projects"), dict):
        raise InvalidGuideline(f"{file}: designated sections must have a 'projects' object")
    groups = []
    for project, block in doc["projects"].items():
        # projects without core capabilities carry commentary only
        core = isinstance(block, dict) and block.get("core-capabilities") is True
        groups.append(_sections(project, "required" if core else "informational", block))
    return groups


def sections_release(doc: Mapping[str, Any]) -> str | None:
    return _text(doc.get("release"))
