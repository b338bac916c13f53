"""Who may see and do what with an application. Another party's application is a 404.
What the state allows is the state machine's (``ApplicationState.TRANSITIONS``)."""

from fund.applications.models import Application, ApplicationState
from fund.core.roles import Role

#: The states caseworkers see: every state after the draft.
STAFF_VISIBLE = tuple(state for state in ApplicationState if state.is_staff_visible)


def is_applicant_for(user, application: Application) -> bool:
    """A member of the applying organisation."""
    return user.is_authenticated and any(
        m.user_id == user.id for m in application.organisation.memberships)


def can_view(user, application: Application) -> bool:
    """The applicant's pages are for its members. Caseworkers open received applications
    through case handling, which checks conflicts of interest (fund.review)."""
    return is_applicant_for(user, application)


def can_edit(user, application: Application) -> bool:
    return is_applicant_for(user, application) and application.is_editable


def can_withdraw(user, application: Application) -> bool:
    return is_applicant_for(user, application) and application.can_withdraw


def can_delete(user, application: Application) -> bool:
    return is_applicant_for(user, application) and application.can_be_deleted


def can_start(user) -> bool:
    return user.is_authenticated and user.role == Role.APPLICANT
