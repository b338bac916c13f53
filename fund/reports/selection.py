"""Which plan versions and calls a coverage report covers (issue 11), read from the query
string in one place for the page and its files.

A call uses one plan version. The report's filter (years, fund, call) picks calls; the
plan versions are those the picked calls use, each reported with its own tree, newest
first ("Reports over several plan versions show each version's tree separately"). A
``plan`` parameter narrows it to one version. Junk in any parameter is left out with a
message in Norwegian, never an error."""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from fund.calls.models import Call, Fund
from fund.extensions import db
from fund.plan.models import PlanVersion
from fund.reports.coverage import (
    CoverageFilter,
    CoverageReport,
    applications_once,
    coverage,
    inhabil_in_filter,
)
from fund.reports.evaluation import Evaluation, evaluation
from fund.reports.extras import Extras, extras
from fund.reports.freshness import state, stored

#: Query parameters: plan version, year (repeatable), fund, call.
PLAN_PARAM, YEAR_PARAM, FUND_PARAM, CALL_PARAM = "plan", "aar", "fond", "utlysning"
#: A value longer than this is junk; more years than this in one request are junk.
MAX_PARAM, MAX_YEARS = 40, 20
MIN_YEAR = 2000


@dataclass(frozen=True)
class PlanChoice:
    id: int
    period: str
    title: str


@dataclass(frozen=True)
class CallChoice:
    id: int
    title: str
    fund: Fund
    year: int
    plan_id: int
    plan_period: str


@dataclass(frozen=True)
class Selection:
    """What the reader asked for, after the junk is left out."""

    #: The one plan version asked for; None for every version the picked calls use.
    plan_id: int | None
    filter: CoverageFilter
    #: The plan versions some call uses (newest first), and their years and calls.
    plans: list[PlanChoice]
    years: list[int]
    calls: list[CallChoice]
    messages: list[str] = field(default_factory=list)
    #: A ``plan`` was given that no call uses (the files answer 404 for it).
    unknown_plan: bool = False

    @property
    def plan_ids(self) -> list[int]:
        """The plan versions the report covers, newest first: the one asked for, or each
        version that a call in the filter uses."""
        if self.plan_id is not None:
            return [self.plan_id]
        used = {call.plan_id for call in self.calls if self._picks(call)}
        return [plan.id for plan in self.plans if plan.id in used]

    def call_ids(self, plan_id: int | None = None) -> list[int]:
        """The calls the report covers (of ``plan_id``, when given)."""
        return [call.id for call in self.calls if self._picks(call)
                and (plan_id is None or call.plan_id == plan_id)]

    def _picks(self, call: CallChoice) -> bool:
        flt = self.filter
        return ((flt.years is None or call.year in flt.years)
                and (flt.fund is None or call.fund == flt.fund)
                and (flt.call_id is None or call.id == flt.call_id))

    def query_args(self, plan_id: int | None = None) -> dict:
        """The query string of this selection (for links to the files), narrowed to
        ``plan_id`` when given."""
        args: dict = {}
        if plan_id is not None or self.plan_id is not None:
            args[PLAN_PARAM] = plan_id if plan_id is not None else self.plan_id
        if self.filter.years:
            args[YEAR_PARAM] = list(self.filter.years)
        if self.filter.fund is not None:
            args[FUND_PARAM] = self.filter.fund.value
        if self.filter.call_id is not None:
            args[CALL_PARAM] = self.filter.call_id
        return args


def _plans_in_use() -> list[PlanChoice]:
    return [PlanChoice(*row) for row in db.session.execute(
        select(PlanVersion.id, PlanVersion.period, PlanVersion.title)
        .where(PlanVersion.id.in_(select(Call.plan_id).where(Call.published_at.is_not(None))))
        .order_by(PlanVersion.starts_on.desc().nulls_last(), PlanVersion.id.desc()))]


def _small_int(text: str, digits: int) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= digits else None


def _value(args, name: str) -> str:
    return args.get(name, "")[:MAX_PARAM].strip()


def parse_selection(args) -> Selection:
    """The selection from a query string (``request.args``)."""
    messages = []
    plans = _plans_in_use()
    plan_id, unknown_plan = None, False
    raw_plan = _value(args, PLAN_PARAM)
    if raw_plan:
        wanted = _small_int(raw_plan, 9)
        if wanted in {plan.id for plan in plans}:
            plan_id = wanted
        else:
            unknown_plan = True
            messages.append(_("Planversjonen i filteret er ikke gyldig. Alle planversjoner "
                              "som utlysningene bruker, vises, hver for seg."))
    periods = {plan.id: plan.period for plan in plans}
    query = (select(Call.id, Call.title, Call.fund, Call.year, Call.plan_id)
             .where(Call.published_at.is_not(None))  # a draft call is in no report
             .order_by(Call.year, Call.fund, Call.id))
    if plan_id is not None:
        query = query.where(Call.plan_id == plan_id)
    calls = [CallChoice(*row, plan_period=periods.get(row.plan_id, ""))
             for row in db.session.execute(query)]

    raw_years = args.getlist(YEAR_PARAM)
    years: list[int] = []
    if len(raw_years) > MAX_YEARS:
        raw_years = []
        messages.append(_("Filteret har for mange år. Alle år vises."))
    for text in raw_years:
        text = text[:MAX_PARAM].strip()
        if not text:
            continue
        year = _small_int(text, 4)
        if year is None or year < MIN_YEAR:
            messages.append(_("Året i filteret er ikke gyldig og er utelatt."))
        elif year not in years:
            years.append(year)

    fund = None
    raw_fund = _value(args, FUND_PARAM)
    if raw_fund:
        try:
            fund = Fund(raw_fund)
        except ValueError:
            messages.append(_("Fondet i filteret er ikke gyldig. Begge fond vises."))

    call_id = None
    raw_call = _value(args, CALL_PARAM)
    if raw_call:
        wanted = _small_int(raw_call, 9)
        if wanted in {call.id for call in calls}:
            call_id = wanted
        else:
            messages.append(_("Utlysningen i filteret hører ikke til planversjonen. "
                              "Alle utlysninger vises."))
    return Selection(plan_id=plan_id,
                     filter=CoverageFilter(years=tuple(sorted(years)) or None, fund=fund,
                                           call_id=call_id),
                     plans=plans, years=sorted({call.year for call in calls}), calls=calls,
                     messages=messages, unknown_plan=unknown_plan)


def inhabil_count(hidden: set[int], selection: Selection) -> int:
    """How many of ``hidden`` (the applications a reader is inhabil in) the report's
    totals would include."""
    return sum(inhabil_in_filter(hidden, plan_id, selection.filter)
               for plan_id in selection.plan_ids) if hidden else 0


@dataclass(frozen=True)
class ReportPart:
    """One plan version's report, its extras and its yearly evaluation: a part of the page
    and of each file."""

    report: CoverageReport
    extras: Extras | None = None
    evaluation: Evaluation | None = None
    #: This part of the coverage page as rendered (``fund.reports.views``), by language,
    #: layout and the links the reader's role adds: kept with a stored part, so it is made
    #: again when the data changes. Nothing in it is per reader beyond the key.
    pages: dict = field(default_factory=dict, compare=False, repr=False)


def report_part(plan_id: int, flt: CoverageFilter) -> ReportPart:
    """One plan version's report, extras and evaluation, computed now from the live rows
    (about twenty aggregate queries over the filtered calls' applications, which are
    computed once for them all: ``applications_once``)."""
    plan = db.session.get(PlanVersion, plan_id)
    with applications_once(plan_id, flt):
        return ReportPart(report=coverage(plan, flt), extras=extras(plan, flt),
                          evaluation=evaluation(plan, flt))


def report_parts(selection: Selection, live: bool = False) -> list[ReportPart]:
    """Each covered plan version's report, extras and evaluation, newest version first:
    as stored for this state of the data (``fund.reports.freshness``), or computed now
    (``live``, or when nothing is stored for it). Ask for it after the inhabil check."""
    parts = []
    for plan_id in selection.plan_ids:
        if live:
            parts.append(report_part(plan_id, selection.filter))
        else:
            parts.append(stored(("coverage", plan_id, selection.filter),
                                lambda plan_id=plan_id: report_part(plan_id, selection.filter),
                                at=state(selection.call_ids(plan_id))))
    return parts
