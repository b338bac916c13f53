"""The final report (sluttrapport), as the recipient writes it and a caseworker approves
or returns it.

From ``accepted``: A (Alfa AS, kr 150 000, above the auditor threshold of kr 100 000) and
B (Beta AS, kr 90 000, below it); each application has one approved cost line,
«Konsulent», kr 300 000, and the caseworkers confirmed that the project advances measure
1B-2 of the plan."""

import io
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.decisions.queries import budget_room
from fund.grants.models import (
    FinalReport,
    FinalReportState,
    GrantState,
    PaymentRequest,
    PaymentState,
)
from fund.plan.models import Measure
from fund.review.models import ConfirmedMeasure
from tests.decisions.conftest import outbox
from tests.helpers import csrf_token, login, post_form

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def plain(text: str) -> str:
    """The words of a page or mail, without tags and with plain spaces."""
    text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.fixture
def reporting(accepted, db):
    """``accepted``, with measure 1B-2 confirmed by Sara on both applications."""
    measure = db.session.scalars(select(Measure).where(Measure.code == "1B-2")).one()
    for key in ("A", "B"):
        db.session.add(ConfirmedMeasure(application_id=accepted.apps[key].id,
                                        measure_id=measure.id,
                                        confirmed_by_id=accepted.sara.id))
    db.session.commit()
    accepted.measure = measure
    return accepted


def form_url(grant) -> str:
    return f"/mine-tilskudd/{grant.id}/sluttrapport"


def report_data(world, key, action="save", **overrides) -> dict:
    """A complete final report: 240 000 of the 300 000 budget spent."""
    application = world.apps[key]
    data = {
        "results": "Varmepumpen er installert og gir 40 % lavere strømforbruk.",
        "accounts_comment": "Konsulenten ble billigere enn antatt.",
        "knowledge_jobs": "2", "other_jobs": "1",
        "co2e_tonnes": "12,5", "co2e_method": "Målt forbruk før og etter.",
        "has_education_partners": "y", "education_partners": "NMBU",
        "international": "",
        "funding_innovasjon_norge": "200 000", "funding_forskningsradet": "",
        "funding_eu": "", "funding_other": "",
        f"cost_{application.cost_lines[0].id}": "240 000",
        f"measure_{world.measure.id}": "Vi har vist fram anlegget for andre bedrifter.",
        "action": action,
        **({"confirm_correct": "y"} if action == "send" else {}),
    }
    data.update(overrides)
    return data


def post_report(client, world, key, action="save", files=None, **overrides):
    grant = world.grants[key]
    data = {"csrf_token": csrf_token(client, form_url(grant)),
            **report_data(world, key, action, **overrides), **(files or {})}
    return client.post(form_url(grant), data=data, content_type="multipart/form-data")


def report_of(db, grant) -> FinalReport | None:
    db.session.expire_all()
    return db.session.execute(select(FinalReport).where(
        FinalReport.grant_id == grant.id)).scalar_one_or_none()


def actions(db, grant) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "grants", AuditEvent.object_id == grant.id)
        .order_by(AuditEvent.id)))


# --- The recipient writes the report ------------------------------------------------


def test_the_form_shows_goals_budget_and_expected_effects_and_a_draft_comes_back_intact(
        reporting, client, db, app):
    grant = reporting.grants["B"]
    login(client, reporting.applicants["B"])
    page = client.get(form_url(grant))
    assert page.status_code == 200
    text = plain(page.text)
    assert "Tekst for goals." in text  # the goals stated in the application
    assert "Konsulent" in text and "kr 300 000" in text  # the approved budget line
    assert "1B-2" in text  # the confirmed measure

    response = post_report(client, reporting, "B")
    assert response.status_code == 302
    report = report_of(db, grant)
    assert report.state == FinalReportState.DRAFT
    assert report.results.startswith("Varmepumpen er installert")
    assert [line.amount for line in report.cost_lines] == [240_000]
    assert (report.knowledge_jobs, report.other_jobs) == (2, 1)
    assert str(report.co2e_tonnes) == "12.50"
    assert report.funding_innovasjon_norge == 200_000 and report.funding_eu is None
    assert report.has_education_partners and report.education_partners == "NMBU"

    again = client.get(form_url(grant)).text
    assert 'value="240000"' in again and 'value="200000"' in again
    assert "Vi har vist fram anlegget for andre bedrifter." in again
    assert "Konsulenten ble billigere enn antatt." in again
    page = plain(client.get(f"/mine-tilskudd/{grant.id}").text)
    assert "Sluttrapport" in page and "Utkast" in page and "29.02.2028" in page \
        or "29. februar 2028" in page
    # A draft is the recipient's own: staff do not see it before it is sent in.
    staff = app.test_client()
    login(staff, reporting.sara)
    assert staff.get(f"/tilskudd/sluttrapporter/{report.id}").status_code == 404


def test_junk_and_huge_numbers_get_norwegian_messages_and_the_rest_is_kept(reporting, client,
                                                                           db):
    grant = reporting.grants["B"]
    login(client, reporting.applicants["B"])
    line = reporting.apps["B"].cost_lines[0]
    response = post_report(client, reporting, "B", **{
        f"cost_{line.id}": "tre hundre", "knowledge_jobs": "99999999999999999999",
        "other_jobs": "-3", "funding_eu": "5000000000", "co2e_tonnes": "1e400",
        "funding_other": "1.5"})
    assert response.status_code == 422
    text = plain(response.text)
    assert "Skriv et helt tall uten desimaler" in text
    assert "Skriv et antall mellom 0 og 100 000." in text
    assert "Skriv et beløp i hele kroner mellom 0 og 1 000 000 000." in text
    assert "Tallet er for stort." in text
    report = report_of(db, grant)
    assert report.results.startswith("Varmepumpen")  # what was valid is saved
    assert report.cost_lines == [] and report.knowledge_jobs is None
    assert report.funding_innovasjon_norge == 200_000


def test_a_nearly_empty_post_is_saved_as_an_empty_draft(reporting, client, db):
    grant = reporting.grants["B"]
    login(client, reporting.applicants["B"])
    response = client.post(form_url(grant), data={
        "csrf_token": csrf_token(client, form_url(grant))})
    assert response.status_code == 302
    report = report_of(db, grant)
    assert report.results == "" and report.cost_lines == [] and report.knowledge_jobs is None


def test_submit_is_refused_without_the_auditors_confirmation_above_the_threshold(
        reporting, client, db):
    grant = reporting.grants["A"]  # kr 150 000 ≥ kr 100 000
    login(client, reporting.applicants["A"])
    assert "må være bekreftet av revisor eller autorisert regnskapsfører" in plain(
        client.get(form_url(grant)).text)
    response = post_report(client, reporting, "A", action="send")
    assert response.status_code == 422
    assert "legg ved bekreftelse av regnskapet fra revisor" in plain(response.text)
    assert report_of(db, grant).state == FinalReportState.DRAFT  # the draft is kept
    assert not [m for m in outbox() if "mottatt" in m.subject]

    response = post_report(client, reporting, "A", action="send", files={
        "auditor_files": [(io.BytesIO(PDF), "Revisorbekreftelse.pdf")]})
    assert response.status_code == 302
    report = report_of(db, grant)
    assert report.state == FinalReportState.SUBMITTED
    assert [(d.kind, d.filename) for d in report.documents] == [
        ("auditor", "Revisorbekreftelse.pdf")]
    mail = outbox(reporting.applicants["A"].email)[-1]
    assert "Sluttrapporten er mottatt" in mail.subject
    # the file is there to read, for the recipient and the caseworker
    document = report.documents[0]
    got = client.get(f"/mine-tilskudd/{grant.id}/sluttrapport/dokumenter/{document.id}")
    assert got.status_code == 200 and got.data == PDF


def test_a_file_that_is_not_a_document_is_refused_with_a_message(reporting, client, db):
    grant = reporting.grants["A"]
    login(client, reporting.applicants["A"])
    response = post_report(client, reporting, "A", action="send", files={
        "auditor_files": [(io.BytesIO(b"MZ\x90\x00 not a pdf"), "revisor.pdf")]})
    assert response.status_code == 422
    assert "er ikke en PDF" in plain(response.text)
    report = report_of(db, grant)
    assert report.state == FinalReportState.DRAFT and report.documents == []


def test_below_the_threshold_the_report_is_submitted_without_attachments(reporting, client,
                                                                         db):
    grant = reporting.grants["B"]  # kr 90 000 < kr 100 000
    login(client, reporting.applicants["B"])
    assert 'id="auditor-required"' not in client.get(form_url(grant)).text
    assert post_report(client, reporting, "B", action="send").status_code == 302
    assert report_of(db, grant).state == FinalReportState.SUBMITTED
    page = plain(client.get(f"/mine-tilskudd/{grant.id}").text)
    assert "Sendt inn" in page
    # sent in: no longer editable
    response = post_report(client, reporting, "B", results="Endret etterpå")
    assert response.status_code == 422
    assert "kan ikke endres nå" in response.text
    assert report_of(db, grant).results.startswith("Varmepumpen")


def test_submit_lists_what_is_missing(reporting, client, db):
    grant = reporting.grants["B"]
    login(client, reporting.applicants["B"])
    line = reporting.apps["B"].cost_lines[0]
    response = post_report(client, reporting, "B", action="send", results="",
                           **{f"cost_{line.id}": "", f"measure_{reporting.measure.id}": ""})
    assert response.status_code == 422
    text = plain(response.text)
    assert "Beskriv resultatene opp mot målene i søknaden." in text
    assert "Før opp de faktiske kostnadene" in text
    assert "tiltak 1B-2" in text
    assert report_of(db, grant).state == FinalReportState.DRAFT


def test_the_measure_texts_are_stored_per_confirmed_measure_only(reporting, client, db):
    grant = reporting.grants["A"]
    other = db.session.scalars(select(Measure).where(Measure.code != "1B-2")).first()
    login(client, reporting.applicants["A"])
    post_report(client, reporting, "A", **{f"measure_{other.id}": "Ikke bekreftet."})
    report = report_of(db, grant)
    assert [(m.measure.code, m.how) for m in report.measures] == [
        ("1B-2", "Vi har vist fram anlegget for andre bedrifter.")]


def test_only_an_accepted_grant_takes_a_report(reporting, client, db):
    grant = reporting.grants["B"]
    grant.state = GrantState.OFFERED
    db.session.commit()
    login(client, reporting.applicants["B"])
    response = post_report(client, reporting, "B")
    assert response.status_code == 422
    assert "bare skrives for et akseptert tilskudd" in plain(response.text)
    assert report_of(db, grant) is None


# --- Access --------------------------------------------------------------------------


def test_non_members_and_inhabil_staff_get_404(reporting, app, client, db):
    grant = reporting.grants["B"]
    anonymous = client.get(form_url(grant))
    assert anonymous.status_code == 302 and "/logg-inn" in anonymous.headers["Location"]
    login(client, reporting.applicants["B"])
    assert post_report(client, reporting, "B", action="send").status_code == 302
    report = report_of(db, grant)

    other = app.test_client()
    login(other, reporting.applicants["A"])  # a member of Alfa, not of Beta
    assert other.get(form_url(grant)).status_code == 404
    token = csrf_token(other, form_url(reporting.grants["A"]))
    assert other.post(form_url(grant), data={"csrf_token": token, "results": "x"}
                      ).status_code == 404
    assert other.get(f"/tilskudd/sluttrapporter/{report.id}").status_code in (403, 404)

    mona = app.test_client()
    login(mona, reporting.mona)  # inhabil in B
    assert mona.get(f"/tilskudd/sluttrapporter/{report.id}").status_code == 404
    token = csrf_token(mona, f"/tilskudd/{reporting.grants['A'].id}")
    assert mona.post(f"/tilskudd/sluttrapporter/{report.id}/godkjenn",
                     data={"csrf_token": token}).status_code == 404
    assert report_of(db, grant).state == FinalReportState.SUBMITTED

    sara = app.test_client()
    login(sara, reporting.sara)
    assert sara.get(f"/tilskudd/sluttrapporter/{report.id}").status_code == 200
    assert sara.get(form_url(grant)).status_code == 404  # staff do not write it


# --- The caseworker returns or approves ------------------------------------------------


def submit(client, world, key, **overrides):
    login(client, world.applicants[key])
    response = post_report(client, world, key, action="send", **overrides)
    assert response.status_code == 302, plain(response.text)[:2000]


def test_a_returned_report_is_edited_and_submitted_again(reporting, app, client, db):
    grant = reporting.grants["B"]
    submit(client, reporting, "B")
    report = report_of(db, grant)
    sara = app.test_client()
    login(sara, reporting.sara)
    staff_page = plain(sara.get(f"/tilskudd/{grant.id}").text)
    assert "Behandle sluttrapporten" in staff_page
    post_form(sara, f"/tilskudd/sluttrapporter/{report.id}/send-tilbake",
              {"reasons": "Legg ved timelister for konsulenten."},
              form_page=f"/tilskudd/sluttrapporter/{report.id}")
    report = report_of(db, grant)
    assert report.state == FinalReportState.RETURNED
    mail = outbox(reporting.applicants["B"].email)[-1]
    assert "sendt tilbake" in mail.subject
    assert "Legg ved timelister for konsulenten." in mail.body_text

    page = plain(client.get(f"/mine-tilskudd/{grant.id}").text)
    assert "Legg ved timelister for konsulenten." in page and "Sendt tilbake" in page
    response = post_report(client, reporting, "B", action="send",
                           results="Varmepumpen er installert. Timelister er lagt ved.",
                           files={"other_files": [(io.BytesIO(PDF), "Timelister.pdf")]})
    assert response.status_code == 302
    report = report_of(db, grant)
    assert report.state == FinalReportState.SUBMITTED
    assert report.results.endswith("Timelister er lagt ved.")
    assert [d.filename for d in report.documents] == ["Timelister.pdf"]
    history = actions(db, grant)
    assert history.count("final_report.submitted") == 2
    assert history.index("final_report.returned") < len(history) - 1 - \
        history[::-1].index("final_report.submitted")


def test_a_return_needs_reasons(reporting, app, client, db):
    grant = reporting.grants["B"]
    submit(client, reporting, "B")
    report = report_of(db, grant)
    sara = app.test_client()
    login(sara, reporting.sara)
    response = post_form(sara, f"/tilskudd/sluttrapporter/{report.id}/send-tilbake",
                         {"reasons": "  "}, form_page=f"/tilskudd/sluttrapporter/{report.id}",
                         follow_redirects=True)
    assert "Skriv hva som mangler" in plain(response.text)
    assert report_of(db, grant).state == FinalReportState.SUBMITTED


def pay(db, grant, amount, number=1):
    db.session.add(PaymentRequest(
        grant_id=grant.id, number=number, state=PaymentState.PAID, amount_requested=amount,
        amount_approved=amount, amount_paid=amount, paid_on=date(2027, 9, 1),
        bank_account="12345678903"))
    db.session.commit()


def approve(app, world, report, remark=""):
    sara = app.test_client()
    login(sara, world.sara)
    return post_form(sara, f"/tilskudd/sluttrapporter/{report.id}/godkjenn",
                     {"reasons": remark, "confirm": "y"},
                     form_page=f"/tilskudd/sluttrapporter/{report.id}", follow_redirects=True)


def test_approval_with_lower_real_costs_reduces_the_grant_in_proportion(reporting, app,
                                                                        client, db):
    """B: kr 90 000 granted on kr 300 000 approved costs; kr 240 000 spent. Eligible:
    90 000 × 240 000 / 300 000 = kr 72 000. Paid kr 45 000 before: the final payment is
    kr 27 000, and kr 18 000 goes back to the call."""
    grant = reporting.grants["B"]
    pay(db, grant, 45_000)
    room = budget_room(reporting.apps["B"].call)
    submit(client, reporting, "B")
    report = report_of(db, grant)

    sara = app.test_client()
    login(sara, reporting.sara)
    before = plain(sara.get(f"/tilskudd/sluttrapporter/{report.id}").text)
    assert "Endelig tilskudd ved godkjenning kr 72 000" in before
    assert "Sluttutbetaling kr 27 000" in before
    assert "Tilbake til utlysningen kr 18 000" in before
    assert "Tekst for goals." in before and "Varmepumpen er installert" in before
    # the line's difference, with a minus sign (not a hyphen)
    assert "Konsulent kr 300 000 kr 240 000 kr \u221260 000" in before

    # Approving closes the grant for good: not without the confirmation.
    unconfirmed = post_form(sara, f"/tilskudd/sluttrapporter/{report.id}/godkjenn",
                            {"reasons": ""}, form_page=f"/tilskudd/sluttrapporter/{report.id}",
                            follow_redirects=True)
    assert "Bekreft at du har kontrollert regnskapet" in plain(unconfirmed.text)
    assert report_of(db, grant).state == FinalReportState.SUBMITTED

    page = plain(approve(app, reporting, report, "Takk for god rapport.").text)
    assert "Sluttrapporten er godkjent" in page
    db.session.expire_all()
    report = report_of(db, grant)
    assert report.state == FinalReportState.APPROVED and report.eligible_amount == 72_000
    assert grant.state == GrantState.COMPLETED and grant.completed_at is not None
    final = [p for p in grant.payments if p.is_final]
    assert len(final) == 1
    assert (final[0].number, final[0].state, final[0].amount_requested,
            final[0].amount_approved, final[0].bank_account, final[0].decided_by_id) == (
        2, PaymentState.APPROVED, 27_000, 27_000, "12345678903", reporting.sara.id)
    assert reporting.decided.decisions["B"].returned_amount == 18_000
    assert budget_room(reporting.apps["B"].call) == room + 18_000

    mail = outbox(reporting.applicants["B"].email)[-1]
    body = plain(mail.body_text)
    assert "godkjent" in mail.subject
    assert "Endelig tilskudd: kr 72 000" in body and "Sluttutbetaling: kr 27 000" in body
    assert "Faktiske kostnader: kr 240 000" in body
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "final_report.approved")).one()
    assert (event.details["eligible"], event.details["final_payment"],
            event.details["returned_to_call"], event.details["recovery_needed"]) == (
        72_000, 27_000, 18_000, 0)
    recipient = plain(client.get(f"/mine-tilskudd/{grant.id}").text)
    assert "Avsluttet" in recipient and "Endelig tilskudd kr 72 000" in recipient


def test_approval_with_nothing_left_to_pay_closes_the_grant_without_a_payment(
        reporting, app, client, db):
    grant = reporting.grants["B"]
    pay(db, grant, 90_000)
    line = reporting.apps["B"].cost_lines[0]
    submit(client, reporting, "B", **{f"cost_{line.id}": "310 000"})  # above: not raised
    report = report_of(db, grant)
    approve(app, reporting, report)
    db.session.expire_all()
    report = report_of(db, grant)
    assert report.state == FinalReportState.APPROVED and report.eligible_amount == 90_000
    assert grant.state == GrantState.COMPLETED
    assert [p.is_final for p in grant.payments] == [False]
    assert reporting.decided.decisions["B"].returned_amount == 0
    assert "ikke mer å utbetale" in outbox(reporting.applicants["B"].email)[-1].body_text


def test_approval_when_more_was_paid_than_is_due_says_a_recovery_is_needed(reporting, app,
                                                                          client, db):
    """B paid in full (kr 90 000), but spent kr 240 000 of 300 000: kr 72 000 is due,
    kr 18 000 must be reclaimed by a recovery vedtak."""
    grant = reporting.grants["B"]
    pay(db, grant, 90_000)
    submit(client, reporting, "B")
    report = report_of(db, grant)
    sara = app.test_client()
    login(sara, reporting.sara)
    before = plain(sara.get(f"/tilskudd/sluttrapporter/{report.id}").text)
    assert "Det er utbetalt kr 18 000 mer enn det endelige tilskuddet" in before
    after = plain(approve(app, reporting, report).text)
    assert "Det er utbetalt kr 18 000 mer enn det endelige tilskuddet" in after
    db.session.expire_all()
    assert grant.state == GrantState.COMPLETED
    assert [p.is_final for p in grant.payments] == [False]
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "final_report.approved")).one()
    assert event.details["recovery_needed"] == 18_000 and event.details["final_payment"] == 0
    assert "mer enn det endelige tilskuddet" in plain(
        outbox(reporting.applicants["B"].email)[-1].body_text)


def test_approval_waits_for_a_payment_request_being_handled(reporting, app, client, db):
    grant = reporting.grants["B"]
    submit(client, reporting, "B")
    db.session.add(PaymentRequest(grant_id=grant.id, number=1, amount_requested=10_000,
                                  submitted_at=datetime(2027, 12, 1, tzinfo=UTC)))
    db.session.commit()
    page = plain(approve(app, reporting, report_of(db, grant)).text)
    assert "En anmodning om utbetaling venter på behandling" in page
    assert report_of(db, grant).state == FinalReportState.SUBMITTED


def test_sending_in_asks_the_recipient_to_confirm_and_keeps_the_draft(reporting, client,
                                                                      db):
    grant = reporting.grants["B"]
    login(client, reporting.applicants["B"])
    response = post_report(client, reporting, "B", action="send", confirm_correct="")
    assert response.status_code == 422
    assert "Bekreft at opplysningene er riktige før du sender inn" in plain(response.text)
    report = report_of(db, grant)
    assert report.state == FinalReportState.DRAFT and report.results.startswith("Varmepumpen")
