"""Command-line work of the final report: the reminders (run daily from cron). The
command belongs in the ``flask grants`` group of fund/grants/cli.py."""

import click
from flask import g

from fund.extensions import db
from fund.mail.operations import deliver_due


@click.command("remind-reports")
def remind_reports_command():
    """Remind the recipients whose final report is due soon or overdue (each reminder
    once). Run daily from cron."""
    from fund.grants.operations import remind_final_reports
    grants = remind_final_reports()
    db.session.commit()
    queued = list(g.pop("queued_mail", []))
    if queued:
        deliver_due(queued)
    click.echo(f"{len(grants)} påminnelser om sluttrapport sendt.")
