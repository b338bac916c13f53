from fund.core.roles import Role


def can_manage_plans(user) -> bool:
    """Administrators load new plan periods."""
    return user.is_authenticated and user.role == Role.ADMIN
