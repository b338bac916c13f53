"""Two calls for the decision tests.

``decided``: five applications from five organisations, submitted, ranked and frozen, then
decided in one meeting: granted (de minimis), partly granted, rejected, dismissed and
withdrawn. Decisions are made with ``decide(...)`` directly; ``sent`` has the letters sent.

``proposed``: a call whose innstilling is laid forward: the review competition of
tests/review (four applications, budget 300 000), plus a withdrawn fifth, closed and
proposed by Lene, who has declared herself habil on all; and a NOK/EUR rate for the
meeting date."""

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from fund.applications.models import Application, ApplicationState
from fund.applications.operations import submit
from fund.auth.models import User
from fund.calls.models import Call
from fund.core.pdf import read_document
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.decisions.models import (
    Decision,
    DecisionBody,
    DecisionMeeting,
    ExchangeRate,
    Letter,
    StateAidBasis,
)
from fund.decisions.operations import decide, send_letters, stage_letters
from fund.extensions import db as _db
from fund.mail.models import OutboxMessage
from fund.review.models import (
    ConflictDeclaration,
    FrozenRanking,
    FrozenRankingRow,
    Innstilling,
    Outcome,
)
from fund.review.operations import close_review, propose_innstilling, save_proposals
from tests.helpers import make_application, make_call, make_organisation, make_user
from tests.review.conftest import competition  # noqa: F401 (a fixture)

#: letter: (title, orgnr, organisation, outcome, amount, reasons)
CASES = {
    "A": ("Alfa varmepumpe", "912345602", "Alfa AS", Outcome.GRANTED, 150_000,
          "Prosjektet scorer høyt på klimaeffekt."),
    "B": ("Beta bakeri", "912345610", "Beta AS", Outcome.PARTLY_GRANTED, 90_000,
          "Reisekostnadene på kr 60 000 er ikke godkjent: de er driftskostnader."),
    "C": ("Gamma grafikk", "912345629", "Gamma AS", Outcome.REJECTED, None,
          "Lavere prioritert enn andre søknader innenfor rammen; svak på kriteriet om "
          "innovasjon."),
    "D": ("Delta dataspill", "912345637", "Delta AS", Outcome.DISMISSED, None,
          "Søkeren har ikke forretningsadresse i kommunen."),
    "E": ("Epsilon energi", "912345645", "Epsilon AS", Outcome.WITHDRAWN, None, ""),
}
MEETING_DATE = date(2027, 5, 10)
#: A caseworker's internal comment stored with the frozen row; never in a letter.
INTERNAL = "Intern merknad: daglig leder virker uerfaren."


@dataclass
class Decided:
    call: Call
    apps: dict[str, Application]
    applicants: dict[str, User]
    decisions: dict[str, Decision]
    meeting: DecisionMeeting
    lene: User  #: manager
    mona: User  #: another manager, inhabil in B
    sara: User  #: caseworker

    def letter(self, key: str) -> Letter | None:
        return _db.session.execute(select(Letter).where(
            Letter.decision_id == self.decisions[key].id)).scalars().first()


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def letter_text(letter: Letter) -> str:
    return pdf_text(read_document(letter.stored_name))


def outbox(to: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.to_address == to)
    return list(_db.session.execute(query).scalars())


@pytest.fixture
def decided(app, db):
    call = make_call(budget=500_000, appeal_reserve=100_000,
                     expected_decision_on=date(2027, 5, 15))
    apps, applicants = {}, {}
    with app.test_request_context():
        for key, (title, orgnr, name, *_rest) in CASES.items():
            applicant = make_user(f"{key.lower()}@example.no", name=f"Søker {key}")
            org = make_organisation(applicant, orgnr=orgnr, name=name, verified_at=utcnow())
            application = make_application(call, org, applicant, title=title,
                                           amount_applied=150_000)
            submit(application, applicant)
            apps[key], applicants[key] = application, applicant
    apps["E"].state = ApplicationState.WITHDRAWN
    call.opens_at = utcnow() - timedelta(days=60)
    call.closes_at = utcnow() - timedelta(days=30)
    call.review_closed_at = utcnow() - timedelta(days=20)
    lene = make_user("lene@example.no", Role.MANAGER, name="Lene Leder")
    mona = make_user("mona@example.no", Role.MANAGER, name="Mona Forvalter")
    sara = make_user("sara@example.no", Role.CASEWORKER, name="Sara Saksbehandler")
    from fund.review.models import ConflictDeclaration, ConflictGround
    _db.session.add(ConflictDeclaration(application=apps["B"], caseworker=mona,
                                        disqualified=True, ground=ConflictGround.FAMILY))
    criteria = call.criteria
    _db.session.add(FrozenRanking(
        call_id=call.id, closed_by_id=lene.id, budget=call.budget, line=2,
        criteria=[{"id": c.id, "title": c.title, "weight": c.weight} for c in criteria],
        rows=[FrozenRankingRow(
            application_id=apps[key].id, rank=rank, case_number=apps[key].case_number,
            title=apps[key].title, organisation=apps[key].organisation.name,
            orgnr=apps[key].organisation.orgnr, amount_applied=150_000,
            recommended_amount=150_000, running_total=150_000 * rank,
            within_budget=rank <= 2, score=score, spread=Decimal("0"), assessments=1,
            disagreement=False,
            criterion_scores={str(c.id): value for c in criteria},
            recommendations=["approve"], justification=INTERNAL)
            for rank, (key, score, value) in enumerate(
                [("A", Decimal("88.50"), "4.5"), ("B", Decimal("70.00"), "3.5"),
                 ("C", Decimal("41.00"), "2")], start=1)]))
    # The innstilling was laid forward, and the rate of the spring is known (a reversal
    # after an appeal is checked on its own date like any vedtak).
    _db.session.add(Innstilling(call_id=call.id, proposed_by_id=lene.id,
                                stored_name="innstilling-" + "0" * 20, sha256="0" * 64))
    _db.session.add(ExchangeRate(rate_date=date(2027, 5, 3), nok_per_eur=Decimal("11.5"),
                                 source="Norges Bank"))
    meeting = DecisionMeeting(call=call, body=DecisionBody.FORMANNSKAPET,
                              meeting_date=MEETING_DATE, political_case_number="PS 45/27",
                              delegation_reference="Kommuneloven § 5-3", recorded_by=lene)
    _db.session.add(meeting)
    _db.session.flush()
    decisions = {}
    for key, (_title, _orgnr, _name, outcome, amount, reasons) in CASES.items():
        decisions[key] = decide(
            apps[key], meeting if outcome.is_vedtak else None, outcome, amount, reasons, lene,
            conditions="Prosjektet skal være ferdig innen 31. desember 2027."
            if outcome.is_grant else "")
    decisions["A"].state_aid_basis = StateAidBasis.DE_MINIMIS
    decisions["A"].nok_per_eur = Decimal("11.5000")
    decisions["A"].amount_eur = Decimal("13043.48")
    _db.session.commit()
    return Decided(call=call, apps=apps, applicants=applicants, decisions=decisions,
                   meeting=meeting, lene=lene, mona=mona, sara=sara)


#: The letters of ``sent`` are notified on Tuesday 11 May 2027, 11:00 in Oslo (summer
#: time); the appeal deadline is three weeks later, Tuesday 1 June 2027.
SENT_AT = datetime(2027, 5, 11, 9, 0, tzinfo=UTC)
DEADLINE = date(2027, 6, 1)


@pytest.fixture
def sent(app, decided):
    """The decided call with its letters staged and sent on 11 May 2027."""
    with app.test_request_context():
        stage_letters(decided.call, decided.lene)
        send_letters(decided.call, decided.lene, now=SENT_AT)
    _db.session.commit()
    return decided


#: The meeting of the ``proposed`` call.
PROPOSED_MEETING_DATE = date(2027, 6, 14)


@pytest.fixture
def proposed(competition):  # noqa: F811
    call = competition.call
    quitter = make_user("quitter@example.no", name="Kim Trekker")
    competition.withdrawn = make_application(
        call, make_organisation(quitter, orgnr="912345645", name="Trukket AS"), quitter,
        title="Trukket prosjekt", state=ApplicationState.WITHDRAWN,
        case_number=f"NF-{call.year}-0005", submitted_at=call.opens_at + timedelta(hours=5))
    # Founding dates suggest the KDD category: Alfa is young (1310), the others are not.
    for letter, application in competition.apps.items():
        application.organisation.founded_on = date(2024, 1, 10) if letter == "A" \
            else date(2015, 3, 1)
    for application in competition.apps.values():
        _db.session.add(ConflictDeclaration(application=application,
                                            caseworker=competition.lene, disqualified=False))
    _db.session.commit()
    close_review(call, competition.lene)
    apps = competition.apps
    save_proposals(call, competition.lene, {
        apps["A"].id: (Outcome.GRANTED, 150_000, ""),
        apps["B"].id: (Outcome.PARTLY_GRANTED, 100_000, "Reisekostnadene er ikke tatt med."),
        apps["C"].id: (Outcome.REJECTED, None, "Lavere prioritert enn søknadene over."),
        apps["D"].id: (Outcome.DISMISSED, None, "Prosjektet var startet."),
    })
    propose_innstilling(call, competition.lene)
    _db.session.add(ExchangeRate(rate_date=PROPOSED_MEETING_DATE - timedelta(days=3),
                                 nok_per_eur=Decimal("11.5"), source="Norges Bank"))
    _db.session.commit()
    return competition
