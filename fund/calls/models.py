import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.core.types import UTCDateTime, enum_column, utcnow
from fund.extensions import db
from fund.plan.models import Goal, Measure, PlanVersion


class Fund(enum.StrEnum):
    NAERINGSFOND = "naeringsfond"
    KLIMAFOND = "klimafond"


class CallState(enum.StrEnum):
    #: Not published: only the managers see it; nobody can apply.
    DRAFT = "draft"
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"
    #: The manager has closed the review (computed from ``review_closed_at``).
    REVIEW_CLOSED = "review_closed"
    ARCHIVED = "archived"

    def can_become(self, other: "CallState") -> bool:
        return other in CALL_TRANSITIONS[self]


#: The call's life. The clock opens and closes it; the manager closes the review and
#: archives. The manager publishes a draft, and may take a published call back to draft
#: until it opens (nobody can have applied yet). Nothing else goes back.
CALL_TRANSITIONS: dict[CallState, frozenset[CallState]] = {
    CallState.DRAFT: frozenset({CallState.PLANNED, CallState.OPEN}),
    CallState.PLANNED: frozenset({CallState.OPEN, CallState.DRAFT}),
    CallState.OPEN: frozenset({CallState.CLOSED}),
    CallState.CLOSED: frozenset({CallState.REVIEW_CLOSED}),
    CallState.REVIEW_CLOSED: frozenset({CallState.ARCHIVED}),
    CallState.ARCHIVED: frozenset(),
}


class Call(db.Model):
    """A yearly utlysning (call) of one fund. A joint call is two calls sharing ``joint_key``.

    A new call is a draft (``published_at`` unset) that only the managers see. Once
    published, whether it is open is computed from ``opens_at``/``closes_at``; only the
    manager's steps (published, review closed, archived) are stored.
    """

    __tablename__ = "calls"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("budget >= 0", name="budget_not_negative"),
        CheckConstraint("max_grant >= 0", name="max_grant_not_negative"),
        CheckConstraint("max_share_percent BETWEEN 1 AND 100", name="max_share_is_percent"),
        CheckConstraint("archived_at IS NULL OR review_closed_at IS NOT NULL",
                        name="archived_after_review_closed"),
        CheckConstraint("appeal_reserve >= 0 AND appeal_reserve <= budget",
                        name="reserve_within_budget"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund: Mapped[Fund] = mapped_column(enum_column(Fund, "fund"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: Whole kroner available for grants in this call.
    budget: Mapped[int]
    #: Largest grant to one application, in kroner.
    max_grant: Mapped[int]
    #: Largest share of the project's cost the grant may cover, in percent.
    max_share_percent: Mapped[int]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), index=True)
    #: Shared by the two calls of a joint næringsfond/klimafond call.
    joint_key: Mapped[str | None] = mapped_column(String(36), index=True)
    #: Set when the manager publishes the call; unset, the call is a draft that the public,
    #: applicants and caseworkers do not see and nobody can apply to.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the manager closes the review (the innstilling is then frozen).
    review_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When applicants can expect a decision; the receipt states it.
    expected_decision_on: Mapped[date | None]
    #: Kroner of the budget held back for successful appeals; the fordelingsvedtak may
    #: grant at most ``budget - appeal_reserve``.
    appeal_reserve: Mapped[int] = mapped_column(default=0)
    # The rules of the tilsagn (LAW.md §4 E, G, H), stated in the tilsagnsbrev.
    #: Weeks from the notification to accept the grant; unaccepted, it lapses.
    acceptance_weeks: Mapped[int] = mapped_column(default=4, server_default="4")
    #: The largest share of the grant, in percent, paid before the final report.
    advance_max_percent: Mapped[int] = mapped_column(default=50, server_default="50")
    #: Grants of this many kroner or more need the accounts confirmed by an auditor or
    #: an authorised accountant in the final report.
    auditor_threshold: Mapped[int] = mapped_column(default=100_000, server_default="100000")
    #: Days after the project's end to send the final report.
    final_report_days: Mapped[int] = mapped_column(default=60, server_default="60")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[PlanVersion] = relationship()
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="call", order_by="Criterion.position", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Call {self.id} {self.fund} {self.year}>"

    def state_at(self, now: datetime) -> CallState:
        if self.archived_at is not None:
            return CallState.ARCHIVED
        if self.review_closed_at is not None:
            return CallState.REVIEW_CLOSED
        if self.published_at is None:
            return CallState.DRAFT
        if now < self.opens_at:
            return CallState.PLANNED
        if now < self.closes_at:
            return CallState.OPEN
        return CallState.CLOSED

    @property
    def state(self) -> CallState:
        return self.state_at(utcnow())

    @property
    def is_open(self) -> bool:
        return self.state == CallState.OPEN

    @property
    def is_draft(self) -> bool:
        return self.published_at is None

    @property
    def is_editable(self) -> bool:
        """The settings, criteria and measures can change: a draft, or a published call
        that has not opened yet."""
        return self.state in (CallState.DRAFT, CallState.PLANNED)

    @property
    def can_close_review(self) -> bool:
        return self.state.can_become(CallState.REVIEW_CLOSED)

    @property
    def can_be_archived(self) -> bool:
        return self.state.can_become(CallState.ARCHIVED)

    @property
    def review_closed(self) -> bool:
        """The review is closed and the innstilling frozen: nothing that changes it is
        allowed any more (withdrawal, info requests, assessments, the budget line)."""
        return self.review_closed_at is not None

    @property
    def criteria_editable(self) -> bool:
        return self.is_editable

    @property
    def total_weight(self) -> int:
        return sum(c.weight for c in self.criteria)


criterion_goals = Table(
    "criterion_goals",
    db.metadata,
    Column("criterion_id", ForeignKey("criteria.id", ondelete="CASCADE"), primary_key=True),
    Column("goal_id", ForeignKey("plan_goals.id", ondelete="CASCADE"), primary_key=True),
)


class Criterion(db.Model):
    """A scoring criterion of a call, scored 0–5 and weighted."""

    __tablename__ = "criteria"
    __table_args__ = (CheckConstraint("weight >= 0", name="weight_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int]
    #: Every reviewer must score it (or mark it not applicable where allowed).
    required: Mapped[bool] = mapped_column(default=True)
    #: "Not applicable" leaves the criterion out and renormalises the weights.
    allow_na: Mapped[bool] = mapped_column(default=False)

    call: Mapped[Call] = relationship(back_populates="criteria")
    #: The plan goals (hovedmål, effektmål) the criterion is drawn from.
    goals: Mapped[list[Goal]] = relationship(secondary=criterion_goals,
                                             order_by=(Goal.kind.desc(), Goal.number))

    def __repr__(self) -> str:
        return f"<Criterion {self.id} {self.title!r} w={self.weight}>"


class CallMeasure(db.Model):
    """A call's own choice to open or close a plan measure to applicants, overriding the
    plan's ``Measure.open_to_applicants`` for this call only."""

    __tablename__ = "call_measures"

    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"),
                                         primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("plan_measures.id"), primary_key=True,
                                            index=True)
    #: Whether applicants to this call may choose the measure.
    open: Mapped[bool]

    measure: Mapped[Measure] = relationship()

    def __repr__(self) -> str:
        return f"<CallMeasure call={self.call_id} measure={self.measure_id} open={self.open}>"
