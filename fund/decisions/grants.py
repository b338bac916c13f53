"""What decisions know, for the domains below them (fund.core.signals)."""

from sqlalchemy import select

from fund.applications.models import Application
from fund.core.signals import call_has_undecided_applications, organisation_has_grant
from fund.decisions.models import Decision
from fund.decisions.queries import RECEIVED
from fund.extensions import db


@call_has_undecided_applications.connect
def undecided_applications(call, **_kwargs) -> bool:
    """A received application of the call has no current outcome yet."""
    decided = select(Decision.id).where(Decision.application_id == Application.id,
                                        Decision.replaced_at.is_(None)).exists()
    return db.session.execute(
        select(Application.id).where(Application.call_id == call.id,
                                     Application.state.in_(RECEIVED),
                                     Application.case_number.is_not(None), ~decided)
        .limit(1)).first() is not None


@organisation_has_grant.connect
def granted_by_vedtak(organisation, **_kwargs) -> bool:
    """The organisation holds a grant: a current vedtak granting it money."""
    return db.session.execute(
        select(Decision.id).join(Application, Application.id == Decision.application_id)
        .where(Application.organisation_id == organisation.id,
               Decision.replaced_at.is_(None), Decision.amount.is_not(None))
        .limit(1)).first() is not None
