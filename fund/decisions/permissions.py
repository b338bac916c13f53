"""The decisions domain's permissions."""


from fund.core.roles import Role

# --- Part C ---

def can_record_decisions(user) -> bool:
    """Who records the deciding body's vedtak: the managers who close reviews. One who is
    inhabil in any application of the call is refused by the page and the operation."""
    return user.is_authenticated and user.role == Role.MANAGER


def can_keep_rates(user) -> bool:
    """Who keeps the table of NOK/EUR rates: administrators, and the managers who need a
    rate for a decision."""
    return user.is_authenticated and user.role in (Role.ADMIN, Role.MANAGER)


# --- Part D ---
