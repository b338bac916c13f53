"""The yearly call: its window to the minute in Oslo time, its budget and limits, its
criteria, and the manager's steps from planned to archived."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.calls.models import Call, CallState, Fund
from fund.calls.operations import (
    CallError,
    archive_call,
    close_review,
    extend_deadline,
    update_criteria,
)
from fund.core.roles import Role
from fund.extensions import db as _db
from tests.helpers import PASSWORD, html_of, login, make_call, make_user, post_form

OSLO = ZoneInfo("Europe/Oslo")


def oslo(*args) -> datetime:
    return datetime(*args, tzinfo=OSLO)


@pytest.mark.parametrize("closes, season", [
    (oslo(2027, 1, 20, 23, 59), "winter"),
    (oslo(2027, 6, 20, 23, 59), "summer"),
])
def test_a_call_is_open_until_its_deadline_to_the_second(db, closes, season):
    call = make_call(opens_at=closes - timedelta(days=30), closes_at=closes.astimezone(UTC))
    with time_machine.travel(closes - timedelta(seconds=1), tick=False):
        assert call.state == CallState.OPEN and call.is_open
    with time_machine.travel(closes + timedelta(seconds=1), tick=False):
        assert call.state == CallState.CLOSED and not call.is_open
    with time_machine.travel(closes - timedelta(days=31), tick=False):
        assert call.state == CallState.PLANNED


def test_times_are_stored_in_utc_and_come_back_timezone_aware(db):
    call = make_call(opens_at=oslo(2027, 1, 1, 0, 0), closes_at=oslo(2027, 6, 20, 23, 59))
    _db.session.commit()
    _db.session.expire_all()
    stored = _db.session.get(Call, call.id)
    assert stored.closes_at == datetime(2027, 6, 20, 21, 59, tzinfo=UTC)  # CEST is UTC+2
    assert stored.opens_at == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # CET is UTC+1
    assert stored.closes_at.tzinfo is not None


def test_the_front_page_lists_open_calls_with_a_norwegian_deadline_and_upcoming_ones(client):
    make_call(title="Næringsfondet 2027", opens_at=oslo(2026, 11, 1, 0, 0),
              closes_at=oslo(2027, 1, 20, 23, 59), max_grant=150_000)
    make_call(fund=Fund.KLIMAFOND, title="Klimafondet 2027", opens_at=oslo(2027, 2, 1, 8, 0),
              closes_at=oslo(2027, 3, 15, 12, 0))
    make_call(title="Næringsfondet 2025", opens_at=oslo(2025, 1, 1, 0, 0),
              closes_at=oslo(2025, 1, 20, 23, 59))
    _db.session.commit()
    with time_machine.travel(oslo(2026, 11, 27, 12, 0), tick=False):
        html = html_of(client.get("/"))
    open_part, upcoming_part = html.split("Kommende utlysninger")
    assert "Næringsfondet 2027" in open_part
    assert "frist 20. januar 2027 kl. 23:59" in open_part
    assert "kr 150 000" in open_part
    assert "Klimafondet 2027" in upcoming_part and "1. februar 2027 kl. 08:00" in upcoming_part
    assert "Næringsfondet 2025" not in html


def test_new_calls_get_the_default_criteria_of_their_fund_linked_to_plan_goals(db):
    naering = make_call(fund=Fund.NAERINGSFOND)
    klima = make_call(fund=Fund.KLIMAFOND)
    assert [c.weight for c in naering.criteria] == [20, 15, 15, 15, 10, 5, 10, 10]
    assert [c.weight for c in klima.criteria] == [15, 35, 10, 5, 10, 5, 10, 10]
    assert naering.total_weight == klima.total_weight == 100
    strategic = naering.criteria[0]
    assert [(g.kind.value, g.number) for g in strategic.goals] == [
        ("main", 1), ("main", 2), ("main", 3)]
    international = naering.criteria[5]
    assert international.allow_na
    assert {(g.kind.value, g.number) for g in international.goals} == {
        ("main", 2), ("main", 6), ("effect", 2)}


def _rows(call, **change):
    rows = [{"id": c.id, "title": c.title, "description": c.description, "weight": c.weight,
             "required": c.required, "allow_na": c.allow_na} for c in call.criteria]
    rows[0].update(change)
    return rows


def test_criteria_can_be_edited_until_the_call_opens_and_are_frozen_after(db):
    call = make_call(opens_in=timedelta(days=2), closes_in=timedelta(days=30))
    update_criteria(call, _rows(call, weight=40) + [
        {"id": None, "title": "Lokal forankring", "description": "", "weight": 5,
         "required": False, "allow_na": True}])
    assert call.criteria[0].weight == 40 and call.criteria[-1].title == "Lokal forankring"
    with time_machine.travel(call.opens_at + timedelta(seconds=1), tick=False):
        with pytest.raises(CallError, match="låst"):
            update_criteria(call, _rows(call, weight=1))
    assert call.criteria[0].weight == 40


def test_a_criteria_set_must_keep_some_weight(db):
    call = make_call(opens_in=timedelta(days=2))
    rows = [dict(r, weight=0) for r in _rows(call)]
    with pytest.raises(CallError):
        update_criteria(call, rows)


def test_the_deadline_can_be_extended_before_it_passes_and_is_audited(db):
    call = make_call()
    new = call.closes_at + timedelta(days=7)
    extend_deadline(call, new)
    assert call.closes_at == new
    event = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "call.deadline_extended")).one()
    assert event.object_id == call.id and event.details["new"] == new.isoformat()
    with pytest.raises(CallError, match="senere"):
        extend_deadline(call, new - timedelta(days=1))
    with time_machine.travel(new + timedelta(seconds=1), tick=False):
        with pytest.raises(CallError, match="gått ut"):
            extend_deadline(call, new + timedelta(days=7))


def test_a_joint_call_is_two_calls_that_share_their_dates(runner):
    result = runner.invoke(args=[
        "call", "create", "--fund", "joint", "--year", "2028", "--title", "Klima og næring",
        "--opens", "2028-01-01 00:00", "--closes", "2028-01-20 23:59", "--budget", "1000000",
        "--klima-budget", "500000", "--max-grant", "200000"])
    assert result.exit_code == 0, result.output
    calls = _db.session.scalars(select(Call).where(Call.year == 2028).order_by(Call.id)).all()
    assert [c.fund for c in calls] == [Fund.NAERINGSFOND, Fund.KLIMAFOND]
    assert [c.budget for c in calls] == [1_000_000, 500_000]
    assert calls[0].joint_key == calls[1].joint_key is not None
    result = runner.invoke(args=["call", "extend", str(calls[1].id), "--closes",
                                 "2028-02-01 12:00"])
    assert result.exit_code == 0, result.output
    assert calls[0].closes_at == calls[1].closes_at == oslo(2028, 2, 1, 12, 0)


def test_call_cli_create_and_list(runner):
    result = runner.invoke(args=[
        "call", "create", "--fund", "klimafond", "--year", "2029", "--title", "Klimafondet 2029",
        "--opens", "2029-01-02 09:00", "--closes", "2029-03-01 12:00", "--budget", "750000",
        "--max-grant", "150000", "--max-share", "75", "--publish"])
    assert result.exit_code == 0, result.output
    assert "(publisert)" in result.output
    listed = runner.invoke(args=["call", "list"]).output.replace("\xa0", " ")
    assert "Klimafondet 2029" in listed and "planned" in listed
    assert "frist 1. mars 2029 kl. 12:00" in listed and "kr 750 000" in listed


def test_call_cli_creates_a_draft_unless_told_to_publish(runner):
    result = runner.invoke(args=[
        "call", "create", "--fund", "klimafond", "--year", "2029", "--title", "Klimautkast",
        "--opens", "2029-01-02 09:00", "--closes", "2029-03-01 12:00", "--budget", "750000",
        "--max-grant", "150000"])
    assert result.exit_code == 0, result.output
    assert "(utkast, ikke publisert)" in result.output
    listed = runner.invoke(args=["call", "list"]).output
    assert "\tdraft\t" in listed and "Klimautkast" in listed


def test_call_cli_refuses_bad_input_with_a_message(runner):
    result = runner.invoke(args=[
        "call", "create", "--fund", "klimafond", "--year", "2029", "--title", "X",
        "--opens", "2029-03-01 09:00", "--closes", "2029-01-01 12:00", "--budget", "1",
        "--max-grant", "1"])
    assert result.exit_code != 0 and "Fristen må være etter" in result.output
    result = runner.invoke(args=["call", "extend", "999999", "--closes", "2030-01-01 00:00"])
    assert result.exit_code != 0 and "Fant ingen utlysning" in result.output
    result = runner.invoke(args=["call", "extend", "1", "--closes", "i morgen"])
    assert result.exit_code != 0 and "ÅÅÅÅ-MM-DD" in result.output


def test_review_close_and_archive_follow_the_deadline(db):
    call = make_call()
    with pytest.raises(CallError):
        close_review(call)
    with pytest.raises(CallError, match="Bare ferdigbehandlede utlysninger kan arkiveres."):
        archive_call(call)  # still open
    with time_machine.travel(call.closes_at + timedelta(minutes=1), tick=False):
        assert call.state == CallState.CLOSED
        with pytest.raises(CallError):
            archive_call(call)  # closed, but the review is not
        assert call.archived_at is None
        close_review(call)
        assert call.state == CallState.REVIEW_CLOSED
        archive_call(call)
        assert call.state == CallState.ARCHIVED
        assert _db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "call.archived", AuditEvent.object_id == call.id)).one()


# The manager's web pages --------------------------------------------------------------------

@pytest.fixture
def manager(db):
    return make_user("leder@example.no", Role.MANAGER, name="Lene Leder")


def test_a_manager_creates_a_call_in_oslo_time_and_lands_on_its_criteria(client, manager):
    login(client, manager)
    response = post_form(client, "/forvaltning/utlysninger/ny", {
        "fund": "naeringsfond", "year": "2027", "title": "Næringsfondet 2027",
        "description": "", "plan": str(make_call().plan_id),
        "opens_at": "2027-01-01T08:00", "closes_at": "2027-01-20T23:59",
        "budget": "2000000", "max_grant": "200000", "max_share_percent": "50"})
    assert response.status_code == 302 and "/kriterier" in response.headers["Location"]
    call = _db.session.scalars(select(Call).where(Call.title == "Næringsfondet 2027")).one()
    assert call.closes_at == oslo(2027, 1, 20, 23, 59)
    assert len(call.criteria) == 8
    created = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "call.created", AuditEvent.object_id == call.id)).one()
    assert created.actor_id == manager.id


def test_a_call_form_with_mistakes_is_shown_again_with_linked_norwegian_errors(client, manager):
    login(client, manager)
    response = post_form(client, "/forvaltning/utlysninger/ny", {
        "fund": "naeringsfond", "year": "2027", "title": "",
        "plan": str(make_call().plan_id), "opens_at": "2027-02-01T08:00",
        "closes_at": "2027-01-20T23:59", "budget": "-5", "max_grant": "200000",
        "max_share_percent": "150"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="ds-error-summary"' in html
    assert 'href="#title"' in html and "Gi utlysningen en tittel." in html
    assert 'href="#closes_at"' in html and "Fristen må være etter" in html
    assert "Beløpet kan ikke være negativt." in html
    assert "Andelen må være mellom 1 og 100" in html
    assert 'aria-invalid="true"' in html


def test_a_manager_extends_the_deadline_in_the_web_ui(client, manager):
    call = make_call()
    _db.session.commit()
    login(client, manager)
    new = call.closes_at.astimezone(OSLO) + timedelta(days=3)
    response = post_form(client, f"/forvaltning/utlysninger/{call.id}/frist",
                         {"closes_at": new.strftime("%Y-%m-%dT%H:%M")},
                         form_page=f"/forvaltning/utlysninger/{call.id}")
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Call, call.id).closes_at == new.replace(second=0)


def test_a_manager_edits_criteria_before_opening(client, manager):
    call = make_call(opens_in=timedelta(days=3))
    _db.session.commit()
    login(client, manager)
    path = f"/forvaltning/utlysninger/{call.id}/kriterier"
    data = {}
    for i, c in enumerate(call.criteria):
        data |= {f"rows-{i}-id": str(c.id), f"rows-{i}-title": c.title,
                 f"rows-{i}-description": c.description,
                 f"rows-{i}-weight": "30" if i == 0 else str(c.weight),
                 f"rows-{i}-required": "y"}
    data |= {"rows-1-delete": "y"}
    response = post_form(client, path, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    _db.session.expire_all()
    call = _db.session.get(Call, call.id)
    assert len(call.criteria) == 7 and call.criteria[0].weight == 30


def test_criteria_of_an_open_call_are_shown_but_not_editable(client, manager):
    call = make_call()
    _db.session.commit()
    login(client, manager)
    html = client.get(f"/forvaltning/utlysninger/{call.id}/kriterier").get_data(as_text=True)
    assert "Kriteriene er låst" in html and "<form method=\"post\" novalidate>" not in html


def test_the_public_call_page_shows_limits_and_criteria(client):
    call = make_call(max_grant=200_000, max_share_percent=50, budget=2_000_000)
    _db.session.commit()
    html = html_of(client.get(f"/utlysninger/{call.id}"))
    assert "kr 200 000" in html and "50 %" in html and "kr 2 000 000" in html
    assert "Strategisk treff med innsatsområder og tiltak" in html
    assert "hovedmål 1" in html


@pytest.mark.parametrize("path", ["/", "/forvaltning/utlysninger"])
def test_call_lists_run_a_constant_number_of_queries(client, manager, path):
    from tests.helpers import count_queries
    make_call()
    _db.session.commit()
    login(client, manager)
    client.get(path)  # warm-up
    with count_queries() as few:
        assert client.get(path).status_code == 200
    for i in range(15):
        make_call(title=f"Utlysning {i}", fund=Fund.KLIMAFOND if i % 2 else Fund.NAERINGSFOND,
                  opens_in=timedelta(days=i - 7))
    _db.session.commit()
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert many.count == few.count


def test_the_public_call_page_runs_a_constant_number_of_queries(client):
    from tests.helpers import count_queries
    call = make_call()
    _db.session.commit()
    client.get(f"/utlysninger/{call.id}")
    with count_queries() as queries:
        client.get(f"/utlysninger/{call.id}")
    assert queries.count <= 6


# The call's life as one table ----------------------------------------------------------------

def test_a_call_goes_forward_only_one_step_at_a_time():
    from fund.calls.models import CALL_TRANSITIONS

    order = [CallState.PLANNED, CallState.OPEN, CallState.CLOSED, CallState.REVIEW_CLOSED,
             CallState.ARCHIVED]
    for i, state in enumerate(order):
        assert [other for other in order if state.can_become(other)] == order[i + 1:i + 2]
    assert set(CALL_TRANSITIONS) == set(CallState)


def test_the_database_refuses_an_archived_call_whose_review_was_never_closed(db):
    from sqlalchemy.exc import IntegrityError

    call = make_call()
    _db.session.flush()
    call.archived_at = call.closes_at
    with pytest.raises(IntegrityError):
        _db.session.flush()
    _db.session.rollback()


# «Søk nå» on the public call page -----------------------------------------------------------

def _apply_link(html: str) -> str | None:
    import html as html_lib
    import re
    found = re.search(r'<a class="ds-button"[^>]*href="([^"]+)"[^>]*>Søk nå', html)
    return html_lib.unescape(found.group(1)) if found else None


def test_apply_now_takes_a_visitor_through_login_and_registration_to_a_new_application(client):
    from tests.helpers import make_organisation
    call = make_call(title="Næringsfondet 2027")
    applicant = make_user()
    _db.session.commit()
    page = f"/utlysninger/{call.id}"

    # Logged out: «Søk nå» asks to log in, and the login comes back to the call.
    login_link = _apply_link(html_of(client.get(page)))
    assert login_link == f"/logg-inn?next=/utlysninger/{call.id}"
    response = post_form(client, login_link, {"email": applicant.email, "password": PASSWORD})
    assert response.headers["Location"] == page

    # Logged in without an organisation: register it first.
    html = html_of(client.get(page))
    assert _apply_link(html) == "/organisasjoner/ny"
    assert "Først registrerer du organisasjonen du søker for." in html
    assert "Registrer organisasjon" in html_of(client.get("/organisasjoner/ny"))

    # With an organisation: «Søk nå» opens the start of an application for this call.
    make_organisation(applicant)
    _db.session.commit()
    start = _apply_link(html_of(client.get(page)))
    assert start == f"/utlysninger/{call.id}/soknad"
    html = html_of(client.get(start))
    assert "Start søknad: Næringsfondet 2027" in html and "Kjeller Grønn Energi AS" in html


@pytest.mark.parametrize("opens_in, closes_in", [
    (timedelta(days=10), timedelta(days=40)),  # planned
    (timedelta(days=-40), timedelta(days=-1)),  # closed
])
def test_apply_now_is_not_offered_on_a_call_that_is_not_open(client, opens_in, closes_in):
    call = make_call(opens_in=opens_in, closes_in=closes_in)
    _db.session.commit()
    html = html_of(client.get(f"/utlysninger/{call.id}"))
    assert call.title in html and _apply_link(html) is None
    assert _apply_link(html_of(client.get("/"))) is None


def test_staff_are_not_offered_apply_now(client):
    call = make_call()
    caseworker = make_user("sb@example.no", Role.CASEWORKER)
    _db.session.commit()
    login(client, caseworker)
    assert _apply_link(html_of(client.get(f"/utlysninger/{call.id}"))) is None


def test_the_front_page_offers_apply_now_on_each_open_call(client):
    call = make_call(title="Klimafondet 2027", fund=Fund.KLIMAFOND)
    _db.session.commit()
    assert _apply_link(html_of(client.get("/"))) == f"/logg-inn?next=/utlysninger/{call.id}"
