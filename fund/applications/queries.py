"""Reads of applications that views (and review) share."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, func, literal_column, select
from sqlalchemy.orm import defer, joinedload, load_only, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from fund.applications.labels import HISTORY_ACTIONS
from fund.applications.models import (
    DASHBOARD_ORDER,
    Application,
    ApplicationMeasure,
    ApplicationState,
    InfoRequest,
    Submission,
)
from fund.audit.models import AuditEvent
from fund.auth.models import Membership, Organisation
from fund.calls.models import Call
from fund.calls.queries import calls_listed_and_open
from fund.core.sql import collection_loader, load_for_rows
from fund.core.types import utcnow
from fund.extensions import db
from fund.plan.models import Area, PlanVersion, Strategy

#: The organisation's members and the application's collections, as its pages read them.
_load_memberships = collection_loader(Organisation.memberships)
_load_edit_collections = collection_loader(
    (Application.measures, joinedload(ApplicationMeasure.measure)),
    Application.cost_lines, Application.financing_lines, Application.aid_received,
    Application.exemption_requests, Application.attachments,
    # the snapshots (large) are read only when two are compared
    (Application.submissions, defer(Submission.snapshot)),
    Application.sdg_rows,
    (Application.info_requests, joinedload(InfoRequest.requested_by)))


@cache
def _edit_statements() -> tuple:
    """``application_for_edit``'s statements, built once: the application by the bound
    ``application``, and its call's plan's tree by the bound ``plan``."""
    application = select(Application).where(Application.id == bindparam("application")).options(
        joinedload(Application.organisation), joinedload(Application.call),
        selectinload(Application.strategies), joinedload(Application.updated_by))
    plan = select(PlanVersion).where(PlanVersion.id == bindparam("plan")).options(
        joinedload(PlanVersion.areas).joinedload(Area.strategies)
        .joinedload(Strategy.measures))
    return application, plan


def application_for_edit(application_id: int, plan: bool = True) -> Application | None:
    """An application with everything its checklist and pages read, and (``plan``) its
    call's plan with every strategy and measure, which only the form offers."""
    application_statement, plan_statement = _edit_statements()
    application = db.session.execute(
        application_statement, {"application": application_id}).unique().scalar_one_or_none()
    if application is None:
        return None
    if plan:
        # the plan's tree in one statement: a row per measure (a few dozen), where level
        # by level was four round trips, and joined to the application's row, each row
        # carried the application's whole text
        set_committed_value(application.call, "plan", db.session.execute(
            plan_statement, {"plan": application.call.plan_id}).unique().scalar_one())
    # one plain statement each: for one application, a third cheaper than selectinload
    _load_memberships(application.organisation)
    _load_edit_collections(application)
    return application


def application_for_receipt(application_id: int) -> tuple[Application, Submission] | None:
    """An application with its last submission (and that submission's warnings), for the
    receipt page; None if there is no such application or it was never submitted."""
    application = db.session.execute(
        select(Application).where(Application.id == application_id).options(
            joinedload(Application.call),
            joinedload(Application.organisation).selectinload(Organisation.memberships),
        )).unique().scalar_one_or_none()
    if application is None:
        return None
    submission = db.session.execute(
        select(Submission).where(Submission.application_id == application_id)
        .order_by(Submission.number.desc()).limit(1)
        .options(defer(Submission.snapshot), selectinload(Submission.warnings))
    ).scalar_one_or_none()
    return application, submission


def submitted_as(application_id: int) -> tuple[str | None, int]:
    """The application's case number and how many times it has been submitted."""
    return db.session.execute(
        select(Application.case_number, select(func.count(Submission.id)).where(
            Submission.application_id == application_id).scalar_subquery())
        .where(Application.id == application_id)).one()


def organisations_of(user) -> list[Organisation]:
    """The organisations ``user`` is a member of, by name."""
    return list(db.session.execute(
        select(Organisation).join(Membership).where(Membership.user_id == user.id)
        .order_by(Organisation.name)).scalars())


#: Applications per page of «Mine søknader» (``?side=``).
DASHBOARD_PAGE_SIZE = 50

#: The order of «Mine søknader»: what waits for the applicant first (a request to answer,
#: then drafts), then the rest; last changed first within each.
_WAITING_FIRST = literal_column(DASHBOARD_ORDER)


#: The columns of «Mine søknader»'s rows (``Application``'s properties the page uses read
#: only these), and of its hooks' rows.
_DASHBOARD_COLUMNS = (
    Application.id, Application.organisation_id, Application.call_id, Application.title,
    Application.case_number, Application.state, Application.updated_at,
    Application.deletion_warned_at)


@dataclass
class Dashboard:
    organisations: list[Organisation]
    #: The page's applications of each organisation (what waits for the applicant first,
    #: then last changed first), by organisation id; an organisation with none on this
    #: page is left out.
    by_organisation: dict[int, list[Application]]
    #: How many applications each organisation has in all, by organisation id.
    counts: dict[int, int]
    open_calls: list[Call]
    now: datetime
    page: int = 1
    page_size: int = DASHBOARD_PAGE_SIZE

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def applications(self) -> list[Application]:
        """The page's applications: what the rows' hooks read about."""
        return [a for rows in self.by_organisation.values() for a in rows]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@cache
def _organisations_statement():
    """The organisations of the user bound as ``user``, by name, each with how many
    applications it has: ``organisations_of`` and the counts in one statement, built
    once."""
    applications = (select(func.count(Application.id))
                    .where(Application.organisation_id == Organisation.id)
                    .scalar_subquery())
    return (select(Organisation, applications).join(Membership)
            .where(Membership.user_id == bindparam("user")).order_by(Organisation.name))


@cache
def _dashboard_statement():
    """A page of the applications of the organisations bound as ``organisations``
    (``skip``, ``size``), built once. Only the columns a row shows: the table also holds
    the whole application text (a reading of a column left out raises, so a test finds
    it)."""
    return (select(Application).where(Application.organisation_id.in_(
        bindparam("organisations", expanding=True)))
            .options(load_only(*_DASHBOARD_COLUMNS, raiseload=True))
            .order_by(_WAITING_FIRST, Application.updated_at.desc(), Application.id.desc())
            .offset(bindparam("skip")).limit(bindparam("size")))


def dashboard(user, now: datetime | None = None, page: int = 1) -> Dashboard:
    """What the applicant's overview shows: their organisations, one page of their
    applications (``page``, from 1), and the calls open for new ones at ``now``. A
    constant number of statements, each bounded by the page (or by the user's own
    applications, for the counts)."""
    now = now or utcnow()
    found = db.session.execute(_organisations_statement(), {"user": user.id}).all()
    organisations = [organisation for organisation, _count in found]
    org_ids = [o.id for o in organisations]
    counts = {organisation.id: count for organisation, count in found if count}
    pages = max(1, -(-sum(counts.values()) // DASHBOARD_PAGE_SIZE))
    page = min(max(page, 1), pages)
    applications = db.session.execute(_dashboard_statement(), {
        "organisations": org_ids, "skip": (page - 1) * DASHBOARD_PAGE_SIZE,
        "size": DASHBOARD_PAGE_SIZE}).scalars().all()
    calls, open_now = calls_listed_and_open(sorted({a.call_id for a in applications}), now)
    load_for_rows(applications, Application.info_requests)
    by_organisation: dict[int, list[Application]] = {}
    for application in applications:
        set_committed_value(application, "call", calls[application.call_id])
        by_organisation.setdefault(application.organisation_id, []).append(application)
    return Dashboard(organisations, by_organisation, counts, open_now, now, page)


def history(application: Application, staff: bool = False,
            exclude: tuple[str, ...] = ()) -> list[AuditEvent]:
    """The application's audit entries, oldest first. The applicant sees the milestones
    (``HISTORY_ACTIONS``); staff see every entry, with who did it, less ``exclude``."""
    query = select(AuditEvent).where(AuditEvent.object_type == "applications",
                                     AuditEvent.object_id == application.id)
    if staff:
        query = query.options(joinedload(AuditEvent.actor))
        if exclude:
            query = query.where(AuditEvent.action.not_in(exclude))
    else:
        query = query.where(AuditEvent.action.in_(HISTORY_ACTIONS))
    return list(db.session.execute(query.order_by(AuditEvent.id)).scalars())


def drafts_past_deadline(now: datetime) -> list[int]:
    """The ids of drafts never submitted whose call's deadline has passed at ``now``
    (they can never be sent), oldest deadline first: what ``purge-drafts`` looks at."""
    return list(db.session.execute(
        select(Application.id).join(Application.call)
        .where(Application.state == ApplicationState.DRAFT, ~Application.submissions.any(),
               Call.closes_at <= now)
        .order_by(Call.closes_at, Application.id)).scalars())
