"""The database really goes away: PostgreSQL terminates the request's backend (as a
restart or a failover does) between two writes of saving a draft. The person gets the
«prøv igjen» page (503), nothing of the request is in the database, and the next request
works on a fresh connection (the pool's pre-ping throws out the dead one). On an app of
its own, on its own database (``test_faults_kill``), since the connection is killed."""

import os
import re
import time

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url

from fund import create_app
from fund.applications.models import Application
from fund.audit.models import AuditEvent
from fund.extensions import db as _db
from fund.plan.loader import DATA_DIR, load_plan, read_plan_file
from tests.helpers import (
    browser_form,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
)

URL = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgresql"),
                                reason="terminating a backend is a PostgreSQL matter")


def _admin_dsn(database: str) -> str:
    url = make_url(URL).set(drivername="postgresql", database=database)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def own_app(tmp_path, monkeypatch):
    name = f"{make_url(URL).database}_kill"
    with psycopg.connect(_admin_dsn("postgres"), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                             (name,)).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    monkeypatch.setenv("FUND_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"SECRET_KEY": "x", "TESTING": True, "SERVER_NAME": "fond.test",
                      "BASE_URL": "http://fond.test", "MAIL_BACKEND": "file",
                      "SQLALCHEMY_DATABASE_URI": str(make_url(URL).set(database=name)
                                                     .render_as_string(hide_password=False)),
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        with _db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        load_plan(read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml"))
        _db.session.commit()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


class Killer:
    """At the ``at``-th write of a request, PostgreSQL terminates the backend serving
    it; the write then meets a dead connection."""

    def __init__(self, dsn: str, at: int = 2):
        self.dsn, self.at, self.count, self.killed = dsn, at, 0, None

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        from flask import has_request_context
        if self.killed or not has_request_context() or \
                not re.match(r"\s*(INSERT|UPDATE|DELETE)", statement):
            return
        self.count += 1
        if self.count < self.at:
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        with psycopg.connect(self.dsn, autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
            for _ in range(100):  # until the backend has gone
                if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s",
                                     (pid,)).fetchone():
                    break
                time.sleep(0.02)
        self.killed = statement


def test_a_terminated_backend_mid_save_gives_503_keeps_nothing_and_the_app_recovers(own_app):
    app = own_app
    with app.app_context():
        user = make_user("siri@example.no", name="Siri Søker")
        application = make_application(make_call(), make_organisation(user), user)
        _db.session.commit()
        application_id = application.id
        _db.session.remove()
    client = app.test_client()
    login(client, "siri@example.no")
    path = f"/soknader/{application_id}"
    data = browser_form(client.get(path).get_data(as_text=True), "application-form")
    data.update({"title": "Nytt navn på prosjektet", "save": "1"})

    with app.app_context():
        engine = _db.engine
        audit_before = _db.session.scalar(select(func.count()).select_from(AuditEvent))
        _db.session.remove()
    killer = Killer(_admin_dsn(engine.url.database), at=2)
    event.listen(engine, "before_cursor_execute", killer)
    try:
        response = client.post(path, data=data)
    finally:
        event.remove(engine, "before_cursor_execute", killer)
    assert killer.killed, "the request never reached its second write"
    assert response.status_code == 503, html_of(response)[:2000]
    assert "Det du sendte, er ikke lagret. Vent litt og prøv igjen." in html_of(response)
    with app.app_context():
        assert _db.session.get(Application, application_id).title != "Nytt navn på prosjektet"
        assert _db.session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before
        _db.session.remove()

    # The next request gets a live connection and goes through.
    response = client.post(path, data=data)
    assert response.status_code == 302, html_of(response)[:2000]
    with app.app_context():
        assert _db.session.get(Application, application_id).title == "Nytt navn på prosjektet"
        _db.session.remove()
