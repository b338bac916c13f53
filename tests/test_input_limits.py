"""Input the database cannot hold is refused where it comes in (security review M5):
an id too large for any row is a 404, a number too large or not a number at all is a
message on its field, and text with NUL or control characters never reaches the
database. Nothing wrong is stored, and nothing answers 500 (or the 400 of the last line
of defence, which would mean the form let it through)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from fund.applications.models import Application
from fund.applications.operations import submit
from fund.auth.models import Membership, Organisation, User
from fund.calls.models import Call, Fund
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.review.models import Assessment, ReviewSettings
from tests.helpers import (
    browser_form,
    csrf_token,
    declare,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
    post_form,
)
from tests.test_authorization import ROLES, routes

HUGE = "99999999999999999999"
#: One more than PostgreSQL's integer holds; SQLite would store it.
INT4_OVERFLOW = str(2**31)
TOO_LARGE = [HUGE, INT4_OVERFLOW, "9223372036854775808"]
STRONG = "Blåbærsyltetøy på brødskiva i 1987"
NOT_FINITE = ["Infinity", "-Infinity", "NaN", "sNaN", "1e400", "99999999999", "1E+12"]


def field_error(html: str, field_id: str) -> str | None:
    """The message the page links to field ``field_id`` (from the error summary)."""
    match = re.search(rf'href="#{re.escape(field_id)}">(?:[^<]*: )?([^<]+)</a>', html)
    return match.group(1).strip() if match else None


def fresh(model, id_):
    _db.session.expire_all()
    return _db.session.get(model, id_)


# -- Ids in URLs ---------------------------------------------------------------------------------

def int_routes(app):
    for rule, method in routes(app):
        names = [name for name, converter in rule._converters.items()
                 if type(converter).__name__ == "BoundedInt"]
        if names:
            yield rule, method, names


@pytest.mark.parametrize("role", ROLES)
def test_an_id_too_large_for_the_database_is_not_found_in_every_url(app, client, world, role):
    users, values, specific = world
    if role != "anon":
        login(client, users[role])
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/").get_data(as_text=True)).group(1)
    wrong = []
    for rule, method, names in int_routes(app):
        args = {**{name: 1 if name in names else "x" for name in rule.arguments}, **values,
                **specific.get(rule.rule, {})}
        for number in (HUGE, INT4_OVERFLOW, "2147483647"):
            # each id in the path alone, then all of them
            for changed in [[name] for name in names] + ([names] if len(names) > 1 else []):
                path = rule.build({**args, **dict.fromkeys(changed, int(number))},
                                  append_unknown=False)[1]
                response = client.get(path) if method == "GET" else \
                    client.post(path, data={"csrf_token": token})
                login_redirect = response.status_code == 302 and \
                    "/logg-inn" in response.headers.get("Location", "")
                if number == "2147483647":  # a valid id that is no row (or a
                    # case page that asks for the §6 declaration first)
                    ok = response.status_code in (403, 404) or login_redirect or \
                        response.headers.get("Location", "").endswith("/habilitet")
                else:
                    ok = response.status_code == 404
                if not ok:
                    wrong.append(f"{method} {path}: {response.status_code}")
    assert wrong == []


def test_routes_with_ids_are_all_checked(app):
    rules = {rule.rule for rule, _method, _names in int_routes(app)}
    assert "/utlysninger/<int:call_id>" in rules
    assert "/soknader/<int:application_id>/vedlegg/<int:attachment_id>" in rules
    assert "/saksbehandling/utlysninger/<int:call_id>/rangering" in rules
    assert len(rules) > 20


# -- Query parameters ----------------------------------------------------------------------------

PAGES = ["9223372036854775807", HUGE, "-1", "0", "abc", "1e9", "", "2147483648", "٣"]


@pytest.mark.parametrize("side", PAGES)
def test_any_page_number_shows_the_staff_queue_and_the_audit_log(app, client, world, side):
    users, values, _specific = world
    login(client, users["cw"])
    for utlysning in (str(values["call_id"]), HUGE, "-5", "x", INT4_OVERFLOW):
        response = client.get(f"/saksbehandling/soknader?side={side}&utlysning={utlysning}")
        assert response.status_code == 200, (side, utlysning)
    admin = app.test_client()
    login(admin, users["admin"])
    assert admin.get(f"/admin/logg/?side={side}").status_code == 200


def test_a_page_far_beyond_the_end_is_simply_empty(client, world):
    users, values, _specific = world
    login(client, users["cw"])
    assert client.get(f"/saksbehandling/soknader?side={HUGE}").status_code == 200
    html = html_of(client.get("/saksbehandling/soknader?side=1"))
    assert "Grønn varmepumpe for Kjeller" in html


@pytest.mark.parametrize("value", PAGES)
def test_any_rows_or_submission_number_shows_the_applicants_pages(client, world, value):
    users, values, _specific = world
    a = users["a"]
    call = _db.session.get(Call, values["call_id"])
    draft = make_application(call, a.memberships[0].organisation, a, complete=False)
    _db.session.commit()
    login(client, a)
    response = client.get(f"/soknader/{draft.id}?rader={value}")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('name="cost_lines-') <= 5 * 21  # 5 fields a row
    response = client.get(f"/soknader/{values['application_id']}/kvittering.pdf"
                          f"?innsending={value}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"


# -- The application form ------------------------------------------------------------------------

@pytest.fixture
def draft(db):
    user = make_user("siri@example.no", name="Siri Søker")
    org = make_organisation(user)
    call = make_call(Fund.KLIMAFOND)
    application = make_application(call, org, user, complete=True)
    _db.session.commit()
    return user, application


def full_save(client, application, data):
    path = f"/soknader/{application.id}"
    fields = browser_form(client.get(path).get_data(as_text=True), "application-form")
    fields.update(data)
    return client.post(path, data={**fields, "save": "1"})


def autosave(client, application, data):
    path = f"/soknader/{application.id}"
    fields = browser_form(client.get(path).get_data(as_text=True), "application-form")
    fields.update(data)
    return client.post(f"{path}/autolagre", data=fields)


def stored(application) -> dict:
    a = fresh(Application, application.id)
    return {"amount_applied": a.amount_applied, "knowledge_jobs": a.knowledge_jobs,
            "other_jobs": a.other_jobs, "co2e_cut_tonnes": a.co2e_cut_tonnes,
            "title": a.title, "description": a.description, "contact_name": a.contact_name,
            "cost_lines": [(c.amount, c.description) for c in a.cost_lines],
            "financing_lines": [(f.hours, f.hourly_rate, f.amount)
                                for f in a.financing_lines],
            "aid": [(d.grantor, d.amount) for d in a.aid_received]}


NUMBER_FIELDS = ["amount_applied", "knowledge_jobs", "other_jobs", "cost_lines-0-amount",
                 "financing_lines-0-amount", "financing_lines-0-hours",
                 "financing_lines-0-hourly_rate", "aid-0-amount"]
AID_ROW = {"aid-0-grantor": "Innovasjon Norge", "aid-0-granted_on": "2026-01-15",
           "aid-0-amount": "1000"}


@pytest.mark.parametrize("how", ["full", "auto"])
@pytest.mark.parametrize("field", NUMBER_FIELDS)
def test_a_number_too_large_is_a_message_on_its_field_and_nothing_is_stored(
        client, draft, field, how):
    user, application = draft
    login(client, user)
    before = stored(application)
    extra = AID_ROW if field.startswith("aid-") else {}
    if field.startswith("financing_lines-0-h"):
        extra = {"financing_lines-0-kind": "own_work", "financing_lines-0-hours": "10",
                 "financing_lines-0-hourly_rate": "500", "financing_lines-0-amount": ""}
    for value in TOO_LARGE:
        data = {**extra, field: value}
        if how == "full":
            response = full_save(client, application, data)
            html = html_of(response)
            assert response.status_code == 200, (value, response.status_code)
            assert "bortsett fra feltene som er merket" in html
            assert field_error(html, field) == "Tallet er for stort.", value
            assert f'value="{value}"' in html  # what was typed is shown to correct
        else:
            response = autosave(client, application, data)
            assert response.status_code == 200, (value, response.status_code)
            assert response.json["ok"] and response.json["errors"]
        assert stored(application) == before


@pytest.mark.parametrize("how", ["full", "auto"])
def test_the_largest_number_the_database_holds_is_kept(client, draft, how):
    user, application = draft
    login(client, user)
    data = {"amount_applied": "2147483647", "cost_lines-0-amount": "2147483647",
            "knowledge_jobs": "2147483647"}
    response = (full_save if how == "full" else autosave)(client, application, data)
    assert response.status_code in (200, 302)
    after = stored(application)
    assert after["amount_applied"] == after["knowledge_jobs"] == 2147483647
    assert after["cost_lines"][0][0] == 2147483647
    # and the pages that show the figures still work
    assert client.get(f"/soknader/{application.id}").status_code == 200
    assert client.get(f"/soknader/{application.id}/send-inn").status_code == 200


@pytest.mark.parametrize("how", ["full", "auto"])
def test_own_work_whose_hours_times_rate_is_too_large_is_refused(client, draft, how):
    user, application = draft
    login(client, user)
    before = stored(application)
    data = {"financing_lines-0-kind": "own_work", "financing_lines-0-hours": "100000",
            "financing_lines-0-hourly_rate": "100000", "financing_lines-0-amount": ""}
    if how == "full":
        response = full_save(client, application, data)
        assert response.status_code == 200
        assert field_error(html_of(response), "financing_lines-0-hourly_rate") == \
            "Timer × timesats blir et for stort beløp."
    else:
        response = autosave(client, application, data)
        assert response.status_code == 200 and response.json["errors"]
    assert stored(application) == before


@pytest.mark.parametrize("how", ["full", "auto"])
def test_the_co2e_cut_must_be_an_ordinary_number(client, draft, how):
    user, application = draft
    login(client, user)
    for value in NOT_FINITE:
        if how == "full":
            response = full_save(client, application, {"co2e_cut_tonnes": value})
            assert response.status_code == 200, value
            assert field_error(html_of(response), "co2e_cut_tonnes") in (
                "Skriv et vanlig tall, f.eks. 12,5.", "Tallet er for stort."), value
        else:
            response = autosave(client, application, {"co2e_cut_tonnes": value})
            assert response.status_code == 200 and response.json["errors"], value
        assert fresh(Application, application.id).co2e_cut_tonnes == Decimal("40.5"), value
    autosave(client, application, {"co2e_cut_tonnes": "9999999999.99"})
    assert fresh(Application, application.id).co2e_cut_tonnes == Decimal("9999999999.99")


@pytest.mark.parametrize("how", ["full", "auto"])
@pytest.mark.parametrize("field", ["title", "contact_name", "description",
                                   "cost_lines-0-description", "aid-0-grantor"])
def test_nul_and_control_characters_never_reach_the_database(client, draft, field, how):
    user, application = draft
    login(client, user)
    before = stored(application)
    extra = AID_ROW if field.startswith("aid-") else {}
    for value in ("Eve\x00", "a\x1bb", "\x7f"):
        if how == "full":
            response = full_save(client, application, {**extra, field: value})
            assert response.status_code == 200, repr(value)
            assert field_error(html_of(response), field), repr(value)
        else:
            response = autosave(client, application, {**extra, field: value})
            assert response.status_code == 200 and response.json["errors"], repr(value)
        assert stored(application) == before


def test_nul_in_hand_parsed_fields_is_dropped(client, draft):
    user, application = draft
    login(client, user)
    measure_id = application.measures[0].measure_id
    response = autosave(client, application, {
        "measure": str(measure_id), f"how-{measure_id}": "Vi\x00 gjør det",
        "exempt-goals": "1", "exempt-reason-goals": "Hemmelig\x00 plan"})
    assert response.status_code == 200 and response.json["ok"]
    application = fresh(Application, application.id)
    assert application.measures[0].how == "Vi gjør det"
    assert application.exemption_reason("goals") == "Hemmelig plan"


# -- Staff forms ---------------------------------------------------------------------------------

@pytest.fixture
def case(app, db):
    applicant = make_user("soker@example.no", name="Siri Søker")
    org = make_organisation(applicant)
    call = make_call()
    application = make_application(call, org, applicant)
    with app.test_request_context():
        submit(application, applicant)
    caseworker = make_user("sara@example.no", Role.CASEWORKER, name="Sara Saksbehandler")
    manager = make_user("lene@example.no", Role.MANAGER, name="Lene Leder")
    _db.session.commit()
    return application, caseworker, manager


@pytest.mark.parametrize("value", TOO_LARGE)
def test_a_recommended_amount_too_large_is_a_message_on_its_field(client, case, value):
    application, caseworker, _manager = case
    login(client, caseworker)
    declare(client, application)
    path = f"/saksbehandling/soknader/{application.id}/vurdering"
    fields = browser_form(client.get(path).get_data(as_text=True), "criteria")
    fields.update({"recommended_amount": value, "overall_comment": "Bra", "save": "1"})
    response = client.post(path, data=fields)
    assert response.status_code == 200
    assert field_error(html_of(response), "recommended_amount") == "Tallet er for stort."
    assert _db.session.scalars(select(Assessment.recommended_amount).where(
        Assessment.application_id == application.id)).all() in ([], [None])


@pytest.mark.parametrize("value", TOO_LARGE)
def test_a_funding_line_too_large_is_refused_with_a_message(client, case, value):
    application, _caseworker, manager = case
    login(client, manager)
    path = f"/saksbehandling/utlysninger/{application.call_id}/linje"
    response = post_form(client, path, {"line": value, "reason": "Fordi."},
                         form_page=f"/saksbehandling/utlysninger/{application.call_id}/rangering")
    assert response.status_code == 422  # the ranking page, the message on the field
    assert field_error(html_of(response), "line") == "Tallet er for stort."
    assert _db.session.scalars(select(ReviewSettings.funding_line).where(
        ReviewSettings.call_id == application.call_id)).all() in ([], [None])


@pytest.mark.parametrize("field", ["budget", "max_grant", "year", "max_share_percent"])
def test_a_call_budget_too_large_is_a_message_on_its_field(client, case, field):
    _application, _caseworker, manager = case
    login(client, manager)
    plan_id = case[0].call.plan_id
    for value in TOO_LARGE:
        data = {"fund": "naeringsfond", "year": "2027", "title": "Stor utlysning",
                "description": "", "plan": str(plan_id),
                "opens_at": "2027-01-01T08:00", "closes_at": "2027-01-20T23:59",
                "budget": "2000000", "max_grant": "200000", "max_share_percent": "50",
                field: value}
        response = post_form(client, "/forvaltning/utlysninger/ny", data)
        assert response.status_code == 200, value
        assert field_error(html_of(response), field), value
    assert _db.session.scalars(select(Call.id).where(Call.title == "Stor utlysning")).all() == []


# -- Organisations and registration --------------------------------------------------------------

def test_nul_in_an_organisation_name_is_a_message_on_its_field(client, db):
    user = make_user("siri@example.no")
    _db.session.commit()
    login(client, user)
    response = post_form(client, "/organisasjoner/ny", {
        "orgnr": "912345688", "name": "Eve\x00 AS", "org_form": "", "industry_code": "",
        "address": "", "postcode": "", "city": "", "municipality_number": "3205",
        "bank_account": ""})
    assert response.status_code == 200
    assert field_error(html_of(response), "name")
    assert _db.session.scalars(select(Organisation).where(
        Organisation.orgnr == "912345688")).all() == []


@pytest.mark.parametrize("field,value", [("name", "Eve\x00"), ("phone", "1\x002"),
                                         ("name", "Ola,\n\nVIKTIG: bekreft kontonummer")])
def test_registration_refuses_control_characters_without_logging_in(client, db, field, value):
    data = {"name": "Eva Nordmann", "email": "eve@example.no", "phone": "",
            "password": STRONG, "password_again": STRONG, field: value}
    response = post_form(client, "/registrer", data)
    assert response.status_code == 200
    assert field_error(html_of(response), field)
    assert _db.session.scalars(select(User).where(User.email == "eve@example.no")).all() == []


def test_an_organisation_member_added_by_a_huge_id_is_not_found(client, world):
    users, values, _specific = world
    login(client, users["a"])
    token = csrf_token(client, f"/organisasjoner/{values['organisation_id']}")
    response = client.post(
        f"/organisasjoner/{values['organisation_id']}/medlemmer/{HUGE}/fjern",
        data={"csrf_token": token})
    assert response.status_code == 404
    assert _db.session.scalars(select(Membership).where(
        Membership.organisation_id == values["organisation_id"])).all()


def test_a_huge_id_on_a_call_page_is_not_found_without_logging_in(client, db):
    for path in (f"/utlysninger/{HUGE}", "/utlysninger/-1", f"/utlysninger/{INT4_OVERFLOW}",
                 f"/soknader/{HUGE}", f"/organisasjoner/{HUGE}", f"/admin/brukere/{HUGE}",
                 f"/saksbehandling/soknader/{HUGE}",
                 f"/saksbehandling/utlysninger/{HUGE}/rangering"):
        assert client.get(path).status_code == 404, path


def test_an_open_call_starts_as_usual_after_all_this(client, db):
    """The guards leave the ordinary path alone."""
    user = make_user("siri@example.no")
    org = make_organisation(user)
    call = make_call(opens_in=timedelta(days=-1))
    _db.session.commit()
    login(client, user)
    response = post_form(client, f"/utlysninger/{call.id}/soknad", {"organisation": str(org.id)})
    assert response.status_code == 302
