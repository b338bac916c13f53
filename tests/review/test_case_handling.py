"""Case handling: the §6 declaration comes first, a disqualified caseworker sees nothing,
and assessments are scored, completed, compared and never silently overwritten."""

import re
from decimal import Decimal

from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.auth.models import Membership
from fund.extensions import db as _db
from fund.plan.models import Measure
from fund.review.models import (
    Assessment,
    AssessmentState,
    Assignment,
    ConfirmedMeasure,
    ConflictDeclaration,
    ConflictGround,
)
from tests.helpers import (
    declare,
    html_of,
    login,
    post_form,
)
from tests.review.conftest import case_path


def test_the_declaration_comes_first_and_is_stored_and_audited(client, case):
    application, caseworker, _other, _applicant = case
    login(client, caseworker)
    response = client.get(case_path(application))
    assert response.headers["Location"].endswith(case_path(application, "/habilitet"))
    html = html_of(client.get(case_path(application, "/habilitet")))
    assert "forvaltningsloven § 6" in html and application.organisation.name in html
    assert application.title not in html  # no content before the declaration
    assert declare(client, application).status_code == 302
    declaration = _db.session.scalars(select(ConflictDeclaration)).one()
    assert declaration.caseworker_id == caseworker.id and not declaration.disqualified
    assert _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "review.conflict_declared")).one().actor_id == caseworker.id
    assert application.title in html_of(client.get(case_path(application)))


def test_a_disqualified_caseworker_gets_404_everywhere_and_is_unassigned(client, case):
    application, caseworker, _other, _applicant = case
    _db.session.add(Assignment(application_id=application.id, caseworker_id=caseworker.id))
    _db.session.commit()
    login(client, caseworker)
    response = declare(client, application, disqualified=True, ground="board")
    assert response.status_code == 302
    declaration = _db.session.scalars(select(ConflictDeclaration)).one()
    assert declaration.disqualified and declaration.ground == ConflictGround.BOARD
    assert _db.session.scalars(select(Assignment)).all() == []
    attachment_id = application.attachments[0].id
    for path in ("", "/habilitet", "/vurdering", "/soknad.pdf", f"/vedlegg/{attachment_id}"):
        assert client.get(case_path(application, path)).status_code == 404, path
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/").get_data(as_text=True)).group(1)
    for path in ("/vurdering", "/tiltak", "/notater", "/be-om-opplysninger", "/habilitet"):
        response = client.post(case_path(application, path), data={"csrf_token": token})
        assert response.status_code == 404, path
    listing = html_of(client.get("/saksbehandling/soknader"))
    assert application.case_number not in listing and "vises ikke fordi du er inhabil" in listing


def test_being_disqualified_needs_a_ground(client, case):
    application, caseworker, _other, _applicant = case
    login(client, caseworker)
    html = html_of(declare(client, application, disqualified=True, ground=""))
    assert "Velg hvilken grunn i forvaltningsloven § 6 som gjelder." in html
    assert _db.session.scalars(select(ConflictDeclaration)).all() == []


def test_a_member_of_the_applicant_is_disqualified_automatically(client, case):
    application, caseworker, _other, _applicant = case
    application.organisation.memberships.append(Membership(user=caseworker))
    _db.session.commit()
    login(client, caseworker)
    assert client.get(case_path(application)).status_code == 404
    assert client.get(case_path(application, "/habilitet")).status_code == 404


def scores_for(application, score=4, **overrides) -> dict:
    data = {}
    for criterion in application.call.criteria:
        data[f"score-{criterion.id}"] = str(overrides.get(criterion.title, score))
        data[f"comment-{criterion.id}"] = "Begrunnet."
    return data


def assess(client, application, data, complete=True, version=None):
    path = case_path(application, "/vurdering")
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    found = re.search(r'name="version" type="hidden" value="(\d*)"', html).group(1)
    body = {"csrf_token": token, "version": version if version is not None else found,
            "overall_comment": "Et godt prosjekt.", "recommended_amount": "150000",
            "recommendation": "approve", **data}
    body["complete" if complete else "save"] = "1"
    return client.post(path, data=body)


def test_an_incomplete_assessment_cannot_be_completed_but_is_kept_as_a_draft(client, case):
    application, caseworker, _other, _applicant = case
    login(client, caseworker)
    declare(client, application)
    first = application.call.criteria[0]
    data = scores_for(application)
    data[f"score-{first.id}"] = ""
    html = html_of(assess(client, application, data))
    assert f"Gi «{first.title}» en verdi." in html
    assert "Et godt prosjekt." in html  # what was written is shown again, not lost
    # Refused as a whole: nothing is stored until the caseworker saves it as a draft.
    assert _db.session.scalars(select(Assessment)).all() == []
    assert assess(client, application, data, complete=False).status_code == 302
    _db.session.expire_all()
    assessment = _db.session.scalars(select(Assessment)).one()
    assert assessment.state == AssessmentState.DRAFT and assessment.total_score is None


def test_a_completed_assessment_stores_the_weighted_total(client, case):
    application, caseworker, _other, _applicant = case
    login(client, caseworker)
    declare(client, application)
    criteria = application.call.criteria
    international = next(c for c in criteria if c.allow_na)
    data = scores_for(application, score=5)
    data[f"score-{criteria[0].id}"] = "0"  # the weight-20 criterion scores 0
    data[f"score-{international.id}"] = "na"  # left out, weights renormalised
    response = assess(client, application, data)
    assert response.status_code == 302, html_of(response)[:2000]
    assessment = _db.session.scalars(select(Assessment)).one()
    assert assessment.state == AssessmentState.COMPLETED
    # (95 − 20) / 95 × 100 = 78.947…: stored exactly (six decimals), rounded once to show
    assert assessment.total_score == Decimal("78.947368")
    assert "Summen er 78,9 av 100." in html_of(client.get(response.headers["Location"]))
    assert _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "review.assessment_completed")).one()


def test_a_completed_assessment_says_so_and_warns_that_a_change_reopens_it(client, case):
    application, caseworker, _other, _applicant = case
    login(client, caseworker)
    declare(client, application)
    assert "Vurder søknaden" in html_of(client.get(case_path(application)))
    assess(client, application, scores_for(application, 3), complete=False)
    page = html_of(client.get(case_path(application)))
    assert "Fortsett vurderingen" in page and "(fullført)" not in page
    assert "Du fullførte vurderingen" not in html_of(
        client.get(case_path(application, "/vurdering")))

    assert assess(client, application, scores_for(application, 4)).status_code == 302
    page = html_of(client.get(case_path(application)))
    assert "Se eller endre vurderingen (fullført)" in page
    assert "Fortsett vurderingen" not in page
    form = html_of(client.get(case_path(application, "/vurdering")))
    assert "Du fullførte vurderingen" in form
    assert "må du fullføre den på nytt" in form

    # Saved without completing: a draft again, and the page says so no longer.
    assert assess(client, application, scores_for(application, 2), complete=False) \
        .status_code == 302
    _db.session.expire_all()
    assert _db.session.scalars(select(Assessment)).one().state == AssessmentState.DRAFT
    assert "Fortsett vurderingen" in html_of(client.get(case_path(application)))
    assert "Du fullførte vurderingen" not in html_of(
        client.get(case_path(application, "/vurdering")))


def test_a_stale_assessment_save_is_refused(app, client, case):
    application, caseworker, _other, _applicant = case
    login(client, caseworker)
    declare(client, application)
    assert assess(client, application, scores_for(application, 3), complete=False) \
        .status_code == 302
    old_version = str(_db.session.scalars(select(Assessment)).one().version)
    second_tab = assess(client, application, scores_for(application, 4), complete=False)
    assert second_tab.status_code == 302
    response = assess(client, application, scores_for(application, 1), complete=False,
                      version=old_version)
    assert response.status_code == 409
    assert "Endringene dine er ikke lagret" in html_of(response)
    _db.session.expire_all()
    assessment = _db.session.scalars(select(Assessment)).one()
    assert {row.score for row in assessment.scores} == {4}


def test_others_scores_show_after_completing_ones_own_with_the_disagreement(app, client, case):
    application, caseworker, other, _applicant = case
    login(client, caseworker)
    declare(client, application)
    assess(client, application, scores_for(application, 5))
    office = app.test_client()
    login(office, other)
    declare(office, application)
    html = html_of(office.get(case_path(application)))
    assert "Vurderinger per saksbehandler" not in html  # Sara's scores stay hidden
    assert "Du ser de andres vurderinger når du har fullført din egen." in html
    data = scores_for(application, 1) | {"recommendation": "reject"}
    assess(office, application, data)
    html = html_of(office.get(case_path(application)))
    assert "Vurderinger per saksbehandler" in html
    assert re.search(r"<td>Sara Saksbehandler</td>\s*<td>Fullført</td>\s*<td[^>]*>100", html)
    assert "Saksbehandlerne er uenige" in html


def test_caseworkers_confirm_the_measures_reports_will_use(client, case):
    application, caseworker, _other, _applicant = case
    login(client, caseworker)
    declare(client, application)
    extra = _db.session.scalars(select(Measure).where(Measure.code == "2B-3")).one()
    claimed = application.measures[0].measure_id
    response = post_form(client, case_path(application, "/tiltak"),
                         {"measure": [str(claimed), str(extra.id)]},
                         form_page=case_path(application))
    assert response.status_code == 302
    confirmed = _db.session.scalars(select(ConfirmedMeasure.measure_id)).all()
    assert sorted(confirmed) == sorted([claimed, extra.id])


def test_internal_notes_are_for_caseworkers_only(app, client, case):
    application, caseworker, _other, applicant = case
    login(client, caseworker)
    declare(client, application)
    post_form(client, case_path(application, "/notater"), {"text": "Sjekk regnskapet."},
              form_page=case_path(application))
    assert "Sjekk regnskapet." in html_of(client.get(case_path(application)))
    own = app.test_client()
    login(own, applicant)
    assert "Sjekk regnskapet." not in html_of(own.get(f"/soknader/{application.id}"))
    assert own.get(case_path(application)).status_code == 403


def test_two_caseworkers_confirming_measures_at_once_do_not_overwrite(app, client, case):
    application, caseworker, other, _applicant = case
    login(client, caseworker)
    declare(client, application)
    second = app.test_client()
    login(second, other)
    declare(second, application)
    page = case_path(application)
    token = re.search(r'name="token" value="([^"]*)"', second.get(page).get_data(as_text=True))
    claimed = str(application.measures[0].measure_id)
    extra = str(_db.session.scalars(select(Measure.id).where(Measure.code == "5C-1")).one())
    post_form(client, case_path(application, "/tiltak"), {"measure": [claimed, extra]},
              form_page=page)
    response = post_form(second, case_path(application, "/tiltak"),
                         {"measure": [claimed], "token": token.group(1)}, form_page=page)
    assert "En annen saksbehandler har endret tiltakene" in html_of(
        second.get(response.headers["Location"]))
    assert sorted(_db.session.scalars(select(ConfirmedMeasure.measure_id)).all()) == sorted(
        [int(claimed), int(extra)])
