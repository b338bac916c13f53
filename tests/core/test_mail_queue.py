"""One bad message never blocks the mail queue (security review M6): a message that can
never be sent is marked failed at once with its error, the ones after it go out, and
`flask mail send` always finishes. A mail server that is away still means a retry."""

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from fund.extensions import db as _db
from fund.mail import operations
from fund.mail.models import MailState, OutboxAttachment, OutboxMessage

GOOD = ["kari@example.no", "ola@example.no"]


def outbox() -> dict[str, OutboxMessage]:
    _db.session.expire_all()
    return {m.subject: m for m in _db.session.scalars(select(OutboxMessage))}


def put(to: str, subject: str, attachments=()) -> None:
    """A row as an older version of the app, or a direct insert, could have left it."""
    _db.session.add(OutboxMessage(to_address=to, subject=subject, body_text="Hei.\n",
                                  attachments=list(attachments)))
    _db.session.commit()


def poison_then_good():
    put("victim@example.org\r\nBcc: attacker@example.org", "Innbrudd i mottakeren")
    put("victim@example.org, attacker@example.org", "To mottakere i én")
    put("Eve Bcc: attacker@example.org", "Gruppe")
    put(GOOD[0], "Poison\r\nBcc: attacker@example.org")
    put(GOOD[0], "Rart vedlegg", [OutboxAttachment(
        filename="kvittering\r\n.pdf", content_type="application/pdf\r\nX-Evil: 1",
        data=b"%PDF-1.4\n%%EOF\n")])
    for address in GOOD:
        put(address, f"God melding til {address}")


def send(runner) -> str:
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_a_poison_message_is_failed_at_once_and_the_good_ones_go_out(runner, smtp):
    poison_then_good()

    assert send(runner) == "Sendt: 4, feilet: 3"

    stored = outbox()
    for subject in ("Innbrudd i mottakeren", "To mottakere i én", "Gruppe"):
        assert stored[subject].state == MailState.FAILED and stored[subject].attempts == 1
        assert stored[subject].last_error.startswith("Undeliverable: not a single e-mail")
    recipients = sorted(r for e in smtp.envelopes for r in e.rcpt_tos)
    assert recipients == sorted([GOOD[0], GOOD[0], GOOD[0], GOOD[1]])  # no attacker
    subjects = {m["Subject"]: m for m in smtp.messages}
    # An old row whose subject has a line break goes out with the subject on one line.
    assert "Poison Bcc: attacker@example.org" in subjects
    assert stored["Poison\r\nBcc: attacker@example.org"].state == MailState.SENT
    assert subjects["Poison Bcc: attacker@example.org"]["Bcc"] is None
    # A broken content type or file name is sent as plain bytes, not refused.
    [attachment] = subjects["Rart vedlegg"].iter_attachments()
    assert attachment.get_content_type() == "application/octet-stream"
    assert attachment.get_filename() == "kvittering .pdf"
    assert attachment.get_content() == b"%PDF-1.4\n%%EOF\n"

    assert send(runner) == "Sendt: 0, feilet: 0"  # failed ones are not retried


def test_after_an_outage_the_queue_recovers_even_with_a_poison_message_first(runner, smtp):
    """The review's reproduction: the mail server is down while a poison message and good
    ones are queued; when it is back, the cron run delivers the good ones."""
    smtp.stop()
    start = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        poison_then_good()
        assert send(runner) == "Sendt: 0, feilet: 7"
    stored = outbox()
    assert stored["Innbrudd i mottakeren"].state == MailState.FAILED  # never retried
    good = stored[f"God melding til {GOOD[0]}"]
    assert good.state == MailState.PENDING and good.attempts == 1
    assert good.last_error.startswith("ConnectionRefusedError")
    assert good.next_attempt_at == start + timedelta(minutes=1)

    smtp.start()
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        assert send(runner) == "Sendt: 4, feilet: 0"
        assert send(runner) == "Sendt: 0, feilet: 0"
    assert {m.state for s, m in outbox().items() if s.startswith("God melding")} == \
        {MailState.SENT}


def test_an_error_nobody_foresaw_fails_only_its_own_message(runner, smtp, monkeypatch):
    for address in GOOD:
        put(address, f"God melding til {address}")
    put(GOOD[0], "Uforutsett")
    real = operations.build_email

    def build(message):
        if message.subject == "Uforutsett":
            raise RuntimeError("noe helt annet")
        return real(message)

    monkeypatch.setattr(operations, "build_email", build)
    assert send(runner) == "Sendt: 2, feilet: 1"
    failed = outbox()["Uforutsett"]
    assert failed.state == MailState.FAILED
    assert failed.last_error == "RuntimeError: noe helt annet"
    assert len(smtp.envelopes) == 2


def test_an_address_no_mail_server_would_deliver_is_failed_at_once(runner, smtp):
    """A non-ASCII address would go out as an encoded word (``=?utf-8?q?…``), which is
    no address at all: trying again will not change that."""
    put("åse@øre.no", "Internasjonal adresse")
    put(GOOD[0], "God melding")
    assert send(runner) == "Sendt: 1, feilet: 1"
    stored = outbox()
    assert stored["Internasjonal adresse"].state == MailState.FAILED
    assert "internationalised addresses are not supported" in \
        stored["Internasjonal adresse"].last_error
    assert stored["God melding"].state == MailState.SENT
    assert [e.rcpt_tos for e in smtp.envelopes] == [[GOOD[0]]]


def test_building_never_fails_for_what_a_row_can_hold(app, db):
    for subject in ("Linje\r\nBcc: x@y.no", "\x00\x1b", "", "æøå " * 100):
        message = OutboxMessage(id=1, to_address="kari@example.no", subject=subject,
                                body_text="Tekst\x00 med \x1b rart", attachments=[
            OutboxAttachment(filename=name, content_type=kind, data=b"x")
            for name, kind in (("", ""), ("a\nb", "text/plain"), ("c", "multipart/mixed"),
                               ("d", "/"), ("e", "application/pdf; x=\"\r\n\""))])
        message.created_at = datetime.now(UTC)
        assert bytes(operations.build_email(message))


def test_mail_sent_after_a_request_skips_a_bad_address_and_sends_the_rest(client, smtp):
    """The path after a request: the submission stands, and the members with good
    addresses get their receipt at once although one address can never be delivered."""
    from tests.applications.test_journey import submit
    from tests.helpers import login, make_application, make_call, make_organisation, make_user
    siri = make_user("siri@example.no")
    org = make_organisation(siri, make_user("åse@øre.no"), make_user(GOOD[1]))
    application = make_application(make_call(), org, siri)
    _db.session.commit()
    login(client, siri)

    assert submit(client, application).status_code == 302

    assert sorted(r for e in smtp.envelopes for r in e.rcpt_tos) == \
        sorted(["siri@example.no", GOOD[1]])


def test_after_a_request_the_bad_message_is_failed_and_the_good_ones_sent(app, db, smtp):
    """As above, looking at the outbox (the test client keeps the request's session open
    past the response, so the rows are read here around the hook itself)."""
    from fund.mail.operations import deliver_queued_after_request, queue_mail
    with app.test_request_context():
        for address in ("åse@øre.no", *GOOD):
            queue_mail(address, f"Til {address}", "verify_email", link="http://fond.test/")
        _db.session.commit()
        response = app.response_class("ok")
        deliver_queued_after_request(response)
        response.close()  # the server has sent the answer
    stored = outbox()
    assert stored["Til åse@øre.no"].state == MailState.FAILED
    assert stored[f"Til {GOOD[0]}"].state == stored[f"Til {GOOD[1]}"].state == MailState.SENT
    assert sorted(r for e in smtp.envelopes for r in e.rcpt_tos) == sorted(GOOD)
