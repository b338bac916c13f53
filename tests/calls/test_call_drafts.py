"""A manager prepares a call quietly: a new call is a draft («Utkast – ikke publisert»)
that the public, applicants and caseworkers cannot see or apply to, until the manager
publishes it after a page that says what happens (UX review, Medium 14)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from fund.applications.models import Application, ApplicationError
from fund.applications.operations import start_application
from fund.audit.models import AuditEvent
from fund.calls.models import Call, CallState, Criterion, Fund
from fund.calls.operations import (
    CallError,
    create_call,
    create_joint_call,
    publish_call,
    unpublish_call,
    update_call,
)
from fund.core.formatting import to_local_naive
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db as _db
from fund.plan.loader import DATA_DIR, load_plan
from tests.helpers import (
    csrf_token,
    html_of,
    login,
    make_call,
    make_organisation,
    make_user,
    post_form,
    the_plan,
)

TITLE = "Næringsfondet – stille forberedt"


@pytest.fixture
def people(db):
    applicant = make_user("soker@example.no")
    make_organisation(applicant)
    people = {"manager": make_user("leder@example.no", Role.MANAGER),
              "caseworker": make_user("cw@example.no", Role.CASEWORKER),
              "applicant": applicant}
    _db.session.commit()
    return people


def _local(moment) -> str:
    return to_local_naive(moment).strftime("%Y-%m-%dT%H:%M")


def create_in_browser(client, **overrides) -> Call:
    """The manager fills in «Ny utlysning». It opened yesterday, so only its being a draft
    keeps applicants out."""
    now = utcnow()
    data = {"fund": "naeringsfond", "year": str(now.year + 1), "title": TITLE,
            "description": "Forberedes i det stille.", "plan": str(the_plan().id),
            "opens_at": _local(now - timedelta(days=1)),
            "closes_at": _local(now + timedelta(days=30)),
            "budget": "1000000", "max_grant": "100000", "max_share_percent": "50"}
    response = post_form(client, "/forvaltning/utlysninger/ny", data | overrides)
    assert response.status_code == 302, html_of(response)
    return _db.session.scalars(select(Call).where(Call.title == data["title"])).one()


def public_views(client, call) -> dict:
    """What a visitor sees of the call: the front page, the call's page, the open data."""
    calls_json = client.get("/api/tilskudd").get_json()["calls"]
    return {"front": call.title in client.get("/").get_data(as_text=True),
            "page": client.get(f"/utlysninger/{call.id}").status_code,
            "json": call.id in {c["id"] for c in calls_json}}


def test_a_new_call_is_a_draft_nobody_outside_the_managers_sees_until_published(client,
                                                                                people):
    login(client, people["manager"])
    call = create_in_browser(client)
    assert call.is_draft and call.state == CallState.DRAFT and not call.is_open
    flashed = client.get("/forvaltning/utlysninger").get_data(as_text=True)
    assert "opprettet som et utkast" in flashed
    # The manager sees it marked as a draft in the list, on its page and in a preview.
    listing = client.get("/forvaltning/utlysninger").get_data(as_text=True)
    assert TITLE in listing and "Utkast – ikke publisert" in listing
    for path in ("", "/kriterier", "/tiltak"):
        page = client.get(f"/forvaltning/utlysninger/{call.id}{path}").get_data(as_text=True)
        assert 'id="draft-notice"' in page and "Publiser utlysningen …" in page
    preview = client.get(f"/utlysninger/{call.id}")
    assert preview.status_code == 200 and 'id="draft-notice"' in html_of(preview)
    # ... and changes it and its criteria freely.
    response = post_form(client, f"/forvaltning/utlysninger/{call.id}/kriterier", {
        "rows-0-id": str(call.criteria[0].id), "rows-0-title": "Nytte for Lillestrøm",
        "rows-0-description": "", "rows-0-weight": "100", "rows-0-required": "y"})
    assert response.status_code == 302
    _db.session.expire_all()
    assert [c.title for c in call.criteria] == ["Nytte for Lillestrøm"]
    client.post("/logg-ut", data={"csrf_token": csrf_token(client, "/")})

    # Nobody else sees it: not the public ...
    assert public_views(client, call) == {"front": False, "page": 404, "json": False}
    # ... not an applicant, who can neither find nor start an application to it ...
    login(client, people["applicant"])
    assert public_views(client, call) == {"front": False, "page": 404, "json": False}
    assert TITLE not in client.get("/soknader").get_data(as_text=True)
    assert client.get(f"/utlysninger/{call.id}/soknad").status_code == 404
    assert client.post(f"/utlysninger/{call.id}/soknad", data={
        "csrf_token": csrf_token(client, "/soknader"),
        "organisation": str(people["applicant"].memberships[0].organisation_id)},
    ).status_code == 404
    with pytest.raises(ApplicationError, match="ikke åpen"):
        start_application(call, people["applicant"].memberships[0].organisation,
                          people["applicant"])
    assert not _db.session.scalars(select(Application)).all()
    client.post("/logg-ut", data={"csrf_token": csrf_token(client, "/")})
    # ... not a caseworker, whose queue does not offer it either, and who cannot publish it.
    login(client, people["caseworker"])
    assert client.get(f"/utlysninger/{call.id}").status_code == 404
    assert TITLE not in client.get("/saksbehandling/soknader").get_data(as_text=True)
    assert client.get(f"/forvaltning/utlysninger/{call.id}/publiser").status_code == 403
    assert client.post(f"/forvaltning/utlysninger/{call.id}/publiser", data={
        "csrf_token": csrf_token(client, "/")}).status_code == 403
    client.post("/logg-ut", data={"csrf_token": csrf_token(client, "/")})
    login(client, people["applicant"])
    assert client.post(f"/forvaltning/utlysninger/{call.id}/publiser", data={
        "csrf_token": csrf_token(client, "/")}).status_code == 403
    client.post("/logg-ut", data={"csrf_token": csrf_token(client, "/")})
    _db.session.refresh(call)
    assert call.is_draft

    # The manager reads what publishing does, then publishes.
    login(client, people["manager"])
    page = client.get(f"/forvaltning/utlysninger/{call.id}/publiser").get_data(as_text=True)
    assert 'id="consequences"' in page and "synlig for alle" in page
    assert "søkerne kan søke straks" in page  # it opened yesterday
    # A POST without the CSRF token changes nothing.
    assert client.post(f"/forvaltning/utlysninger/{call.id}/publiser").status_code == 400
    _db.session.refresh(call)
    assert call.is_draft
    response = post_form(client, f"/forvaltning/utlysninger/{call.id}/publiser", {})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/forvaltning/utlysninger/{call.id}")
    _db.session.refresh(call)
    assert not call.is_draft and call.state == CallState.OPEN
    event = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "call.published", AuditEvent.object_id == call.id)).one()
    assert event.actor_id == people["manager"].id
    assert "Utlysningen er publisert." in client.get(
        f"/forvaltning/utlysninger/{call.id}").get_data(as_text=True)
    client.post("/logg-ut", data={"csrf_token": csrf_token(client, "/")})

    # Now everyone sees it, and an applicant can apply.
    assert public_views(client, call) == {"front": True, "page": 200, "json": True}
    login(client, people["applicant"])
    assert "Søk nå" in client.get(f"/utlysninger/{call.id}").get_data(as_text=True)
    assert TITLE in client.get("/soknader").get_data(as_text=True)
    assert client.get(f"/utlysninger/{call.id}/soknad").status_code == 200
    client.post("/logg-ut", data={"csrf_token": csrf_token(client, "/")})
    login(client, people["caseworker"])
    assert TITLE in client.get("/saksbehandling/soknader").get_data(as_text=True)


def _refused(client, call, expected: str) -> None:
    page = client.get(f"/forvaltning/utlysninger/{call.id}/publiser").get_data(as_text=True)
    assert 'id="refusals"' in page and expected in page and 'id="publish-form"' not in page
    response = post_form(client, f"/forvaltning/utlysninger/{call.id}/publiser", {},
                         form_page=f"/forvaltning/utlysninger/{call.id}")
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "kan ikke publiseres ennå" in shown and expected in shown
    _db.session.refresh(call)
    assert call.is_draft
    assert not _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "call.published", AuditEvent.object_id == call.id)).all()


def test_a_call_that_is_not_ready_is_not_published_and_the_page_says_why(client, people):
    login(client, people["manager"])
    # Its deadline passed while it was a draft.
    late = make_call(title="For sent", opens_in=timedelta(days=-20),
                     closes_in=timedelta(days=-1), published=False)
    # Its criteria weigh nothing (only possible behind the form's back).
    weightless = make_call(title="Uten vekt", published=False)
    for criterion in weightless.criteria:
        criterion.weight = 0
    _db.session.commit()
    _refused(client, late, "Søknadsfristen har allerede gått ut")
    _refused(client, weightless, "minst ett kriterium med vekt over null")
    # No criteria at all
    _db.session.execute(Criterion.__table__.delete().where(
        Criterion.call_id == weightless.id))
    _db.session.commit()
    _db.session.expire_all()
    _refused(client, weightless, "minst ett kriterium med vekt over null")


def test_a_joint_call_is_published_together_and_twice_is_refused(db):
    calls = create_joint_call(
        title="Felles", budgets={Fund.NAERINGSFOND: 100_000, Fund.KLIMAFOND: 50_000},
        year=2030, opens_at=utcnow() + timedelta(days=10), closes_at=utcnow() + timedelta(
            days=40), max_grant=10_000, max_share_percent=50, plan=the_plan())
    assert all(call.state == CallState.DRAFT for call in calls)
    assert publish_call(calls[1]) == calls
    assert all(call.state == CallState.PLANNED for call in calls)
    with pytest.raises(CallError, match="allerede publisert"):
        publish_call(calls[0])


def test_a_published_call_goes_back_to_draft_only_before_it_opens(client, people):
    login(client, people["manager"])
    coming = make_call(title="Kommer snart", opens_in=timedelta(days=5),
                       closes_in=timedelta(days=40))
    open_call = make_call(title="Åpen nå")
    _db.session.commit()
    page = client.get(f"/forvaltning/utlysninger/{coming.id}").get_data(as_text=True)
    assert "Gjør om til utkast" in page
    assert "Gjør om til utkast" not in client.get(
        f"/forvaltning/utlysninger/{open_call.id}").get_data(as_text=True)
    response = post_form(client, f"/forvaltning/utlysninger/{coming.id}/avpubliser", {},
                         form_page=f"/forvaltning/utlysninger/{coming.id}")
    assert response.status_code == 302
    _db.session.refresh(coming)
    assert coming.is_draft
    assert _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "call.unpublished", AuditEvent.object_id == coming.id)
    ).one().actor_id == people["manager"].id
    assert "Kommer snart" not in client.get("/").get_data(as_text=True)
    # An open call may have applications under way: it stays published.
    response = post_form(client, f"/forvaltning/utlysninger/{open_call.id}/avpubliser", {},
                         form_page=f"/forvaltning/utlysninger/{open_call.id}")
    assert "ikke har åpnet ennå" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    _db.session.refresh(open_call)
    assert not open_call.is_draft
    with pytest.raises(CallError, match="ikke har åpnet ennå"):
        unpublish_call(open_call)


def test_a_call_can_only_use_a_published_plan(client, people):
    import yaml
    data = yaml.safe_load((DATA_DIR / "handlingsplan-2022-2024.yaml").read_text("utf-8"))
    data["period"], data["title"] = "2031-2033", "Handlingsplan 2031–2033 (utkast)"
    draft, _changed = load_plan(data, draft=True)
    _db.session.commit()
    assert draft.is_draft
    with pytest.raises(CallError, match="ikke publisert"):
        create_call(fund=Fund.NAERINGSFOND, year=2031, title="X", opens_at=utcnow(),
                    closes_at=utcnow() + timedelta(days=3), budget=1, max_grant=1,
                    max_share_percent=50, plan=draft)
    # Nor can a call be moved onto it.
    call = make_call(published=False)
    with pytest.raises(CallError, match="ikke publisert"):
        update_call(call, plan=draft)
    _db.session.rollback()
    login(client, people["manager"])
    form = client.get("/forvaltning/utlysninger/ny").get_data(as_text=True)
    assert "2022-2024" in form and "2031-2033" not in form
    # Posting the draft plan's id anyway is refused by the form's choices.
    now = utcnow()
    response = post_form(client, "/forvaltning/utlysninger/ny", {
        "fund": "naeringsfond", "year": "2031", "title": "Med utkastplan",
        "plan": str(draft.id), "opens_at": _local(now + timedelta(days=1)),
        "closes_at": _local(now + timedelta(days=30)), "budget": "1000",
        "max_grant": "100", "max_share_percent": "50"})
    assert response.status_code == 200
    assert not _db.session.scalars(select(Call).where(Call.title == "Med utkastplan")).all()
