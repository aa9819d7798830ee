"""The portal's tables as SQLAlchemy 2.0 typed models.

The directory is relational on purpose: areas, kinds and specialisms are rows, so a filter is
an indexed lookup rather than a scan of JSON, whatever the size of the directory.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Stable ids: the same slug gives the same UUID on every install, so the Open Referral feed
# and any partner that stored an id keep working after a reload of the directory.
DIRECTORY_NAMESPACE = uuid.UUID("6f1d3c2e-8a4b-5c7d-9e0f-1a2b3c4d5e6f")


def stable_id(kind: str, slug: str) -> uuid.UUID:
    return uuid.uuid5(DIRECTORY_NAMESPACE, f"{kind}:{slug}")


class UTCDateTime(TypeDecorator):
    """A moment in UTC. SQLite keeps no time zone, so store naive UTC and give back aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("UTCDateTime needs an aware datetime")
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=dt.UTC) if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    # Where referrals for this organisation are e-mailed. Demo data uses example.org
    # addresses and says so; a real address is set by an administrator.
    referral_email: Mapped[str | None] = mapped_column(String(254))
    referral_email_is_demo: Mapped[bool] = mapped_column(Boolean, default=True)
    # "full": the referral itself is e-mailed (for providers with secure mail); "link": the
    # e-mail holds only the reference and a link to the inbox, no personal data. New
    # organisations get "link"; those loaded from the directory files keep theirs.
    delivery_mode: Mapped[str] = mapped_column(String(10), default="link", server_default="full")
    # Set when an administrator changes the organisation: load-directory then leaves it be.
    admin_edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sources: Mapped[list] = mapped_column(JSON, default=list)
    reviewed_on: Mapped[dt.date] = mapped_column(Date)
    # Free text in other languages, where written: {"gu": {"description": "..."}}.
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    services: Mapped[list[Service]] = relationship(
        back_populates="organisation", order_by="Service.name"
    )


class Service(Base):
    __tablename__ = "service"
    __table_args__ = (
        # What the directory's filters and order read of every service, and nothing more: a
        # page is chosen and counted by scanning this narrow copy rather than whole rows of
        # text (SQLite reads it as a covering index). Name first, for lists by name.
        Index(
            "ix_service_listing",
            "name",
            "id",
            "status",
            "ended_on",
            "funded_until",
            "takes_from_anywhere",
            "accepts_men",
            "nrpf",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    how_to_refer: Mapped[str] = mapped_column(Text, default="")
    commissioner: Mapped[str | None] = mapped_column(String(200))

    # Status, as the sources tell it: "operating" or "ended". Whether an operating service
    # is shown as open or "check it still runs" depends on funded_until and today's date.
    status: Mapped[str] = mapped_column(String(20), default="operating")
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    funded_until: Mapped[dt.date | None] = mapped_column(Date)
    status_note: Mapped[str] = mapped_column(Text, default="")

    # Who it is for.
    accepts_women: Mapped[bool] = mapped_column(Boolean, default=True)
    accepts_men: Mapped[bool] = mapped_column(Boolean, default=False)
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    eligibility_note: Mapped[str] = mapped_column(Text, default="")
    # Refuges take people fleeing from anywhere, not only from the areas listed.
    takes_from_anywhere: Mapped[bool] = mapped_column(Boolean, default=False)

    # Accommodation facts (seed 004 table 5.3). None means the source does not say.
    units: Mapped[int | None] = mapped_column(Integer)
    unit_types: Mapped[str | None] = mapped_column(String(200))
    wheelchair_units: Mapped[int | None] = mapped_column(Integer)
    largest_family: Mapped[int | None] = mapped_column(Integer)
    # Sons: no limit, a firm upper age, or a range where the upper end must be asked about
    # ("14-16"; "14 in shared, 16 in self-contained").
    sons_no_age_limit: Mapped[bool] = mapped_column(Boolean, default=False)
    max_son_age: Mapped[int | None] = mapped_column(Integer)
    max_son_age_if_agreed: Mapped[int | None] = mapped_column(Integer)
    son_age_note: Mapped[str] = mapped_column(Text, default="")
    nrpf: Mapped[str | None] = mapped_column(String(10))
    pets: Mapped[bool | None] = mapped_column(Boolean)
    pet_units: Mapped[int | None] = mapped_column(Integer)
    overnight_security: Mapped[bool | None] = mapped_column(Boolean)
    quality_standards: Mapped[str | None] = mapped_column(String(200))

    phone: Mapped[str | None] = mapped_column(String(40))
    text_phone: Mapped[str | None] = mapped_column(String(40))
    contact_note: Mapped[str] = mapped_column(Text, default="")

    sources: Mapped[list] = mapped_column(JSON, default=list)
    # A caveat about the source itself (a garbled table cell, say), shown with the sources.
    source_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_on: Mapped[dt.date] = mapped_column(Date)
    # Free text in other languages, where written: {"gu": {"summary": "..."}}.
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    # Set when an administrator changes the service: load-directory then leaves it be.
    admin_edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # Set by the provider: "accepting", "waiting_list" or "not_accepting" (None: not said).
    # The status is public; spaces_now (accommodation) only for signed-in staff.
    availability: Mapped[str | None] = mapped_column(String(20))
    spaces_now: Mapped[int | None] = mapped_column(Integer)
    availability_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    availability_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))

    organisation: Mapped[Organisation] = relationship(back_populates="services")
    area_rows: Mapped[list[ServiceArea]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceArea.position"
    )
    kind_rows: Mapped[list[ServiceKind]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceKind.position"
    )
    specialism_rows: Mapped[list[ServiceSpecialism]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceSpecialism.position"
    )

    # The codes alone, when a query read them without the row objects (a page of the
    # directory: some 200 rows are not worth an ORM object each). Not a column.
    listed_codes = None  # ServiceCodes, set on the instance

    @property
    def areas(self) -> list[str]:
        if self.listed_codes is not None:
            return self.listed_codes.areas
        return [row.area for row in self.area_rows]

    @property
    def kinds(self) -> list[str]:
        if self.listed_codes is not None:
            return self.listed_codes.kinds
        return [row.kind for row in self.kind_rows]

    @property
    def specialisms(self) -> list[str]:
        if self.listed_codes is not None:
            return self.listed_codes.specialisms
        return [row.specialism for row in self.specialism_rows]


@dataclass(frozen=True)
class ServiceCodes:
    """A service's areas, kinds and specialisms, each in its rows' order."""

    areas: list[str]
    kinds: list[str]
    specialisms: list[str]


class ServiceArea(Base):
    __tablename__ = "service_area"
    # By code, then service: "which services have this code" is read from the index alone.
    __table_args__ = (Index("ix_service_area_area_service_id", "area", "service_id"),)

    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    area: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ServiceKind(Base):
    __tablename__ = "service_kind"
    # By code, then service: "which services have this code" is read from the index alone.
    __table_args__ = (Index("ix_service_kind_kind_service_id", "kind", "service_id"),)

    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ServiceSpecialism(Base):
    __tablename__ = "service_specialism"
    # By code, then service: "which services have this code" is read from the index alone.
    __table_args__ = (
        Index("ix_service_specialism_specialism_service_id", "specialism", "service_id"),
    )

    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    specialism: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ReferralDraft(Base):
    """A referral being filled in. Its answers are encrypted; the browser holds only the id
    (in the form session cookie). Deleted when sent, on exit, or after inactivity."""

    __tablename__ = "referral_draft"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    referrer: Mapped[str] = mapped_column(String(20))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class Referral(Base):
    """A sent referral. The content (answers, safe contact, routing reasons) is encrypted and
    is deleted after the retention period; what remains is anonymous."""

    __tablename__ = "referral"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # What the person and the provider quote. Random, so it says nothing and cannot be guessed.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    # The form's one-time key: a double click or a resubmission finds this row again.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    referrer: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="referral", order_by="Delivery.position"
    )


class Delivery(Base):
    """One copy of a referral for one provider, and the state of getting it there."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    service_slug: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # pending -> sending -> sent; or, after the last retry, parked (shown to admins).
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    # A worker holds a delivery until lease_until; a worker that dies loses it then.
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    parked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set on a delivery made because another was parked (the fallback route).
    fallback_for_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("delivery.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    # How the provider reached the referral: "full" (in the e-mail) or "link" (the inbox),
    # as the organisation's mode was when the delivery was made.
    mode: Mapped[str] = mapped_column(String(10), default="full", server_default="full")

    # The closed loop: the provider's latest status (see DeliveryStatusEvent for history).
    provider_status: Mapped[str | None] = mapped_column(String(20))
    provider_status_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(String(40))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    referral: Mapped[Referral] = relationship(back_populates="deliveries")
    organisation: Mapped[Organisation] = relationship()

    @property
    def message_id(self) -> str:
        """Stable per delivery, so a retry cannot look like a new referral."""
        return f"<{self.id}@referrals.portal>"


class DeliveryStatusEvent(Base):
    """One status a provider gave a referral, with when and who: the closed loop's history.
    Holds no personal data (the closing reason is chosen from a list), so it outlives the
    referral's content as an anonymous count."""

    __tablename__ = "delivery_status_event"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("delivery.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))


class StaffUser(Base):
    """Someone who signs in: an administrator (commissioner) or a provider's member of staff."""

    __tablename__ = "staff_user"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # "admin" or "provider"; a provider's staff belong to one organisation.
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    # The TOTP secret, encrypted with PORTAL_DATA_KEY; None until the second factor is set up.
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The last time step whose code was accepted: a code works once.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class StaffSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so
    a copy of the database signs nobody in. Ended on sign-out, after inactivity, or for all
    of a person's browsers at once ("sign out everywhere")."""

    __tablename__ = "staff_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # False between the password and the second factor.
    second_factor: Mapped[bool] = mapped_column(Boolean, default=False)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[StaffUser] = relationship()


class StaffInvite(Base):
    """A one-time link that lets a new member of staff choose a password."""

    __tablename__ = "staff_invite"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()


class AuditEvent(Base):
    """Who did what, when: every change to the directory, every sign-in and every view of a
    referral. `changes` holds field names with old and new values for directory edits, and
    never referral content."""

    __tablename__ = "audit_event"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now, index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    # Who, in words, as it was then ("Ann Admin (admin)", "create-admin command").
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(64), index=True)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
