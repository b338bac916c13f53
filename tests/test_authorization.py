"""The authorisation matrix: every route, requested as every kind of user.

A new route fails `test_every_route_is_in_the_matrix` until it is added here, so no
route escapes the check. Expected answers: a status code, or LOGIN for a redirect to
the login page. Another party's object answers 404, not 403. The matrix is in
tests/matrix.py.
"""

import re

import pytest

from tests.helpers import login
from tests.matrix import LAST, LOGIN, MATRIX, ROLES, expand, routes


def test_every_route_is_in_the_matrix(app):
    found = {(rule.rule, method) for rule, method in routes(app)}
    assert found - MATRIX.keys() == set(), "add the new routes to MATRIX"
    assert MATRIX.keys() - found == set(), "MATRIX lists routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_matrix_says(app, client, world, role):
    users, values, specific = world
    if role != "anon":
        login(client, users[role])
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/").get_data(as_text=True)).group(1)
    ordered = sorted(routes(app), key=lambda rm: LAST.index((rm[0].rule, rm[1]))
                     if (rm[0].rule, rm[1]) in LAST else -1)
    wrong = []
    for rule, method in ordered:
        path = expand(rule, values, specific)
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf_token": token})
        expected = MATRIX[(rule.rule, method)][role]
        got = response.status_code
        if expected == LOGIN:
            ok = got == 302 and "/logg-inn" in response.headers["Location"]
        else:
            ok = got == expected and not (
                got == 302 and role != "anon" and "/logg-inn" in response.headers["Location"])
        if not ok:
            wrong.append(f"{method} {path}: expected {expected}, got {got}")
    assert wrong == []
