import click
from flask.cli import AppGroup

from fund.applications.operations import expire_info_requests
from fund.core.types import utcnow
from fund.extensions import db

applications_cli = AppGroup("applications", help="Søknader: frister for svar på forespørsler.")


@applications_cli.command("expire-requests")
def expire_requests_command():
    """Send applications whose information request was not answered by its last day back
    to the caseworkers as received (run from cron, e.g. every night after midnight)."""
    expired = expire_info_requests(utcnow())
    db.session.commit()
    click.echo(f"Forespørsler uten svar innen fristen: {len(expired)}")
    for request in expired:
        click.echo(f"  {request.application.case_number}: frist {request.answer_by.isoformat()}")
