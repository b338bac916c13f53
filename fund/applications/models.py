import enum
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    JSON,
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

from fund.applications.rules import EligibilityRule
from fund.auth.models import Organisation, User
from fund.calls.models import Call, Fund
from fund.core.errors import DomainError
from fund.core.formatting import to_local
from fund.core.types import UTCDateTime, enum_column, utcnow
from fund.extensions import db
from fund.plan.models import Measure, Strategy


class ApplicationError(DomainError):
    """Refused by the rules; the message is for the user."""


class ApplicationState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    #: Sent back to the applicant with a request for missing information.
    INFO_REQUESTED = "info_requested"
    WITHDRAWN = "withdrawn"

    #: The states each state may move to; nothing else is allowed. A draft that was never
    #: submitted may also be deleted (``Application.can_be_deleted``).
    TRANSITIONS: ClassVar[dict["ApplicationState", frozenset["ApplicationState"]]]

    def can_become(self, target: "ApplicationState") -> bool:
        return target in ApplicationState.TRANSITIONS[self]

    @property
    def is_editable(self) -> bool:
        """The applicant may change and (re)submit: a draft, or an answer to a request."""
        return self.can_become(ApplicationState.SUBMITTED)

    @property
    def is_staff_visible(self) -> bool:
        """Caseworkers see every application that has left the draft state."""
        return self != ApplicationState.DRAFT


ApplicationState.TRANSITIONS = {
    ApplicationState.DRAFT: frozenset({ApplicationState.SUBMITTED}),
    ApplicationState.SUBMITTED: frozenset({ApplicationState.INFO_REQUESTED,
                                           ApplicationState.WITHDRAWN}),
    ApplicationState.INFO_REQUESTED: frozenset({ApplicationState.SUBMITTED,
                                                ApplicationState.WITHDRAWN}),
    ApplicationState.WITHDRAWN: frozenset(),
}


class ClimateCategory(enum.StrEnum):
    EMISSION_CUT = "emission_cut"  #: karbonfangst / utslippskutt
    TRANSITION = "transition"  #: omstillingsprosjekt for bærekraftsmålene


class CostCategory(enum.StrEnum):
    PERSONNEL = "personnel"
    SERVICES = "services"
    EQUIPMENT = "equipment"
    MATERIALS = "materials"
    TRAVEL = "travel"
    OTHER = "other"


class FinancingKind(enum.StrEnum):
    OWN_FUNDS = "own_funds"  #: egne midler
    OWN_WORK = "own_work"  #: egeninnsats, timer × sats
    OTHER_PUBLIC = "other_public"  #: annen offentlig støtte
    OTHER_PRIVATE = "other_private"  #: andre private midler




application_strategies = Table(
    "application_strategies",
    db.metadata,
    Column("application_id", ForeignKey("applications.id", ondelete="CASCADE"),
           primary_key=True),
    Column("strategy_id", ForeignKey("plan_strategies.id"), primary_key=True, index=True),
)

#: «Mine søknader»'s first sort key: what waits for the applicant (a request for
#: information, then a draft) before the rest. SQL text, the same in the index and the
#: query: the database uses an index on an expression for the same expression. ``state``
#: is unqualified, as in the index: the query reads ``applications`` alone.
DASHBOARD_ORDER = ("(CASE WHEN state = 'info_requested' THEN 0 WHEN state = 'draft' THEN 1 "
                   "ELSE 2 END)")


class Application(db.Model):
    """A søknad (application) from an organisation to a call.

    The live columns are what rules, rankings and reports read. Each submission
    freezes a JSON snapshot for the record (``Submission``).
    """

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint("amount_applied IS NULL OR amount_applied >= 0",
                        name="amount_not_negative"),
        # A case number and a submission time come with the first submission, never before.
        CheckConstraint("(state = 'draft') = (case_number IS NULL)",
                        name="case_number_iff_submitted"),
        CheckConstraint("(state = 'draft') = (submitted_at IS NULL)",
                        name="submitted_at_iff_submitted"),
        # The caseworkers' queue: one call, by state, newest first.
        Index("ix_applications_call_state_submitted", "call_id", "state", "submitted_at"),
        # A call's applications by id, read from the index alone: the ranking joins a
        # caseworker's assessments to the call's 20,000 this way (issue 14).
        Index("ix_applications_call_id", "call_id", "id"),
        # The queue's sorts, over received applications only (a case number is given with
        # the first submission and only then, see above): each is read in order (forwards
        # or backwards), so a page, even a deep one, reads index entries rather than
        # sorting the table. fund.review.queries._queue_query filters on the same predicate.
        # The default sort's carries the call and the rule count too, so the fund and
        # «vilkår» filters are checked in the index without reading the rows.
        *(Index(f"ix_applications_received_{name}", *columns,
                postgresql_where=text("case_number IS NOT NULL"),
                sqlite_where=text("case_number IS NOT NULL"))
          for name, columns in (("submitted", ("submitted_at", "id", "call_id",
                                               "eligibility_failures")),
                                ("amount", ("amount_applied", "id")),
                                ("title", ("title", "id")),
                                ("call", ("call_id", "submitted_at", "id")))),
        # «Mine søknader»: an organisation's applications in the page's order (what waits
        # for the applicant first, then last changed first), so page n reads 50 × n index
        # entries instead of sorting all the organisation's applications (a member of
        # several organisations still has theirs sorted). The query orders by the same text.
        # PostgreSQL only: SQLite cannot reflect an index on an expression (`flask db
        # check` warns), and its databases are a municipality's few thousand.
        Index("ix_applications_dashboard", "organisation_id", text(DASHBOARD_ORDER),
              text("updated_at DESC"), text("id DESC")).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"))  # indexed with the id
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[ApplicationState] = mapped_column(
        enum_column(ApplicationState, "application_state"), default=ApplicationState.DRAFT,
        index=True)
    #: Optimistic locking: a save based on an older version is refused, not merged.
    version: Mapped[int] = mapped_column(default=1)
    #: The søknadsnummer (application number) such as NF-2027-0042, given at the first
    #: submission. Not the archive's saksnummer: that is ``archive_reference``.
    case_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The archive's saksnummer (Noark saksår/sekvensnummer, e.g. 2026/01234), shown as «Vår
    #: referanse»; set by a caseworker once the archive has given one.
    archive_reference: Mapped[str | None] = mapped_column(String(20))
    #: How many eligibility warnings (rules broken, or not verifiable) the application had
    #: when it was last submitted (the caseworkers' "vilkår ikke oppfylt" filter); which
    #: ones is stored with each submission (``EligibilityWarning``). None for a draft, and
    #: for applications submitted before the count was stored (unknown).
    eligibility_failures: Mapped[int | None] = mapped_column(index=True)

    # The applicant's people
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    project_leader: Mapped[str] = mapped_column(String(200), default="")

    # The project
    title: Mapped[str] = mapped_column(String(200), default="")
    #: At most 500 characters.
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    background: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    #: Forankring, e.g. a board decision.
    anchoring: Mapped[str] = mapped_column(Text, default="")
    partners: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    milestones: Mapped[str] = mapped_column(Text, default="")
    #: The applicant states the project has not started (grants are not given afterwards).
    not_started: Mapped[bool] = mapped_column(default=False)
    #: Why the grant is decisive for the project (additionality).
    additionality: Mapped[str] = mapped_column(Text, default="")

    # Expected effects
    knowledge_jobs: Mapped[int | None]
    other_jobs: Mapped[int | None]
    competence: Mapped[str] = mapped_column(Text, default="")
    #: Whether the project works with schools, colleges or universities; they are named in
    #: ``education_partners``.
    has_education_partners: Mapped[bool] = mapped_column(default=False)
    education_partners: Mapped[str] = mapped_column(Text, default="")
    #: Whether the project cooperates internationally; the partners are named in
    #: ``international``.
    has_international_cooperation: Mapped[bool] = mapped_column(default=False)
    international: Mapped[str] = mapped_column(Text, default="")

    # Klimafond
    climate_category: Mapped[ClimateCategory | None] = mapped_column(
        enum_column(ClimateCategory, "climate_category"))
    climate_baseline: Mapped[str] = mapped_column(Text, default="")
    #: Expected cut in tonnes CO2-equivalents per year.
    co2e_cut_tonnes: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    co2e_method: Mapped[str] = mapped_column(Text, default="")

    # Budget: the amount applied for, in whole kroner; costs and other financing are lines.
    amount_applied: Mapped[int | None]

    # De minimis
    #: Part of a "single undertaking" with other firms (majority, board, dominant influence).
    in_group: Mapped[bool] = mapped_column(default=False)
    group_details: Mapped[str] = mapped_column(Text, default="")

    #: When the members were told by mail that this never-submitted draft will be deleted,
    #: its call's deadline long past (``operations.warn_draft_deletion``). A warning given
    #: before the call's current deadline (extended since) does not count.
    deletion_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    strategies: Mapped[list[Strategy]] = relationship(secondary=application_strategies,
                                                      order_by=Strategy.code)
    measures: Mapped[list["ApplicationMeasure"]] = relationship(
        back_populates="application", cascade="all, delete-orphan")
    cost_lines: Mapped[list["CostLine"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="CostLine.id")
    financing_lines: Mapped[list["FinancingLine"]] = relationship(
        back_populates="application", cascade="all, delete-orphan",
        order_by="FinancingLine.id")
    aid_received: Mapped[list["DeMinimisAid"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="DeMinimisAid.id")
    exemption_requests: Mapped[list["ExemptionRequest"]] = relationship(
        back_populates="application", cascade="all, delete-orphan",
        order_by="ExemptionRequest.id")
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Attachment.id")
    submissions: Mapped[list["Submission"]] = relationship(
        back_populates="application", cascade="all, delete-orphan",
        order_by="Submission.number")
    sdg_rows: Mapped[list["ApplicationSDG"]] = relationship(
        back_populates="application", cascade="all, delete-orphan",
        order_by="ApplicationSDG.goal")
    info_requests: Mapped[list["InfoRequest"]] = relationship(
        back_populates="application", cascade="all, delete-orphan",
        order_by="InfoRequest.id")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.case_number or 'draft'} {self.state}>"

    # The state machine: what may happen to the application now ------------------------

    @property
    def is_draft(self) -> bool:
        return self.state == ApplicationState.DRAFT

    @property
    def is_editable(self) -> bool:
        return self.state.is_editable

    @property
    def awaits_information(self) -> bool:
        return self.state == ApplicationState.INFO_REQUESTED

    @property
    def is_under_review(self) -> bool:
        """Submitted and with the caseworkers (no open request to the applicant)."""
        return self.state == ApplicationState.SUBMITTED

    @property
    def can_withdraw(self) -> bool:
        return self.state.can_become(ApplicationState.WITHDRAWN) and not self.call.review_closed

    @property
    def can_request_info(self) -> bool:
        return self.state.can_become(ApplicationState.INFO_REQUESTED)

    @property
    def can_be_deleted(self) -> bool:
        """Only a draft that was never submitted."""
        return self.is_draft and not self.submissions

    @property
    def deletion_warning(self) -> datetime | None:
        """When the members were warned that this never-submitted draft will be deleted;
        None if they were not, or if the call's deadline was moved past the warning."""
        if self.deletion_warned_at is None or not self.can_be_deleted \
                or self.deletion_warned_at < self.call.closes_at:
            return None
        return self.deletion_warned_at

    @property
    def deletion_on(self) -> date | None:
        """The day this never-submitted draft is deleted, once its members were warned."""
        warned = self.deletion_warning
        return draft_deletion_on(self.call.closes_at, warned) if warned is not None else None

    @property
    def is_climate(self) -> bool:
        """An application to the klimafond, which asks for the climate part too."""
        return self.call.fund == Fund.KLIMAFOND

    def is_late(self, now: datetime) -> bool:
        """Past the call's deadline, to the second, with no information request to answer."""
        return self.open_info_request is None and now >= self.call.closes_at

    def move_to(self, target: ApplicationState, refusal: str | None = None) -> None:
        """Change state along ``ApplicationState.TRANSITIONS``, or refuse with ``refusal``."""
        if not self.state.can_become(target):
            raise ApplicationError(refusal or _(
                "Søknaden kan ikke endre status nå."))
        self.state = target

    @property
    def total_cost(self) -> int:
        return sum(line.amount or 0 for line in self.cost_lines)

    @property
    def total_financing(self) -> int:
        return sum(line.amount or 0 for line in self.financing_lines) + (self.amount_applied or 0)

    @property
    def share_applied_percent(self) -> Decimal | None:
        """The amount applied for as a share of the project's cost, in percent."""
        if not self.total_cost or self.amount_applied is None:
            return None
        return (Decimal(self.amount_applied) * 100 / self.total_cost).quantize(Decimal("0.1"))

    @property
    def sdgs(self) -> list[int]:
        return [row.goal for row in self.sdg_rows]

    @property
    def open_info_request(self) -> "InfoRequest | None":
        """The request the applicant has yet to answer (neither answered nor expired)."""
        return next((r for r in self.info_requests if r.is_open), None)

    @property
    def last_answered_at(self) -> datetime | None:
        """When the applicant last answered an information request; assessments saved
        before it are out of date."""
        return max((r.answered_at for r in self.info_requests if r.answered_at), default=None)

    def exemption_reason(self, field: str) -> str | None:
        """Why the applicant asks for the text field to be exempt from public access; None
        when they do not ask."""
        return next((c.reason for c in self.exemption_requests if c.field == field), None)


def _draft_periods() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return config["DRAFT_KEEP_AFTER_CLOSE"], config["DRAFT_DELETION_NOTICE"]


def draft_warning_from(closes_at: datetime) -> date:
    """The day (Norwegian time) the members of a never-submitted draft are warned that it
    will be deleted: DRAFT_DELETION_NOTICE full days before DRAFT_KEEP_AFTER_CLOSE after
    the call's deadline."""
    keep, notice = _draft_periods()
    return to_local(closes_at).date() + keep - notice - timedelta(days=1)


def draft_deletion_on(closes_at: datetime, warned_at: datetime) -> date:
    """The day (Norwegian time) a never-submitted draft is deleted: DRAFT_KEEP_AFTER_CLOSE
    after the call's deadline, and never before DRAFT_DELETION_NOTICE full days have passed
    since the day of the warning (when cron ran late, the deletion waits)."""
    keep, notice = _draft_periods()
    return max(to_local(closes_at).date() + keep,
               to_local(warned_at).date() + notice + timedelta(days=1))


class ApplicationMeasure(db.Model):
    """A tiltak (measure) the project advances, with the applicant's sentence on how."""

    __tablename__ = "application_measures"
    __table_args__ = (UniqueConstraint("application_id", "measure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("plan_measures.id"), index=True)
    how: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(back_populates="measures")
    measure: Mapped[Measure] = relationship()

    def __repr__(self) -> str:
        return f"<ApplicationMeasure {self.application_id}:{self.measure_id}>"


class ApplicationSDG(db.Model):
    """A UN sustainable development goal (bærekraftsmål, 1–17) the project advances."""

    __tablename__ = "application_sdgs"
    __table_args__ = (CheckConstraint("goal BETWEEN 1 AND 17", name="goal_1_to_17"),)

    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    goal: Mapped[int] = mapped_column(primary_key=True)

    application: Mapped[Application] = relationship(back_populates="sdg_rows")

    def __repr__(self) -> str:
        return f"<ApplicationSDG {self.application_id}:{self.goal}>"


class CostLine(db.Model):
    __tablename__ = "cost_lines"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    category: Mapped[CostCategory] = mapped_column(enum_column(CostCategory, "cost_category"))
    description: Mapped[str] = mapped_column(String(300), default="")
    #: Whole kroner.
    amount: Mapped[int]
    #: The applicant asks for the line to be exempt from public access, for this reason
    #: (None: not asked). A request, not a decision: see ``review.ExemptionAssessment``.
    exemption_reason: Mapped[str | None] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="cost_lines")

    def __repr__(self) -> str:
        return f"<CostLine {self.category} {self.amount}>"


class FinancingLine(db.Model):
    """Financing other than the amount applied for. Own work is hours × hourly rate."""

    __tablename__ = "financing_lines"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FinancingKind] = mapped_column(enum_column(FinancingKind, "financing_kind"))
    description: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[int | None]
    hourly_rate: Mapped[int | None]
    #: Whole kroner; for own work, hours × hourly rate.
    amount: Mapped[int]
    #: The applicant's request for exemption from public access, as on ``CostLine``.
    exemption_reason: Mapped[str | None] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="financing_lines")

    def __repr__(self) -> str:
        return f"<FinancingLine {self.kind} {self.amount}>"


class DeMinimisAid(db.Model):
    """Bagatellmessig støtte the applicant declares received in the last three years."""

    __tablename__ = "de_minimis_aid"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    grantor: Mapped[str] = mapped_column(String(200))
    granted_on: Mapped[date]
    #: Whole kroner.
    amount: Mapped[int]

    application: Mapped[Application] = relationship(back_populates="aid_received")

    def __repr__(self) -> str:
        return f"<DeMinimisAid {self.grantor} {self.amount}>"


#: The text field that is published when grants are, and so can never be exempt.
PUBLIC_FIELD = "summary"


class ExemptionRequest(db.Model):
    """The applicant asks for a text field to be exempt from public access as a business
    secret (ber om unntak fra offentlighet; offentleglova § 13 with forvaltningsloven § 13
    første ledd nr. 2). Only a request: the municipality decides when someone asks for
    access (``review.ExemptionAssessment``). The public summary cannot be asked for."""

    __tablename__ = "exemption_requests"
    __table_args__ = (UniqueConstraint("application_id", "field"),
                      CheckConstraint(f"field <> '{PUBLIC_FIELD}'", name="summary_is_public"))

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="exemption_requests")

    def __repr__(self) -> str:
        return f"<ExemptionRequest {self.field}>"


class Attachment(db.Model):
    """An uploaded file, stored under a random name outside the static folder."""

    __tablename__ = "attachments"
    __table_args__ = (CheckConstraint("size >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    #: The name the applicant's file had; shown, never used as a path.
    filename: Mapped[str] = mapped_column(String(255))
    #: Random name in <instance>/uploads/.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    #: Determined from the content, not the name.
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The applicant's request for exemption from public access, as on ``CostLine``.
    exemption_reason: Mapped[str | None] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="attachments")

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.filename!r}>"


class Submission(db.Model):
    """A frozen copy of the application as submitted. Never changed after."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("application_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    #: 1 for the first submission, then one more for each answer to an information request.
    number: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The whole application as JSON, for the record; live figures are not read from it.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)

    application: Mapped[Application] = relationship(back_populates="submissions")
    submitted_by: Mapped[User] = relationship()
    #: The eligibility rules the application broke (or that could not be checked) when it
    #: was submitted, kept as they were even if the data changes later.
    warnings: Mapped[list["EligibilityWarning"]] = relationship(
        back_populates="submission", cascade="all, delete-orphan",
        order_by="EligibilityWarning.id")

    def __repr__(self) -> str:
        return f"<Submission {self.application_id}#{self.number}>"


class EligibilityWarning(db.Model):
    """An eligibility rule a submission broke, or could not be checked against, with the
    message the applicant was shown. A warning, not a refusal: the caseworker may propose
    avslag or avvisning on it."""

    __tablename__ = "eligibility_warnings"
    __table_args__ = (UniqueConstraint("submission_id", "rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    rule: Mapped[EligibilityRule] = mapped_column(enum_column(EligibilityRule,
                                                              "eligibility_rule"))
    message: Mapped[str] = mapped_column(Text)

    submission: Mapped[Submission] = relationship(back_populates="warnings")

    def __repr__(self) -> str:
        return f"<EligibilityWarning {self.rule} on submission {self.submission_id}>"


class InfoRequest(db.Model):
    """A caseworker's request for missing information (forvaltningsloven §17), with a
    date to answer by. The applicant answers in ``reply`` and with a new submission; an
    unanswered request expires after its date, and the application is decided on what the
    municipality has."""

    __tablename__ = "info_requests"
    __table_args__ = (
        CheckConstraint("answered_at IS NULL OR expired_at IS NULL",
                        name="answered_or_expired"),
        CheckConstraint("answered_at IS NULL OR submission_id IS NOT NULL",
                        name="answer_has_submission"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    message: Mapped[str] = mapped_column(Text)
    #: The last day (Norwegian time) to answer; after it the request expires.
    answer_by: Mapped[date] = mapped_column(index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The applicant's answer, written when sending the application in again.
    reply: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The submission that answered the request.
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="SET NULL"))
    #: When the request expired unanswered and the application went back to the
    #: caseworkers (``operations.expire_info_requests``).
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship(back_populates="info_requests")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    submission: Mapped[Submission | None] = relationship()

    def __repr__(self) -> str:
        return f"<InfoRequest {self.id} on {self.application_id}>"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.expired_at is None

    def is_overdue(self, now: datetime) -> bool:
        """Open, and past the last day to answer (Norwegian time)."""
        return self.is_open and to_local(now).date() > self.answer_by


class CaseNumberCounter(db.Model):
    """The last søknadsnummer given under each prefix (``NF-2027-``). Taken with an
    atomic increment, so two simultaneous submissions never get the same number."""

    __tablename__ = "case_number_counters"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_number: Mapped[int]

    def __repr__(self) -> str:
        return f"<CaseNumberCounter {self.prefix}{self.last_number:04d}>"
