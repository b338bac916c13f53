from fund.auth.models import Organisation, Role


def is_member(user, organisation: Organisation) -> bool:
    return user.is_authenticated and any(
        m.user_id == user.id for m in organisation.memberships)


def can_view_organisation(user, organisation: Organisation) -> bool:
    """Members, and the municipality's staff who handle the applications."""
    return is_member(user, organisation) or (user.is_authenticated and user.is_staff)


def can_edit_organisation(user, organisation: Organisation) -> bool:
    return is_member(user, organisation) or (user.is_authenticated and user.role == Role.ADMIN)


def can_administer(user) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN
