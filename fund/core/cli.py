"""Database housekeeping from the command line."""

import re
import time
from pathlib import Path

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


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(dest):
    """Copy the database and the stored files to DEST (a new folder), with a manifest of
    SHA-256 sums, while the app is serving."""
    from fund.core.backup import BackupError, backup

    started = time.monotonic()
    try:
        manifest = backup(dest, echo=click.echo)
    except BackupError as exc:
        raise click.ClickException(f"{exc} Ingen sikkerhetskopi er laget.") from None
    except OSError as exc:
        raise click.ClickException(f"Sikkerhetskopien kunne ikke skrives: {exc}. "
                                   f"Ingen sikkerhetskopi er laget i {dest}.") from None
    files = manifest["files"]
    size = sum(entry["size"] for entry in files)
    click.echo(f"Sikkerhetskopi laget i {Path(dest).absolute()} på "
               f"{time.monotonic() - started:.1f} s: databasen ({manifest['database']['kind']}, "
               f"versjon {manifest['alembic_revision']}) og {len(files) - 1} filer, "
               f"{size / 1024 / 1024:.1f} MB i alt. Den inneholder personopplysninger: "
               f"krypter den før den flyttes.")


@click.command("restore")
@click.argument("src", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True,
              help="Erstatt databasen og filene selv om instansen ikke er tom.")
@with_appcontext
def restore_command(src, force):
    """Bring a backup made with `flask backup` back into this instance, which must be
    empty (no rows, no stored files) unless --force. Every file's SHA-256 is checked
    before anything is written."""
    from fund.core.backup import BackupError, code_revision, restore

    started = time.monotonic()
    try:
        restored = restore(src, force=force, echo=click.echo)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"Gjenopprettingen stoppet: {exc}. Rett feilen og kjør "
                                   f"på nytt med --force.") from None
    moved = "" if restored.kind == restored.into else f" (flyttet fra {restored.kind})"
    click.echo(f"Gjenopprettet fra {Path(src).absolute()} på {time.monotonic() - started:.1f} s: "
               f"databasen i {restored.into}{moved} og {restored.files} filer. "
               f"Alle SHA-256-summer stemte.")
    for warning in restored.warnings:
        click.echo(f"Advarsel fra sikkerhetskopien: {warning}")
    if restored.revision != code_revision():
        click.echo("Databasen er fra en eldre versjon: kjør «flask --app fund db upgrade».")
    if restored.into == "postgresql":
        click.echo("Kjør «flask --app fund grant-app-role ROLLE» for kontoen appen logger "
                   "inn med.")
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
