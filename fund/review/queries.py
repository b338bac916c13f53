"""Queries for the ranking pages: what a reader is inhabil in, their own assessments, and
the ranking they may see (live, or frozen once the review is closed)."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fund.applications.models import Application
from fund.applications.permissions import STAFF_VISIBLE
from fund.auth.models import Membership, User
from fund.calls.models import Call
from fund.extensions import db
from fund.review.models import Assessment, ConflictDeclaration, FrozenRanking
from fund.review.permissions import sees_others_assessments
from fund.review.ranking import RankingResult, for_reader, frozen, ranking


def inhabil_application_ids(user: User, call: Call) -> set[int]:
    """The received applications of the call the user is inhabil in: declared
    disqualified, or a member of the applying organisation."""
    received = (Application.call_id == call.id, Application.state.in_(STAFF_VISIBLE))
    declared = db.session.execute(
        select(ConflictDeclaration.application_id).join(Application).where(
            ConflictDeclaration.caseworker_id == user.id,
            ConflictDeclaration.disqualified.is_(True), *received)).scalars()
    member = db.session.execute(
        select(Application.id).join(Membership, Membership.organisation_id ==
                                    Application.organisation_id)
        .where(Membership.user_id == user.id, *received)).scalars()
    return set(declared) | set(member)


def own_assessments(user: User, call: Call) -> dict[int, Assessment]:
    """The user's own assessments in the call, by application id."""
    return {a.application_id: a for a in db.session.execute(
        select(Assessment).join(Application).where(
            Assessment.caseworker_id == user.id, Application.call_id == call.id)).scalars()}


def frozen_ranking(call: Call) -> FrozenRanking | None:
    return db.session.execute(
        select(FrozenRanking).where(FrozenRanking.call_id == call.id).options(
            selectinload(FrozenRanking.rows), selectinload(FrozenRanking.closed_by))
    ).scalar_one_or_none()


def full_ranking(call: Call) -> RankingResult:
    """Every row: frozen once the review is closed, else computed from live data."""
    stored = frozen_ranking(call) if call.review_closed else None
    return frozen(stored, call) if stored is not None else ranking(call)


def ranking_for(user: User, call: Call, inhabil: set[int]) -> RankingResult:
    """The ranking as ``user`` may see it (``inhabil`` from inhabil_application_ids)."""
    result = full_ranking(call)
    own = own_assessments(user, call) if call.blind_review and not call.review_closed \
        else {}
    blinded = {row.application_id for row in result.rows
               if not sees_others_assessments(user, call, own.get(row.application_id))}
    return for_reader(result, inhabil, blinded)
