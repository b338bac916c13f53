"""Figures from outside the system, entered by hand as context for the yearly evaluation
(LAW.md §5.2, «External (municipality level)»): the plan's effect goals are measured
partly by NHO and SSB, not by the applications."""

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.core.types import UTCDateTime, enum_column, utcnow
from fund.extensions import db


class ContextKind(enum.StrEnum):
    #: Lillestrøm's place in NHO Kommune-NM (1 is best).
    NHO_KOMMUNE_NM_RANK = "nho_kommune_nm"
    #: SSB: people employed in knowledge-intensive industries, kommune 3205.
    SSB_KNOWLEDGE_JOBS = "ssb_knowledge_jobs"
    #: SSB: share of the residents with higher education (percent), kommune 3205.
    SSB_HIGHER_EDUCATION_PERCENT = "ssb_higher_education"

    @property
    def whole(self) -> bool:
        """Whether the figure is a whole number (a rank, a count), not a percent."""
        return self is not ContextKind.SSB_HIGHER_EDUCATION_PERCENT


class ContextFigure(db.Model):
    """One kontekstall (context figure) for one year, with where it came from. One per
    year and kind; entered by a fondsforvalter."""

    __tablename__ = "context_figures"
    __table_args__ = (
        UniqueConstraint("year", "kind"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_in_range"),
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("kind <> 'nho_kommune_nm' OR value >= 1", name="rank_from_one"),
        CheckConstraint("kind <> 'ssb_higher_education' OR value <= 100",
                        name="percent_at_most_100"),
        CheckConstraint("trim(source) <> ''", name="source_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The year the figure is for (as the evaluation's call years).
    year: Mapped[int]
    kind: Mapped[ContextKind] = mapped_column(enum_column(ContextKind, "context_kind"))
    #: A rank or a count (whole), or a percent with one decimal.
    value: Mapped[Decimal] = mapped_column(Numeric(10, 1))
    #: Where the figure came from, e.g. «SSB tabell 12345».
    source: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by = relationship("User")

    def __repr__(self) -> str:
        return f"<ContextFigure {self.year} {self.kind} {self.value}>"

    @property
    def number(self) -> int | Decimal:
        """The value as it is read: a whole number for a rank or a count, else the
        percent to one decimal."""
        return as_number(self.kind, self.value)


def as_number(kind: ContextKind, value) -> int | Decimal:
    if kind.whole:
        return int(value)
    return Decimal(value).quantize(Decimal("0.1"))


class ReportChange(db.Model):
    """A mark that something the plan-coverage report reads has changed (issue 14): one
    row per call per flush that touches those tables, written in the same transaction. The rows are
    only ever added (no counter row that every writer would queue on); the stored reports
    are kept for one state of this table (``fund.reports.freshness``)."""

    __tablename__ = "report_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random, so a mark rolled back and another written with the same id differ.
    token: Mapped[str] = mapped_column(String(32))
    #: The call whose figures changed; None: possibly every call's. No foreign key: a
    #: mark outlives a deleted call, and writers do not lock the call's row.
    call_id: Mapped[int | None] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<ReportChange {self.id}>"
