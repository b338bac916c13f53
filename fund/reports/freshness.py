"""Stored plan-coverage reports, and the marks that keep them fresh (issue 14).

The report (its tree, extras and evaluation) scans every application of the filtered calls;
at 100,000 applications that takes seconds. So a computed report is kept, in the process,
for one state of what it reads, and used again until that changes:

- every flush that adds, changes or deletes a row of a table the report reads
  (``TRACKED``; drafts aside) adds a ``ReportChange`` row per call it changes (found
  through the row's application or grant), in the same transaction; a change to the plan,
  an organisation or a context figure, an ORM bulk UPDATE or DELETE, or a row whose call
  is not found, adds one mark for every call (a session event registered here: the
  domains below reports know nothing of it);
- a stored report is keyed by its calls and the state of their marks (and the marks for
  every call) when it was computed: the number of rows, the last id and its random token.
  Marks are only added, so a committed mark always changes the count, whatever order the
  ids were handed out in; a rolled-back mark and a later one with the same id (SQLite)
  differ by the token. A change in this year's call leaves last year's report stored.

The state is read before the report's own queries, so a stored report is never older than
its key. Writers that go around the ORM (the bulk demo generator's COPY) call
``mark_changed``; ``flask reports rebuild`` does too, after a repair by hand in SQL.

Who may see a report is decided before it is looked up (the inhabil check is live), and a
report holds nothing per reader, so storing it shows no one anything they could not see."""

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

from sqlalchemy import delete, event, func, insert, inspect, select, true
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from fund.applications.models import Application, ApplicationState, FinancingLine
from fund.auth.models import Organisation
from fund.calls.models import Call, CallMeasure
from fund.decisions.models import Decision
from fund.extensions import db
from fund.grants.models import FinalReport, Grant, PaymentRequest, Repayment
from fund.plan.models import Area, Measure, PlanVersion, Strategy
from fund.reports.models import ContextFigure, ReportChange
from fund.review.models import ConfirmedMeasure

#: The tables the report, its extras and its evaluation read.
TRACKED = frozenset(model.__table__.name for model in (
    Application, FinancingLine, Organisation, Call, CallMeasure, Decision, Grant,
    PaymentRequest, Repayment, FinalReport, ConfirmedMeasure, PlanVersion, Area, Strategy,
    Measure, ContextFigure))

#: Reports and files kept per process (each is one plan version and filter). The whole
#: plan at 100,000 applications holds about 10 MB (its 11,000 funded projects); a year's
#: report or a PDF far less.
KEPT = 8


def _mark(connection, calls: set[int | None]) -> None:
    """One mark per call changed; a single mark for every call if one is not known."""
    rows = [{"token": uuid.uuid4().hex, "call_id": call}
            for call in ({None} if None in calls else calls)]
    if rows:
        connection.execute(insert(ReportChange.__table__), rows)


def mark_changed() -> None:
    """Record, in the session's transaction, that what the report reads has changed (in
    every call)."""
    _mark(db.session.connection(), {None})


def _tracked(obj) -> bool:
    return getattr(getattr(type(obj), "__table__", None), "name", None) in TRACKED


def _loaded(obj, name: str):
    """An attribute as it is in memory; never a load from the database during a flush."""
    return inspect(obj).dict.get(name)


def _draft(session, obj) -> bool:
    """A draft application, or a financing line of one, that stays a draft: no report
    counts drafts, and applicants edit them all day."""
    if isinstance(obj, FinancingLine):
        obj = session.identity_map.get(
            identity_key(Application, _loaded(obj, "application_id")))
    if not isinstance(obj, Application):
        return False
    return _loaded(obj, "state") == ApplicationState.DRAFT


def _calls(session, objects) -> set[int | None]:
    """The calls whose report the rows change; None: any call (the plan, organisations,
    context figures, or a row whose call is not found)."""
    calls: set[int | None] = set()
    applications: set[int | None] = set()
    grants: set[int | None] = set()
    for obj in objects:
        if isinstance(obj, Application):
            moved = inspect(obj).attrs.call_id.history.deleted
            calls.update([_loaded(obj, "call_id"), *(None for _ in moved)])
        elif isinstance(obj, Call):
            calls.add(_loaded(obj, "id"))
        elif isinstance(obj, CallMeasure):
            calls.add(_loaded(obj, "call_id"))
        elif isinstance(obj, Decision | ConfirmedMeasure | FinancingLine | Grant):
            applications.add(_loaded(obj, "application_id"))
        elif isinstance(obj, PaymentRequest | Repayment | FinalReport):
            grants.add(_loaded(obj, "grant_id"))
        else:
            calls.add(None)
    connection = session.connection()
    if grants:
        found = dict(connection.execute(select(Grant.id, Grant.application_id).where(
            Grant.id.in_([g for g in grants if g is not None]))).all())
        applications.update(found.get(grant) for grant in grants)
    if applications:
        found = dict(connection.execute(select(Application.id, Application.call_id).where(
            Application.id.in_([a for a in applications if a is not None]))).all())
        calls.update(found.get(application) for application in applications)
    return calls


def _changed(session, objects, changed: bool = False) -> list:
    return [obj for obj in objects if _tracked(obj) and not _draft(session, obj)
            and (not changed or session.is_modified(obj))]


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context) -> None:
    objects = [*_changed(session, session.new), *_changed(session, session.deleted),
               *_changed(session, session.dirty, changed=True)]
    if objects:
        _mark(session.connection(), _calls(session, objects))


@event.listens_for(Session, "do_orm_execute")
def _bulk(state) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in TRACKED:
        _mark(state.session.connection(), {None})  # which rows is not known here


# --- The stored reports ---


class _Kept:
    """The last ``KEPT`` reports computed, by key; thread-safe (threaded workers)."""

    def __init__(self, size: int):
        self.size = size
        self.lock = threading.Lock()
        self.items: OrderedDict = OrderedDict()

    def get(self, key):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_kept = _Kept(KEPT)


def state(calls: Iterable[int] | None = None) -> tuple:
    """The state of the marks of ``calls`` (None: of every call): the calls, and the
    number of their marks (and of the marks for every call), the last one's id and its
    token. Two small reads."""
    calls = tuple(sorted(set(calls))) if calls is not None else None
    which = ReportChange.call_id.is_(None) | ReportChange.call_id.in_(calls) \
        if calls is not None else true()
    count, last = db.session.execute(
        select(func.count(), func.max(ReportChange.id)).where(which)).one()
    token = db.session.scalar(select(ReportChange.token).where(ReportChange.id == last)) \
        if last is not None else None
    return calls, count, last, token


def stored(what: Hashable, compute: Callable, at: tuple | None = None):
    """``compute()``, or what it returned before for ``what`` in this state of the data.
    ``at``: the state, read before anything ``compute`` uses was read."""
    key = (db.engine.url.render_as_string(hide_password=True), what,
           at if at is not None else state())
    found = _kept.get(key)
    if found is None:
        found = compute()
        _kept.put(key, found)
    return found


def forget() -> None:
    """Drop every stored report of this process."""
    _kept.clear()


def rebuild() -> int:
    """After a change made around the ORM: drop the old marks and add one, so every
    stored report (in every process) is computed again. Returns the marks dropped."""
    dropped = db.session.execute(delete(ReportChange)).rowcount
    mark_changed()
    forget()
    return dropped
