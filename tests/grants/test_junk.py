"""Every grants form posted with junk in every field, as the person who may use it:
never a server error (a redirect, or the page with a message).

From ``accepted``: A is accepted, with a submitted payment request, an approved one, a
submitted final report and an open forhåndsvarsel; B is offered again (its acceptance
form is live)."""

from datetime import UTC, date, datetime

import pytest

from fund.grants.models import (
    FinalReport,
    FinalReportState,
    GrantState,
    PaymentRequest,
    PaymentState,
    Recovery,
    RecoveryGround,
)
from tests.helpers import csrf_token, login

JUNK = ["", " ", "\x00\x01", "x" * 30_000, "9" * 40, "-99999999999", "-1", "0", "NaN",
        "inf", "1e309", "1,5", "2027-13-45", "0001-01-01", "9999-12-31", "<b>x</b>",
        "approve", "verified", "kommunedirektor", "daglig leder"]


@pytest.fixture
def busy(accepted, db):
    a, b = accepted.grants["A"], accepted.grants["B"]
    member = accepted.applicants["A"]
    common = dict(grant_id=a.id, submitted_by_id=member.id, bank_account=a.bank_account,
                  status_report="I rute.")
    submitted = PaymentRequest(number=1, state=PaymentState.SUBMITTED,
                               amount_requested=20_000, **common)
    approved = PaymentRequest(number=2, state=PaymentState.APPROVED, amount_requested=20_000,
                              amount_approved=20_000, decided_by_id=accepted.sara.id,
                              decided_at=datetime(2027, 5, 25, 10, 0, tzinfo=UTC), **common)
    report = FinalReport(grant_id=a.id, state=FinalReportState.SUBMITTED, results="Ferdig.")
    recovery = Recovery(grant_id=a.id, ground=RecoveryGround.NOT_CARRIED_OUT, new_amount=100_000,
                        notice_text="Varsel.", notice_sent_by_id=accepted.lene.id,
                        answer_by=date(2027, 6, 28),
                        notice_sent_at=datetime(2027, 6, 14, 10, 0, tzinfo=UTC))
    db.session.add_all([submitted, approved, report, recovery])
    b.state, b.accepted_at, b.authority, b.bank_account = GrantState.OFFERED, None, None, None
    db.session.commit()
    return accepted, {"submitted": submitted.id, "approved": approved.id,
                      "report": report.id, "recovery": recovery.id}


FIELDS = {
    "aksept": ["acceptor_name", "acceptor_role", "confirm"],
    "utbetaling": ["amount", "status_report", "costs-0-cost_line_id", "costs-0-amount"],
    "avgjor": ["action", "amount", "reasons"],
    "utbetalt": ["paid_on"],
    "sluttrapport": ["results", "knowledge_jobs", "other_jobs", "co2e_tonnes",
                     "funding_eu", "action"],
    "godkjenn": ["reasons"],
    "varsel": ["notice-ground", "notice-new_amount", "notice-notice_text",
               "notice-confirmed"],
    "vedtak": ["rdecide-reasons", "rdecide-body", "rdecide-meeting_date",
               "rdecide-delegation_reference", "rdecide-political_case_number"],
    "avslutt": ["rdrop-reason"],
    "tilbakebetaling": ["repay-amount", "repay-received_on", "repay-note"],
    "svar": ["answer-text"],
    "fullmakt": ["verdict", "note"],
    "referanse": ["reference"],
}


def test_junk_in_every_grants_form_never_gives_a_server_error(busy, app, db):
    world, ids = busy
    a, b = world.grants["A"], world.grants["B"]
    forms = [  # (who, form page, action, fields)
        (world.applicants["B"], f"/mine-tilskudd/{b.id}", f"/mine-tilskudd/{b.id}/aksept",
         "aksept"),
        (world.applicants["A"], f"/mine-tilskudd/{a.id}/utbetalinger/ny", None, "utbetaling"),
        (world.sara, f"/tilskudd/utbetalinger/{ids['submitted']}",
         f"/tilskudd/utbetalinger/{ids['submitted']}/avgjor", "avgjor"),
        (world.lene, f"/tilskudd/utbetalinger/{ids['approved']}",
         f"/tilskudd/utbetalinger/{ids['approved']}/utbetalt", "utbetalt"),
        (world.applicants["A"], f"/mine-tilskudd/{a.id}/sluttrapport", None, "sluttrapport"),
        (world.sara, f"/tilskudd/sluttrapporter/{ids['report']}",
         f"/tilskudd/sluttrapporter/{ids['report']}/send-tilbake", "godkjenn"),
        (world.lene, f"/tilskudd/{a.id}", f"/tilskudd/{a.id}/tilbakekreving", "varsel"),
        (world.lene, f"/tilskudd/{a.id}",
         f"/tilskudd/{a.id}/tilbakekreving/{ids['recovery']}/vedtak", "vedtak"),
        (world.lene, f"/tilskudd/{a.id}",
         f"/tilskudd/{a.id}/tilbakekreving/{ids['recovery']}/avslutt", "avslutt"),
        (world.sara, f"/tilskudd/{a.id}", f"/tilskudd/{a.id}/tilbakebetalinger",
         "tilbakebetaling"),
        (world.applicants["A"], f"/mine-tilskudd/{a.id}",
         f"/mine-tilskudd/{a.id}/tilbakekreving/{ids['recovery']}/svar", "svar"),
    ]
    failures = []
    for who, page, action, kind in forms:
        client = app.test_client()
        login(client, who)
        token = csrf_token(client, page)
        for junk in JUNK:
            for only in [None, *FIELDS[kind]]:
                data = {name: junk if only in (None, name) else "1" for name in FIELDS[kind]}
                response = client.post(action or page, data={"csrf_token": token, **data})
                if response.status_code >= 500:
                    failures.append((kind, only, junk[:20], response.status_code))
            db.session.rollback()
    assert failures == []
