"""Command-line work of the decisions domain (run from cron, or by an admin)."""

import click
from flask.cli import AppGroup

from fund.mail.operations import deliver_due

decisions_cli = AppGroup("decisions", help="Vedtak: valutakurser, brev og foreløpige svar.")


# --- Exchange rates (part C) -------------------------------------------------------------


# --- Provisional replies and letters (part D) --------------------------------------------


@decisions_cli.command("provisional-replies")
def provisional_replies_command():
    """Send a foreløpig svar, once, to each case undecided a month after submission
    (fvl § 11a tredje ledd). Run daily from cron."""
    from fund.decisions.operations import send_provisional_replies
    from fund.extensions import db
    letters = send_provisional_replies()
    db.session.commit()
    deliver_due([mail.id for letter in letters for mail in letter.notices])
    click.echo(f"{len(letters)} foreløpige svar sendt.")
