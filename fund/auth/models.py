import enum
import hashlib
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from fund.core.types import UTCDateTime, enum_column, utcnow
from fund.extensions import db


class Role(enum.StrEnum):
    APPLICANT = "applicant"  #: søker
    CASEWORKER = "caseworker"  #: saksbehandler
    MANAGER = "manager"  #: fondsforvalter
    ADMIN = "admin"


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

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user",
                                                           cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def password_fingerprint(self) -> str:
        """Changes with the password: ends other sessions and used reset links."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self) -> str:
        return f"{self.id}:{self.password_fingerprint}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.CASEWORKER, Role.MANAGER, Role.ADMIN)


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
    #: When the fields above were last filled from Enhetsregisteret.
    register_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="organisation",
                                                           cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.orgnr} {self.name!r}>"

    @property
    def orgnr_display(self) -> str:
        return f"{self.orgnr[:3]} {self.orgnr[3:6]} {self.orgnr[6:]}"

    @property
    def bank_account_display(self) -> str:
        acc = self.bank_account or ""
        return f"{acc[:4]}.{acc[4:6]}.{acc[6:]}" if len(acc) == 11 else acc


class Membership(db.Model):
    """A user who may act for an organisation."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} org={self.organisation_id}>"


class LoginAttempt(db.Model):
    """A failed login, kept for rate limiting."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip_address: Mapped[str | None] = mapped_column(String(45), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<LoginAttempt {self.email} {self.at}>"


ROLE_LABELS = {
    Role.APPLICANT: _l("Søker"),
    Role.CASEWORKER: _l("Saksbehandler"),
    Role.MANAGER: _l("Fondsforvalter"),
    Role.ADMIN: _l("Administrator"),
}
