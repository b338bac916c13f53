import click
from flask.cli import AppGroup

from fund.extensions import db
from fund.reports.freshness import rebuild

reports_cli = AppGroup("reports", short_help="Dekningsrapporten: lagrede rapporter.")


@reports_cli.command("rebuild")
def rebuild_command():
    """Make every process compute the plan-coverage report again from the live rows (after
    a change made in SQL by hand, or a restore). Also drops the old change marks."""
    dropped = rebuild()
    db.session.commit()
    click.echo(f"Lagrede dekningsrapporter forkastet ({dropped} gamle endringsmerker slettet).")
