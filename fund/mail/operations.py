import os
import smtplib
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, g, render_template
from sqlalchemy import select

from fund.core.types import utcnow
from fund.extensions import db
from fund.mail.models import MailState, OutboxAttachment, OutboxMessage


def external_url(endpoint: str, **values) -> str:
    """An absolute link for mail, built from the configured ``BASE_URL`` and never from
    the request (whose Host header the sender of the request chooses)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def one_line(text: str) -> str:
    """A header value: line breaks and other control characters become spaces."""
    return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c
                            for c in text).split())


def queue_mail(to: str, subject: str, template: str,
               attachments: list[tuple[str, str, bytes]] | None = None,
               **context) -> OutboxMessage:
    """Store a message in the outbox. It is delivered after the request commits.

    ``attachments`` are ``(filename, content_type, data)``; they are stored with the
    message, so a retry sends exactly what was queued.
    """
    body = render_template(f"emails/{template}.txt", **context)
    message = OutboxMessage(to_address=to, subject=one_line(subject)[:300], body_text=body,
                            attachments=[
        OutboxAttachment(filename=filename, content_type=content_type, data=data)
        for filename, content_type, data in attachments or ()])
    db.session.add(message)
    db.session.flush()
    g.setdefault("queued_mail", []).append(message.id)
    return message


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.body_text)
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        email.add_attachment(attachment.data, maintype, subtype, filename=attachment.filename)
    return email


def _send_smtp(email: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                      timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def _write_file(email: EmailMessage, message: OutboxMessage) -> None:
    folder = Path(current_app.instance_path) / "outbox"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # mkdir's mode is subject to the umask; the mail holds reset links
    stamp = message.created_at.strftime("%Y%m%dT%H%M%S")
    path = folder / f"{stamp}-{message.id}.eml"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(bytes(email))


def deliver(message: OutboxMessage) -> bool:
    """Try once to deliver; on failure schedule a retry with exponential backoff."""
    config = current_app.config
    message.attempts += 1
    try:
        email = build_email(message)
        if config["MAIL_BACKEND"] == "smtp":
            _send_smtp(email)
        else:
            _write_file(email, message)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
            message.state = MailState.FAILED
        else:
            message.next_attempt_at = utcnow() + config["MAIL_RETRY_BASE"] * 2 ** (
                message.attempts - 1)
        current_app.logger.warning("mail %s not delivered: %s", message.id, message.last_error)
        return False
    message.state = MailState.SENT
    message.sent_at = utcnow()
    message.last_error = None
    return True


def deliver_due(ids: list[int] | None = None, limit: int = 100) -> tuple[int, int]:
    """Deliver pending messages that are due (or just these ids). Returns (sent, failed)."""
    query = select(OutboxMessage).where(OutboxMessage.state == MailState.PENDING)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    else:
        query = query.where(OutboxMessage.next_attempt_at <= utcnow())
    sent = failed = 0
    for message in db.session.execute(query.order_by(OutboxMessage.id).limit(limit)).scalars():
        if deliver(message):
            sent += 1
        else:
            failed += 1
        db.session.commit()
    return sent, failed


def deliver_queued_after_request(response):
    """After a request that queued mail: deliver it once the response has been sent, so
    that neither the person waiting nor someone timing the answer can tell whether mail
    went out. Only what the request committed exists to be sent."""
    ids = g.pop("queued_mail", None)
    if ids:
        app = current_app._get_current_object()

        def deliver():
            with app.app_context():
                try:
                    deliver_due(ids)
                except Exception:  # delivery never breaks anything; cron retries
                    app.logger.exception("mail delivery after request failed")
                    db.session.rollback()

        response.call_on_close(deliver)
    return response
