"""The public list of grants (LAW.md §4.M): what anyone may read without logging in.

A grant is published when its current decision grants money (innvilget or delvis
innvilget, amount above 0) and the vedtak is notified (its letter is sent). Grants revoked
to nothing (the current decision is an avslag) and grants that lapsed (bortfalt: never
accepted, the money went back to the call) are not listed. Rejected, dismissed and
withdrawn applications are never listed.

Only public data: recipient name and org.nr, fund, year, the current amount, the title and
the public summary (which cannot be asked to be exempt), and the strategies and measures
the caseworkers confirmed. No contact people, e-mail addresses or phone numbers; sole
proprietorships (ENK) are people, and only their name and org.nr are shown.

Every query is one statement whatever the number of grants; the figures per
innsatsområde are SQL aggregates over distinct applications."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, exists, func, or_, select

from fund.applications.models import Application
from fund.auth.models import Organisation
from fund.calls.models import Call, CallState, Fund
from fund.calls.queries import current_calls
from fund.core import sql
from fund.decisions.models import Decision, Letter, LetterKind
from fund.extensions import db
from fund.grants.models import Grant, GrantState
from fund.plan.models import Area, Measure, PlanVersion, Strategy
from fund.review.models import ConfirmedMeasure, Outcome

#: The organisation form of a sole proprietorship (enkeltpersonforetak): a person.
SOLE_PROPRIETORSHIP = "ENK"
#: The years a filter may ask for.
MIN_YEAR, MAX_YEAR = 2000, 2100
#: Grant states that are not published: lapsed (bortfalt) and revoked (tilbakekalt).
HIDDEN_STATES = (GrantState.LAPSED, GrantState.REVOKED)


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    fund: Fund | None = None


@dataclass
class PublicGrant:
    application_id: int
    recipient: str
    orgnr: str
    sole_proprietorship: bool
    fund: Fund
    year: int
    amount: int
    title: str
    summary: str
    strategies: list[tuple[str, str]] = field(default_factory=list)  #: (code, title)
    measures: list[tuple[str, str]] = field(default_factory=list)  #: (code, text)


@dataclass(frozen=True)
class AreaFigure:
    period: str  #: the plan version's period
    code: str
    title: str
    grants: int
    amount: int


@dataclass(frozen=True)
class Figures:
    areas: list[AreaFigure]
    grants: int  #: every grant once
    amount: int  #: every grant's amount once


def parse_filters(year: str | None, fund: str | None) -> tuple[Filters, list[str]]:
    """The filters from query parameters, and the names of those that were junk (and are
    ignored). Bounded: a year is four digits within ``MIN_YEAR``–``MAX_YEAR``."""
    junk = []
    parsed_year = parsed_fund = None
    if year:
        year = year.strip()
        if len(year) == 4 and year.isascii() and year.isdigit() \
                and MIN_YEAR <= int(year) <= MAX_YEAR:
            parsed_year = int(year)
        else:
            junk.append("year")
    if fund:
        try:
            parsed_fund = Fund(fund.strip()[:20])
        except ValueError:
            junk.append("fund")
    return Filters(year=parsed_year, fund=parsed_fund), junk


def _letter_sent():
    return exists().where(Letter.decision_id == Decision.id, Letter.kind == LetterKind.DECISION,
                          Letter.sent_at.is_not(None))


def published(filters: Filters = Filters()) -> Select:
    """The published grants, one row each: application, amount, fund, year, recipient."""
    query = (
        select(Application.id.label("application_id"), Decision.amount.label("amount"),
               Call.fund.label("fund"), Call.year.label("year"), Call.plan_id.label("plan_id"),
               Organisation.name.label("recipient"), Organisation.orgnr.label("orgnr"),
               Organisation.org_form.label("org_form"), Application.title.label("title"),
               Application.summary.label("summary"))
        .select_from(Decision)
        .join(Application, Application.id == Decision.application_id)
        .join(Call, Call.id == Application.call_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .outerjoin(Grant, Grant.application_id == Application.id)
        .where(Decision.replaced_at.is_(None),
               Decision.outcome.in_((Outcome.GRANTED, Outcome.PARTLY_GRANTED)),
               Decision.amount > 0,
               _letter_sent(),
               or_(Grant.id.is_(None), Grant.state.not_in(HIDDEN_STATES))))
    if filters.year is not None:
        query = query.where(Call.year == filters.year)
    if filters.fund is not None:
        query = query.where(Call.fund == filters.fund)
    return query


#: Grants a page of the public list shows, and a page of its JSON holds (issue 14: every
#: grant of every year was a page of 10 MB at national scale).
PAGE_SIZE = 50
JSON_PAGE_SIZE = 1000


def public_grants(filters: Filters, page: int, size: int) -> list[PublicGrant]:
    """Page ``page`` (from 1) of ``size`` of the published grants, newest year first, then
    by fund and recipient, with their confirmed strategies and measures (two queries)."""
    rows = db.session.execute(
        published(filters).order_by(Call.year.desc(), Call.fund, Organisation.name,
                                    Application.id)
        .offset((max(page, 1) - 1) * size).limit(size)).all()
    grants = {row.application_id: PublicGrant(
        application_id=row.application_id, recipient=row.recipient, orgnr=row.orgnr,
        sole_proprietorship=(row.org_form or "").upper() == SOLE_PROPRIETORSHIP,
        fund=row.fund, year=row.year, amount=int(row.amount), title=row.title,
        summary=row.summary) for row in rows}
    if not grants:
        return []
    ids = list(grants)
    links = db.session.execute(
        select(ConfirmedMeasure.application_id, Strategy.code.label("strategy_code"),
               Strategy.title.label("strategy_title"), Measure.code.label("measure_code"),
               Measure.text.label("measure_text"))
        .join(Measure, Measure.id == ConfirmedMeasure.measure_id)
        .join(Strategy, Strategy.id == Measure.strategy_id)
        .join(Area, Area.id == Strategy.area_id)
        .where(sql.among(ConfirmedMeasure.application_id))
        .order_by(ConfirmedMeasure.application_id, Area.position, Strategy.position,
                  Measure.position), {"ids": ids}).all()
    for link in links:
        grant = grants[link.application_id]
        strategy = (link.strategy_code, link.strategy_title)
        if strategy not in grant.strategies:
            grant.strategies.append(strategy)
        grant.measures.append((link.measure_code, link.measure_text))
    return list(grants.values())


def public_figures(filters: Filters = Filters()) -> Figures:
    """Grants and kroner per innsatsområde, from the confirmed measures: a grant linked to
    several areas counts once in each area, and once in the total. Every area of the plan
    versions the published grants' calls used is listed, with 0 where no grant is."""
    grants = published(filters).subquery()
    # One row per (grant, area), however many of the area's measures are confirmed.
    per_area = (
        select(grants.c.application_id, Strategy.area_id.label("area_id"))
        .select_from(grants)
        .join(ConfirmedMeasure, ConfirmedMeasure.application_id == grants.c.application_id)
        .join(Measure, Measure.id == ConfirmedMeasure.measure_id)
        .join(Strategy, Strategy.id == Measure.strategy_id)
        .distinct()
        .subquery())
    linked = (
        select(per_area.c.area_id, func.count(per_area.c.application_id).label("grants"),
               func.sum(grants.c.amount).label("amount"))
        .join(grants, grants.c.application_id == per_area.c.application_id)
        .group_by(per_area.c.area_id)
        .subquery())
    used_plans = select(grants.c.plan_id)
    rows = db.session.execute(
        select(PlanVersion.period, Area.code, Area.title,
               func.coalesce(linked.c.grants, 0), func.coalesce(linked.c.amount, 0))
        .join(Area, Area.plan_id == PlanVersion.id)
        .outerjoin(linked, linked.c.area_id == Area.id)
        .where(PlanVersion.id.in_(used_plans))
        .order_by(PlanVersion.period, Area.position)).all()
    total_grants, total_amount = db.session.execute(
        select(func.count(grants.c.application_id),
               func.coalesce(func.sum(grants.c.amount), 0))).one()
    return Figures(
        areas=[AreaFigure(period=period, code=code, title=title, grants=int(count),
                          amount=int(amount)) for period, code, title, count, amount in rows],
        grants=int(total_grants), amount=int(total_amount))


def filter_choices() -> tuple[list[int], list[Fund]]:
    """The years and funds that have published grants (for the filter form)."""
    rows = db.session.execute(
        published().with_only_columns(Call.year, Call.fund).distinct()).all()
    return (sorted({row.year for row in rows}, reverse=True),
            [fund for fund in Fund if fund in {row.fund for row in rows}])


@dataclass(frozen=True)
class PublicCall:
    id: int
    title: str
    fund: Fund
    year: int
    state: CallState
    opens_at: datetime
    closes_at: datetime


def public_calls(now: datetime) -> list[PublicCall]:
    """The open and coming calls (not archived, not closed), soonest deadline first."""
    return [PublicCall(id=call.id, title=call.title, fund=call.fund, year=call.year,
                       state=CallState.OPEN if call.opens_at <= now else CallState.PLANNED,
                       opens_at=call.opens_at, closes_at=call.closes_at)
            for call in current_calls(now)]

