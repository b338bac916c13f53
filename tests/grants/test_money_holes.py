"""Ways money could go out beyond the grant, closed: a recovery vedtak while a payment is
approved but not yet paid, and a payment recorded as paid on a grant that is no longer
in force (revoked or lapsed).

From ``accepted`` (tests/grants/conftest.py): A is Alfa AS's grant of kr 150 000,
accepted on 20 May 2027; the advance share is 50 % (kr 75 000)."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.decisions.models import DecisionBody
from fund.extensions import db as _db
from fund.grants import operations
from fund.grants.models import (
    GrantError,
    GrantState,
    PaymentRequest,
    PaymentState,
    RecoveryGround,
    RecoveryState,
)
from fund.grants.queries import money_of

#: Monday 14 June 2027, 12:00 in Oslo; the answer is due 28 June.
NOTICE_AT = datetime(2027, 6, 14, 10, 0, tzinfo=UTC)
AFTER_DEADLINE = datetime(2027, 6, 29, 10, 0, tzinfo=UTC)


@pytest.fixture
def half_paid(accepted, db):
    """A: kr 50 000 paid on 1 June 2027, and kr 25 000 approved on 10 June by Sara and
    not yet paid (the whole advance share out or on its way)."""
    grant, member = accepted.grants["A"], accepted.applicants["A"]
    common = dict(grant=grant, submitted_by_id=member.id, bank_account=grant.bank_account,
                  decided_by_id=accepted.sara.id, status_report="I rute.")
    db.session.add(PaymentRequest(
        number=1, state=PaymentState.PAID, amount_requested=50_000, amount_approved=50_000,
        amount_paid=50_000, paid_on=date(2027, 6, 1), paid_recorded_by_id=accepted.lene.id,
        decided_at=datetime(2027, 5, 31, 10, 0, tzinfo=UTC), **common))
    db.session.add(PaymentRequest(
        number=2, state=PaymentState.APPROVED, amount_requested=25_000,
        amount_approved=25_000, decided_at=datetime(2027, 6, 10, 10, 0, tzinfo=UTC),
        **common))
    db.session.commit()
    return accepted


def notify_and_decide(world, new_amount: int):
    grant = world.grants["A"]
    recovery = operations.notify_recovery(
        grant, world.lene, RecoveryGround.NOT_CARRIED_OUT, new_amount,
        "Prosjektet er stanset.", now=NOTICE_AT)
    _db.session.commit()
    decision = operations.decide_recovery(
        recovery, world.lene, "Prosjektet er stanset, og svaret endrer ikke det.",
        DecisionBody.KOMMUNEDIREKTOR, AFTER_DEADLINE.date(),
        delegation_reference="Delegeringsreglementet pkt. 4.2", now=AFTER_DEADLINE)
    _db.session.commit()
    return recovery, decision


def approved_payment(grant) -> PaymentRequest:
    return _db.session.execute(select(PaymentRequest).where(
        PaymentRequest.grant_id == grant.id,
        PaymentRequest.state == PaymentState.APPROVED)).scalar_one()


def test_no_recovery_vedtak_while_an_approved_payment_is_unpaid_beyond_the_new_amount(
        half_paid):
    """Revoking the grant while kr 25 000 is approved and unpaid would reclaim only the
    kr 50 000 paid, and leave the kr 25 000 to be paid out on a revoked grant. The vedtak
    waits until the payment is recorded, and then reclaims all of it."""
    grant = half_paid.grants["A"]
    with pytest.raises(GrantError, match="Utbetaling 2 på kr.25.000 er godkjent, men ikke "
                                         "registrert som utbetalt"):
        notify_and_decide(half_paid, new_amount=0)
    _db.session.rollback()
    assert grant.state == GrantState.ACCEPTED

    recovery = grant.recoveries[-1]
    assert recovery.state == RecoveryState.NOTIFIED  # the notice stands; decide later
    operations.record_paid(approved_payment(grant), half_paid.lene, date(2027, 6, 29),
                           now=AFTER_DEADLINE)
    _db.session.commit()
    operations.decide_recovery(
        recovery, half_paid.lene, "Prosjektet er stanset, og svaret endrer ikke det.",
        DecisionBody.KOMMUNEDIREKTOR, AFTER_DEADLINE.date(),
        delegation_reference="Delegeringsreglementet pkt. 4.2", now=AFTER_DEADLINE)
    _db.session.commit()
    assert grant.state == GrantState.REVOKED and recovery.reclaim_amount == 75_000


def test_a_reduction_that_leaves_room_for_the_approved_payment_is_made(half_paid):
    """Reduced to kr 100 000, the kr 75 000 paid and approved are within it: nothing is
    reclaimed, and the approved payment may be paid."""
    grant = half_paid.grants["A"]
    recovery, _decision = notify_and_decide(half_paid, new_amount=100_000)
    assert recovery.state == RecoveryState.DECIDED and recovery.reclaim_amount == 0
    operations.record_paid(approved_payment(grant), half_paid.lene, date(2027, 6, 29),
                           now=AFTER_DEADLINE)
    _db.session.commit()
    assert money_of(grant).paid == 75_000


@pytest.mark.parametrize("state", [GrantState.REVOKED, GrantState.LAPSED])
def test_nothing_is_recorded_paid_on_a_grant_no_longer_in_force(half_paid, state):
    grant = half_paid.grants["A"]
    payment = approved_payment(grant)
    grant.state = state
    _db.session.commit()
    with pytest.raises(GrantError, match="ikke lenger i kraft"):
        operations.record_paid(payment, half_paid.lene, date(2027, 6, 29),
                               now=AFTER_DEADLINE)
    _db.session.rollback()
    assert approved_payment(grant).amount_paid is None
    assert not _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "grant.payment_paid")).all()


def test_what_was_paid_above_the_final_grant_can_be_reclaimed_to_the_krone(accepted, db):
    """B (kr 90 000) was paid in full, and the final report brought the grant down to
    kr 72 000: kr 18 000 is to be reclaimed. The recovery keeps the grant at kr 72 000
    and reclaims exactly the kr 18 000 (not «lower the grant below kr 72 000»)."""
    from fund.decisions.queries import current_decision
    from fund.grants.models import FinalReport, FinalReportState
    from fund.grants.queries import overpaid

    grant, world = accepted.grants["B"], accepted
    db.session.add(PaymentRequest(
        grant=grant, number=1, state=PaymentState.PAID, amount_requested=90_000,
        amount_approved=90_000, amount_paid=90_000, paid_on=date(2027, 6, 1),
        submitted_by_id=world.applicants["B"].id, bank_account=grant.bank_account,
        decided_by_id=world.sara.id, paid_recorded_by_id=world.lene.id))
    db.session.add(FinalReport(grant=grant, state=FinalReportState.APPROVED,
                               eligible_amount=72_000, results="Ferdig."))
    current_decision(world.apps["B"]).returned_amount = 18_000
    grant.state = GrantState.COMPLETED
    db.session.commit()
    assert overpaid(grant) == 18_000

    recovery = operations.notify_recovery(
        grant, world.lene, RecoveryGround.LOWER_COSTS, 72_000,
        "Kostnadene ble lavere enn budsjettert; kr 18 000 er utbetalt for mye.",
        now=NOTICE_AT)
    db.session.commit()
    assert recovery.reclaim_amount == 18_000
    decision = operations.decide_recovery(
        recovery, world.lene, "Sluttrapporten viser lavere kostnader.",
        DecisionBody.KOMMUNEDIREKTOR, AFTER_DEADLINE.date(),
        delegation_reference="Delegeringsreglementet pkt. 4.2", now=AFTER_DEADLINE)
    db.session.commit()
    assert decision.amount == 72_000 and recovery.reclaim_amount == 18_000
    assert grant.state == GrantState.COMPLETED and money_of(grant).granted == 72_000
    operations.record_repayment(grant, world.sara, 18_000, date(2027, 7, 1),
                                now=datetime(2027, 7, 2, 10, 0, tzinfo=UTC))
    db.session.commit()
    assert overpaid(grant) == 0


def test_a_recovery_that_changes_nothing_is_still_refused(accepted, db):
    """Keeping the grant as it is when nothing is paid above it is no recovery."""
    with pytest.raises(GrantError, match="lavere enn tilskuddet"):
        operations.notify_recovery(accepted.grants["A"], accepted.lene,
                                   RecoveryGround.LOWER_COSTS, 150_000, "Ingenting.",
                                   now=NOTICE_AT)


@pytest.mark.parametrize("problem", ["bankrupt", "account"])
def test_the_final_payment_is_checked_as_any_payment_before_it_is_released(
        accepted, db, problem):
    """Approving the final report approves the last payment: like any approval it checks
    the account (MOD11) and bankruptcy first, and is refused when either fails."""
    from fund.grants.models import FinalReport, FinalReportCostLine, FinalReportState

    grant = accepted.grants["B"]
    organisation = grant.application.organisation
    report = FinalReport(grant_id=grant.id, state=FinalReportState.SUBMITTED,
                         results="Ferdig.", knowledge_jobs=0, other_jobs=0,
                         cost_lines=[FinalReportCostLine(
                             cost_line_id=grant.application.cost_lines[0].id,
                             amount=240_000)])
    db.session.add(report)
    if problem == "bankrupt":
        organisation.bankrupt = True
    else:
        organisation.bank_account = "12345678900"  # the check digit is wrong
    db.session.commit()
    with pytest.raises(GrantError, match="konkurs" if problem == "bankrupt"
                       else "kontrollsifferet stemmer ikke"):
        operations.approve_final_report(report, accepted.sara)
    db.session.rollback()
    db.session.expire_all()
    assert grant.state == GrantState.ACCEPTED and report.state == FinalReportState.SUBMITTED
    assert grant.payments == []
