import click
from flask import current_app, g
from flask.cli import AppGroup

from fund.applications.models import Application
from fund.applications.operations import (
    draft_deletion_due,
    draft_warning_due,
    expire_info_requests,
    purge_draft,
    warn_draft_deletion,
)
from fund.applications.queries import drafts_past_deadline
from fund.core.formatting import format_date
from fund.core.types import utcnow
from fund.extensions import db
from fund.mail.operations import deliver_due

applications_cli = AppGroup("applications",
                            help="Søknader: frister for svar på forespørsler, gamle utkast.")


@applications_cli.command("expire-requests")
def expire_requests_command():
    """Send applications whose information request was not answered by its last day back
    to the caseworkers as received (run from cron, e.g. every night after midnight)."""
    expired = expire_info_requests(utcnow())
    db.session.commit()
    click.echo(f"Forespørsler uten svar innen fristen: {len(expired)}")
    for request in expired:
        click.echo(f"  {request.application.case_number}: frist {request.answer_by.isoformat()}")


@applications_cli.command("purge-drafts")
@click.option("--dry-run", is_flag=True, help="Vis hva som ville skjedd, uten å endre noe.")
@click.pass_context
def purge_drafts_command(ctx, dry_run):
    """Warn the members of drafts never submitted whose call closed long ago, and delete
    those whose warning has been out DRAFT_DELETION_NOTICE (run daily from cron). Each
    draft in its own transaction: one that fails is left whole and the rest go on."""
    now = utcnow()
    warned, deleted, failed = [], [], []
    for application_id in drafts_past_deadline(now):
        try:
            if dry_run:
                application = db.session.get(Application, application_id)
                if draft_deletion_due(application, now):
                    deleted.append(_line(application))
                elif draft_warning_due(application, now):
                    warned.append(_line(application))
                continue
            application = purge_draft(application_id, now)
            if application is not None:
                line = _line(application)
                db.session.commit()
                deleted.append(line)
                continue
            application = warn_draft_deletion(application_id, now)
            if application is not None:
                line = _line(application, format_date(application.deletion_on))
                db.session.commit()
                warned.append(line)
            else:
                db.session.rollback()  # nothing due: let the lock go
        except Exception:
            db.session.rollback()
            current_app.logger.exception("draft %s could not be warned or deleted",
                                         application_id)
            failed.append(application_id)
    queued = g.pop("queued_mail", [])
    if queued:
        deliver_due(queued)
    if dry_run:
        click.echo("Prøvekjøring: ingenting er endret, og ingen e-post er sendt.")
        click.echo(f"Utkast som ville fått varsel om sletting: {len(warned)}")
    else:
        click.echo(f"Utkast med varsel om sletting sendt: {len(warned)}")
    for line in warned:
        click.echo(f"  {line}")
    click.echo(f"Utkast {'som ville blitt ' if dry_run else ''}slettet: {len(deleted)}")
    for line in deleted:
        click.echo(f"  {line}")
    if failed:
        click.echo(f"Utkast som ikke kunne behandles (se loggen): {len(failed)}: "
                   + ", ".join(str(i) for i in failed), err=True)
        ctx.exit(1)


def _line(application, deletion_on: str | None = None) -> str:
    line = f"{application.id} «{application.title or 'Uten tittel'}» " \
           f"({application.call.title}, {application.organisation.name})"
    return f"{line}: slettes {deletion_on}" if deletion_on else line
