import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.applications.models import Application
from fund.auth.models import User
from fund.calls.models import Call
from fund.core.errors import DomainError
from fund.core.types import UTCDateTime, enum_column, utcnow
from fund.extensions import db
from fund.mail.models import OutboxMessage
from fund.review.models import Outcome


class DecisionError(DomainError):
    """Refused by the rules of deciding; the message is for the user."""


class DecisionBody(enum.StrEnum):
    """Who made the vedtak (koml §§ 5-3, 13-1 and the delegeringsreglement)."""

    FORMANNSKAPET = "formannskapet"
    #: Kommunedirektøren, by delegation.
    KOMMUNEDIREKTOR = "kommunedirektor"
    KOMMUNESTYRET = "kommunestyret"


class StateAidBasis(enum.StrEnum):
    """The state-aid footing of a grant (LAW.md §3.4, §4.J)."""

    NONE = "none"  #: ikke offentlig støtte (no economic activity)
    DE_MINIMIS = "de_minimis"  #: bagatellmessig støtte, forordning (EU) 2023/2831
    BLOCK_EXEMPTION = "block_exemption"  #: gruppeunntak (GBER), with the article


class DecisionKind(enum.StrEnum):
    #: The vedtak on the application (the fordelingsvedtak, or a reversal on appeal).
    ALLOCATION = "allocation"
    #: A later vedtak to the recipient's disadvantage: the grant reduced or revoked
    #: (tilbakekreving, after forhåndsvarsel). Its outcome is «delvis innvilget» with the
    #: new amount, or «avslått» when the grant is revoked in full.
    RECOVERY = "recovery"


class DecisionMeeting(db.Model):
    """One sitting of the deciding body on a call: the fordelingsvedtak, or a later
    vedtak (for instance a reversal after an appeal). Its record is the møtebok's."""

    __tablename__ = "decision_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    body: Mapped[DecisionBody] = mapped_column(enum_column(DecisionBody, "decision_body"))
    #: The delegation the body acts under, e.g. «Delegeringsreglementet pkt. 4.2».
    delegation_reference: Mapped[str] = mapped_column(String(200), default="")
    meeting_date: Mapped[date]
    #: The political case number, e.g. «PS 45/27».
    political_case_number: Mapped[str] = mapped_column(String(50), default="")
    #: The decided text, when the body deviates from the innstilling.
    decided_text: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call: Mapped[Call] = relationship()
    recorded_by: Mapped[User] = relationship()
    abstentions: Mapped[list["BodyAbstention"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="BodyAbstention.id")
    decisions: Mapped[list["Decision"]] = relationship(back_populates="meeting",
                                                       order_by="Decision.id")

    def __repr__(self) -> str:
        return f"<DecisionMeeting {self.id} {self.body} {self.meeting_date}>"


class BodyAbstention(db.Model):
    """A member of the deciding body who stood down (was inhabil) for one application,
    as the body itself decided and the møtebok records (koml § 11-11, fvl § 8)."""

    __tablename__ = "body_abstentions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("decision_meetings.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    member_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")

    meeting: Mapped[DecisionMeeting] = relationship(back_populates="abstentions")
    application: Mapped[Application] = relationship()

    def __repr__(self) -> str:
        return f"<BodyAbstention {self.member_name!r} on {self.application_id}>"


class Decision(db.Model):
    """The outcome of one application: a vedtak (enkeltvedtak), or the confirmation that
    it was withdrawn. An application has exactly one current decision; a reversal after
    an appeal replaces it (``replaced_by``) and both are kept."""

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        CheckConstraint("proposed_amount IS NULL OR proposed_amount >= 0",
                        name="proposed_amount_not_negative"),
        CheckConstraint(
            "(outcome IN ('granted', 'partly_granted')) = (amount IS NOT NULL AND amount > 0)",
            name="amount_iff_grant"),
        CheckConstraint("nok_per_eur IS NULL OR nok_per_eur > 0", name="rate_positive"),
        CheckConstraint("returned_amount >= 0 AND returned_amount <= COALESCE(amount, 0)",
                        name="returned_within_amount"),
        # Exactly one current decision per application.
        Index("uq_decisions_current", "application_id", unique=True,
              sqlite_where=text("replaced_at IS NULL"),
              postgresql_where=text("replaced_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    #: None for a withdrawn application (no vedtak is made).
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("decision_meetings.id"),
                                                   index=True)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "outcome"), index=True)
    kind: Mapped[DecisionKind] = mapped_column(enum_column(DecisionKind, "decision_kind"),
                                               default=DecisionKind.ALLOCATION,
                                               server_default=DecisionKind.ALLOCATION.value)
    #: The innstilling's amount (whole kroner), kept beside the decided one.
    proposed_amount: Mapped[int | None]
    #: The decided grant in whole kroner; only for a grant.
    amount: Mapped[int | None]
    #: Of the grant, what went back to the call: all of it when the tilsagn lapsed, the
    #: unspent rest when the grant was closed below it. Budget and de minimis count
    #: ``amount - returned_amount``.
    returned_amount: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The begrunnelse particular to this application (fvl §§ 24–25): for a partial grant,
    #: what was not approved and why; for avslag and avvisning, why.
    reasons: Mapped[str] = mapped_column(Text, default="")
    #: The conditions of the grant (vilkår).
    conditions: Mapped[str] = mapped_column(Text, default="")
    decided_on: Mapped[date]
    state_aid_basis: Mapped[StateAidBasis | None] = mapped_column(
        enum_column(StateAidBasis, "state_aid_basis"))
    #: The GBER article, for a block exemption.
    block_exemption_article: Mapped[str] = mapped_column(String(100), default="")
    #: KDD's primærkategori, e.g. 1110 (see ``fund.decisions.labels.KDD_CATEGORIES``).
    kdd_category: Mapped[str | None] = mapped_column(String(4))
    #: The NOK/EUR rate of the decision date, and the grant in euro at that rate.
    nok_per_eur: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    amount_eur: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: De minimis aid counted on the decision date (declared, single undertaking, this
    #: system's own grants), in NOK, and whether the grant was cut to the headroom.
    de_minimis_counted_nok: Mapped[int | None]
    capped_to_headroom: Mapped[bool] = mapped_column(default=False)
    #: The manager confirmed a de minimis grant although the næringskode is in a sector
    #: the regulation excludes (art. 1), having checked the aid is not for that activity.
    excluded_sector_confirmed: Mapped[bool] = mapped_column(default=False)
    #: When the register (konkurs, address) was checked for the decision, if it was.
    register_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when a later decision (a reversal) replaces this one.
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))

    application: Mapped[Application] = relationship()
    meeting: Mapped[DecisionMeeting | None] = relationship(back_populates="decisions")
    decided_by: Mapped[User] = relationship()
    replaced_by: Mapped["Decision | None"] = relationship(remote_side=[id])
    letters: Mapped[list["Letter"]] = relationship(back_populates="decision",
                                                   order_by="Letter.id")
    appeals: Mapped[list["Appeal"]] = relationship(
        back_populates="decision", foreign_keys="Appeal.decision_id", order_by="Appeal.id")

    def __repr__(self) -> str:
        return f"<Decision {self.id} {self.outcome} on {self.application_id}>"

    @property
    def is_current(self) -> bool:
        return self.replaced_at is None

    @property
    def is_grant(self) -> bool:
        return self.outcome.is_grant

    @property
    def letter(self) -> "Letter | None":
        """The decision's letter (the newest, if it was ever remade)."""
        return self.letters[-1] if self.letters else None


class LetterKind(enum.StrEnum):
    DECISION = "decision"  #: vedtaksbrev (for a grant: the tilsagnsbrev)
    PROVISIONAL_REPLY = "provisional"  #: foreløpig svar, fvl § 11a


class Letter(db.Model):
    """A letter to the applicant, kept as the archived PDF. Staged as a draft mail; sent
    when the manager releases it, which starts the appeal deadline."""

    __tablename__ = "letters"
    __table_args__ = (
        CheckConstraint("sent_at IS NOT NULL OR appeal_deadline IS NULL",
                        name="deadline_after_sending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), index=True)
    kind: Mapped[LetterKind] = mapped_column(enum_column(LetterKind, "letter_kind"))
    #: Random name of the PDF under <instance>/letters/.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The notice mail (a draft until sent); None once the mail row is gone.
    mail_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    #: The notification date: when the manager sent it (fvl § 27).
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The last day to appeal: three weeks from the notice (fvl § 29).
    appeal_deadline: Mapped[date | None]

    application: Mapped[Application] = relationship()
    decision: Mapped[Decision | None] = relationship(back_populates="letters")
    mail: Mapped[OutboxMessage | None] = relationship()

    def __repr__(self) -> str:
        return f"<Letter {self.id} {self.kind} on {self.application_id}>"

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None


class AppealState(enum.StrEnum):
    RECEIVED = "received"
    #: The first instance reversed its decision (fvl § 33 annet ledd): a new vedtak.
    REVERSED = "reversed"
    #: Sent on to the appeal body (fvl § 33 fjerde ledd).
    FORWARDED = "forwarded"
    #: The appeal body's outcome is recorded.
    CONCLUDED = "concluded"


class Appeal(db.Model):
    """A klage on a decision, registered by the applicant."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: What is appealed and the change wanted (fvl § 32).
    text: Mapped[str] = mapped_column(Text)
    #: Received within the appeal deadline; a late appeal is still received and assessed.
    in_time: Mapped[bool]
    state: Mapped[AppealState] = mapped_column(enum_column(AppealState, "appeal_state"),
                                               default=AppealState.RECEIVED, index=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The first instance's assessment, or why it was sent on.
    assessment: Mapped[str] = mapped_column(Text, default="")
    #: The new vedtak when the first instance reversed.
    new_decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The appeal body's outcome, as recorded (e.g. «Klagen ble ikke tatt til følge»).
    appeal_body: Mapped[str] = mapped_column(String(200), default="")
    appeal_body_outcome: Mapped[str] = mapped_column(Text, default="")
    appeal_body_decided_on: Mapped[date | None]

    decision: Mapped[Decision] = relationship(back_populates="appeals",
                                              foreign_keys=[decision_id])
    new_decision: Mapped[Decision | None] = relationship(foreign_keys=[new_decision_id])
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])

    def __repr__(self) -> str:
        return f"<Appeal {self.id} on decision {self.decision_id} {self.state}>"


class LinkedUndertaking(db.Model):
    """An undertaking that forms one «single undertaking» with the applicant (art. 2(2)
    of Reg. 2023/2831: majority, board, dominant influence), recorded by staff from the
    applicant's account of the group. This system's own grants to it count towards the
    applicant's de minimis ceiling, and the applicant's towards its."""

    __tablename__ = "linked_undertakings"
    __table_args__ = (UniqueConstraint("application_id", "orgnr"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    #: Organisasjonsnummer, 9 digits.
    orgnr: Mapped[str] = mapped_column(String(9), index=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<LinkedUndertaking {self.orgnr} with {self.application_id}>"


class ExchangeRate(db.Model):
    """The NOK/EUR rate for a date, kept by an admin (no live lookup: there is no
    internet). A decision uses the rate of its date, or the latest before it."""

    __tablename__ = "exchange_rates"
    __table_args__ = (CheckConstraint("nok_per_eur > 0", name="rate_positive"),)

    rate_date: Mapped[date] = mapped_column(primary_key=True)
    nok_per_eur: Mapped[Decimal] = mapped_column(Numeric(10, 4))
    #: Where the rate came from, e.g. «Norges Bank».
    source: Mapped[str] = mapped_column(String(100), default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ExchangeRate {self.rate_date} {self.nok_per_eur}>"




#: The notice mails of a letter, one per member of the applying organisation: staged as
#: drafts with the letter and released together when it is sent.
letter_notices = Table(
    "letter_notices",
    db.metadata,
    Column("letter_id", ForeignKey("letters.id", ondelete="CASCADE"), primary_key=True),
    Column("mail_id", ForeignKey("outbox_messages.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)

Letter.notices = relationship(OutboxMessage, secondary=letter_notices,
                              order_by=OutboxMessage.id)
