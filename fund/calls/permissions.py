from fund.core.roles import Role


def can_manage_calls(user) -> bool:
    """Fondsforvaltere (and admins) open, change, extend, close and archive calls."""
    return user.is_authenticated and user.role in (Role.MANAGER, Role.ADMIN)
