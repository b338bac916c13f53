"""The outbox: every message is stored before it is sent, sent after the request that
made it, and retried with growing pauses when the mail server is away."""

import email
import re
from datetime import UTC, datetime, timedelta
from email import policy

import time_machine
from sqlalchemy import select

from fund.auth.models import User
from fund.extensions import db as _db
from fund.mail.models import MailState, OutboxMessage
from tests.helpers import PASSWORD, post_form

ADDRESS = "kari@example.no"


def register(client, email=ADDRESS):
    response = post_form(client, "/registrer", {
        "name": "Kari Nordmann", "email": email, "phone": "", "password": PASSWORD,
        "password_again": PASSWORD})
    assert response.status_code == 200
    assert "Sjekk e-posten din" in response.get_data(as_text=True)
    return response


def outbox() -> list[OutboxMessage]:
    _db.session.expire_all()
    return _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def confirmation_path(text: str) -> str:
    match = re.search(r"http://fond\.test(/bekreft-epost/\S+)", text)
    assert match, text
    return match.group(1)


def mail_command(runner, *args) -> str:
    result = runner.invoke(args=["mail", *args])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def frozen_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_registering_sends_the_confirmation_over_smtp(client, runner, smtp):
    register(client)

    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == [ADDRESS]
    assert envelope.mail_from == "naeringsfond@lillestrom.kommune.no"
    [message] = smtp.messages
    assert message["To"] == ADDRESS
    assert message["Subject"] == "Bekreft e-postadressen din"
    assert message["From"].addresses[0].display_name == "Lillestrøm kommune – næringsfond"
    body = message.get_content()
    assert body.startswith("Hei,") and "Kari" not in body  # nothing typed by the registrant

    [stored] = outbox()
    assert stored.state == MailState.SENT and stored.sent_at is not None
    assert stored.attempts == 1 and stored.last_error is None

    # The link in the mail that arrived confirms the address.
    assert client.get(confirmation_path(body)).headers["Location"] == "/logg-inn"
    user = _db.session.scalars(select(User).where(User.email == ADDRESS)).one()
    assert user.email_verified_at is not None

    assert mail_command(runner, "send") == "Sendt: 0, feilet: 0"  # nothing is sent twice
    assert len(smtp.envelopes) == 1


def test_a_message_waits_in_the_outbox_while_the_mail_server_is_down(client, runner, smtp):
    smtp.stop()
    start = frozen_now()
    with time_machine.travel(start, tick=False):
        register(client)

    assert _db.session.scalars(select(User).where(User.email == ADDRESS)).one()
    [stored] = outbox()
    assert stored.to_address == ADDRESS and "Bekreft e-postadressen" in stored.body_text
    assert stored.state == MailState.PENDING and stored.attempts == 1
    assert stored.last_error.startswith("ConnectionRefusedError")
    assert stored.next_attempt_at == start + timedelta(minutes=1)
    assert stored.sent_at is None

    smtp.start()
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert mail_command(runner, "send") == "Sendt: 0, feilet: 0"  # not due yet
    assert smtp.envelopes == []

    with time_machine.travel(start + timedelta(minutes=1, seconds=5), tick=False):
        assert mail_command(runner, "send") == "Sendt: 1, feilet: 0"
    [message] = smtp.messages
    assert message["To"] == ADDRESS
    [stored] = outbox()
    assert stored.state == MailState.SENT and stored.attempts == 2
    assert stored.sent_at == start + timedelta(minutes=1, seconds=5)
    assert stored.last_error is None
    assert confirmation_path(stored.body_text) == confirmation_path(message.get_content())


def test_after_eight_failures_a_message_is_given_up_and_can_be_requeued(client, runner, smtp):
    smtp.stop()
    start = frozen_now()
    with time_machine.travel(start, tick=False):
        register(client)

    pauses = []
    now = start
    for attempt in range(2, 9):
        [stored] = outbox()
        assert stored.state == MailState.PENDING
        pauses.append(stored.next_attempt_at - now)
        now = stored.next_attempt_at + timedelta(seconds=1)
        with time_machine.travel(now, tick=False):
            assert mail_command(runner, "send") == "Sendt: 0, feilet: 1"
        assert outbox()[0].attempts == attempt
    assert pauses == [timedelta(minutes=2 ** n) for n in range(7)]  # 1, 2, 4 … 64 minutes

    [stored] = outbox()
    assert stored.state == MailState.FAILED and stored.attempts == 8
    assert stored.last_error.startswith("ConnectionRefusedError")

    smtp.start()
    later = now + timedelta(days=1)
    with time_machine.travel(later, tick=False):
        assert mail_command(runner, "send") == "Sendt: 0, feilet: 0"  # given up: not retried
        assert smtp.envelopes == []
        assert mail_command(runner, "requeue") == "Lagt i kø igjen: 1"
        [stored] = outbox()
        assert stored.state == MailState.PENDING and stored.attempts == 0
        assert mail_command(runner, "send") == "Sendt: 1, feilet: 0"
    [message] = smtp.messages
    assert message["To"] == ADDRESS
    assert outbox()[0].state == MailState.SENT


def test_the_file_backend_writes_each_message_into_the_instance_outbox(
        app, client, monkeypatch, tmp_path):
    assert app.config["MAIL_BACKEND"] == "file"
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    register(client)

    [path] = (tmp_path / "outbox").glob("*.eml")
    [stored] = outbox()
    assert path.name.endswith(f"-{stored.id}.eml")
    assert stored.state == MailState.SENT and stored.sent_at is not None
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == ADDRESS
    assert message["Subject"] == "Bekreft e-postadressen din"
    assert message["Message-ID"] and message["Date"]
    body = message.get_content()
    assert body.startswith("Hei,")
    assert client.get(confirmation_path(body)).headers["Location"] == "/logg-inn"
