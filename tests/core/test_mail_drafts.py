"""Drafts in the outbox (staged letters): stored, never sent until released; and every
delivered message is announced with ``mail_sent``."""

from flask import g
from sqlalchemy import select

from fund.core.signals import mail_sent
from fund.extensions import db as _db
from fund.mail.models import MailState, OutboxMessage
from fund.mail.operations import deliver_due, queue_mail, release


def draft(app, to="kari@example.no"):
    with app.test_request_context():
        message = queue_mail(to, "Vedtak", "reset_password", draft=True, link="http://x/",
                             user=None)
        assert "queued_mail" not in g  # the after-request delivery has nothing to send
    _db.session.commit()
    return message


def test_a_draft_is_not_sent_by_the_request_nor_by_flask_mail_send(app, db, runner, smtp):
    message = draft(app)
    assert message.state == MailState.DRAFT
    assert deliver_due([message.id]) == (0, 0)  # what the after-request delivery calls
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "Sendt: 0, feilet: 0" in result.output
    assert smtp.envelopes == []
    _db.session.expire_all()
    assert _db.session.get(OutboxMessage, message.id).state == MailState.DRAFT


def test_a_released_draft_is_sent_and_announced(app, db, smtp):
    message, other = draft(app), draft(app, "ola@example.no")
    announced = []

    def receiver(sender, **kwargs):
        announced.append((sender.id, sender.state))

    mail_sent.connect(receiver)
    try:
        with app.test_request_context():
            assert release([message]) == [message]
            ids = g.queued_mail  # delivered after the request that released it commits
        _db.session.commit()
        assert deliver_due(ids) == (1, 0)
    finally:
        mail_sent.disconnect(receiver)
    assert [r for e in smtp.envelopes for r in e.rcpt_tos] == ["kari@example.no"]
    assert announced == [(message.id, MailState.SENT)]
    _db.session.expire_all()
    states = dict(_db.session.execute(select(OutboxMessage.id, OutboxMessage.state)).all())
    assert states == {message.id: MailState.SENT, other.id: MailState.DRAFT}


def test_a_message_that_is_not_delivered_is_not_announced(app, db, smtp):
    announced = []

    def receiver(sender, **kwargs):
        announced.append(sender)

    mail_sent.connect(receiver)
    try:
        smtp.stop()
        with app.test_request_context():
            message = queue_mail("kari@example.no", "Hei", "reset_password",
                                 link="http://x/", user=None)
        _db.session.commit()
        assert deliver_due([message.id]) == (0, 1)
    finally:
        mail_sent.disconnect(receiver)
    assert announced == []
