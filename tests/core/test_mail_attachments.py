"""Attachments travel with an outbox message: stored with it, sent with it (also on a
retry, from the database), and written into the file backend's .eml."""

import email
import hashlib
import os
from email import policy
from types import SimpleNamespace

from sqlalchemy import delete, select

from fund.extensions import db as _db
from fund.mail.models import MailState, OutboxAttachment, OutboxMessage
from fund.mail.operations import deliver_due, queue_mail

ADDRESS = "kari@example.no"
FILENAME = "kvittering-NF-2027-0042.pdf"
# Binary on purpose: bytes above 0x7f and line ends must survive the transfer encoding.
PDF = (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\r\n<< /Type /Catalog >>\nendobj\n"
       + os.urandom(4096) + b"\n%%EOF\n")


def queue_receipt(app) -> int:
    with app.test_request_context():
        message = queue_mail(ADDRESS, "Vi har mottatt søknaden din", "verify_email",
                             attachments=[(FILENAME, "application/pdf", PDF)],
                             user=SimpleNamespace(name="Kari Nordmann"),
                             link="http://fond.test/")
        _db.session.commit()
        return message.id


def the_attachment(message: email.message.EmailMessage):
    assert message.get_content_type() == "multipart/mixed"
    [body] = [part for part in message.iter_parts() if not part.is_attachment()]
    assert "Bekreft e-postadressen" in body.get_content()
    [attachment] = list(message.iter_attachments())
    return attachment


def assert_is_the_pdf(attachment) -> None:
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == FILENAME
    data = attachment.get_content()
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(PDF).hexdigest()


def test_a_queued_pdf_arrives_over_smtp_with_its_bytes_intact(app, db, smtp):
    message_id = queue_receipt(app)

    [stored] = _db.session.scalars(select(OutboxAttachment)).all()
    assert stored.message_id == message_id and stored.data == PDF
    assert stored.content_type == "application/pdf" and stored.filename == FILENAME

    assert deliver_due([message_id]) == (1, 0)

    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == [ADDRESS]
    [message] = smtp.messages
    assert message["Subject"] == "Vi har mottatt søknaden din"
    assert_is_the_pdf(the_attachment(message))


def test_a_retry_sends_the_attachment_stored_in_the_outbox(app, db, smtp):
    smtp.stop()
    message_id = queue_receipt(app)
    assert deliver_due([message_id]) == (0, 1)
    assert _db.session.get(OutboxMessage, message_id).state == MailState.PENDING

    smtp.start()
    _db.session.expire_all()
    assert deliver_due([message_id]) == (1, 0)
    [message] = smtp.messages
    assert_is_the_pdf(the_attachment(message))


def test_the_file_backend_writes_the_attachment_into_the_eml(app, db, monkeypatch, tmp_path):
    assert app.config["MAIL_BACKEND"] == "file"
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    message_id = queue_receipt(app)

    assert deliver_due([message_id]) == (1, 0)

    [path] = (tmp_path / "outbox").glob(f"*-{message_id}.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == ADDRESS
    assert_is_the_pdf(the_attachment(message))


def test_the_database_deletes_attachments_with_their_message(app, db):
    message_id = queue_receipt(app)

    # A bulk delete (as a clean-up job would do) bypasses the ORM's cascade.
    _db.session.execute(delete(OutboxMessage).where(OutboxMessage.id == message_id))
    _db.session.commit()

    assert _db.session.scalars(select(OutboxAttachment)).all() == []
