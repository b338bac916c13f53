"""The disk full while a recipient uploads the documentation for a payment request: the
request is refused with a Norwegian message, nothing of it is kept (no request, no
document row, no file), and the form keeps what the recipient wrote."""

import io
import os
from pathlib import Path

import pytest
from sqlalchemy import select

import fund.core.files
from fund.extensions import db as _db
from fund.grants.models import GrantDocument, PaymentRequest
from tests.helpers import FullDisk, html_of, login, post_form

PDF = b"%PDF-1.4\n%%EOF\n"


def folder_listing(app) -> list[str]:
    folder = Path(app.instance_path) / "grant_documents"
    return sorted(os.listdir(folder)) if folder.is_dir() else []


@pytest.mark.parametrize("disk", [FullDisk(room=3), FullDisk(room=10**6, fsync_fails=True)],
                         ids=["write", "fsync"])
def test_the_disk_full_refuses_the_payment_request_and_keeps_the_form(app, accepted, disk,
                                                                      monkeypatch):
    grant = accepted.grants["A"]
    client = app.test_client()
    login(client, accepted.applicants["A"])
    before = folder_listing(app)
    path = f"/mine-tilskudd/{grant.id}/utbetalinger/ny"
    data = {"amount": "60 000", "status_report": "Rapporten jeg skrev med full disk.",
            "files": [(io.BytesIO(PDF), "faktura.pdf")]}
    for index, line in enumerate(grant.application.cost_lines):
        data[f"costs-{index}-cost_line_id"] = str(line.id)
        data[f"costs-{index}-amount"] = "120000" if index == 0 else ""
    client.get(path)
    monkeypatch.setattr(fund.core.files, "os", FullDisk(room=disk.room,
                                                        fsync_fails=disk.fsync_fails).module)
    response = post_form(client, path, data, content_type="multipart/form-data",
                         follow_redirects=True)
    html = html_of(response)
    assert response.status_code == 200
    assert "Det er ikke plass til å lagre «faktura.pdf» nå." in html
    assert "Rapporten jeg skrev med full disk." in html  # the text is still in the form
    _db.session.expire_all()
    assert _db.session.scalars(select(PaymentRequest)).all() == []
    assert _db.session.scalars(select(GrantDocument)).all() == []
    assert folder_listing(app) == before
