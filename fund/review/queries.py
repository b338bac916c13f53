"""Queries of case handling: the queue of received applications, the case page, what a
reader is inhabil in, their own assessments, and the ranking they may see (live, or
frozen once the review is closed)."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache, lru_cache

from sqlalchemy import (
    Integer,
    String,
    bindparam,
    case,
    func,
    literal,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload, selectinload

from fund.applications.diff import Change
from fund.applications.diff import changes as snapshot_changes
from fund.applications.models import (
    Application,
    ApplicationMeasure,
    ApplicationState,
    EligibilityWarning,
    InfoRequest,
    Submission,
    application_strategies,
)
from fund.applications.permissions import STAFF_VISIBLE
from fund.applications.queries import history as application_history
from fund.audit.models import AuditEvent
from fund.auth.models import Membership, Organisation, User
from fund.calls.models import Call, Criterion
from fund.core.sql import among
from fund.extensions import db
from fund.plan.models import Area, Measure, PlanVersion, Strategy
from fund.review import scoring
from fund.review.forms import QueueFilters
from fund.review.models import (
    AccessRequest,
    Assessment,
    AssessmentState,
    Assignment,
    ConfirmedMeasure,
    ConflictDeclaration,
    FrozenRanking,
    Innstilling,
    InternalNote,
    Proposal,
    ReviewSettings,
    assessment_counts,
)
from fund.review.permissions import (
    CASE_HANDLERS,
    is_disqualified,
    is_received,
    sees_others_assessments,
    sees_others_given,
)
from fund.review.ranking import (
    ProposalLine,
    RankingResult,
    for_reader,
    frozen,
    ranking,
    suggest,
)
from fund.review.settings import settings_for


@cache
def _hidden_statement(of_call: bool):
    """The ids of received applications (of the call bound as ``call``, or of every call)
    the user bound as ``reader`` is inhabil in (the SQL twin of
    ``permissions.is_disqualified``): declared disqualified, or a member of the applying
    organisation. Built once: the check runs on every staff page, and building and keying
    the statement cost more than running it (issue 14)."""
    received = (Application.state.in_(STAFF_VISIBLE),) + (
        (Application.call_id == bindparam("call"),) if of_call else ())
    reader = bindparam("reader")
    declared = select(ConflictDeclaration.application_id).join(Application).where(
        ConflictDeclaration.caseworker_id == reader,
        ConflictDeclaration.disqualified.is_(True), *received)
    member = select(Application.id).join(
        Membership, Membership.organisation_id == Application.organisation_id).where(
        Membership.user_id == reader, *received)
    return declared.union(member)


def hidden_application_ids(user: User, call: Call | None = None) -> set[int]:
    """The received applications (of ``call``, or of every call) the user is inhabil in:
    they do not exist for them."""
    params = {"reader": user.id} if call is None else {"reader": user.id, "call": call.id}
    return set(db.session.execute(_hidden_statement(call is not None), params).scalars())


def declaration_of(user: User, application_id: int) -> ConflictDeclaration | None:
    return db.session.execute(select(ConflictDeclaration).where(
        ConflictDeclaration.application_id == application_id,
        ConflictDeclaration.caseworker_id == user.id)).scalar_one_or_none()


def application_for_case(application_id: int) -> Application | None:
    """A received application with what the case pages show; None if there is none."""
    application = db.session.execute(
        select(Application).where(Application.id == application_id).options(
            selectinload(Application.organisation).selectinload(Organisation.memberships),
            selectinload(Application.call).selectinload(Call.criteria)
            .selectinload(Criterion.goals),
            selectinload(Application.call).selectinload(Call.plan)
            .selectinload(PlanVersion.areas).selectinload(Area.strategies)
            .selectinload(Strategy.measures),
            selectinload(Application.measures).selectinload(ApplicationMeasure.measure),
            selectinload(Application.attachments),
            selectinload(Application.submissions).selectinload(Submission.warnings),
            selectinload(Application.info_requests).selectinload(InfoRequest.requested_by),
        )).scalar_one_or_none()
    return application if application is not None and is_received(application) else None


def find_assessment(application: Application, user: User) -> Assessment | None:
    return db.session.execute(select(Assessment).where(
        Assessment.application_id == application.id,
        Assessment.caseworker_id == user.id)).scalar_one_or_none()


def call_for_review(call_id: int) -> Call | None:
    return db.session.execute(select(Call).where(Call.id == call_id).options(
        selectinload(Call.criteria), selectinload(Call.plan))).scalar_one_or_none()


# The queue -------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueRow:
    """One application as a row of the queue shows it: only the columns it prints."""

    id: int
    case_number: str
    submitted_at: datetime | None
    title: str
    state: ApplicationState
    amount_applied: int | None
    #: How many eligibility rules the last submission broke (stored by ``submit``).
    eligibility_failures: int | None
    call_title: str
    organisation_name: str
    organisation_verified: bool
    #: The codes of the strategies the application names, in order.
    strategies: tuple[str, ...] = ()


@dataclass(frozen=True)
class StrategyChoice:
    """A strategy the «Strategi» filter offers, with its plan."""

    code: str
    title: str
    plan_id: int
    period: str


@dataclass
class CaseQueue:
    """One page of the queue of received applications, as one case handler sees it."""

    filters: QueueFilters
    rows: list[QueueRow]
    has_next: bool
    calls: list[Call]
    call: Call | None
    strategies: list[StrategyChoice]
    caseworkers: list[User]
    #: The ids of the shown applications the reader has declared on (habil or not).
    declared: set[int]
    #: The reader's own assessments of the shown applications: completed or not, by id.
    mine: dict[int, bool]
    assigned: dict[int, list[str]]
    #: The messages of the eligibility rules each shown application broke when it was last
    #: submitted (as stored then), by application id.
    warnings: dict[int, list[str]]
    #: Matching applications left out because the reader is inhabil in them.
    hidden: int = 0
    #: Shown applications that lack a caseworker since theirs became inhabil (§ 9).
    vacant: set[int] = field(default_factory=set)
    #: For each case handler who is inhabil in some of the shown applications, their case
    #: numbers (they cannot be assigned those).
    inhabil: dict[int, list[str]] = field(default_factory=dict)

    @property
    def page(self) -> int:
        return self.filters.page

    def next_page(self, args: dict) -> dict:
        """The address arguments of «Neste side»: ``args`` with the next page, which starts
        right after this page's last row."""
        return {**args, "side": self.page + 1, "etter": self.rows[-1].id, "foran": None}

    def previous_page(self, args: dict) -> dict:
        """The address arguments of «Forrige side»: the page that ends right before this
        page's first row (page 1 by its number, and past the end by the number)."""
        before = self.rows[0].id if self.rows and self.page > 2 else None
        return {**args, "side": self.page - 1, "etter": None, "foran": before}


def _queue_query(filters: QueueFilters):
    """The ids of the applications ``filters`` asks for, before the reader's inhabilities,
    with every value a bound parameter (``_queue_values``): one statement for each
    combination of filters used, built once. Received means a case number: the table's
    check constraint gives one to every application that has left the draft state
    (``STAFF_VISIBLE``) and to no other, and the queue's partial indexes are on exactly
    that, so the plans can walk them in order."""
    query = select(Application.id).where(Application.case_number.is_not(None))
    if filters.status:
        query = query.where(Application.state == bindparam("status", type_=Application.state.type))
    if filters.call_id:
        query = query.where(Application.call_id == bindparam("call"))
    if filters.fund:
        query = query.where(Application.call_id.in_(
            select(Call.id).where(Call.fund == bindparam("fund", type_=Call.fund.type))))
    if filters.strategy:
        query = query.where(Application.id.in_(
            select(application_strategies.c.application_id).where(
                application_strategies.c.strategy_id.in_(
                    bindparam("strategies", expanding=True)))))
        if filters.strategy.rpartition(":")[0]:  # a period («2022-2024:1B»)
            query = query.where(Application.call_id.in_(
                select(Call.id).join(Call.plan).where(PlanVersion.period == bindparam(
                    "period", type_=PlanVersion.period.type))))
    if filters.measure:
        query = query.where(Application.id.in_(
            select(ApplicationMeasure.application_id).where(
                ApplicationMeasure.measure_id.in_(bindparam("measures", expanding=True)))))
    reader = bindparam("reader", type_=Integer)
    if filters.mine:
        query = query.where(select(Assignment.id).where(
            Assignment.application_id == Application.id,
            Assignment.caseworker_id == reader).exists())
    if filters.unassessed:
        query = query.where(~select(Assessment.id).where(
            Assessment.application_id == Application.id,
            Assessment.caseworker_id == reader,
            Assessment.state == AssessmentState.COMPLETED).exists())
    if filters.failing:
        query = query.where(Application.eligibility_failures > 0)
    return query


def _queue_values(filters: QueueFilters, user: User, hidden: list[int]) -> dict:
    """The values ``_queue_query``'s statements bind: the strategies' and measures' ids are
    read first (a few rows of the plan), so that the database plans the link table's
    lookup on its statistics of those very ids (a code nobody chose is found empty at
    once, not by walking every received application)."""
    values = {"reader": user.id, "hidden": hidden}
    if filters.status:
        values["status"] = ApplicationState(filters.status)
    if filters.call_id:
        values["call"] = filters.call_id
    if filters.fund:
        values["fund"] = filters.fund
    if filters.strategy:
        # «1B», or «2022-2024:1B» when the filter offers strategies of several plans
        period, _sep, code = filters.strategy.rpartition(":")
        values["strategies"] = list(db.session.execute(
            select(Strategy.id).where(Strategy.code == code)).scalars())
        values["period"] = period
    if filters.measure:
        values["measures"] = list(db.session.execute(
            select(Measure.id).where(filters.measure_matches(Measure.code))).scalars())
    return values


def _shape(filters: QueueFilters) -> QueueFilters:
    """What ``_queue_query``'s statement depends on: which filters are set and how the
    page is found, without their values."""
    strategy = filters.strategy and ("x:x" if filters.strategy.rpartition(":")[0] else "x")
    return QueueFilters(
        status="x" if filters.status else None, call_id=1 if filters.call_id else None,
        fund=filters.fund, strategy=strategy, measure="x" if filters.measure else None,
        mine=filters.mine, unassessed=filters.unassessed, failing=filters.failing,
        sort=filters.sort, after=1 if filters.after else None,
        before=1 if filters.before else None)


@lru_cache(maxsize=256)
def _queue_statements(shape: QueueFilters) -> tuple:
    """For one shape of filters (``_shape``): the count of the matching applications the
    reader is inhabil in, the page by its number (``skip``, ``size``), and the page from a
    row (``row``; None without one), with its order."""
    matching = _queue_query(shape)
    hidden = bindparam("hidden", expanding=True)
    count = matching.where(Application.id.in_(hidden)).with_only_columns(func.count())
    visible = matching.where(Application.id.not_in(hidden))
    by_number = _rows(visible.order_by(*shape.order_by).offset(bindparam("skip"))
                      .limit(bindparam("size")), shape.order_by)
    from_row = None
    if shape.after or shape.before:
        query, order = _from_row(visible, shape, hidden)
        from_row = _rows(query.limit(bindparam("size")), order)
    return count, by_number, from_row


def case_queue(filters: QueueFilters, user: User, assigning: bool = True) -> CaseQueue:
    """The page of the queue ``filters`` asks for (``filters.page``), without the
    applications ``user`` is inhabil in. A constant number of statements, each bounded by
    the page: the page's ids come from an index in the sort's order (a deep page skips
    index entries, not rows), then only the columns the rows print. ``assigning``: with
    the case handlers to assign to and what each is inhabil in (for a reader who assigns
    others)."""
    # the few the reader is inhabil in, as values: the plans then count them from the
    # index instead of guessing how many a membership could hide
    hidden = sorted(hidden_application_ids(user))
    values = _queue_values(filters, user, hidden)
    count, by_number, from_row = _queue_statements(_shape(filters))
    hidden_count = db.session.execute(count, values).scalar_one() if hidden else 0
    found, has_next = _page_rows(by_number, from_row, filters, values)
    ids = [row[0] for row in found]
    facts = _row_facts(ids, user)
    rows = [QueueRow(*row, strategies=tuple(sorted(facts.strategies.get(row[0], ()))))
            for row in found]
    calls = db.session.execute(_published_calls()).scalars().all()
    call = next((c for c in calls if c.id == filters.call_id), None)
    caseworkers = db.session.execute(select(User).where(
        User.role.in_(CASE_HANDLERS), User.active.is_(True)).order_by(User.name)
    ).scalars().all() if assigning else []
    return CaseQueue(
        inhabil=_inhabil_among(rows, [u.id for u in caseworkers]) if assigning else {},
        filters=filters, rows=rows, has_next=has_next, calls=calls, call=call,
        strategies=_strategies(call), caseworkers=caseworkers, declared=facts.declared,
        mine=facts.mine, assigned=facts.assigned,
        warnings=facts.warnings, hidden=hidden_count, vacant=facts.vacant)


@cache
def _published_calls():
    """The calls the «Utlysning» filter offers, newest first (a statement built once)."""
    return select(Call).where(Call.published_at.is_not(None)).order_by(Call.opens_at.desc())


def _page_rows(by_number, from_row, filters: QueueFilters, values: dict
               ) -> tuple[list, bool]:
    """The page's rows, and whether a page follows. From a row (``after``/``before``, the
    links' keyset) when the reader can see that row; else by its number, skipping the
    pages before it."""
    size = filters.page_size
    if from_row is not None:
        found = db.session.execute(from_row, {
            **values, "row": filters.after or filters.before, "size": size + 1}).all()
        if found:
            if filters.before:
                return found[:size][::-1], True
            return found[:size], len(found) > size
        # a row the reader cannot see (or no longer in the order): the page by its number
    found = db.session.execute(by_number, {
        **values, "skip": (filters.page - 1) * size, "size": size + 1}).all()
    return found[:size], len(found) > size


def _from_row(visible, filters: QueueFilters, hidden) -> tuple:
    """``visible``, and its order, from right after the bound ``row`` in the sort's
    order, or backwards from right before it (``filters.before``). The row is read only
    among the applications the reader may see, so it tells nothing of one they are
    inhabil in, or of a draft."""
    columns, descending = filters.sort_keys
    row = aliased(Application)
    at = select(*(getattr(row, c.key) for c in columns)).where(
        row.id == bindparam("row", type_=Integer), row.case_number.is_not(None),
        row.id.not_in(hidden)).scalar_subquery()
    forwards = filters.after is not None
    keys = tuple_(*columns)
    if forwards == descending:
        query = visible.where(keys < at)
    else:
        query = visible.where(keys > at)
    order = filters.order_by if forwards else tuple(
        c.asc() if descending else c.desc() for c in columns)
    return query.order_by(*order), order


def _rows(page_ids, order):
    """The columns the queue's rows print, for the ids ``page_ids`` selects, in ``order``."""
    return (select(Application.id, Application.case_number, Application.submitted_at,
                   Application.title, Application.state, Application.amount_applied,
                   Application.eligibility_failures, Call.title, Organisation.name,
                   Organisation.verified_at.is_not(None))
            .join(Call, Call.id == Application.call_id)
            .join(Organisation, Organisation.id == Application.organisation_id)
            .where(Application.id.in_(page_ids.scalar_subquery()))
            .order_by(*order))


@dataclass
class _RowFacts:
    strategies: dict[int, list[str]] = field(default_factory=dict)
    declared: set[int] = field(default_factory=set)
    mine: dict[int, bool] = field(default_factory=dict)
    assigned: dict[int, list[str]] = field(default_factory=dict)
    vacant: set[int] = field(default_factory=set)
    warnings: dict[int, list[str]] = field(default_factory=dict)


def _row_facts(ids: list[int], user: User) -> _RowFacts:
    """What the queue's rows print besides their own columns, in one statement (issue 14:
    six round trips, each with its list of ids, were a fifth of the page): each row's
    strategy codes, whether the reader has declared on it and the state of their
    assessment, the names of the case handlers assigned (in the order assigned), whether
    it lacks a caseworker since theirs became inhabil (``vacated_by``, § 9), and the
    eligibility warnings its last submission stored (the ones ``eligibility_failures``
    counts), in their order."""
    facts = _RowFacts()
    found = db.session.execute(_row_facts_statement(), {"ids": ids, "reader": user.id}).all()
    assigned: dict[int, list[tuple[int, str]]] = {}
    warnings: dict[int, list[tuple[int, str]]] = {}
    for kind, application_id, text, order in found:
        if kind == _STRATEGY:
            facts.strategies.setdefault(application_id, []).append(text)
        elif kind == _DECLARED:
            facts.declared.add(application_id)
        elif kind == _MINE:
            facts.mine[application_id] = text == "1"
        elif kind == _ASSIGNED:
            assigned.setdefault(application_id, []).append((order, text))
        elif kind == _WARNING:
            warnings.setdefault(application_id, []).append((order, text))
        else:
            facts.vacant.add(application_id)
    facts.assigned = {key: [text for _order, text in sorted(names)]
                      for key, names in assigned.items()}
    facts.warnings = {key: [text for _order, text in sorted(messages)]
                      for key, messages in warnings.items()}
    return facts


_STRATEGY, _DECLARED, _MINE, _ASSIGNED, _VACANT, _WARNING = range(6)


@cache
def _row_facts_statement():
    """``_row_facts``'s statement, built once: the page's ids are one bound value
    (``among``), the reader another."""
    nothing, zero, reader = literal("", String), literal(0, Integer), bindparam("reader")
    last = aliased(Submission)
    return union_all(
        select(literal(_STRATEGY, Integer), application_strategies.c.application_id,
               Strategy.code, zero)
        .join(Strategy, Strategy.id == application_strategies.c.strategy_id)
        .where(among(application_strategies.c.application_id)),
        select(literal(_DECLARED, Integer), ConflictDeclaration.application_id, nothing, zero)
        .where(ConflictDeclaration.caseworker_id == reader,
               among(ConflictDeclaration.application_id)),
        select(literal(_MINE, Integer), Assessment.application_id,
               case((Assessment.state == AssessmentState.COMPLETED, "1"), else_="0"), zero)
        .where(Assessment.caseworker_id == reader, among(Assessment.application_id)),
        select(literal(_ASSIGNED, Integer), Assignment.application_id, User.name,
               Assignment.id)
        .join(User, User.id == Assignment.caseworker_id)
        .where(among(Assignment.application_id)),
        select(literal(_VACANT, Integer), ConflictDeclaration.application_id, nothing, zero)
        .where(among(ConflictDeclaration.application_id), *_vacated()),
        select(literal(_WARNING, Integer), Submission.application_id,
               EligibilityWarning.message, EligibilityWarning.id)
        .join(EligibilityWarning, EligibilityWarning.submission_id == Submission.id)
        .where(among(Submission.application_id), Submission.number == (
            select(func.max(last.number)).where(
                last.application_id == Submission.application_id)
            .scalar_subquery())))


def _inhabil_among(applications: list[Application] | list[QueueRow], user_ids: list[int]
                   ) -> dict[int, list[str]]:
    """Which of ``applications`` each of the users is inhabil in (declared so, or a member
    of the applying organisation), as case numbers in the applications' order; one
    query."""
    ids = [a.id for a in applications]
    declared = select(ConflictDeclaration.caseworker_id, ConflictDeclaration.application_id
                      ).where(ConflictDeclaration.disqualified.is_(True),
                              ConflictDeclaration.application_id.in_(ids),
                              ConflictDeclaration.caseworker_id.in_(user_ids))
    member = select(Membership.user_id, Application.id).join(
        Application, Membership.organisation_id == Application.organisation_id).where(
        Application.id.in_(ids), Membership.user_id.in_(user_ids))
    pairs = set(db.session.execute(declared.union(member)).all())  # one, even for none
    inhabil: dict[int, list[str]] = {}
    for application in applications:
        for user_id in user_ids:
            if (user_id, application.id) in pairs:
                inhabil.setdefault(user_id, []).append(application.case_number)
    return inhabil


def _strategies(call: Call | None) -> list[StrategyChoice]:
    """The strategies the «Strategi» filter offers: the chosen call's plan's, or, with no
    call chosen, those of every plan a published call uses (newest plan first; a draft or
    unused plan has no applications to find). Only the columns the options print: as
    entities with their areas and plans, they were a fifth of the queue's queries' time."""
    params = {} if call is None else {"plan": call.plan_id}
    return [StrategyChoice(*row) for row in db.session.execute(
        _strategies_statement(call is not None), params)]


@cache
def _strategies_statement(of_plan: bool):
    """``_strategies``'s statement (of the plan bound as ``plan``), built once."""
    query = (select(Strategy.code, Strategy.title, Area.plan_id, PlanVersion.period)
             .join(Strategy.area).join(Area.plan)
             .order_by(PlanVersion.starts_on.desc().nulls_last(), PlanVersion.id.desc(),
                       Strategy.code))
    if of_plan:
        return query.where(Area.plan_id == bindparam("plan"))
    return query.where(Area.plan_id.in_(
        select(Call.plan_id).where(Call.published_at.is_not(None))))


def applications_to_assign(ids: list[int]) -> list[Application]:
    return db.session.execute(select(Application).where(
        Application.id.in_(ids), Application.state.in_(STAFF_VISIBLE)).options(
        selectinload(Application.organisation).selectinload(Organisation.memberships))
    ).scalars().all()


def _vacated() -> tuple:
    """The declarations that left a case without a caseworker."""
    return (ConflictDeclaration.disqualified.is_(True),
            ConflictDeclaration.left_assignment.is_(True),
            ~select(Assignment.id).where(
                Assignment.application_id == ConflictDeclaration.application_id).exists())


def vacated_by(ids) -> dict[int, User]:
    """The applications (among ``ids``) that lack a caseworker because the assigned one
    became inhabil and no one else is assigned yet (a substitute is needed,
    forvaltningsloven § 9), each with the caseworker who left (the latest)."""
    rows = db.session.execute(
        select(ConflictDeclaration).where(ConflictDeclaration.application_id.in_(ids),
                                          *_vacated())
        .options(joinedload(ConflictDeclaration.caseworker))
        .order_by(ConflictDeclaration.id)).scalars().all()
    return {d.application_id: d.caseworker for d in rows}


def assignments_of(application: Application) -> list[Assignment]:
    """Who is assigned the case, with whom each replaced."""
    return db.session.execute(
        select(Assignment).where(Assignment.application_id == application.id)
        .options(joinedload(Assignment.caseworker), joinedload(Assignment.substitute_for))
        .order_by(Assignment.id)).scalars().all()


def possible_substitutes(application: Application) -> list[User]:
    """Whom a manager may assign to the case: active case handlers not inhabil in it."""
    handlers = db.session.execute(select(User).where(
        User.role.in_(CASE_HANDLERS), User.active.is_(True)).order_by(User.name)).scalars().all()
    declared = {d.caseworker_id: d for d in db.session.execute(
        select(ConflictDeclaration).where(
            ConflictDeclaration.application_id == application.id)).scalars()}
    return [user for user in handlers
            if not is_disqualified(user, application, declared.get(user.id))]


def access_requests_of(application: Application) -> list[AccessRequest]:
    return db.session.execute(
        select(AccessRequest).where(AccessRequest.application_id == application.id)
        .options(joinedload(AccessRequest.recorded_by),
                 selectinload(AccessRequest.assessments))
        .order_by(AccessRequest.id)).unique().scalars().all()


def access_request_of(application: Application, request_id: int) -> AccessRequest | None:
    return db.session.execute(select(AccessRequest).where(
        AccessRequest.id == request_id, AccessRequest.application_id == application.id)
        .options(selectinload(AccessRequest.assessments))).scalar_one_or_none()


def declarations_of(user: User, ids) -> dict[int, ConflictDeclaration]:
    return {d.application_id: d for d in db.session.execute(
        select(ConflictDeclaration).where(ConflictDeclaration.caseworker_id == user.id,
                                          ConflictDeclaration.application_id.in_(ids))
    ).scalars()}


# The case page ---------------------------------------------------------------------------

@dataclass
class RequestView:
    """An information request as the case page shows it: with, once answered, what the
    answer changed since the submission before it."""

    request: InfoRequest
    #: The submission the answer is compared with, and the changes; None if unanswered.
    previous: Submission | None = None
    changes: list[Change] | None = None


def request_views(application: Application) -> list[RequestView]:
    """The application's information requests, newest first."""
    by_id = {s.id: s for s in application.submissions}
    views = []
    for request in reversed(application.info_requests):
        answer = by_id.get(request.submission_id)
        previous = next((s for s in application.submissions
                         if answer is not None and s.number == answer.number - 1), None)
        views.append(RequestView(request, previous, snapshot_changes(
            previous.snapshot, answer.snapshot) if previous is not None else None))
    return views


@dataclass
class CasePage:
    """What the case page shows one case handler about one application."""

    application: Application
    settings: ReviewSettings
    #: Every assessment, when the reader may see others' (else empty).
    assessments: list[Assessment]
    own: Assessment | None
    completed: list[Assessment]
    summary: scoring.Summary
    disagree: bool
    #: The ids of the measures the caseworkers have confirmed.
    confirmed: set[int]
    notes: list[InternalNote]
    #: The application's audit trail, without the case-opened entries.
    history: list[AuditEvent] = field(default_factory=list)
    #: The information requests, newest first, each answer with what it changed.
    requests: list[RequestView] = field(default_factory=list)

    @property
    def snapshot(self):
        submissions = self.application.submissions
        return submissions[-1].snapshot if submissions else None

    @property
    def warnings(self) -> list[EligibilityWarning]:
        """The eligibility rules the last submission broke, as stored when it came in."""
        submissions = self.application.submissions
        return submissions[-1].warnings if submissions else []

    @property
    def out_of_date(self) -> list[Assessment]:
        """The assessments (the reader's own, and the others' they may see) saved before
        the applicant's latest answer to an information request."""
        answered = self.application.last_answered_at
        seen = self.assessments or ([self.own] if self.own is not None else [])
        return [a for a in seen if a.is_out_of_date(answered)]

    def preticked(self, measure_id: int) -> bool:
        """A measure is ticked when confirmed, or (none confirmed yet) when claimed."""
        if self.confirmed:
            return measure_id in self.confirmed
        return any(m.measure_id == measure_id for m in self.application.measures)


def case_page(application: Application, user: User) -> CasePage:
    assessments = db.session.execute(
        select(Assessment).where(Assessment.application_id == application.id,
                                 assessment_counts())
        .options(selectinload(Assessment.scores), joinedload(Assessment.caseworker))
        .order_by(Assessment.id)).unique().scalars().all()
    own = next((a for a in assessments if a.caseworker_id == user.id), None)
    completed = [a for a in assessments if a.state == AssessmentState.COMPLETED]
    settings = settings_for(application.call)
    summary = scoring.aggregate([a.total_score for a in completed], settings.score_aggregate)
    disagree = scoring.disagreement([a.recommendation for a in completed], summary.spread,
                                    Decimal(settings.disagreement_threshold))
    confirmed = set(db.session.execute(select(ConfirmedMeasure.measure_id).where(
        ConfirmedMeasure.application_id == application.id)).scalars())
    notes = db.session.execute(
        select(InternalNote).where(InternalNote.application_id == application.id)
        .options(joinedload(InternalNote.author)).order_by(InternalNote.id)).scalars().all()
    history = application_history(application, staff=True, exclude=("review.case_opened",))
    return CasePage(
        application=application, settings=settings,
        assessments=assessments if sees_others_assessments(user, application.call, own)
        else [], own=own, completed=completed, summary=summary, disagree=disagree,
        confirmed=confirmed, notes=notes, history=history,
        requests=request_views(application))


# The ranking -----------------------------------------------------------------------------

def own_assessments(user: User, call: Call) -> dict[int, Assessment]:
    """The user's own assessments in the call, by application id."""
    return {a.application_id: a for a in db.session.execute(
        select(Assessment).join(Application).where(
            Assessment.caseworker_id == user.id, Application.call_id == call.id)).scalars()}


def own_assessment_states(user: User, call: Call) -> dict[int, bool]:
    """Whether the user has completed their own assessment, by the id of each application
    of the call they have one of (two narrow columns, not the assessments)."""
    return {application_id: state == AssessmentState.COMPLETED
            for application_id, state in db.session.execute(
                select(Assessment.application_id, Assessment.state).join(Application).where(
                    Assessment.caseworker_id == user.id, Application.call_id == call.id))}


def frozen_ranking(call: Call) -> FrozenRanking | None:
    return db.session.execute(
        select(FrozenRanking).where(FrozenRanking.call_id == call.id).options(
            selectinload(FrozenRanking.closed_by))
    ).scalar_one_or_none()


def full_ranking(call: Call, details: bool = True) -> RankingResult:
    """Every row: frozen once the review is closed, else computed from live data.
    ``details``: with what only the exports and the record show (the criterion means, the
    recommendations and the caseworkers' comments); the pages do without."""
    stored = frozen_ranking(call) if call.review_closed else None
    return frozen(stored, call, details) if stored is not None else ranking(call, details)


def ranking_for(user: User, call: Call, inhabil: set[int],
                details: bool = False) -> RankingResult:
    """The ranking as ``user`` may see it (``inhabil`` from hidden_application_ids)."""
    result = full_ranking(call, details)
    blinded = set()
    if settings_for(call).blind_review and not call.review_closed:  # else nobody is
        completed = own_assessment_states(user, call)
        # the answer depends only on whether the reader has assessed the row, and finished
        seen = {kind: sees_others_given(user, call, *kind)
                for kind in ((False, False), (True, False), (True, True))}
        blinded = {row.application_id for row in result.rows
                   if not seen[(row.application_id in completed,
                                completed.get(row.application_id, False))]}
    return for_reader(result, inhabil, blinded)


# Declarations on the whole call -----------------------------------------------------------

#: The applications whose place the funding line and the innstilling decide.
COMPETING = (ApplicationState.SUBMITTED, ApplicationState.INFO_REQUESTED)


def undeclared_case_numbers(user: User, call: Call) -> list[str]:
    """The case numbers of the call's competing applications on which ``user`` has not
    declared themself habil (fvl § 6): whoever moves the line or proposes the innstilling
    must have (an inhabil one is refused before this, see ``hidden_application_ids``)."""
    declared = select(ConflictDeclaration.application_id).where(
        ConflictDeclaration.caseworker_id == user.id,
        ConflictDeclaration.disqualified.is_(False))
    return list(db.session.execute(
        select(Application.case_number).where(
            Application.call_id == call.id, Application.state.in_(COMPETING),
            Application.id.not_in(declared))
        .order_by(Application.case_number)).scalars())


# The administration's proposals -----------------------------------------------------------

def stored_proposals(call: Call) -> dict[int, Proposal]:
    return {p.application_id: p for p in db.session.execute(
        select(Proposal).join(Application).where(Application.call_id == call.id)
    ).scalars()}


def innstilling_of(call: Call) -> Innstilling | None:
    """The innstilling once proposed (its stored PDF), else None."""
    return db.session.execute(select(Innstilling).where(
        Innstilling.call_id == call.id)).scalar_one_or_none()


def proposal_lines(call: Call, result: RankingResult) -> dict[int, ProposalLine]:
    """One proposal per row of ``result``: the stored one, else the one the ranking
    suggests."""
    stored = stored_proposals(call)
    lines = {}
    for row in result.rows:
        proposal = stored.get(row.application_id)
        lines[row.application_id] = ProposalLine(proposal.outcome, proposal.amount,
                                                 proposal.reason) \
            if proposal is not None else suggest(row, len(result.rows))
    return lines


def withdrawn_applications(call: Call) -> list[Application]:
    """The call's received applications that the applicant withdrew (no vedtak)."""
    return list(db.session.execute(
        select(Application).where(Application.call_id == call.id,
                                  Application.state == ApplicationState.WITHDRAWN,
                                  Application.case_number.is_not(None))
        .options(selectinload(Application.organisation))
        .order_by(Application.case_number)).scalars())


def eligibility_flags(ids) -> dict[int, int]:
    """How many eligibility rules each application broke at its last submission (only
    those that broke any)."""
    return {app_id: failures for app_id, failures in db.session.execute(
        select(Application.id, Application.eligibility_failures).where(
            Application.id.in_(list(ids)), Application.eligibility_failures > 0))}
