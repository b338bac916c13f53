"""The mail server drops the connection in the middle of a message, or refuses it, for
the first messages. The state change that queued the mail is committed regardless; each
message stays queued with its error and is tried again after MAIL_RETRY_BASE (doubling);
when the server is back, each goes out exactly once, and none is lost. A message queued
by a transaction that then fails is never sent."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from fund.applications.models import Application, ApplicationState
from fund.auth.models import Membership
from fund.extensions import db as _db
from fund.mail.models import MailState, OutboxMessage
from tests.helpers import html_of, login, make_application, make_call, make_organisation, make_user

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def outbox() -> list[OutboxMessage]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def send(runner) -> str:
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def three_members(app):
    """A draft whose organisation has three members: a submission mails each a receipt."""
    users = [make_user(f"{name.lower()}@example.no", name=name)
             for name in ("Siri", "Kari", "Ola")]
    org = make_organisation(users[0])
    for user in users[1:]:
        org.memberships.append(Membership(user=user))
    application = make_application(make_call(opens_in=timedelta(days=-400),
                                             closes_in=timedelta(days=400)), org, users[0])
    _db.session.commit()
    return users, application


def post_submit(client, application):
    path = f"/soknader/{application.id}/send-inn"
    html = client.get(path).get_data(as_text=True)
    return client.post(path, data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
        "version": re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1),
        "confirm": "y", "submit": "1"})


@pytest.mark.parametrize("mode", ["drop", "refuse"])
def test_a_submission_stands_and_each_receipt_goes_out_once_after_the_server_recovers(
        app, client, runner, flaky_smtp, mode):
    users, application = three_members(app)
    server = flaky_smtp(failures=5, mode=mode)  # the three after the request, two of the retries
    with time_machine.travel(START, tick=False):
        login(client, users[0])
        response = post_submit(client, application)
    # The submission is committed and the person sees the receipt, whatever the mail did.
    assert response.status_code == 302 and response.headers["Location"].endswith("/kvittering")
    _db.session.expire_all()
    assert _db.session.get(Application, application.id).state == ApplicationState.SUBMITTED
    messages = outbox()
    assert len(messages) == 3 and server.handler.envelopes == []
    for message in messages:
        assert message.state == MailState.PENDING and message.attempts == 1
        assert message.last_error.startswith(
            "SMTPServerDisconnected" if mode == "drop" else "SMTPDataError")
        assert message.next_attempt_at == START + timedelta(minutes=1)

    with time_machine.travel(START + timedelta(seconds=59), tick=False):
        assert send(runner) == "Sendt: 0, feilet: 0"  # not due before MAIL_RETRY_BASE
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        assert send(runner) == "Sendt: 1, feilet: 2"  # still failing the first two
    retried = [m for m in outbox() if m.state == MailState.PENDING]
    assert [m.attempts for m in retried] == [2, 2]
    assert {m.next_attempt_at for m in retried} == {START + timedelta(minutes=3)}  # doubled
    with time_machine.travel(START + timedelta(minutes=3), tick=False):
        assert send(runner) == "Sendt: 2, feilet: 0"
        assert send(runner) == "Sendt: 0, feilet: 0"
    assert {m.state for m in outbox()} == {MailState.SENT}
    # Each member got their receipt exactly once.
    recipients = sorted(r for e in server.handler.envelopes for r in e.rcpt_tos)
    assert recipients == sorted(user.email for user in users)
    assert server.handler.attempts == 3 + 3 + 2


def test_a_receipt_queued_by_a_submission_that_failed_is_never_sent(
        app, client, runner, flaky_smtp, database_fault):
    users, application = three_members(app)
    server = flaky_smtp(failures=0)
    login(client, users[0])
    path = f"/soknader/{application.id}/send-inn"
    html = client.get(path).get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
            "version": re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1),
            "confirm": "y", "submit": "1"}
    # The database goes away at the commit, after the receipts were queued.
    writes = 0
    while True:
        writes += 1
        database_fault.arm(writes)
        response = client.post(path, data=data)
        if not database_fault.fired:
            break
        if database_fault.statement.startswith("RELEASE SAVEPOINT"):
            assert response.status_code == 503
            assert "Det du sendte, er ikke lagret" in html_of(response)
            assert outbox() == [] and server.handler.attempts == 0
    assert response.status_code == 302
    assert send(runner) == "Sendt: 0, feilet: 0"
    recipients = sorted(r for e in server.handler.envelopes for r in e.rcpt_tos)
    assert recipients == sorted(user.email for user in users)  # once each, from the last try


def test_the_database_going_away_while_mail_is_delivered_loses_no_message(
        app, client, runner, flaky_smtp, database_fault):
    """The database drops while the receipts are delivered after the response, as the
    first one is fetched to be sent: that one stays queued (a busy or absent database is
    no reason to give up on it), the others go, and the next run sends it, once."""
    users, application = three_members(app)
    server = flaky_smtp(failures=0)
    login(client, users[0])
    database_fault.arm(2, re.compile(r"\s*SELECT .*FROM outbox_messages", re.S),
                       in_request=False)
    assert post_submit(client, application).status_code == 302
    assert database_fault.fired
    states = [m.state for m in outbox()]
    assert sorted(states) == [MailState.PENDING, MailState.SENT, MailState.SENT]
    assert len(server.handler.envelopes) == 2
    assert send(runner) == "Sendt: 1, feilet: 0"
    assert send(runner) == "Sendt: 0, feilet: 0"
    recipients = sorted(r for e in server.handler.envelopes for r in e.rcpt_tos)
    assert recipients == sorted(user.email for user in users)
