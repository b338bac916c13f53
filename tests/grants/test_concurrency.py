"""Two people changing one grant at the same moment, against the served app over HTTP
(SQLite and PostgreSQL): no more is approved or paid than the rules allow, nothing is
accepted, approved or paid twice, the one refused is told why in Norwegian, and nobody
gets a server error.

Each test makes its own call, organisation and grant in the served database (fresh
names; nothing is cleaned up between tests). The grant is kr 150 000 with the call's
advance share of 50 %: kr 75 000 may be paid before the final report."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from fund.applications.models import ApplicationState
from fund.audit.models import AuditEvent
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.decisions.models import Decision, DecisionBody, DecisionMeeting, StateAidBasis
from fund.grants.models import (
    AuthorityCheck,
    Grant,
    GrantState,
    PaymentRequest,
    PaymentState,
    Recovery,
    RecoveryGround,
    RecoveryState,
)
from fund.review.models import Outcome
from tests.helpers import make_application, make_call, make_organisation, make_user
from tests.served import at_once
from tests.test_concurrency import orgnr, unique

PDF = b"%PDF-1.4\n%%EOF\n"
ACCOUNT = "12345678903"


@dataclass
class Seeded:
    grant_id: int
    members: list[str]  #: e-mail addresses of the recipient's members
    staff: list[str]  #: caseworkers (the last one is a manager)
    staff_ids: list[int]
    member_ids: list[int]
    cost_line_id: int


#: The day a payment is recorded is the day in Oslo (UTC+1 in winter, +2 in summer).
OSLO = ZoneInfo("Europe/Oslo")

def seed_grant(served, state=GrantState.ACCEPTED, payments=()) -> Seeded:
    """A granted application of kr 150 000 with its tilsagn in ``state``; ``payments`` are
    (state, amount) of payment requests already made, decided by the first caseworker."""
    with served.database() as session:
        call = make_call(year=2070 + int(unique("y").split("-")[1]) % 9,
                         opens_in=timedelta(days=-60), closes_in=timedelta(days=-30))
        members = [make_user(unique("medlem") + "@example.no", name=f"Medlem {i}")
                   for i in range(2)]
        staff = [make_user(unique("saksbehandler") + "@example.no", Role.CASEWORKER),
                 make_user(unique("saksbehandler") + "@example.no", Role.CASEWORKER),
                 make_user(unique("leder") + "@example.no", Role.MANAGER)]
        org = make_organisation(*members, orgnr=orgnr(), name=unique("Firma"),
                                bank_account=ACCOUNT, founded_on=date(2010, 1, 1))
        application = make_application(call, org, members[0],
                                       state=ApplicationState.SUBMITTED,
                                       case_number=unique("TS")[:20],
                                       ends_on=date(2099, 12, 31))
        session.add(Decision(application=application, outcome=Outcome.GRANTED,
                             amount=150_000, decided_on=date(2026, 1, 5),
                             state_aid_basis=StateAidBasis.DE_MINIMIS,
                             decided_by_id=staff[2].id))
        grant = Grant(application=application, state=state,
                      acceptance_deadline=date(2099, 12, 31),
                      offered_at=datetime(2026, 1, 6, 9, 0, tzinfo=UTC))
        if state == GrantState.ACCEPTED:
            grant.accepted_at, grant.accepted_by_id = utcnow(), members[0].id
            grant.acceptor_name, grant.acceptor_role = members[0].name, "daglig leder"
            grant.authority, grant.authority_verified_by_id = \
                AuthorityCheck.VERIFIED, staff[0].id
            grant.bank_account, grant.final_report_due = ACCOUNT, date(2100, 2, 28)
        session.add(grant)
        session.flush()
        for number, (payment_state, amount) in enumerate(payments, start=1):
            session.add(PaymentRequest(
                grant_id=grant.id, number=number, state=payment_state,
                amount_requested=amount, submitted_by_id=members[0].id,
                status_report="Godt i gang.", bank_account=ACCOUNT,
                amount_approved=amount if payment_state == PaymentState.APPROVED else None,
                decided_by_id=staff[0].id if payment_state == PaymentState.APPROVED else None,
                decided_at=datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
                if payment_state == PaymentState.APPROVED else None))
        session.flush()
        return Seeded(grant.id, [m.email for m in members], [s.email for s in staff],
                      [s.id for s in staff], [m.id for m in members],
                      application.cost_lines[0].id)


def audited(served, action: str, actors: list[int]) -> list[AuditEvent]:
    with served.database() as session:
        rows = list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.actor_id.in_(actors))
            .order_by(AuditEvent.id)))
        session.expunge_all()
        return rows


def payments_of(served, grant_id: int) -> list[PaymentRequest]:
    with served.database() as session:
        rows = list(session.scalars(select(PaymentRequest).where(
            PaymentRequest.grant_id == grant_id).order_by(PaymentRequest.number)))
        session.expunge_all()
        return rows


def no_server_errors(responses) -> None:
    assert all(r.status_code < 500 for r in responses), \
        [r.text[:500] for r in responses if r.status_code >= 500]


def page_text(response) -> str:
    import html
    return html.unescape(response.text).replace("\xa0", " ")


def staff_post(served, email: str, payment_id: int, action: str, data: dict):
    browser = served.browser().login(email)
    page = f"/tilskudd/utbetalinger/{payment_id}"
    token = browser.csrf_token(page)
    return lambda: browser.post(f"{page}/{action}", data={"csrf_token": token, **data})


# --- Payments ---


def test_two_members_asking_for_more_than_the_advance_share_at_once_get_one_request(served):
    seeded = seed_grant(served)
    calls = []
    for email in seeded.members:
        browser = served.browser().login(email)
        path = f"/mine-tilskudd/{seeded.grant_id}/utbetalinger/ny"
        token = browser.csrf_token(path)
        data = {"csrf_token": token, "amount": "50 000", "status_report": "Godt i gang.",
                "costs-0-cost_line_id": str(seeded.cost_line_id), "costs-0-amount": "100000"}
        calls.append(lambda b=browser, p=path, d=data: b.post(
            p, data=d, files={"files": ("faktura.pdf", PDF, "application/pdf")}))

    responses = at_once(calls)

    no_server_errors(responses)
    assert sorted(r.status_code for r in responses) == [200, 302]
    [refused] = [page_text(r) for r in responses if r.status_code != 302]
    assert "Dere har allerede en utbetalingsanmodning som ikke er ferdig behandlet" in refused
    [payment] = payments_of(served, seeded.grant_id)
    assert payment.amount_requested == 50_000 and payment.number == 1
    assert len(audited(served, "grant.payment_requested", seeded.member_ids)) == 1


def test_two_approvals_at_once_never_pass_the_advance_share(served):
    seeded = seed_grant(served, payments=[(PaymentState.SUBMITTED, 50_000),
                                          (PaymentState.SUBMITTED, 50_000)])
    first, second = payments_of(served, seeded.grant_id)
    calls = [staff_post(served, seeded.staff[0], first.id, "avgjor", {"action": "approve"}),
             staff_post(served, seeded.staff[1], second.id, "avgjor", {"action": "approve"})]

    responses = at_once(calls)

    no_server_errors(responses)
    assert sorted(r.status_code for r in responses) == [200, 302]
    [refused] = [page_text(r) for r in responses if r.status_code != 302]
    assert "kr 50 000 er mer enn det som kan utbetales før sluttrapporten (50 % av " \
           "tilskuddet). Det kan godkjennes inntil kr 25 000 nå." in refused
    states = sorted(str(p.state) for p in payments_of(served, seeded.grant_id))
    assert states == ["approved", "submitted"]
    assert sum(p.amount_approved or 0 for p in payments_of(served, seeded.grant_id)) == 50_000
    assert len(audited(served, "grant.payment_approved", seeded.staff_ids)) == 1


def test_the_same_request_approved_twice_at_once_is_approved_once(served):
    seeded = seed_grant(served, payments=[(PaymentState.SUBMITTED, 30_000)])
    [payment] = payments_of(served, seeded.grant_id)
    calls = [staff_post(served, email, payment.id, "avgjor", {"action": "approve"})
             for email in seeded.staff[:2]]

    responses = at_once(calls)

    no_server_errors(responses)
    assert sorted(r.status_code for r in responses) == [200, 302]
    [refused] = [page_text(r) for r in responses if r.status_code != 302]
    assert "Anmodningen er allerede behandlet." in refused
    [payment] = payments_of(served, seeded.grant_id)
    assert payment.state == PaymentState.APPROVED and payment.amount_approved == 30_000
    assert len(audited(served, "grant.payment_approved", seeded.staff_ids)) == 1


def test_the_same_payment_recorded_as_paid_twice_at_once_is_paid_once(served):
    seeded = seed_grant(served, payments=[(PaymentState.APPROVED, 60_000)])
    [payment] = payments_of(served, seeded.grant_id)
    today = datetime.now(OSLO).date().isoformat()  # the day in Oslo, summer or winter
    # The first caseworker approved it; the second and the manager record it paid.
    calls = [staff_post(served, email, payment.id, "utbetalt", {"paid_on": today})
             for email in seeded.staff[1:]]

    responses = at_once(calls)

    no_server_errors(responses)
    assert sorted(r.status_code for r in responses) == [200, 302]
    [refused] = [page_text(r) for r in responses if r.status_code != 302]
    assert "Bare en godkjent utbetaling kan registreres som utbetalt." in refused
    [payment] = payments_of(served, seeded.grant_id)
    assert payment.state == PaymentState.PAID and payment.amount_paid == 60_000
    [entry] = audited(served, "grant.payment_paid", seeded.staff_ids)
    assert entry.actor_id == payment.paid_recorded_by_id


# --- Acceptance ---


def test_two_members_accepting_at_once_make_one_acceptance(served):
    seeded = seed_grant(served, state=GrantState.OFFERED)
    calls = []
    for index, email in enumerate(seeded.members):
        browser = served.browser().login(email)
        path = f"/mine-tilskudd/{seeded.grant_id}"
        token = browser.csrf_token(path)
        calls.append(lambda b=browser, p=path, t=token, i=index: b.post(
            f"{p}/aksept", data={"csrf_token": t, "acceptor_name": f"Medlem {i}",
                                 "acceptor_role": "daglig leder", "confirm": "y"}))

    responses = at_once(calls)

    no_server_errors(responses)
    assert sorted(r.status_code for r in responses) == [302, 422]
    [refused] = [page_text(r) for r in responses if r.status_code != 302]
    assert "Tilsagnet er allerede akseptert." in refused
    [entry] = audited(served, "grant.accepted", seeded.member_ids)
    with served.database() as session:
        grant = session.get(Grant, seeded.grant_id)
        assert grant.state == GrantState.ACCEPTED and grant.accepted_by_id == entry.actor_id
        assert grant.bank_account == ACCOUNT


# --- Recovery ---


def test_a_recovery_vedtak_and_dropping_it_at_once_do_not_both_happen(served):
    """Two managers: one makes the recovery vedtak while the other drops the notice. One
    of them wins; the recovery is never both decided and dropped."""
    seeded = seed_grant(served)
    with served.database() as session:
        recovery = Recovery(grant_id=seeded.grant_id, ground=RecoveryGround.NOT_CARRIED_OUT,
                            new_amount=100_000, notice_text="Prosjektet er ikke gjennomført.",
                            notice_sent_by_id=seeded.staff_ids[2],
                            notice_sent_at=datetime(2026, 1, 12, 9, 0, tzinfo=UTC),
                            answer_by=date(2026, 1, 26), answer="Vi er uenige.",
                            answered_at=datetime(2026, 1, 20, 9, 0, tzinfo=UTC),
                            answered_by_id=seeded.member_ids[0])
        session.add(recovery)
        other = make_user(unique("leder") + "@example.no", Role.MANAGER)
        session.flush()
        recovery_id, other_email, other_id = recovery.id, other.email, other.id
    path = f"/tilskudd/{seeded.grant_id}"
    decider, dropper = (served.browser().login(e) for e in (seeded.staff[2], other_email))
    decide_token, drop_token = decider.csrf_token(path), dropper.csrf_token(path)
    today = datetime.now(OSLO).date().isoformat()
    calls = [
        lambda: decider.post(f"{path}/tilbakekreving/{recovery_id}/vedtak", data={
            "csrf_token": decide_token, "rdecide-reasons": "Prosjektet er ikke gjennomført.",
            "rdecide-body": DecisionBody.KOMMUNEDIREKTOR.value,
            "rdecide-meeting_date": today,
            "rdecide-delegation_reference": "Delegeringsreglementet pkt. 4.2"}),
        lambda: dropper.post(f"{path}/tilbakekreving/{recovery_id}/avslutt", data={
            "csrf_token": drop_token, "rdrop-reason": "Svaret forklarer det."}),
    ]

    responses = at_once(calls)

    no_server_errors(responses)
    assert sorted(r.status_code for r in responses) == [302, 400], \
        [page_text(r)[:300] for r in responses]
    with served.database() as session:
        recovery = session.get(Recovery, recovery_id)
        decided = recovery.decision_id is not None
        assert recovery.state == (RecoveryState.DECIDED if decided else RecoveryState.DROPPED)
        assert (recovery.dropped_reason == "") == decided
        recoveries = session.scalar(select(func.count()).select_from(DecisionMeeting).where(
            DecisionMeeting.recorded_by_id.in_([seeded.staff_ids[2]])))
        assert recoveries == (1 if decided else 0)
    managers = [seeded.staff_ids[2], other_id]
    entries = audited(served, "grant.recovery_decided", managers) + \
        audited(served, "grant.recovery_dropped", managers)
    assert [e.action for e in entries] == \
        ["grant.recovery_decided" if decided else "grant.recovery_dropped"]


# --- Documents ---


def test_many_reading_a_final_report_document_at_once_all_get_it_and_each_read_is_logged(
        served):
    """A download is logged (an audit entry), so the request writes: on SQLite it must
    take the write lock from the start, as the payment documents do, or a reader whose
    snapshot is older than another reader's log entry cannot write (a server error)."""
    import secrets

    from fund.grants.models import DocumentKind, FinalReport, FinalReportState, GrantDocument
    from fund.grants.operations import grant_document_folder

    seeded = seed_grant(served)
    with served.database() as session:
        readers = [make_user(unique("saksbehandler") + "@example.no", Role.CASEWORKER)
                   for _ in range(6)]
        report = FinalReport(grant_id=seeded.grant_id, state=FinalReportState.SUBMITTED,
                             results="Ferdig.", submitted_at=utcnow())
        session.add(report)
        session.flush()
        stored_name = secrets.token_hex(16)
        with served.app.test_request_context():
            folder = grant_document_folder()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / stored_name).write_bytes(PDF)
        document = GrantDocument(grant_id=seeded.grant_id, final_report_id=report.id,
                                 kind=DocumentKind.AUDITOR, filename="revisor.pdf",
                                 stored_name=stored_name, content_type="application/pdf",
                                 size=len(PDF), sha256="0" * 64,
                                 uploaded_by_id=seeded.member_ids[0])
        session.add(document)
        session.flush()
        report_id, document_id = report.id, document.id
        reader_ids = [r.id for r in readers]
        staff_emails = [r.email for r in readers]
    staff_path = f"/tilskudd/sluttrapporter/{report_id}/dokumenter/{document_id}"
    own_path = f"/mine-tilskudd/{seeded.grant_id}/sluttrapport/dokumenter/{document_id}"
    browsers = [(served.browser().login(e), staff_path) for e in staff_emails] + \
        [(served.browser().login(e), own_path) for e in seeded.members]

    responses = at_once([lambda b=b, p=p: b.get(p) for b, p in browsers])

    no_server_errors(responses)
    assert [r.status_code for r in responses] == [200] * len(browsers)
    assert all(r.content == PDF for r in responses)
    assert len(audited(served, "grant.document_read",
                       reader_ids + seeded.member_ids)) == len(browsers)


# --- The final report ---


def test_approving_the_final_report_twice_while_a_payment_is_asked_for_pays_the_grant_once(
        served):
    """Two caseworkers approve the same final report while a member asks for an advance,
    all at once. The report is approved once (one final payment), and whichever of the
    approval and the request comes second is refused: never more than the grant."""
    from fund.grants.models import FinalReport, FinalReportCostLine, FinalReportState

    seeded = seed_grant(served)
    with served.database() as session:
        report = FinalReport(grant_id=seeded.grant_id, state=FinalReportState.SUBMITTED,
                             results="Ferdig.", submitted_at=utcnow(), knowledge_jobs=1,
                             other_jobs=0,
                             cost_lines=[FinalReportCostLine(cost_line_id=seeded.cost_line_id,
                                                             amount=300_000)])
        session.add(report)
        session.flush()
        report_id = report.id
    calls = []
    for email in seeded.staff[:2]:
        browser = served.browser().login(email)
        page = f"/tilskudd/sluttrapporter/{report_id}"
        token = browser.csrf_token(page)
        calls.append(lambda b=browser, p=page, t=token: b.post(
            f"{p}/godkjenn", data={"csrf_token": t, "reasons": "", "confirm": "y"}))
    member = served.browser().login(seeded.members[0])
    path = f"/mine-tilskudd/{seeded.grant_id}/utbetalinger/ny"
    token = member.csrf_token(path)
    calls.append(lambda: member.post(path, data={
        "csrf_token": token, "amount": "50000", "status_report": "Ferdig.",
        "costs-0-cost_line_id": str(seeded.cost_line_id), "costs-0-amount": "300000"},
        files={"files": ("faktura.pdf", PDF, "application/pdf")}))

    responses = at_once(calls)

    no_server_errors(responses)
    approvals = audited(served, "final_report.approved", seeded.staff_ids)
    requests = audited(served, "grant.payment_requested", seeded.member_ids)
    assert len(approvals) + len(requests) == 1, (approvals, requests)
    payments = payments_of(served, seeded.grant_id)
    assert sum(p.amount_approved or p.amount_requested for p in payments) == \
        (150_000 if approvals else 50_000)
    with served.database() as session:
        grant = session.get(Grant, seeded.grant_id)
        assert grant.state == (GrantState.COMPLETED if approvals else GrantState.ACCEPTED)
