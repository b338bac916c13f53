"""A fondsforvalter enters the political priority of each innsatsområde (percent of the
fund), which the yearly evaluation sets the granted shares against. Blank is «ikke
satt»; each change is audited; junk and more than 100 % together are refused in
Norwegian and nothing is kept; nobody else may."""

import pytest
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.core.errors import DomainError
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.plan.models import Area
from fund.plan.operations import set_priorities
from tests.helpers import csrf_token, html_of, login, make_user, the_plan

URL = "/plan/2022-2024/prioritering"


def areas() -> dict[str, Area]:
    return {area.code: area for area in the_plan().areas}


def stored() -> dict[str, int | None]:
    _db.session.flush()
    _db.session.expire_all()
    return {code: area.priority_percent for code, area in areas().items()}


def events() -> list[AuditEvent]:
    return list(_db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "plan.priority_set").order_by(AuditEvent.id)))


def form(**percent) -> dict:
    """The form as a browser posts it: every area's field, blank unless given."""
    return {f"area-{area.id}": percent.get(f"a{code}", "") for code, area in areas().items()}


@pytest.fixture
def manager(client, db):
    user = make_user("mgr@example.no", Role.MANAGER, name="Mona Forvalter")
    login(client, user)
    return user


def post(client, data, token=True):
    if token:
        data = {"csrf_token": csrf_token(client, URL), **data}
    return client.post(URL, data=data)


def test_a_manager_sets_the_priorities_and_each_change_is_audited(client, manager):
    page = html_of(client.get(URL))
    assert "Politisk prioritering av innsatsområdene" in page
    assert 'name="area-' in page and "ikke satt" in page

    response = post(client, form(a1="40", a2=" 30 % ", a5="20"))
    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
    page = html_of(client.get(URL))
    assert "Den politiske prioriteringen er lagret." in page
    assert stored() == {"1": 40, "2": 30, "3": None, "4": None, "5": 20}
    assert '<tr id="priority-1"><th scope="row">1. ' in page
    assert "90 %" in page  # together
    # one entry per area that changed, with who, what was and what is
    assert [(e.details["area"], e.details["old"], e.details["new"], e.actor_id)
            for e in events()] == [("1", None, 40, manager.id), ("2", None, 30, manager.id),
                                   ("5", None, 20, manager.id)]

    # blank takes a priority away («ikke satt»); the unchanged ones are not audited again
    post(client, form(a1="45", a2="30"))
    assert stored() == {"1": 45, "2": 30, "3": None, "4": None, "5": None}
    assert [(e.details["area"], e.details["old"], e.details["new"]) for e in events()[3:]] \
        == [("1", 40, 45), ("5", 20, None)]

    # the same again: nothing changes, and the page says so
    post(client, form(a1="45", a2="30"))
    assert len(events()) == 5
    assert "Den politiske prioriteringen er uendret." in html_of(client.get(URL))


@pytest.mark.parametrize("junk", ["abc", "-5", "101", "12,5", "1e2", "9" * 40, "½"])
def test_junk_is_refused_in_norwegian_and_nothing_is_kept(client, manager, junk):
    response = post(client, form(a1="10", a3=junk))
    assert response.status_code == 200
    page = html_of(response)
    assert "Skriv et helt tall fra 0 til 100, eller la feltet stå tomt." in page
    assert 'class="ds-error-summary"' in page
    assert stored() == dict.fromkeys("12345")
    assert events() == []


def test_more_than_100_percent_together_is_refused(client, manager):
    response = post(client, form(a1="60", a2="30", a3="20"))
    assert response.status_code == 200
    assert "Prioriteringene er til sammen 110 prosent. De kan ikke være mer enn 100 prosent " \
        "til sammen." in html_of(response)
    assert stored() == dict.fromkeys("12345")
    assert events() == []
    # exactly 100 is fine
    assert post(client, form(a1="60", a2="30", a3="10")).status_code == 302
    assert stored()["3"] == 10


def test_the_operation_checks_what_a_form_might_not(db):
    plan = the_plan()
    ids = {code: area.id for code, area in areas().items()}
    with pytest.raises(DomainError, match="innsatsområde 2 må være et helt tall fra 0 til 100"):
        set_priorities(plan, {ids["2"]: 101})
    with pytest.raises(DomainError, match="innsatsområde 2 må være"):
        set_priorities(plan, {ids["2"]: -1})
    with pytest.raises(DomainError, match="hører ikke til"):
        set_priorities(plan, {2**31 - 1: 10})
    # areas not named keep theirs, and count in the sum
    set_priorities(plan, {ids["1"]: 70})
    with pytest.raises(DomainError, match="til sammen 101 prosent"):
        set_priorities(plan, {ids["2"]: 31})
    assert [area.code for area in set_priorities(plan, {ids["2"]: 30})] == ["2"]
    assert stored() == {"1": 70, "2": 30, "3": None, "4": None, "5": None}


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.APPLICANT, Role.ADMIN])
def test_nobody_but_a_manager_may_see_or_set_them(client, db, role):
    login(client, make_user("other@example.no", role))
    token = csrf_token(client, "/")
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"csrf_token": token, **form(a1="50")}).status_code == 403
    assert stored()["1"] is None and events() == []
    assert "/prioritering" not in html_of(client.get("/plan/2022-2024"))


def test_anonymous_users_are_sent_to_log_in_and_an_unknown_period_is_404(client, manager,
                                                                          app):
    assert client.get("/plan/1999-2001/prioritering").status_code == 404
    assert 'href="/plan/2022-2024/prioritering"' in html_of(client.get("/plan/2022-2024"))
    anonymous = app.test_client()
    response = anonymous.get(URL)
    assert response.status_code == 302 and "/logg-inn" in response.headers["Location"]


def test_the_form_needs_its_csrf_token(client, manager):
    response = post(client, form(a1="50"), token=False)
    assert response.status_code == 400
    assert stored()["1"] is None and events() == []


def test_the_migration_adds_and_removes_the_column_on_sqlite(tmp_path):
    """Down to the revision before and up again: the areas are kept, the priority is
    blank again."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from fund import create_app
    from fund.plan.loader import DATA_DIR, load_plan, read_plan_file
    app = create_app({"SECRET_KEY": "x", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.sqlite"})
    with app.app_context():
        upgrade()
        load_plan(read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml"))
        _db.session.execute(text("UPDATE plan_areas SET priority_percent = 25"))
        _db.session.commit()
        _db.session.remove()
        downgrade(revision="931c0a5e0010")
        with _db.engine.connect() as conn:
            assert "priority_percent" not in {
                c["name"] for c in inspect(conn).get_columns("plan_areas")}
            assert conn.execute(text("SELECT count(*) FROM plan_areas")).scalar_one() == 5
        upgrade()
        with _db.engine.connect() as conn:
            assert conn.execute(text("SELECT DISTINCT priority_percent FROM plan_areas")
                                ).scalars().all() == [None]
            with pytest.raises(Exception, match="(?i)check"):
                conn.execute(text("UPDATE plan_areas SET priority_percent = 101"))
