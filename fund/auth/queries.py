"""Reads of accounts and organisations that the views share."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from fund.auth.models import Claim, ClaimState, Invitation, Membership, Organisation, User
from fund.auth.operations import invitation_is_open
from fund.auth.permissions import can_answer_invitation
from fund.extensions import db


def organisations_of(user: User) -> list[Organisation]:
    """The organisations the user is a member of."""
    return [m.organisation for m in db.session.execute(
        select(Membership).where(Membership.user_id == user.id)
        .options(selectinload(Membership.organisation))).scalars()]


def invitations_for(user: User) -> list[Invitation]:
    """Open invitations the user may answer, oldest first."""
    return [i for i in db.session.execute(
        select(Invitation).where(Invitation.email == user.email)
        .options(selectinload(Invitation.organisation), selectinload(Invitation.invited_by))
        .order_by(Invitation.created_at)).scalars()
        if can_answer_invitation(user, i) and invitation_is_open(i)]


def open_claims_by(user: User) -> list[Claim]:
    """The user's own claims that are waiting for a decision."""
    return list(db.session.execute(
        select(Claim).where(Claim.claimant_id == user.id, Claim.state == ClaimState.OPEN)
        .options(selectinload(Claim.organisation)).order_by(Claim.created_at)).scalars())


def organisation_for_page(organisation_id: int) -> Organisation | None:
    """An organisation with its members loaded."""
    return db.session.execute(
        select(Organisation).where(Organisation.id == organisation_id)
        .options(selectinload(Organisation.memberships).selectinload(Membership.user))
    ).scalar_one_or_none()


def open_invitations_of(organisation: Organisation) -> list[Invitation]:
    return [i for i in db.session.execute(
        select(Invitation).where(Invitation.organisation_id == organisation.id)
        .order_by(Invitation.created_at)).scalars() if invitation_is_open(i)]


def open_claims_on(organisation: Organisation) -> list[Claim]:
    return list(db.session.execute(
        select(Claim).where(Claim.organisation_id == organisation.id,
                            Claim.state == ClaimState.OPEN)
        .options(selectinload(Claim.claimant)).order_by(Claim.created_at)).scalars())


def claim_for_decision(claim_id: int) -> Claim | None:
    """A claim, locked until the decision commits: two staff deciding at once cannot both
    succeed."""
    return db.session.execute(
        select(Claim).where(Claim.id == claim_id).with_for_update()).scalar_one_or_none()


def invitation_for_answer(invitation_id: int) -> Invitation | None:
    """An invitation, locked, so that a second click waits for the first answer and then
    finds nothing."""
    return db.session.execute(select(Invitation).where(
        Invitation.id == invitation_id).with_for_update()).scalar_one_or_none()


def open_claims() -> list[Claim]:
    """Every claim waiting for a decision, oldest first."""
    return list(db.session.execute(
        select(Claim).where(Claim.state == ClaimState.OPEN)
        .options(selectinload(Claim.organisation), selectinload(Claim.claimant))
        .order_by(Claim.created_at)).scalars())


def pending_bank_accounts() -> list[Organisation]:
    """Organisations whose new bank account waits for approval, oldest first."""
    return list(db.session.execute(
        select(Organisation).where(Organisation.pending_bank_account.is_not(None))
        .order_by(Organisation.pending_bank_account_at)).scalars())


def unverified_organisations(page: int, per_page: int) -> tuple[list[Organisation], int]:
    """One page of the unverified organisations, newest first, and how many there are."""
    query = select(Organisation).where(Organisation.verified_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.order_by(Organisation.created_at.desc(), Organisation.id.desc())
        .offset((page - 1) * per_page).limit(per_page)).scalars().all()
    return list(rows), total


#: Accounts a page of the administrator's list shows (issue 14: every account at once was
#: hundreds of kilobytes with a few thousand applicants).
USERS_PAGE_SIZE = 50


def users_page(search: str, page: int, per_page: int = USERS_PAGE_SIZE) -> tuple[list[User],
                                                                                 int]:
    """One page of the accounts whose name or e-mail address holds ``search`` (any case;
    empty: every account), by role and address, and how many there are."""
    query = select(User)
    if search:  # autoescape: % and _ in the search are themselves
        wanted = search.lower()
        query = query.where(or_(func.lower(User.email).contains(wanted, autoescape=True),
                                func.lower(User.name).contains(wanted, autoescape=True)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(User.role, User.email, User.id)
                              .offset((page - 1) * per_page).limit(per_page)).scalars()
    return list(rows), total
