"""The disk full while an applicant uploads: the file is refused with a Norwegian message
on the attachment field, what the applicant typed is saved, no row names a file that was
not kept, and nothing half-written is left in the folder."""

import io
import os

import pytest
from sqlalchemy import select

import fund.core.files
from fund.applications.models import Application, Attachment
from fund.extensions import db as _db
from tests.helpers import (
    FullDisk,
    browser_form,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
)

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
FULL = "Det er ikke plass til å lagre «budsjett.pdf» nå."


@pytest.fixture
def draft(db, app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # a clean uploads folder
    user = make_user("siri@example.no")
    org = make_organisation(user)
    application = make_application(make_call(), org, user, complete=False, title="Før")
    _db.session.commit()
    return user, application


def upload(client, application, files, **changes):
    path = f"/soknader/{application.id}"
    fields = browser_form(client.get(path).get_data(as_text=True), "application-form")
    fields.update(changes)
    fields["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(path, data={**fields, "save": "1"}, content_type="multipart/form-data")


def uploads(app) -> list[str]:
    folder = os.path.join(app.instance_path, "uploads")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def saved(application) -> tuple[str, list[str]]:
    _db.session.expire_all()
    application = _db.session.get(Application, application.id)
    return application.title, [a.filename for a in application.attachments]


@pytest.mark.parametrize("fault", ["write", "fsync"])
def test_the_disk_full_refuses_the_file_on_its_field_and_keeps_the_text(
        client, draft, app, monkeypatch, fault):
    user, application = draft
    login(client, user)
    page = client.get(f"/soknader/{application.id}")  # the form, before the disk fills
    assert page.status_code == 200
    disk = FullDisk(room=5) if fault == "write" else \
        FullDisk(room=10**6, fsync_fails=True)
    monkeypatch.setattr(fund.core.files, "os", disk.module)
    response = upload(client, application, [("budsjett.pdf", PDF)],
                      title="Teksten jeg skrev mens disken var full")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert FULL in html
    # on the attachment field: the alert right above the file input
    before_field = html[:html.index('id="files"')]
    assert FULL in before_field[before_field.rindex('role="alert"'):]
    assert 'value="Teksten jeg skrev mens disken var full"' in html
    assert saved(application) == ("Teksten jeg skrev mens disken var full", [])
    assert _db.session.scalars(select(Attachment)).all() == []
    assert uploads(app) == []


def test_what_fits_is_kept_and_the_rest_refused(client, draft, app, monkeypatch):
    user, application = draft
    login(client, user)
    client.get(f"/soknader/{application.id}")
    monkeypatch.setattr(fund.core.files, "os", FullDisk(room=len(PDF) + 10).module)
    response = upload(client, application, [("logo.pdf", PDF), ("budsjett.pdf", PDF)])
    assert response.status_code == 200
    assert FULL in response.get_data(as_text=True)
    title, names = saved(application)
    assert names == ["logo.pdf"]
    stored = _db.session.scalars(select(Attachment)).one()
    assert uploads(app) == [stored.stored_name]


def test_a_move_that_fails_after_the_commit_loses_nothing(client, draft, app, monkeypatch):
    """The row is committed and the file complete under its pending name: the
    applicant sees the attachment and can download it; reconcile moves it into place."""
    user, application = draft
    login(client, user)
    client.get(f"/soknader/{application.id}")
    monkeypatch.setattr(fund.core.files, "os", FullDisk(room=10**6, replace_fails=True).module)
    response = upload(client, application, [("budsjett.pdf", PDF)], title="Etter")
    assert response.status_code == 302
    monkeypatch.setattr(fund.core.files, "os", os)
    assert saved(application) == ("Etter", ["budsjett.pdf"])
    stored = _db.session.scalars(select(Attachment)).one()
    name = stored.stored_name
    assert uploads(app) == [f".pending-{name}"]
    download = client.get(f"/soknader/{application.id}/vedlegg/{stored.id}")
    assert download.status_code == 200 and download.data == PDF
    with app.app_context():  # cron's own session
        result = app.test_cli_runner().invoke(args=["files", "reconcile"])
    assert f"Flyttet på plass: uploads/{name}" in result.output
    assert uploads(app) == [name]
