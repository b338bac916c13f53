"""Statements that must be atomic under concurrency, on SQLite and PostgreSQL alike."""

from sqlalchemy.dialects import postgresql, sqlite

from fund.extensions import db


def increment(model, key: dict, column: str, by: int = 1, **on_insert) -> int:
    """Add ``by`` to ``column`` of the row with primary key ``key`` (created at ``by``
    if missing) and return the new value, in one statement.

    The row stays locked until the transaction ends (PostgreSQL row lock, SQLite's
    write lock), so two transactions never see the same value."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    target = getattr(model, column)
    statement = insert(model).values(**key, **{column: by}, **on_insert)
    statement = statement.on_conflict_do_update(
        index_elements=list(key), set_={column: target + by}).returning(target)
    return db.session.execute(statement).scalar_one()
