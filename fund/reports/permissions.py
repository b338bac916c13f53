"""Who may read the staff reports: the case handlers (caseworkers and managers), as for
the cases themselves. Figures over applications someone is inhabil in are refused to them
in the view (``fund.review.queries.hidden_application_ids``), not here."""

from fund.core.roles import Role
from fund.review.permissions import is_case_handler


def can_read_reports(user) -> bool:
    return is_case_handler(user)


def can_enter_context(user) -> bool:
    """Managers (fondsforvaltere) enter the figures from outside the system (NHO, SSB),
    as they enter the political priority."""
    return user.is_authenticated and user.role == Role.MANAGER
