"""§6 in full: the grounds in the law's words, the «I advised the applicant» case, a
declaration changed to inhabil after the fact (404 from then on, unassigned, the assessment
no longer counts), and a substitute assigned for the case that lacks a caseworker (§9)."""

import re

from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.extensions import db as _db
from fund.review.models import Assignment, ConflictDeclaration, ConflictGround
from fund.review.queries import full_ranking
from tests.helpers import declare, html_of, login, post_form
from tests.review.conftest import case_path, page, ranked_rows


def test_the_grounds_are_the_laws(client, case):
    application, caseworker, _other, _applicant = case
    login(client, caseworker)
    html = html_of(client.get(case_path(application, "/habilitet")))
    # c: married (or formerly), engaged, foster relations; no samboer under første ledd c
    assert "Jeg er eller har vært gift med, eller er forlovet med, en part " \
           "(§ 6 første ledd c)" in html
    assert "Jeg er fosterforelder eller fosterbarn til en part (§ 6 første ledd c)" in html
    assert not re.search(r"samboer[^<]*første ledd c", html)
    assert "Jeg er samboer med en part (§ 6 annet ledd, særegne forhold)" in html
    assert "verge eller fullmektig for en part, eller har vært det etter at saken begynte " \
           "(§ 6 første ledd d)" in html
    assert "selskap, samvirkeforetak, forening, sparebank eller stiftelse" in html
    assert "Har du veiledet søkeren i utformingen av søknaden?" in html
    assert "Jeg har veiledet søkeren i utformingen av søknaden (§ 6 annet ledd)" in html


def test_one_who_advised_the_applicant_must_explain(client, case):
    application, caseworker, _other, _applicant = case
    login(client, caseworker)
    html = html_of(declare(client, application, advised=True))
    assert "Du har veiledet søkeren. Forklar hva veiledningen gikk ut på" in html
    assert _db.session.scalars(select(ConflictDeclaration)).all() == []
    # declared habil with an explanation: stored with the answer
    response = declare(client, application, advised=True,
                       explanation="Ga bare generell informasjon om ordningen på telefon.")
    assert response.status_code == 302
    declaration = _db.session.scalars(select(ConflictDeclaration)).one()
    assert declaration.advised_applicant is True and not declaration.disqualified
    assert "Ga bare generell informasjon" in declaration.explanation


def test_one_who_advised_and_is_inhabil_has_that_as_the_ground(client, case):
    application, caseworker, _other, _applicant = case
    login(client, caseworker)
    response = declare(client, application, disqualified=True, advised=True,
                       explanation="Jeg skrev budsjettet sammen med søkeren.")
    assert response.status_code == 302
    declaration = _db.session.scalars(select(ConflictDeclaration)).one()
    assert declaration.disqualified and declaration.ground == ConflictGround.ADVISED
    assert client.get(case_path(application)).status_code == 404


def test_a_foster_relation_is_stored_as_such(client, case):
    application, caseworker, _other, _applicant = case
    login(client, caseworker)
    assert declare(client, application, disqualified=True, ground="foster").status_code == 302
    assert _db.session.scalars(select(ConflictDeclaration)).one().ground == \
        ConflictGround.FOSTER


def test_inhabil_after_the_fact_404_unassigned_and_the_assessment_drops_out(
        client, app, competition):
    apps, sverre, lene = competition.apps, competition.sverre, competition.lene
    alfa = apps["A"]
    _db.session.add(Assignment(application_id=alfa.id, caseworker_id=sverre.id,
                               assigned_by_id=lene.id))
    _db.session.add(ConflictDeclaration(application_id=alfa.id, caseworker_id=sverre.id,
                                        disqualified=False, explanation=""))
    _db.session.commit()
    with app.test_request_context():
        before = full_ranking(competition.call)
    assert [row.case_number for row in before.rows][0] == alfa.case_number
    assert next(r for r in before.rows if r.application_id == alfa.id).assessments == 1

    login(client, sverre)
    case_html = page(client, case_path(alfa))
    assert "Jeg er inhabil likevel" in case_html
    form_html = page(client, case_path(alfa, "/inhabil"))
    assert "Endringen logges" in form_html
    # ground and explanation are both required
    html = html_of(post_form(client, case_path(alfa, "/inhabil"),
                             {"ground": "", "explanation": ""}))
    assert "Velg hvilken grunn i forvaltningsloven § 6 som gjelder." in html
    assert "Forklar hvorfor du er inhabil." in html
    response = post_form(client, case_path(alfa, "/inhabil"), {
        "ground": "board", "explanation": "Jeg er valgt inn i styret i Alfa AS."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/saksbehandling/soknader")

    declaration = _db.session.scalars(select(ConflictDeclaration).where(
        ConflictDeclaration.application_id == alfa.id)).one()
    assert declaration.disqualified and declaration.ground == ConflictGround.BOARD
    assert declaration.revised_at is not None and declaration.left_assignment
    logged = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "review.conflict_revised")).one()
    assert logged.actor_id == sverre.id and logged.details["ground"] == "board"
    assert _db.session.scalars(select(Assignment).where(
        Assignment.application_id == alfa.id)).all() == []
    # nothing of the case any more
    for path in ("", "/vurdering", "/soknad.pdf", "/inhabil", "/habilitet"):
        assert client.get(case_path(alfa, path)).status_code == 404, path
    assert alfa.case_number not in html_of(client.get("/saksbehandling/soknader"))

    # his assessment of Alfa no longer counts: Alfa has none left and drops to the bottom
    _db.session.expire_all()
    with app.test_request_context():
        after = full_ranking(competition.call)
    row = next(r for r in after.rows if r.application_id == alfa.id)
    assert row.assessments == 0 and row.score is None
    assert [r.case_number for r in after.rows][0] == apps["B"].case_number
    manager = app.test_client()
    login(manager, lene)
    ranked = [case for _rank, case, _sum in ranked_rows(page(manager, competition.ranking_path()))]
    assert ranked[0] == apps["B"].case_number and ranked[-1] == alfa.case_number


def test_a_case_that_lost_its_caseworker_gets_a_substitute(app, client, competition):
    apps, sverre, sara, lene = (competition.apps, competition.sverre, competition.sara,
                                competition.lene)
    beta = apps["B"]
    _db.session.add(Assignment(application_id=beta.id, caseworker_id=sara.id,
                               assigned_by_id=lene.id))
    _db.session.commit()
    login(client, sara)
    response = declare(client, beta, disqualified=True, ground="cohabitant")
    assert response.status_code == 302

    client = app.test_client()
    login(client, lene)
    queue = page(client, "/saksbehandling/soknader")
    row = queue[queue.index(beta.case_number):]
    row = row[:row.index("</tr>")]
    assert "Mangler saksbehandler" in row
    declare(client, beta)
    case_html = page(client, case_path(beta))
    assert "Saken mangler saksbehandler." in case_html
    assert "Sara Saksbehandler er inhabil og er fjernet fra saken" in case_html
    substitutes = case_html[case_html.index('id="substitute-form"'):]
    substitutes = substitutes[:substitutes.index("</form>")]
    assert "Sverre Saksbehandler" in substitutes and "Sara Saksbehandler" not in substitutes

    response = post_form(client, "/saksbehandling/soknader/tildel", {
        "application": str(beta.id), "caseworker": str(sverre.id),
        "back": case_path(beta)}, form_page=case_path(beta))
    assert response.status_code == 302
    assignment = _db.session.scalars(select(Assignment).where(
        Assignment.application_id == beta.id)).one()
    assert assignment.caseworker_id == sverre.id and assignment.substitute_for_id == sara.id
    logged = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "review.assigned", AuditEvent.object_id == beta.id)).all()[-1]
    assert logged.details["substitute_for"] == sara.email
    case_html = page(client, case_path(beta))
    assert "Saken mangler saksbehandler." not in case_html
    assert "Sverre Saksbehandler (stedfortreder for Sara Saksbehandler)" in case_html
    queue = page(client, "/saksbehandling/soknader")
    row = queue[queue.index(beta.case_number):]
    assert "Mangler saksbehandler" not in row[:row.index("</tr>")]


def test_the_inhabil_page_is_for_case_handlers_who_declared_habil(app, client, case):
    application, caseworker, _other, applicant = case
    login(client, applicant)
    assert client.get(case_path(application, "/inhabil")).status_code == 403
    client = app.test_client()
    login(client, caseworker)  # not declared yet: to the declaration first
    response = client.get(case_path(application, "/inhabil"))
    assert response.headers["Location"].endswith(case_path(application, "/habilitet"))
    declare(client, application, disqualified=True, ground="family")
    assert client.get(case_path(application, "/inhabil")).status_code == 404
