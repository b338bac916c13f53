"""The grants domain's permissions. A member of the recipient organisation follows the
grant on their pages (others get 404). Staff who are inhabil in the application get 404
on its grant."""

from fund.applications.permissions import is_applicant_for
from fund.core.roles import Role
from fund.review.permissions import is_case_handler

# --- Following a grant (staff and recipient) ---


def may_follow_grant(user, inhabil: bool) -> bool:
    """Caseworkers and managers follow a grant unless inhabil in its application."""
    return is_case_handler(user) and not inhabil


def is_recipient(user, application) -> bool:
    """A member of the recipient organisation."""
    return is_applicant_for(user, application)


def may_make_recovery(user, inhabil: bool) -> bool:
    """Reducing or reclaiming a grant is a vedtak: for a manager who is not inhabil."""
    return user.is_authenticated and user.role == Role.MANAGER and not inhabil


def can_report_to_registers(user) -> bool:
    """Exports to Registeret for offentlig støtte and KDD: managers."""
    return user.is_authenticated and user.role == Role.MANAGER

# --- Acceptance ---


def may_accept_grant(user, application) -> bool:
    """A member of the recipient organisation accepts the tilsagn (the operation checks
    the member's authority to bind it)."""
    return is_recipient(user, application)


def can_list_call_grants(user) -> bool:
    """A call's grants (those the reader is not inhabil in): caseworkers and managers."""
    return is_case_handler(user)


def may_verify_authority(user, inhabil: bool) -> bool:
    """Verifying an acceptor's stated authority: a case handler who is not inhabil."""
    return is_case_handler(user) and not inhabil


# --- Payments ---


def may_request_payment(user, application) -> bool:
    """Payment requests are made by members of the recipient organisation."""
    return is_recipient(user, application)


def may_handle_payment(user, inhabil: bool) -> bool:
    """Approving, reducing, returning and recording payments: case handlers (caseworkers
    and managers) not inhabil in the application. Who approved may not record it paid
    (the operation checks that)."""
    return is_case_handler(user) and not inhabil


# --- Final report ---


def may_write_final_report(user, application) -> bool:
    """The final report is written and sent in by a member of the recipient."""
    return is_recipient(user, application)


def may_decide_final_report(user, inhabil: bool) -> bool:
    """A caseworker or manager who is not inhabil approves or returns the report."""
    return is_case_handler(user) and not inhabil


# --- Recovery ---


def may_record_repayment(user, inhabil: bool) -> bool:
    """A repayment is recorded by a caseworker or manager who is not inhabil."""
    return is_case_handler(user) and not inhabil


def may_answer_recovery(user, application) -> bool:
    """A forhåndsvarsel is answered by a member of the recipient organisation."""
    return user.is_authenticated and is_recipient(user, application)


# --- Registers ---
