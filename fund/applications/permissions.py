"""Who may see and do what with an application. Another party's application is a 404."""

from fund.applications.models import Application, ApplicationState
from fund.core.roles import Role

STAFF_VISIBLE = (ApplicationState.SUBMITTED, ApplicationState.INFO_REQUESTED,
                 ApplicationState.WITHDRAWN)


def is_applicant_for(user, application: Application) -> bool:
    """A member of the applying organisation."""
    return user.is_authenticated and any(
        m.user_id == user.id for m in application.organisation.memberships)


def can_view(user, application: Application) -> bool:
    """The applicant's pages are for its members. Caseworkers open received applications
    through case handling, which checks conflicts of interest (fund.review)."""
    return is_applicant_for(user, application)


def can_edit(user, application: Application) -> bool:
    return is_applicant_for(user, application) and application.state in (
        ApplicationState.DRAFT, ApplicationState.INFO_REQUESTED)


def can_withdraw(user, application: Application) -> bool:
    if application.call.review_closed:
        return False
    return is_applicant_for(user, application) and application.state in (
        ApplicationState.SUBMITTED, ApplicationState.INFO_REQUESTED)


def can_delete(user, application: Application) -> bool:
    return is_applicant_for(user, application) and application.state == \
        ApplicationState.DRAFT and not application.submissions


def can_start(user) -> bool:
    return user.is_authenticated and user.role == Role.APPLICANT
