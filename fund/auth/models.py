import enum
import hashlib
from datetime import date, datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from fund.core.roles import Role
from fund.core.types import UTCDateTime, enum_column, utcnow
from fund.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-case; the login name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), default=Role.APPLICANT,
                                       index=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A deactivated account cannot log in; its history stays.
    active: Mapped[bool] = mapped_column(default=True)
    #: Created by ``flask demo``; the demo loader refuses a database with real users.
    is_demo: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the person closed the account (``fund.privacy``): name and address are
    #: replaced, it can never log in again; the cases it took part in keep their records.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user",
                                                           cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def mail_locale(self) -> str:
        """The language mail to this person is written in: the one they chose (stored when
        they choose it, register or log in after choosing), else the site's default."""
        return self.locale or current_app.config["BABEL_DEFAULT_LOCALE"]

    @property
    def password_fingerprint(self) -> str:
        """Changes with the password: ends other sessions and used reset links."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self) -> str:
        return f"{self.id}:{self.password_fingerprint}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.CASEWORKER, Role.MANAGER, Role.ADMIN)


class Verification(enum.StrEnum):
    """How the claim to act for an organisation was proven."""

    STAFF = "staff"  #: a caseworker, manager or administrator checked it
    REGISTER_ROLE = "register_role"  #: a member named in Enhetsregisteret's roles confirmed


class Organisation(db.Model):
    """An applicant organisation, identified by its organisasjonsnummer."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Organisasjonsnummer, 9 digits without spaces.
    orgnr: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Enhetsregisteret's organisasjonsform code, e.g. AS, ENK, SA.
    org_form: Mapped[str | None] = mapped_column(String(10))
    #: Næringskode (NACE) such as 62.010.
    industry_code: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(4))
    city: Mapped[str | None] = mapped_column(String(100))
    #: Kommunenummer of the business address (Lillestrøm: 3205).
    municipality_number: Mapped[str | None] = mapped_column(String(4))
    #: Kontonummer, 11 digits without separators.
    bank_account: Mapped[str | None] = mapped_column(String(11))
    vat_registered: Mapped[bool] = mapped_column(default=False)
    bankrupt: Mapped[bool] = mapped_column(default=False)
    under_liquidation: Mapped[bool] = mapped_column(default=False)
    #: Stiftelsesdato, from Enhetsregisteret when the lookup is on; the firm's age
    #: suggests its KDD category.
    founded_on: Mapped[date | None]
    #: When the fields above were last filled from Enhetsregisteret.
    register_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set once the members' right to act for the organisation is proven; a grant needs it.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_how: Mapped["Verification | None"] = mapped_column(
        enum_column(Verification, "verification"))
    #: The staff member who verified it, or the member named in the register's roles.
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: What the verifier checked, in their words (or the register role that was matched).
    verification_note: Mapped[str] = mapped_column(Text, default="")
    #: A new bank account waiting for staff approval (asked for once a grant exists).
    pending_bank_account: Mapped[str | None] = mapped_column(String(11))
    pending_bank_account_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pending_bank_account_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="organisation",
                                                           cascade="all, delete-orphan")
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    pending_bank_account_by: Mapped[User | None] = relationship(
        foreign_keys=[pending_bank_account_by_id])

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.orgnr} {self.name!r}>"

    @property
    def orgnr_display(self) -> str:
        return f"{self.orgnr[:3]} {self.orgnr[3:6]} {self.orgnr[6:]}"

    @property
    def bank_account_display(self) -> str:
        return format_bank_account(self.bank_account)

    @property
    def pending_bank_account_display(self) -> str:
        return format_bank_account(self.pending_bank_account)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def verified_in_register(self) -> bool:
        """Verified by a member whom Enhetsregisteret names with the right to act."""
        return self.verified_how == Verification.REGISTER_ROLE


def format_bank_account(account: str | None) -> str:
    """``1234.56.78903``."""
    account = account or ""
    return f"{account[:4]}.{account[4:6]}.{account[6:]}" if len(account) == 11 else account


class Membership(db.Model):
    """A user who may act for an organisation."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    #: May remove other members (the one who registered it, or who proved the right to).
    responsible: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} org={self.organisation_id}>"


class UserSession(db.Model):
    """A logged-in session. The browser's signed cookie holds the token; logging out
    ends the row, so a copied cookie stops working too."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the random token in the cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id}>"


class Invitation(db.Model):
    """A member's invitation to someone to act for the organisation. The invited person
    accepts it while logged in; nothing about them is shown to the one who invited."""

    __tablename__ = "organisation_invitations"
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    #: Stored lower-case.
    email: Mapped[str] = mapped_column(String(254), index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Invitation {self.email} to {self.organisation_id}>"


class ClaimState(enum.StrEnum):
    OPEN = "open"
    GRANTED = "granted"  #: the claimant now acts for the organisation; the others were removed
    REJECTED = "rejected"


class Claim(db.Model):
    """Someone who says they represent an organisation already registered by others,
    for staff to decide (the dispute route)."""

    __tablename__ = "organisation_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    claimant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)
    #: The claimant's role in the organisation and how staff can check it.
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[ClaimState] = mapped_column(enum_column(ClaimState, "claim_state"),
                                              default=ClaimState.OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")

    organisation: Mapped[Organisation] = relationship()
    claimant: Mapped[User] = relationship(foreign_keys=[claimant_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def __repr__(self) -> str:
        return f"<Claim {self.id} on {self.organisation_id} {self.state}>"

