"""Who may handle an application. A disqualified caseworker (forvaltningsloven §6) gets
404 on everything about it: the page, the attachments, the ranking rows; and one who is
inhabil in any application of a call cannot move its line, close it or export it.

The rule for who is inhabil is ``is_disqualified`` here; its SQL twin, for lists, is
``queries.hidden_application_ids``."""

from fund.applications.models import Application, ApplicationState
from fund.applications.permissions import STAFF_VISIBLE, is_applicant_for
from fund.calls.permissions import can_manage_calls
from fund.core.roles import Role
from fund.review.models import Assessment, AssessmentState, ConflictDeclaration
from fund.review.settings import settings_for

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


def can_assign_others(user) -> bool:
    """A manager hands applications to caseworkers; a caseworker only takes them."""
    return user.is_authenticated and user.role == Role.MANAGER


def can_assign(actor, caseworker, application: Application,
               declaration: ConflictDeclaration | None) -> bool:
    """Whether ``actor`` may (try to) give ``application`` to ``caseworker``
    (``declaration``: the caseworker's own for it). Taking a case one is inhabil in is
    not offered at all; assigning someone inhabil is refused by the operation, with a
    message."""
    if not is_case_handler(actor) or caseworker is None or \
            caseworker.role not in CASE_HANDLERS or application.state not in STAFF_VISIBLE:
        return False
    if caseworker.id == actor.id:
        return not is_disqualified(actor, application, declaration)
    return can_assign_others(actor)


def bound_by_blind_review(user, own: Assessment | None) -> bool:
    """Who blind review applies to, for one application: a caseworker always; a manager
    only once they have started assessing it themself (one who does not assess proposes
    on the completed assessments)."""
    return _bound(user, own is not None)


def _bound(user, assessed: bool) -> bool:
    return user.role == Role.CASEWORKER or assessed


def sees_others_assessments(user, call, own: Assessment | None) -> bool:
    """Whether the user may see others' scores, recommendations, amounts and comments for
    an application (``own``: the user's assessment of it). With blind review a bound
    reader sees them once their own assessment is complete; after the review is closed
    nothing can change, and everyone sees them."""
    return sees_others_given(user, call, own is not None,
                             own is not None and own.state == AssessmentState.COMPLETED)


def sees_others_given(user, call, assessed: bool, completed: bool) -> bool:
    """``sees_others_assessments`` for a reader who has (``assessed``) or has not started
    an assessment of their own, and has ``completed`` it or not: the answer depends on
    nothing else, so a list asks it once per kind."""
    if not settings_for(call).blind_review or call.review_closed or \
            not _bound(user, assessed):
        return True
    return completed


def can_move_line(user) -> bool:
    """Who moves a call's budget line (see ``may_move_line`` for one call)."""
    return user.is_authenticated and user.role == Role.MANAGER


def may_move_line(user, call, inhabil_in_call: bool) -> bool:
    """A manager who is not inhabil in any application of the call, while it is open."""
    return can_move_line(user) and not call.review_closed and not inhabil_in_call


def may_close_review(user) -> bool:
    return user.is_authenticated and user.role == Role.MANAGER


def may_request_info(user, application: Application) -> bool:
    """A case handler asks the applicant for more while the application is submitted and
    the review open (``applications.operations.request_info`` checks it again)."""
    return is_case_handler(user) and application.state == ApplicationState.SUBMITTED \
        and not application.call.review_closed


def can_change_review_settings(user, call) -> bool:
    """Whoever manages calls, until the review is closed."""
    return can_manage_calls(user) and not call.review_closed and call.archived_at is None


def can_edit_assessment(user, assessment: Assessment, call) -> bool:
    """The caseworker's own assessment, while the call's review is open."""
    return assessment.caseworker_id == user.id and not call.review_closed


def may_declare_inhabil_after_all(user, application: Application,
                                  declaration: ConflictDeclaration | None) -> bool:
    """«Jeg er inhabil likevel»: one who declared habil may change it at any time."""
    return may_open(user, application, declaration)


def may_record_access(user) -> bool:
    """Case handlers record access requests, the municipality's exemption assessments and
    the archive reference on a case they may open (the case pages check that)."""
    return is_case_handler(user)
