"""The tables, on one :class:`Base`. One schema for SQLite and PostgreSQL.

A run's tests are stored compactly: each distinct (test name, idempotent uuid)
is interned once in ``test_names``; a run keeps one ``run_tests`` row holding
the packed name ids and outcome codes (see :mod:`refcore.storage.packing`).
An upload of 1,500 tests is therefore two or three inserts, and list pages
never touch test data at all.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AffiliationEdit",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Certificate",
    "CertificationRequest",
    "CloudAlert",
    "CloudJob",
    "Commitment",
    "CommunityRole",
    "DraftNotice",
    "GuidelineDraft",
    "Initiative",
    "KeyOwner",
    "LoginSession",
    "OrgMember",
    "Organization",
    "Product",
    "ProductVersion",
    "PublicKey",
    "RegisteredCloud",
    "Run",
    "RunMeta",
    "RunReport",
    "RoleWeight",
    "RunTests",
    "SectionDeclaration",
    "SectionPathEdit",
    "StakeholderArea",
    "StakeholderMember",
    "StakeholderTeam",
    "SignedUpload",
    "TestName",
    "UsageDeclarationRow",
    "User",
    "Vote",
    "VoteEvent",
    "utcnow",
]


def utcnow() -> datetime:
    """Naive UTC, as RefStack stores ``created_at``."""
    return datetime.now(UTC).replace(tzinfo=None)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime, default=utcnow, nullable=False)


# -- accounts -----------------------------------------------------------------------------
class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    openid: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str | None] = mapped_column(String(255))
    fullname: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = _created()


class ApiToken(Base):
    """An API token; only its sha256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = _created()


class GuidelineDraft(Base):
    """A draft guideline the Foundation published for the community to read and vote on."""

    __tablename__ = "guideline_drafts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    published_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    published_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class LoginSession(Base):
    """A browser's login, server-side: the signed cookie carries only its random id, of which
    only the sha256 is stored. Logging out deletes the row, so a copied cookie dies with it."""

    __tablename__ = "login_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class PublicKey(Base):
    __tablename__ = "pubkeys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    format: Mapped[str] = mapped_column(String(24))
    pubkey: Mapped[str] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(String(255))
    md5_hash: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = _created()


class KeyOwner(Base):
    """The account that first registered a public key (by the sha256 of the key's body).
    The binding outlives the key's ``pubkeys`` row: once deleted, the key can be
    registered again by its owner only, so nobody else can take over its signed uploads."""

    __tablename__ = "key_owners"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = _created()


class Organization(Base):
    """A vendor (type 1-3) or the Foundation (type 0); its members are its admins."""

    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    properties: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, onupdate=utcnow)


class OrgMember(Base):
    __tablename__ = "org_members"

    org_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = _created()


# -- products -----------------------------------------------------------------------------
class Product(Base):
    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    product_ref_id: Mapped[str | None] = mapped_column(String(36))
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    public: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    properties: Mapped[str | None] = mapped_column(Text)
    type: Mapped[int] = mapped_column(Integer)
    product_type: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, onupdate=utcnow)


class ProductVersion(Base):
    __tablename__ = "product_versions"
    __table_args__ = (UniqueConstraint("product_id", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[str | None] = mapped_column(String(36))
    cpid: Mapped[str | None] = mapped_column(String(128), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = _created()


# -- runs ---------------------------------------------------------------------------------
class Run(Base):
    """One uploaded test run. ``listed`` = anonymous or shared (the community list)."""

    __tablename__ = "runs"
    __table_args__ = (
        # the community list's order, ids included: a page's ids are an index-only
        # scan however deep the page (repositories.runs_page, migration 0018)
        Index("ix_runs_listed_created_id", "listed", "created_at", "id"),
        Index("ix_runs_owner_created", "owner_id", "created_at"),
        Index("ix_runs_version_created", "product_version_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    cpid: Mapped[str | None] = mapped_column(String(128), index=True)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    listed: Mapped[bool] = mapped_column(Boolean, default=True)
    verification_status: Mapped[int] = mapped_column(Integer, default=0, index=True)
    product_version_id: Mapped[str | None] = mapped_column(
        ForeignKey("product_versions.id", ondelete="RESTRICT")
    )
    #: how it came in: "v1" (RefStack JSON, passed tests only) or "v2" (any format)
    api: Mapped[str] = mapped_column(String(8), default="v1")
    format: Mapped[str] = mapped_column(String(32))
    test_count: Mapped[int] = mapped_column(Integer)
    passed_count: Mapped[int] = mapped_column(Integer)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    #: uploaded with a valid signature (RefStack's ``X-Signature``/``X-Public-Key``)
    signed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: the registered cloud whose scheduled or on-demand job produced it (continuous
    #: compliance); None for a run uploaded by hand. No foreign key (SQLite cannot add one
    #: to ``runs`` in place): deleting the cloud clears it
    registered_cloud_id: Mapped[str | None] = mapped_column(String(36), index=True)


class RunTally(Base):
    """How many runs are listed (the community list), kept exact by triggers on
    ``runs`` (migration 0003) so a list page need not count 100k rows. The total is
    the sum over the shards: on PostgreSQL a run's id picks one of 16 rows, so
    concurrent uploads rarely wait for each other's row lock; SQLite uses shard 0."""

    __tablename__ = "run_tally"

    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    listed: Mapped[int] = mapped_column(BigInteger, default=0)


class TestName(Base):
    """An interned (test name, idempotent uuid); ``uuid`` is "" when unknown."""

    __test__ = False
    __tablename__ = "test_names"
    __table_args__ = (UniqueConstraint("name", "uuid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(512))
    uuid: Mapped[str] = mapped_column(String(36), default="")


class RunTests(Base):
    """A run's tests, packed: parallel arrays of name ids and outcome codes."""

    __tablename__ = "run_tests"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    name_ids: Mapped[bytes] = mapped_column(LargeBinary)
    outcomes: Mapped[bytes] = mapped_column(LargeBinary)
    #: JSON {name: reason} for the tests that did not pass and said why
    reasons: Mapped[str | None] = mapped_column(Text)
    #: JSON {name: ["fail", "pass"]}: every outcome, in order, of the tests that ran more
    #: than once (``refcore test --rerun-failed``'s tagged attempts); null when none did
    attempts: Mapped[str | None] = mapped_column(Text)


class SignedUpload(Base):
    """A signed upload received, by the sha256 of its signature. A signature covers the
    exact body, so the same signature again is the same upload replayed: refused (409).
    Kept when the run is deleted (``run_id`` becomes null), so a deleted run cannot be
    brought back by a replay either."""

    __tablename__ = "signed_uploads"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = _created()


class RunMeta(Base):
    """RefStack's ``meta`` rows (``shared``, ``guideline``, ``target``); the owner is
    ``runs.owner_id`` and is shown as ``meta.user``."""

    __tablename__ = "run_meta"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # a guideline id, a target or a flag: short (checked before any write)
    value: Mapped[str] = mapped_column(Text, info={"max_length": 255})


class RunReport(Base):
    """A compliance report computed once and kept (``guideline`` "*" = the meets summary).
    ``fingerprint`` is the guideline source's; a new source recomputes."""

    __tablename__ = "run_reports"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    guideline: Mapped[str] = mapped_column(String(64), primary_key=True)
    target: Mapped[str] = mapped_column(String(64), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    meets: Mapped[bool] = mapped_column(Boolean)
    #: the body's ``summary`` object as it is in the body (JSON, ~200 bytes), kept beside
    #: it by ``repositories.store_reports`` so a run list reads its rows' figures without
    #: their bodies (~125 KB each); None in rows stored before migration 0018. Before the
    #: body (on SQLite, which reads a row's columns in order: migration 0018)
    summary: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


# -- scoring evidence -------------------------------------------------------------------------
class UsageDeclarationRow(Base):
    """A client's or tool's usage declaration ("Used by Clients/Tools"); one per
    (kind, name), replaced when its owner uploads it again. ``document`` is the
    declaration as JSON (:func:`refcore.core.usage.parse_usage` reads it back)."""

    __tablename__ = "usage_declarations"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    version: Mapped[str | None] = mapped_column(String(64))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    document: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, onupdate=utcnow)


# -- community feedback -------------------------------------------------------------------
class CommunityRole(Base):
    """A member's role for community feedback, set by the Foundation (never self-declared)."""

    __tablename__ = "community_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32))
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = _created()


class RoleWeight(Base):
    """How much a vote of a role weighs (set by the interop working group)."""

    __tablename__ = "role_weights"

    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = _created()


class Vote(Base):
    """One account's vote on a capability x criterion of a guideline being drafted."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("guideline_id", "capability", "criterion", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guideline_id: Mapped[str] = mapped_column(String(64), index=True)
    capability: Mapped[str] = mapped_column(String(128))
    criterion: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: the role the voter held when voting (a later role change does not rewrite history)
    role: Mapped[str] = mapped_column(String(32))
    value: Mapped[int] = mapped_column(Integer)  # 1: meets the criterion, 0: does not
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class VoteEvent(Base):
    """Append-only trail of every vote, change and withdrawal."""

    __tablename__ = "vote_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = _created()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(16))  # vote | change | withdraw | role | weight
    subject: Mapped[str] = mapped_column(String(255))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


# -- certification ------------------------------------------------------------------------
class SectionDeclaration(Base):
    """What a product version runs of each project and designated section (upstream,
    replaced, absent), its kind, release and licence obligations; versioned (``number``
    counts up per product version, nothing is overwritten) and attributable."""

    __tablename__ = "section_declarations"
    __table_args__ = (UniqueConstraint("product_version_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_version_id: Mapped[str] = mapped_column(
        ForeignKey("product_versions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    #: JSON: kind, release, projects (the product profile's format), obligations
    document: Mapped[str] = mapped_column(Text)
    declared_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    declared_at: Mapped[datetime] = _created()


class CertificationRequest(Base):
    """A vendor's request for a program of a guideline, with the pre-checks and verdict the
    server computed at submission, and the Foundation's decision."""

    __tablename__ = "certification_requests"
    __table_args__ = (Index("ix_certification_requests_state_requested", "state", "requested_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product_version_id: Mapped[str] = mapped_column(
        ForeignKey("product_versions.id", ondelete="CASCADE"), index=True
    )
    program: Mapped[str] = mapped_column(String(64))
    guideline: Mapped[str] = mapped_column(String(64))
    #: JSON list of run ids; the first proves the program
    run_ids: Mapped[str] = mapped_column(Text)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("section_declarations.id", ondelete="CASCADE")
    )
    #: pending | approved | denied | withdrawn
    state: Mapped[str] = mapped_column(String(16))
    checks: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = _created()
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    #: why the Foundation approved although a pre-check failed (None: no override)
    override: Mapped[str | None] = mapped_column(Text)


class Certificate(Base):
    """Issued on approval. Its status is computed when read (see
    :func:`refcore.core.certification.certificate_status`); only revocation is stored."""

    __tablename__ = "certificates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("certification_requests.id", ondelete="CASCADE"), unique=True
    )
    product_version_id: Mapped[str] = mapped_column(
        ForeignKey("product_versions.id", ondelete="CASCADE"), index=True
    )
    program: Mapped[str] = mapped_column(String(64), index=True)
    guideline: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = _created()
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)


class AuditEvent(Base):
    """Append-only: every state change of vendors, products, versions, runs' claims,
    declarations, requests and certificates. Triggers refuse UPDATE and DELETE on both
    databases (migration 0012), so no foreign keys: the trail outlives what it names."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_object", "object_type", "object_id"),
        Index("ix_audit_log_org", "org_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = _created()
    user_id: Mapped[int | None] = mapped_column(Integer)
    #: the actor's openid as it was then
    actor: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    #: the vendor that owns the object (its admins read their own trail)
    org_id: Mapped[str | None] = mapped_column(String(36))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


# -- stakeholders (issue 15) --------------------------------------------------------------
class StakeholderTeam(Base):
    """A team at an organisation, registered by its manager or product manager."""

    __tablename__ = "stakeholder_teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))  # manager | product-manager
    organisation: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(128))
    #: opt-in contact (shown to logged-in members only); None: not given
    contact: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = _created()


class StakeholderArea(Base):
    """What a team works on: a project, a designated section of a project, or a capability."""

    __tablename__ = "stakeholder_areas"
    __table_args__ = (UniqueConstraint("team_id", "kind", "project", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("stakeholder_teams.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # project | section | capability
    project: Mapped[str] = mapped_column(String(64), index=True)
    #: the section or capability name (lower case); "" for a whole project
    name: Mapped[str] = mapped_column(String(128))


class StakeholderMember(Base):
    """A contributor id a team lists; the contributor confirms or removes themselves."""

    __tablename__ = "stakeholder_members"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholder_teams.id", ondelete="CASCADE"), primary_key=True
    )
    contributor: Mapped[str] = mapped_column(String(12), primary_key=True, index=True)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = _created()


class Initiative(Base):
    """A shared piece of work on a capability or section, opened by a registered manager."""

    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # capability | section
    project: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    team_id: Mapped[int] = mapped_column(ForeignKey("stakeholder_teams.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = _created()


class Commitment(Base):
    """What a team commits to an initiative: headcount, review hours a week, a note."""

    __tablename__ = "commitments"

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholder_teams.id", ondelete="CASCADE"), primary_key=True
    )
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    review_hours: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = _created()


class AffiliationEdit(Base):
    """The Foundation's edit of the domain -> organisation defaults."""

    __tablename__ = "affiliation_edits"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: organisation | free-mail | unmapped (unmapped cancels a shipped default)
    kind: Mapped[str] = mapped_column(String(16))
    organisation: Mapped[str | None] = mapped_column(String(128))
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = _created()


class SectionPathEdit(Base):
    """The Foundation's edit of where a designated section lives (patterns, one a line;
    empty: the section has no code paths)."""

    __tablename__ = "section_path_edits"

    project: Mapped[str] = mapped_column(String(64), primary_key=True)
    section: Mapped[str] = mapped_column(String(128), primary_key=True)
    patterns: Mapped[str] = mapped_column(Text)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = _created()


class DraftNotice(Base):
    """An e-mail sent (or failed) to a manager when the Foundation published a draft."""

    __tablename__ = "draft_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    capabilities: Mapped[str] = mapped_column(Text)  # JSON list of the changes named
    status: Mapped[str] = mapped_column(String(16))  # sent | failed | no-address
    error: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime] = _created()


# -- continuous compliance -----------------------------------------------------------------
class RegisteredCloud(Base):
    """A vendor's cloud, re-tested on a schedule by workers (docs/continuous.md). Its
    clouds.yaml entry is stored encrypted (``credentials``: a Fernet token, see
    :mod:`refcore.services.vault`); ``credentials_mask`` is what may be shown back. The
    lease (``lease_job_id`` until ``lease_expires_at``) keeps two jobs of one cloud from
    running at once."""

    __tablename__ = "registered_clouds"
    __table_args__ = (UniqueConstraint("product_version_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product_version_id: Mapped[str] = mapped_column(
        ForeignKey("product_versions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    #: Keystone's URL, kept in clear for listings (the rest of the entry is encrypted)
    auth_url: Mapped[str] = mapped_column(String(255))
    credentials: Mapped[str] = mapped_column(Text)
    #: JSON: the entry with its secrets masked
    credentials_mask: Mapped[str] = mapped_column(Text)
    #: JSON list of {"guideline", "target"} to test
    tests: Mapped[str] = mapped_column(Text)
    #: "daily HH:MM", "weekly <day> HH:MM" (UTC) or "manual" (on demand only)
    schedule: Mapped[str] = mapped_column(String(64))
    #: JSON object of runner options (see refcore.core.clouds.OPTIONS); None: defaults
    options: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: when the scheduler enqueues its next jobs (None: manual or disabled)
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    lease_job_id: Mapped[str | None] = mapped_column(String(36))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, onupdate=utcnow)


class CloudJob(Base):
    """One test of a registered cloud for one guideline/target: queued by the scheduler or
    on demand, executed by a worker (states: queued, running, retrying (its worker was lost;
    queued again), passed, failed; see :mod:`refcore.services.jobs`). ``attempt`` counts
    deliveries; ``log`` is the tail of the job's log with the credentials redacted."""

    __tablename__ = "cloud_jobs"
    __table_args__ = (
        Index("ix_cloud_jobs_cloud_created", "registered_cloud_id", "created_at"),
        Index("ix_cloud_jobs_state", "state"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    registered_cloud_id: Mapped[str] = mapped_column(
        ForeignKey("registered_clouds.id", ondelete="CASCADE")
    )
    guideline: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(64))
    #: "schedule" or "manual"
    trigger: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    scheduled_for: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = _created()
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: last sign of life of the worker running it (a lost job stops beating)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    #: the worker's name (host and pid) and the task engine's id of the delivery
    worker: Mapped[str | None] = mapped_column(String(255))
    task_id: Mapped[str | None] = mapped_column(String(64))
    #: why it failed, was retried or lost; None when it passed
    reason: Mapped[str | None] = mapped_column(Text)
    log: Mapped[str | None] = mapped_column(Text)
    #: whether the run met the guideline/target (None until there is a run)
    meets: Mapped[bool | None] = mapped_column(Boolean)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CloudAlert(Base):
    """An alert of continuous compliance (a regression or a lapse of a registered cloud),
    claimed once by its unique ``event_key`` before it is sent (see
    :mod:`refcore.services.alerts`). Never an address or a webhook URL."""

    __tablename__ = "cloud_alerts"
    __table_args__ = (Index("ix_cloud_alerts_cloud_created", "cloud_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # regression | lapse
    cloud_id: Mapped[str] = mapped_column(String(36))
    guideline: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(255))
    #: pending | sent | failed | no-address | no-smtp
    email_status: Mapped[str] = mapped_column(String(16))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    #: pending | sent | failed | none
    webhook_status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = _created()
