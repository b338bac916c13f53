"""Quotas on drafts and late attachments (security review L8): an applicant cannot fill
the disk by starting drafts without end, nor keep adding files to a draft whose call has
closed. Answering a caseworker's request for information is never blocked."""

import io
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from fund.applications.models import Application, ApplicationState, Attachment, InfoRequest
from fund.core.roles import Role
from fund.extensions import db as _db
from tests.applications.test_attachments import PDF
from tests.helpers import (
    browser_form,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
    post_form,
)


@pytest.fixture
def applicant(db, app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # a clean uploads folder
    user = make_user("siri@example.no", name="Siri Søker")
    org = make_organisation(user)
    call = make_call()
    _db.session.commit()
    return user, org, call


def start(client, call, org):
    return post_form(client, f"/utlysninger/{call.id}/soknad", {"organisation": str(org.id)})


def drafts(**where) -> int:
    _db.session.expire_all()
    return len(_db.session.scalars(select(Application).filter_by(
        state=ApplicationState.DRAFT, **where)).all())


def test_an_organisation_has_at_most_three_drafts_in_a_call(client, applicant):
    user, org, call = applicant
    login(client, user)
    for _ in range(3):
        assert start(client, call, org).headers["Location"].startswith("/soknader/")
    response = start(client, call, org)
    assert response.status_code == 302
    html = html_of(client.get(response.headers["Location"]))
    assert "Kjeller Grønn Energi AS har allerede 3 utkast til denne utlysningen." in html
    assert drafts(organisation_id=org.id) == 3

    # Another call counts on its own, and a draft sent in or deleted frees a place.
    other = make_call(title="Klimafondet")
    _db.session.commit()
    assert start(client, other, org).headers["Location"].startswith("/soknader/")
    first = _db.session.scalars(select(Application).where(Application.call_id == call.id)
                                .order_by(Application.id)).first()
    response = post_form(client, f"/soknader/{first.id}/slett", {},
                         form_page=f"/soknader/{first.id}/slett")
    assert response.headers["Location"] == "/soknader"
    assert start(client, call, org).headers["Location"].startswith("/soknader/")


def test_submitted_applications_do_not_count_as_drafts(client, applicant):
    user, org, call = applicant
    for _ in range(3):
        make_application(call, org, user, state=ApplicationState.SUBMITTED)
    _db.session.commit()
    login(client, user)
    assert start(client, call, org).headers["Location"].startswith("/soknader/")


def test_one_person_has_at_most_twenty_drafts_in_all(client, applicant):
    user, org, _call = applicant
    others = [make_organisation(user, orgnr=orgnr, name=f"Firma {orgnr}")
              for orgnr in ("912345696", "998877665")]
    for number in range(7):
        call = make_call(title=f"Utlysning {number}")
        for organisation in [org, *others][:3 if number < 6 else 2]:
            make_application(call, organisation, user, complete=False)
    _db.session.commit()
    assert drafts(created_by_id=user.id) == 20
    login(client, user)
    call = make_call(title="Enda en")
    _db.session.commit()
    response = start(client, call, org)
    html = html_of(client.get(response.headers["Location"]))
    assert "Du har allerede startet 20 utkast som ikke er sendt inn." in html
    assert drafts(created_by_id=user.id) == 20

    # A colleague in the same organisation has a quota of their own.
    colleague = make_user("kollega@example.no")
    from fund.auth.models import Membership
    org.memberships.append(Membership(user=colleague))
    _db.session.commit()
    other = client.application.test_client()
    login(other, colleague)
    assert start(other, call, org).headers["Location"].startswith("/soknader/")


def test_the_limits_are_settings(app, client, applicant, monkeypatch):
    user, org, call = applicant
    monkeypatch.setitem(app.config, "MAX_DRAFTS_PER_ORGANISATION_AND_CALL", 1)
    login(client, user)
    assert start(client, call, org).headers["Location"].startswith("/soknader/")
    response = start(client, call, org)
    assert "har allerede 1 utkast" in html_of(client.get(response.headers["Location"]))


# -- Attachments after the deadline ----------------------------------------------------------------

def closing_soon(call):
    from fund.core.types import utcnow
    call.closes_at = utcnow().replace(microsecond=0) + timedelta(hours=1)


def upload(client, application, **changes):
    path = f"/soknader/{application.id}"
    fields = browser_form(client.get(path).get_data(as_text=True), "application-form")
    fields.update(changes)
    fields["files"] = [(io.BytesIO(PDF), "styrevedtak.pdf")]
    return client.post(path, data={**fields, "save": "1"}, content_type="multipart/form-data")


def test_a_draft_takes_no_new_files_after_the_deadline_but_keeps_the_text(client, applicant):
    user, org, call = applicant
    closing_soon(call)
    application = make_application(call, org, user, complete=False)
    _db.session.commit()
    login(client, user)
    with time_machine.travel(call.closes_at - timedelta(seconds=1), tick=False):
        assert upload(client, application).status_code == 302
    with time_machine.travel(call.closes_at + timedelta(seconds=1), tick=False):
        response = upload(client, application, title="Skrevet etter fristen")
        html = html_of(response)
    assert response.status_code == 200
    assert "Søknadsfristen gikk ut" in html and "kan ikke legge ved flere filer" in html
    assert len(_db.session.scalars(select(Attachment)).all()) == 1
    _db.session.expire_all()
    assert _db.session.get(Application, application.id).title == "Skrevet etter fristen"


def test_an_answer_to_an_information_request_may_add_files_after_the_deadline(client,
                                                                              applicant):
    user, org, call = applicant
    closing_soon(call)
    application = make_application(call, org, user, state=ApplicationState.INFO_REQUESTED,
                                   case_number=f"NF-{call.year}-0001")
    application.info_requests.append(InfoRequest(
        requested_by=make_user("sara@example.no", Role.CASEWORKER), message="Send vedtaket.",
        answer_by=(call.closes_at + timedelta(days=14)).date()))
    _db.session.commit()
    login(client, user)
    with time_machine.travel(call.closes_at + timedelta(hours=3), tick=False):
        response = upload(client, application)
    assert response.status_code == 302
    [attachment] = _db.session.scalars(select(Attachment)).all()
    assert attachment.filename == "styrevedtak.pdf"
