"""The decisions domain's permissions."""

from fund.applications.permissions import is_applicant_for
from fund.core.roles import Role
from fund.review.permissions import is_case_handler

# --- Recording vedtak and keeping rates ---

def can_record_decisions(user) -> bool:
    """Who records the deciding body's vedtak: the managers who close reviews. One who is
    inhabil in any application of the call is refused by the page and the operation."""
    return user.is_authenticated and user.role == Role.MANAGER


def can_keep_rates(user) -> bool:
    """Who keeps the table of NOK/EUR rates: administrators, and the managers who need a
    rate for a decision."""
    return user.is_authenticated and user.role in (Role.ADMIN, Role.MANAGER)


# --- Letters, notification and appeals ---
# Letters, notification and appeals. A member of the applying organisation sees the
# decision, the sent letter and their appeals (others get 404). Staff who are inhabil in an
# application get 404 on its letters and appeals; sending a call's letters is for a
# manager who is inhabil in none of its applications.


def can_handle_letters(user) -> bool:
    """Who stages and sends letters and handles appeals: the fund manager."""
    return user.is_authenticated and user.role == Role.MANAGER


def may_send_letters(user, inhabil_in_call: bool) -> bool:
    """A manager who is not inhabil in any application of the call (fvl § 6)."""
    return can_handle_letters(user) and not inhabil_in_call


def may_read_case_letters(user, inhabil: bool) -> bool:
    """Case handlers read an application's letters and appeals unless inhabil in it."""
    return is_case_handler(user) and not inhabil


def may_handle_appeal(user, inhabil: bool) -> bool:
    return can_handle_letters(user) and not inhabil


def may_see_decision(user, application) -> bool:
    """The applicant's members see the vedtak once its letter is sent."""
    return is_applicant_for(user, application)
