"""A tilsagn is made when the letter of a granting vedtak is sent."""

from fund.decisions.queries import budget_room
from fund.grants.models import GrantState
from fund.grants.queries import grant_of
from tests.grants.conftest import ACCEPT_BY
from tests.helpers import html_of, login, post_form


def test_sending_a_granting_letter_offers_the_grant_with_the_acceptance_deadline(granted):
    for key in ("A", "B"):
        grant = granted.grants[key]
        assert grant is not None and grant.state == GrantState.OFFERED
        assert grant.acceptance_deadline == ACCEPT_BY
    for key in ("C", "D", "E"):
        assert grant_of(granted.apps[key]) is None


def test_money_returned_to_the_call_is_room_to_grant_again(granted, db):
    call = granted.apps["A"].call
    before = budget_room(call)
    decision = granted.decided.decisions["A"]
    decision.returned_amount = decision.amount
    db.session.flush()
    assert budget_room(call) == before + 150_000


def test_the_recipient_and_staff_see_the_grant_page_and_others_get_404(granted, app, client):
    grant = granted.grants["B"]
    login(client, granted.applicants["B"])
    page = client.get(f"/mine-tilskudd/{grant.id}")
    assert page.status_code == 200 and "Beta bakeri" in page.text
    assert client.get(f"/mine-tilskudd/{granted.grants['A'].id}").status_code == 404
    assert client.get(f"/tilskudd/{grant.id}").status_code in (403, 404)
    client = app.test_client()
    login(client, granted.sara)
    assert client.get(f"/tilskudd/{grant.id}").status_code == 200
    client = app.test_client()
    login(client, granted.mona)  # inhabil in B
    assert client.get(f"/tilskudd/{grant.id}").status_code == 404
    assert client.get(f"/tilskudd/{granted.grants['A'].id}").status_code == 200


def _row_of(html: str, title: str) -> str:
    """The dashboard's table row of the application titled ``title``."""
    start = html.index(title)
    return html[html.rindex("<tr>", 0, start):html.index("</tr>", start)]


def test_the_dashboard_shows_the_vedtak_and_the_way_to_the_grant_under_each_own_row(
        granted, client):
    """«Mine søknader»: under each application its vedtak and its grant with the deadline
    for acceptance, in the applicant's language; nothing under the others' rows."""
    login(client, granted.applicants["B"])
    row = _row_of(html_of(client.get("/soknader")), granted.apps["B"].title)
    grant = granted.grants["B"]
    assert "Vedtak: Delvis innvilget, kr 90 000" in row
    assert f'href="/mine-tilskudd/{grant.id}">Gå til tilskuddet</a> – ' in row
    assert "frist for aksept 8. juni 2027" in row
    post_form(client, "/sprak", {"lang": "en", "next": "/soknader"}, form_page="/")
    english = _row_of(html_of(client.get("/soknader")), granted.apps["B"].title)
    assert "Decision: " in english and ">Go to the grant</a>" in english
    assert "deadline for acceptance" in english and "Vedtak:" not in english
