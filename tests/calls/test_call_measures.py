"""Which plan measures an applicant may choose: the plan's choice, which a manager can
change for one call while it is planned; the fund's own yearly call never."""

from datetime import timedelta

from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.calls.models import CallMeasure
from fund.calls.queries import measures_open_to_applicants
from fund.core.roles import Role
from fund.extensions import db as _db
from tests.helpers import html_of, login, make_call, make_user, post_form

PLAN_OPEN = ["1B-2", "1C-6", "2A-3", "2C-1", "2C-2", "3A-1", "3B-1", "3B-2", "3C-1", "3C-2",
             "4B-3", "5C-2"]


def codes(call) -> list[str]:
    return [m.code for m in measures_open_to_applicants(call)]


def planned_call():
    return make_call(opens_in=timedelta(days=10), closes_in=timedelta(days=40))


def test_applicants_choose_from_the_measures_the_plan_opens_in_plan_order(db):
    assert codes(make_call()) == PLAN_OPEN


def test_a_manager_opens_and_closes_measures_for_one_call_and_it_is_audited(client, db):
    call, other = planned_call(), planned_call()
    _db.session.commit()
    login(client, make_user("forvalter@example.no", Role.MANAGER))
    path = f"/forvaltning/utlysninger/{call.id}/tiltak"
    chosen = [c for c in PLAN_OPEN if c != "3A-1"] + ["5A-1"]
    response = post_form(client, path, {"measures": chosen})
    assert response.status_code == 302
    assert "Tiltakene for utlysningen er lagret." in html_of(client.get(path))
    assert codes(call) == ["1B-2", "1C-6", "2A-3", "2C-1", "2C-2", "3B-1", "3B-2", "3C-1",
                           "3C-2", "4B-3", "5A-1", "5C-2"]
    assert codes(other) == PLAN_OPEN  # the other call keeps the plan's choice
    assert len(_db.session.scalars(select(CallMeasure).where(
        CallMeasure.call_id == call.id)).all()) == 2  # only what differs from the plan
    event = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "call.measures_changed")).one()
    assert event.details["opened"] == ["5A-1"] and event.details["closed"] == ["3A-1"]


def test_the_fund_itself_cannot_be_opened_to_applicants(client, db):
    call = planned_call()
    _db.session.commit()
    login(client, make_user("forvalter@example.no", Role.MANAGER))
    response = post_form(client, f"/forvaltning/utlysninger/{call.id}/tiltak",
                         {"measures": PLAN_OPEN + ["1B-3"]})
    assert response.status_code == 200
    assert "Tiltak 1B-3 er selve den årlige utlysningen" in html_of(response)
    assert codes(call) == PLAN_OPEN


def test_junk_measure_codes_get_a_message_not_an_error(client, db):
    call = planned_call()
    _db.session.commit()
    login(client, make_user("forvalter@example.no", Role.MANAGER))
    response = post_form(client, f"/forvaltning/utlysninger/{call.id}/tiltak",
                         {"measures": ["9Z-9\x00", "x" * 500]})
    assert response.status_code == 200
    assert "finnes ikke i handlingsplanen" in html_of(response)


def test_measures_are_locked_once_the_call_opens(client, db):
    call = make_call()  # open
    _db.session.commit()
    login(client, make_user("forvalter@example.no", Role.MANAGER))
    path = f"/forvaltning/utlysninger/{call.id}/tiltak"
    assert "Tiltakene er låst fordi utlysningen er åpnet." in html_of(client.get(path))
    post_form(client, path, {"measures": ["5A-1"]})
    assert codes(call) == PLAN_OPEN


def test_only_managers_change_a_calls_measures(client, db):
    call = planned_call()
    _db.session.commit()
    login(client, make_user("saksbehandler@example.no", Role.CASEWORKER))
    assert client.get(f"/forvaltning/utlysninger/{call.id}/tiltak").status_code == 403


def test_the_public_plan_page_shows_which_measures_are_open_to_applicants(client, db):
    page = html_of(client.get("/plan/"))
    assert page.count("Åpent for søkere</span>") == len(PLAN_OPEN)
    assert page.count("Selve fondet</span>") == 2
    one = page.split('id="tiltak-3A-1"')[1].split("</li>")[0]
    assert "Åpent for søkere" in one
    assert "Åpent for søkere" not in page.split('id="tiltak-1A-1"')[1].split("</li>")[0]
