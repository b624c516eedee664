"""Where a designated section lives in its project's repository.

The guidelines name sections ("proxy server", "DiskFile", "auth (v3) API") but not their
files. A small mapping per project gives each section its paths, so contributions can be
counted per section and per capability. Shipped for Swift and Keystone
(:data:`DEFAULT_SECTION_PATHS`, read from the repositories' layouts over their history);
the Foundation edits or extends it (stored by the stakeholder services).

A pattern ending in ``/`` is a directory prefix; any other pattern is an ``fnmatch`` glob
against the whole path (so a plain file name matches only that file). Section names are
matched case-insensitively, as the guidelines spell them differently over the years.
Only code counts: tests and docs of a section are not listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from fnmatch import fnmatchcase

from .contributions import Commit

__all__ = ["DEFAULT_SECTION_PATHS", "matches", "section_paths", "touches_any"]

_MW = "swift/common/middleware/"

#: project -> section name (lower case) -> path patterns
DEFAULT_SECTION_PATHS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "swift": {
        "proxy server": ("swift/proxy/",),
        "account server": ("swift/account/server.py", "swift/account/backend.py", "swift/account/utils.py"),
        "container server": ("swift/container/server.py", "swift/container/backend.py"),
        "object server": ("swift/obj/server.py",),
        "diskfile": ("swift/obj/diskfile.py", "swift/obj/mem_diskfile.py"),
        "account reaper": ("swift/account/reaper.py",),
        "auditors": ("swift/account/auditor.py", "swift/container/auditor.py", "swift/obj/auditor.py"),
        "replicators": (
            "swift/account/replicator.py", "swift/container/replicator.py",
            "swift/obj/replicator.py", "swift/common/db_replicator.py",
        ),
        "updaters": ("swift/container/updater.py", "swift/obj/updater.py"),
        "object expirer": ("swift/obj/expirer.py",),
        "account-quotas": (_MW + "account_quotas.py",),
        "container-quotas": (_MW + "container_quotas.py",),
        "bulk": (_MW + "bulk.py",),
        "cache": (_MW + "memcache.py", "swift/common/memcached.py"),
        "catch_errors": (_MW + "catch_errors.py",),
        "cname_lookup": (_MW + "cname_lookup.py",),
        "crossdomain": (_MW + "crossdomain.py",),
        "domain_remap": (_MW + "domain_remap.py",),
        "formpost": (_MW + "formpost.py",),
        "healthcheck": (_MW + "healthcheck.py",),
        "keystoneauth": (_MW + "keystoneauth.py",),
        "proxy-logging": (_MW + "proxy_logging.py",),
        "ratelimit": (_MW + "ratelimit.py",),
        "recon": (_MW + "recon.py",),
        "slo": (_MW + "slo.py",),
        "staticweb": (_MW + "staticweb.py",),
        "tempauth": (_MW + "tempauth.py",),
        "tempurl": (_MW + "tempurl.py",),
    },
    "keystone": {
        "assignment api": (
            "keystone/assignment/", "keystone/api/role_assignments.py", "keystone/api/roles.py",
            "keystone/api/role_inferences.py",
        ),
        "auth (v3) api": ("keystone/auth/", "keystone/api/auth.py", "keystone/token/"),
        "auth (v2.0) api": ("keystone/token/controllers.py", "keystone/token/routers.py"),
        "catalog api": (
            "keystone/catalog/", "keystone/api/endpoints.py", "keystone/api/services.py",
            "keystone/api/regions.py",
        ),
        "credential api": ("keystone/credential/", "keystone/api/credentials.py"),
        "drivers": ("keystone/*/backends/*",),
        "ec2 api": ("keystone/contrib/ec2/", "keystone/api/ec2tokens.py"),
        "federation api": (
            "keystone/federation/", "keystone/contrib/federation/", "keystone/api/os_federation.py",
        ),
        "identity api": ("keystone/identity/", "keystone/api/users.py", "keystone/api/groups.py"),
        "notifications": ("keystone/notifications.py",),
        "policy api": ("keystone/policy/", "keystone/api/policy.py"),
        "resource api": ("keystone/resource/", "keystone/api/projects.py", "keystone/api/domains.py"),
        "revoke api": ("keystone/revoke/", "keystone/contrib/revoke/", "keystone/api/os_revoke.py"),
        "trust api": ("keystone/trust/", "keystone/api/trusts.py"),
    },
}  # fmt: skip


def matches(path: str, patterns: Iterable[str]) -> bool:
    """Whether a repository path belongs to an area given by its patterns."""
    for p in patterns:
        if p.endswith("/"):
            if path.startswith(p):
                return True
        elif fnmatchcase(path, p):
            return True
    return False


def section_paths(
    project: str,
    section: str,
    mapping: Mapping[str, Mapping[str, Sequence[str]]] = DEFAULT_SECTION_PATHS,
) -> tuple[str, ...] | None:
    """The patterns of a section (None when the mapping does not know it)."""
    sections = mapping.get(project.lower())
    if not sections:
        return None
    found = sections.get(section.strip().lower())
    return tuple(found) if found is not None else None


def touches_any(patterns: Sequence[str]) -> Callable[[Commit], bool]:
    """A predicate for :func:`refcore.core.contributions.count`: the commit changed a file of
    the area."""
    pats = tuple(patterns)

    def test(commit: Commit) -> bool:
        return any(matches(f, pats) for f in commit.files)

    return test
