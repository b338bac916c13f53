"""Mail about an application goes to the organisation's members whose address is
confirmed, and carries a link, not the application (security review M7, LAW §2.3): the
receipt PDF holds business secrets and the bank account, and stays behind the login."""

import pytest
from sqlalchemy import select

from fund.applications.models import Application
from fund.auth.models import Membership
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.mail.models import OutboxAttachment, OutboxMessage
from tests.applications.test_journey import submit
from tests.helpers import (
    declare,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
    post_form,
)


@pytest.fixture
def organisation(db):
    siri = make_user("siri@example.no", name="Siri Søker")
    kollega = make_user("kollega@example.no", name="Kari Kollega")
    unverified = make_user("ubekreftet@example.no", name="Ulf Ubekreftet", verified=False)
    gone = make_user("sluttet@example.no", name="Sverre Sluttet")
    gone.active = False
    org = make_organisation(siri, kollega, unverified, gone)
    call = make_call()
    application = make_application(call, org, siri,
                                   contact_email="tredjepart@example.org")
    _db.session.commit()
    return siri, application


def mails(text: str) -> list[OutboxMessage]:
    _db.session.expire_all()
    return _db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.subject.contains(text)).order_by(OutboxMessage.to_address)).all()


def test_the_receipt_goes_to_confirmed_members_with_a_link_and_no_pdf(app, client,
                                                                      organisation):
    siri, application = organisation
    login(client, siri)
    assert submit(client, application).status_code == 302
    _db.session.expire_all()
    application = _db.session.get(Application, application.id)

    receipts = mails(f"Kvittering: {application.case_number}")
    assert [m.to_address for m in receipts] == ["kollega@example.no", "siri@example.no"]
    assert _db.session.scalars(select(OutboxAttachment)).all() == []
    body = receipts[0].body_text
    link = f"http://fond.test/soknader/{application.id}/kvittering"
    assert link in body and "PDF" in body and "logget inn" in body
    assert "12345678903" not in body and "Tekst for description." not in body

    # The link leads a member to the receipt page, where the PDF is.
    page = client.get(f"/soknader/{application.id}/kvittering").get_data(as_text=True)
    assert f"/soknader/{application.id}/kvittering.pdf" in page
    pdf = client.get(f"/soknader/{application.id}/kvittering.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # … and nobody else.
    stranger = app.test_client()
    assert stranger.get(f"/soknader/{application.id}/kvittering.pdf").status_code == 302
    login(stranger, make_user("b@example.no"))
    _db.session.commit()
    assert stranger.get(f"/soknader/{application.id}/kvittering.pdf").status_code == 404


def test_the_information_request_goes_only_to_confirmed_members(app, client, organisation):
    siri, application = organisation
    login(client, siri)
    submit(client, application)
    caseworker = make_user("sara@example.no", Role.CASEWORKER)
    _db.session.commit()
    office = app.test_client()
    login(office, caseworker)
    declare(office, application)
    case = f"/saksbehandling/soknader/{application.id}"
    response = post_form(office, f"{case}/be-om-opplysninger",
                         {"message": "Send styrevedtaket."}, form_page=case)
    assert response.status_code == 302

    requests = mails("Vi trenger flere opplysninger")
    assert [m.to_address for m in requests] == ["kollega@example.no", "siri@example.no"]
    assert all("Send styrevedtaket." in m.body_text for m in requests)


def test_a_member_who_confirms_the_address_later_gets_the_next_mail(client, organisation):
    siri, application = organisation
    unverified = _db.session.scalars(select(Membership).where(
        Membership.organisation_id == application.organisation_id)).all()
    for membership in unverified:
        if membership.user.email == "ubekreftet@example.no":
            from fund.core.types import utcnow
            membership.user.email_verified_at = utcnow()
    _db.session.commit()
    login(client, siri)
    submit(client, application)
    _db.session.expire_all()
    application = _db.session.get(Application, application.id)
    assert "ubekreftet@example.no" in [
        m.to_address for m in mails(f"Kvittering: {application.case_number}")]
