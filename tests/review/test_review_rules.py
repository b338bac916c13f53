"""The rules of case handling as the database and the operations keep them: the
assessment's states, the review settings of a call, and the eligibility count stored at
submission."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fund.audit.models import AuditEvent
from fund.calls.models import CallState
from fund.core.roles import Role
from fund.core.signals import assessment_completed
from fund.core.types import utcnow
from fund.extensions import db as _db
from fund.review.models import Assessment, AssessmentState, ReviewSettings
from fund.review.operations import assessment_for
from fund.review.scoring import Recommendation
from tests.helpers import (
    declare,
    html_of,
    login,
    make_application,
    make_user,
    post_form,
)
from tests.review.conftest import case_path
from tests.review.test_case_handling import assess, scores_for

# The assessment ----------------------------------------------------------------------------

def test_opening_the_assessment_page_creates_nothing(client, case):
    application, caseworker, *_ = case
    login(client, caseworker)
    declare(client, application)
    assert client.get(case_path(application, "/vurdering")).status_code == 200
    assert _db.session.scalars(select(Assessment)).all() == []
    own = assessment_for(application, caseworker)
    assert own.id is None and own not in _db.session  # a transient draft


def test_completing_an_assessment_announces_it_once(client, case):
    application, caseworker, *_ = case
    heard = []

    def receiver(assessment, actor, **_kwargs):
        heard.append((assessment.application_id, actor.id, assessment.state))

    assessment_completed.connect(receiver)
    try:
        login(client, caseworker)
        declare(client, application)
        assert assess(client, application, scores_for(application)).status_code == 302
        assert assess(client, application, scores_for(application, 5)).status_code == 302
    finally:
        assessment_completed.disconnect(receiver)
    assert heard == [(application.id, caseworker.id, AssessmentState.COMPLETED)]


@pytest.mark.parametrize("fields", [
    pytest.param({"state": AssessmentState.COMPLETED, "recommendation": Recommendation.APPROVE,
                  "total_score": 50}, id="completed-without-completed-at"),
    pytest.param({"state": AssessmentState.DRAFT, "completed_at": "now"},
                 id="draft-with-completed-at"),
    pytest.param({"state": AssessmentState.DRAFT, "total_score": 50}, id="draft-with-total"),
    pytest.param({"state": AssessmentState.COMPLETED, "completed_at": "now", "total_score": 50},
                 id="completed-without-recommendation"),
])
def test_the_database_ties_an_assessment_state_to_its_fields(case, fields):
    application, caseworker, *_ = case
    fields = {name: utcnow() if value == "now" else value for name, value in fields.items()}
    _db.session.add(Assessment(application_id=application.id, caseworker_id=caseworker.id,
                               **fields))
    with pytest.raises(IntegrityError):
        _db.session.flush()
    _db.session.rollback()


# The review settings of a call ---------------------------------------------------------------

def test_a_call_without_stored_settings_has_the_defaults_and_the_first_save_stores_them(
        client, case):
    application, *_ = case
    manager = make_user("lene@example.no", Role.MANAGER, name="Lene")
    _db.session.commit()
    login(client, manager)
    call_page = f"/forvaltning/utlysninger/{application.call_id}"
    html = html_of(client.get(call_page))
    assert "Oppsett for vurderingen" in html and 'value="20"' in html
    assert _db.session.get(ReviewSettings, application.call_id) is None
    response = post_form(client, f"{call_page}/vurdering", {
        "score_aggregate": "mean", "blind_review": "y", "disagreement_threshold": "101"},
        form_page=call_page)
    assert "Velg et tall mellom 0 og 100." in html_of(client.get(response.headers["Location"]))
    assert _db.session.get(ReviewSettings, application.call_id) is None
    post_form(client, f"{call_page}/vurdering", {
        "score_aggregate": "mean", "blind_review": "y", "disagreement_threshold": "35"},
        form_page=call_page)
    stored = _db.session.get(ReviewSettings, application.call_id)
    assert (stored.score_aggregate.value, stored.blind_review,
            stored.disagreement_threshold) == ("mean", True, 35)


def test_the_settings_panel_goes_when_the_review_is_closed(client, case):
    application, *_ = case
    manager = make_user("lene@example.no", Role.MANAGER, name="Lene")
    call = application.call
    call.opens_at, call.closes_at = utcnow() - timedelta(days=9), utcnow() - timedelta(days=1)
    call.review_closed_at = utcnow()
    _db.session.commit()
    assert call.state == CallState.REVIEW_CLOSED
    login(client, manager)
    html = html_of(client.get(f"/forvaltning/utlysninger/{call.id}"))
    assert "Oppsett for vurderingen" not in html and "Vurderingen er avsluttet" in html
    response = post_form(client, f"/forvaltning/utlysninger/{call.id}/vurdering", {
        "score_aggregate": "mean", "disagreement_threshold": "35"},
        form_page=f"/forvaltning/utlysninger/{call.id}/kriterier")
    assert "Vurderingen av utlysningen er avsluttet." in html_of(
        client.get(response.headers["Location"]))
    assert _db.session.get(ReviewSettings, call.id) is None


def test_a_caseworker_cannot_change_the_review_settings(client, case):
    application, caseworker, *_ = case
    login(client, caseworker)
    response = post_form(client, f"/forvaltning/utlysninger/{application.call_id}/vurdering",
                         {"score_aggregate": "mean", "disagreement_threshold": "35"},
                         form_page="/saksbehandling/soknader")
    assert response.status_code == 403
    assert _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "call.review_settings_changed")).all() == []


# Eligibility at submission -------------------------------------------------------------------

def test_submitting_stores_how_many_eligibility_rules_the_application_breaks(case):
    application, *_ = case
    assert application.eligibility_failures == 0
    draft = make_application(application.call, application.organisation,
                             application.created_by)
    assert draft.eligibility_failures is None
