import os
import re
import smtplib
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, g, has_app_context, render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from fund.core.signals import mail_sent
from fund.core.types import utcnow
from fund.extensions import db
from fund.mail.models import MailState, OutboxAttachment, OutboxMessage

#: A MIME type or subtype (RFC 2045 token, as far as mail needs it).
_MIME_TOKEN = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}")


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


def queue_mail(to: str, subject, template: str,
               attachments: list[tuple[str, str, bytes]] | None = None, draft: bool = False,
               locale: str | None = None, **context) -> OutboxMessage:
    """Store a message in the outbox. It is delivered after the request commits; a
    ``draft`` is stored but not sent until ``release``d.

    The message is written in ``locale``, the recipient's language (``User.mail_locale``),
    whoever's request queues it: the subject is a ``lazy_gettext`` string, turned into
    text here, in that language, as the body is. Without a ``locale`` (an address with no
    account behind it) the message is in the language of the request that queues it.

    ``attachments`` are ``(filename, content_type, data)``; they are stored with the
    message, so a retry sends exactly what was queued.
    """
    if locale is None:
        subject, body = str(subject), render_template(f"emails/{template}.txt", **context)
    else:
        with force_locale(locale):
            subject, body = str(subject), render_template(f"emails/{template}.txt", **context)
    message = OutboxMessage(to_address=to, subject=one_line(subject)[:300], body_text=body,
                            attachments=[
        OutboxAttachment(filename=filename, content_type=content_type, data=data)
        for filename, content_type, data in attachments or ()],
        state=MailState.DRAFT if draft else MailState.PENDING)
    db.session.add(message)
    db.session.flush()
    if not draft:
        g.setdefault("queued_mail", []).append(message.id)
    return message


def release(messages: list[OutboxMessage]) -> list[OutboxMessage]:
    """Let drafts go: they are delivered after the request commits (or by the next
    ``flask mail send``). Returns the ones released; messages that are not drafts are left
    as they are."""
    released = [message for message in messages if message.state == MailState.DRAFT]
    for message in released:
        message.state = MailState.PENDING
        message.next_attempt_at = utcnow()
    db.session.flush()
    if released and has_app_context():
        g.setdefault("queued_mail", []).extend(message.id for message in released)
    return released


def build_email(message: OutboxMessage) -> EmailMessage:
    """The stored message as e-mail. Whatever a row holds (also rows from before subjects
    were made one line), header values are one line and content types well-formed, so
    building never fails; ``deliver`` checks the address itself."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = one_line(message.to_address or "")
    email["Subject"] = one_line(message.subject or "")
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.body_text or "")
    for attachment in message.attachments:
        maintype, _, subtype = (attachment.content_type or "").lower().partition("/")
        if not (_MIME_TOKEN.fullmatch(maintype) and _MIME_TOKEN.fullmatch(subtype)) \
                or maintype in ("multipart", "message"):
            maintype, subtype = "application", "octet-stream"
        email.add_attachment(attachment.data, maintype, subtype,
                             filename=one_line(attachment.filename or "") or "vedlegg")
    return email


class Undeliverable(ValueError):
    """The message itself can never be sent (as opposed to a mail server that is away)."""


def _check_recipient(address: str) -> None:
    """One plain address (no name, list or group: ``a@b.no, c@d.no`` or ``x Bcc: y@z``
    would reach others than the one it was queued for), in ASCII: the header would carry
    a non-ASCII one as an encoded word, which no mail server delivers."""
    if not address.isascii():
        raise Undeliverable(f"internationalised addresses are not supported: {address!r}")
    try:
        Address(addr_spec=address)
    except Exception as exc:
        raise Undeliverable(f"not a single e-mail address: {address!r}") from exc


def _is_transient(exc: Exception) -> bool:
    """The mail server away, busy or refusing for now: the same message may go later.
    Anything else (a message that cannot be built or encoded) will never go."""
    return isinstance(exc, (OSError, smtplib.SMTPException)) \
        and not isinstance(exc, smtplib.SMTPNotSupportedError)


def _send_smtp(email: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                      timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def outbox_folder() -> Path:
    """Where the file backend keeps its copies of the mail sent."""
    return Path(current_app.instance_path) / "outbox"


def outbox_file_name(message_id: int, created_at) -> str:
    """The name of a message's copy in ``outbox_folder()``."""
    return f"{created_at.strftime('%Y%m%dT%H%M%S')}-{message_id}.eml"


def _write_file(email: EmailMessage, message: OutboxMessage) -> None:
    folder = outbox_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # mkdir's mode is subject to the umask; the mail holds reset links
    path = folder / outbox_file_name(message.id, message.created_at)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(bytes(email))


def deliver(message: OutboxMessage) -> bool:
    """Try once to deliver. A message that can never be sent is marked failed at once;
    one the mail server did not take now is retried later, with exponential backoff.
    No error from the message or the mail server escapes (the database's do)."""
    config = current_app.config
    message.attempts += 1
    try:
        _check_recipient(message.to_address)
        email = build_email(message)
        if config["MAIL_BACKEND"] == "smtp":
            _send_smtp(email)
        else:
            _write_file(email, message)
    except SQLAlchemyError:
        raise
    except Exception as exc:
        message.last_error = _error_text(exc)
        if _is_transient(exc) and message.attempts < config["MAIL_MAX_ATTEMPTS"]:
            message.next_attempt_at = utcnow() + config["MAIL_RETRY_BASE"] * 2 ** (
                message.attempts - 1)
            current_app.logger.warning("mail %s not delivered: %s", message.id,
                                       message.last_error)
        else:
            message.state = MailState.FAILED
            current_app.logger.error("mail %s given up: %s", message.id, message.last_error)
        return False
    message.state = MailState.SENT
    message.sent_at = utcnow()
    message.last_error = None
    mail_sent.send(message)
    return True


def deliver_due(ids: list[int] | None = None, limit: int = 100) -> tuple[int, int]:
    """Deliver pending messages that are due (or just these ids). Returns (sent, failed).

    Each message is committed on its own, and no message, however broken, stops the
    ones after it."""
    query = select(OutboxMessage.id).where(OutboxMessage.state == MailState.PENDING)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    else:
        query = query.where(OutboxMessage.next_attempt_at <= utcnow())
    sent = failed = 0
    for message_id in db.session.scalars(query.order_by(OutboxMessage.id).limit(limit)).all():
        try:
            # Locked while it is sent; a message another run is sending is skipped.
            message = db.session.get(OutboxMessage, message_id,
                                     with_for_update={"skip_locked": True})
            if message is None or message.state != MailState.PENDING:
                db.session.rollback()
                continue  # being sent, or sent meanwhile, by another run
            delivered = deliver(message)
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            current_app.logger.exception("mail %s could not be handled", message_id)
            if not isinstance(exc, OperationalError):  # a busy database: try next run
                _give_up(message_id, exc)
            delivered = False
        if delivered:
            sent += 1
        else:
            failed += 1
    return sent, failed


def _error_text(exc: Exception) -> str:
    return one_line(f"{type(exc).__name__}: {exc}")[:2000]


def _give_up(message_id: int, exc: Exception) -> None:
    """Mark a message that broke its own delivery as failed, so that it is not tried on
    every run (it can be requeued)."""
    try:
        message = db.session.get(OutboxMessage, message_id)
        if message is not None and message.state == MailState.PENDING:
            message.state = MailState.FAILED
            message.last_error = _error_text(exc)
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("mail %s could not be marked failed", message_id)


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
