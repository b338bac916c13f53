"""The menu shows each role the pages it may open: the templates ask the same permission
predicates as the views (``can.*``)."""

import re

import pytest

from fund.core.roles import Role
from tests.helpers import login, make_user


def menu(client) -> list[str]:
    page = client.get("/").get_data(as_text=True)
    nav = page.split('class="nav-list"')[1].split("</ul>")[0]
    return re.findall(r'<a class="ds-link" href="[^"]+">([^<]+)</a>', nav)


@pytest.mark.parametrize("role, expected", [
    (Role.APPLICANT, ["Mine søknader", "Min side"]),
    (Role.CASEWORKER, ["Min side", "Innkomne søknader", "Organisasjoner", "Rapporter"]),
    (Role.MANAGER, ["Min side", "Innkomne søknader", "Organisasjoner", "Forvaltning",
                    "Registre", "Rapporter"]),
    (Role.ADMIN, ["Min side", "Organisasjoner", "Forvaltning", "Brukere", "Planer", "Logg"]),
])
def test_each_role_sees_the_pages_it_may_open(client, db, role, expected):
    login(client, make_user(f"{role.value}@example.no", role))
    assert menu(client) == ["Utlysninger", "Handlingsplanen", *expected]


def test_a_visitor_sees_the_public_pages(client, db):
    assert menu(client) == ["Utlysninger", "Handlingsplanen"]
