"""Recording the deciding body's vedtak: the meeting and its inhabilitet, then exactly one
outcome per received application, within the budget, with de minimis, the register and
the excluded sectors checked on the decision date."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from fund.applications.models import DeMinimisAid
from fund.audit.models import AuditEvent
from fund.auth import brreg
from fund.core.roles import Role
from fund.decisions.models import (
    BodyAbstention,
    Decision,
    DecisionBody,
    DecisionMeeting,
    ExchangeRate,
    LinkedUndertaking,
    StateAidBasis,
)
from fund.extensions import db as _db
from fund.review.models import ConflictDeclaration, ConflictGround, Outcome
from tests.decisions.conftest import PROPOSED_MEETING_DATE
from tests.helpers import browser_form, html_of, login, make_user, post_form


def call_path(competition) -> str:
    return f"/vedtak/utlysninger/{competition.call.id}"


def decide_path(application) -> str:
    return f"/vedtak/soknader/{application.id}"


def record_meeting(client, competition, **fields):
    data = {"body": "formannskapet", "meeting_date": PROPOSED_MEETING_DATE.isoformat(),
            "political_case_number": "PS 45/27", "delegation_reference": "",
            "decided_text": ""} | fields
    response = post_form(client, call_path(competition) + "/moter", data,
                         form_page=call_path(competition))
    assert response.status_code == 302
    return _db.session.scalars(select(DecisionMeeting).order_by(
        DecisionMeeting.id.desc())).first()


def decide(client, application, **changes):
    """Post the decision form as the page prefills it, with ``changes``."""
    form = browser_form(client.get(decide_path(application)).get_data(as_text=True),
                        "decision-form")
    form.update(changes)
    return client.post(decide_path(application), data=form)


def current(application) -> Decision | None:
    return _db.session.scalars(select(Decision).where(
        Decision.application_id == application.id, Decision.replaced_at.is_(None))).first()


@pytest.fixture
def lene(client, proposed):
    login(client, proposed.lene)
    return client


def test_every_application_ends_in_exactly_one_outcome(lene, proposed):
    apps = proposed.apps
    html = html_of(lene.get(call_path(proposed)))
    assert "Mangler utfall:" in html and "Utlysningen er avgjort" not in html
    meeting = record_meeting(lene, proposed)
    assert (meeting.body, meeting.meeting_date, meeting.political_case_number) == \
        (DecisionBody.FORMANNSKAPET, PROPOSED_MEETING_DATE, "PS 45/27")
    # The body's own inhabilitet: who stood down, for which application.
    post_form(lene, call_path(proposed) + "/inhabilitet", {
        "meeting": str(meeting.id), "application": str(apps["C"].id),
        "member_name": "Per Politiker", "reason": "Styreleder i Gamma AS."},
        form_page=call_path(proposed))
    abstention = _db.session.scalars(select(BodyAbstention)).one()
    assert (abstention.member_name, abstention.application_id) == ("Per Politiker", apps["C"].id)
    assert "Per Politiker fratrådte ved behandlingen av" in html_of(lene.get(call_path(proposed)))

    # A: granted as proposed, prefilled from the innstilling.
    assert decide(lene, apps["A"]).status_code == 302
    # B: the body grants less than proposed; both amounts are kept.
    decide(lene, apps["B"], amount="80000",
           reasons="Formannskapet innvilger 80 000: utstyret er ikke tatt med.",
           conditions="Sluttrapport innen 31.12.2028.")
    decide(lene, apps["C"])  # rejected, as proposed
    decide(lene, apps["D"])  # dismissed, as proposed
    a, b, c, d = (current(apps[x]) for x in "ABCD")
    assert (a.outcome, a.amount, a.proposed_amount) == (Outcome.GRANTED, 150_000, 150_000)
    assert (b.outcome, b.amount, b.proposed_amount) == (Outcome.PARTLY_GRANTED, 80_000, 100_000)
    assert b.reasons.startswith("Formannskapet innvilger") and b.conditions
    assert (c.outcome, c.amount, c.reasons) == \
        (Outcome.REJECTED, None, "Lavere prioritert enn søknadene over.")
    assert d.outcome == Outcome.DISMISSED and d.meeting_id == meeting.id
    assert a.decided_on == PROPOSED_MEETING_DATE and a.state_aid_basis == StateAidBasis.DE_MINIMIS
    assert a.kdd_category == "1310"  # suggested: Alfa AS is younger than five years
    assert b.kdd_category == "1110"
    assert a.nok_per_eur == Decimal("11.5") and a.amount_eur == Decimal("13043.48")
    assert a.de_minimis_counted_nok == 0 and not a.capped_to_headroom
    assert a.register_checked_at is None  # the lookup is off
    html = html_of(lene.get(call_path(proposed)))
    assert "Mangler utfall:" in html and proposed.withdrawn.case_number in html
    assert "Utlysningen er avgjort" not in html  # four of five is not decided
    manage = html_of(lene.get(f"/forvaltning/utlysninger/{proposed.call.id}"))
    assert "1 mottatt søknad mangler utfall." in manage
    # The withdrawn one is confirmed as trukket: no vedtak.
    form_page = call_path(proposed)
    post_form(lene, f"/vedtak/soknader/{proposed.withdrawn.id}/trukket", {},
              form_page=form_page)
    trukket = current(proposed.withdrawn)
    assert trukket.outcome == Outcome.WITHDRAWN and trukket.meeting_id is None
    html = html_of(lene.get(call_path(proposed)))
    assert "Utlysningen er avgjort" in html and "Mangler utfall" not in html
    manage = html_of(lene.get(f"/forvaltning/utlysninger/{proposed.call.id}"))
    assert "Alle mottatte søknader har fått sitt utfall." in manage
    # A second outcome for the same application is refused, also posted directly.
    assert 'id="decision-form"' not in html_of(lene.get(decide_path(apps["A"])))
    response = post_form(lene, decide_path(apps["A"]), {
        "meeting": str(meeting.id), "outcome": "rejected", "reasons": "Nei."},
        form_page=call_path(proposed))
    assert response.status_code == 422
    assert f"Søknad {apps['A'].case_number} er allerede avgjort." in html_of(response)
    assert _db.session.scalars(select(Decision).where(
        Decision.application_id == apps["A"].id)).all() == [a]


def test_the_grants_never_exceed_the_budget_and_the_refusal_states_what_is_left(
        lene, proposed):
    apps = proposed.apps
    record_meeting(lene, proposed)
    decide(lene, apps["A"])  # 150 000
    decide(lene, apps["B"], outcome="granted", amount="120000")  # 270 000 of 300 000
    response = decide(lene, apps["C"], outcome="granted", amount="90000", reasons="")
    assert response.status_code == 422
    assert "Tilskuddet på kr 90 000 går over utlysningens budsjett. Det er kr 30 000 igjen " \
           "å fordele." in html_of(response)
    assert current(apps["C"]) is None


def test_over_the_de_minimis_ceiling_is_refused_or_cut_to_the_headroom(lene, proposed):
    """A has declared 3 400 000 kroner of de minimis aid within three years; the ceiling
    is 300 000 euro, 3 450 000 kroner at 11,5: 50 000 is left."""
    a = proposed.apps["A"]
    _db.session.add(DeMinimisAid(application_id=a.id, grantor="Innovasjon Norge",
                                 granted_on=PROPOSED_MEETING_DATE - timedelta(days=400),
                                 amount=3_400_000))
    _db.session.add(DeMinimisAid(application_id=a.id, grantor="Gammel støtte",
                                 granted_on=PROPOSED_MEETING_DATE - timedelta(days=365 * 3 + 5),
                                 amount=900_000))  # outside the period
    _db.session.commit()
    record_meeting(lene, proposed)
    assert "kr 50 000" in html_of(lene.get(decide_path(a)))
    response = decide(lene, a)
    assert response.status_code == 422
    assert "går over taket for bagatellmessig støtte" in html_of(response)
    assert "handlingsrommet er kr 50 000" in html_of(response)
    assert current(a) is None
    response = decide(lene, a, cap_to_headroom="y")
    assert response.status_code == 302
    decision = current(a)
    assert (decision.outcome, decision.amount, decision.proposed_amount) == \
        (Outcome.PARTLY_GRANTED, 50_000, 150_000)
    assert decision.capped_to_headroom and decision.de_minimis_counted_nok == 3_400_000
    assert "satt ned til kr 50 000" in decision.reasons.replace("\xa0", " ")


def test_own_earlier_grants_to_the_single_undertaking_count(lene, proposed):
    """This system's grants count by decision date: to the applicant, and to an
    undertaking recorded as linked to it."""
    apps = proposed.apps
    record_meeting(lene, proposed)
    # Beta's grant is recorded first; Beta is linked to Alfa.
    decide(lene, apps["B"], outcome="granted", amount="120000")
    post_form(lene, decide_path(apps["A"]) + "/foretak",
              {"orgnrs": apps["B"].organisation.orgnr}, form_page=decide_path(apps["A"]))
    assert _db.session.scalars(select(LinkedUndertaking.orgnr)).all() == \
        [apps["B"].organisation.orgnr]
    _db.session.add(DeMinimisAid(application_id=apps["A"].id, grantor="Fylket",
                                 granted_on=PROPOSED_MEETING_DATE - timedelta(days=10),
                                 amount=3_250_000))
    _db.session.commit()
    html = html_of(lene.get(decide_path(apps["A"])))
    assert "kr 120 000" in html  # the fund's own grant to the linked undertaking
    response = decide(lene, apps["A"])  # 3 250 000 + 120 000 + 150 000 > 3 450 000
    assert "handlingsrommet er kr 80 000" in html_of(response)


def test_without_a_rate_for_the_decision_date_the_grant_is_refused(lene, proposed):
    _db.session.query(ExchangeRate).delete()
    _db.session.add(ExchangeRate(rate_date=PROPOSED_MEETING_DATE + timedelta(days=1),
                                 nok_per_eur=Decimal("11.6")))  # after: does not count
    _db.session.commit()
    record_meeting(lene, proposed)
    response = decide(lene, proposed.apps["A"])
    assert response.status_code == 422
    assert "Det finnes ingen valutakurs (kroner per euro) for 14. juni 2027 eller tidligere" \
        in html_of(response)
    assert "Be en administrator legge inn kursen" in html_of(response)
    # The page says where the rates are kept, with the way there.
    assert 'href="/vedtak/valutakurser"' in html_of(response)
    assert current(proposed.apps["A"]) is None
    # A rejection needs no rate.
    assert decide(lene, proposed.apps["C"]).status_code == 302


def test_a_bankrupt_organisation_cannot_be_granted(lene, proposed):
    a = proposed.apps["A"]
    a.organisation.bankrupt = True
    _db.session.commit()
    record_meeting(lene, proposed)
    response = decide(lene, a)
    assert response.status_code == 422
    assert "Alfa AS er konkurs eller under avvikling og kan ikke få tilskudd." in html_of(response)
    assert current(a) is None


def _entry(orgnr, **fields):
    values = dict(orgnr=orgnr, name="Alfa AS", org_form="AS", industry_code="62.010",
                  address="Storgata 1", postcode="2000", city="LILLESTRØM",
                  municipality_number="3205", bankrupt=False, under_liquidation=False,
                  vat_registered=True, founded_on=date(2024, 1, 10))
    return brreg.RegisterEntry(**(values | fields))


def test_with_the_register_on_bankruptcy_and_address_are_checked_on_the_decision_date(
        app, lene, proposed, monkeypatch):
    a, b = proposed.apps["A"], proposed.apps["B"]
    monkeypatch.setitem(app.config, "BRREG_ENABLED", True)
    asked = []

    def lookup(orgnr):
        asked.append(orgnr)
        return _entry(orgnr, bankrupt=orgnr == b.organisation.orgnr)

    monkeypatch.setattr(brreg, "lookup", lookup)
    record_meeting(lene, proposed)
    response = decide(lene, a)
    assert response.status_code == 302
    decision = current(a)
    assert decision.register_checked_at is not None
    assert a.organisation.address == "Storgata 1" and a.organisation.founded_on == date(2024, 1, 10)
    response = decide(lene, b, outcome="partly_granted", amount="100000")
    assert "Beta AS er konkurs eller under avvikling" in html_of(response)
    assert current(b) is None and asked == [a.organisation.orgnr, b.organisation.orgnr]

    def unavailable(orgnr):
        raise brreg.RegisterUnavailable("timeout")

    monkeypatch.setattr(brreg, "lookup", unavailable)
    response = decide(lene, b, outcome="partly_granted", amount="100000")
    assert "Enhetsregisteret svarer ikke nå" in html_of(response)


def test_an_excluded_sector_needs_a_confirmation_or_another_basis(lene, proposed):
    a = proposed.apps["A"]
    a.organisation.industry_code = "03.211"
    _db.session.commit()
    record_meeting(lene, proposed)
    html = html_of(lene.get(decide_path(a)))
    assert "Fiske og akvakultur" in html and 'id="sector-flags"' in html
    response = decide(lene, a)
    assert "Næringskoden 03.211 er i en sektor forordningen om bagatellmessig støtte ikke " \
           "gjelder for" in html_of(response)
    assert current(a) is None
    assert decide(lene, a, sector_confirmed="y").status_code == 302
    assert current(a).excluded_sector_confirmed


def test_a_block_exemption_names_its_article_and_a_grant_its_kdd_category(lene, proposed):
    a = proposed.apps["A"]
    record_meeting(lene, proposed)
    response = decide(lene, a, state_aid_basis="block_exemption")
    assert "Oppgi artikkelen i gruppeunntaket" in html_of(response)
    response = decide(lene, a, kdd_category="")
    assert "Velg KDD-kategorien for tilskuddet." in html_of(response)
    decide(lene, a, state_aid_basis="block_exemption", block_exemption_article="art. 22",
           kdd_category="1310")
    decision = current(a)
    assert (decision.state_aid_basis, decision.block_exemption_article,
            decision.kdd_category) == (StateAidBasis.BLOCK_EXEMPTION, "art. 22", "1310")
    assert decision.de_minimis_counted_nok is None


@pytest.mark.parametrize("changes, message", [
    ({"outcome": "granted", "amount": "100000"},
     "Et beløp lavere enn det søkte er en delvis innvilgelse"),
    ({"outcome": "partly_granted", "amount": "900000"}, "kan ikke være høyere enn det søkte"),
    ({"outcome": "partly_granted", "amount": ""}, "Et tilskudd må ha et beløp over null."),
    ({"outcome": "rejected", "reasons": ""}, "Skriv begrunnelsen for vedtaket"),
    ({"outcome": "withdrawn"}, "Not a valid choice"),
    ({"amount": "99999999999"}, "Tallet er for stort."),
    ({"meeting": "999999"}, "Not a valid choice"),
])
def test_a_wrong_decision_is_a_message_not_a_500(lene, proposed, changes, message):
    record_meeting(lene, proposed)
    response = decide(lene, proposed.apps["A"], **changes)
    assert response.status_code == 422
    html = html_of(response)
    assert message in html or "Ikke et gyldig valg" in html or "gyldig" in html
    assert current(proposed.apps["A"]) is None


def test_a_meeting_needs_its_reference(lene, proposed):
    response = post_form(lene, call_path(proposed) + "/moter", {
        "body": "kommunedirektor", "meeting_date": PROPOSED_MEETING_DATE.isoformat(),
        "political_case_number": "", "delegation_reference": "", "decided_text": ""},
        form_page=call_path(proposed))
    assert "Oppgi delegeringsvedtaket" in html_of(lene.get(response.headers["Location"]))
    response = post_form(lene, call_path(proposed) + "/moter", {
        "body": "formannskapet", "meeting_date": PROPOSED_MEETING_DATE.isoformat(),
        "political_case_number": "", "delegation_reference": "", "decided_text": ""},
        form_page=call_path(proposed))
    assert "«PS 45/27»" in html_of(lene.get(response.headers["Location"]))
    assert _db.session.scalars(select(DecisionMeeting)).all() == []


def test_who_may_record_decisions(client, proposed):
    a = proposed.apps["A"]
    for user in (proposed.sara, make_user("admin@example.no", Role.ADMIN),
                 a.organisation.memberships[0].user):
        other = client.application.test_client()
        login(other, user)
        assert other.get(call_path(proposed)).status_code == 403
        assert other.get(decide_path(a)).status_code == 403
    assert client.get(call_path(proposed)).status_code == 302  # to the login page
    # A manager inhabil in one application: refused, and that one does not exist for her.
    _db.session.add(ConflictDeclaration(application=a, caseworker=proposed.mona,
                                        disqualified=True, ground=ConflictGround.FAMILY))
    _db.session.commit()
    login(client, proposed.mona)
    html = html_of(client.get(call_path(proposed)))
    assert "Du er inhabil i minst én søknad i utlysningen" in html and "Alfa" not in html
    assert client.get(decide_path(a)).status_code == 404
    b = proposed.apps["B"]
    assert "Du er inhabil" in html_of(client.get(decide_path(b)))
    meeting = DecisionMeeting(call_id=proposed.call.id, body=DecisionBody.FORMANNSKAPET,
                              meeting_date=PROPOSED_MEETING_DATE, recorded_by_id=proposed.lene.id)
    _db.session.add(meeting)
    _db.session.commit()
    client.post(decide_path(b), data={
        "csrf_token": "", "meeting": str(meeting.id), "outcome": "rejected",
        "reasons": "Nei."})
    response = post_form(client, call_path(proposed) + "/moter", {
        "body": "formannskapet", "meeting_date": "2027-06-14",
        "political_case_number": "PS 1/27"}, form_page=call_path(proposed))
    assert response.status_code == 302
    assert _db.session.scalars(select(Decision)).all() == []
    assert _db.session.scalars(select(DecisionMeeting)).all() == [meeting]


def test_no_decisions_before_the_innstilling_is_laid_forward(client, competition):
    for application in competition.apps.values():
        _db.session.add(ConflictDeclaration(application=application,
                                            caseworker=competition.lene, disqualified=False))
    _db.session.commit()
    login(client, competition.lene)
    html = html_of(client.get(f"/vedtak/utlysninger/{competition.call.id}"))
    assert "Behandlingen av utlysningen er ikke avsluttet" in html
    assert 'id="meeting-form"' not in html


def test_the_decisions_are_in_the_audit_log(lene, proposed):
    record_meeting(lene, proposed)
    decide(lene, proposed.apps["A"])
    actions = set(_db.session.scalars(select(AuditEvent.action)))
    assert {"decision.meeting_recorded", "decision.made", "decision.grant_checked"} <= actions


def test_a_call_is_archived_only_when_every_application_has_its_outcome(app, proposed):
    """Archiving before the vedtak would leave applications without a decision; once each
    has its outcome (here: all decided, the withdrawn one confirmed), the call can go."""
    from fund.calls.operations import CallError, archive_call
    from fund.decisions.models import DecisionBody, StateAidBasis
    from fund.decisions.operations import confirm_withdrawn, record_decision, record_meeting

    call, lene = proposed.call, proposed.lene
    with app.test_request_context():
        with pytest.raises(CallError, match="før hver mottatte søknad har fått sitt utfall"):
            archive_call(call, lene)
        meeting = record_meeting(call, lene, body=DecisionBody.FORMANNSKAPET,
                                 meeting_date=PROPOSED_MEETING_DATE,
                                 political_case_number="PS 45/27")
        for application in proposed.apps.values():
            record_decision(application, meeting, lene, outcome=Outcome.REJECTED, amount=None,
                            reasons="Lavere prioritert enn andre søknader.",
                            state_aid_basis=StateAidBasis.DE_MINIMIS)
        with pytest.raises(CallError, match="før hver mottatte søknad"):
            archive_call(call, lene)  # the withdrawn one is not confirmed yet
        confirm_withdrawn(proposed.withdrawn, lene)
        archive_call(call, lene)
    assert call.archived_at is not None
