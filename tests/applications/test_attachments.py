"""Attachments: several files at once, checked by content, served only to those allowed."""

import io

import pytest
from sqlalchemy import select

from fund.applications.models import ApplicationState, Attachment
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db as _db
from tests.helpers import (
    browser_form,
    declare,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
)

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


@pytest.fixture
def draft(db, app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # a clean uploads folder
    user = make_user("siri@example.no")
    org = make_organisation(user)
    application = make_application(make_call(), org, user, complete=False, title="Med vedlegg")
    _db.session.commit()
    return user, application


def upload(client, application, files, **changes):
    path = f"/soknader/{application.id}"
    fields = browser_form(client.get(path).get_data(as_text=True), "application-form")
    fields.update(changes)
    fields["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(path, data={**fields, "save": "1"}, content_type="multipart/form-data")


def test_several_files_go_up_at_once_and_a_disguised_one_is_refused(client, draft, app):
    user, application = draft
    login(client, user)
    response = upload(client, application, [("budsjett.pdf", PDF), ("logo.png", PNG),
                                            ("rapport.pdf", EXE)],
                      title="Ny tittel skrevet samtidig")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "«rapport.pdf» er ikke en PDF, Word, Excel, ODT, PNG eller JPEG" in html
    assert "ut fra innholdet, ikke navnet" in html
    stored = _db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [(a.filename, a.content_type) for a in stored] == [
        ("budsjett.pdf", "application/pdf"), ("logo.png", "image/png")]
    assert 'value="Ny tittel skrevet samtidig"' in html  # the rest of the form is kept
    folder = app.instance_path + "/uploads"
    import os
    assert sorted(os.listdir(folder)) == sorted(a.stored_name for a in stored)


def test_an_oversized_file_is_refused_with_its_limit(client, draft, app, monkeypatch):
    user, application = draft
    monkeypatch.setitem(app.config, "UPLOAD_MAX_FILE", 1000)
    login(client, user)
    html = upload(client, application, [("stor.pdf", PDF + b"0" * 2000)]).get_data(as_text=True)
    assert "«stor.pdf» er større enn" in html
    assert _db.session.scalars(select(Attachment)).all() == []


def test_files_are_served_as_downloads_only_to_those_allowed(app, client, draft):
    user, application = draft
    login(client, user)
    upload(client, application, [("søknad.pdf", PDF)])
    attachment = _db.session.scalars(select(Attachment)).one()
    path = f"/soknader/{application.id}/vedlegg/{attachment.id}"
    response = client.get(path)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")

    stranger = app.test_client()
    login(stranger, make_user("fremmed@example.no"))
    assert stranger.get(path).status_code == 404

    office = app.test_client()
    caseworker = make_user("sb@example.no", Role.CASEWORKER)
    _db.session.commit()
    login(office, caseworker)
    case_path = f"/saksbehandling/soknader/{application.id}/vedlegg/{attachment.id}"
    assert office.get(path).status_code == 404  # the applicant's pages are the applicant's
    assert office.get(case_path).status_code == 404  # a draft is not received
    application.state, application.case_number, application.submitted_at = \
        ApplicationState.SUBMITTED, "NF-2099-0001", utcnow()
    _db.session.commit()
    assert office.get(case_path).status_code == 302  # the §6 declaration comes first
    declare(office, application)
    response = office.get(case_path)
    assert response.status_code == 200 and response.data == PDF


def test_an_attachment_can_be_removed_from_a_draft(client, draft, app):
    from tests.helpers import post_form
    user, application = draft
    login(client, user)
    upload(client, application, [("feil.pdf", PDF)])
    attachment = _db.session.scalars(select(Attachment)).one()
    stored = attachment.stored_name
    response = post_form(client, f"/soknader/{application.id}/vedlegg/{attachment.id}/slett",
                         {}, form_page=f"/soknader/{application.id}")
    assert response.status_code == 302
    _db.session.expunge_all()
    assert _db.session.scalars(select(Attachment)).all() == []
    import os
    assert stored not in os.listdir(app.instance_path + "/uploads")


def test_a_file_downloads_under_the_extension_of_what_it_is(app, client, draft):
    """Security review L3: a PDF/HTML polyglot named Budsjett.html and a PDF named
    setup.exe download as .pdf, from the applicant's page and the caseworker's; the pages
    still show the names the applicant gave."""
    user, application = draft
    login(client, user)
    polyglot = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n"
    upload(client, application, [("Budsjett.html", polyglot), ("setup.exe", PDF),
                                 ("logo.png", PNG)])
    stored = _db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [a.filename for a in stored] == ["Budsjett.html", "setup.exe", "logo.png"]
    page = client.get(f"/soknader/{application.id}").get_data(as_text=True)
    assert "Budsjett.html" in page and "setup.exe" in page

    expected = ["Budsjett.pdf", "setup.pdf", "logo.png"]
    for attachment, name in zip(stored, expected, strict=True):
        response = client.get(f"/soknader/{application.id}/vedlegg/{attachment.id}")
        assert response.headers["Content-Disposition"] == f"attachment; filename={name}"

    application.state, application.case_number, application.submitted_at = \
        ApplicationState.SUBMITTED, "NF-2099-0001", utcnow()
    caseworker = make_user("sb@example.no", Role.CASEWORKER)
    _db.session.commit()
    office = app.test_client()
    login(office, caseworker)
    declare(office, application)
    for attachment, name in zip(stored, expected, strict=True):
        response = office.get(
            f"/saksbehandling/soknader/{application.id}/vedlegg/{attachment.id}")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == f"attachment; filename={name}"


def test_a_norwegian_name_downloads_intact(client, draft):
    user, application = draft
    login(client, user)
    upload(client, application, [("Søknad om støtte.PDF", PDF)])
    attachment = _db.session.scalars(select(Attachment)).one()
    response = client.get(f"/soknader/{application.id}/vedlegg/{attachment.id}")
    assert "filename*=UTF-8''S%C3%B8knad%20om%20st%C3%B8tte.pdf" in \
        response.headers["Content-Disposition"]
