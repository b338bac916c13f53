"""A grant after its vedtak (LAW.md §4 E–K, O): the tilsagn and its acceptance, payment
requests and payments, the final report, clawback (recovery) and repayments, and the
exports to the public registers."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.applications.models import Application, CostLine
from fund.auth.models import User
from fund.core.errors import DomainError
from fund.core.types import UTCDateTime, enum_column, utcnow
from fund.decisions.models import Decision
from fund.extensions import db
from fund.plan.models import Measure


class GrantError(DomainError):
    """Refused by the rules of following up a grant; the message is for the user."""


class GrantState(enum.StrEnum):
    #: The tilsagnsbrev is sent; the grant waits for the recipient's acceptance.
    OFFERED = "offered"
    #: Accepted: the project runs, payments can be requested.
    ACCEPTED = "accepted"
    #: Not accepted by the deadline (bortfalt); the money went back to the call.
    LAPSED = "lapsed"
    #: The final report is approved and the last payment released (avsluttet).
    COMPLETED = "completed"
    #: Reclaimed in full by a recovery vedtak (tilbakekalt).
    REVOKED = "revoked"

    @property
    def is_open(self) -> bool:
        return self in (GrantState.OFFERED, GrantState.ACCEPTED)


class AuthorityCheck(enum.StrEnum):
    """How the acceptor's authority to bind the organisation was established."""

    #: Named in Enhetsregisteret's roles (daglig leder, styreleder, signatur, prokura).
    REGISTER = "register"
    #: Stated by the acceptor (name and role); waiting for a caseworker to verify.
    STATED = "stated"
    #: Stated, and verified by a caseworker.
    VERIFIED = "verified"


class Grant(db.Model):
    """The tilsagn on one application: made when the granting vedtak's letter is sent.
    The amount in force is the current decision's (a recovery vedtak lowers it); money
    given back to the call when the grant lapses or closes with costs below the budget
    is the decision's ``returned_amount``."""

    __tablename__ = "grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    state: Mapped[GrantState] = mapped_column(enum_column(GrantState, "grant_state"),
                                              default=GrantState.OFFERED, index=True)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The last day to accept, as the tilsagnsbrev states it.
    acceptance_deadline: Mapped[date] = mapped_column(index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The acceptor's name and role as they gave it, e.g. «Kari Nordmann, daglig leder».
    acceptor_name: Mapped[str] = mapped_column(String(200), default="")
    acceptor_role: Mapped[str] = mapped_column(String(100), default="")
    authority: Mapped[AuthorityCheck | None] = mapped_column(
        enum_column(AuthorityCheck, "authority_check"))
    authority_verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    authority_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The account the grant is paid to, frozen at acceptance (a change needs approval).
    bank_account: Mapped[str | None] = mapped_column(String(11))
    lapsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last day for the final report (the project's end plus the call's setting).
    final_report_due: Mapped[date | None] = mapped_column(index=True)
    #: Reminders of the final report sent so far (before and after the deadline).
    reminders_sent: Mapped[int] = mapped_column(default=0)
    last_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    application: Mapped[Application] = relationship()
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])
    authority_verified_by: Mapped[User | None] = relationship(
        foreign_keys=[authority_verified_by_id])
    payments: Mapped[list["PaymentRequest"]] = relationship(
        back_populates="grant", order_by="PaymentRequest.number")
    final_report: Mapped["FinalReport | None"] = relationship(back_populates="grant")
    recoveries: Mapped[list["Recovery"]] = relationship(back_populates="grant",
                                                        order_by="Recovery.id")
    repayments: Mapped[list["Repayment"]] = relationship(back_populates="grant",
                                                         order_by="Repayment.id")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Grant {self.id} on {self.application_id} {self.state}>"


class PaymentState(enum.StrEnum):
    SUBMITTED = "submitted"  #: sent by the recipient, waiting for the caseworker
    APPROVED = "approved"  #: approved (in full or reduced), waiting to be paid
    RETURNED = "returned"  #: sent back to the recipient with reasons; not paid
    PAID = "paid"  #: paid out; amount and date recorded


class PaymentRequest(db.Model):
    """An utbetalingsanmodning: the costs to date, line by line against the approved
    budget, with documentation and a status report; then the caseworker's approval (in
    full or reduced) or return, and the payment."""

    __tablename__ = "payment_requests"
    __table_args__ = (
        UniqueConstraint("grant_id", "number"),
        CheckConstraint("amount_requested > 0", name="requested_positive"),
        CheckConstraint("amount_approved IS NULL OR amount_approved >= 0",
                        name="approved_not_negative"),
        CheckConstraint("amount_paid IS NULL OR amount_paid > 0", name="paid_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id"), index=True)
    #: 1 for the first request on the grant, and so on.
    number: Mapped[int]
    #: The last payment, released by the approved final report.
    is_final: Mapped[bool] = mapped_column(default=False)
    state: Mapped[PaymentState] = mapped_column(enum_column(PaymentState, "payment_state"),
                                                default=PaymentState.SUBMITTED, index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_report: Mapped[str] = mapped_column(Text, default="")
    amount_requested: Mapped[int]
    #: The account the request is to be paid to, as it was when it was made.
    bank_account: Mapped[str | None] = mapped_column(String(11))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    amount_approved: Mapped[int | None]
    #: Why the request was reduced or returned (and any remark on an approval).
    reasons: Mapped[str] = mapped_column(Text, default="")
    register_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    amount_paid: Mapped[int | None]
    paid_on: Mapped[date | None]
    paid_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    grant: Mapped[Grant] = relationship(back_populates="payments")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    cost_lines: Mapped[list["PaymentCostLine"]] = relationship(
        back_populates="payment", cascade="all, delete-orphan", order_by="PaymentCostLine.id")
    documents: Mapped[list["GrantDocument"]] = relationship(
        back_populates="payment", order_by="GrantDocument.id")

    def __repr__(self) -> str:
        return f"<PaymentRequest {self.grant_id}/{self.number} {self.state}>"


class PaymentCostLine(db.Model):
    """Costs to date on one line of the approved budget, as a payment request states."""

    __tablename__ = "payment_cost_lines"
    __table_args__ = (
        UniqueConstraint("payment_id", "cost_line_id"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payment_requests.id", ondelete="CASCADE"), index=True)
    cost_line_id: Mapped[int] = mapped_column(ForeignKey("cost_lines.id"), index=True)
    #: Costs to date on the line, whole kroner.
    amount: Mapped[int]

    payment: Mapped[PaymentRequest] = relationship(back_populates="cost_lines")
    cost_line: Mapped[CostLine] = relationship()


class FinalReportState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  #: sent back for more; the recipient edits and submits again
    APPROVED = "approved"


class FinalReport(db.Model):
    """The sluttrapport: results against the goals, the accounts against the approved
    budget, the realised effects, and how each confirmed measure was advanced."""

    __tablename__ = "final_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id"), unique=True)
    state: Mapped[FinalReportState] = mapped_column(
        enum_column(FinalReportState, "final_report_state"), default=FinalReportState.DRAFT)
    results: Mapped[str] = mapped_column(Text, default="")
    accounts_comment: Mapped[str] = mapped_column(Text, default="")
    # The realised effects (LAW.md §4.H, §5).
    knowledge_jobs: Mapped[int | None]
    other_jobs: Mapped[int | None]
    co2e_tonnes: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    co2e_method: Mapped[str] = mapped_column(Text, default="")
    has_education_partners: Mapped[bool] = mapped_column(default=False)
    education_partners: Mapped[str] = mapped_column(Text, default="")
    has_international_cooperation: Mapped[bool] = mapped_column(default=False)
    international: Mapped[str] = mapped_column(Text, default="")
    #: Follow-on funding in whole kroner.
    funding_innovasjon_norge: Mapped[int | None]
    funding_forskningsradet: Mapped[int | None]
    funding_eu: Mapped[int | None]
    funding_other: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why it was returned, or the caseworker's remark on approval.
    reasons: Mapped[str] = mapped_column(Text, default="")
    #: The eligible amount when approved: the grant reduced in proportion to real costs.
    eligible_amount: Mapped[int | None]

    grant: Mapped[Grant] = relationship(back_populates="final_report")
    cost_lines: Mapped[list["FinalReportCostLine"]] = relationship(
        back_populates="report", cascade="all, delete-orphan",
        order_by="FinalReportCostLine.id")
    measures: Mapped[list["FinalReportMeasure"]] = relationship(
        back_populates="report", cascade="all, delete-orphan",
        order_by="FinalReportMeasure.id")
    documents: Mapped[list["GrantDocument"]] = relationship(
        back_populates="final_report", order_by="GrantDocument.id")

    def __repr__(self) -> str:
        return f"<FinalReport {self.grant_id} {self.state}>"


class FinalReportCostLine(db.Model):
    """The project's real cost on one line of the approved budget."""

    __tablename__ = "final_report_cost_lines"
    __table_args__ = (
        UniqueConstraint("report_id", "cost_line_id"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("final_reports.id", ondelete="CASCADE"), index=True)
    cost_line_id: Mapped[int] = mapped_column(ForeignKey("cost_lines.id"), index=True)
    amount: Mapped[int]

    report: Mapped[FinalReport] = relationship(back_populates="cost_lines")
    cost_line: Mapped[CostLine] = relationship()


class FinalReportMeasure(db.Model):
    """How the project advanced one of its confirmed measures."""

    __tablename__ = "final_report_measures"
    __table_args__ = (UniqueConstraint("report_id", "measure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("final_reports.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("plan_measures.id"), index=True)
    how: Mapped[str] = mapped_column(Text, default="")

    report: Mapped[FinalReport] = relationship(back_populates="measures")
    measure: Mapped[Measure] = relationship()


class DocumentKind(enum.StrEnum):
    PAYMENT = "payment"  #: documentation of costs with a payment request
    AUDITOR = "auditor"  #: the auditor's or accountant's confirmation of the accounts
    REPORT = "report"  #: other attachments to the final report


class GrantDocument(db.Model):
    """A file the recipient sent with a payment request or the final report, stored as
    the application's attachments are (random name, sniffed type)."""

    __tablename__ = "grant_documents"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_not_negative"),
        CheckConstraint("(payment_id IS NULL) <> (final_report_id IS NULL)",
                        name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment_requests.id"),
                                                   index=True)
    final_report_id: Mapped[int | None] = mapped_column(ForeignKey("final_reports.id"),
                                                        index=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind, "grant_document_kind"))
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    payment: Mapped[PaymentRequest | None] = relationship(back_populates="documents")
    final_report: Mapped[FinalReport | None] = relationship(back_populates="documents")


class RecoveryGround(enum.StrEnum):
    """The grounds for clawback written into the tilsagn (LAW.md §4.I)."""

    WRONG_INFORMATION = "wrong_information"  #: uriktige eller mangelfulle opplysninger
    CONDITIONS_NOT_MET = "conditions_not_met"  #: vilkårene er ikke oppfylt
    NOT_FOR_PURPOSE = "not_for_purpose"  #: midlene er ikke brukt til formålet
    NOT_CARRIED_OUT = "not_carried_out"  #: prosjektet er ikke gjennomført
    BANKRUPTCY = "bankruptcy"  #: konkurs eller avvikling
    LOWER_COSTS = "lower_costs"  #: lavere kostnader enn godkjent


class RecoveryState(enum.StrEnum):
    NOTIFIED = "notified"  #: forhåndsvarsel sent; waiting for the answer or the deadline
    DECIDED = "decided"  #: the recovery vedtak is made (its letter goes as others do)
    DROPPED = "dropped"  #: the municipality decided not to go on, after the answer


class Recovery(db.Model):
    """A reduction or clawback of a grant: a new vedtak to the party's disadvantage,
    with forhåndsvarsel (fvl § 16) first, then the vedtak with reasons and the appeal
    right through the decisions domain's letters and appeals."""

    __tablename__ = "recoveries"
    __table_args__ = (
        CheckConstraint("new_amount >= 0", name="new_amount_not_negative"),
        CheckConstraint("reclaim_amount >= 0", name="reclaim_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id"), index=True)
    ground: Mapped[RecoveryGround] = mapped_column(enum_column(RecoveryGround,
                                                               "recovery_ground"))
    state: Mapped[RecoveryState] = mapped_column(enum_column(RecoveryState, "recovery_state"),
                                                 default=RecoveryState.NOTIFIED)
    #: The grant as the municipality intends it to be (0: revoked in full).
    new_amount: Mapped[int]
    #: Of the money already paid, what the recipient is to pay back.
    reclaim_amount: Mapped[int] = mapped_column(default=0)
    #: The forhåndsvarsel: what the municipality intends and why.
    notice_text: Mapped[str] = mapped_column(Text)
    notice_sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notice_sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The last day to answer the notice.
    answer_by: Mapped[date]
    #: The stored PDF of the notice (under <instance>/letters/).
    notice_stored_name: Mapped[str | None] = mapped_column(String(64))
    notice_sha256: Mapped[str | None] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The recovery vedtak, when made.
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the municipality dropped it.
    dropped_reason: Mapped[str] = mapped_column(Text, default="")

    grant: Mapped[Grant] = relationship(back_populates="recoveries")
    decision: Mapped[Decision | None] = relationship()

    def __repr__(self) -> str:
        return f"<Recovery {self.id} on grant {self.grant_id} {self.state}>"


class Repayment(db.Model):
    """Money the recipient paid back, recorded against the grant."""

    __tablename__ = "repayments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id"), index=True)
    recovery_id: Mapped[int | None] = mapped_column(ForeignKey("recoveries.id"))
    amount: Mapped[int]
    received_on: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    grant: Mapped[Grant] = relationship(back_populates="repayments")


class RegisterKind(enum.StrEnum):
    #: Registeret for offentlig støtte (Brønnøysundregistrene).
    STOTTEREGISTERET = "stotteregisteret"
    #: KDD's yearly report (Regionalforvaltning.no).
    KDD = "kdd"


class RegisterExport(db.Model):
    """One export to a register: what was in it, when, by whom, and the register's
    reference once reported."""

    __tablename__ = "register_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RegisterKind] = mapped_column(enum_column(RegisterKind, "register_kind"))
    #: For KDD: the year reported.
    year: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int]
    #: The register's receipt or case reference, recorded afterwards.
    reference: Mapped[str] = mapped_column(String(100), default="")

    items: Mapped[list["RegisterExportItem"]] = relationship(
        back_populates="export", cascade="all, delete-orphan")


class RegisterExportItem(db.Model):
    """A grant (its vedtak) reported in an export."""

    __tablename__ = "register_export_items"
    __table_args__ = (UniqueConstraint("export_id", "decision_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    export_id: Mapped[int] = mapped_column(
        ForeignKey("register_exports.id", ondelete="CASCADE"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)

    export: Mapped[RegisterExport] = relationship(back_populates="items")
    decision: Mapped[Decision] = relationship()
