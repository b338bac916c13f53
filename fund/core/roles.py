"""The roles a user can hold. Below every domain, so that any of them can ask."""

import enum

from flask_babel import lazy_gettext as _l


class Role(enum.StrEnum):
    APPLICANT = "applicant"  #: søker
    CASEWORKER = "caseworker"  #: saksbehandler
    MANAGER = "manager"  #: fondsforvalter
    ADMIN = "admin"


ROLE_LABELS = {
    Role.APPLICANT: _l("Søker"),
    Role.CASEWORKER: _l("Saksbehandler"),
    Role.MANAGER: _l("Fondsforvalter"),
    Role.ADMIN: _l("Administrator"),
}


def is_admin(user) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN
