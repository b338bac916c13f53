"""State changes of calls. Each writes the audit log; the caller commits."""

import uuid
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from fund.audit.operations import record
from fund.calls.models import Call, CallMeasure, CallState, Criterion, Fund
from fund.calls.rubric import DEFAULT_CRITERIA
from fund.core.errors import DomainError
from fund.core.formatting import to_local
from fund.core.signals import answered_yes, call_has_undecided_applications
from fund.core.types import utcnow
from fund.extensions import db
from fund.plan.models import Area, Goal, Measure, PlanVersion, Strategy


class CallError(DomainError):
    """A call change that the rules refuse; the message is for the user."""


def _check_window(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise CallError(_("Fristen må være etter åpningstidspunktet."))


def default_criteria(fund: Fund, plan: PlanVersion) -> list[Criterion]:
    goals = {(g.kind.value, g.number): g for g in db.session.execute(
        select(Goal).where(Goal.plan_id == plan.id)).scalars()}
    return [
        Criterion(position=position, title=item["title"], description=item["description"],
                  weight=item["weights"][fund.value], required=True,
                  allow_na=item.get("allow_na", False),
                  goals=[goals[ref] for ref in item["goals"] if ref in goals])
        for position, item in enumerate(DEFAULT_CRITERIA)
    ]


def _check_reserve(budget: int, appeal_reserve: int) -> None:
    if appeal_reserve < 0 or appeal_reserve > budget:
        raise CallError(_("Klagereserven må være mellom null og budsjettet."))


def create_call(*, fund: Fund, year: int, title: str, opens_at: datetime, closes_at: datetime,
                budget: int, max_grant: int, max_share_percent: int, plan: PlanVersion,
                description: str = "", joint_key: str | None = None,
                expected_decision_on: date | None = None, appeal_reserve: int = 0,
                acceptance_weeks: int = 4, advance_max_percent: int = 50,
                auditor_threshold: int = 100_000, final_report_days: int = 60,
                actor=None) -> Call:
    """A new call, as a draft that only the managers see until ``publish_call``."""
    _check_plan_published(plan)
    _check_window(opens_at, closes_at)
    _check_reserve(budget, appeal_reserve)
    terms = dict(acceptance_weeks=acceptance_weeks, advance_max_percent=advance_max_percent,
                 auditor_threshold=auditor_threshold, final_report_days=final_report_days)
    _check_terms(**terms)
    call = Call(fund=fund, year=year, title=title, description=description, opens_at=opens_at,
                closes_at=closes_at, budget=budget, max_grant=max_grant,
                max_share_percent=max_share_percent, plan=plan, joint_key=joint_key,
                expected_decision_on=expected_decision_on, appeal_reserve=appeal_reserve,
                criteria=default_criteria(fund, plan), **terms)
    db.session.add(call)
    record("call.created", call, actor=actor, fund=fund.value, year=year, title=title,
           opens_at=opens_at.isoformat(), closes_at=closes_at.isoformat(), budget=budget,
           expected_decision_on=expected_decision_on.isoformat() if expected_decision_on
           else None, appeal_reserve=appeal_reserve, **terms)
    return call


#: The bounds of the tilsagn's terms (the call form states the same).
TERM_BOUNDS = {"acceptance_weeks": (1, 26), "advance_max_percent": (0, 90),
               "auditor_threshold": (0, 100_000_000), "final_report_days": (1, 365)}


def _check_terms(**terms) -> None:
    messages = {
        "acceptance_weeks": _("Fristen for aksept må være mellom 1 og 26 uker."),
        "advance_max_percent": _("Andelen før sluttrapporten må være mellom 0 og 90 prosent."),
        "auditor_threshold": _("Grensen for revisorbekreftelse må være mellom kr 0 og "
                               "kr 100 000 000."),
        "final_report_days": _("Fristen for sluttrapporten må være mellom 1 og 365 dager."),
    }
    for name, value in terms.items():
        low, high = TERM_BOUNDS[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise CallError(messages[name])


def create_joint_call(*, title: str, budgets: dict[Fund, int], **fields) -> list[Call]:
    """A joint næringsfond/klimafond call: two calls with shared dates."""
    key = str(uuid.uuid4())
    return [create_call(fund=fund, title=f"{title} – {FUND_SUFFIX[fund]}", budget=budgets[fund],
                        joint_key=key, **fields)
            for fund in (Fund.NAERINGSFOND, Fund.KLIMAFOND)]


FUND_SUFFIX = {Fund.NAERINGSFOND: "næringsfond", Fund.KLIMAFOND: "klimafond"}


def joint_calls(call: Call) -> list[Call]:
    """The call and, for a joint call, its sibling."""
    if call.joint_key is None:
        return [call]
    return list(db.session.execute(
        select(Call).where(Call.joint_key == call.joint_key).order_by(Call.id)).scalars())


def update_call(call: Call, actor=None, **fields) -> None:
    """Change a draft or planned call's settings. Once open, only the deadline can move."""
    if not call.is_editable:
        raise CallError(_("Utlysningen er åpnet og kan ikke lenger endres. "
                          "Fristen kan forlenges."))
    _check_window(fields.get("opens_at", call.opens_at), fields.get("closes_at", call.closes_at))
    _check_reserve(fields.get("budget", call.budget),
                   fields.get("appeal_reserve", call.appeal_reserve))
    _check_terms(**{name: value for name, value in fields.items() if name in TERM_BOUNDS})
    plan = fields.get("plan", call.plan)
    if plan.id != call.plan_id:
        _check_plan_published(plan)
    changes = {}
    for name, value in fields.items():
        old = getattr(call, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(call, name, value)
    if changes:
        record("call.updated", call, actor=actor, changes=changes)


def _plain(value):
    if isinstance(value, date):  # a datetime is a date too
        return value.isoformat()
    if isinstance(value, PlanVersion):
        return value.period
    return value


def extend_deadline(call: Call, closes_at: datetime, actor=None) -> list[Call]:
    """Move the deadline later, before it has passed. A joint call moves together."""
    now = utcnow()
    if now >= call.closes_at or call.state in (CallState.REVIEW_CLOSED, CallState.ARCHIVED):
        raise CallError(_("Fristen har allerede gått ut og kan ikke forlenges."))
    if closes_at <= call.closes_at:
        raise CallError(_("Den nye fristen må være senere enn den gjeldende."))
    calls = joint_calls(call)
    for each in calls:
        old = each.closes_at
        each.closes_at = closes_at
        record("call.deadline_extended", each, actor=actor, old=old.isoformat(),
               new=closes_at.isoformat())
    return calls


def _check_plan_published(plan) -> None:
    """A call is made under a published plan only (a draft is not the public plan)."""
    if plan.is_draft:
        raise CallError(_("Handlingsplan %(period)s er ikke publisert. En utlysning kan "
                          "bare bruke en publisert handlingsplan.", period=plan.period))


def publish_problems(call: Call, now: datetime | None = None) -> list[str]:
    """What stops the call (a draft) from being published, in words for the manager; empty
    when it is ready. The same rules as when the call is created and edited, checked again
    because time passes (a deadline in the past) and the plan or criteria may have changed."""
    now = now or utcnow()
    problems = []
    if call.closes_at <= now:
        problems.append(_("Søknadsfristen har allerede gått ut. Sett en senere frist før du "
                          "publiserer utlysningen."))
    for check in (lambda: _check_window(call.opens_at, call.closes_at),
                  lambda: _check_reserve(call.budget, call.appeal_reserve),
                  lambda: _check_terms(**{name: getattr(call, name) for name in TERM_BOUNDS})):
        try:
            check()
        except CallError as exc:
            problems.append(str(exc))
    if not call.criteria or call.total_weight <= 0:
        problems.append(_("Utlysningen må ha minst ett kriterium med vekt over null."))
    if call.plan.is_draft:
        problems.append(_("Handlingsplan %(period)s er ikke publisert. Publiser planen "
                          "først.", period=call.plan.period))
    if call.expected_decision_on is not None \
            and call.expected_decision_on < to_local(call.closes_at).date():
        problems.append(_("Vedtaksdatoen kan ikke være før søknadsfristen."))
    return problems


def _locked(calls: list[Call]) -> list[Call]:
    """The calls, read again under a lock until the transaction ends, so that two managers
    publishing at once do not both publish (PostgreSQL; SQLite has one writer anyway)."""
    for each in calls:
        db.session.refresh(each, with_for_update=True)
    return calls


def publish_call(call: Call, actor=None) -> list[Call]:
    """Publish a draft call: it shows on the front page and its own page at once, and
    applicants can apply from ``opens_at``. A joint call is published with its sibling.
    Returns the calls published."""
    calls = _locked(joint_calls(call))
    if any(not each.is_draft for each in calls):
        raise CallError(_("Utlysningen er allerede publisert."))
    now = utcnow()
    for each in calls:
        problems = publish_problems(each, now)
        if problems:
            raise CallError(_("Utlysningen kan ikke publiseres ennå: %(problems)s",
                              problems=" ".join(problems)))
    for each in calls:
        each.published_at = now
        record("call.published", each, actor=actor, opens_at=each.opens_at.isoformat(),
               closes_at=each.closes_at.isoformat())
    return calls


def unpublish_call(call: Call, actor=None) -> list[Call]:
    """Take a published call back to draft. Only before it opens: until then nobody can
    have started an application, so nobody loses one (a joint call goes with its sibling)."""
    calls = _locked(joint_calls(call))
    if any(not each.state.can_become(CallState.DRAFT) for each in calls):
        raise CallError(_("Bare en publisert utlysning som ikke har åpnet ennå, kan gjøres "
                          "om til utkast."))
    for each in calls:
        each.published_at = None
        record("call.unpublished", each, actor=actor)
    return calls


def review_closed_now(call: Call) -> bool:
    """Whether the call's review is closed, read under a shared lock on the call that
    lasts until this transaction ends: a change the closed review would refuse either
    commits before the review is closed (and is in the frozen innstilling) or sees it
    closed (PostgreSQL; SQLite lets one writer in at a time anyway)."""
    db.session.refresh(call, with_for_update={"read": True})
    return call.review_closed


def close_review(call: Call, actor=None) -> None:
    if not call.can_close_review:
        raise CallError(_("Behandlingen kan bare avsluttes når søknadsfristen er ute."))
    call.review_closed_at = utcnow()
    record("call.review_closed", call, actor=actor)


def archive_call(call: Call, actor=None) -> None:
    if not call.can_be_archived:
        raise CallError(_("Bare ferdigbehandlede utlysninger kan arkiveres."))
    if answered_yes(call_has_undecided_applications, call):
        raise CallError(_("Utlysningen kan ikke arkiveres før hver mottatte søknad har fått "
                          "sitt utfall: et vedtak, eller bekreftet trukket."))
    call.archived_at = utcnow()
    record("call.archived", call, actor=actor)


def update_criteria(call: Call, rows: list[dict], actor=None) -> None:
    """Replace the call's criteria; allowed only until the call opens.

    ``rows`` holds dicts with id (None for a new one), title, description, weight,
    required, allow_na and delete.
    """
    if not call.criteria_editable:
        raise CallError(_("Kriteriene er låst fordi utlysningen er åpnet."))
    existing = {c.id: c for c in call.criteria}
    kept = []
    for row in rows:
        criterion = existing.pop(row["id"], None) if row.get("id") else None
        if row.get("delete") or not row["title"].strip():
            if criterion is not None:
                existing[criterion.id] = criterion  # left out: deleted below
            continue
        if criterion is None:
            criterion = Criterion()
        for name in ("title", "description", "weight", "required", "allow_na"):
            setattr(criterion, name, row[name])
        criterion.title = criterion.title.strip()
        kept.append(criterion)
    if not kept or sum(c.weight for c in kept) <= 0:
        raise CallError(_("Utlysningen må ha minst ett kriterium med vekt over null."))
    for position, criterion in enumerate(kept):
        criterion.position = position
    call.criteria = kept
    record("call.criteria_updated", call, actor=actor,
           criteria=[{"title": c.title, "weight": c.weight, "required": c.required,
                      "allow_na": c.allow_na} for c in kept],
           removed=[c.title for c in existing.values()])


def set_open_measures(call: Call, codes: set[str], actor=None) -> None:
    """Open exactly the measures coded ``codes`` to the call's applicants; the rest of the
    plan's measures are closed for this call. Allowed until the call opens. Only where the
    call differs from its plan is anything stored."""
    if not call.is_editable:
        raise CallError(_("Tiltakene kan bare endres fram til utlysningen åpner."))
    measures = {m.code: m for m in db.session.execute(
        select(Measure).join(Measure.strategy).join(Strategy.area)
        .where(Area.plan_id == call.plan_id)).scalars()}
    unknown = sorted(codes - measures.keys())
    if unknown:
        raise CallError(_("Tiltaket %(code)s finnes ikke i handlingsplanen for utlysningen.",
                          code=unknown[0]))
    funds = sorted(code for code in codes if measures[code].is_fund)
    if funds:
        raise CallError(_("Tiltak %(code)s er selve den årlige utlysningen og kan ikke "
                          "åpnes for søkere.", code=funds[0]))
    stored = {row.measure_id: row for row in db.session.execute(
        select(CallMeasure).where(CallMeasure.call_id == call.id)).scalars()}
    opened, closed = [], []
    for code, measure in measures.items():
        row = stored.get(measure.id)
        was_open = not measure.is_fund and (
            row.open if row is not None else measure.open_to_applicants)
        wanted = code in codes
        if wanted != was_open:
            (opened if wanted else closed).append(code)
        if wanted == measure.open_to_applicants:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(CallMeasure(call_id=call.id, measure_id=measure.id, open=wanted))
        else:
            row.open = wanted
    if opened or closed:
        record("call.measures_changed", call, actor=actor, opened=sorted(opened),
               closed=sorted(closed))
