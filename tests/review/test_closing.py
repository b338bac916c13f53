"""Closing the review (H3): the manager confirms on a page that shows what will be frozen;
it is refused while something would be left undecided or unfit for a grant, or when the
manager is inhabil; afterwards the innstilling never changes and nothing that would
change it is allowed."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from fund.applications.models import ApplicationState, InfoRequest
from fund.audit.models import AuditEvent
from fund.core.signals import answered_yes, organisation_has_grant
from fund.core.types import utcnow
from fund.extensions import db as _db
from fund.review.models import Assessment, AssessmentState, FrozenRanking
from tests.helpers import count_queries, csrf_token, declare, html_of, login, post_form
from tests.review.conftest import assess, page, ranked_rows, stored_settings

EXPORTS = ("pdf", "csv", "xlsx")


def close(client, competition):
    path = competition.ranking_path("avslutt")
    return post_form(client, path, {}, form_page=path)


def closed_call(client, competition):
    """The manager Lene closes the review (signing in first, if the client is not)."""
    if client.get("/logg-inn").status_code == 200:
        login(client, competition.lene)
    response = close(client, competition)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(competition.ranking_path())
    _db.session.expire_all()
    assert competition.call.review_closed
    return response


def refusals(client, competition) -> str:
    html = page(client, competition.ranking_path("avslutt"))
    assert 'id="close-form"' not in html
    return html[html.index('id="refusals"'):]


def not_closed(competition) -> bool:
    _db.session.expire_all()
    return competition.call.review_closed_at is None and _db.session.scalars(
        select(FrozenRanking)).all() == []


# The confirmation step ---------------------------------------------------------------------

def test_the_manager_confirms_closing_on_a_page_that_shows_what_is_frozen(client, competition):
    login(client, competition.lene)
    ranking = page(client, competition.ranking_path())
    assert competition.ranking_path("avslutt") in ranking
    manage = page(client, f"/forvaltning/utlysninger/{competition.call.id}")
    assert competition.ranking_path("avslutt") in manage
    html = page(client, competition.ranking_path("avslutt"))
    assert "Den kan ikke endres etterpå" in html
    figures = html[html.index('id="figures"'):]
    assert re.search(r"Søknader i innstillingen</dt><dd>4<", figures)
    assert re.search(r"Søknader over linjen</dt><dd>3<", figures)
    assert "Anbefalt innenfor linjen</dt><dd>kr 280 000" in figures
    assert "Gjenstår av budsjettet</dt><dd>kr 20 000" in figures
    assert not_closed(competition)  # looking changes nothing

    response = closed_call(client, competition)
    assert "Behandlingen er avsluttet, og innstillingen er låst." in html_of(
        client.get(response.headers["Location"]))
    frozen = _db.session.scalars(select(FrozenRanking)).one()
    assert frozen.closed_by_id == competition.lene.id and frozen.line == 3
    assert frozen.closed_at == competition.call.review_closed_at
    assert [(r.rank, r.title, r.within_budget) for r in frozen.rows] == [
        (1, "Alfa", True), (2, "Beta", True), (3, "Gamma", True), (4, "Delta", False)]
    actions = {e.action: e.actor_id for e in _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.in_(["review.innstilling_frozen", "call.review_closed"])))}
    assert actions == {"review.innstilling_frozen": competition.lene.id,
                       "call.review_closed": competition.lene.id}
    # A grant is now proposed to the organisations above the line (a core signal).
    assert answered_yes(organisation_has_grant, competition.apps["A"].organisation)
    assert not answered_yes(organisation_has_grant, competition.apps["D"].organisation)


def test_closing_twice_keeps_the_first_innstilling(client, competition):
    closed_call(client, competition)
    assert "Behandlingen er allerede avsluttet." in refusals(client, competition)
    response = close(client, competition)
    assert response.status_code == 302
    assert len(_db.session.scalars(select(FrozenRanking)).all()) == 1


# Refused closings ----------------------------------------------------------------------------

def test_closing_is_refused_before_the_deadline(client, competition):
    competition.call.closes_at = utcnow() + timedelta(days=2)
    _db.session.commit()
    login(client, competition.lene)
    assert "Søknadsfristen er ikke ute før" in refusals(client, competition)
    assert close(client, competition).status_code == 302
    assert not_closed(competition)


def test_closing_is_refused_while_an_applicant_is_to_answer_an_information_request(
        client, competition):
    waiting = competition.apps["C"]
    waiting.state = ApplicationState.INFO_REQUESTED
    _db.session.commit()
    login(client, competition.lene)
    html = refusals(client, competition)
    assert f"forespørsel om opplysninger: {waiting.case_number}" in html
    assert "ellers blir de aldri avgjort" in html
    response = close(client, competition)
    assert waiting.case_number in html_of(client.get(response.headers["Location"]))
    assert not_closed(competition)


def test_closing_is_refused_while_an_unverified_organisation_is_above_the_line(
        client, competition):
    beta, delta = competition.apps["B"], competition.apps["D"]
    beta.organisation.verified_at = None
    delta.organisation.verified_at = None  # below the line: no grant, no matter
    _db.session.commit()
    login(client, competition.lene)
    html = refusals(client, competition)
    assert "står over budsjettlinjen, men søkerorganisasjonen er ikke verifisert: " \
        f"{beta.case_number} (Beta AS)" in html
    assert "saksbehandlere verifiserer den på organisasjonens side" in html
    assert f'href="/organisasjoner/{beta.organisation.id}"' in html
    assert delta.case_number not in html
    close(client, competition)
    assert not_closed(competition)
    beta.organisation.verified_at = utcnow()
    _db.session.commit()
    closed_call(client, competition)


def test_an_inhabil_manager_cannot_close_and_learns_nothing_from_trying(app, client,
                                                                         competition):
    login(client, competition.lene)
    declare(client, competition.apps["D"], disqualified=True, ground="family")
    html = refusals(client, competition)
    assert "En annen fondsforvalter må gjøre det." in html
    assert 'id="figures"' not in html and "kr 280 000" not in html
    close(client, competition)
    assert not_closed(competition)
    other = app.test_client()
    login(other, competition.mona)
    assert close(other, competition).status_code == 302
    _db.session.expire_all()
    assert competition.call.review_closed


def test_a_manager_with_an_unfinished_assessment_of_their_own_cannot_close_blind(
        client, competition):
    assess(competition.apps["B"], competition.lene, None, None, state=AssessmentState.DRAFT)
    login(client, competition.lene)
    html = refusals(client, competition)
    assert f"Du har begynt å vurdere {competition.apps['B'].case_number}" in html
    assert "kr 280 000" not in html
    close(client, competition)
    assert not_closed(competition)


# The frozen innstilling ---------------------------------------------------------------------

def exports(client, competition) -> dict[str, bytes]:
    files = {}
    for kind in EXPORTS:
        response = client.get(competition.ranking_path(f"innstilling.{kind}"))
        assert response.status_code == 200, kind
        files[kind] = response.get_data()
    return files


def xlsx_cells(data: bytes) -> dict:
    workbook = load_workbook(io.BytesIO(data))
    return {sheet.title: [row for row in sheet.iter_rows(values_only=True)
                          if row[0] != "Generert"] for sheet in workbook}


def pdf_text(data: bytes) -> str:
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"generert .*|Generert .*|Dato .*", "", text)


def test_the_closed_innstilling_never_changes(client, competition):
    apps = competition.apps
    login(client, competition.lene)
    live_csv = client.get(competition.ranking_path("innstilling.csv")).get_data()
    closed_call(client, competition)
    frozen = exports(client, competition)
    assert frozen["csv"] == live_csv  # what was frozen is what the manager saw
    before_page = page(client, competition.ranking_path())
    before_rows = ranked_rows(before_page)

    # Someone changes the data underneath, directly in the database.
    sverre_on_delta = _db.session.scalars(select(Assessment).where(
        Assessment.application_id == apps["D"].id)).one()
    sverre_on_delta.total_score = 100
    sverre_on_delta.overall_comment = "Endret etterpå."
    apps["A"].state = ApplicationState.WITHDRAWN
    apps["C"].title = "Gamma, nytt navn"
    apps["B"].organisation.name = "Beta Omdøpt AS"
    settings = stored_settings(competition.call)
    settings.funding_line, settings.funding_line_reason = 1, "Etterpå."
    assess(apps["B"], competition.sara, 10, 5_000, comment="Sen vurdering.")

    later = exports(client, competition)
    assert later["csv"] == frozen["csv"]
    assert xlsx_cells(later["xlsx"]) == xlsx_cells(frozen["xlsx"])
    assert pdf_text(later["pdf"]) == pdf_text(frozen["pdf"])
    assert "Alfa" in pdf_text(later["pdf"]) and "Endret etterpå." not in pdf_text(later["pdf"])
    after_page = page(client, competition.ranking_path())
    assert ranked_rows(after_page) == before_rows
    assert "Gamma, nytt navn" not in after_page and "Etterpå." not in after_page
    assert "Behandlingen ble avsluttet" in after_page and 'id="line-form"' not in after_page


def zip_members(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


def test_the_frozen_exports_are_byte_stable_at_the_same_moment(client, competition):
    closed_call(client, competition)
    with time_machine.travel(utcnow() + timedelta(minutes=5), tick=False):
        first = exports(client, competition)
        for assessment in _db.session.scalars(select(Assessment)):
            assessment.total_score, assessment.recommended_amount = 1, 1
        competition.apps["D"].state = ApplicationState.WITHDRAWN
        _db.session.commit()
        second = exports(client, competition)
    assert first["csv"] == second["csv"] and first["pdf"] == second["pdf"]
    # The workbook's parts are the same bytes; the zip stamps each with the time written.
    assert zip_members(first["xlsx"]) == zip_members(second["xlsx"])


def test_blinding_ends_when_the_review_is_closed_but_inhabil_rows_stay_hidden(
        app, client, competition):
    apps = competition.apps
    closed_call(client, competition)
    sara = app.test_client()
    login(sara, competition.sara)
    html = page(sara, competition.ranking_path())
    assert len(ranked_rows(html)) == 4 and 'id="blinded"' not in html
    assert "Budsjettlinjen:" in html
    assert sara.get(competition.ranking_path("innstilling.csv")).status_code == 200
    declare(sara, apps["B"], disqualified=True, ground="party")
    html = page(sara, competition.ranking_path())
    year = competition.call.year
    assert ranked_rows(html) == [(1, f"NF-{year}-0001", "kr 100 000"),
                                 (2, f"NF-{year}-0003", "kr 180 000"),
                                 (3, f"NF-{year}-0004", "kr 230 000")]
    assert "Budsjettlinjen:" not in html and "Beta" not in html
    for kind in EXPORTS:
        assert sara.get(competition.ranking_path(f"innstilling.{kind}")).status_code == 302
    sverre = app.test_client()
    login(sverre, competition.sverre)
    declare(sverre, apps["A"])
    case_page = page(sverre, f"/saksbehandling/soknader/{apps['A'].id}")
    assert "Behandlingen av utlysningen er avsluttet" in case_page


def test_the_frozen_ranking_runs_in_constant_queries(client, competition):
    from fund.review.models import FrozenRankingRow
    from tests.helpers import make_application
    apps = competition.apps
    closed_call(client, competition)
    path = competition.ranking_path()
    client.get(path)
    with count_queries() as few:
        client.get(path)
    frozen = _db.session.scalars(select(FrozenRanking)).one()
    for rank in range(5, 11):
        extra = make_application(competition.call, apps["D"].organisation,
                                 apps["D"].created_by, title=f"Ekstra {rank}",
                                 state=ApplicationState.SUBMITTED,
                                 case_number=f"NF-2098-{rank:04d}")
        frozen.rows.append(FrozenRankingRow(
            application_id=extra.id, rank=rank, case_number=extra.case_number,
            title=extra.title, organisation="Delta AS", orgnr="912345637",
            amount_applied=1_000, recommended_amount=1_000, running_total=330_000 + rank,
            within_budget=False, score=None, spread=None, assessments=0, disagreement=False,
            criterion_scores={}, recommendations=[], justification=""))
    _db.session.commit()
    with count_queries() as many:
        html = html_of(client.get(path))
    assert len(ranked_rows(html)) == 10 and many.count == few.count


# Nothing that would change the innstilling after closing ------------------------------------

def test_after_closing_an_applicant_cannot_withdraw(app, client, competition):
    alfa = competition.apps["A"]
    closed_call(client, competition)
    applicant = app.test_client()
    login(applicant, alfa.created_by)
    own_page = page(applicant, f"/soknader/{alfa.id}")
    assert "Trekk søknaden" not in own_page
    response = post_form(applicant, f"/soknader/{alfa.id}/trekk",
                         {"reason": "Prosjektet er avlyst."}, form_page=f"/soknader/{alfa.id}")
    assert "Behandlingen av utlysningen er avsluttet, og søknaden kan ikke lenger trekkes." in \
        html_of(applicant.get(response.headers["Location"]))
    _db.session.expire_all()
    assert alfa.state == ApplicationState.SUBMITTED


def test_withdraw_operation_refused_after_closing(app, client, competition):
    """The operation refuses too, not only the page (e.g. a form opened before closing)."""
    from fund.applications.operations import ApplicationError, withdraw
    alfa = competition.apps["A"]
    closed_call(client, competition)
    _db.session.refresh(alfa.call)
    with app.test_request_context(), pytest.raises(ApplicationError, match="kan ikke lenger"):
        withdraw(alfa, alfa.created_by, "Prosjektet er avlyst.")
    assert alfa.state == ApplicationState.SUBMITTED


def test_after_closing_a_caseworker_cannot_ask_for_information(app, client, competition):
    alfa = competition.apps["A"]
    closed_call(client, competition)
    sara = app.test_client()
    login(sara, competition.sara)
    declare(sara, alfa)
    case_page = page(sara, f"/saksbehandling/soknader/{alfa.id}")
    assert "be-om-opplysninger" not in case_page and "Vurder søknaden" not in case_page
    response = post_form(sara, f"/saksbehandling/soknader/{alfa.id}/be-om-opplysninger",
                         {"message": "Send regnskapet."},
                         form_page=f"/saksbehandling/soknader/{alfa.id}")
    assert "det kan ikke lenger bes om flere opplysninger" in html_of(
        sara.get(response.headers["Location"]))
    _db.session.expire_all()
    assert alfa.state == ApplicationState.SUBMITTED
    assert _db.session.scalars(select(InfoRequest)).all() == []


def test_after_closing_an_assessment_cannot_be_changed(app, client, competition):
    alfa = competition.apps["A"]
    closed_call(client, competition)
    sverre = app.test_client()
    login(sverre, competition.sverre)
    declare(sverre, alfa)
    path = f"/saksbehandling/soknader/{alfa.id}/vurdering"
    html = page(sverre, path)
    assert 'id="criteria"' not in html and "vurderingen kan ikke lenger endres" in html
    assert "Sverres begrunnelse for Alfa." in html  # shown, read-only
    data = {f"score-{c.id}": "0" for c in alfa.call.criteria}
    response = sverre.post(path, data={
        "csrf_token": csrf_token(sverre, f"/saksbehandling/soknader/{alfa.id}"),
        "version": "1", "overall_comment": "Snudd.", "recommended_amount": "0",
        "recommendation": "reject", "complete": "1", **data})
    assert response.status_code == 302
    assert "vurderingen kan ikke lenger endres" in html_of(
        sverre.get(response.headers["Location"]))
    _db.session.expire_all()
    assessment = _db.session.scalars(select(Assessment).where(
        Assessment.application_id == alfa.id)).one()
    assert assessment.total_score == 90 and assessment.overall_comment.startswith("Sverres")
    assert {row.score for row in assessment.scores} == {4}


def test_after_closing_the_line_cannot_be_moved(client, competition):
    closed_call(client, competition)
    response = post_form(client, competition.ranking_path("linje"),
                         {"line": "1", "reason": "For sent."},
                         form_page=competition.ranking_path())
    assert "budsjettlinjen kan ikke lenger flyttes" in html_of(
        client.get(response.headers["Location"]))
    _db.session.expire_all()
    assert stored_settings(competition.call).funding_line is None
