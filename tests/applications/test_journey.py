"""The applicant's journey: a draft that is never lost, a checklist, a submission that
happens once and before the deadline, a receipt, and a withdrawal."""

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from fund.applications.models import (
    Application,
    ApplicationState,
    CaseNumberCounter,
    Submission,
)
from fund.audit.models import AuditEvent
from fund.calls.models import Fund
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.mail.models import OutboxMessage
from fund.plan.models import Measure, Strategy
from tests.helpers import (
    attach,
    browser_form,
    csrf_token,
    declare,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
    post_form,
)


def fresh(application) -> Application:
    _db.session.expire_all()
    return _db.session.get(Application, application.id)


def audit(action, application) -> list[AuditEvent]:
    """The application's entries of ``action``, oldest first (without an order,
    PostgreSQL returns them in the order they lie in the table, which need not be it)."""
    return _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_id == application.id)
        .order_by(AuditEvent.id)).all()


@pytest.fixture
def setting(db):
    user = make_user("siri@example.no", name="Siri Søker")
    org = make_organisation(user)
    call = make_call(max_grant=200_000, max_share_percent=50)
    _db.session.commit()
    return user, org, call


def edit_path(application) -> str:
    return f"/soknader/{application.id}"


def save(client, application, data, version=None):
    """Change some fields of the form, as a person would, and press "Lagre utkast"."""
    path = edit_path(application)
    fields = browser_form(client.get(path).get_data(as_text=True), "application-form")
    fields.update(data)
    if version is not None:
        fields["version"] = str(version)
    return client.post(path, data={**fields, "save": "1"})


def test_an_applicant_starts_a_draft_for_their_organisation(client, setting):
    user, org, call = setting
    login(client, user)
    assert "Start søknad" in html_of(client.get("/soknader"))
    response = post_form(client, f"/utlysninger/{call.id}/soknad", {"organisation": str(org.id)})
    assert response.status_code == 302
    application = _db.session.scalars(select(Application)).one()
    assert response.headers["Location"].endswith(edit_path(application))
    assert application.state == ApplicationState.DRAFT
    assert application.contact_name == "Siri Søker"  # filled in from the account
    assert audit("application.created", application)


def test_a_draft_keeps_everything_and_comes_back_after_logging_in_again(app, client, setting):
    user, org, call = setting
    application = make_application(call, org, user, complete=False)
    _db.session.commit()
    measure = _db.session.scalars(select(Measure).where(Measure.code == "2C-1")).one()
    login(client, user)
    response = save(client, application, {
        "title": "Bedriftsbesøk med effekt", "summary": "Kort om prosjektet.",
        "measure": str(measure.id), f"how-{measure.id}": "Vi besøker 40 bedrifter.",
        "sdg": ["9", "13"],
        "cost_lines-0-category": "personnel", "cost_lines-0-description": "Prosjektleder",
        "cost_lines-0-amount": "250000",
        "financing_lines-0-kind": "own_work", "financing_lines-0-hours": "100",
        "financing_lines-0-hourly_rate": "800",
        "exempt-description": "1", "exempt-reason-description": "Inneholder prisstrategi.",
        "description": "Hemmelig plan.", "starts_on": "2027-02-01"})
    assert response.status_code == 302
    application = fresh(application)
    assert application.title == "Bedriftsbesøk med effekt"
    assert [s.code for s in application.strategies] == ["2C"]  # chosen with its measure
    assert application.measures[0].how == "Vi besøker 40 bedrifter."
    assert application.sdgs == [9, 13]
    assert application.cost_lines[0].amount == 250_000
    assert application.financing_lines[0].amount == 80_000  # 100 hours × kr 800
    assert application.exemption_reason("description") == "Inneholder prisstrategi."

    elsewhere = app.test_client()  # the session expired; a new login
    login(elsewhere, user)
    html = html_of(elsewhere.get(edit_path(application)))
    assert 'value="Bedriftsbesøk med effekt"' in html
    assert "Vi besøker 40 bedrifter." in html and "Inneholder prisstrategi." in html
    assert re.search(r'<input[^>]*id="sdg-13"[^>]*checked', html)


def test_a_bad_number_is_explained_and_the_rest_is_saved(client, setting):
    user, org, call = setting
    application = make_application(call, org, user, complete=False)
    _db.session.commit()
    login(client, user)
    response = save(client, application, {"title": "Mitt prosjekt",
                                          "amount_applied": "100 000,-"})
    html = html_of(response)
    assert response.status_code == 200
    assert "Det du skrev er lagret, bortsett fra feltene som er merket." in html
    assert 'href="#amount_applied"' in html
    assert 'value="100 000,-"' in html  # what was typed is still there to correct
    assert fresh(application).title == "Mitt prosjekt"


def test_a_stale_save_does_not_overwrite_the_newer_text(app, client, setting):
    user, org, call = setting
    colleague = make_user("kollega@example.no", name="Kari Kollega")
    from fund.auth.models import Membership
    org.memberships.append(Membership(user=colleague))
    application = make_application(call, org, user, complete=False, title="Første tittel")
    _db.session.commit()
    opened_at = fresh(application).version
    other = app.test_client()
    login(other, colleague)
    assert save(other, application, {"title": "Kollegaens tittel"}).status_code == 302

    login(client, user)
    response = save(client, application, {"title": "Min tittel"}, version=opened_at)
    html = html_of(response)
    assert response.status_code == 409
    assert "Kari Kollega lagret søknaden" in html and "ikke lagret" in html
    assert 'value="Min tittel"' in html  # my text is not lost: it is still in the form
    assert fresh(application).title == "Kollegaens tittel"


def test_autosave_saves_and_refuses_a_stale_version(client, setting):
    user, org, call = setting
    application = make_application(call, org, user, complete=False)
    _db.session.commit()
    login(client, user)
    token = csrf_token(client, edit_path(application))
    version = fresh(application).version
    response = client.post(f"{edit_path(application)}/autolagre", data={
        "csrf_token": token, "version": str(version), "title": "Skrevet i farta"})
    assert response.status_code == 200 and response.json["ok"]
    assert response.json["version"] == version + 1
    assert fresh(application).title == "Skrevet i farta"
    response = client.post(f"{edit_path(application)}/autolagre", data={
        "csrf_token": token, "version": str(version), "title": "Gammel fane"})
    assert response.status_code == 409 and response.json["stale"]
    assert fresh(application).title == "Skrevet i farta"


def test_the_checklist_links_every_missing_field_and_failed_rule(client, setting):
    user, org, call = setting
    org.municipality_number = "0301"
    application = make_application(call, org, user, complete=False, amount_applied=250_000)
    _db.session.commit()
    login(client, user)
    html = html_of(client.get(f"{edit_path(application)}/send-inn"))
    assert f'href="{edit_path(application)}#title"' in html
    assert "Gi prosjektet en tittel." in html
    assert "Velg minst én strategi prosjektet bidrar til." in html
    assert "Organisasjonen er ikke registrert i Lillestrøm" in html
    assert "Tilskudd gis bare til prosjekter som ikke er startet" in html
    assert "høyere enn utlysningens største tilskudd (kr 200 000)" in html
    assert "Send inn søknaden</button>" not in html


def test_the_amount_share_and_de_minimis_rules(client, setting):
    from datetime import date

    from fund.applications.models import DeMinimisAid
    user, org, call = setting
    application = make_application(call, org, user, amount_applied=180_000)
    application.financing_lines[0].amount = 120_000
    application.aid_received = [DeMinimisAid(grantor="Innovasjon Norge",
                                             granted_on=date.today() - timedelta(days=300),
                                             amount=3_400_000)]
    _db.session.commit()
    login(client, user)
    html = html_of(client.get(f"{edit_path(application)}/send-inn"))
    assert "Dere søker om 60.0 % av kostnadene; utlysningen tillater høyst 50 %" in html \
        or "Dere søker om 60,0 % av kostnadene" in html
    assert "over taket på kr 3 450 000 (300 000 euro)" in html


def submit_form(client, application) -> dict:
    """The confirmation form on the submit page, ticked, as the browser would post it."""
    html = client.get(f"{edit_path(application)}/send-inn").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html)
    assert version, re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", html[html.find("<main"):]))[:3000]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return {"csrf_token": token, "confirm": "y", "version": version.group(1), "submit": "1"}


def submit(client, application, **extra):
    return client.post(f"{edit_path(application)}/send-inn",
                       data={**submit_form(client, application), **extra})


def test_case_numbers_go_on_past_9999_in_a_fund_year(client, setting):
    """The 10,000th application of a fund-year gets NF-YYYY-10000 and the next one 10001:
    the number comes from a counter, never from the largest string (where «9999» sorts
    after «10000» and every later submission would collide)."""
    user, org, call = setting
    prefix = f"NF-{call.year}-"
    _db.session.add(CaseNumberCounter(prefix=prefix, last_number=9998))
    old = make_application(call, org, user, title="Den 9999. søknaden")
    first = make_application(call, org, user, title="Den 10000. søknaden")
    second = make_application(call, org, user, title="Den 10001. søknaden")
    _db.session.commit()
    login(client, user)
    for application in (old, first, second):
        response = submit(client, application)
        assert response.status_code == 302, html_of(response)[:2000]
    assert fresh(old).case_number == f"{prefix}9999"
    assert fresh(first).case_number == f"{prefix}10000"
    assert fresh(second).case_number == f"{prefix}10001"
    assert f"{prefix}10001" in html_of(client.get(f"/soknader/{second.id}/kvittering"))


def test_submitting_freezes_a_snapshot_gives_a_case_number_and_sends_a_receipt(client, setting):
    user, org, call = setting
    application = make_application(call, org, user)
    _db.session.commit()
    login(client, user)
    response = submit(client, application)
    assert response.status_code == 302, html_of(response)[:3000]
    application = fresh(application)
    assert application.state == ApplicationState.SUBMITTED
    assert re.fullmatch(rf"NF-{call.year}-0001", application.case_number)
    [submission] = application.submissions
    assert submission.snapshot["project"]["title"] == "Grønn varmepumpe for Kjeller"
    assert submission.snapshot["measures"][0]["code"] == "1B-2"
    receipt = html_of(client.get(response.headers["Location"]))
    assert application.case_number in receipt
    mail = _db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.subject.contains(application.case_number))).one()
    assert mail.to_address == user.email and application.case_number in mail.body_text
    assert mail.attachments == []  # a link to the receipt page instead (see test_receipt_mail)
    assert f"http://fond.test/soknader/{application.id}/kvittering" in mail.body_text
    assert audit("application.submitted", application)
    # the submitted application can no longer be changed
    response = post_form(client, edit_path(application), {"title": "Endret etterpå"},
                         form_page="/soknader")
    assert response.status_code == 302
    assert fresh(application).title == "Grønn varmepumpe for Kjeller"


def test_a_double_click_submits_once(client, setting):
    user, org, call = setting
    application = make_application(call, org, user)
    _db.session.commit()
    login(client, user)
    path = f"{edit_path(application)}/send-inn"
    data = submit_form(client, application)
    first, second = client.post(path, data=data), client.post(path, data=data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"].endswith("/kvittering")
    assert len(_db.session.scalars(select(Submission)).all()) == 1
    assert len(audit("application.submitted", application)) == 1


def closing_soon(call):
    """Deadlines in tests are near, so that a login survives the time travel."""
    from fund.core.types import utcnow
    call.closes_at = utcnow().replace(microsecond=0) + timedelta(hours=1)


def test_a_late_submission_is_refused_and_the_draft_is_kept(client, setting):
    user, org, call = setting
    closing_soon(call)
    application = make_application(call, org, user)
    _db.session.commit()
    login(client, user)
    path = f"{edit_path(application)}/send-inn"
    data = submit_form(client, application)
    with time_machine.travel(call.closes_at + timedelta(seconds=1), tick=False):
        response = client.post(path, data=data)
        html = html_of(client.get(path))
    assert "Søknadsfristen gikk ut" in html and "utkastet ditt er lagret" in html
    application = fresh(application)
    assert application.state == ApplicationState.DRAFT and application.case_number is None
    assert application.title == "Grønn varmepumpe for Kjeller"
    assert response.status_code in (200, 302)


def test_submitting_one_second_before_the_deadline_works(client, setting):
    user, org, call = setting
    closing_soon(call)
    application = make_application(call, org, user)
    _db.session.commit()
    login(client, user)
    with time_machine.travel(call.closes_at - timedelta(seconds=1), tick=False):
        response = submit(client, application)
    assert response.status_code == 302
    assert fresh(application).state == ApplicationState.SUBMITTED


def test_the_applicant_withdraws_a_submitted_application_giving_a_reason(app, client, setting):
    user, org, call = setting
    application = make_application(call, org, user)
    caseworker = make_user("sb@example.no", Role.CASEWORKER, name="Sara Saksbehandler")
    _db.session.commit()
    login(client, user)
    submit(client, application)
    # The application's page offers a link, not a button that withdraws at once.
    own_page = html_of(client.get(edit_path(application)))
    assert f'href="{edit_path(application)}/trekk"' in own_page
    assert fresh(application).state == ApplicationState.SUBMITTED

    page = html_of(client.get(f"{edit_path(application)}/trekk"))
    assert "kan ikke sendes inn igjen" in page
    assert "Saksbehandlerne ser at søknaden er trukket og hvorfor" in page
    assert "tas vare på i arkivet" in page
    assert f'href="{edit_path(application)}">Avbryt</a>' in page

    # Without a reason: refused, the message next to the field, nothing withdrawn.
    response = post_form(client, f"{edit_path(application)}/trekk", {"reason": "  "})
    assert response.status_code == 200
    html = html_of(response)
    assert "Skriv hvorfor dere trekker søknaden." in html
    assert 'class="ds-validation-message"' in html
    assert fresh(application).state == ApplicationState.SUBMITTED
    assert not audit("application.withdrawn", application)

    # A reason that is too long is refused too.
    response = post_form(client, f"{edit_path(application)}/trekk", {"reason": "x" * 2001})
    assert "Begrunnelsen kan ha høyst 2000 tegn." in html_of(response)
    assert fresh(application).state == ApplicationState.SUBMITTED

    response = post_form(client, f"{edit_path(application)}/trekk",
                         {"reason": "Vi fikk ikke tomten «Åsen» & må vente."})
    assert response.status_code == 302
    assert fresh(application).state == ApplicationState.WITHDRAWN
    [entry] = audit("application.withdrawn", application)
    assert entry.details["reason"] == "Vi fikk ikke tomten «Åsen» & må vente."
    html = html_of(client.get(response.headers["Location"]))
    assert "Søknaden er trukket. Du får en bekreftelse på e-post." in html
    assert "Trukket av søker" in html
    mail = _db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.subject.contains("er trukket"))).one()
    assert mail.to_address == user.email
    assert "Vi fikk ikke tomten «Åsen» & må vente." in mail.body_text
    assert "kan ikke sendes inn igjen" in mail.body_text

    # Now the page leads back to the application: it cannot be withdrawn twice.
    response = client.get(f"{edit_path(application)}/trekk")
    assert response.status_code == 302
    assert "Søknaden kan ikke trekkes nå." in html_of(client.get(response.headers["Location"]))

    # The caseworker reads the reason in the case history.
    staff = app.test_client()
    login(staff, caseworker)
    declare(staff, application)
    case = html_of(staff.get(f"/saksbehandling/soknader/{application.id}"))
    assert "Trukket av søker" in case and "Vi fikk ikke tomten «Åsen» &amp; må vente." in case


def test_another_applicants_application_answers_404_everywhere(app, client, setting):
    user, org, call = setting
    application = make_application(call, org, user)
    attachment = attach(application, user)
    _db.session.commit()
    stranger = make_user("fremmed@example.no")
    make_organisation(stranger, orgnr="912345696", name="Fremmed AS")
    _db.session.commit()
    login(client, stranger)
    token = csrf_token(client, "/soknader")
    base = edit_path(application)
    for path in (base, f"{base}/send-inn", f"{base}/kvittering", f"{base}/kvittering.pdf",
                 f"{base}/vedlegg/{attachment.id}", f"{base}/slett", f"{base}/trekk"):
        assert client.get(path).status_code == 404, path
    for path in (base, f"{base}/autolagre", f"{base}/trekk", f"{base}/slett",
                 f"{base}/send-inn", f"{base}/vedlegg/{attachment.id}/slett"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path


def test_caseworkers_do_not_see_drafts_but_see_submitted_applications(client, setting):
    user, org, call = setting
    application = make_application(call, org, user)
    caseworker = make_user("sb@example.no", Role.CASEWORKER)
    _db.session.commit()
    login(client, caseworker)
    case_path = f"/saksbehandling/soknader/{application.id}"
    assert client.get(edit_path(application)).status_code == 404
    assert client.get(case_path).status_code == 404  # a draft
    from fund.core.types import utcnow
    application.state, application.case_number, application.submitted_at = \
        ApplicationState.SUBMITTED, "NF-2099-0001", utcnow()
    _db.session.commit()
    assert client.get(case_path).headers["Location"].endswith("/habilitet")
    declare(client, application)
    assert client.get(case_path).status_code == 200


def test_a_caseworker_asks_for_more_and_the_applicant_answers_after_the_deadline(app, client,
                                                                                 setting):
    user, org, call = setting
    closing_soon(call)
    application = make_application(call, org, user)
    caseworker = make_user("sb@example.no", Role.CASEWORKER, name="Sara Saksbehandler")
    _db.session.commit()
    login(client, user)
    submit(client, application)
    office = app.test_client()
    login(office, caseworker)
    declare(office, application)
    case_path = f"/saksbehandling/soknader/{application.id}"
    response = post_form(office, f"{case_path}/be-om-opplysninger",
                         {"message": "Send styrevedtaket."}, form_page=case_path)
    assert response.status_code == 302
    assert fresh(application).state == ApplicationState.INFO_REQUESTED
    mail = _db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.body_text.contains("Send styrevedtaket."))).first()
    assert mail is not None and mail.to_address == user.email

    with time_machine.travel(call.closes_at + timedelta(hours=3), tick=False):
        html = html_of(client.get(edit_path(application)))
        assert "Send styrevedtaket." in html
        save(client, application, {"anchoring": "Styrevedtak 12. mars, vedlagt."})
        response = submit(client, application)
        assert response.status_code == 200  # the answer needs a reply
        assert "Skriv svaret ditt til saksbehandler." in html_of(response)
        response = submit(client, application, reply="Styrevedtaket er lagt inn under forankring.")
        assert response.status_code == 302
    application = fresh(application)
    assert application.state == ApplicationState.SUBMITTED
    assert [s.number for s in application.submissions] == [1, 2]
    assert application.submissions[1].snapshot["project"]["anchoring"] == \
        "Styrevedtak 12. mars, vedlagt."
    assert application.submissions[0].snapshot["project"]["anchoring"] != \
        application.submissions[1].snapshot["project"]["anchoring"]  # history kept
    assert application.info_requests[0].answered_at is not None
    assert application.info_requests[0].reply == "Styrevedtaket er lagt inn under forankring."


def test_deleting_a_draft_asks_first_and_cancel_keeps_it(client, setting):
    user, org, call = setting
    application = make_application(call, org, user, complete=False, title="Solceller på taket")
    attach(application, user)
    _db.session.commit()
    login(client, user)
    # The draft's page offers a link to the confirmation page, not a button that deletes.
    assert f'href="{edit_path(application)}/slett"' in html_of(client.get(edit_path(application)))

    page = html_of(client.get(f"{edit_path(application)}/slett"))
    assert "Solceller på taket" in page
    assert "Utkastet slettes for godt, med alt som er fylt ut. Det kan ikke angres." in page
    assert "Vedlegget slettes også:" in page
    # «Avbryt» goes back to the draft, which is still there.
    cancel = re.search(r'href="([^"]+)">Avbryt</a>', page).group(1)
    assert cancel == edit_path(application)
    assert client.get(cancel).status_code == 200
    assert fresh(application) is not None

    response = post_form(client, f"{edit_path(application)}/slett", {})
    assert response.status_code == 302 and response.headers["Location"] == "/soknader"
    assert "Utkastet er slettet." in html_of(client.get("/soknader"))
    _db.session.expunge_all()
    assert _db.session.scalars(select(Application)).first() is None
    assert client.get(f"{edit_path(application)}/slett").status_code == 404


def test_a_submitted_application_has_no_delete_page(client, setting):
    user, org, call = setting
    application = make_application(call, org, user)
    _db.session.commit()
    login(client, user)
    submit(client, application)
    response = client.get(f"{edit_path(application)}/slett")
    assert response.status_code == 302
    assert "Bare utkast som aldri er sendt inn kan slettes." in \
        html_of(client.get(response.headers["Location"]))
    assert fresh(application) is not None


def test_the_dashboard_shows_status_and_next_step_in_constant_queries(client, setting):
    from tests.helpers import count_queries
    user, org, call = setting
    make_application(call, org, user, complete=False, title="Første")
    _db.session.commit()
    login(client, user)
    client.get("/soknader")
    with count_queries() as few:
        html = html_of(client.get("/soknader"))
    assert "Første" in html and "Utkast" in html and "Fortsett utfyllingen" in html
    for i in range(12):
        make_application(call, org, user, complete=False, title=f"Søknad {i}")
    _db.session.commit()
    with count_queries() as many:
        client.get("/soknader")
    assert many.count == few.count


def test_the_dashboard_offers_only_open_calls_and_reads_the_calls_once(client, setting):
    """Siri's rows belong to an open call and a closed one; a call opens next month and a
    draft call waits. «Start en ny søknad» offers the open ones, soonest deadline first,
    and each row names its own call: the page reads the calls in one statement."""
    from tests.helpers import count_queries
    user, org, call = setting
    closed = make_call(title="Næringsfondet i fjor", opens_in=timedelta(days=-90),
                       closes_in=timedelta(days=-30))
    sooner = make_call(fund=Fund.KLIMAFOND, title="Klimafondet nå", closes_in=timedelta(days=3))
    make_call(title="Næringsfondet neste måned", opens_in=timedelta(days=30),
              closes_in=timedelta(days=60))
    make_call(title="Næringsfondet som utkast", published=False)
    make_application(call, org, user, complete=False, title="Søknad til det åpne")
    make_application(closed, org, user, complete=False, title="Søknad til det lukkede")
    _db.session.commit()
    login(client, user)
    client.get("/soknader")
    with count_queries() as counted:
        html = html_of(client.get("/soknader"))
    start = html.split('id="start-heading"')[1].split("</section>")[0]
    assert re.findall(r'<h3 class="ds-heading" data-size="sm">([^<]+)</h3>', start) == [
        sooner.title, call.title]
    rows = html.split("</section>", 1)[1]
    assert re.search(r"Søknad til det åpne</a>.*?<td>Næringsfondet</td>", rows, re.S)
    assert re.search(r"Søknad til det lukkede</a>.*?<td>Næringsfondet i fjor</td>", rows, re.S)
    assert "Fristen gikk ut før søknaden ble sendt inn" in rows
    calls_read = [s for s in counted.statements if re.search(r"\bFROM calls\b", s)]
    assert len(calls_read) == 1, calls_read


def counted_form(client, setting):
    """A complete application's form, shown once (caches filled), then again with its
    statements counted: the application and the count."""
    from tests.helpers import count_queries
    user, org, call = setting
    application = make_application(call, org, user)
    _db.session.commit()
    login(client, user)
    client.get(edit_path(application))
    with count_queries() as few:
        assert client.get(edit_path(application)).status_code == 200
    return application, few


def test_the_application_form_runs_a_constant_number_of_queries(client, setting):
    from fund.applications.models import ApplicationMeasure, CostCategory, CostLine
    from tests.helpers import count_queries
    application, few = counted_form(client, setting)
    measures = _db.session.scalars(select(Measure).limit(8)).all()
    application.measures += [ApplicationMeasure(measure=m, how="Slik.") for m in measures
                             if m.code != "1B-2"]
    application.cost_lines += [CostLine(category=CostCategory.TRAVEL, amount=i * 1000)
                               for i in range(10)]
    _db.session.commit()
    path = edit_path(application)  # outside the count: the test's own session reloads it
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert many.count == few.count, "\n".join(s[:150] for s in many.statements)


def test_the_form_offers_a_larger_plan_in_the_same_number_of_queries(client, setting):
    """The call's plan (areas, strategies, measures) is read in one statement however
    large it is: a new area with three strategies of two measures each shows on the form
    without a statement more."""
    from fund.plan.models import Area
    from tests.helpers import count_queries, the_plan
    application, few = counted_form(client, setting)
    plan = the_plan()
    plan.areas.append(Area(code="9", title="Et nytt innsatsområde", position=99, strategies=[
        Strategy(code=f"9{letter}", title=f"Strategi 9{letter}", position=i, measures=[
            Measure(code=f"9{letter}-{n}", text=f"Nytt tiltak 9{letter}-{n}", position=n,
                    open_to_applicants=True) for n in (1, 2)])
        for i, letter in enumerate("ABC")]))
    _db.session.commit()
    path = edit_path(application)
    with count_queries() as many:
        html = html_of(client.get(path))
    assert "Nytt tiltak 9C-2" in html and "Et nytt innsatsområde" in html
    assert many.count == few.count, "\n".join(s[:150] for s in many.statements)


def test_staff_see_received_applications_but_not_drafts_in_constant_queries(client, setting):
    from tests.helpers import count_queries
    user, org, call = setting
    sent = make_application(call, org, user, title="Innsendt prosjekt")
    make_application(call, org, user, complete=False, title="Hemmelig utkast")
    caseworker = make_user("sb@example.no", Role.CASEWORKER)
    _db.session.commit()
    login(client, user)
    submit(client, sent)
    office = client.application.test_client()
    login(office, caseworker)
    office.get("/saksbehandling/soknader")
    with count_queries() as few:
        html = html_of(office.get("/saksbehandling/soknader"))
    assert "Innsendt prosjekt" in html and fresh(sent).case_number in html
    assert "Hemmelig utkast" not in html
    for i in range(8):
        make_application(call, org, user, title=f"Søknad {i}",
                         state=ApplicationState.SUBMITTED, case_number=f"NF-2099-{i:04d}")
    _db.session.commit()
    with count_queries() as many:
        office.get("/saksbehandling/soknader")
    assert many.count == few.count


def test_every_change_of_a_figure_is_in_the_log_however_soon_after_the_last_save(
        client, setting):
    """Text saves in a row share one log entry; a changed amount is logged every time,
    with its old and new value (the audit review found such changes hidden)."""
    user, org, call = setting
    application = make_application(call, org, user, complete=False)
    _db.session.commit()
    login(client, user)
    save(client, application, {"title": "Første tittel"})
    save(client, application, {"title": "Andre tittel"})  # same field, same person: one entry
    save(client, application, {"amount_applied": "100000"})
    save(client, application, {"amount_applied": "150000"})
    save(client, application, {"description": "Ny beskrivelse."})  # a new field: a new entry
    saved = audit("application.saved", application)
    assert [e.details["fields"] for e in saved] == [
        ["title"], ["amount_applied"], ["amount_applied"], ["description"]]
    assert [e.details.get("figures", {}).get("amount_applied") for e in saved] == [
        None, [None, 100_000], [100_000, 150_000], None]


def test_the_deadline_rush_pages_read_only_what_they_show(client, setting):
    """In the last minute before a deadline every applicant loads the send-inn page, posts
    it and reads the receipt. None of the three loads the call's whole plan (only the form
    offers it), and neither the flash after submitting nor the receipt reads a submission's
    frozen snapshot; the receipt runs the same statements after a second submission."""
    from tests.helpers import count_queries
    user, org, call = setting
    application = make_application(call, org, user)
    _db.session.commit()
    login(client, user)
    path = f"{edit_path(application)}/send-inn"

    def selects(counter):
        return [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]

    with count_queries() as page:
        data = submit_form(client, application)
    with count_queries() as posted:
        response = client.post(path, data=data)
    assert response.status_code == 302
    flash = html_of(client.get(response.headers["Location"]))
    assert fresh(application).case_number in flash and "Søknaden er sendt inn" in flash
    receipt_path = f"/soknader/{application.id}/kvittering"
    with count_queries() as receipt:
        assert client.get(receipt_path).status_code == 200
    for counter in (page, posted, receipt):
        assert not any("plan_areas" in s for s in selects(counter)), \
            "\n".join(selects(counter))
    for counter in (posted, receipt):
        assert not any("submissions.snapshot" in s for s in selects(counter)), \
            "\n".join(selects(counter))
    # a second submission (an answer to a request) does not make the receipt read more
    _db.session.add(Submission(application_id=application.id, number=2, snapshot={},
                               submitted_at=fresh(application).submitted_at,
                               submitted_by_id=user.id))
    _db.session.commit()
    with count_queries() as again:
        assert client.get(receipt_path).status_code == 200
    assert len(selects(again)) == len(selects(receipt)) <= 6, "\n".join(selects(again))
