"""An administrator uploads a new plan as a draft, previews it, and publishes it after a
page that says what happens, or deletes the draft; the public plan page meanwhile shows
the plan applicants need (UX review, Medium 8). And the caseworker's «Strategi» filter
with two plans in use."""

import io
import re
from datetime import timedelta

import pytest
import yaml
from sqlalchemy import select

from fund.applications.models import ApplicationState
from fund.audit.models import AuditEvent
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.plan.loader import DATA_DIR, load_plan
from fund.plan.models import Area, PlanVersion, Strategy
from tests.helpers import (
    csrf_token,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
    post_form,
)

NEW = "2025-2028"
NEW_TITLE = "Handlingsplan 2025–2028 (utkast)"


def plan_data(period=NEW, title=NEW_TITLE, starts_on="2025-01-01") -> dict:
    data = yaml.safe_load((DATA_DIR / "handlingsplan-2022-2024.yaml").read_text("utf-8"))
    data.update(period=period, title=title, starts_on=starts_on, ends_on="2028-12-31")
    return data


def upload(client, data: dict):
    return client.post("/plan/admin", data={
        "csrf_token": csrf_token(client, "/plan/admin"),
        "file": (io.BytesIO(yaml.safe_dump(data, allow_unicode=True).encode()), "plan.yaml")},
        content_type="multipart/form-data")


def shown_title(client, path="/plan/") -> str | None:
    response = client.get(path)
    if response.status_code != 200:
        return None
    return re.search(r"<h1[^>]*>([^<]+)</h1>", html_of(response)).group(1)


@pytest.fixture
def admin(db):
    user = make_user("admin@example.no", Role.ADMIN)
    _db.session.commit()
    return user


def logout(client):
    client.post("/logg-ut", data={"csrf_token": csrf_token(client, "/")})


def test_an_uploaded_plan_is_a_draft_until_the_admin_publishes_it(client, admin):
    make_call(title="Åpen utlysning")  # open now, under 2022–2024
    _db.session.commit()
    login(client, admin)
    assert upload(client, plan_data()).status_code == 302
    plan = _db.session.scalars(select(PlanVersion).where(PlanVersion.period == NEW)).one()
    assert plan.is_draft
    loaded = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "plan.loaded", AuditEvent.object_id == plan.id)).one()
    assert loaded.details["published"] is False and loaded.actor_id == admin.id
    admin_page = client.get("/plan/admin").get_data(as_text=True)
    assert "lastet inn som et utkast" in admin_page
    assert "Utkast – ikke publisert" in admin_page
    # The administrator previews the draft; the site still shows the published plan.
    preview = client.get(f"/plan/{NEW}")
    assert preview.status_code == 200 and 'id="draft-notice"' in html_of(preview)
    assert shown_title(client) == "Handlingsplan 2022–2024"
    logout(client)

    # The public, applicants and managers see only the published plan.
    manager = make_user("leder@example.no", Role.MANAGER)
    _db.session.commit()
    for who in (None, manager):
        if who:
            login(client, who)
        assert client.get(f"/plan/{NEW}").status_code == 404
        assert shown_title(client) == "Handlingsplan 2022–2024"
        assert NEW not in client.get("/plan/").get_data(as_text=True)
    # A manager cannot publish it (nor delete it), nor open a call under it.
    assert client.get(f"/plan/{NEW}/publiser").status_code == 403
    assert client.post(f"/plan/{NEW}/publiser",
                       data={"csrf_token": csrf_token(client, "/")}).status_code == 403
    assert client.post(f"/plan/{NEW}/slett",
                       data={"csrf_token": csrf_token(client, "/")}).status_code == 403
    assert NEW not in client.get("/forvaltning/utlysninger/ny").get_data(as_text=True)
    logout(client)

    # The administrator reads what publishing does, then publishes.
    login(client, admin)
    page = client.get(f"/plan/{NEW}/publiser").get_data(as_text=True)
    assert 'id="consequences"' in page and "Nå viser lenken Handlingsplan 2022–2024" in page
    assert client.post(f"/plan/{NEW}/publiser").status_code == 400  # no CSRF token
    _db.session.refresh(plan)
    assert plan.is_draft
    response = post_form(client, f"/plan/{NEW}/publiser", {})
    assert response.status_code == 302 and response.headers["Location"].endswith("/plan/admin")
    _db.session.refresh(plan)
    assert not plan.is_draft
    published = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "plan.published", AuditEvent.object_id == plan.id)).one()
    assert published.actor_id == admin.id
    assert f"Handlingsplan {NEW} er publisert." in client.get("/plan/admin").get_data(
        as_text=True)
    assert client.get(f"/plan/{NEW}/publiser").status_code == 404  # no longer a draft
    logout(client)

    # Now it is public, but «Handlingsplanen» still shows the plan the open call uses ...
    assert shown_title(client, f"/plan/{NEW}") == NEW_TITLE
    assert shown_title(client) == "Handlingsplan 2022–2024"
    # ... and new calls can use it.
    login(client, manager)
    assert NEW in client.get("/forvaltning/utlysninger/ny").get_data(as_text=True)


def test_the_plan_page_shows_the_current_calls_plan_else_the_newest_published_one(client, admin):
    make_call(title="Gammel", opens_in=timedelta(days=-60), closes_in=timedelta(days=-30))
    draft, _ = load_plan(plan_data(), draft=True)
    _db.session.commit()
    assert shown_title(client) == "Handlingsplan 2022–2024"  # the draft is not shown
    draft.published_at = draft.loaded_at
    _db.session.commit()
    assert shown_title(client) == NEW_TITLE
    # A call still to open, under the old plan, makes the old plan the one to read.
    make_call(title="Kommer", opens_in=timedelta(days=5), closes_in=timedelta(days=40))
    _db.session.commit()
    assert shown_title(client) == "Handlingsplan 2022–2024"
    # An open call comes first, though its deadline is later than the coming call's.
    make_call(title="Åpen", plan=draft, opens_in=timedelta(days=-1),
              closes_in=timedelta(days=60))
    _db.session.commit()
    assert shown_title(client) == NEW_TITLE


def test_an_admin_deletes_a_draft_after_a_page_that_asks(client, admin):
    login(client, admin)
    upload(client, plan_data())
    plan_id = _db.session.scalar(select(PlanVersion.id).where(PlanVersion.period == NEW))
    page = client.get(f"/plan/{NEW}/slett").get_data(as_text=True)
    assert "slettes for godt" in page and 'id="confirm-form"' in page
    response = post_form(client, f"/plan/{NEW}/slett", {})
    assert response.status_code == 302
    assert _db.session.scalars(select(PlanVersion.period)).all() == ["2022-2024"]
    assert not _db.session.scalars(select(Area).where(Area.plan_id == plan_id)).all()
    deleted = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "plan.draft_deleted")).one()
    assert deleted.details["period"] == NEW and deleted.actor_id == admin.id
    # A published plan is no draft: nothing to delete.
    assert client.get("/plan/2022-2024/slett").status_code == 404
    assert post_form(client, "/plan/2022-2024/slett", {},
                     form_page="/plan/admin").status_code == 404


def test_changing_a_published_plan_no_call_uses_makes_it_a_draft_again(client, admin):
    plan, _ = load_plan(plan_data())
    _db.session.commit()
    assert not plan.is_draft
    login(client, admin)
    upload(client, plan_data(title="Handlingsplan 2025–2028, rettet"))
    _db.session.refresh(plan)
    assert plan.is_draft and plan.title == "Handlingsplan 2025–2028, rettet"
    # The same file again changes nothing and keeps it as it is.
    upload(client, plan_data(title="Handlingsplan 2025–2028, rettet"))
    _db.session.refresh(plan)
    assert plan.is_draft
    post_form(client, f"/plan/{NEW}/publiser", {})
    upload(client, plan_data(title="Handlingsplan 2025–2028, rettet"))
    _db.session.refresh(plan)
    assert not plan.is_draft


def test_the_strategy_filter_names_the_plan_when_two_are_in_use(client, db):
    """Two plans with the same codes, each used by a call: the «Strategi» filter lists each
    strategy once per plan, named by its period, and filters on that plan only."""
    caseworker = make_user("cw@example.no", Role.CASEWORKER)
    applicant = make_user("a@example.no")
    org = make_organisation(applicant)
    new_plan, _ = load_plan(plan_data())
    old_call = make_call(title="Gammel plan")
    new_call = make_call(title="Ny plan", plan=new_plan)
    make_call(title="Utkast", published=False)  # a draft adds nothing
    unused, _ = load_plan(plan_data(period="2029-2031", title="Ubrukt", starts_on="2029-01-01"))
    for call, plan, title in ((old_call, "2022-2024", "Søknad under gammel plan"),
                              (new_call, NEW, "Søknad under ny plan")):
        strategy = _db.session.scalars(select(Strategy).join(Area).join(PlanVersion).where(
            PlanVersion.period == plan, Strategy.code == "1B")).one()
        make_application(call, org, applicant, complete=False, title=title,
                         state=ApplicationState.SUBMITTED, strategies=[strategy])
    _db.session.commit()
    login(client, caseworker)
    html = client.get("/saksbehandling/soknader").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="strategi".*?</select>', html, re.S).group(0)
    values = re.findall(r'<option[^>]*value="([^"]*)"', select_html)
    assert values.count("2022-2024:1B") == 1 and values.count(f"{NEW}:1B") == 1
    assert len(values) == len(set(values))  # no strategy twice
    assert not [v for v in values if v.startswith("2029-2031")]  # no call uses it
    assert "(handlingsplan 2022-2024)" in select_html
    shown = client.get(f"/saksbehandling/soknader?strategi={NEW}:1B").get_data(as_text=True)
    assert "Søknad under ny plan" in shown and "Søknad under gammel plan" not in shown
    # The code alone, as before, finds both.
    shown = client.get("/saksbehandling/soknader?strategi=1B").get_data(as_text=True)
    assert "Søknad under ny plan" in shown and "Søknad under gammel plan" in shown
    # With one call chosen, only its plan's strategies, by code as before.
    html = client.get(f"/saksbehandling/soknader?utlysning={old_call.id}").get_data(
        as_text=True)
    select_html = re.search(r'<select[^>]*name="strategi".*?</select>', html, re.S).group(0)
    assert 'value="1B"' in select_html and "handlingsplan" not in select_html
    assert unused.is_draft is False
