"""The plan-coverage report's query layer (issue 11, LAW.md §5): for one plan version and a
filter (years, fund, call), the figures per innsatsområde → strategy → measure and in
total, the gaps, the effects (expected against realised), and the funded projects.

Every figure comes from SQL aggregation over the caseworkers' *confirmed* measures
(``ConfirmedMeasure``), never the applicant's claims. A project linked to several measures
is counted once at every level: each level aggregates the distinct (node, application)
pairs of that level, never the level below, so the per-node figures are not additive.

The whole report is six queries, whatever the number of applications. HTML, PDF, CSV and
XLSX are all to be made from the dataclasses returned here, so they cannot disagree.

Delstrategier are prose lines on the strategy in the plan model (``Strategy.substrategies``)
and not linked to measures or applications, so there is no delstrategi level of figures:
each strategy node carries its delstrategier as text for the page."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from sqlalchemy import (
    Column,
    MetaData,
    Table,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    union_all,
)

from fund.applications.models import Application, ApplicationState
from fund.auth.models import Organisation
from fund.calls.models import Call, CallMeasure, Fund
from fund.decisions.models import Decision, DecisionKind
from fund.extensions import db
from fund.grants.models import (
    FinalReport,
    FinalReportState,
    Grant,
    GrantState,
    PaymentRequest,
    Repayment,
)
from fund.plan.models import Area, Measure, PlanVersion, Strategy
from fund.review.models import ConfirmedMeasure, Outcome

# --- What the report returns ---


@dataclass(frozen=True)
class CoverageFilter:
    """Which calls of the plan version the report covers; None means all."""

    years: tuple[int, ...] | None = None
    fund: Fund | None = None
    call_id: int | None = None


@dataclass(frozen=True)
class Figures:
    """The money and the counts of one node (or the total), each project counted once.

    ``received`` excludes withdrawn applications, which are counted in ``withdrawn`` only.
    ``grants`` are current decisions granting money (a lapsed grant is still a grant; its
    money is also in ``lapsed``); ``rejections`` are current avslag and avvisning.
    ``applied`` is over received applications, ``granted`` the current decisions' amounts,
    ``paid`` paid out less repaid, ``lapsed`` what lapsed grants gave back to the call."""

    received: int = 0
    withdrawn: int = 0
    grants: int = 0
    rejections: int = 0
    applied: int = 0
    granted: int = 0
    paid: int = 0
    lapsed: int = 0
    #: The sum of the budgets of the calls in the filter (the same for every node).
    budget: int = 0

    @property
    def budget_share(self) -> Decimal | None:
        """Granted as a share (0–1) of the calls' budgets; None without a budget."""
        if not self.budget:
            return None
        return Decimal(self.granted) / Decimal(self.budget)


@dataclass(frozen=True)
class ExpectedEffects:
    """What the funded projects' applications expect (funded: granted, not lapsed)."""

    projects: int = 0
    knowledge_jobs: int = 0
    other_jobs: int = 0
    co2e_tonnes: Decimal = Decimal("0")
    co2e_methods: tuple[str, ...] = ()
    education_partners: int = 0  #: projects with education partners
    international: int = 0  #: projects with international cooperation


@dataclass(frozen=True)
class RealisedEffects:
    """What the approved final reports say was realised."""

    reports: int = 0
    knowledge_jobs: int = 0
    other_jobs: int = 0
    co2e_tonnes: Decimal = Decimal("0")
    co2e_methods: tuple[str, ...] = ()
    education_partners: int = 0
    international: int = 0
    funding_innovasjon_norge: int = 0
    funding_forskningsradet: int = 0
    funding_eu: int = 0
    funding_other: int = 0


@dataclass(frozen=True)
class Effects:
    """Expected and realised, side by side; never added together."""

    expected: ExpectedEffects = field(default_factory=ExpectedEffects)
    realised: RealisedEffects = field(default_factory=RealisedEffects)


@dataclass(frozen=True)
class Project:
    """A granted project, for the lists under each measure and strategy."""

    application_id: int
    case_number: str
    title: str
    recipient: str
    orgnr: str
    amount: int  #: the current decision's amount
    #: The tilsagn's state; None while the letter (and so the tilsagn) is not yet sent.
    grant_state: GrantState | None
    #: The tilsagn, for the link to its staff page; None as ``grant_state``.
    grant_id: int | None = None

    @property
    def funded(self) -> bool:
        """It advances the plan: granted and not lapsed."""
        return self.grant_state != GrantState.LAPSED


@dataclass
class MeasureNode:
    id: int
    code: str
    text: str
    is_fund: bool
    #: Open to applicants in at least one of the filtered calls.
    open: bool
    figures: Figures
    effects: Effects
    projects: list[Project] = field(default_factory=list)

    @property
    def is_gap(self) -> bool:
        return self.open and not any(p.funded for p in self.projects)


@dataclass
class StrategyNode:
    id: int
    code: str
    title: str
    substrategies: list[str]
    figures: Figures
    effects: Effects
    measures: list[MeasureNode] = field(default_factory=list)
    #: Each granted project once, though it advance several of the strategy's measures.
    projects: list[Project] = field(default_factory=list)

    @property
    def is_gap(self) -> bool:
        return not any(p.funded for p in self.projects)


@dataclass
class AreaNode:
    id: int
    code: str
    title: str
    figures: Figures
    effects: Effects
    strategies: list[StrategyNode] = field(default_factory=list)


@dataclass(frozen=True)
class CallInfo:
    id: int
    title: str
    fund: Fund
    year: int
    budget: int


@dataclass
class CoverageReport:
    plan_id: int
    plan_period: str
    plan_title: str
    filter: CoverageFilter
    calls: list[CallInfo]
    areas: list[AreaNode]
    #: Every project with a confirmed measure of the plan, counted once.
    total: Figures
    total_effects: Effects
    #: Every received application of the filtered calls, with a confirmed measure or not.
    all_applications: Figures
    #: Every granted project with a confirmed measure, once, in case-number order.
    projects: list[Project]

    @property
    def budget(self) -> int:
        return sum(call.budget for call in self.calls)

    @property
    def strategies(self) -> list[StrategyNode]:
        return [strategy for area in self.areas for strategy in area.strategies]

    @property
    def measures(self) -> list[MeasureNode]:
        return [measure for strategy in self.strategies for measure in strategy.measures]

    @property
    def gap_measures(self) -> list[MeasureNode]:
        """Measures open to applicants in the filtered calls that no funded project
        advances."""
        return [measure for measure in self.measures if measure.is_gap]

    @property
    def gap_strategies(self) -> list[StrategyNode]:
        """Strategies that no funded project advances."""
        return [strategy for strategy in self.strategies if strategy.is_gap]


# --- The queries ---

#: Level tags in the union of (level, node, application) pairs.
_ALL, _TOTAL, _AREA, _STRATEGY, _MEASURE = -1, 0, 1, 2, 3


def _one(condition):
    return case((condition, 1), else_=0)


def _calls(plan_id: int, flt: CoverageFilter):
    query = select(Call.id).where(Call.plan_id == plan_id, Call.published_at.is_not(None))
    if flt.years is not None:
        query = query.where(Call.year.in_(flt.years))
    if flt.fund is not None:
        query = query.where(Call.fund == flt.fund)
    if flt.call_id is not None:
        query = query.where(Call.id == flt.call_id)
    return query


def _applications(plan_id: int, flt: CoverageFilter):
    """One row per received or withdrawn application of the filtered calls, with its
    flags (1/0) and money as the report counts them: read from the rows ``applications_once``
    keeps for this selection, else computed in the statement."""
    kept = _kept.get()
    if kept is not None and kept[0] == (plan_id, flt):
        return select(kept[1]).subquery("report_applications")
    return _applications_query(plan_id, flt)


#: The selection whose applications ``applications_once`` keeps, and the table they are in.
_kept: ContextVar[tuple[tuple[int, CoverageFilter], Table] | None] = ContextVar(
    "report_applications_kept", default=None)


@cache
def _kept_table() -> Table:
    """A temporary table shaped as ``_applications_query``'s rows (one name: a temporary
    table is the connection's own, and one block fills it at a time)."""
    return Table("report_applications_kept", MetaData(),
                 *(Column(column.name, column.type)
                   for column in _applications_query(0, CoverageFilter()).c),
                 prefixes=["TEMPORARY"])


@contextmanager
def applications_once(plan_id: int, flt: CoverageFilter) -> Iterator[None]:
    """Within the block, the report's statements for this selection read its applications
    from a temporary table filled once, instead of each computing them again (joins over
    decisions, grants and payments: about 40 ms a statement at 100,000 applications, in
    some twenty statements; issue 14). The table is the transaction's connection's own,
    and dropped after the block; a failed block's rollback drops it too."""
    if _kept.get() is not None:
        raise RuntimeError("applications_once is already active")
    table, query = _kept_table(), _applications_query(plan_id, flt)
    connection = db.session.connection()
    table.drop(connection, checkfirst=True)  # left by a block that failed after a commit
    table.create(connection)
    connection.execute(table.insert().from_select(list(query.c.keys()), query.element))
    token = _kept.set(((plan_id, flt), table))
    try:
        yield
    finally:
        _kept.reset(token)
    table.drop(connection)


def _applications_query(plan_id: int, flt: CoverageFilter):
    """``_applications`` as one subquery over the live rows."""
    paid = (select(PaymentRequest.grant_id, func.sum(PaymentRequest.amount_paid).label("paid"))
            .group_by(PaymentRequest.grant_id).subquery())
    repaid = (select(Repayment.grant_id, func.sum(Repayment.amount).label("repaid"))
              .group_by(Repayment.grant_id).subquery())
    # never NULL (an undecided application has no decision row)
    withdrawn = or_(Application.state == ApplicationState.WITHDRAWN,
                    and_(Decision.id.is_not(None), Decision.outcome == Outcome.WITHDRAWN))
    is_grant = and_(Decision.outcome.in_([Outcome.GRANTED, Outcome.PARTLY_GRANTED]),
                    Decision.kind.in_([DecisionKind.ALLOCATION, DecisionKind.RECOVERY]),
                    Decision.amount > 0)
    lapsed = and_(is_grant, Grant.state == GrantState.LAPSED)
    funded = and_(is_grant, or_(Grant.id.is_(None), Grant.state != GrantState.LAPSED))
    return (
        select(
            Application.id.label("id"),
            # for the statements that group by call year or organisation: no join back
            Application.call_id.label("call_id"),
            Application.organisation_id.label("organisation_id"),
            _one(~withdrawn).label("received"),
            _one(withdrawn).label("withdrawn"),
            _one(is_grant).label("is_grant"),
            _one(and_(Decision.outcome.in_([Outcome.REJECTED, Outcome.DISMISSED]),
                      Decision.kind == DecisionKind.ALLOCATION)).label("rejection"),
            _one(funded).label("funded"),
            case((~withdrawn, func.coalesce(Application.amount_applied, 0)), else_=0)
            .label("applied"),
            case((is_grant, Decision.amount), else_=0).label("granted"),
            (func.coalesce(paid.c.paid, 0) - func.coalesce(repaid.c.repaid, 0)).label("paid"),
            case((lapsed, Decision.returned_amount), else_=0).label("lapsed"),
            # expected effects, of funded projects only
            case((funded, func.coalesce(Application.knowledge_jobs, 0)), else_=0)
            .label("exp_knowledge_jobs"),
            case((funded, func.coalesce(Application.other_jobs, 0)), else_=0)
            .label("exp_other_jobs"),
            case((funded, Application.co2e_cut_tonnes), else_=None).label("exp_co2e"),
            case((funded, Application.co2e_method), else_="").label("exp_method"),
            _one(and_(funded, Application.has_education_partners)).label("exp_education"),
            _one(and_(funded, Application.has_international_cooperation))
            .label("exp_international"),
            # realised effects, from the approved final report (joined on its state)
            _one(FinalReport.id.is_not(None)).label("has_report"),
            func.coalesce(FinalReport.knowledge_jobs, 0).label("real_knowledge_jobs"),
            func.coalesce(FinalReport.other_jobs, 0).label("real_other_jobs"),
            FinalReport.co2e_tonnes.label("real_co2e"),
            func.coalesce(FinalReport.co2e_method, "").label("real_method"),
            _one(FinalReport.has_education_partners.is_(True)).label("real_education"),
            _one(FinalReport.has_international_cooperation.is_(True))
            .label("real_international"),
            func.coalesce(FinalReport.funding_innovasjon_norge, 0).label("real_in"),
            func.coalesce(FinalReport.funding_forskningsradet, 0).label("real_nfr"),
            func.coalesce(FinalReport.funding_eu, 0).label("real_eu"),
            func.coalesce(FinalReport.funding_other, 0).label("real_other"),
        )
        .outerjoin(Decision, and_(Decision.application_id == Application.id,
                                  Decision.replaced_at.is_(None)))
        .outerjoin(Grant, Grant.application_id == Application.id)
        .outerjoin(paid, paid.c.grant_id == Grant.id)
        .outerjoin(repaid, repaid.c.grant_id == Grant.id)
        .outerjoin(FinalReport, and_(FinalReport.grant_id == Grant.id,
                                     FinalReport.state == FinalReportState.APPROVED))
        .where(Application.call_id.in_(_calls(plan_id, flt)),
               Application.case_number.is_not(None))
        .subquery("report_applications"))


def _levels(plan_id: int, flt: CoverageFilter):
    """The filtered applications and their confirmed measures with each measure's
    strategy and area, as CTEs: the database computes each once per statement, and the
    filter applies before any DISTINCT."""
    apps = _applications(plan_id, flt).element.cte("report_applications")
    confirmed = (select(ConfirmedMeasure.application_id, ConfirmedMeasure.measure_id,
                        Measure.strategy_id, Strategy.area_id)
                 .join(apps, apps.c.id == ConfirmedMeasure.application_id)
                 .join(Measure, Measure.id == ConfirmedMeasure.measure_id)
                 .join(Strategy, Strategy.id == Measure.strategy_id)
                 .join(Area, Area.id == Strategy.area_id)
                 .where(Area.plan_id == plan_id).cte("confirmed"))
    return apps, confirmed


def _figures_query(plan_id: int, flt: CoverageFilter):
    """(level, node, sums…) per node of every level. Each level aggregates its own
    distinct (node, application) pairs, so a project with three measures in two areas is
    counted once per measure, once per area and once in the total; each GROUP BY sorts
    only its own level's rows."""
    apps, confirmed = _levels(plan_id, flt)
    a, c = apps.c, confirmed.c
    sums = (func.sum(a.received), func.sum(a.withdrawn), func.sum(a.is_grant),
            func.sum(a.rejection), func.sum(a.applied), func.sum(a.granted), func.sum(a.paid),
            func.sum(a.lapsed), func.sum(a.funded), func.sum(a.exp_knowledge_jobs),
            func.sum(a.exp_other_jobs), func.sum(a.exp_co2e), func.sum(a.exp_education),
            func.sum(a.exp_international), func.sum(a.has_report),
            func.sum(a.real_knowledge_jobs), func.sum(a.real_other_jobs),
            func.sum(a.real_co2e), func.sum(a.real_education), func.sum(a.real_international),
            func.sum(a.real_in), func.sum(a.real_nfr), func.sum(a.real_eu),
            func.sum(a.real_other))

    def level(tag, node):
        pairs = select(node.label("node"), c.application_id)
        # (application, measure) is the primary key: a measure's pairs are distinct
        pairs = (pairs if tag == _MEASURE else pairs.distinct()).subquery()
        return (select(literal_column(str(tag)).label("level"), pairs.c.node, *sums)
                .join(apps, a.id == pairs.c.application_id).group_by(pairs.c.node))

    return union_all(
        level(_MEASURE, c.measure_id), level(_STRATEGY, c.strategy_id),
        level(_AREA, c.area_id),
        select(literal_column(str(_TOTAL)), literal_column("0"), *sums)
        .where(a.id.in_(select(c.application_id))),
        select(literal_column(str(_ALL)), literal_column("0"), *sums).select_from(apps))


def _methods_query(plan_id: int, flt: CoverageFilter):
    """(level, node, expected method, realised method), each combination once."""
    apps, confirmed = _levels(plan_id, flt)
    a, c = apps.c, confirmed.c

    def level(tag, node):
        return (select(literal_column(str(tag)).label("level"), node.label("node"),
                       a.exp_method, a.real_method).distinct()
                .select_from(confirmed).join(apps, a.id == c.application_id)
                .where(or_(a.exp_method != "", a.real_method != "")))

    return union_all(level(_MEASURE, c.measure_id), level(_STRATEGY, c.strategy_id),
                     level(_AREA, c.area_id), level(_TOTAL, literal_column("0")))


def _open_measures(plan_id: int, flt: CoverageFilter) -> set[int]:
    """Measures open to applicants in at least one filtered call: the call's own choice,
    else the plan's; the fund's own measures never are."""
    is_open = and_(~Measure.is_fund, func.coalesce(CallMeasure.open, Measure.open_to_applicants))
    return set(db.session.execute(
        select(Measure.id).distinct()
        .join(Strategy, Strategy.id == Measure.strategy_id)
        .join(Area, Area.id == Strategy.area_id)
        .join(Call, Call.plan_id == Area.plan_id)
        .outerjoin(CallMeasure, and_(CallMeasure.measure_id == Measure.id,
                                     CallMeasure.call_id == Call.id))
        .where(Area.plan_id == plan_id, Call.id.in_(_calls(plan_id, flt)), is_open)).scalars())


def _int(value) -> int:
    return int(value or 0)


def _decimal(value) -> Decimal:
    return Decimal(value) if value is not None else Decimal("0")


def coverage(plan: PlanVersion, flt: CoverageFilter | None = None) -> CoverageReport:
    """The plan-coverage report of ``plan`` for the calls in ``flt``."""
    flt = flt or CoverageFilter()
    calls = [CallInfo(id=row.id, title=row.title, fund=row.fund, year=row.year,
                      budget=row.budget)
             for row in db.session.execute(
                 select(Call.id, Call.title, Call.fund, Call.year, Call.budget)
                 .where(Call.id.in_(_calls(plan.id, flt)))
                 .order_by(Call.year, Call.fund, Call.id))]
    budget = sum(call.budget for call in calls)

    apps = _applications(plan.id, flt)
    figures: dict[tuple[int, int], Figures] = {}
    counts: dict[tuple[int, int], tuple] = {}
    for row in db.session.execute(_figures_query(plan.id, flt)):
        level, node, *v = row
        key = (int(level), int(node))
        figures[key] = Figures(*(_int(x) for x in v[:8]), budget=budget)
        counts[key] = tuple(v[8:])
    methods: dict[tuple[int, int], tuple[set[str], set[str]]] = {}
    for level, node, expected, realised in db.session.execute(_methods_query(plan.id, flt)):
        found = methods.setdefault((int(level), int(node)), (set(), set()))
        if expected:
            found[0].add(expected)
        if realised:
            found[1].add(realised)

    def figures_of(key) -> Figures:
        return figures.get(key, Figures(budget=budget))

    def effects_of(key) -> Effects:
        if key not in counts:
            return Effects()
        (funded, k_jobs, o_jobs, co2e, education, international, reports, r_k_jobs, r_o_jobs,
         r_co2e, r_education, r_international, r_in, r_nfr, r_eu, r_other) = counts[key]
        expected_methods, realised_methods = methods.get(key, (set(), set()))
        return Effects(
            expected=ExpectedEffects(
                projects=_int(funded), knowledge_jobs=_int(k_jobs), other_jobs=_int(o_jobs),
                co2e_tonnes=_decimal(co2e), co2e_methods=tuple(sorted(expected_methods)),
                education_partners=_int(education), international=_int(international)),
            realised=RealisedEffects(
                reports=_int(reports), knowledge_jobs=_int(r_k_jobs),
                other_jobs=_int(r_o_jobs), co2e_tonnes=_decimal(r_co2e),
                co2e_methods=tuple(sorted(realised_methods)),
                education_partners=_int(r_education), international=_int(r_international),
                funding_innovasjon_norge=_int(r_in), funding_forskningsradet=_int(r_nfr),
                funding_eu=_int(r_eu), funding_other=_int(r_other)))

    # The granted projects, per confirmed measure (lists, not figures).
    by_measure: dict[int, list[Project]] = {}
    projects: dict[int, Project] = {}
    for row in db.session.execute(
            select(ConfirmedMeasure.measure_id, Application.id, Application.case_number,
                   Application.title, Organisation.name, Organisation.orgnr,
                   apps.c.granted, Grant.state, Grant.id)
            .join(apps, apps.c.id == ConfirmedMeasure.application_id)
            .join(Application, Application.id == ConfirmedMeasure.application_id)
            .join(Organisation, Organisation.id == Application.organisation_id)
            .outerjoin(Grant, Grant.application_id == Application.id)
            .where(apps.c.is_grant == 1)
            .order_by(Application.case_number, ConfirmedMeasure.measure_id)):
        project = projects.setdefault(row[1], Project(
            application_id=row[1], case_number=row[2], title=row[3], recipient=row[4],
            orgnr=row[5], amount=_int(row[6]), grant_state=row[7],
            grant_id=row[8]))
        by_measure.setdefault(row[0], []).append(project)

    open_measures = _open_measures(plan.id, flt)
    areas: list[AreaNode] = []
    strategies: dict[int, StrategyNode] = {}
    for area_id, area_code, area_title, strategy_id, strategy_code, strategy_title, \
            substrategies, measure_id, measure_code, measure_text, is_fund in db.session.execute(
            select(Area.id, Area.code, Area.title, Strategy.id, Strategy.code, Strategy.title,
                   Strategy.substrategies_text, Measure.id, Measure.code, Measure.text,
                   Measure.is_fund)
            .outerjoin(Strategy, Strategy.area_id == Area.id)
            .outerjoin(Measure, Measure.strategy_id == Strategy.id)
            .where(Area.plan_id == plan.id)
            .order_by(Area.position, Strategy.position, Measure.position)):
        if not areas or areas[-1].id != area_id:
            areas.append(AreaNode(id=area_id, code=area_code, title=area_title,
                                  figures=figures_of((_AREA, area_id)),
                                  effects=effects_of((_AREA, area_id))))
        if strategy_id is None:
            continue
        if strategy_id not in strategies:
            strategies[strategy_id] = StrategyNode(
                id=strategy_id, code=strategy_code, title=strategy_title,
                substrategies=[line for line in (substrategies or "").split("\n") if line],
                figures=figures_of((_STRATEGY, strategy_id)),
                effects=effects_of((_STRATEGY, strategy_id)))
            areas[-1].strategies.append(strategies[strategy_id])
        if measure_id is None:
            continue
        strategy = strategies[strategy_id]
        measure = MeasureNode(
            id=measure_id, code=measure_code, text=measure_text, is_fund=is_fund,
            open=measure_id in open_measures, figures=figures_of((_MEASURE, measure_id)),
            effects=effects_of((_MEASURE, measure_id)),
            projects=by_measure.get(measure_id, []))
        strategy.measures.append(measure)
    for strategy in strategies.values():
        once = {p.application_id: p for m in strategy.measures for p in m.projects}
        strategy.projects = sorted(once.values(), key=lambda p: p.case_number)

    return CoverageReport(
        plan_id=plan.id, plan_period=plan.period, plan_title=plan.title, filter=flt,
        calls=calls, areas=areas, total=figures_of((_TOTAL, 0)),
        total_effects=effects_of((_TOTAL, 0)), all_applications=figures_of((_ALL, 0)),
        projects=sorted(projects.values(), key=lambda p: p.case_number))


def inhabil_in_filter(hidden: set[int], plan_id: int, flt: CoverageFilter) -> int:
    """How many of ``hidden`` (the applications a reader is inhabil in) belong to the calls
    the filter covers. The report's totals would include them, so the reader is refused
    the figures for that selection when this is not 0."""
    if not hidden:
        return 0
    return db.session.execute(
        select(func.count(Application.id)).where(
            Application.id.in_(hidden), Application.call_id.in_(_calls(plan_id, flt)))
    ).scalar_one()
