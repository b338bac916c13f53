"""Who may see and do what with an application. Another party's application is a 404."""

from fund.applications.models import Application, ApplicationState
from fund.auth.models import Role

STAFF_VISIBLE = (ApplicationState.SUBMITTED, ApplicationState.INFO_REQUESTED,
                 ApplicationState.WITHDRAWN)


def is_applicant_for(user, application: Application) -> bool:
    """A member of the applying organisation."""
    return user.is_authenticated and any(
        m.user_id == user.id for m in application.organisation.memberships)


def can_view(user, application: Application) -> bool:
    """Members always; the municipality's staff once it has been submitted."""
    if is_applicant_for(user, application):
        return True
    return user.is_authenticated and user.is_staff and (
        application.state in STAFF_VISIBLE or bool(application.submissions))


def can_edit(user, application: Application) -> bool:
    return is_applicant_for(user, application) and application.state in (
        ApplicationState.DRAFT, ApplicationState.INFO_REQUESTED)


def can_withdraw(user, application: Application) -> bool:
    return is_applicant_for(user, application) and application.state in (
        ApplicationState.SUBMITTED, ApplicationState.INFO_REQUESTED)


def can_delete(user, application: Application) -> bool:
    return is_applicant_for(user, application) and application.state == \
        ApplicationState.DRAFT and not application.submissions


def can_request_info(user, application: Application) -> bool:
    return user.is_authenticated and user.role in (Role.CASEWORKER, Role.MANAGER) and \
        application.state == ApplicationState.SUBMITTED


def can_start(user) -> bool:
    return user.is_authenticated and user.role == Role.APPLICANT
