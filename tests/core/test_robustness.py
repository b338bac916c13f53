"""The frame under stress: a database that is busy or refuses a value gives a proper
page and loses nothing, SQLite is set up for several requests at once, private files
stay private, and the audit log cannot be rewritten."""

import os
import re
import sqlite3
import stat

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fund import create_app
from fund.demo_bulk import _copy
from fund.extensions import db as _db
from fund.reports.models import ReportChange
from tests.helpers import html_of, login, make_user, post_form


@pytest.fixture
def own_sqlite_app(tmp_path, monkeypatch):
    """An app on a SQLite file of its own, migrated, with a short busy timeout."""
    monkeypatch.setenv("FUND_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "x", "TESTING": True, "TRUSTED_HOSTS": ["localhost"],
                      "SQLITE_BUSY_TIMEOUT_MS": 200,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    return app


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_sqlite_database_and_its_journal_are_private_and_in_wal_mode(own_sqlite_app):
    instance = own_sqlite_app.instance_path
    database = os.path.join(instance, "fund.sqlite")
    with own_sqlite_app.app_context():
        assert _db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert _db.session.execute(text("PRAGMA busy_timeout")).scalar() == 200
        _db.session.execute(text("SELECT count(*) FROM users"))
        _db.session.remove()
    assert mode(instance) == 0o700
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(database + suffix):
            assert mode(database + suffix) == 0o600, suffix


def test_a_busy_database_gives_a_page_that_says_so_and_nothing_is_half_done(own_sqlite_app):
    database = os.path.join(own_sqlite_app.instance_path, "fund.sqlite")
    client = own_sqlite_app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      client.get("/logg-inn").get_data(as_text=True)).group(1)
    blocker = sqlite3.connect(database, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # someone else holds the write lock for a long time
    try:
        response = client.post("/logg-inn", data={"csrf_token": token,
                                                  "email": "x@example.no", "password": "y"})
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "Systemet er opptatt akkurat nå" in page and "<footer" in page


def test_a_value_the_database_refuses_gives_a_page_not_a_crash(client, db):
    """A NUL byte in a filter reaches PostgreSQL, which refuses it: the page says so, in
    the site's layout, for the logged-in user (the session was rolled back first)."""
    from fund.core.roles import Role
    login(client, make_user("cw@example.no", Role.CASEWORKER, name="Cecilie Saksbehandler"))
    response = client.get("/saksbehandling/soknader?strategi=1A%00&tiltak=%00")
    assert response.status_code in (200, 400)  # SQLite takes NUL; PostgreSQL refuses it
    page = html_of(response)
    assert "Cecilie Saksbehandler" in page and "<footer" in page


def test_the_outbox_is_private(app, client, applicant):
    post_form(client, "/glemt-passord", {"email": applicant.email})
    folder = os.path.join(app.instance_path, "outbox")
    files = os.listdir(folder)
    assert files and mode(folder) == 0o700
    assert all(mode(os.path.join(folder, name)) == 0o600 for name in files)


def test_the_audit_log_cannot_be_replaced_or_emptied(db):
    from fund.audit.operations import record
    event = record("test.original")
    _db.session.flush()
    dialect = _db.engine.dialect.name
    statements = {
        "sqlite": [f"REPLACE INTO audit_events (id, at, action, details) "
                   f"VALUES ({event.id}, '2020-01-01', 'forged', '{{}}')",
                   f"INSERT OR REPLACE INTO audit_events (id, at, action, details) "
                   f"VALUES ({event.id}, '2020-01-01', 'forged', '{{}}')",
                   f"UPDATE audit_events SET action = 'forged' WHERE id = {event.id}",
                   f"DELETE FROM audit_events WHERE id = {event.id}"],
        "postgresql": ["TRUNCATE audit_events",
                       f"UPDATE audit_events SET action = 'forged' WHERE id = {event.id}",
                       f"DELETE FROM audit_events WHERE id = {event.id}",
                       f"INSERT INTO audit_events (id, at, action, details) VALUES "
                       f"({event.id}, now(), 'forged', '{{}}') ON CONFLICT (id) DO UPDATE "
                       f"SET action = 'forged'"],
    }[dialect]
    for statement in statements:
        savepoint = _db.session.begin_nested()
        with pytest.raises(Exception, match="append-only"):
            _db.session.execute(text(statement))
        savepoint.rollback()
    assert _db.session.execute(text(
        f"SELECT action FROM audit_events WHERE id = {event.id}")).scalar() == "test.original"


def test_the_apps_own_database_account_cannot_rewrite_the_audit_log(db, runner):
    """PostgreSQL: the app logs in as a role that may add audit events but not change,
    delete or empty them, nor switch the triggers off (it does not own the tables)."""
    if _db.engine.dialect.name != "postgresql":
        pytest.skip("roles are a PostgreSQL matter")
    from fund.audit.operations import record
    _db.session.execute(text("DROP ROLE IF EXISTS fund_app_test"))
    _db.session.execute(text("CREATE ROLE fund_app_test"))
    result = runner.invoke(args=["grant-app-role", "fund_app_test"])
    assert result.exit_code == 0, result.output
    event = record("test.original")
    _db.session.flush()
    _db.session.execute(text("SET ROLE fund_app_test"))
    try:
        _db.session.execute(text("INSERT INTO audit_events (at, action, details) "
                                 "VALUES (now(), 'test.by_app', '{}')"))
        for statement in ("TRUNCATE audit_events",
                          f"UPDATE audit_events SET action = 'forged' WHERE id = {event.id}",
                          f"DELETE FROM audit_events WHERE id = {event.id}",
                          "ALTER TABLE audit_events DISABLE TRIGGER USER",
                          "DROP TRIGGER audit_events_no_update ON audit_events"):
            savepoint = _db.session.begin_nested()
            with pytest.raises(Exception, match="permission denied|must be owner"):
                _db.session.execute(text(statement))
            savepoint.rollback()
        # Everything else the app does still works.
        _db.session.execute(text("UPDATE users SET name = name"))
    finally:
        _db.session.execute(text("RESET ROLE"))


def test_the_apps_postgresql_connections_run_without_jit(db):
    """JIT compiling made the coverage report's aggregates slower (bench/coverage_report.py), so
    the app's connections turn it off; SQLite has no such thing."""
    if _db.engine.dialect.name != "postgresql":
        pytest.skip("JIT is a PostgreSQL matter")
    assert _db.session.execute(text("SHOW jit")).scalar() == "off"


def _prepared(connection, like: str) -> int:
    return connection.execute(text("SELECT count(*) FROM pg_prepared_statements "
                                   "WHERE statement LIKE :like"), {"like": like}).scalar()


def test_a_transaction_that_only_read_keeps_its_statements_prepared(app):
    """psycopg prepares a statement on its fifth run and forgets all when it rolls back;
    every request ends its transaction so, and each statement was planned anew every time
    (issue 14). A transaction that only read is now rolled back by libpq itself, which
    keeps them."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("prepared statements are psycopg's and PostgreSQL's")
    read = text("SELECT count(*) FROM report_changes WHERE call_id = :call -- only read")
    with app.app_context(), _db.engine.connect() as connection:
        for _ in range(6):
            connection.execute(read, {"call": 1}).scalar()
            connection.rollback()  # as each request ends
        assert _prepared(connection, "%-- only read") == 1
        connection.rollback()


def test_a_transaction_that_only_read_is_still_rolled_back(app):
    """Whatever a transaction did, its end is a rollback: a write, a flush, a setting, or
    a write through the driver itself (the demo generator's COPY), which the engine does
    not see, leaves nothing behind."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the change is PostgreSQL's")
    token = "rolled-back-" + os.urandom(4).hex()
    count = text("SELECT count(*) FROM report_changes WHERE token = :token")
    insert = text("INSERT INTO report_changes (token) VALUES (:token)")
    with app.app_context(), _db.engine.connect() as connection:
        try:
            connection.execute(count, {"token": token}).scalar()  # a read first
            connection.execute(insert, {"token": token})
            connection.rollback()
            assert connection.execute(count, {"token": token}).scalar() == 0
            connection.rollback()
            # an ORM session's flush, then its rollback
            with Session(bind=connection) as session:
                session.add(ReportChange(token=token))
                session.flush()
                session.rollback()
            assert connection.execute(count, {"token": token}).scalar() == 0
            connection.rollback()
            # a setting made by a SELECT, for the session, is undone with the transaction
            connection.execute(text("SELECT set_config('fund.probe', 'kept', false)"))
            connection.rollback()
            assert not connection.execute(
                text("SELECT current_setting('fund.probe', true)")).scalar()
            connection.rollback()
            # a COPY through the driver, after reads only
            connection.execute(count, {"token": token}).scalar()
            _copy(connection, ReportChange, [{"token": token}])
            connection.rollback()
            assert connection.execute(count, {"token": token}).scalar() == 0
            connection.rollback()
            # a read that failed: the transaction is aborted, then rolled back
            with pytest.raises(Exception, match="division by zero"):
                connection.execute(text("SELECT 1 / 0"))
            connection.rollback()
            assert connection.execute(text("SELECT 1")).scalar() == 1
            connection.rollback()
        finally:
            connection.execute(text("DELETE FROM report_changes WHERE token = :token"),
                               {"token": token})
            connection.commit()


def test_statements_prepared_on_what_a_rolled_back_transaction_made_are_forgotten(app):
    """A transaction that did more than read is rolled back by psycopg, which forgets its
    prepared statements: one prepared on a table the rollback took away must not be run
    on another table of the same name."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("prepared statements are psycopg's and PostgreSQL's")
    read = text("SELECT a FROM fund_probe")
    with app.app_context(), _db.engine.connect() as connection:
        connection.execute(text("CREATE TEMPORARY TABLE fund_probe (a integer)"))
        for _ in range(6):
            connection.execute(read).all()
        connection.rollback()
        connection.execute(text("CREATE TEMPORARY TABLE fund_probe (a text, b integer)"))
        connection.execute(text("INSERT INTO fund_probe VALUES ('new', 1)"))
        assert connection.execute(read).all() == [("new",)]
        connection.rollback()


def test_a_read_only_transaction_on_a_connection_the_server_ended_fails_as_before(app):
    """libpq's ROLLBACK on a connection the server has ended fails; then psycopg's own
    rollback raises as it always did, the pool drops the connection, and the next one
    works."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the change is PostgreSQL's")
    with app.app_context():
        with _db.engine.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
            with _db.engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                other.commit()
            with pytest.raises(DBAPIError) as raised:
                connection.rollback()
            assert raised.value.connection_invalidated
        with _db.engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
