import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.applications.models import Application
from fund.auth.models import User
from fund.calls.models import Call, Criterion
from fund.core.types import UTCDateTime, enum_column, utcnow
from fund.extensions import db
from fund.plan.models import Measure
from fund.review.scoring import MAX_STEP, SCALE, Aggregate, Recommendation, to_display


class ConflictGround(enum.StrEnum):
    """Grounds for inhabilitet (disqualification), forvaltningsloven §6. The stored values
    are stable; the labels (``forms.GROUND_LABELS``) carry the law's wording."""

    PARTY = "party"  #: første ledd a) selv part i saken
    FAMILY = "family"  #: første ledd b) i slekt eller svogerskap med en part
    #: første ledd c) gift med eller forlovet med en part, or formerly married (declarations
    #: made before 2026-11-28 may mean samboer, which the label then named wrongly)
    SPOUSE = "spouse"
    FOSTER = "foster"  #: første ledd c) fosterforelder eller fosterbarn til en part
    #: første ledd d) verge eller fullmektig for en part, or has been after the case began
    GUARDIAN = "guardian"
    #: første ledd e) leder, ledende stilling, styre- eller bedriftsforsamlingsmedlem i et
    #: selskap, samvirkeforetak, forening, sparebank eller stiftelse som er part
    BOARD = "board"
    MEMBER = "member"  #: medlem av søkerorganisasjonen i systemet (automatisk)
    COHABITANT = "cohabitant"  #: annet ledd: samboer med en part (særegne forhold)
    ADVISED = "advised"  #: annet ledd: veiledet søkeren i utformingen av søknaden
    OTHER = "other"  #: andre særegne forhold som svekker tilliten (§6 annet ledd)


class ConflictDeclaration(db.Model):
    """A caseworker's statement on whether they are disqualified (inhabil) for an application."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (
        UniqueConstraint("application_id", "caseworker_id"),
        CheckConstraint("NOT disqualified OR ground IS NOT NULL",
                        name="ground_when_disqualified"),
        # What a reader is inhabil in, read on every queue page (fund.review.queries):
        # the few disqualified declarations, not all of a caseworker's.
        Index("ix_conflict_declarations_disqualified", "caseworker_id", "application_id",
              postgresql_where=text("disqualified IS TRUE"),
              sqlite_where=text("disqualified IS 1")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    disqualified: Mapped[bool]
    ground: Mapped[ConflictGround | None] = mapped_column(
        enum_column(ConflictGround, "conflict_ground"))
    explanation: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The answer to «Har du veiledet søkeren i utformingen av søknaden?» (§6 annet ledd);
    #: None for declarations made before the question was asked.
    advised_applicant: Mapped[bool | None]
    #: When a declaration of habil was changed to inhabil («Jeg er inhabil likevel»).
    revised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The declaration took the caseworker off the case they were assigned: the case needs
    #: a substitute (stedfortreder, forvaltningsloven §9) until someone else is assigned.
    left_assignment: Mapped[bool] = mapped_column(default=False)

    application: Mapped[Application] = relationship()
    caseworker: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ConflictDeclaration {self.caseworker_id} on {self.application_id}: " \
               f"{'inhabil' if self.disqualified else 'habil'}>"


class Assignment(db.Model):
    """A caseworker assigned to (or who took) an application."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("application_id", "caseworker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: None when the caseworker took it themself.
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The stedfortreder (substitute, forvaltningsloven §9): the inhabil caseworker this
    #: assignment replaced; None for an ordinary assignment.
    substitute_for_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    application: Mapped[Application] = relationship()
    caseworker: Mapped[User] = relationship(foreign_keys=[caseworker_id])
    substitute_for: Mapped[User | None] = relationship(foreign_keys=[substitute_for_id])

    def __repr__(self) -> str:
        return f"<Assignment {self.caseworker_id} on {self.application_id}>"


class ReviewSettings(db.Model):
    """How a call's assessments are combined and shown, and the manager's manual funding
    line. A call without a row has the defaults (``ReviewSettings.defaults``)."""

    __tablename__ = "review_settings"
    __table_args__ = (
        CheckConstraint("disagreement_threshold BETWEEN 0 AND 100",
                        name="threshold_is_points"),
        CheckConstraint("funding_line IS NULL OR funding_line >= 0",
                        name="funding_line_not_negative"),
        CheckConstraint("funding_line IS NULL OR funding_line_reason <> ''",
                        name="funding_line_has_reason"),
    )

    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"),
                                         primary_key=True)
    score_aggregate: Mapped[Aggregate] = mapped_column(
        enum_column(Aggregate, "score_aggregate"), default=Aggregate.MEDIAN)
    #: Caseworkers see each other's scores only after completing their own.
    blind_review: Mapped[bool] = mapped_column(default=True)
    #: Spread in points (0–100) above which the assessments count as disagreeing.
    disagreement_threshold: Mapped[int] = mapped_column(default=20)
    #: The manager's manual funding line: how many ranked applications are above it.
    funding_line: Mapped[int | None]
    funding_line_reason: Mapped[str] = mapped_column(Text, default="")

    @classmethod
    def defaults(cls, call_id: int) -> "ReviewSettings":
        """A transient row with the defaults, for a call that has none stored."""
        return cls(call_id=call_id, score_aggregate=Aggregate.MEDIAN, blind_review=True,
                   disagreement_threshold=20, funding_line=None, funding_line_reason="")

    def __repr__(self) -> str:
        return f"<ReviewSettings call={self.call_id} {self.score_aggregate}>"

    @property
    def uses_median(self) -> bool:
        return self.score_aggregate == Aggregate.MEDIAN


class AssessmentState(enum.StrEnum):
    """A draft is saved as the caseworker goes; completing it stores the total. A
    completed assessment can be reopened (saved as a draft again) until the review of
    the call is closed."""

    DRAFT = "draft"
    COMPLETED = "completed"


#: The assessment state machine: from a state (None: not yet stored) to the states a save
#: may lead to. Permissions, operations and the page ask ``can_become``.
ASSESSMENT_TRANSITIONS: dict[AssessmentState | None, frozenset[AssessmentState]] = {
    None: frozenset({AssessmentState.DRAFT, AssessmentState.COMPLETED}),
    AssessmentState.DRAFT: frozenset({AssessmentState.DRAFT, AssessmentState.COMPLETED}),
    AssessmentState.COMPLETED: frozenset({AssessmentState.COMPLETED, AssessmentState.DRAFT}),
}


class Assessment(db.Model):
    """One caseworker's vurdering (assessment) of one application."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("application_id", "caseworker_id"),
        # A caseworker's assessments with their state, read from the index alone and in
        # the applications' order: the ranking under blind review asks which of a call's
        # applications the reader has assessed and finished (issue 14: 17 → 6 ms for a
        # caseworker with 15,000 assessments, at 100,000 applications).
        Index("ix_assessments_caseworker_id", "caseworker_id", "application_id", "state"),
        CheckConstraint("recommended_amount IS NULL OR recommended_amount >= 0",
                        name="amount_not_negative"),
        CheckConstraint(f"total_score IS NULL OR (total_score >= 0 AND total_score <= {SCALE})",
                        name="total_0_to_100"),
        CheckConstraint("(state = 'completed') = (completed_at IS NOT NULL)",
                        name="completed_at_iff_completed"),
        CheckConstraint("state = 'completed' OR total_score IS NULL",
                        name="total_only_when_completed"),
        CheckConstraint("state <> 'completed' OR recommendation IS NOT NULL",
                        name="recommendation_when_completed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # indexed above
    #: Optimistic locking: a save based on an older version is refused.
    version: Mapped[int] = mapped_column(default=1)
    state: Mapped[AssessmentState] = mapped_column(
        enum_column(AssessmentState, "assessment_state"), default=AssessmentState.DRAFT,
        index=True)
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    #: Whole kroner.
    recommended_amount: Mapped[int | None]
    recommendation: Mapped[Recommendation | None] = mapped_column(
        enum_column(Recommendation, "recommendation"))
    #: Weighted total on a 0–100 scale, stored when the assessment is completed: exact to
    #: six decimals (never rounded for display here; see ``scoring.to_display``).
    total_score: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()
    caseworker: Mapped[User] = relationship()
    scores: Mapped[list["CriterionScoreRow"]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Assessment {self.caseworker_id} on {self.application_id} {self.state}>"

    @property
    def is_completed(self) -> bool:
        return self.state == AssessmentState.COMPLETED

    @property
    def display_total(self) -> Decimal | None:
        """The total as people see it: rounded once, to one decimal."""
        return to_display(self.total_score)

    def can_become(self, state: AssessmentState) -> bool:
        """Whether a save may take the assessment to ``state`` (see
        ``ASSESSMENT_TRANSITIONS``)."""
        return state in ASSESSMENT_TRANSITIONS[self.state]

    def is_out_of_date(self, answered_at: datetime | None) -> bool:
        """Last saved before the applicant's answer to an information request
        (``answered_at``, ``Application.last_answered_at``), so it may not weigh the
        answer. Saving or completing it again clears this."""
        return answered_at is not None and self.id is not None \
            and self.updated_at is not None and self.updated_at < answered_at


def assessment_counts():
    """SQL: the assessment's author is not inhabil in its application (declared so, before
    or after assessing). Rankings and the case page count only these: an assessment by a
    caseworker who has become inhabil drops out."""
    return ~select(ConflictDeclaration.id).where(
        ConflictDeclaration.application_id == Assessment.application_id,
        ConflictDeclaration.caseworker_id == Assessment.caseworker_id,
        ConflictDeclaration.disqualified.is_(True)).exists()


class AssessmentFigures(db.Model):
    """One application's figures over the assessments that count (completed, the author
    not inhabil: ``assessment_counts``), as a ranking reads them: the sums its median and
    mean are made of, exact (totals in millionths, amounts in kroner). Kept by
    ``fund.review.figures`` in the flush that changes an assessment or a declaration; an
    application with no assessment that counts has no row."""

    __tablename__ = "assessment_figures"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    #: Completed assessments that count, how many recommendations they differ in, and
    #: how many recommend «Avslå».
    assessments: Mapped[int]
    kinds: Mapped[int]
    rejects: Mapped[int]
    #: Over the counted totals: how many, the sum and number of the middle one or two (in
    #: order), the sum, the lowest and the highest, in millionths.
    score_count: Mapped[int]
    score_middle_sum: Mapped[int] = mapped_column(BigInteger)
    score_middle_count: Mapped[int]
    score_sum: Mapped[int] = mapped_column(BigInteger)
    score_lowest: Mapped[int] = mapped_column(BigInteger)
    score_highest: Mapped[int] = mapped_column(BigInteger)
    #: Over the amounts recommended for a grant: how many, and the middle one or two.
    amount_count: Mapped[int]
    amount_middle_sum: Mapped[int] = mapped_column(BigInteger)
    amount_middle_count: Mapped[int]


class CriterionScoreRow(db.Model):
    """The score (0–5, or not applicable) and comment for one criterion."""

    __tablename__ = "criterion_scores"
    __table_args__ = (
        UniqueConstraint("assessment_id", "criterion_id"),
        CheckConstraint(f"score IS NULL OR (score >= 0 AND score <= {MAX_STEP})",
                        name="score_0_to_5"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"),
                                              index=True)
    score: Mapped[int | None]
    not_applicable: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()

    def __repr__(self) -> str:
        return f"<CriterionScoreRow {self.criterion_id}={self.score}>"


class ConfirmedMeasure(db.Model):
    """A tiltak the caseworkers confirm the project advances. Reports read these, not the
    applicant's own claim."""

    __tablename__ = "confirmed_measures"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("plan_measures.id"), primary_key=True,
                                            index=True)
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    measure: Mapped[Measure] = relationship()

    def __repr__(self) -> str:
        return f"<ConfirmedMeasure {self.application_id}:{self.measure_id}>"


class Outcome(enum.StrEnum):
    """How an application ends (LAW.md §4.B): a vedtak, or withdrawn (no vedtak)."""

    GRANTED = "granted"  #: innvilget
    PARTLY_GRANTED = "partly_granted"  #: delvis innvilget
    REJECTED = "rejected"  #: avslått
    DISMISSED = "dismissed"  #: avvist (late, ineligible, incomplete), fvl § 2 tredje ledd
    WITHDRAWN = "withdrawn"  #: trukket by the applicant

    @property
    def is_grant(self) -> bool:
        return self in (Outcome.GRANTED, Outcome.PARTLY_GRANTED)

    @property
    def is_vedtak(self) -> bool:
        return self != Outcome.WITHDRAWN


class Proposal(db.Model):
    """The administration's proposal (kommunedirektørens innstilling) for one application:
    an outcome, an amount, and a reason written for the document. It is never the
    caseworkers' internal comments (offl § 14)."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("outcome <> 'withdrawn'", name="proposal_is_a_vedtak"),
        CheckConstraint(
            "(outcome IN ('granted', 'partly_granted')) = (amount IS NOT NULL AND amount > 0)",
            name="amount_iff_grant"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "outcome"))
    #: Whole kroner; only for a grant.
    amount: Mapped[int | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship()
    proposed_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Proposal {self.outcome} {self.amount} on {self.application_id}>"


class Innstilling(db.Model):
    """The administration's innstilling for a call, once proposed: stored as the PDF
    document that goes to the deciding body. The proposals are locked after."""

    __tablename__ = "innstillinger"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"),
                                         unique=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Random name of the PDF under <instance>/letters/.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))

    call: Mapped[Call] = relationship()
    proposed_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Innstilling call={self.call_id} {self.proposed_at}>"


class ExportState(enum.StrEnum):
    QUEUED = "queued"  #: waiting for a runner (the worker's thread, or the CLI from cron)
    RUNNING = "running"
    DONE = "done"  #: the file is stored and can be downloaded by whoever asked for it
    FAILED = "failed"  #: ``message`` says why; it can be tried again


class ExportJob(db.Model):
    """A long export of a call's innstilling (PDF or Excel) made outside the request that
    asked for it: a large call takes longer than a request may (issue 14). Only the person
    who asked sees it and downloads the file."""

    __tablename__ = "export_jobs"
    __table_args__ = (
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_is_per_cent"),
        Index("ix_export_jobs_state_created", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What is made: "pdf" (the draft innstilling) or "xlsx".
    kind: Mapped[str] = mapped_column(String(10))
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"),
                                         index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                 index=True)
    #: The language the document is written in: the reader's, as a direct export.
    locale: Mapped[str] = mapped_column(String(10), default="nb")
    state: Mapped[ExportState] = mapped_column(enum_column(ExportState, "export_state"),
                                               default=ExportState.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)  #: per cent, as far as it is known
    #: Why it failed, for the person (Norwegian, or their language); never a traceback.
    message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    #: Applications in the document, once known (for the estimate shown while waiting).
    rows: Mapped[int | None] = mapped_column()
    #: Random name of the file under <instance>/exports/, and the SHA-256 of its bytes.
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship()
    requested_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ExportJob {self.id} {self.kind} call={self.call_id} {self.state}>"


class InternalNote(db.Model):
    """A note between caseworkers; never shown to the applicant or the public."""

    __tablename__ = "internal_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<InternalNote {self.id} on {self.application_id}>"


class FrozenRanking(db.Model):
    """The innstilling as it stood when the manager closed the review. Never changed
    after: later pages and exports of the call are read from here."""

    __tablename__ = "frozen_rankings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"),
                                         unique=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    budget: Mapped[int]
    #: How many rows are above the budget line.
    line: Mapped[int]
    manual_line: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The call's criteria at closing, for the export's columns: [{id, title, weight}].
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)

    call: Mapped[Call] = relationship()
    closed_by: Mapped[User | None] = relationship()
    rows: Mapped[list["FrozenRankingRow"]] = relationship(
        back_populates="ranking", cascade="all, delete-orphan",
        order_by="FrozenRankingRow.rank")

    def __repr__(self) -> str:
        return f"<FrozenRanking call={self.call_id} line={self.line}>"


class FrozenRankingRow(db.Model):
    """One application's place in a frozen innstilling, with the figures shown then."""

    __tablename__ = "frozen_ranking_rows"
    __table_args__ = (UniqueConstraint("ranking_id", "application_id"),
                      UniqueConstraint("ranking_id", "rank"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ranking_id: Mapped[int] = mapped_column(
        ForeignKey("frozen_rankings.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    rank: Mapped[int]
    case_number: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    orgnr: Mapped[str] = mapped_column(String(9))
    #: Whole kroner.
    amount_applied: Mapped[int]
    recommended_amount: Mapped[int]
    running_total: Mapped[int] = mapped_column(BigInteger)
    within_budget: Mapped[bool]
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    spread: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    assessments: Mapped[int]
    disagreement: Mapped[bool]
    #: The mean score per criterion id, as text ("3.5"), for the record and the export.
    criterion_scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    recommendations: Mapped[list[str]] = mapped_column(JSON)
    justification: Mapped[str] = mapped_column(Text, default="")

    ranking: Mapped[FrozenRanking] = relationship(back_populates="rows")

    def __repr__(self) -> str:
        return f"<FrozenRankingRow {self.rank} {self.case_number}>"


# Access requests (innsyn) and the municipality's assessment of exemptions -------------------

class ExemptionOutcome(enum.StrEnum):
    EXEMPT = "exempt"  #: unntatt fra offentlighet
    RELEASED = "released"  #: offentlig: gis ut


class ExemptionItemKind(enum.StrEnum):
    """What in an application an assessment is about (``applications.exemptions``)."""

    FIELD = "field"
    ATTACHMENT = "attachment"
    COST_LINE = "cost_line"
    FINANCING_LINE = "financing_line"


class AccessRequest(db.Model):
    """A request for access (innsyn) to an application, as a case handler records it: who
    asked and when. The municipality then assesses, item by item, what is exempt."""

    __tablename__ = "access_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    #: Who asked, as they gave it (a name, a newspaper, an e-mail address).
    requested_by: Mapped[str] = mapped_column(String(200))
    received_on: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped[User] = relationship()
    assessments: Mapped[list["ExemptionAssessment"]] = relationship(
        back_populates="access_request", cascade="all, delete-orphan",
        order_by="ExemptionAssessment.id")

    def __repr__(self) -> str:
        return f"<AccessRequest {self.id} on {self.application_id}>"


class ExemptionAssessment(db.Model):
    """The municipality's own assessment of one item of an application when access is
    requested: exempt (with the legal basis) or released, with the reason, who and when
    (offentleglova § 13 with forvaltningsloven § 13 første ledd nr. 2). Items the applicant
    did not ask about can be assessed too. The item is kept as it read then, as lines and
    files may change later."""

    __tablename__ = "exemption_assessments"
    __table_args__ = (
        UniqueConstraint("access_request_id", "item_kind", "item_ref"),
        CheckConstraint("outcome <> 'exempt' OR legal_basis <> ''",
                        name="legal_basis_when_exempt"),
        CheckConstraint("reason <> ''", name="has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    access_request_id: Mapped[int] = mapped_column(
        ForeignKey("access_requests.id", ondelete="CASCADE"), index=True)
    item_kind: Mapped[ExemptionItemKind] = mapped_column(
        enum_column(ExemptionItemKind, "exemption_item_kind"))
    #: The field's name, or the line's or attachment's id.
    item_ref: Mapped[str] = mapped_column(String(50))
    #: The item as it read when assessed.
    item_label: Mapped[str] = mapped_column(String(500))
    #: Whether the applicant had asked for the item to be exempt.
    applicant_requested: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[ExemptionOutcome] = mapped_column(
        enum_column(ExemptionOutcome, "exemption_outcome"))
    #: E.g. «offl. § 13 jf. fvl. § 13 første ledd nr. 2»; required when exempt.
    legal_basis: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(Text)
    assessed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    access_request: Mapped[AccessRequest] = relationship(back_populates="assessments")
    assessed_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ExemptionAssessment {self.item_kind}:{self.item_ref} {self.outcome}>"
