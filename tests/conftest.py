"""Fixtures: an app on a migrated database (SQLite by default, PostgreSQL when
DATABASE_URL points there), each test in a transaction that is rolled back."""

import os

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from fund import create_app
from fund.applications.operations import forget_overdue_look, submit
from fund.auth.models import Claim, Invitation
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.plan.loader import DATA_DIR, load_plan, read_plan_file
from fund.review.models import AccessRequest, ConflictDeclaration, ConflictGround
from tests.helpers import (
    SmtpServer,
    attach,
    make_application,
    make_call,
    make_organisation,
    make_user,
)


def _database_per_worker() -> None:
    """Under pytest-xdist each worker (``gw0``, ``gw1``…) gets a PostgreSQL database of its
    own, ``<name>_gw0``, made here if missing; every database the tests make next to it
    (``…_served``, ``…_kill``, backups) is named after it, so workers never share one.
    On SQLite each worker's temporary folders are its own already."""
    worker, base = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("DATABASE_URL")
    if not worker or not base or not base.startswith("postgresql"):
        return
    url = make_url(base)
    if url.database.endswith(f"_{worker}"):
        return
    url = url.set(database=f"{url.database}_{worker}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                              {"name": url.database}).first() is None:
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    os.environ["DATABASE_URL"] = url.render_as_string(hide_password=False)


_database_per_worker()


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session", autouse=True)
def same_html_same_pdf():
    """WeasyPrint renders the same HTML to the same PDF; the suite renders the same
    receipts and letters for its fixtures in hundreds of tests, so each distinct HTML
    document is rendered once per run (a real PDF/A-2a all the same)."""
    import hashlib

    import fund.core.pdf
    real, rendered = fund.core.pdf.write_pdf, {}

    def write_pdf(html: str) -> bytes:
        key = hashlib.sha256(html.encode()).hexdigest()
        if key not in rendered:
            rendered[key] = real(html)
        return rendered[key]

    write_pdf.__wrapped__ = real  # for the stories about rendering itself
    fund.core.pdf.write_pdf = write_pdf  # every document goes through fund.core.pdf.pdf_of
    yield
    fund.core.pdf.write_pdf = real


class FreshContextClient(FlaskClient):
    """Each request in its own app context, so ``g`` and the session are per request,
    as in production, even though the test itself holds an app context. Responses are
    read and closed as a server does, so what runs after the response (mail) has run."""

    def open(self, *args, buffered=True, **kwargs):
        with self.application.app_context():
            response = super().open(*args, buffered=False, **kwargs)
        # The request's context (and database session) has ended, as a server's has by
        # the time it has sent the answer; then the answer is read and closed.
        if buffered:
            response.get_data()
            response.close()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["FUND_INSTANCE_PATH"] = str(instance)
    url = database_url(tmp_path_factory)
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "SERVER_NAME": "fond.test",
        "BASE_URL": "http://fond.test",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # cheap; production uses scrypt
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "MAIL_BACKEND": "file",
    })
    app.test_client_class = FreshContextClient
    with app.app_context():
        if _db.engine.dialect.name == "postgresql":
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()  # the real migrations, as `flask db upgrade`
        load_plan(read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml"))
        _db.session.commit()
        _db.session.remove()
    return app


@pytest.fixture
def db(app):
    """A session bound to one connection whose outer transaction is rolled back."""
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        # One session per app context, as in the app: the test has its own, and each
        # request (pushed in a fresh context by FreshContextClient) gets another.
        _db.session = scoped_session(sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint"), scopefunc=_app_ctx_id)
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()
            forget_overdue_look(app)  # what the process learnt of the rolled back rows


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture
def applicant(db):
    return make_user()


@pytest.fixture
def world(db):
    """Two applicants with an organisation each, staff of every role, an open call, and
    applicant A's submitted application with an attachment, on which one caseworker
    (cw_inhabil) has declared themself disqualified."""
    a = make_user("a@example.no", name="Anne A")
    b = make_user("b@example.no", name="Bjørn B")
    users = {
        "a": a, "b": b,
        "cw": make_user("cw@example.no", Role.CASEWORKER),
        "mgr": make_user("mgr@example.no", Role.MANAGER),
        "admin": make_user("admin@example.no", Role.ADMIN),
        "cw_inhabil": make_user("inhabil@example.no", Role.CASEWORKER),
    }
    org = make_organisation(a)
    org_b = make_organisation(b, orgnr="912345696", name="Bjørns Bakeri")
    # Organisations: an invitation from A to B (B accepts it last), one from A to an address
    # without an account (A withdraws it), one from B to A (A declines it), and B's claim on A.
    invited_b = Invitation(organisation=org, email=b.email, invited_by=a)
    invited_c = Invitation(organisation=org, email="c@example.no", invited_by=a)
    invited_a = Invitation(organisation=org_b, email=a.email, invited_by=b)
    claim = Claim(organisation=org, claimant=b, reason="Jeg er daglig leder.")
    _db.session.add_all([invited_b, invited_c, invited_a, claim])
    call = make_call()
    application = make_application(call, org, a)
    attach(application, a)
    submit(application, a)
    _db.session.add(ConflictDeclaration(application=application, caseworker=users["cw_inhabil"],
                                        disqualified=True, ground=ConflictGround.FAMILY,
                                        explanation="Søsteren min er daglig leder."))
    access_request = AccessRequest(application_id=application.id, requested_by="Romerikes Blad",
                                   received_on=call.opens_at.date(), recorded_by_id=users["cw"].id)
    _db.session.add(access_request)
    _db.session.commit()
    values = {"organisation_id": org.id, "call_id": call.id, "period": "2022-2024",
              "token": "ugyldig-lenke", "filename": "app.css", "application_id": application.id,
              "attachment_id": application.attachments[0].id, "kind": "csv",
              "request_id": access_request.id,
              "letter_id": 2**31 - 1, "appeal_id": 2**31 - 1,
              "grant_id": 2**31 - 1, "export_id": 2**31 - 1, "payment_id": 2**31 - 1,
              "document_id": 2**31 - 1, "report_id": 2**31 - 1, "recovery_id": 2**31 - 1,
              "figure_id": 2**31 - 1}
    members = "/organisasjoner/<int:organisation_id>/medlemmer/<int:user_id>"
    invitations = "/invitasjoner/<int:invitation_id>"
    return users, values, {
        f"{members}/fjern": {"user_id": a.id}, f"{members}/ansvarlig": {"user_id": a.id},
        "/admin/brukere/<int:user_id>": {"user_id": b.id},
        "/organisasjoner/<int:organisation_id>/invitasjoner/<int:invitation_id>/trekk":
            {"invitation_id": invited_c.id},
        f"{invitations}/godta": {"invitation_id": invited_b.id},
        f"{invitations}/avsla": {"invitation_id": invited_a.id},
        "/organisasjoner/<int:organisation_id>/krav/<int:claim_id>": {"claim_id": claim.id}}


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server on loopback, and the app set to deliver to it."""
    server = SmtpServer()
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """The app served over HTTP on its own committed database (see tests/served.py)."""
    from tests.served import Served
    server = Served(tmp_path_factory.mktemp("served"))
    try:
        yield server
    finally:
        server.stop()
