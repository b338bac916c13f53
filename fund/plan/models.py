import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.core.types import UTCDateTime, enum_column, utcnow
from fund.extensions import db


class PlanVersion(db.Model):
    """One period's handlingsplan (action plan). Calls point at the version they opened under."""

    __tablename__ = "plan_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. ``2022-2024``; the key a plan file is loaded under.
    period: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when an administrator publishes the plan; unset, it is a draft that only
    #: administrators see (a preview) and that new calls cannot use.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    goals: Mapped[list["Goal"]] = relationship(back_populates="plan", order_by="Goal.position",
                                               cascade="all, delete-orphan")
    areas: Mapped[list["Area"]] = relationship(back_populates="plan", order_by="Area.position",
                                               cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<PlanVersion {self.period}>"

    @property
    def is_draft(self) -> bool:
        return self.published_at is None

    def goals_of(self, kind: "GoalKind") -> list["Goal"]:
        return [goal for goal in self.goals if goal.kind == kind]


class GoalKind(enum.StrEnum):
    MAIN = "main"  #: hovedmål
    EFFECT = "effect"  #: effektmål


class Goal(db.Model):
    """A hovedmål (main goal) or effektmål (effect goal), numbered from 1 within its kind."""

    __tablename__ = "plan_goals"
    __table_args__ = (UniqueConstraint("plan_id", "kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"),
                                         index=True)
    kind: Mapped[GoalKind] = mapped_column(enum_column(GoalKind, "goal_kind"))
    number: Mapped[int]
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)

    plan: Mapped[PlanVersion] = relationship(back_populates="goals")

    def __repr__(self) -> str:
        return f"<Goal {self.kind} {self.number}>"

    @property
    def is_main(self) -> bool:
        return self.kind == GoalKind.MAIN


class Area(db.Model):
    """An innsatsområde (focus area), coded ``1``–``5``."""

    __tablename__ = "plan_areas"
    __table_args__ = (
        UniqueConstraint("plan_id", "code"),
        CheckConstraint("priority_percent BETWEEN 0 AND 100", name="priority_is_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"),
                                         index=True)
    code: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    position: Mapped[int]
    #: The political priority: the share of the fund (percent, 0–100) the politicians want
    #: to go to this area; None while not set. Not part of the plan file.
    priority_percent: Mapped[int | None]

    plan: Mapped[PlanVersion] = relationship(back_populates="areas")
    strategies: Mapped[list["Strategy"]] = relationship(
        back_populates="area", order_by="Strategy.position", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Area {self.code} {self.title!r}>"


class Strategy(db.Model):
    """A strategi within an innsatsområde, coded ``1A`` … ``5C``."""

    __tablename__ = "plan_strategies"
    __table_args__ = (UniqueConstraint("area_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("plan_areas.id", ondelete="CASCADE"),
                                         index=True)
    code: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    position: Mapped[int]
    #: Delstrategier (sub-strategies): prose paragraphs, one per line, in order.
    substrategies_text: Mapped[str] = mapped_column(Text, default="")

    area: Mapped[Area] = relationship(back_populates="strategies")
    measures: Mapped[list["Measure"]] = relationship(
        back_populates="strategy", order_by="Measure.position", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Strategy {self.code} {self.title!r}>"

    @property
    def substrategies(self) -> list[str]:
        return [line for line in self.substrategies_text.split("\n") if line]


class Measure(db.Model):
    """A tiltak (measure) of a strategy, coded ``1A-1``. What applications are tagged with.

    Most measures are the municipality's own tasks, which no applicant's project can
    advance; the plan file marks those an applicant may choose (a call can override it).
    """

    __tablename__ = "plan_measures"
    __table_args__ = (
        UniqueConstraint("strategy_id", "code"),
        CheckConstraint("NOT (is_fund AND open_to_applicants)", name="fund_not_open"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(
        ForeignKey("plan_strategies.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int]
    #: An applicant's project can advance it, so applicants may choose it (plan default).
    open_to_applicants: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The yearly call of the fund itself (1B-3, 2B-3): never an applicant's choice.
    is_fund: Mapped[bool] = mapped_column(default=False, server_default=false())

    strategy: Mapped[Strategy] = relationship(back_populates="measures")

    def __repr__(self) -> str:
        return f"<Measure {self.code}>"
