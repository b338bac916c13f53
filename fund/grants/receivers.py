"""What grants does when a lower domain announces something (fund.core.signals)."""

from sqlalchemy import select

from fund.applications.models import Application
from fund.core.signals import decision_letter_sent, organisation_has_grant
from fund.extensions import db
from fund.grants import retention as _retention  # noqa: F401  (the de minimis record guard)
from fund.grants.models import Grant, GrantState
from fund.grants.operations import offer_grant


@decision_letter_sent.connect
def make_tilsagn(letter, notified_on, actor=None, **_kwargs):
    offer_grant(letter, notified_on, actor)


@organisation_has_grant.connect
def holds_grant(organisation, **_kwargs) -> bool:
    """An offered, accepted or completed grant (its account is frozen)."""
    return db.session.execute(
        select(Grant.id).join(Application, Application.id == Grant.application_id)
        .where(Application.organisation_id == organisation.id,
               Grant.state.in_((GrantState.OFFERED, GrantState.ACCEPTED)))
        .limit(1)).first() is not None
