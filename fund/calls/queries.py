"""Reads of calls that views and other domains share."""

from datetime import datetime
from functools import cache

from sqlalchemy import and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import selectinload

from fund.calls.models import Call, CallMeasure, CallState, Criterion
from fund.core.signals import plan_version_in_use, plan_versions_in_current_calls
from fund.core.sql import among
from fund.extensions import db
from fund.plan.models import Area, Measure, PlanVersion, Strategy


def _is_current(now):
    """Published, not yet past its deadline at ``now`` and not closed for review: the SQL
    twin of ``Call.state_at`` for PLANNED and OPEN (drafts are left out: the public and
    applicants never see them)."""
    return and_(Call.published_at.is_not(None), Call.closes_at > now,
                Call.review_closed_at.is_(None), Call.archived_at.is_(None))


def _soonest_first(call: Call) -> tuple:
    return call.closes_at, call.fund


def current_calls(now: datetime) -> list[Call]:
    """The current calls (``_is_current``), soonest deadline first."""
    return list(db.session.execute(
        select(Call).where(_is_current(now)).order_by(Call.closes_at, Call.fund)).scalars())


@cache
def _listed_or_open_statement():
    """The calls bound as ``ids``, and those open at the bound ``now``."""
    now = bindparam("now", type_=Call.closes_at.type)
    return select(Call).where(or_(among(Call.id), and_(_is_current(now), Call.opens_at <= now)))


def calls_listed_and_open(ids: list[int], now: datetime) -> tuple[dict[int, Call], list[Call]]:
    """The calls ``ids`` by id, and the calls that take applications at ``now`` (soonest
    deadline first), in one statement, built once: a list of applications shows both
    (issue 14: «Mine søknader» read them with two)."""
    found = db.session.execute(_listed_or_open_statement(),
                               {"ids": ids, "now": now}).scalars().all()
    open_now = sorted((call for call in found if call.state_at(now) == CallState.OPEN),
                      key=_soonest_first)
    return {call.id: call for call in found}, open_now


def call_for_page(call_id: int) -> Call | None:
    """A call with its criteria, their goals and its plan loaded."""
    return db.session.execute(
        select(Call).where(Call.id == call_id)
        .options(selectinload(Call.criteria).selectinload(Criterion.goals),
                 selectinload(Call.plan))).scalar_one_or_none()


def _measures_of(call: Call):
    """The measures of the call's plan, in plan order, with whether each is open to the
    call's applicants: the call's own choice, else the plan's. The fund's own measures
    (the yearly call) never are."""
    is_open = and_(~Measure.is_fund,
                   func.coalesce(CallMeasure.open, Measure.open_to_applicants))
    return (select(Measure, is_open.label("open")).join(Measure.strategy).join(Strategy.area)
            .outerjoin(CallMeasure, and_(CallMeasure.measure_id == Measure.id,
                                         CallMeasure.call_id == call.id))
            .where(Area.plan_id == call.plan_id)
            .order_by(Area.position, Strategy.position, Measure.position))


def measures_open_to_applicants(call: Call) -> list[Measure]:
    """The measures an applicant to ``call`` may choose from (none need be chosen: the
    plan's measures are not exhaustive)."""
    query = _measures_of(call)
    return list(db.session.execute(
        query.with_only_columns(Measure).where(query.selected_columns.open)).scalars())


def measures_for_call(call: Call) -> list[tuple[Measure, bool]]:
    """Every measure of the call's plan, with whether it is open to the call's applicants
    (for the manager's form), strategies loaded."""
    return [(measure, bool(is_open)) for measure, is_open in db.session.execute(
        _measures_of(call).options(selectinload(Measure.strategy)))]


def manage_list() -> list[Call]:
    """Every call, newest year first, for the manager's overview."""
    return list(db.session.execute(
        select(Call).options(selectinload(Call.plan))
        .order_by(Call.year.desc(), Call.opens_at.desc(), Call.fund)).scalars())


def plan_versions() -> list[PlanVersion]:
    """The plans a call can be opened under (the published ones), newest first."""
    return list(db.session.execute(
        select(PlanVersion).where(PlanVersion.published_at.is_not(None))
        .order_by(PlanVersion.starts_on.desc(), PlanVersion.id.desc())).scalars())


@plan_version_in_use.connect
def _plan_version_in_use(plan: PlanVersion, **_kwargs) -> bool:
    """A plan version that a call was opened under may not change (answers the plan)."""
    return bool(db.session.scalar(select(exists().where(Call.plan_id == plan.id))))


@plan_versions_in_current_calls.connect
def _plan_versions_in_current_calls(now: datetime, **_kwargs) -> list[int]:
    """The plans of the published calls open at ``now``, then of those still to open, each
    group soonest deadline first (answers the plan's public page)."""
    calls = current_calls(now)
    return [call.plan_id for call in sorted(calls, key=lambda c: c.opens_at > now)]
