"""The grant pages read a constant number of queries, however many payments, documents
and grants there are."""

from datetime import date

from fund.grants.models import DocumentKind, GrantDocument, PaymentRequest, PaymentState
from tests.helpers import count_queries, login


def _payments(accepted, db, count):
    for key in ("A", "B"):
        grant = accepted.grants[key]
        for number in range(1, count + 1):
            payment = PaymentRequest(
                grant=grant, number=number, state=PaymentState.PAID, amount_requested=1_000,
                amount_approved=1_000, amount_paid=1_000, paid_on=date(2027, 6, number),
                submitted_by_id=accepted.applicants[key].id, bank_account=grant.bank_account,
                decided_by_id=accepted.sara.id, paid_recorded_by_id=accepted.lene.id,
                status_report="Som planlagt.")
            db.session.add(payment)
            db.session.flush()
            db.session.add(GrantDocument(
                grant_id=grant.id, payment_id=payment.id, kind=DocumentKind.PAYMENT,
                filename=f"bilag-{number}.pdf", stored_name=f"{key}{number:03d}".ljust(32, "x"),
                content_type="application/pdf", size=10, sha256="0" * 64,
                uploaded_by_id=accepted.applicants[key].id))
    db.session.commit()


def _counts(app, accepted):
    grant = accepted.grants["A"]
    call_id = grant.application.call_id
    recipient, staff = app.test_client(), app.test_client()
    login(recipient, accepted.applicants["A"])
    login(staff, accepted.lene)
    counts = {}
    for name, client, path in (("recipient", recipient, f"/mine-tilskudd/{grant.id}"),
                               ("staff", staff, f"/tilskudd/{grant.id}"),
                               ("call", staff, f"/tilskudd/utlysninger/{call_id}")):
        with count_queries() as counted:
            assert client.get(path).status_code == 200
        counts[name] = counted.count
    return counts


def test_grant_pages_read_the_same_number_of_queries_for_one_and_for_five_payments(
        app, accepted, db):
    _payments(accepted, db, 1)
    one = _counts(app, accepted)
    db.session.query(GrantDocument).delete()
    db.session.query(PaymentRequest).delete()
    db.session.commit()
    _payments(accepted, db, 5)
    five = _counts(app, accepted)
    assert five == one, (one, five)
