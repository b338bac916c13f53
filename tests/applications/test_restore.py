"""The original submission is the basis (LAW.md §3.7): when an information request expires
unanswered, the live application is put back to what the last submission says, so that
what the applicant saved but never sent in reaches neither the ranking nor a vedtak."""

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from fund.applications.models import (
    Application,
    ApplicationMeasure,
    ApplicationSDG,
    ApplicationState,
    ClimateCategory,
    CostCategory,
    CostLine,
    DeMinimisAid,
    ExemptionRequest,
    FinancingKind,
    FinancingLine,
)
from fund.applications.operations import (
    add_attachments,
    expire_info_requests,
    remove_attachment,
    request_info,
    save_draft,
    snapshot,
    submit,
)
from fund.applications.restore import restore_submitted
from fund.audit.models import AuditEvent
from fund.calls.models import Fund
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db as _db
from fund.plan.models import Measure
from fund.review.queries import full_ranking
from tests.helpers import (
    attach,
    declare,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
    post_form,
)

OSLO = ZoneInfo("Europe/Oslo")
#: The submission's own metadata, which a restore does not (and cannot) bring back.
METADATA = ("submission_number", "submitted_at", "eligibility_warnings")


def fresh(application) -> Application:
    _db.session.expire_all()
    return _db.session.get(Application, application.id)


def today() -> date:
    return utcnow().astimezone(OSLO).date()


def measure(code) -> Measure:
    return _db.session.scalars(select(Measure).where(Measure.code == code)).one()


def without_metadata(frozen: dict) -> dict:
    return {key: value for key, value in frozen.items() if key not in METADATA}


def live_snapshot(application) -> dict:
    return snapshot(application, SimpleNamespace(number=0, submitted_at=utcnow(), warnings=[]))


def submitted(app, fund=Fund.NAERINGSFOND):
    applicant = make_user("soker@example.no", name="Siri Søker")
    org = make_organisation(applicant)
    application = make_application(make_call(fund=fund), org, applicant)
    attach(application, applicant)
    attach(application, applicant, filename="budsjett.pdf", content=b"%PDF-1.4\n2\n%%EOF\n")
    application.sdg_rows = [ApplicationSDG(goal=7), ApplicationSDG(goal=13)]
    application.aid_received = [DeMinimisAid(grantor="Innovasjon Norge",
                                             granted_on=date(2025, 5, 1), amount=50_000)]
    application.exemption_requests = [ExemptionRequest(field="description",
                                                       reason="Forretningshemmelighet.")]
    application.financing_lines[0].amount = 100_000  # and own work for the other 50 000
    application.financing_lines.append(FinancingLine(
        kind=FinancingKind.OWN_WORK, description="Daglig leder", hours=100, hourly_rate=500,
        amount=50_000))
    application.cost_lines[0].exemption_reason = "Tilbudspris."
    _db.session.commit()
    application = fresh(application)  # as the submit page reads it (40.50 tonnes, not 40.5)
    with app.test_request_context():
        submit(application, applicant)
    caseworker = make_user("sara@example.no", Role.CASEWORKER, name="Sara Saksbehandler")
    _db.session.commit()
    return application, applicant, caseworker


def change_everything(application) -> None:
    """Every part of the form a saved answer can change, changed."""
    application.title = "Halvferdig ny tittel"
    application.summary = "Ny oppsummering."
    application.partners = "Nye partnere."
    application.contact_name, application.contact_phone = "Noen Andre", "99999999"
    application.project_leader = "Per Prosjektleder"
    application.starts_on, application.ends_on = date(2028, 1, 1), None
    application.not_started = False
    application.knowledge_jobs, application.other_jobs = 12, 3
    application.has_education_partners, application.education_partners = True, "NMBU."
    application.amount_applied = 400_000
    application.in_group, application.group_details = True, "Eies av Konsern AS."
    if application.is_climate:
        application.climate_category = ClimateCategory.TRANSITION
        application.co2e_cut_tonnes = Decimal("999.99")
        application.climate_baseline, application.co2e_method = "", "Gjettet."
    application.cost_lines[0].amount = 900_000
    application.cost_lines[0].exemption_reason = None
    application.cost_lines.append(CostLine(category=CostCategory.TRAVEL, description="Reise",
                                            amount=20_000))
    application.financing_lines[1].hours = 300
    application.financing_lines[1].amount = 150_000
    application.aid_received = []
    application.sdg_rows = [row for row in application.sdg_rows if row.goal == 7] + \
        [ApplicationSDG(goal=9)]
    application.measures[0].how = "Noe helt annet."
    extra = measure("2C-1")
    application.measures.append(ApplicationMeasure(measure=extra, how="Vi besøker bedrifter."))
    application.strategies = sorted({*application.strategies, extra.strategy},
                                    key=lambda s: s.code)
    application.exemption_requests[0].reason = "Ny grunn."
    application.exemption_requests.append(ExemptionRequest(field="goals", reason="Hemmelig."))
    application.attachments[1].exemption_reason = "Anbud."


@pytest.mark.parametrize("fund", [Fund.NAERINGSFOND, Fund.KLIMAFOND])
def test_a_restored_application_snapshots_as_the_submission_it_was_restored_from(
        app, db, fund):
    application, applicant, caseworker = submitted(app, fund)
    stored = application.submissions[-1].snapshot
    with app.test_request_context():
        request_info(application, caseworker, "Send styrevedtaket.")
        change_everything(application)
        _db.session.flush()
        assert without_metadata(live_snapshot(application)) != without_metadata(stored)
        extra = attach(application, applicant, filename="nytt.pdf",
                       content=b"%PDF-1.4\n3\n%%EOF\n")
        removed = restore_submitted(application, stored)
    assert removed == [extra]
    _db.session.commit()

    application = fresh(application)
    assert without_metadata(live_snapshot(application)) == without_metadata(stored)


def test_a_submission_restores_onto_itself_without_a_change(app, db):
    application, _applicant, _caseworker = submitted(app)
    version = application.version
    with app.test_request_context():
        assert restore_submitted(application, application.submissions[-1].snapshot) == []
    _db.session.commit()
    assert fresh(application).version == version  # nothing written


def upload(name: str, content: bytes) -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=name,
                       content_type="application/pdf")


def test_unsent_changes_are_discarded_when_the_answer_date_passes(app, client, db):
    application, applicant, caseworker = submitted(app)
    answer_by = today() + timedelta(days=5)
    with app.test_request_context():
        request_info(application, caseworker, "Send styrevedtaket.", answer_by)
        _db.session.commit()
        application = fresh(application)
        lines = [{"category": CostCategory.SERVICES, "description": "Konsulent og mer",
                  "amount": 500_000, "exemption_reason": None}]
        save_draft(application, applicant, application.version,
                   fields={"amount_applied": 350_000}, cost_lines=lines,
                   measures={measure("1B-2").id: "Vi søker fondet.",
                             measure("2C-1").id: "Vi besøker bedrifter."})
        [new], refused = add_attachments(application, [upload("utkast.pdf",
                                                              b"%PDF-1.4\n9\n%%EOF\n")],
                                         applicant)
        assert refused == []
        _db.session.commit()
    stored_name = new.stored_name
    uploads = Path(current_app.instance_path) / "uploads"
    assert (uploads / stored_name).exists()
    assert fresh(application).amount_applied == 350_000

    last_second = datetime.combine(answer_by, time(23, 59, 59), tzinfo=OSLO)
    with app.test_request_context():
        [_expired] = expire_info_requests(last_second + timedelta(seconds=1))
        _db.session.commit()

    application = fresh(application)
    submission = application.submissions[-1]
    assert application.state == ApplicationState.SUBMITTED
    assert application.amount_applied == 150_000
    assert [(c.description, c.amount) for c in application.cost_lines] == [
        ("Konsulent", 300_000)]
    assert [m.measure.code for m in application.measures] == ["1B-2"]
    assert [a.filename for a in application.attachments] == ["vedlegg.pdf", "budsjett.pdf"]
    assert not (uploads / stored_name).exists()  # the file is gone once this committed
    assert without_metadata(live_snapshot(application)) == without_metadata(
        submission.snapshot)

    [event] = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "application.info_request_expired")).all()
    assert {"Beløp det søkes om", "Kostnadslinje 1", "Tiltak 2C-1 lagt til",
            "Vedlegg lagt til"} <= set(event.details["unsent_changes"])
    assert event.details["discarded"] is True
    assert event.details["restored_submission"] == submission.number
    assert event.details["removed_attachments"] == ["utkast.pdf"]

    [row] = [row for row in full_ranking(application.call).rows
             if row.application_id == application.id]
    assert row.amount_applied == 150_000

    login(client, caseworker)
    declare(client, application)
    html = html_of(client.get(f"/saksbehandling/soknader/{application.id}"))
    assert "Endringene ble forkastet da fristen gikk ut" in html
    assert "Vedlegg lastet opp etter siste innsending er fjernet: utkast.pdf" in html


def test_a_submitted_attachment_cannot_be_removed_while_answering_a_request(
        app, client, db):
    application, applicant, caseworker = submitted(app)
    with app.test_request_context():
        request_info(application, caseworker, "Send styrevedtaket.")
        [new], _refused = add_attachments(application, [upload("ny.pdf",
                                                              b"%PDF-1.4\n8\n%%EOF\n")],
                                          applicant)
    _db.session.commit()
    sent = application.attachments[0]
    login(client, applicant)
    base = f"/soknader/{application.id}"
    html = html_of(post_form(client, f"{base}/vedlegg/{sent.id}/slett", {}, form_page=base,
                             follow_redirects=True))
    assert "Vedlegg som er sendt inn, kan ikke fjernes. Last opp en ny versjon og forklar " \
        "i svaret." in html
    assert [a.filename for a in fresh(application).attachments] == [
        "vedlegg.pdf", "budsjett.pdf", "ny.pdf"]
    # a file uploaded since the submission can still be taken off
    with app.test_request_context():
        application = fresh(application)
        remove_attachment(application, application.attachments[-1], applicant)
    _db.session.commit()
    assert [a.filename for a in fresh(application).attachments] == [
        "vedlegg.pdf", "budsjett.pdf"]
