from fund.core.roles import Role


def can_manage_plans(user) -> bool:
    """Administrators load new plan periods."""
    return user.is_authenticated and user.role == Role.ADMIN


def can_set_priorities(user) -> bool:
    """Managers (fondsforvaltere) enter the political priority of each innsatsområde."""
    return user.is_authenticated and user.role == Role.MANAGER
