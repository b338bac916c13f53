"""Statements that must be atomic under concurrency, on SQLite and PostgreSQL alike; a
list of ids bound as one value; one object's collections loaded plainly; and PostgreSQL's
prepared statements kept across transactions that only read."""

import json
from collections.abc import Callable

from flask import g
from sqlalchemy import Boolean, Integer, String, bindparam, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

from fund.extensions import db

#: ``Connection.info``'s key: True while the transaction has run only SELECTs.
_ONLY_READ = "fund.only_read"


def keep_prepared_statements(engine) -> None:
    """PostgreSQL: a transaction that only read is rolled back without psycopg's
    forgetting its prepared statements.

    psycopg prepares a statement on its fifth run on a connection (no parsing and
    planning after that), and forgets every prepared statement when it rolls back, in
    case the transaction dropped what they read. Every request ends its transaction with
    a rollback, so no statement stayed prepared across requests: each was planned anew,
    about a third of the queue's time in the database (issue 14). A transaction that ran
    nothing but SELECTs through the engine is rolled back here with libpq's own ROLLBACK,
    which psycopg does not see: the same rollback (a setting or a write made some other
    way is undone as before), the statements kept. Any other statement (a flush, a
    savepoint, DDL) leaves the rollback to psycopg."""
    if engine.dialect.name != "postgresql":
        return
    from psycopg.pq import ExecStatus

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.info[_ONLY_READ] = True

    @event.listens_for(engine, "commit")
    def _on_commit(connection):
        connection.info.pop(_ONLY_READ, None)

    @event.listens_for(engine, "before_cursor_execute")
    def _on_statement(connection, cursor, statement, parameters, context, executemany):
        if connection.info.get(_ONLY_READ) and \
                statement.lstrip()[:6].upper() != "SELECT":
            connection.info[_ONLY_READ] = False

    rollback = engine.dialect.do_rollback

    def do_rollback(dbapi_connection):
        # the pool's proxy, whose ``info`` is the dictionary ``Connection.info`` shares
        # (the engine's first connection has none)
        try:
            only_read = dbapi_connection.info.pop(_ONLY_READ, False)
        except (AttributeError, NotImplementedError):
            only_read = False
        if only_read and dbapi_connection.driver_connection.pgconn.exec_(
                b"ROLLBACK").status == ExecStatus.COMMAND_OK:
            return
        rollback(dbapi_connection)  # psycopg's own; on a lost connection it raises

    engine.dialect.do_rollback = do_rollback


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


# --- A list of ids as one bound value ---


class IdList(TypeDecorator):
    """A list of integer ids bound as one value: an integer array on PostgreSQL, a JSON
    array on SQLite."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(Integer))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value, dialect):
        ids = [int(i) for i in value or ()]
        return ids if dialect.name == "postgresql" else json.dumps(ids)


class _Among(ColumnElement):
    """``column`` is one of the ids bound to ``ids`` (``among``)."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("ids", InternalTraversal.dp_clauseelement)]

    def __init__(self, column, ids: BindParameter):
        self.column, self.ids = column, ids

    @property
    def _from_objects(self):
        return self.column._from_objects


@compiles(_Among)
def _among_sqlite(element, compiler, **kw):
    return (f"{compiler.process(element.column, **kw)} IN "
            f"(SELECT value FROM json_each({compiler.process(element.ids, **kw)}))")


@compiles(_Among, "postgresql")
def _among_postgresql(element, compiler, **kw):
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.ids, **kw)})"


def among(column, name: str = "ids"):
    """``column IN ids`` with the ids bound as one value named ``name`` (pass the list at
    execution): a statement built once, and its SQL the same for any number of ids. An IN
    of 50 values binds 50 parameters, which cost the queue more than its query did."""
    return _Among(column, bindparam(name, type_=IdList()))


#: ``by_application``'s statements, built once: by name, and whether for a list of ids.
_BY_APPLICATION: dict[tuple[str, bool], object] = {}


def by_application(name: str, user, ids: tuple[int, ...] | None, query: Callable) -> dict:
    """The entities ``query()`` selects (each with an ``application_id``) by application
    id, of the applications ``ids`` only (None: all), read once per request, reader and
    list (``name`` keeps two queries' apart): what a page's rows' hooks ask, each row,
    with one query for all of them. ``query()`` binds the reader's id as ``reader``; it
    is called once per process (building a statement cost more than running it)."""
    cache = g.setdefault(name, {})
    key = (user.id, ids)
    if key not in cache:
        statement = _BY_APPLICATION.get((name, ids is not None))
        if statement is None:
            statement = query()
            if ids is not None:  # the page's ids, bound as one value
                entity = statement.column_descriptions[0]["entity"]
                statement = statement.where(among(entity.application_id))
            _BY_APPLICATION[(name, ids is not None)] = statement
        params = {"reader": user.id} if ids is None else {"reader": user.id, "ids": ids}
        cache[key] = {row.application_id: row
                      for row in db.session.execute(statement, params).scalars()}
    return cache[key]


def load_for_rows(instances: list, *relationships) -> None:
    """Load ``relationships`` (a many-to-one or a one-to-many on one column each) of the
    persistent ``instances`` (one class), one plain statement each, built once, with the
    page's keys bound as one value: the objects, order and committed state
    ``selectinload`` gives. For a page of fifty rows, the selectin loader's own work cost
    more than its statement (issue 14: two of them were a third of «Mine søknader»'s
    statements' time)."""
    if not instances:
        return
    session = inspect(instances[0]).session
    for relationship in relationships:
        prop = relationship.property
        statement, local_key, remote_key = _rows_statement(prop)
        keys = sorted({getattr(instance, local_key) for instance in instances} - {None})
        found = session.scalars(statement, {"ids": keys}).all() if keys else []
        if prop.uselist:
            grouped: dict = {}
            for row in found:
                grouped.setdefault(getattr(row, remote_key), []).append(row)
            for instance in instances:
                set_committed_value(instance, prop.key,
                                    grouped.get(getattr(instance, local_key), []))
        else:
            by_key = {getattr(row, remote_key): row for row in found}
            for instance in instances:
                set_committed_value(instance, prop.key, by_key.get(getattr(instance,
                                                                            local_key)))


_ROWS_STATEMENTS: dict = {}


def _rows_statement(prop) -> tuple:
    """``load_for_rows``' statement for the relationship ``prop``, and the attribute keys
    of its local and remote column."""
    if prop not in _ROWS_STATEMENTS:
        if prop.secondary is not None or len(prop.local_remote_pairs) != 1:
            raise ValueError(f"{prop} does not join on one column")
        [(local, remote)] = prop.local_remote_pairs
        statement = select(prop.mapper).where(among(remote))
        if prop.order_by:
            statement = statement.order_by(*prop.order_by)
        _ROWS_STATEMENTS[prop] = (
            statement, prop.parent.get_property_by_column(local).key,
            prop.mapper.get_property_by_column(remote).key)
    return _ROWS_STATEMENTS[prop]


def collection_loader(*collections) -> Callable:
    """A function that loads the one-to-many ``collections`` of a persistent object,
    each by a plain statement of its own: the rows, order and committed state
    ``selectinload`` gives. An entry is the relationship's attribute, or a tuple of it
    and options for its rows' statement (``(Application.measures,
    joinedload(ApplicationMeasure.measure))``). A collection already loaded is left as it
    is, as a loader leaves it. The statements are built on first use, then kept.

    For one object, SQLAlchemy's selectin loader took about 0.7 ms a collection, the
    database's work included, and a plain statement about 0.45; building and keying the
    statement again for each object was a good part of the rest (issue 14: the
    application form loads ten)."""
    built: list = []

    def load(instance) -> None:
        if not built:  # two first uses at once build the same statements
            built.append([_collection_statement(entry) for entry in collections])
        state = inspect(instance)
        for prop, statement, local_keys in built[0]:
            if prop.key not in state.unloaded:
                continue
            values = {f"key{n}": state.attrs[key].value for n, key in enumerate(local_keys)}
            set_committed_value(instance, prop.key,
                                state.session.scalars(statement, values).all())
    return load


def _collection_statement(entry) -> tuple:
    attribute, *options = entry if isinstance(entry, tuple) else (entry,)
    prop = attribute.property
    if prop.secondary is not None or not prop.uselist:
        raise ValueError(f"{attribute} is not a one-to-many collection")
    statement = select(prop.mapper).options(*options)
    local_keys = []
    for n, (local, remote) in enumerate(prop.local_remote_pairs):
        local_keys.append(prop.parent.get_property_by_column(local).key)
        statement = statement.where(remote == bindparam(f"key{n}"))
    if prop.order_by:
        statement = statement.order_by(*prop.order_by)
    return prop, statement, local_keys
