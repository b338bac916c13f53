"""Information requests (LAW.md §3.7): an answer date the applicant is told of, a reply,
a field-by-field difference for the caseworker, a mail when the answer comes in,
assessments flagged as out of date, and expiry back to "received" at the deadline."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from fund.applications.models import Application, ApplicationState, InfoRequest
from fund.applications.operations import expire_info_requests, request_info
from fund.audit.models import AuditEvent
from fund.core.formatting import format_date
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db as _db
from fund.mail.models import OutboxMessage
from fund.review.models import Assignment
from tests.applications.test_journey import save, submit
from tests.helpers import count_queries, declare, html_of, login, make_user, post_form
from tests.review.conftest import case_path, page
from tests.review.test_case_handling import assess as assess_on_page
from tests.review.test_case_handling import scores_for
from tests.review.test_closing import refusals

OSLO = ZoneInfo("Europe/Oslo")


def fresh(application) -> Application:
    _db.session.expire_all()
    return _db.session.get(Application, application.id)


def today() -> date:
    return utcnow().astimezone(OSLO).date()


def ask(client, application, message="Send styrevedtaket.", answer_by=None):
    path = case_path(application)
    data = {"message": message}
    if answer_by is not None:
        data["answer_by"] = answer_by if isinstance(answer_by, str) else answer_by.isoformat()
    return post_form(client, f"{path}/be-om-opplysninger", data, form_page=path)


def mails(fragment) -> list[OutboxMessage]:
    return _db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.body_text.contains(fragment)).order_by(OutboxMessage.id)).all()


def test_a_request_states_its_answer_date_in_the_mail_and_on_the_applicants_page(
        app, client, case):
    application, caseworker, _other, applicant = case
    login(client, caseworker)
    declare(client, application)
    answer_by = today() + timedelta(days=10)
    assert ask(client, application, answer_by=answer_by).status_code == 302
    request = fresh(application).info_requests[0]
    assert request.answer_by == answer_by
    with app.test_request_context():
        shown = format_date(answer_by)
    sentence = f"Svar innen {shown}; ellers behandles søknaden på grunnlag av opplysningene " \
               "vi har."
    [mail] = mails("Send styrevedtaket.")
    assert mail.to_address == applicant.email and sentence in mail.body_text
    assert f"http://fond.test/soknader/{application.id}" in mail.body_text

    own = app.test_client()
    login(own, applicant)
    assert sentence in html_of(own.get(f"/soknader/{application.id}"))
    assert sentence in html_of(own.get(f"/soknader/{application.id}/send-inn"))


def test_each_side_reads_the_waiting_state_from_their_own_point_of_view(app, client, case):
    """Staff read «Venter på opplysninger fra søker»; «fra deg» is the applicant's."""
    application, caseworker, _other, applicant = case
    login(client, caseworker)
    declare(client, application)
    assert ask(client, application).status_code == 302
    for path in (case_path(application), "/saksbehandling/soknader",
                 "/saksbehandling/soknader?status=info_requested"):
        staff = html_of(client.get(path))
        assert "Venter på opplysninger fra søker" in staff, path
        assert "fra deg" not in staff, path
    own = app.test_client()
    login(own, applicant)
    assert "Venter på opplysninger fra deg" in html_of(own.get("/soknader"))


def test_the_applicants_list_shows_the_request_and_its_answer_date_on_its_own_row(
        app, client, case):
    """«Mine søknader»: the application waited for links to the answer, with its date;
    another application of the same organisation is not waited for."""
    from tests.helpers import make_application
    application, caseworker, _other, applicant = case
    other = make_application(application.call, application.organisation, applicant,
                             title="Et annet prosjekt")
    _db.session.commit()
    login(client, caseworker)
    declare(client, application)
    answer_by = today() + timedelta(days=9)
    assert ask(client, application, answer_by=answer_by).status_code == 302
    own = app.test_client()
    login(own, applicant)
    html = html_of(own.get("/soknader"))
    with app.test_request_context():
        shown = format_date(answer_by)
    rows = {title: row for row in re.findall(r"<tr>.*?</tr>", html, re.S)
            for title in (application.title, other.title) if title in row}
    assert f"Svar på forespørselen fra saksbehandler</a> – svar innen {shown}" in \
        rows[application.title]
    assert "Svar på forespørselen" not in rows[other.title]
    assert f"{application.call.title}</td>" in rows[other.title]


def test_the_answer_date_defaults_to_two_weeks(client, case):
    application, caseworker, *_ = case
    login(client, caseworker)
    declare(client, application)
    html = html_of(client.get(case_path(application)))
    assert f'value="{(today() + timedelta(days=14)).isoformat()}"' in html
    assert ask(client, application).status_code == 302  # a form without the field
    assert fresh(application).info_requests[0].answer_by == today() + timedelta(days=14)


def test_an_answer_date_that_is_not_in_the_future_is_refused_in_norwegian(client, case):
    application, caseworker, *_ = case
    login(client, caseworker)
    declare(client, application)
    for answer_by, message in ((today(), "Svarfristen må være etter i dag."),
                               (today() - timedelta(days=3), "Svarfristen må være etter i dag."),
                               (today() + timedelta(days=400), "høyst 180 dager"),
                               ("31.02.2027", "Velg en gyldig dato for svarfristen."),
                               ("", "Velg en dato for svarfristen.")):
        response = ask(client, application, answer_by=answer_by)
        assert response.status_code == 302
        assert message in html_of(client.get(response.headers["Location"])), answer_by
    assert fresh(application).state == ApplicationState.SUBMITTED
    assert fresh(application).info_requests == []


def answer_changing_the_budget(app, application, applicant, reply="Budsjettet er oppdatert."):
    """The applicant raises the cost and the amount applied for (above the call's
    maximum of kr 200 000) and answers."""
    own = app.test_client()
    login(own, applicant)
    response = save(own, application, {
        "cost_lines-0-amount": "500000", "financing_lines-0-amount": "250000",
        "amount_applied": "250000"})
    assert response.status_code == 302, html_of(response)[:2000]
    return submit(own, application, reply=reply)


def test_an_answer_that_breaks_a_rule_is_received_and_the_caseworker_sees_what_changed(
        app, client, case):
    application, caseworker, _other, applicant = case
    login(client, caseworker)
    declare(client, application)
    ask(client, application, "Oppdater budsjettet med de nye tilbudene.")

    response = answer_changing_the_budget(app, application, applicant)
    assert response.status_code == 302, html_of(response)[:2000]
    application = fresh(application)
    assert application.state == ApplicationState.SUBMITTED
    assert [s.number for s in application.submissions] == [1, 2]
    request = application.info_requests[0]
    assert request.reply == "Budsjettet er oppdatert." and request.answered_by == applicant
    assert request.submission.number == 2
    assert "max_grant" in {w.rule.value for w in application.submissions[1].warnings}

    html = page(client, case_path(application))
    assert "Budsjettet er oppdatert." in html
    assert "Endret fra innsending 1 til 2" in html
    assert '<th scope="row">Kostnadslinje 1</th><td class="prewrap">Kjøp av tjenester, ' \
           'Konsulent: kr 300 000</td><td class="prewrap">Kjøp av tjenester, Konsulent: ' \
           'kr 500 000</td>' in html
    row = html[html.index("Beløp det søkes om</th>"):]
    assert row.index("kr 150 000") < row.index("kr 250 000")
    assert "Søker svarte på forespørselen" in html
    assert "høyere enn utlysningens største tilskudd" in html  # the new warning

    [answered] = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "application.info_request_answered")).all()
    assert answered.actor_id == applicant.id and answered.details["submission"] == 2
    assert "Kostnadslinje 1" in answered.details["changed"]
    assert "Beløp det søkes om" in answered.details["changed"]


def test_the_diff_shows_an_attachment_added_and_one_removed(app, client, case):
    from tests.helpers import attach
    application, caseworker, _other, applicant = case
    login(client, caseworker)
    declare(client, application)
    ask(client, application, "Send styrevedtaket.")
    application = fresh(application)
    old = application.attachments[0]
    application.attachments.remove(old)
    attach(application, applicant, filename="styrevedtak.pdf", content=b"%PDF-1.4\n1\n%%EOF\n")
    _db.session.commit()
    own = app.test_client()
    login(own, applicant)
    assert submit(own, application, reply="Vedlagt.").status_code == 302
    html = page(client, case_path(application))
    assert "Vedlegg fjernet" in html and "vedlegg.pdf" in html
    assert "Vedlegg lagt til" in html and "styrevedtak.pdf" in html


def test_the_caseworker_who_asked_and_those_assigned_are_told_of_the_answer(app, client, case):
    application, caseworker, other, applicant = case
    bystander = make_user("berit@example.no", Role.CASEWORKER, name="Berit Bistander")
    _db.session.add(Assignment(application_id=application.id, caseworker_id=other.id))
    _db.session.commit()
    login(client, caseworker)
    declare(client, application)
    ask(client, application)
    assert answer_changing_the_budget(app, application, applicant).status_code == 302

    told = mails("Søkeren har svart på forespørselen")
    assert sorted(m.to_address for m in told) == sorted([caseworker.email, other.email])
    assert bystander.email not in [m.to_address for m in told]
    link = f"http://fond.test/saksbehandling/soknader/{application.id}"
    assert all(link in m.body_text and application.case_number in m.subject for m in told)
    assert all("Budsjettet er oppdatert." not in m.body_text for m in told)  # on the page


def test_assessments_saved_before_the_answer_are_out_of_date_until_saved_again(
        app, client, case):
    application, caseworker, _other, applicant = case
    login(client, caseworker)
    declare(client, application)
    assert assess_on_page(client, application, scores_for(application)).status_code == 302
    ask(client, application)
    assert answer_changing_the_budget(app, application, applicant).status_code == 302

    html = page(client, case_path(application))
    assert "etter at disse vurderingene sist ble lagret" in html
    assert "Sara Saksbehandler" in html[html.index('id="utdatert"'):]
    assessment_page = page(client, case_path(application, "/vurdering"))
    assert "Vurderingen din er utdatert" in assessment_page

    assert assess_on_page(client, application, scores_for(application)).status_code == 302
    assert 'id="utdatert"' not in page(client, case_path(application))
    assert "Vurderingen din er utdatert" not in page(client, case_path(application, "/vurdering"))


def test_an_unanswered_request_expires_the_day_after_its_answer_date(app, client, case):
    application, caseworker, _other, applicant = case
    answer_by = today() + timedelta(days=5)
    with app.test_request_context():
        request_info(application, caseworker, "Send styrevedtaket.", answer_by)
    application.title = "Halvferdig ny tittel"  # saved, never sent in
    _db.session.commit()
    last_second = datetime.combine(answer_by, time(23, 59, 59), tzinfo=OSLO)
    with app.test_request_context():
        assert expire_info_requests(last_second) == []
        assert fresh(application).state == ApplicationState.INFO_REQUESTED
        [expired] = expire_info_requests(last_second + timedelta(seconds=1))
        assert expire_info_requests(last_second + timedelta(days=1)) == []  # once only
    _db.session.commit()

    application = fresh(application)
    assert application.state == ApplicationState.SUBMITTED
    assert expired.expired_at == last_second + timedelta(seconds=1)
    assert application.open_info_request is None
    [event] = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "application.info_request_expired")).all()
    assert event.actor_id is None and event.details["answer_by"] == answer_by.isoformat()
    assert event.details["unsent_changes"] == ["Prosjekttittel"]
    assert event.details["discarded"] is True  # the title is back as it was sent in
    assert application.title == application.submissions[-1].snapshot["project"]["title"] \
        != "Halvferdig ny tittel"
    [mail] = mails("uten at vi fikk svar")
    assert mail.to_address == applicant.email
    assert "behandles nå på grunnlag av opplysningene vi har" in mail.body_text
    assert "lagret uten å sende inn, er ikke en del av søknaden" in mail.body_text

    login(client, caseworker)
    declare(client, application)
    html = page(client, case_path(application))
    assert "Ikke besvart. Fristen gikk ut" in html
    assert "lagret endringer uten å sende dem inn: Prosjekttittel" in html
    assert "Endringene ble forkastet da fristen gikk ut" in html
    assert "Fristen for å svare gikk ut uten svar" in html  # the history, by the system
    own = app.test_client()
    login(own, applicant)
    html = html_of(own.get(f"/soknader/{application.id}"))
    assert "Fristen gikk ut uten svar" in html and "Send inn søknaden" not in html


def overdue_request(app, application, caseworker) -> InfoRequest:
    """A request made three weeks ago whose answer date was yesterday."""
    with app.test_request_context():
        request = request_info(application, caseworker, "Send styrevedtaket.",
                               today() + timedelta(days=1))
    request.requested_at = utcnow() - timedelta(days=21)
    request.answer_by = today() - timedelta(days=1)
    _db.session.commit()
    return request


def test_staff_reading_the_queue_expire_an_overdue_request_without_waiting_for_cron(
        app, client, case):
    application, caseworker, _other, _applicant = case
    overdue_request(app, application, caseworker)
    login(client, caseworker)
    html = html_of(client.get("/saksbehandling/soknader"))
    assert application.case_number in html
    assert fresh(application).state == ApplicationState.SUBMITTED
    assert fresh(application).info_requests[0].expired_at is not None


def test_opening_one_case_expires_its_own_overdue_request_and_the_queue_every_one(
        app, client, competition):
    """Two overdue requests: a case page expires its own (the other waits for the queue
    or cron), and the queue then expires the other. A case with none overdue says
    nothing of the others."""
    first, second, none_due = (competition.apps[key] for key in "ABC")
    for application in (first, second):
        overdue_request(app, application, competition.sverre)
    login(client, competition.sverre)
    declare(client, none_due)
    page(client, case_path(none_due))
    declare(client, first)
    page(client, case_path(first))
    assert fresh(first).state == ApplicationState.SUBMITTED
    assert fresh(second).state == ApplicationState.INFO_REQUESTED
    client.get("/saksbehandling/soknader")
    assert fresh(second).state == ApplicationState.SUBMITTED


def test_the_applicant_cannot_answer_after_the_answer_date(app, client, case):
    application, caseworker, _other, applicant = case
    overdue_request(app, application, caseworker)
    login(client, applicant)
    response = client.get(f"/soknader/{application.id}/send-inn")
    assert response.status_code == 302 and response.headers["Location"].endswith("/kvittering")
    assert fresh(application).state == ApplicationState.SUBMITTED
    assert len(fresh(application).submissions) == 1
    html = html_of(client.get(f"/soknader/{application.id}"))
    assert "Fristen gikk ut uten svar" in html


def test_the_command_for_cron_expires_overdue_requests(app, runner, case):
    application, caseworker, *_ = case
    overdue_request(app, application, caseworker)
    result = runner.invoke(args=["applications", "expire-requests"])
    assert result.exit_code == 0, result.output
    assert "Forespørsler uten svar innen fristen: 1" in result.output
    assert application.case_number in result.output
    assert fresh(application).state == ApplicationState.SUBMITTED
    result = runner.invoke(args=["applications", "expire-requests"])
    assert "Forespørsler uten svar innen fristen: 0" in result.output


def test_closing_waits_for_an_open_request_but_not_for_an_expired_one(app, client, competition):
    waiting = competition.apps["C"]
    with app.test_request_context():
        request_info(waiting, competition.sverre, "Send regnskapet.",
                     today() + timedelta(days=7))
    _db.session.commit()
    login(client, competition.lene)
    assert f"forespørsel om opplysninger: {waiting.case_number}" in refusals(client, competition)

    # the day after the answer date (signed in again: the session has not lasted)
    with time_machine.travel(datetime.combine(today() + timedelta(days=8), time(9),
                                              tzinfo=OSLO), tick=True):
        login(client, competition.lene)
        html = page(client, competition.ranking_path("avslutt"))
    assert "forespørsel om opplysninger" not in html
    assert fresh(waiting).state == ApplicationState.SUBMITTED


def test_the_queue_looks_for_overdue_requests_once_a_day_and_again_the_next(app, client,
                                                                           case):
    """A look that found no request overdue holds for the rest of the day (a request's
    answer date is after the day it is made), so the queue read again does not look;
    the next day it does, and a request whose date has passed expires."""
    application, caseworker, _other, _applicant = case
    login(client, caseworker)
    page(client, "/saksbehandling/soknader")
    with count_queries() as counted:
        page(client, "/saksbehandling/soknader")
    assert not [s for s in counted.statements if "info_requests" in s]

    with app.test_request_context():
        request_info(application, caseworker, "Send styrevedtaket.", today() + timedelta(days=1))
    _db.session.commit()
    page(client, "/saksbehandling/soknader")
    assert fresh(application).state == ApplicationState.INFO_REQUESTED  # not yet due

    with time_machine.travel(datetime.combine(today() + timedelta(days=2), time(0, 5),
                                              tzinfo=OSLO), tick=True):
        login(client, caseworker)
        page(client, "/saksbehandling/soknader")
    assert fresh(application).state == ApplicationState.SUBMITTED
    assert fresh(application).info_requests[0].expired_at is not None
