"""The de minimis record is kept ten years (Reg. (EU) 2023/2831 art. 6(4); LAW.md §4.J
item 19): a session guard refuses deleting a de minimis vedtak decided within
``DE_MINIMIS_RETENTION_YEARS``, its letters, and its application with the data behind
the statement (the declared aid received and the linked undertakings).

In the database, the foreign keys already refuse deleting an application that has a
vedtak, and a vedtak that has letters, a grant or a register export. Installed once, at
import (``fund.grants.receivers`` imports this module)."""

from datetime import date

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from fund.applications.models import Application, DeMinimisAid
from fund.core.types import utcnow
from fund.decisions.deadlines import oslo_date
from fund.decisions.models import Decision, Letter, LinkedUndertaking, StateAidBasis
from fund.grants.models import GrantError

DEFAULT_YEARS = 10


def retention_years() -> int:
    if has_app_context():
        return int(current_app.config.get("DE_MINIMIS_RETENTION_YEARS", DEFAULT_YEARS))
    return DEFAULT_YEARS


def kept_until(decided_on: date, years: int) -> date:
    """The last day a de minimis record decided on ``decided_on`` must be kept."""
    try:
        return decided_on.replace(year=decided_on.year + years)
    except ValueError:  # 29 February
        return decided_on.replace(year=decided_on.year + years, day=28)


def is_kept(decision: Decision, today: date, years: int) -> bool:
    return decision.state_aid_basis == StateAidBasis.DE_MINIMIS and \
        today <= kept_until(decision.decided_on, years)


def _kept_applications(session: Session, application_ids: set[int], today: date,
                       years: int) -> set[int]:
    """Of ``application_ids``, those with a de minimis vedtak still to be kept."""
    if not application_ids:
        return set()
    with session.no_autoflush:
        decisions = session.execute(select(Decision).where(
            Decision.application_id.in_(application_ids),
            Decision.state_aid_basis == StateAidBasis.DE_MINIMIS)).scalars()
        return {d.application_id for d in decisions if is_kept(d, today, years)}


def refuse_deleting_the_record(session: Session, _flush_context, _instances) -> None:
    deleted = list(session.deleted)
    if not deleted:
        return
    today, years = oslo_date(utcnow()), retention_years()
    refusal = _("Opplysningene om bagatellmessig støtte skal oppbevares i %(years)s år "
                "fra vedtaksdatoen (forordning (EU) 2023/2831 art. 6) og kan ikke slettes.",
                years=years)
    for obj in deleted:
        if isinstance(obj, Decision) and is_kept(obj, today, years):
            raise GrantError(refusal)
        if isinstance(obj, Letter) and obj.decision is not None \
                and is_kept(obj.decision, today, years):
            raise GrantError(refusal)
    application_ids = {obj.id for obj in deleted if isinstance(obj, Application)} | {
        obj.application_id for obj in deleted
        if isinstance(obj, LinkedUndertaking | DeMinimisAid)}
    if _kept_applications(session, application_ids, today, years):
        raise GrantError(refusal)


def install() -> None:
    if not event.contains(Session, "before_flush", refuse_deleting_the_record):
        event.listen(Session, "before_flush", refuse_deleting_the_record)


install()
