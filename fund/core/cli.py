"""Database housekeeping from the command line."""

import re

import click
from flask.cli import with_appcontext
from sqlalchemy import text

from fund.extensions import db

#: Tables whose rows the app only ever adds: it may not change, delete or empty them.
APPEND_ONLY = ("audit_events",)


@click.command("grant-app-role")
@click.argument("role")
@with_appcontext
def grant_app_role_command(role):
    """PostgreSQL: let ROLE (the account the app logs in as) read and write rows, but not
    change or empty the audit log, nor alter any table. Run as the owner of the tables
    (the account that runs `flask db upgrade`) after every upgrade."""
    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("Bare for PostgreSQL: SQLite har ingen roller.")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise click.ClickException("Rollenavnet kan bare ha små bokstaver, siffer og _.")
    grant_app_role(role)
    db.session.commit()
    click.echo(f"{role} kan lese og skrive rader, men ikke endre eller tømme "
               f"{', '.join(APPEND_ONLY)}.")


def grant_app_role(role: str) -> None:
    for statement in (
            f'GRANT USAGE ON SCHEMA public TO "{role}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
            f'REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public '
            f'FROM "{role}"',
            *(f'REVOKE UPDATE, DELETE ON {table} FROM "{role}"' for table in APPEND_ONLY)):
        db.session.execute(text(statement))


@click.group("files")
def files_cli():
    """Stored files (attachments, grant documents, letters)."""


@files_cli.command("reconcile")
@click.option("--max-age", type=float, default=None,
              help="Sekunder før en ventende fil ingen rad viser til, fjernes "
                   "(standard FILES_PENDING_MAX_AGE).")
@with_appcontext
def reconcile_command(max_age):
    """Finish what a crash between a commit and moving its files left: move into place
    the pending files the database refers to, remove old pending files nobody refers
    to, and report referenced files that are missing. Run from cron and before a
    backup; running it again changes nothing. Exits with 1 if a file is missing."""
    from fund.core.files import reconcile
    result = reconcile(max_age=max_age)
    db.session.rollback()
    for label, names in (("Flyttet på plass", result.moved),
                         ("Fjernet (ventende, uten rad)", result.removed),
                         ("Ventende, for nye til å fjernes", result.kept),
                         ("Uten rad (ikke fjernet)", result.unreferenced),
                         ("MANGLER", result.missing)):
        for name in names:
            click.echo(f"{label}: {name}")
    click.echo(f"{len(result.moved)} flyttet, {len(result.removed)} fjernet, "
               f"{len(result.missing)} mangler.")
    if result.missing:
        raise SystemExit(1)
