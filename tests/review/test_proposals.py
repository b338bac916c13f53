"""The administration's proposals (kommunedirektørens innstilling): after the review is
closed, the manager sets one proposal per application, prefilled from the frozen ranking,
and lays the innstilling forward as a stored PDF. Whoever proposes has declared themself
habil on every application of the call (fvl § 6)."""

import hashlib
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from fund.applications.models import ApplicationState
from fund.audit.models import AuditEvent
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.review.innstilling import stored_path
from fund.review.models import (
    Assessment,
    ConflictDeclaration,
    ConflictGround,
    Innstilling,
    Outcome,
    Proposal,
)
from fund.review.operations import close_review
from fund.review.ranking import ranking
from fund.review.scoring import Recommendation
from tests.helpers import (
    browser_form,
    html_of,
    login,
    make_application,
    make_organisation,
    make_user,
    post_form,
)
from tests.review.conftest import assess


def declare_all(user, applications, disqualified_on=()):
    for application in applications:
        inhabil = application in disqualified_on
        _db.session.add(ConflictDeclaration(
            application=application, caseworker=user, disqualified=inhabil,
            ground=ConflictGround.FAMILY if inhabil else None))
    _db.session.commit()


@pytest.fixture
def closed(competition):
    """The competition with its review closed by Lene, who has declared on everything;
    a fifth application was withdrawn before closing."""
    call = competition.call
    quitter = make_user("quitter@example.no", name="Kim Trekker")
    withdrawn = make_application(
        call, make_organisation(quitter, orgnr="912345645", name="Trukket AS"), quitter,
        title="Trukket prosjekt", state=ApplicationState.WITHDRAWN,
        case_number=f"NF-{call.year}-0005", submitted_at=call.opens_at + timedelta(hours=5))
    competition.apps["A"].eligibility_failures = 2
    _db.session.commit()
    declare_all(competition.lene, competition.apps.values())
    close_review(call, competition.lene)
    _db.session.commit()
    competition.withdrawn = withdrawn
    return competition


def proposals_path(competition) -> str:
    return competition.ranking_path("forslag")


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.replace("\u00a0", " ").split())


def test_a_reject_recommendation_is_never_counted_as_an_amount(db, competition):
    """LAW §3.3: «Innvilge 200 000» and «Avslå» gives 200 000, not 100 000; when every
    assessment says «Avslå», the row asks for nothing."""
    apps = competition.apps
    assess(apps["A"], competition.sara, 80, 0, recommendation=Recommendation.REJECT)
    assess(apps["D"], competition.sara, 20, 0, recommendation=Recommendation.REJECT)
    rows = {row.case_number: row for row in ranking(competition.call).rows}
    assert rows[apps["A"].case_number].recommended_amount == 100_000  # Sverre's, alone
    # Delta: Sverre approves 50 000, Sara rejects: 50 000.
    assert rows[apps["D"].case_number].recommended_amount == 50_000
    # Gamma: every assessment says «Avslå» (one with an amount filled in): nothing.
    sverres = _db.session.scalars(select(Assessment).where(
        Assessment.application_id == apps["C"].id)).one()
    sverres.recommendation = Recommendation.REJECT
    assess(apps["C"], make_user("tredje@example.no", Role.CASEWORKER), 40, 90_000,
           recommendation=Recommendation.REJECT)
    rows = {row.case_number: row for row in ranking(competition.call).rows}
    assert rows[apps["C"].case_number].recommended_amount == 0


def test_the_proposals_are_prefilled_from_the_frozen_ranking(client, closed):
    login(client, closed.lene)
    html = html_of(client.get(proposals_path(closed)))
    form = browser_form(html, "proposals-form")
    apps = closed.apps
    # Within the line (A, B, C): a grant of the recommended amount, partial when lower.
    assert form[f"outcome-{apps['A'].id}"] == "partly_granted"
    assert form[f"amount-{apps['A'].id}"] == "100000"
    assert form[f"outcome-{apps['C'].id}"] == "partly_granted"
    # Below it (D): a rejection with a neutral sentence, no amount.
    assert form[f"outcome-{apps['D'].id}"] == "rejected"
    assert form[f"amount-{apps['D'].id}"] == ""
    assert form[f"reason-{apps['D'].id}"] == (
        "Søknaden er rangert som nr. 4 av 4 med 60 av 100 poeng og når ikke opp i "
        "konkurransen om midlene innenfor budsjettet.")
    # Never the caseworkers' comments.
    assert "Sverres begrunnelse" not in html
    # A broke eligibility rules at submission: flagged.
    assert f'id="flag-{apps["A"].id}"' in html and "vurder å avvise eller avslå" in html
    # The withdrawn application is listed as such, with no proposal.
    withdrawn = html[html.index(f'id="withdrawn-{closed.withdrawn.id}"'):]
    assert "Trukket av søkeren" in withdrawn[:600]
    assert f"outcome-{closed.withdrawn.id}" not in html


def test_the_manager_sets_proposals_and_lays_the_innstilling_forward(client, closed):
    apps = closed.apps
    login(client, closed.lene)
    path = proposals_path(closed)
    form = browser_form(html_of(client.get(path)), "proposals-form")
    form.update({f"outcome-{apps['A'].id}": "dismissed", f"amount-{apps['A'].id}": "",
                 f"reason-{apps['A'].id}": "Prosjektet var startet før søknaden ble sendt.",
                 f"outcome-{apps['B'].id}": "granted", f"amount-{apps['B'].id}": "120 000",
                 f"reason-{apps['B'].id}": "", "action": "save"})
    response = client.post(path, data=form)
    assert response.status_code == 302
    stored = {p.application_id: p for p in _db.session.scalars(select(Proposal))}
    assert stored[apps["A"].id].outcome == Outcome.DISMISSED and stored[apps["A"].id].amount is None
    assert (stored[apps["B"].id].outcome, stored[apps["B"].id].amount) == \
        (Outcome.GRANTED, 120_000)
    assert stored[apps["D"].id].outcome == Outcome.REJECTED
    assert _db.session.scalars(select(Innstilling)).all() == []
    # The draft export carries the proposals.
    csv = client.get(closed.ranking_path("innstilling.csv")).get_data(as_text=True)
    assert "Avvise" in csv and "Prosjektet var startet før søknaden ble sendt." in csv

    form = browser_form(html_of(client.get(path)), "proposals-form")
    form["action"] = "propose"
    response = client.post(path, data=form)
    assert response.status_code == 302
    assert "Innstillingen er lagt fram" in html_of(client.get(response.headers["Location"]))
    innstilling = _db.session.scalars(select(Innstilling)).one()
    data = stored_path(innstilling.stored_name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == innstilling.sha256
    text = pdf_text(data)
    year = closed.call.year
    assert f"Søknad NF-{year}-0001 fra Alfa AS, «Alfa», avvises." in text
    assert f"Søknad NF-{year}-0002 fra Beta AS, «Beta», innvilges med kr 120 000." in text
    assert f"Søknad NF-{year}-0004 fra Delta AS, «Delta», avslås." in text
    assert "Utkast" not in text and "Sverres begrunnelse" not in text
    # From now on the PDF export is the stored document, byte for byte.
    assert client.get(closed.ranking_path("innstilling.pdf")).data == data
    assert _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "review.innstilling_proposed")).one().actor_id == closed.lene.id
    # The proposals are locked.
    form[f"outcome-{apps['D'].id}"] = "granted"
    form[f"amount-{apps['D'].id}"] = "60000"
    form["action"] = "save"
    html = html_of(client.post(path, data=form, follow_redirects=True))
    assert "Innstillingen ble lagt fram" in html
    assert _db.session.get(Proposal, stored[apps["D"].id].id,
                           populate_existing=True).outcome == Outcome.REJECTED


@pytest.mark.parametrize("change, message", [
    ({"outcome": "granted", "amount": "90000"},
     "Et beløp lavere enn det søkte er en delvis innvilgelse"),
    ({"outcome": "partly_granted", "amount": "200000"},
     "Beløpet kan ikke være høyere enn det søkte beløpet (kr 150 000)."),
    ({"outcome": "partly_granted", "amount": ""}, "Et tilskudd må ha et beløp over null."),
    ({"outcome": "partly_granted", "amount": "150000"},
     "En delvis innvilgelse er et lavere beløp enn det søkte (kr 150 000)."),
    ({"outcome": "rejected", "reason": "  "}, "Skriv en begrunnelse"),
    ({"outcome": "withdrawn"}, "Velg et forslag."),
    ({"amount": "mange"}, "Skriv beløpet som et helt antall kroner."),
    ({"amount": "9" * 11}, "Tallet er for stort."),
])
def test_a_wrong_proposal_is_a_message_on_its_row(client, closed, change, message):
    a = closed.apps["A"]
    login(client, closed.lene)
    path = proposals_path(closed)
    form = browser_form(html_of(client.get(path)), "proposals-form")
    form.update({f"{name}-{a.id}": value for name, value in change.items()})
    form["action"] = "propose"
    response = client.post(path, data=form)
    assert response.status_code == 422
    html = html_of(response)
    assert message in html[html.index(f'id="error-{a.id}"'):][:300]
    assert _db.session.scalars(select(Proposal)).all() == []
    assert _db.session.scalars(select(Innstilling)).all() == []


def test_only_a_manager_who_has_declared_on_every_application_may_propose(client, closed):
    """Mona has declared on A and B only: the page names C and D, and posting the form
    directly stores nothing. A caseworker gets 403; a manager inhabil in one row is
    refused outright."""
    apps = closed.apps
    declare_all(closed.mona, [apps["A"], apps["B"]])
    login(client, closed.lene)
    form = browser_form(html_of(client.get(proposals_path(closed))), "proposals-form")
    form["action"] = "propose"
    mona = client.application.test_client()
    login(mona, closed.mona)
    html = html_of(mona.get(proposals_path(closed)))
    year = closed.call.year
    assert f"Du har ikke erklært deg habil i disse søknadene: NF-{year}-0003, NF-{year}-0004." \
        in html
    assert 'id="proposals-form"' in html and 'name="action"' not in html
    response = post_form(mona, proposals_path(closed), {
        k: v for k, v in form.items() if k != "csrf_token"})
    assert response.status_code == 302
    assert "Du har ikke erklært deg habil" in html_of(mona.get(response.headers["Location"]))
    assert _db.session.scalars(select(Proposal)).all() == []
    assert _db.session.scalars(select(Innstilling)).all() == []

    inhabil = make_user("ivar@example.no", Role.MANAGER, name="Ivar Inhabil")
    declare_all(inhabil, apps.values(), disqualified_on=[apps["C"]])
    other = client.application.test_client()
    login(other, inhabil)
    html = html_of(other.get(proposals_path(closed)))
    assert "Du er inhabil i minst én søknad" in html and "Alfa" not in html
    post_form(other, proposals_path(closed), {
        k: v for k, v in form.items() if k != "csrf_token"})
    assert _db.session.scalars(select(Proposal)).all() == []

    caseworker = client.application.test_client()
    login(caseworker, closed.sara)
    assert caseworker.get(proposals_path(closed)).status_code == 403


def test_no_proposals_before_the_review_is_closed(client, competition):
    declare_all(competition.lene, competition.apps.values())
    login(client, competition.lene)
    html = html_of(client.get(competition.ranking_path("forslag")))
    assert "Forslagene til vedtak settes etter at behandlingen er avsluttet." in html
    assert 'id="proposals-form"' not in html
