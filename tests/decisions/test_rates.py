"""The NOK/EUR rate table: kept by an admin page and a CLI (no live lookup), audited."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.core.roles import Role
from fund.decisions.models import ExchangeRate
from fund.decisions.queries import rate_on
from fund.extensions import db as _db
from tests.helpers import html_of, login, make_user, post_form

PATH = "/vedtak/valutakurser"


def rates() -> dict[date, Decimal]:
    return {r.rate_date: r.nok_per_eur for r in _db.session.scalars(
        select(ExchangeRate).execution_options(populate_existing=True))}


def test_an_admin_adds_and_corrects_a_rate(client, db):
    admin = make_user("admin@example.no", Role.ADMIN, name="Ada Admin")
    _db.session.commit()
    login(client, admin)
    response = post_form(client, PATH, {"rate_date": "2027-06-14", "nok_per_eur": "11,6235",
                                        "source": "Norges Bank"})
    assert response.status_code == 302
    assert "Kursen er lagt inn." in html_of(client.get(PATH))
    assert rates() == {date(2027, 6, 14): Decimal("11.6235")}
    # Correcting: the list links to the form prefilled with the rate.
    html = html_of(client.get(PATH + "?dato=2027-06-14"))
    assert 'value="11.6235"' in html and 'value="Norges Bank"' in html
    post_form(client, PATH, {"rate_date": "2027-06-14", "nok_per_eur": "11.6240",
                             "source": "Norges Bank"})
    assert "Kursen er rettet." in html_of(client.get(PATH))
    assert rates() == {date(2027, 6, 14): Decimal("11.6240")}
    events = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("decision.rate_%")).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["decision.rate_added", "decision.rate_corrected"]
    assert events[1].details["old"] == "11.6235" and events[1].actor_id == admin.id


@pytest.mark.parametrize("fields, message", [
    ({"nok_per_eur": "0"}, "Kursen må være over null."),
    ({"nok_per_eur": "elleve"}, "Skriv et tall, for eksempel 11,6235."),
    ({"nok_per_eur": ""}, "Oppgi kursen."),
    ({"rate_date": "14.06.2027"}, "Not a valid date value."),
])
def test_a_wrong_rate_is_a_message(client, db, fields, message):
    manager = make_user("mgr@example.no", Role.MANAGER)
    _db.session.commit()
    login(client, manager)
    response = post_form(client, PATH, {"rate_date": "2027-06-14", "nok_per_eur": "11.5",
                                        "source": ""} | fields)
    assert response.status_code == 422
    html = html_of(response)
    assert message in html or "gyldig dato" in html
    assert rates() == {}


def test_only_staff_who_decide_keep_the_rates(client, db):
    for role in (Role.APPLICANT, Role.CASEWORKER):
        other = client.application.test_client()
        login(other, make_user(f"{role.value}@example.no", role))
        assert other.get(PATH).status_code == 403
    assert client.get(PATH).status_code == 302  # to the login page


def test_the_cli_adds_lists_and_corrects_rates(runner):
    result = runner.invoke(args=["decisions", "rate", "add", "2027-06-14", "11.6235",
                                 "--source", "Norges Bank"])
    assert result.exit_code == 0, result.output
    assert "Lagt inn: 2027-06-14 11.6235 kroner per euro (Norges Bank)" in result.output
    result = runner.invoke(args=["decisions", "rate", "add", "2027-06-14", "11,6300"])
    assert "Rettet: 2027-06-14" in result.output
    result = runner.invoke(args=["decisions", "rate", "list"])
    assert "2027-06-14  11.6300" in result.output
    for bad in (["2027-13-01", "11.5"], ["2027-06-15", "0"], ["2027-06-15", "11.12345"],
                ["2027-06-15", "nan"]):
        result = runner.invoke(args=["decisions", "rate", "add", *bad])
        assert result.exit_code != 0, bad
    assert rates() == {date(2027, 6, 14): Decimal("11.6300")}
    assert _db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("decision.rate_%")).order_by(AuditEvent.id)).all() == \
        ["decision.rate_added", "decision.rate_corrected"]


def test_a_decision_date_uses_its_rate_or_the_latest_before(db):
    _db.session.add_all([ExchangeRate(rate_date=date(2027, 6, 11), nok_per_eur=Decimal("11.5")),
                         ExchangeRate(rate_date=date(2027, 6, 14), nok_per_eur=Decimal("11.6"))])
    _db.session.flush()
    assert rate_on(date(2027, 6, 13)).nok_per_eur == Decimal("11.5")  # the weekend
    assert rate_on(date(2027, 6, 14)).nok_per_eur == Decimal("11.6")
    assert rate_on(date(2027, 6, 10)) is None
