from fund.auth.models import Invitation, Organisation
from fund.core.roles import Role


def is_member(user, organisation: Organisation) -> bool:
    return user.is_authenticated and any(
        m.user_id == user.id for m in organisation.memberships)


def is_responsible(user, organisation: Organisation) -> bool:
    """A member who registered the organisation, proved the right to act for it, or was
    made responsible by another responsible member."""
    return user.is_authenticated and any(
        m.user_id == user.id and m.responsible for m in organisation.memberships)


def is_staff(user) -> bool:
    return user.is_authenticated and user.is_staff


def can_view_organisation(user, organisation: Organisation) -> bool:
    """Members, and the municipality's staff who handle the applications."""
    return is_member(user, organisation) or is_staff(user)


def can_edit_organisation(user, organisation: Organisation) -> bool:
    return is_member(user, organisation) or (user.is_authenticated and user.role == Role.ADMIN)


def can_remove_member(user, organisation: Organisation, member) -> bool:
    """Anyone may leave; only a responsible member removes others."""
    return is_member(user, organisation) and (
        member.id == user.id or is_responsible(user, organisation))


def can_answer_invitation(user, invitation: Invitation) -> bool:
    """The holder of a confirmed applicant account with the invited address."""
    return user.is_authenticated and user.role == Role.APPLICANT \
        and user.email_verified_at is not None and user.email == invitation.email


def can_verify_organisation(user) -> bool:
    """Staff check the right to act, decide claims and approve bank accounts."""
    return is_staff(user)


def can_administer(user) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN
