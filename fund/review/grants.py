"""What review knows of grants, for the domains below it (fund.core.signals)."""

from sqlalchemy import select

from fund.applications.models import Application
from fund.core.signals import organisation_has_grant
from fund.extensions import db
from fund.review.models import FrozenRankingRow


@organisation_has_grant.connect
def proposed_in_a_closed_review(organisation, **_kwargs) -> bool:
    """Until decisions are recorded, a grant is an application above the budget line in
    an innstilling whose review is closed."""
    return db.session.execute(
        select(FrozenRankingRow.id).join(Application,
                                         Application.id == FrozenRankingRow.application_id)
        .where(Application.organisation_id == organisation.id,
               FrozenRankingRow.within_budget.is_(True)).limit(1)).first() is not None
