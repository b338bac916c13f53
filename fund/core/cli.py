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
