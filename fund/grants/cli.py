"""Command-line work of the grants domain (run daily from cron, or by an admin)."""

import click
from flask import g
from flask.cli import AppGroup

from fund.extensions import db
from fund.mail.operations import deliver_due

grants_cli = AppGroup("grants", help="Tilskudd: bortfall og påminnelser.")


@grants_cli.command("lapse")
def lapse_command():
    """Lapse every tilsagn not accepted by its deadline: the money goes back to the
    call, and the recipient's members are told. Run daily from cron."""
    from fund.grants.operations import lapse_overdue
    lapsed = lapse_overdue()
    db.session.commit()
    queued = g.pop("queued_mail", [])
    if queued:
        deliver_due(queued)
    click.echo(f"{len(lapsed)} tilsagn falt bort.")


@grants_cli.command("remind-reports")
def remind_reports_command():
    """Remind the recipients whose final report is due soon or overdue (each reminder
    once). Run daily from cron."""
    from fund.grants.operations import remind_final_reports
    grants = remind_final_reports()
    db.session.commit()
    queued = g.pop("queued_mail", [])
    if queued:
        deliver_due(queued)
    click.echo(f"{len(grants)} påminnelser om sluttrapport sendt.")
