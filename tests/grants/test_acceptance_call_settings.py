"""The manager sets the tilsagn's terms on the call: the acceptance deadline, the share
paid before the final report, the auditor threshold and the final report's deadline."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from fund.calls.models import Call
from fund.calls.operations import update_call
from fund.core.errors import DomainError
from fund.core.roles import Role
from fund.extensions import db as _db
from tests.helpers import html_of, login, make_call, make_user, post_form

BASE = {"fund": "naeringsfond", "year": "2027", "title": "Næringsfondet 2027",
        "description": "", "opens_at": "2027-01-01T08:00", "closes_at": "2027-01-20T23:59",
        "budget": "2000000", "max_grant": "200000", "max_share_percent": "50"}


@pytest.fixture
def manager(db):
    return make_user("leder@example.no", Role.MANAGER, name="Lene Leder")


def new_call(client, plan_id, **fields):
    return post_form(client, "/forvaltning/utlysninger/ny",
                     {**BASE, "plan": str(plan_id), **fields})


def test_a_manager_sets_the_tilsagn_terms_of_a_new_call(client, manager):
    plan_id = make_call().plan_id
    login(client, manager)
    form = html_of(client.get("/forvaltning/utlysninger/ny"))
    assert "Frist for å akseptere tilsagnet (uker)" in form and 'value="4"' in form
    assert "revisor eller autorisert regnskapsfører" in form
    response = new_call(client, plan_id, acceptance_weeks="3", advance_max_percent="40",
                        auditor_threshold="200000", final_report_days="90")
    assert response.status_code == 302
    call = _db.session.scalars(select(Call).where(Call.title == "Næringsfondet 2027")).one()
    assert (call.acceptance_weeks, call.advance_max_percent, call.auditor_threshold,
            call.final_report_days) == (3, 40, 200_000, 90)
    public = html_of(client.get(f"/utlysninger/{call.id}"))
    assert "Frist for å akseptere tilsagn" in public and "3 uker" in public
    assert "høyst 40 %" in public and "for tilskudd fra kr 200 000" in public
    assert "90 dager etter prosjektslutt" in public
    edit = f"/forvaltning/utlysninger/{call.id}/rediger"
    assert 'value="200000"' in html_of(client.get(edit))
    response = post_form(client, edit, {**BASE, "plan": str(plan_id), "budget": "2000000",
                                        "acceptance_weeks": "6", "advance_max_percent": "0",
                                        "auditor_threshold": "0", "final_report_days": "30"})
    assert response.status_code == 302
    _db.session.refresh(call)
    assert (call.acceptance_weeks, call.advance_max_percent, call.auditor_threshold,
            call.final_report_days) == (6, 0, 0, 30)


@pytest.mark.parametrize("field, value, message", [
    ("acceptance_weeks", "0", "Fristen for aksept må være mellom 1 og 26 uker."),
    ("acceptance_weeks", "fire", "Not a valid integer value"),
    ("advance_max_percent", "150", "Andelen før sluttrapporten må være mellom 0 og 90 prosent."),
    ("advance_max_percent", "-5", "Andelen før sluttrapporten må være mellom 0 og 90 prosent."),
    ("auditor_threshold", "99999999999999999999", "Tallet er for stort."),
    ("auditor_threshold", "100000001", "Beløpet må være mellom kr 0 og kr 100 000 000."),
    ("final_report_days", "1e9", "Not a valid integer value"),
])
def test_junk_or_huge_terms_get_a_norwegian_message_not_a_500(client, manager, field, value,
                                                             message):
    plan_id = make_call().plan_id
    login(client, manager)
    response = new_call(client, plan_id, **{field: value})
    html = html_of(response)
    assert response.status_code == 200 and f'href="#{field}"' in html
    if message.startswith("Not a valid"):  # WTForms' own message, translated
        assert message not in html and "aria-invalid" in html
    else:
        assert message in html
    assert _db.session.scalars(select(Call).where(Call.title == "Næringsfondet 2027")).first() \
        is None


def test_blank_terms_keep_the_usual_values(client, manager):
    plan_id = make_call().plan_id
    login(client, manager)
    response = new_call(client, plan_id, acceptance_weeks="", final_report_days="")
    assert response.status_code == 302
    call = _db.session.scalars(select(Call).where(Call.title == "Næringsfondet 2027")).one()
    assert (call.acceptance_weeks, call.final_report_days) == (4, 60)


def test_the_operation_refuses_terms_out_of_bounds(db):
    call = make_call(opens_in=timedelta(days=5))
    with pytest.raises(DomainError, match="mellom 1 og 365 dager"):
        update_call(call, final_report_days=10_000)
    with pytest.raises(DomainError, match="mellom 1 og 26 uker"):
        make_call(acceptance_weeks=0)
