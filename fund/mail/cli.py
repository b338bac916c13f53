import click
from flask.cli import AppGroup
from sqlalchemy import select

from fund.extensions import db
from fund.mail.models import MailState, OutboxMessage
from fund.mail.operations import deliver_due

mail_cli = AppGroup("mail", help="Utboksen: send ventende e-post.")


@mail_cli.command("send")
def send_command():
    """Deliver due messages (run from cron every few minutes)."""
    sent, failed = deliver_due()
    click.echo(f"Sendt: {sent}, feilet: {failed}")


@mail_cli.command("requeue")
def requeue_command():
    """Put messages that gave up back in the queue."""
    messages = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.state == MailState.FAILED)).scalars().all()
    for message in messages:
        message.state = MailState.PENDING
        message.attempts = 0
    db.session.commit()
    click.echo(f"Lagt i kø igjen: {len(messages)}")
