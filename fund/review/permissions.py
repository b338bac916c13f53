"""Who may handle an application. A disqualified caseworker (forvaltningsloven §6) gets
404 on everything about it: the page, the attachments, the exports, the ranking rows."""

from fund.applications.models import Application
from fund.applications.permissions import STAFF_VISIBLE, is_applicant_for
from fund.auth.models import Role
from fund.review.models import ConflictDeclaration

CASE_HANDLERS = (Role.CASEWORKER, Role.MANAGER)


def is_case_handler(user) -> bool:
    return user.is_authenticated and user.role in CASE_HANDLERS


def is_received(application: Application) -> bool:
    return application.state in STAFF_VISIBLE or bool(application.submissions)


def automatically_disqualified(user, application: Application) -> bool:
    """A member of the applying organisation is always inhabil."""
    return is_applicant_for(user, application)


def is_disqualified(user, application: Application,
                    declaration: ConflictDeclaration | None) -> bool:
    return automatically_disqualified(user, application) or (
        declaration is not None and declaration.disqualified)


def may_open(user, application: Application, declaration: ConflictDeclaration | None) -> bool:
    """A caseworker or manager who has declared themself not disqualified."""
    return is_case_handler(user) and is_received(application) and declaration is not None \
        and not is_disqualified(user, application, declaration)


def must_declare(user, application: Application,
                 declaration: ConflictDeclaration | None) -> bool:
    return is_case_handler(user) and is_received(application) and declaration is None \
        and not automatically_disqualified(user, application)
